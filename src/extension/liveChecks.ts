/**
 * Live checks: after an edit (debounced), on open and on save, each property gets a short falsification budget in the
 * worker; a counterexample becomes a diagnostic at once. Proofs are left to Verify.
 * Checks run one job at a time and are not cancelled: falsification is short and synchronous in the worker, where a
 * queue of cancelled jobs would outlast the cancellation grace and get the worker restarted. A newer edit makes the
 * running pass stop at its next job and run again on the latest text.
 */
import * as vscode from 'vscode';
import type { WorkerClient } from '../worker/client';
import type { CheckedDocuments } from './language/checkedDocuments';
import type { Counterexamples } from './counterexamples';
import type { Results } from './results';

const DEBOUNCE_MS = 300;

export class LiveChecks implements vscode.Disposable {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<string>();
  private readonly again = new Set<string>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly documents: CheckedDocuments,
    private readonly counterexamples: Counterexamples,
    private readonly results: Results,
    private readonly worker: () => WorkerClient,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidSaveTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => vscode.workspace.textDocuments.forEach((d) => this.schedule(d, 0))),
    ];
    vscode.workspace.textDocuments.forEach((d) => this.schedule(d, 0));
  }

  /** Checks a document again now (e.g. its model file changed). */
  recheck(document: vscode.TextDocument): void {
    this.schedule(document, 0);
  }

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    if (document.languageId !== 'prop' || !vscode.workspace.isTrusted) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.run(document);
    }, delayMs));
  }

  private async run(document: vscode.TextDocument): Promise<void> {
    const key = document.uri.toString();
    if (this.inFlight.has(key)) {
      this.again.add(key);
      return;
    }
    this.inFlight.add(key);
    try {
      await this.checkOnce(document);
    } finally {
      this.inFlight.delete(key);
      if (this.again.delete(key) && !document.isClosed) void this.run(document);
    }
  }

  private async checkOnce(document: vscode.TextDocument): Promise<void> {
    const doc = this.documents.get(document);
    if (!doc.modelPath || doc.diagnostics.some((d) => d.severity === 'error')) return;
    const budget = vscode.workspace.getConfiguration('netmend').get<number>('liveCheck.budgetSeconds', 0.5);
    const version = document.version;
    for (const property of doc.properties) {
      if (document.version !== version) {
        this.again.add(document.uri.toString());
        return;
      }
      try {
        const result = await this.worker().start('falsify', { modelPath: doc.modelPath, query: property.query, timeoutSec: budget }).result;
        if (document.version !== version) continue;
        if (result.status === 'violated') {
          this.counterexamples.report(document.uri, doc, property, result.counterexample);
          this.results.set(document.uri, property.declaration, result);
        }
      } catch (err) {
        // A Verify cancelled meanwhile may restart the worker under a live check: the next edit checks again.
        this.log.warn(`live check of ${property.name}: ${(err as Error).message}`);
      }
    }
  }

  dispose(): void {
    this.timers.forEach(clearTimeout);
    this.subscriptions.forEach((s) => s.dispose());
  }
}

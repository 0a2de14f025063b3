/**
 * Live checks: after an edit (debounced), on open and on save, each property gets a short falsification budget in the
 * worker; a counterexample becomes a diagnostic at once. A newer edit cancels the checks still running. Proofs are
 * left to Verify.
 */
import * as vscode from 'vscode';
import type { WorkerClient } from '../worker/client';
import type { CheckedDocuments } from './language/checkedDocuments';
import type { Counterexamples } from './counterexamples';
import type { Results } from './results';

const DEBOUNCE_MS = 300;

export class LiveChecks implements vscode.Disposable {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, (() => void)[]>();
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

  private schedule(document: vscode.TextDocument, delayMs: number): void {
    if (document.languageId !== 'prop' || !vscode.workspace.isTrusted) return;
    const key = document.uri.toString();
    clearTimeout(this.timers.get(key));
    this.cancel(key);
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.run(document);
    }, delayMs));
  }

  private cancel(key: string): void {
    this.running.get(key)?.forEach((cancel) => cancel());
    this.running.delete(key);
  }

  private async run(document: vscode.TextDocument): Promise<void> {
    const doc = this.documents.get(document);
    if (!doc.modelPath || doc.diagnostics.some((d) => d.severity === 'error')) return;
    const budget = vscode.workspace.getConfiguration('netmend').get<number>('liveCheck.budgetSeconds', 0.5);
    const key = document.uri.toString();
    const version = document.version;
    const jobs = doc.properties.map((property) => {
      const job = this.worker().start('falsify', { modelPath: doc.modelPath!, query: property.query, timeoutSec: budget });
      return { property, job };
    });
    this.running.set(key, jobs.map(({ job }) => () => job.cancel()));
    for (const { property, job } of jobs) {
      try {
        const result = await job.result;
        if (document.version !== version) return;
        if (result.status === 'violated') {
          this.counterexamples.report(document.uri, doc, property, result.counterexample);
          this.results.set(document.uri, property.name.replace(/\[\d+\]$/, ''), result);
        }
      } catch (err) {
        if (document.version === version) this.log.warn(`live check of ${property.name}: ${(err as Error).message}`);
      }
    }
  }

  dispose(): void {
    this.timers.forEach(clearTimeout);
    [...this.running.keys()].forEach((key) => this.cancel(key));
    this.subscriptions.forEach((s) => s.dispose());
  }
}

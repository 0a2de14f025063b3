/** Verify a property in the worker: progress with Cancel, the verdict as a CodeLens, a counterexample as a diagnostic. */
import * as vscode from 'vscode';
import { trustedPropDocument } from './propDocument';
import type { PropertyDecl } from '../core/property/ast';
import type { Counterexamples } from './counterexamples';
import type { JobStatus } from './jobStatus';
import { JobFailedError, type WorkerClient } from '../worker/client';
import type { CheckedDocument, CompiledProperty } from '../core/property';
import type { CheckedDocuments } from './language/checkedDocuments';
import { toRange } from './language/convert';
import type { Results } from './results';

export class Verifier {
  constructor(
    private readonly documents: CheckedDocuments,
    private readonly counterexamples: Counterexamples,
    private readonly results: Results,
    private readonly worker: () => WorkerClient,
    private readonly status: JobStatus,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Verifies every property of the active .prop document, one after another. */
  async verifyAll(uri?: vscode.Uri): Promise<void> {
    const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
    if (!document || document.languageId !== 'prop') return;
    for (const decl of this.documents.get(document).file.decls) {
      if (decl.kind === 'property' && !(await this.verify(document.uri, decl.name.name))) return;
    }
  }

  /** Verifies the named property (or the one at the cursor) of a .prop document; false when stopped or impossible. */
  async verify(uri?: vscode.Uri, name?: string): Promise<boolean> {
    const document = await trustedPropDocument(uri, { verb: 'verify', object: 'its properties' });
    if (!document) return false;
    const doc = this.documents.get(document);
    const cursor = vscode.window.activeTextEditor?.selection.active;
    const decl = doc.file.decls.find((d): d is PropertyDecl => d.kind === 'property' && (name ? d.name.name === name : !!cursor && toRange(d.range).contains(cursor)));
    const properties = decl ? doc.properties.filter((p) => p.declaration === decl.name.name) : [];
    // A file with errors is never verified: an erroneous region or requirement would be verified as something else.
    const error = doc.diagnostics.find((d) => d.severity === 'error');
    if (error) {
      void vscode.window.showErrorMessage(`Fix the errors in this file first (line ${error.range.start.line + 1}: ${error.message}).`);
      return false;
    }
    if (!decl || properties.length === 0 || !doc.modelPath) {
      void vscode.window.showErrorMessage('Place the cursor in a property to verify it.');
      return false;
    }
    const config = vscode.workspace.getConfiguration('netmend');
    const limits = {
      timeoutSec: config.get<number>('verify.timeoutSeconds', 60),
      // 0 (the default) leaves the choice to the worker: every core.
      threads: config.get<number>('verify.threads', 0) || undefined,
    };
    const done = this.status.begin(decl.name.name);
    try {
      return await this.run(document, doc, decl, properties, limits);
    } finally {
      done();
    }
  }

  private run(document: vscode.TextDocument, doc: CheckedDocument, decl: PropertyDecl, properties: readonly CompiledProperty[], limits: { timeoutSec: number; threads?: number }): Thenable<boolean> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `NetMend: verifying ${decl.name.name}`, cancellable: true }, async (progress, token) => {
      for (const property of properties) {
        const job = this.worker().start('verify', { modelPath: doc.modelPath!, query: property.query, ...limits }, {
          onProgress: (p) => progress.report({ message: `${property.name}: ${p.stage}${p.fractionDone !== undefined ? ` ${(100 * p.fractionDone).toFixed(0)}%` : ''}` }),
        });
        const cancel = token.onCancellationRequested(() => job.cancel());
        try {
          const result = await job.result;
          this.log.info(`${property.name}: ${result.status} in ${result.timeSec.toFixed(2)} s`);
          this.results.set(document.uri, decl.name.name, result);
          if (result.status === 'violated') {
            this.counterexamples.report(document.uri, doc, property, result.counterexample);
            return true;
          }
          if (result.status === 'unknown' && result.reason === 'cancelled') return false;
        } catch (err) {
          const cancelled = err instanceof JobFailedError && err.reason === 'cancelled';
          this.results.set(document.uri, decl.name.name, { status: 'unknown', timeSec: 0, reason: cancelled ? 'cancelled' : (err as Error).message });
          if (!cancelled) {
            this.log.error(`${property.name}: ${(err as Error).message}`);
            void vscode.window.showErrorMessage(`NetMend: ${property.name}: ${(err as Error).message}`);
          }
          return false;
        } finally {
          cancel.dispose();
        }
      }
      return true;
    });
  }
}

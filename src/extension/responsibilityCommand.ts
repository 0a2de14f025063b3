/**
 * Show Neuron Responsibility: localisation of a property's violation in the worker (progress, Cancel), drawn by the
 * side panel as a heatmap. From the palette, the CodeLens and the counterexample quick fix; a counterexample already
 * found for the property seeds the violating samples, and without one the worker asks the verifier, for a few seconds,
 * when no sample violates (ACAS Xu N1,9/phi7's and MNIST's tiny pockets of violations).
 */
import * as vscode from 'vscode';
import { LOCALIZE_VERIFY_SEC } from '../core/localize/types';
import { JobFailedError, type WorkerClient } from '../worker/client';
import type { Counterexamples } from './counterexamples';
import type { CheckedDocuments } from './language/checkedDocuments';
import type { JobStatus } from './jobStatus';
import type { NetMendPanel } from './panel/panel';
import { trustedPropDocument } from './propDocument';

export class ResponsibilityCommand {
  constructor(
    private readonly documents: CheckedDocuments,
    private readonly counterexamples: Counterexamples,
    private readonly worker: () => WorkerClient,
    private readonly status: JobStatus,
    private readonly panel: NetMendPanel,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async show(uri?: vscode.Uri, property?: string): Promise<boolean> {
    const document = await trustedPropDocument(uri, { verb: 'localise', object: 'its violations' });
    if (!document) return false;
    const doc = this.documents.get(document);
    const names = doc.properties.map((p) => p.name);
    const name = property ?? (names.length === 1 ? names[0] : await vscode.window.showQuickPick(names, { title: 'NetMend: which property\'s violation?' }));
    const target = doc.properties.find((p) => p.name === name);
    if (!name || !target || !doc.modelPath) {
      if (name) void vscode.window.showErrorMessage('NetMend: fix the errors in this file first.');
      return false;
    }
    const seed = this.counterexamples.forProperty(document.uri, name);
    const done = this.status.begin(`responsibility ${name}`);
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `NetMend: which neurons make ${name} fail?`, cancellable: true }, async (progress, token) => {
        // Briefly (LOCALIZE_VERIFY_SEC): on a property that holds the verifier would spend its whole limit; Verify,
        // with its own limit, finds what a short search misses, and its counterexample seeds the next localisation.
        const job = this.worker().start('localize', { modelPath: doc.modelPath!, query: target.query, counterexamples: seed ? [seed] : undefined, verifyTimeoutSec: LOCALIZE_VERIFY_SEC },
          { onProgress: (p) => progress.report({ message: p.stage }) });
        const cancel = token.onCancellationRequested(() => job.cancel());
        try {
          const responsibility = await job.result;
          this.log.info(`responsibility for ${name}: ${responsibility.samples.violating} violating / ${responsibility.samples.safe} safe samples in ${responsibility.timeSec.toFixed(2)} s`);
          this.panel.showResponsibility(document.uri, responsibility);
          return true;
        } catch (err) {
          if (!(err instanceof JobFailedError && err.reason === 'cancelled')) {
            this.log.error(`responsibility for ${name}: ${(err as Error).message}`);
            void vscode.window.showErrorMessage(`NetMend: responsibility for ${name}: ${(err as Error).message}`);
          }
          return false;
        } finally {
          cancel.dispose();
        }
      });
    } finally {
      done();
    }
  }
}

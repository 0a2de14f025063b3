/**
 * Repair Model...: pick a property (when not given) and a method, the configured default first; run the repair in the
 * worker (progress, Cancel); show the driver's report in the side panel for review. The repaired model waits in a
 * temporary file: nothing is written beside the user's model unless they accept it in the panel.
 */
import * as vscode from 'vscode';
import type { CheckedDocument, CompiledProperty } from '../core/property';
import { REPAIR_CATALOG, type RepairMethodInfo } from '../core/repair/catalog';
import type { RepairReport } from '../core/repair/report';
import { decisionOf, inputDomain, pointInput } from '../core/property/repairContext';
import type { PointProperty } from '../core/repair/pointSets';
import { JobFailedError, type WorkerClient } from '../worker/client';
import { trustedPropDocument } from './propDocument';
import type { CheckedDocuments } from './language/checkedDocuments';
import type { JobStatus } from './jobStatus';
import type { FineTuneRequest, NetMendPanel } from './panel/panel';
import { formatNeuronList } from '../core/repair/birdnn/neuronList';
import { VERDICT_LABEL } from '../core/repair/reportText';

type MethodItem = vscode.QuickPickItem & { readonly method: RepairMethodInfo };

/** A `for each` property repaired at its points (one instance per data point with one value per input). */
interface PointSetTarget { readonly name: string; readonly points: readonly PointProperty[] }

function pointSetTarget(doc: CheckedDocument, name: string): PointSetTarget | undefined {
  const points = doc.properties.flatMap((p) => {
    const input = p.declaration === name && p.point ? pointInput(doc, p.point.values) : undefined;
    return input ? [{ name: p.name, query: p.query, input, label: p.point!.label }] : [];
  });
  return points.length > 0 ? { name, points } : undefined;
}

/** The methods as quick-pick items, the default first and marked. */
export function methodItems(defaultId: string): MethodItem[] {
  const first = REPAIR_CATALOG.find((m) => m.id === defaultId) ?? REPAIR_CATALOG[0];
  return [first, ...REPAIR_CATALOG.filter((m) => m !== first)].map((method) => ({
    label: method.name,
    description: `${method.guarantee === 'provable' ? 'provable' : 'trained on samples'}${method === first ? ' (default)' : ''}`,
    detail: method.summary,
    method,
  }));
}

export interface RepairOutcomeShown {
  readonly property: string;
  readonly method: string;
  readonly verdict?: RepairReport['verdict']['status'];
  readonly repairedPath?: string;
}

export class RepairCommand {
  constructor(
    private readonly documents: CheckedDocuments,
    private readonly worker: () => WorkerClient,
    private readonly status: JobStatus,
    private readonly log: vscode.LogOutputChannel,
    private readonly panel: NetMendPanel,
  ) {}

  /** From the CodeLens or a quick fix (document and property given) or the palette (the active .prop editor). */
  async repair(uri?: vscode.Uri, property?: string): Promise<RepairOutcomeShown | undefined> {
    const document = await trustedPropDocument(uri, { verb: 'repair', object: 'its model' });
    if (!document) return undefined;
    const doc = this.documents.get(document);
    const name = property ?? (await this.pickProperty(document));
    if (!name) return undefined;
    const config = vscode.workspace.getConfiguration('netmend');
    const picked = await vscode.window.showQuickPick(methodItems(config.get<string>('repair.defaultMethod', 'reassure')), {
      title: `NetMend: repair the model for ${name}`,
      placeHolder: 'Repair method',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked) return undefined;
    // A `for each` declaration is repaired at its points: their verdicts on the model give the repair and keep sets.
    const target = doc.properties.find((p) => p.name === name) ?? pointSetTarget(doc, name);
    const domain = inputDomain(doc);
    if (!target || !doc.modelPath || !domain || doc.diagnostics.some((d) => d.severity === 'error')) {
      void vscode.window.showErrorMessage(`NetMend: ${name} cannot be repaired: ${!domain ? 'every input needs a declared domain (input x in [lo, hi])' : 'fix the errors in this file first'}.`);
      return { property: name, method: picked.method.id };
    }
    const done = this.status.begin(`repair ${name}`);
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `NetMend: repairing for ${name} with ${picked.method.name}`, cancellable: true }, async (progress, token) => {
        const run = await this.run(doc, target, picked.method, progress, token);
        if (run) await this.panel.showReport(run.report, run.repairedPath, document.uri);
        return { property: name, method: picked.method.id, verdict: run?.report.verdict.status, repairedPath: run?.repairedPath };
      });
    } finally {
      done();
    }
  }

  /** Repair with Every Method: the methods this build has that repair properties, one after another, compared in the panel. */
  async repairAll(uri?: vscode.Uri, property?: string): Promise<readonly RepairReport[] | undefined> {
    const document = await trustedPropDocument(uri, { verb: 'repair', object: 'its model' });
    if (!document) return undefined;
    const doc = this.documents.get(document);
    const name = property ?? (await this.pickProperty(document));
    const target = doc.properties.find((p) => p.name === name);
    if (!name || !target || !doc.modelPath || !inputDomain(doc)) {
      if (name) void vscode.window.showErrorMessage(`NetMend: ${name} cannot be repaired: fix the errors in this file and declare every input's domain.`);
      return undefined;
    }
    const built = new Set(await this.worker().start('repairMethods', {}).result);
    const methods = REPAIR_CATALOG.filter((m) => built.has(m.id) && m.needs.includes('property'));
    const done = this.status.begin(`repair ${name} with every method`);
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `NetMend: repairing for ${name} with every method`, cancellable: true }, async (progress, token) => {
        const entries: { report: RepairReport; repaired?: string }[] = [];
        for (const method of methods) {
          if (token.isCancellationRequested) break;
          const run = await this.run(doc, target, method, { report: (p) => progress.report({ message: `${method.name}: ${p.message ?? ''}` }) }, token);
          if (run) entries.push({ report: run.report, repaired: run.repairedPath });
        }
        if (entries.length > 0) await this.panel.showComparison(entries, document.uri, name);
        return entries.map((e) => e.report);
      });
    } finally {
      done();
    }
  }

  /** "Fine-tune these neurons" in the panel: BIRDNN fine-tuning of exactly the neurons selected on the heatmap. */
  async fineTune(request: FineTuneRequest): Promise<RepairOutcomeShown | undefined> {
    const document = await trustedPropDocument(request.docUri, { verb: 'repair', object: 'its model' });
    if (!document) return undefined;
    const doc = this.documents.get(document);
    const target = doc.properties.find((p) => p.name === request.property);
    const method = REPAIR_CATALOG.find((m) => m.id === 'birdnn-ft')!;
    if (!target || !doc.modelPath || !inputDomain(doc) || doc.diagnostics.some((d) => d.severity === 'error')) {
      void vscode.window.showErrorMessage(`NetMend: ${request.property} cannot be repaired: fix the errors in this file and declare every input's domain.`);
      return { property: request.property, method: method.id };
    }
    if (!(await this.worker().start('repairMethods', {}).result).includes(method.id)) {
      void vscode.window.showInformationMessage(`NetMend: ${method.name} is not in this build; nothing was changed.`);
      return { property: request.property, method: method.id };
    }
    const count = request.neurons.length;
    const done = this.status.begin(`fine-tune ${count} neurons for ${target.name}`);
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `NetMend: fine-tuning ${count} neurons for ${target.name}`, cancellable: true }, async (progress, token) => {
        this.panel.setBusy(`Fine-tuning ${count} selected neurons for ${target.name}…`);
        try {
          const run = await this.run(doc, target, method, progress, token, { select: formatNeuronList(request.neurons) });
          if (run) await this.panel.showReport(run.report, run.repairedPath, document.uri);
          return { property: target.name, method: method.id, verdict: run?.report.verdict.status, repairedPath: run?.repairedPath };
        } finally {
          this.panel.setBusy(undefined);
        }
      });
    } finally {
      done();
    }
  }

  /** One method in the worker; undefined when cancelled or failed (the failure is shown). */
  private async run(
    doc: CheckedDocument, target: CompiledProperty | PointSetTarget, method: RepairMethodInfo,
    progress: { report(value: { message?: string }): void }, token: vscode.CancellationToken,
    options: Readonly<Record<string, string | number | boolean>> = {},
  ): Promise<{ report: RepairReport; repairedPath?: string } | undefined> {
    const config = vscode.workspace.getConfiguration('netmend');
    const points = 'points' in target ? target.points : undefined;
    const others = config.get<boolean>('repair.recheckOtherProperties', true) ? doc.properties.filter((p) => p !== target && p.declaration !== target.name) : [];
    const job = this.worker().start('repair', {
      modelPath: doc.modelPath!, method: method.id,
      target: points ? undefined : { name: target.name, query: (target as CompiledProperty).query },
      pointSet: points,
      others: others.map((p) => ({ name: p.name, query: p.query })),
      repairSet: [], keepSet: [], domain: inputDomain(doc)!, decision: decisionOf(doc), options,
      timeoutSec: config.get<number>('repair.timeoutSeconds', 300),
      verifyTimeoutSec: config.get<number>('verify.timeoutSeconds', 60),
      threads: config.get<number>('verify.threads', 0) || undefined,
    }, { onProgress: (p) => progress.report({ message: p.stage }) });
    const cancel = token.onCancellationRequested(() => job.cancel());
    try {
      const result = await job.result;
      this.log.info(`repair of ${target.name} with ${result.report.methodName}: ${VERDICT_LABEL[result.report.verdict.status]}: ${result.report.verdict.detail}`);
      return result;
    } catch (err) {
      if (!(err instanceof JobFailedError && err.reason === 'cancelled')) {
        this.log.error(`repair of ${target.name} with ${method.name}: ${(err as Error).message}`);
        void vscode.window.showErrorMessage(`NetMend: repair of ${target.name} with ${method.name}: ${(err as Error).message}. The model is unchanged.`);
      }
      return undefined;
    } finally {
      cancel.dispose();
    }
  }

  private async pickProperty(document: vscode.TextDocument): Promise<string | undefined> {
    const names = this.documents.get(document).file.decls.filter((d) => d.kind === 'property').map((d) => d.name.name);
    if (names.length === 0) {
      void vscode.window.showErrorMessage('This file declares no property to repair for.');
      return undefined;
    }
    return names.length === 1 ? names[0] : vscode.window.showQuickPick(names, { title: 'NetMend: repair the model for which property?' });
  }
}

/**
 * The VS Code host: thin by design. It owns the log, the worker client and the per-document state, and registers UI;
 * the engine lives in src/core and heavy work runs in the worker thread (src/worker).
 */
import * as vscode from 'vscode';
import { WorkerClient } from '../worker/client';
import { initLp } from '../core/lp';
import { PropertyCodeLens } from './codeLens';
import { convertVnnlib } from './convertCommand';
import { registerPropLanguage } from './language';
import { Results } from './results';
import { Verifier } from './verifyCommand';
import { Counterexamples } from './counterexamples';
import { LiveChecks } from './liveChecks';
import { JobStatus } from './jobStatus';
import { openExample } from './example';
import { RepairCommand } from './repairCommand';
import { ResponsibilityCommand } from './responsibilityCommand';
import { VerdictHover } from './verdictHover';
import { addCounterexample, copyCounterexample, CounterexampleActions } from './counterexampleActions';
import { NetMendPanel } from './panel/panel';

/** What activation returns: the panel, for the commands that fill it and for the e2e tests. */
export interface NetMendApi {
  readonly panel: NetMendPanel;
}

export function activate(context: vscode.ExtensionContext): NetMendApi {
  const log = vscode.window.createOutputChannel('NetMend', { log: true });
  let worker: WorkerClient | undefined;
  const getWorker = () => (worker ??= new WorkerClient({ workerPath: context.asAbsolutePath('dist/worker.js'), log: (line) => log.info(line) }));
  const documents = registerPropLanguage(context);
  const results = new Results();
  const counterexamples = new Counterexamples();
  const status = new JobStatus();
  const verifier = new Verifier(documents, counterexamples, results, getWorker, status, log);
  const stale = (uri: vscode.Uri) => { results.clear(uri); counterexamples.clear(uri); };
  const liveChecks = new LiveChecks(documents, counterexamples, results, getWorker, log);
  // The side panel (heatmap, repair review, comparison); registered now so a panel left open survives a reload.
  const panel = new NetMendPanel(context, { log, recheck: (document) => liveChecks.recheck(document) });
  const repairs = new RepairCommand(documents, getWorker, status, log, panel);
  panel.setFineTuneHandler((request) => void repairs.fineTune(request));
  const responsibility = new ResponsibilityCommand(documents, counterexamples, getWorker, status, panel, log);
  context.subscriptions.push(
    log, results, counterexamples, status,
    { dispose: () => worker?.dispose() },
    vscode.languages.registerCodeLensProvider({ language: 'prop' }, new PropertyCodeLens(documents, results)),
    vscode.languages.registerHoverProvider({ language: 'prop' }, new VerdictHover(documents, results)),
    vscode.commands.registerCommand('netmend.showLog', () => log.show()),
    vscode.commands.registerCommand('netmend.verifyProperty', (uri?: vscode.Uri, name?: string) => verifier.verify(uri, name)),
    vscode.commands.registerCommand('netmend.verifyAll', (uri?: vscode.Uri) => verifier.verifyAll(uri)),
    vscode.commands.registerCommand('netmend.cancelJobs', () => worker?.cancelAll()),
    vscode.commands.registerCommand('netmend.copyCounterexample', copyCounterexample),
    vscode.commands.registerCommand('netmend.addCounterexample', addCounterexample),
    vscode.languages.registerCodeActionsProvider({ language: 'prop' }, new CounterexampleActions(counterexamples), { providedCodeActionKinds: CounterexampleActions.kinds }),
    vscode.commands.registerCommand('netmend.repairModel', (uri?: vscode.Uri, property?: string) => repairs.repair(uri, property)),
    vscode.commands.registerCommand('netmend.repairAll', (uri?: vscode.Uri, property?: string) => repairs.repairAll(uri, property)),
    vscode.commands.registerCommand('netmend.showResponsibility', (uri?: vscode.Uri, property?: string) => responsibility.show(uri, property)),
    vscode.commands.registerCommand('netmend.convertVnnlib', (uri?: vscode.Uri) => convertVnnlib(uri)),
    vscode.workspace.onDidChangeTextDocument((e) => { if (e.document.languageId === 'prop' && e.contentChanges.length > 0) stale(e.document.uri); }),
    liveChecks,
    panel,
    vscode.commands.registerCommand('netmend.openExample', () => openExample(context)),
    vscode.commands.registerCommand('netmend.acceptRepair', (overwrite?: boolean) => pendingReview((id) => panel.accept(id, overwrite === true))),
    vscode.commands.registerCommand('netmend.rejectRepair', () => pendingReview((id) => panel.reject(id))),
  );
  const pendingReview = async (act: (reviewId: string) => Promise<unknown>) => {
    const id = panel.pendingReview();
    if (id) await act(id);
    else void vscode.window.showInformationMessage('NetMend: no repair is waiting for review in the panel.');
  };
  // Verdicts and counterexamples speak of the model as it was: a model file changed on disk makes them stale.
  const models = vscode.workspace.createFileSystemWatcher('**/*.{onnx,nnet}');
  const modelChanged = (uri: vscode.Uri) => {
    for (const document of vscode.workspace.textDocuments) {
      if (document.languageId !== 'prop' || documents.get(document).modelPath !== uri.fsPath) continue;
      documents.forget(document);
      stale(document.uri);
      liveChecks.recheck(document);
    }
  };
  context.subscriptions.push(models, models.onDidChange(modelChanged), models.onDidCreate(modelChanged), models.onDidDelete(modelChanged));
  // The checker tests regions with linear constraints for emptiness once the LP solver is loaded.
  void initLp().catch((err) => log.warn(`LP solver unavailable: ${(err as Error).message}`));
  log.info(`NetMend ${context.extension.packageJSON.version} activated${vscode.workspace.isTrusted ? '' : ' (untrusted folder: models are not loaded)'}`);
  return { panel };
}

export function deactivate(): void {}

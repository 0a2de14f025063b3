/**
 * The VS Code host: thin by design. It owns the output channel and registers UI; the engine lives in src/core and
 * heavy work runs in the worker (src/worker).
 */
import * as vscode from 'vscode';
import { registerPropLanguage } from './language';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('NetMend', { log: true });
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('netmend.showLog', () => log.show()),
  );
  registerPropLanguage(context);
  log.info(`NetMend ${context.extension.packageJSON.version} activated${vscode.workspace.isTrusted ? '' : ' (untrusted folder: models are not loaded)'}`);
}

export function deactivate(): void {}

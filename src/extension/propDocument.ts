/** The .prop document a model command acts on (the given one or the active editor's), in a trusted folder only. */
import * as vscode from 'vscode';

/** `action` completes "Trust the folder to ..." and "Open a .prop file to ...". */
export async function trustedPropDocument(uri: vscode.Uri | undefined, action: { verb: string; object: string }): Promise<vscode.TextDocument | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(`NetMend does not load or run models in an untrusted folder. Trust the folder to ${action.verb}.`);
    return undefined;
  }
  const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!document || document.languageId !== 'prop') {
    void vscode.window.showInformationMessage(`Open a .prop file to ${action.verb} ${action.object}.`);
    return undefined;
  }
  return document;
}

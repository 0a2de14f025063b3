/**
 * Accept, as the user sees it: confirmations (overwrite, an existing file, a repair the verifier did not prove), the
 * atomic write (acceptRepair.ts), an offer to point the .prop file's `model` line at the new file (an undoable edit),
 * and the live checks run again. A failure says what happened and that the original is unchanged.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parse } from '../../core/property/parser';
import type { ReviewStatus } from '../../../webview/protocol';
import { acceptRepair, DEFAULT_NAME_TEMPLATE, freePath, modelLineEdit, repairedModelPath } from './acceptRepair';
import type { ReviewRecord } from './reviews';
import { acceptWarning } from '../../core/repair/reportText';

/** Runs the accept; the review's new status, or undefined when the user cancelled (it stays pending). */
/** What the panel's flows need from the extension. */
export interface PanelDeps {
  readonly log: vscode.LogOutputChannel;
  /** Re-runs the live checks of a .prop document (after Accept changed its model or its `model` line). */
  readonly recheck: (document: vscode.TextDocument) => void;
}

export async function acceptReview(record: ReviewRecord, candidate: string, overwrite: boolean, deps: PanelDeps): Promise<ReviewStatus | undefined> {
  const model = record.modelPath;
  const name = path.basename(model);
  const warning = acceptWarning(record.report);
  if (warning) {
    const go = await vscode.window.showWarningMessage(`${warning} Accept it anyway?`, { modal: true }, 'Accept anyway');
    if (!go) return undefined;
  }
  let target: string | undefined;
  if (overwrite) {
    const go = await vscode.window.showWarningMessage(`Overwrite ${name} with the repaired model?`, { modal: true, detail: 'A backup of the original is written first, beside it.' }, 'Overwrite');
    if (!go) return undefined;
  } else {
    const template = vscode.workspace.getConfiguration('netmend').get<string>('repair.acceptedName', DEFAULT_NAME_TEMPLATE);
    try {
      target = repairedModelPath(model, template);
    } catch (err) {
      return fail(`Nothing was written: ${(err as Error).message} (setting netmend.repair.acceptedName).`, deps);
    }
    if (existsSync(target)) {
      const other = await freePath(target);
      const choice = await vscode.window.showWarningMessage(`${path.basename(target)} exists already.`, { modal: true }, 'Replace it', `Save as ${path.basename(other)}`);
      if (!choice) return undefined;
      if (choice !== 'Replace it') target = other;
    }
  }
  let result;
  try {
    result = await acceptRepair({ modelPath: model, repaired: candidate, overwrite, target });
  } catch (err) {
    return fail(`Accept failed: ${(err as Error).message}. The original ${name} is unchanged.`, deps);
  }
  deps.log.info(`repair accepted: wrote ${result.written}${result.backup ? `, backup of the original in ${result.backup}` : ''}`);
  // The model is written: from here on, a .prop file that cannot be opened (deleted, renamed) only skips the follow-up.
  const document = record.docUri ? await vscode.workspace.openTextDocument(vscode.Uri.parse(record.docUri)).then((d) => d, () => undefined) : undefined;
  if (document && !overwrite) void offerModelLine(document, result.written, deps);
  else if (document) deps.recheck(document);
  void vscode.window.showInformationMessage(overwrite ? `NetMend: ${name} replaced by the repaired model (backup: ${path.basename(result.backup!)}).` : `NetMend: the repaired model was written to ${path.basename(result.written)}.`);
  return { state: 'accepted', path: result.written, backup: result.backup };
}

function fail(message: string, deps: PanelDeps): ReviewStatus {
  deps.log.error(message);
  void vscode.window.showErrorMessage(`NetMend: ${message}`);
  return { state: 'failed', message };
}

/** Offers to point the .prop file at the repaired model: an ordinary edit, so Undo takes it back. */
async function offerModelLine(document: vscode.TextDocument, written: string, deps: PanelDeps): Promise<void> {
  const decl = parse(document.getText()).file.decls.find((d) => d.kind === 'model');
  if (!decl || decl.kind !== 'model') return;
  const choice = await vscode.window.showInformationMessage(`Check ${path.basename(document.fileName)} against the repaired model?`, `Use ${path.basename(written)}`);
  if (!choice) return;
  const edit = modelLineEdit(decl, document.fileName, written);
  const workspaceEdit = new vscode.WorkspaceEdit();
  const range = new vscode.Range(edit.range.start.line, edit.range.start.character, edit.range.end.line, edit.range.end.character);
  workspaceEdit.replace(document.uri, range, edit.text);
  if (await vscode.workspace.applyEdit(workspaceEdit)) deps.recheck(document);
}

/** "Convert VNN-LIB to .prop": writes NAME.prop beside the .vnnlib file and opens it. */
import { writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { InputError } from '../core/errors';
import { FILE_LIMITS, readRegularText } from '../core/files';
import { queryToProp } from '../core/property/toProp';
import { parseVnnlib } from '../core/property/vnnlib';

export async function convertVnnlib(uri?: vscode.Uri): Promise<void> {
  const source = uri ?? (vscode.window.activeTextEditor?.document.fileName.endsWith('.vnnlib') ? vscode.window.activeTextEditor.document.uri : undefined)
    ?? (await vscode.window.showOpenDialog({ filters: { 'VNN-LIB': ['vnnlib'] }, canSelectMany: false }))?.[0];
  if (!source) return;
  try {
    const query = parseVnnlib(readRegularText(source.fsPath, 'VNN-LIB file', FILE_LIMITS.property), source.fsPath);
    const target = source.fsPath.replace(/\.vnnlib$/i, '') + '.prop';
    writeFileSync(target, queryToProp(query, source.fsPath.split(/[\\/]/).pop()!));
    await vscode.window.showTextDocument(vscode.Uri.file(target));
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    void vscode.window.showErrorMessage(`NetMend: ${err.describe()}`);
  }
}

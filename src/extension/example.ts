/** "Open the ACAS Xu Example": a copy of the bundled example in the extension's storage, so it can be edited freely. */
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

export async function openExample(context: vscode.ExtensionContext): Promise<void> {
  const target = join(context.globalStorageUri.fsPath, 'acasxu-example');
  if (!existsSync(join(target, 'acasxu.prop'))) cpSync(context.asAbsolutePath(join('examples', 'acasxu')), target, { recursive: true });
  await vscode.window.showTextDocument(vscode.Uri.file(join(target, 'acasxu.prop')));
}

/** Syntax and checker diagnostics as you type (debounced), on open and on save. */
import * as vscode from 'vscode';
import type { CheckedDocuments } from './checkedDocuments';
import { toDiagnostic } from './convert';

const DEBOUNCE_MS = 250;

export function registerDiagnostics(context: vscode.ExtensionContext, documents: CheckedDocuments): void {
  const collection = vscode.languages.createDiagnosticCollection('netmend-prop');
  const timers = new Map<string, NodeJS.Timeout>();
  const update = (document: vscode.TextDocument) => {
    if (document.languageId !== 'prop') return;
    collection.set(document.uri, documents.get(document).diagnostics.map(toDiagnostic));
  };
  const schedule = (document: vscode.TextDocument) => {
    const key = document.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(key, setTimeout(() => { timers.delete(key); update(document); }, DEBOUNCE_MS));
  };
  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(update),
    vscode.workspace.onDidSaveTextDocument(update),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((document) => { collection.delete(document.uri); documents.forget(document); }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => vscode.workspace.textDocuments.forEach(update)),
    { dispose: () => timers.forEach(clearTimeout) },
  );
  vscode.workspace.textDocuments.forEach(update);
}

/** Hovering a verified property's name shows its latest verdict: how it was decided, how long it took. */
import * as vscode from 'vscode';
import type { CheckedDocuments } from './language/checkedDocuments';
import { toRange } from './language/convert';
import type { Results } from './results';
import type { PropertyDecl } from '../core/property/ast';

export class VerdictHover implements vscode.HoverProvider {
  constructor(private readonly documents: CheckedDocuments, private readonly results: Results) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const decl = this.documents.get(document).file.decls.find((d): d is PropertyDecl => d.kind === 'property' && toRange(d.name.range).contains(position));
    const result = decl && this.results.get(document.uri, decl.name.name);
    if (!decl || !result) return undefined;
    const time = `${result.timeSec.toFixed(2)} s`;
    const text = result.status === 'holds'
      ? `**NetMend: holds** (proved in ${time}): no input of the region breaks the requirement.`
      : result.status === 'violated'
        ? `**NetMend: violated** (found in ${time}): see the counterexample on the requirement.`
        : `**NetMend: unknown** after ${time}: ${result.reason}.`;
    return new vscode.Hover(new vscode.MarkdownString(text), toRange(decl.name.range));
  }
}

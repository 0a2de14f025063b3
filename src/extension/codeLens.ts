/** "Verify | Repair | Responsibility" above each property, and its latest verdict ("holds (0.4 s)", "violated", "unknown"). */
import * as vscode from 'vscode';
import type { CheckedDocuments } from './language/checkedDocuments';
import { toRange } from './language/convert';
import type { Results } from './results';

export class PropertyCodeLens implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly documents: CheckedDocuments, private readonly results: Results) {
    this.onDidChangeCodeLenses = (listener, thisArg, disposables) => results.onDidChange(() => listener.call(thisArg), undefined, disposables);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const doc = this.documents.get(document);
    return doc.file.decls.flatMap((decl) => {
      if (decl.kind !== 'property') return [];
      const range = toRange(decl.name.range);
      const name = decl.name.name;
      const lenses = [
        new vscode.CodeLens(range, { title: 'Verify', command: 'netmend.verifyProperty', arguments: [document.uri, name] }),
        new vscode.CodeLens(range, { title: 'Repair', command: 'netmend.repairModel', arguments: [document.uri, name] }),
        new vscode.CodeLens(range, { title: 'Responsibility', command: 'netmend.showResponsibility', arguments: [document.uri, name] }),
      ];
      const result = this.results.get(document.uri, name);
      if (result) {
        const title = result.status === 'holds' ? `holds (${result.timeSec.toFixed(1)} s)` : result.status === 'violated' ? `violated (${result.timeSec.toFixed(1)} s)` : `unknown: ${result.reason}`;
        lenses.push(new vscode.CodeLens(range, { title, command: '' }));
      }
      return lenses;
    });
  }
}

/** Editor features for .prop files: diagnostics, hover, completion and the outline, on the core's language service. */
import * as vscode from 'vscode';
import { completions, hover, outline } from '../../core/property/languageService';
import { CheckedDocuments } from './checkedDocuments';
import { toRange } from './convert';
import { registerDiagnostics } from './diagnostics';

const SELECTOR: vscode.DocumentSelector = { language: 'prop' };

const SYMBOL_KIND = {
  model: vscode.SymbolKind.File, input: vscode.SymbolKind.Variable, output: vscode.SymbolKind.Variable,
  const: vscode.SymbolKind.Constant, data: vscode.SymbolKind.Array, property: vscode.SymbolKind.Function,
};

const COMPLETION_KIND = {
  keyword: vscode.CompletionItemKind.Keyword, input: vscode.CompletionItemKind.Variable, output: vscode.CompletionItemKind.Variable,
  const: vscode.CompletionItemKind.Constant, data: vscode.CompletionItemKind.Reference, property: vscode.CompletionItemKind.Function,
};

export function registerPropLanguage(context: vscode.ExtensionContext): CheckedDocuments {
  const documents = new CheckedDocuments();
  registerDiagnostics(context, documents);
  context.subscriptions.push(
    vscode.languages.registerHoverProvider(SELECTOR, {
      provideHover(document, position) {
        const h = hover(documents.get(document), document.getText(), position);
        return h && new vscode.Hover(new vscode.MarkdownString(h.contents), toRange(h.range));
      },
    }),
    vscode.languages.registerCompletionItemProvider(SELECTOR, {
      provideCompletionItems(document, position) {
        return completions(documents.get(document), document.getText(), position).map((c) => {
          const item = new vscode.CompletionItem(c.label, COMPLETION_KIND[c.kind]);
          item.detail = c.detail;
          return item;
        });
      },
    }),
    vscode.languages.registerDocumentSymbolProvider(SELECTOR, {
      provideDocumentSymbols(document) {
        return outline(documents.get(document)).map((o) => new vscode.DocumentSymbol(o.name, o.detail, SYMBOL_KIND[o.kind], toRange(o.range), toRange(o.selection)));
      },
    }),
  );
  return documents;
}

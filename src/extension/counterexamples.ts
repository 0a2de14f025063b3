/**
 * Counterexample diagnostics: on the property's requirement, with the inputs and outputs in the file's physical units
 * and the clause they break. Shared by Verify and the live checks; cleared when the document changes.
 */
import * as vscode from 'vscode';
import type { CheckedDocument, CompiledProperty } from '../core/spec';
import { formatValues, physicalValues } from '../core/spec/present';
import type { Counterexample } from '../core/verify/types';
import { toRange } from './language/convert';

export class Counterexamples {
  private readonly collection = vscode.languages.createDiagnosticCollection('netmend-counterexamples');

  report(uri: vscode.Uri, doc: CheckedDocument, property: CompiledProperty, { input, output, clause }: Counterexample): void {
    const message = `${property.name} is violated. Inputs: ${formatValues(physicalValues(doc.symbols, 'input', input))}. Outputs: ${formatValues(physicalValues(doc.symbols, 'output', output))}. Breaks: ${property.clauseTexts[clause]}.`;
    const diagnostic = new vscode.Diagnostic(toRange(property.requireRange), message, vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'netmend';
    diagnostic.code = 'counterexample';
    const others = (this.collection.get(uri) ?? []).filter((d) => !d.message.startsWith(`${property.name} `));
    this.collection.set(uri, [...others, diagnostic]);
  }

  has(uri: vscode.Uri, property: string): boolean {
    return (this.collection.get(uri) ?? []).some((d) => d.message.startsWith(`${property} `));
  }

  clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  dispose(): void {
    this.collection.dispose();
  }
}

/**
 * Counterexample diagnostics: on the property's requirement, with the inputs and outputs in the file's physical units,
 * the clause they break, and links to the input declarations. Shared by Verify and the live checks; cleared when the
 * document changes. The code actions read the counterexample behind a diagnostic from here.
 */
import * as vscode from 'vscode';
import type { CheckedDocument, CompiledProperty } from '../core/property';
import { formatValues, physicalValues, type NamedValue } from '../core/property/present';
import type { Counterexample } from '../core/verify/types';
import { toRange } from './language/convert';

export interface ReportedCounterexample {
  readonly property: string;
  readonly inputs: readonly NamedValue[];
  readonly outputs: readonly NamedValue[];
  /** The network-space input, as the model reads it. */
  readonly networkInput: readonly number[];
  readonly clause: string;
}

export class Counterexamples {
  private readonly collection = vscode.languages.createDiagnosticCollection('netmend-counterexamples');
  private readonly reported = new WeakMap<vscode.Diagnostic, ReportedCounterexample>();

  report(uri: vscode.Uri, doc: CheckedDocument, property: CompiledProperty, { input, output, clause }: Counterexample): void {
    const found: ReportedCounterexample = {
      property: property.name,
      inputs: physicalValues(doc.symbols, 'input', input),
      outputs: physicalValues(doc.symbols, 'output', output),
      networkInput: Array.from(input),
      clause: property.clauseTexts[clause],
    };
    const message = `${property.name} is violated. Inputs: ${formatValues(found.inputs)}. Outputs: ${formatValues(found.outputs)}. Breaks: ${found.clause}.`;
    const diagnostic = new vscode.Diagnostic(toRange(property.requireRange), message, vscode.DiagnosticSeverity.Error);
    diagnostic.source = 'netmend';
    diagnostic.code = 'counterexample';
    diagnostic.relatedInformation = doc.symbols.variables('input').slice(0, 10).map((v) => new vscode.DiagnosticRelatedInformation(
      new vscode.Location(uri, toRange(v.range)),
      // formatValues names each value already ("rho = 1500 ft", or "x[0] = ..., x[1] = ..." for a vector).
      formatValues(found.inputs.filter((x) => x.name === v.name || x.name.startsWith(`${v.name}[`)), 4),
    ));
    this.reported.set(diagnostic, found);
    const others = (this.collection.get(uri) ?? []).filter((d) => !d.message.startsWith(`${property.name} `));
    this.collection.set(uri, [...others, diagnostic]);
  }

  /** The counterexamples behind the diagnostics that touch a range. */
  at(uri: vscode.Uri, range: vscode.Range): { diagnostic: vscode.Diagnostic; found: ReportedCounterexample }[] {
    return (this.collection.get(uri) ?? []).flatMap((diagnostic) => {
      const found = this.reported.get(diagnostic);
      return found && diagnostic.range.intersection(range) ? [{ diagnostic, found }] : [];
    });
  }

  /** The network-space input of the counterexample shown for a property, if any. */
  forProperty(uri: vscode.Uri, property: string): readonly number[] | undefined {
    for (const diagnostic of this.collection.get(uri) ?? []) {
      const found = this.reported.get(diagnostic);
      if (found?.property === property) return found.networkInput;
    }
    return undefined;
  }

  clear(uri: vscode.Uri): void {
    this.collection.delete(uri);
  }

  dispose(): void {
    this.collection.dispose();
  }
}

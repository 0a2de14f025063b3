/**
 * Quick fixes on a counterexample diagnostic: repair the model for that property, copy the counterexample as JSON,
 * or add it to a point set (a JSON data file beside the .prop file, readable by `data name = "file.json"`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { Counterexamples, ReportedCounterexample } from './counterexamples';

export const POINT_SET_FILE = 'counterexamples.json';

export class CounterexampleActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly counterexamples: Counterexamples) {}

  provideCodeActions(document: vscode.TextDocument, range: vscode.Range): vscode.CodeAction[] {
    return this.counterexamples.at(document.uri, range).flatMap(({ diagnostic, found }) => {
      const action = (title: string, command: string, args: unknown[]) => {
        const a = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        a.diagnostics = [diagnostic];
        a.command = { title, command, arguments: args };
        return a;
      };
      return [
        action(`Repair model for ${found.property}...`, 'netmend.repairModel', [document.uri, found.property]),
        action(`Show the neurons responsible for ${found.property}`, 'netmend.showResponsibility', [document.uri, found.property]),
        action('Copy counterexample as JSON', 'netmend.copyCounterexample', [found]),
        action(`Add counterexample to a point set (${POINT_SET_FILE})`, 'netmend.addCounterexample', [document.uri, found]),
      ];
    });
  }
}

export const counterexampleJson = (found: ReportedCounterexample): string => JSON.stringify({
  property: found.property,
  inputs: Object.fromEntries(found.inputs.map((v) => [v.name, v.value])),
  outputs: Object.fromEntries(found.outputs.map((v) => [v.name, v.value])),
  breaks: found.clause,
  networkInput: found.networkInput,
}, null, 2);

export async function copyCounterexample(found: ReportedCounterexample): Promise<void> {
  await vscode.env.clipboard.writeText(counterexampleJson(found));
  void vscode.window.setStatusBarMessage('NetMend: counterexample copied', 3000);
}

/** Appends the counterexample's physical input to counterexamples.json beside the .prop file. */
export async function addCounterexample(uri: vscode.Uri, found: ReportedCounterexample): Promise<void> {
  const file = join(dirname(uri.fsPath), POINT_SET_FILE);
  let points: unknown[] = [];
  if (existsSync(file)) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (!Array.isArray(parsed)) throw new Error('it does not hold a JSON array');
      points = parsed;
    } catch (err) {
      void vscode.window.showErrorMessage(`NetMend: ${POINT_SET_FILE} cannot be extended (${(err as Error).message}); nothing was written.`);
      return;
    }
  }
  points.push({ input: found.inputs.map((v) => v.value), property: found.property });
  writeFileSync(file, `${JSON.stringify(points, null, 2)}\n`);
  void vscode.window.setStatusBarMessage(`NetMend: added to ${POINT_SET_FILE} (${points.length} points)`, 3000);
}

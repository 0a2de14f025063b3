/** Converting between the core's 0-based ranges and VS Code's. */
import * as vscode from 'vscode';
import type { Range } from '../../core/property/lexer';
import type { SpecDiagnostic } from '../../core/property';

export const toRange = (r: Range): vscode.Range => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

const SEVERITY = { error: vscode.DiagnosticSeverity.Error, warning: vscode.DiagnosticSeverity.Warning, info: vscode.DiagnosticSeverity.Information };

export function toDiagnostic(d: SpecDiagnostic): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity]);
  diagnostic.source = 'netmend';
  diagnostic.code = d.code;
  return diagnostic;
}

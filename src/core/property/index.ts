/**
 * The .prop language's entry point: parse, check and compile a document in one pass. Pure: the file system is reached
 * only through the host, so the editor (untrusted folders: no model loaded), the worker and the CLI share this code.
 */
import { compile, type CompileHost, type CompiledProperty } from './compile';
import type { SpecDiagnostic } from './diagnostics';
import { parse } from './parser';
import type { PropFile } from './ast';
import type { SymbolTable } from './symbols';

export type { CompiledProperty, CompileHost, ModelShape } from './compile';
export type { SpecDiagnostic } from './diagnostics';

export interface CheckedDocument {
  readonly file: PropFile;
  readonly diagnostics: readonly SpecDiagnostic[];
  readonly properties: readonly CompiledProperty[];
  readonly symbols: SymbolTable;
  /** The model the file binds to, resolved against the file's folder. */
  readonly modelPath?: string;
}

export function checkDocument(text: string, host: CompileHost): CheckedDocument {
  const { file, diagnostics: syntax } = parse(text);
  const result = compile(file, host);
  const diagnostics = [...syntax, ...result.diagnostics].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return { file, diagnostics, properties: result.properties, symbols: result.symbols, modelPath: result.modelPath };
}

export const hasErrors = (doc: CheckedDocument): boolean => doc.diagnostics.some((d) => d.severity === 'error');

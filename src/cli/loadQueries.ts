import { extname } from 'node:path';
import { InputError } from '../core/errors';
import { FILE_LIMITS, readRegularText } from '../core/files';
import type { Query } from '../core/query/normalForm';
import { parseVnnlib } from '../core/property/vnnlib';
import { checkDocument } from '../core/property';
import { fileHost } from '../core/property/fileHost';
import { formatValues, physicalValues } from '../core/property/present';
import { decisionOf, inputDomain, pointInput, type InputDomain } from '../core/property/repairContext';

/** A property file's text (.prop or VNN-LIB): a regular file of at most FILE_LIMITS.property bytes. */
export function readText(file: string, what: string): string {
  return readRegularText(file, what, FILE_LIMITS.property);
}

/** A query and, for .prop files, how to show its values and clauses in the file's own terms. */
export interface LoadedQuery {
  readonly query: Query;
  readonly describe?: { readonly inputs: (x: ArrayLike<number>) => string; readonly outputs: (y: ArrayLike<number>) => string; readonly clauses: readonly string[] };
  /** The model a .prop file names, resolved beside it. */
  readonly model?: string;
  /** A .prop file's declared input domain and how it reads a decision (repairs need both). */
  readonly domain?: InputDomain;
  readonly decision?: 'argmax' | 'argmin';
  /** The `property` declaration a .prop query comes from, and for a `for each` instance its data point as a network input. */
  readonly declaration?: string;
  readonly point?: { readonly input?: Float64Array; readonly label?: number };
}

/** The queries of a property file: a .prop file (all its properties) or a .vnnlib file (one). */
export function loadQueries(file: string): LoadedQuery[] {
  const text = readText(file, 'property file');
  const ext = extname(file).toLowerCase();
  if (ext === '.vnnlib') return [{ query: parseVnnlib(text, file) }];
  if (ext === '.prop') {
    const doc = checkDocument(text, fileHost(file));
    const error = doc.diagnostics.find((d) => d.severity === 'error');
    if (error) throw new InputError(`${error.message} (run netmend check for every problem)`, { file, line: error.range.start.line + 1, column: error.range.start.character + 1 });
    const domain = inputDomain(doc);
    const decision = decisionOf(doc);
    return doc.properties.map((p) => ({
      query: p.query,
      declaration: p.declaration,
      point: p.point && { input: pointInput(doc, p.point.values), label: p.point.label },
      model: doc.modelPath,
      domain,
      decision,
      describe: {
        inputs: (x) => formatValues(physicalValues(doc.symbols, 'input', x)),
        outputs: (y) => formatValues(physicalValues(doc.symbols, 'output', y)),
        clauses: p.clauseTexts,
      },
    }));
  }
  throw new InputError(`unknown property format '${ext}'; netmend reads .prop and .vnnlib files`, { file });
}

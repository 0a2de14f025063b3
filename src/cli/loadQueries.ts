import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { InputError } from '../core/errors';
import type { Query } from '../core/spec/normalForm';
import { parseVnnlib } from '../core/spec/vnnlib';
import { checkDocument } from '../core/spec';
import { fileHost } from '../core/spec/fileHost';

export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the ${what}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { file });
  }
}

/** The queries of a property file: a .prop file (all its properties) or a .vnnlib file (one). */
export function loadQueries(file: string): Query[] {
  const text = readText(file, 'property file');
  const ext = extname(file).toLowerCase();
  if (ext === '.vnnlib') return [parseVnnlib(text, file)];
  if (ext === '.prop') {
    const doc = checkDocument(text, fileHost(file));
    const error = doc.diagnostics.find((d) => d.severity === 'error');
    if (error) throw new InputError(`${error.message} (run netmend check for every problem)`, { file, line: error.range.start.line + 1, column: error.range.start.character + 1 });
    return doc.properties.map((p) => p.query);
  }
  throw new InputError(`unknown property format '${ext}'; netmend reads .prop and .vnnlib files`, { file });
}

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { InputError } from '../core/errors';
import type { Query } from '../core/spec/normalForm';
import { parseVnnlib } from '../core/spec/vnnlib';

/** The queries of a property file (.vnnlib now; .prop files arrive with the property language). */
export function loadQueries(file: string): Query[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read the property file: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { file });
  }
  if (extname(file).toLowerCase() === '.vnnlib') return [parseVnnlib(text, file)];
  throw new InputError(`unknown property format '${extname(file)}'; netmend verify reads .vnnlib files (the .prop language is being built)`, { file });
}

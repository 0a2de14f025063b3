import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './args';

/**
 * Checks, before any work starts, that `path` can be written: its folder exists and is writable, and the path itself
 * is not a folder or another non-file. A user error (exit 2 with the path), not a failure after a long search.
 */
export function assertWritable(path: string, what: string): void {
  const folder = dirname(resolve(path));
  const existing = statOrUndefined(path);
  if (existing && !existing.isFile()) throw new UsageError(`cannot write the ${what}: ${existing.isDirectory() ? 'it is a folder' : 'it is not a regular file'}`, { file: path });
  const parent = statOrUndefined(folder);
  if (!parent) throw new UsageError(`cannot write the ${what}: the folder ${folder} does not exist`, { file: path });
  if (!parent.isDirectory()) throw new UsageError(`cannot write the ${what}: ${folder} is not a folder`, { file: path });
  try {
    accessSync(existing ? path : folder, constants.W_OK);
  } catch {
    throw new UsageError(`cannot write the ${what}: permission denied`, { file: path });
  }
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Accepting a repair on disk, without `vscode` (unit-tested with node --test): the repaired ONNX is written next to the
 * original atomically (a temporary file in the same folder, fsync, rename, fsync of the folder), so a crash or a full
 * disk leaves either the old file or the new one, never half of one. The original is touched only when the user chose
 * to overwrite it, and then only after a backup of it was written the same way.
 */
import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { ModelDecl } from '../../core/property/ast';

/** The file operations the accept path uses: node's by default, a failing double in the tests. */
export interface AcceptFs {
  open(file: string, flags: string): Promise<{ write(data: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>; sync(): Promise<void>; close(): Promise<void> }>;
  rename(from: string, to: string): Promise<void>;
  rm(file: string, options: { force: boolean }): Promise<void>;
  readFile(file: string): Promise<Uint8Array>;
  access(file: string, mode: number): Promise<void>;
}

const nodeFs: AcceptFs = fsp;

export const DEFAULT_NAME_TEMPLATE = '{name}.repaired.onnx';

/**
 * The accepted model's path: `template` with `{name}` replaced by the original's file name without its extension,
 * in the original's folder. A template that leaves the folder or names the original itself is refused.
 */
export function repairedModelPath(modelPath: string, template = DEFAULT_NAME_TEMPLATE): string {
  const name = template.replaceAll('{name}', path.basename(modelPath, path.extname(modelPath)));
  if (name === '' || name !== path.basename(name) || name === '.' || name === '..') {
    throw new Error(`the name template "${template}" must give a file name without folders`);
  }
  const target = path.join(path.dirname(modelPath), name);
  if (path.resolve(target) === path.resolve(modelPath)) throw new Error(`the name template "${template}" names the original model; choose overwrite to replace it`);
  return target;
}

async function exists(file: string, fs: AcceptFs): Promise<boolean> {
  return fs.access(file, constants.F_OK).then(() => true, () => false);
}

/** `file` itself when free, else `stem-2.ext`, `stem-3.ext`, ...: for a backup or a second accepted repair. */
export async function freePath(file: string, fs: AcceptFs = nodeFs): Promise<string> {
  const ext = path.extname(file);
  const stem = file.slice(0, file.length - ext.length);
  for (let i = 1; ; i++) {
    const candidate = i === 1 ? file : `${stem}-${i}${ext}`;
    if (!(await exists(candidate, fs))) return candidate;
  }
}

/** Writes `data` to `target` through a temporary file in the same folder; on any failure the temporary file is removed and `target` is as it was. */
export async function atomicWrite(target: string, data: Uint8Array, fs: AcceptFs = nodeFs): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    const handle = await fs.open(temp, 'wx');
    try {
      for (let offset = 0; offset < data.length;) offset += (await handle.write(data, offset, data.length - offset)).bytesWritten;
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
  } catch (err) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await syncFolder(path.dirname(target), fs);
}

/** Makes the rename itself durable. Some file systems cannot open a folder for fsync: the file is already complete then. */
async function syncFolder(folder: string, fs: AcceptFs): Promise<void> {
  const handle = await fs.open(folder, 'r').catch(() => undefined);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}

export interface AcceptRequest {
  readonly modelPath: string;
  /** The repaired ONNX: its bytes, or the path of the candidate file the repair wrote. */
  readonly repaired: Uint8Array | string;
  /** Replace the original (a backup of it is written first) instead of writing beside it. */
  readonly overwrite: boolean;
  /** Where to write when not overwriting (see `repairedModelPath`); an existing file there is replaced. */
  readonly target?: string;
}

export interface AcceptResult {
  readonly written: string;
  readonly backup?: string;
}

/** Accepts a repair: see the file comment. Throws with what happened; the original is then byte-identical. */
export async function acceptRepair(request: AcceptRequest, fs: AcceptFs = nodeFs): Promise<AcceptResult> {
  const data = typeof request.repaired === 'string' ? await fs.readFile(request.repaired) : request.repaired;
  if (data.length === 0) throw new Error('the repaired model is empty; nothing was written');
  if (!request.overwrite) {
    const target = request.target ?? repairedModelPath(request.modelPath);
    if (path.resolve(target) === path.resolve(request.modelPath)) throw new Error('writing beside the original must not name the original');
    await atomicWrite(target, data, fs);
    return { written: target };
  }
  const ext = path.extname(request.modelPath);
  // A repair is always ONNX: written over a .nnet file it would leave a file no .nnet reader understands.
  if (ext.toLowerCase() !== '.onnx') throw new Error(`the original is a ${ext || 'file without extension'}, not ONNX; write the repair beside it instead (nothing was written)`);
  const backup = await freePath(`${request.modelPath.slice(0, request.modelPath.length - ext.length)}.backup${ext}`, fs);
  await atomicWrite(backup, await fs.readFile(request.modelPath), fs);
  try {
    await atomicWrite(request.modelPath, data, fs);
  } catch (err) {
    throw new Error(`${(err as Error).message}; the original is unchanged and its backup is ${backup}`);
  }
  return { written: request.modelPath, backup };
}

/**
 * The text edit that points a .prop file's `model` declaration at `newModelPath`: the declaration's range and its new
 * text, the path written relative to the .prop file's folder with forward slashes (as users write it).
 */
export function modelLineEdit(decl: ModelDecl, propPath: string, newModelPath: string): { range: ModelDecl['range']; text: string } {
  const relative = path.relative(path.dirname(propPath), newModelPath).split(path.sep).join('/');
  return { range: decl.range, text: `model ${JSON.stringify(relative)}` };
}

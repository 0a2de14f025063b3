/**
 * Reading user-named files safely: only regular files (a device such as /dev/zero, a FIFO or a symlink to one would
 * hang or never end), and never more than a stated number of bytes, so a wrong path cannot exhaust memory.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { InputError } from './errors';

const MB = 1024 * 1024;

/** The largest file of each kind NetMend reads. */
export const FILE_LIMITS = {
  /** ONNX models (weights included). */
  model: 1024 * MB,
  /** .nnet models (text). */
  nnet: 256 * MB,
  /** .prop and VNN-LIB files (VNN-COMP's MNIST and CIFAR queries are 60-250 KB). */
  property: 8 * MB,
  /** Data sets and input vectors (CSV, JSON). */
  data: 64 * MB,
} as const;

const describeSize = (bytes: number): string => (bytes >= MB ? `${Number((bytes / MB).toFixed(1))} MB` : `${bytes} bytes`);

/** Opens `path` (symlinks followed) and checks it is a regular file of at most `maxBytes`. */
function openRegular(path: string, what: string, maxBytes: number): { fd: number; size: number } {
  const problem = (err: unknown): InputError => {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (err as Error).message;
    return new InputError(`cannot read the ${what}: ${reason}`, { file: path });
  };
  // Stat first, so a device is never even opened; then check the opened file again (it may have been swapped).
  try {
    checkRegular(statSync(path), path, what, maxBytes);
  } catch (err) {
    throw err instanceof InputError ? err : problem(err);
  }
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw problem(err);
  }
  try {
    return { fd, size: checkRegular(fstatSync(fd), path, what, maxBytes) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** The file's size, if it is a regular file of at most `maxBytes`. */
function checkRegular(stat: Stats, path: string, what: string, maxBytes: number): number {
  if (!stat.isFile()) {
    const kind = stat.isDirectory() ? 'a folder' : stat.isFIFO() ? 'a pipe (FIFO)' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : 'not a regular file';
    throw new InputError(`cannot read the ${what}: it is ${kind}; NetMend reads regular files only`, { file: path });
  }
  if (stat.size > maxBytes) {
    throw new InputError(`the ${what} is ${describeSize(stat.size)}; NetMend reads ${what}s of at most ${describeSize(maxBytes)}`, { file: path });
  }
  return stat.size;
}

/** The bytes of a regular file of at most `maxBytes` (as long as it was when opened). */
export function readRegularFile(path: string, what: string, maxBytes: number): Uint8Array {
  const { fd, size } = openRegular(path, what, maxBytes);
  try {
    const buffer = Buffer.allocUnsafe(size);
    let length = 0;
    while (length < size) {
      const n = readSync(fd, buffer, length, size - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/** The text (UTF-8) of a regular file of at most `maxBytes`. */
export function readRegularText(path: string, what: string, maxBytes: number): string {
  return Buffer.from(readRegularFile(path, what, maxBytes)).toString('utf8');
}

/** The first `count` bytes of a regular file of at most `maxBytes` (to recognise a format before reading it all). */
export function readFileHead(path: string, what: string, maxBytes: number, count: number): Uint8Array {
  const { fd, size } = openRegular(path, what, maxBytes);
  try {
    const buffer = Buffer.alloc(Math.min(count, size));
    const n = buffer.length > 0 ? readSync(fd, buffer, 0, buffer.length, 0) : 0;
    return buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

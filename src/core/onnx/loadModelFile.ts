import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { InputError } from '../errors';
import type { Model } from '../network/model';
import { loadNnet } from '../nnet/import';
import { loadOnnxModel } from './import';
import { checkAgainstOrt } from './checkAgainstOrt';

/** Reads a model file (.onnx or .nnet) into the analysable form: a Network when it is a plain layer sequence. */
export function loadModelFile(path: string): Model {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new InputError(`cannot read the model: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { file: path });
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.onnx') return loadOnnxModel(bytes, path);
  if (ext === '.nnet') return loadNnet(new TextDecoder().decode(bytes), path);
  throw new InputError(`unknown model format '${ext}'; NetMend reads .onnx and .nnet files`, { file: path });
}

/** loadModelFile, then an ONNX model is checked against ONNX Runtime (checkAgainstOrt): what the CLI and the worker analyse. */
export async function loadCheckedModel(path: string): Promise<Model> {
  const model = loadModelFile(path);
  if (extname(path).toLowerCase() === '.onnx') await checkAgainstOrt(path, model);
  return model;
}

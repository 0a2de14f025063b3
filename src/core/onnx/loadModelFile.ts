import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { InputError } from '../errors';
import type { Model } from '../network/model';
import type { Network } from '../network/network';
import { loadNnet } from '../nnet/import';
import { loadOnnxAnyModel, loadOnnxModel } from './import';

/** Reads a model file (.onnx or .nnet) into the analysable form. */
export function loadModelFile(path: string): Network {
  const { bytes, ext } = readModel(path);
  return ext === '.onnx' ? loadOnnxModel(bytes, path) : loadNnet(new TextDecoder().decode(bytes), path);
}

/** Reads a model file: a plain network, or a gated model (nRepair) from an ONNX file that records one. */
export function loadAnyModelFile(path: string): Model {
  const { bytes, ext } = readModel(path);
  return ext === '.onnx' ? loadOnnxAnyModel(bytes, path) : loadNnet(new TextDecoder().decode(bytes), path);
}

function readModel(path: string): { bytes: Uint8Array; ext: '.onnx' | '.nnet' } {
  const ext = extname(path).toLowerCase();
  if (ext !== '.onnx' && ext !== '.nnet') throw new InputError(`unknown model format '${ext}'; NetMend reads .onnx and .nnet files`, { file: path });
  try {
    return { bytes: readFileSync(path), ext };
  } catch (err) {
    throw new InputError(`cannot read the model: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { file: path });
  }
}

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { InputError } from '../errors';
import type { onnx } from 'onnx-proto';
import { modelInputSize, modelOutputSize, type Model } from '../network/model';
import { loadNnet } from '../nnet/import';
import { decodeModel, loadOnnxModel, shapeOf } from './import';
import { checkAgainstOrt } from './checkAgainstOrt';

function readModelBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InputError(`cannot read the model: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { file: path });
  }
}

/** Reads a model file (.onnx or .nnet) into the analysable form: a Network when it is a plain layer sequence. */
export function loadModelFile(path: string): Model {
  const bytes = readModelBytes(path);
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

/**
 * Input and output sizes as an ONNX file declares them, without lowering the graph (a convolutional network's dense
 * form is large): what the editor needs to check a property's declarations. Falls back to the full import when the file
 * leaves a shape undeclared, and for .nnet files (small text).
 */
export function readModelShape(path: string): { inputs: number; outputs: number } {
  if (extname(path).toLowerCase() === '.onnx') {
    const graph = decodeModel(readModelBytes(path), path).graph;
    const constants = new Set((graph?.initializer ?? []).map((t) => t.name));
    const inputs = (graph?.input ?? []).filter((i) => !constants.has(i.name));
    const outputs = graph?.output ?? [];
    const declared = (info: onnx.IValueInfoProto): boolean => (info.type?.tensorType?.shape?.dim?.length ?? 0) > 0;
    if (inputs.length === 1 && outputs.length === 1 && declared(inputs[0]) && declared(outputs[0])) {
      const size = (info: onnx.IValueInfoProto): number => shapeOf(info).reduce((a, d) => a * d, 1);
      return { inputs: size(inputs[0]), outputs: size(outputs[0]) };
    }
  }
  const model = loadModelFile(path);
  return { inputs: modelInputSize(model), outputs: modelOutputSize(model) };
}

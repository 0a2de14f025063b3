import { extname } from 'node:path';
import { InputError } from '../errors';
import { FILE_LIMITS, readFileHead, readRegularFile, readRegularText } from '../files';
import type { onnx } from 'onnx-proto';
import { modelInputSize, modelOutputSize, type Model } from '../network/model';
import { loadNnet } from '../nnet/import';
import { decodeModel, loadOnnxModel, shapeOf } from './import';
import { checkAgainstOrt } from './checkAgainstOrt';

/**
 * Reads a model file (.onnx or .nnet) into the analysable form (a Network when it is a plain layer sequence). Only what is needed
 * to recognise a model is read before it is accepted: the name's extension, then its first bytes; a path to anything else is never read whole.
 */
export function loadModelFile(path: string): Model {
  const ext = extname(path).toLowerCase();
  if (ext === '.onnx') return loadOnnxModel(readOnnxBytes(path), path);
  if (ext === '.nnet') {
    const head = readFileHead(path, 'model', FILE_LIMITS.nnet, 256);
    if (head.some((b) => b === 0)) throw new InputError('not a .nnet file: it holds binary data, and .nnet is text', { file: path });
    return loadNnet(readRegularText(path, 'model', FILE_LIMITS.nnet), path);
  }
  throw new InputError(`unknown model format '${ext}'; NetMend reads .onnx and .nnet files`, { file: path });
}

/** An .onnx file's bytes, read whole only once its first byte looks like an ONNX model's. */
function readOnnxBytes(path: string): Uint8Array {
  const head = readFileHead(path, 'model', FILE_LIMITS.model, 1);
  if (head.length === 0) throw new InputError('the model file is empty', { file: path });
  if (!startsLikeOnnx(head)) throw new InputError('not an ONNX file: it does not start as an ONNX model (a protocol buffer) does', { file: path });
  return readRegularFile(path, 'model', FILE_LIMITS.model);
}

/**
 * An ONNX file is a serialised ModelProto: its first byte is the tag of one of its fields (numbers 1 to 26, each a
 * varint or a length-delimited field).
 */
function startsLikeOnnx(head: Uint8Array): boolean {
  const field = head[0] >> 3;
  const wireType = head[0] & 7;
  return field >= 1 && field <= 26 && (wireType === 0 || wireType === 2);
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
    const graph = decodeModel(readOnnxBytes(path), path).graph;
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

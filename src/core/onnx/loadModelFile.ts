import { extname } from 'node:path';
import { InputError } from '../errors';
import { FILE_LIMITS, readFileHead, readRegularFile, readRegularText } from '../files';
import type { Model } from '../network/model';
import { loadNnet } from '../nnet/import';
import { loadOnnxModel } from './import';

/**
 * Reads a model file (.onnx or .nnet) into the analysable form (a Network when it is a plain layer sequence). Only what is needed to recognise a model is read
 * before it is accepted: the name's extension, then its first bytes; a path to anything else is never read whole.
 */
export function loadModelFile(path: string): Model {
  const ext = extname(path).toLowerCase();
  if (ext === '.onnx') {
    const head = readFileHead(path, 'model', FILE_LIMITS.model, 1);
    if (head.length === 0) throw new InputError('the model file is empty', { file: path });
    if (!startsLikeOnnx(head)) throw new InputError('not an ONNX file: it does not start as an ONNX model (a protocol buffer) does', { file: path });
    return loadOnnxModel(readRegularFile(path, 'model', FILE_LIMITS.model), path);
  }
  if (ext === '.nnet') {
    const head = readFileHead(path, 'model', FILE_LIMITS.nnet, 256);
    if (head.some((b) => b === 0)) throw new InputError('not a .nnet file: it holds binary data, and .nnet is text', { file: path });
    return loadNnet(readRegularText(path, 'model', FILE_LIMITS.nnet), path);
  }
  throw new InputError(`unknown model format '${ext}'; NetMend reads .onnx and .nnet files`, { file: path });
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

/**
 * The worker's model cache: a model is parsed (and checked against ONNX Runtime) once and reloaded only when its file
 * changes on disk (mtime or size).
 */
import { statSync } from 'node:fs';
import { InputError } from '../core/errors';
import { loadCheckedModel } from '../core/onnx/loadModelFile';
import type { Model } from '../core/network/model';

const cache = new Map<string, { stamp: string; net: Model }>();

export async function cachedModel(path: string): Promise<Model> {
  let stamp: string;
  try {
    const s = statSync(path);
    stamp = `${s.mtimeMs}:${s.size}`;
  } catch {
    throw new InputError('cannot read the model: no such file', { file: path });
  }
  const hit = cache.get(path);
  if (hit && hit.stamp === stamp) return hit.net;
  const net = await loadCheckedModel(path);
  cache.set(path, { stamp, net });
  return net;
}

/**
 * A linear layer whose bias feeds another linear layer (PyTorch's Linear -> Linear, or a graph node without an
 * activation read by another node): the first bias must reach the second layer's constant. The importer once dropped it
 * (combineRows read its running bias before the row's terms had added to it).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import type { Graph } from '../../src/core/network/graph';
import { forwardModel } from '../../src/core/network/forward';
import { exportOnnx } from '../../src/core/onnx/export';
import { loadOnnxModel } from '../../src/core/onnx/import';

const graph: Graph = {
  kind: 'graph', inputSize: 2, inputName: 'x', inputShape: [1, 2], outputName: 'y', outputShape: [1, 2], notes: [],
  nodes: [
    { name: 'hidden', outSize: 2, sources: [{ from: -1, weights: Float64Array.of(1, -2, 0.5, 1) }], bias: Float64Array.of(0.3, -0.2), activation: { kind: 'relu' } },
    { name: 'linear', outSize: 1, sources: [{ from: 0, weights: Float64Array.of(1, 1) }, { from: -1, weights: Float64Array.of(1, 1) }], bias: Float64Array.of(5), activation: { kind: 'identity' } },
    { name: 'out', outSize: 2, sources: [{ from: 1, weights: Float64Array.of(-1, 2) }, { from: 0 }], bias: Float64Array.of(2, -1), activation: { kind: 'relu' } },
  ],
};

test('a linear node\'s bias reaches the node that reads it: import equals ONNX Runtime', async () => {
  const bytes = exportOnnx(graph, { precision: 'float64' });
  const reread = loadOnnxModel(bytes);
  const session = await ort.InferenceSession.create(bytes);
  for (const x of [[0, 0], [1, -1], [-2, 0.5], [3, 3]]) {
    const out = await session.run({ input: new ort.Tensor('float64', Float64Array.from(x), [1, 2]) });
    const runtime = Array.from(out.output.data as Float64Array);
    const ours = Array.from(forwardModel(reread, Float64Array.from(x)));
    const built = Array.from(forwardModel(graph, Float64Array.from(x)));
    runtime.forEach((v, i) => {
      assert.ok(Math.abs(v - ours[i]) < 1e-9, `x = ${x}: ONNX Runtime ${runtime}, re-read ${ours}`);
      assert.ok(Math.abs(v - built[i]) < 1e-9, `x = ${x}: ONNX Runtime ${runtime}, built ${built}`);
    });
  }
  await session.release();
});

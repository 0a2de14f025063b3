/**
 * Networks with skip connections and branches, built as a PyTorch export would write them: our importer lowers them to a
 * graph that equals ONNX Runtime, our forward passes and batch engine compute it, and our export runs in ONNX Runtime
 * and reads back to the same graph.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { onnx } from 'onnx-proto';
import { loadOnnxModel } from '../../src/core/onnx/import';
import { exportOnnx } from '../../src/core/onnx/export';
import { BatchForward } from '../../src/core/onnx/batchForward';
import { OrtModel } from '../../src/core/onnx/ort';
import { forwardModel, forwardModel32 } from '../../src/core/network/forward';
import { isGraph, modelInputSize, type Model } from '../../src/core/network/model';
import { GRAPH_INPUT, type Graph } from '../../src/core/network/graph';
import { buildModel, seeded, tensor, type NodeSpec } from '../onnxBuilder';

interface Case { name: string; input: number[]; output: number[]; nodes: NodeSpec[]; initializers: onnx.ITensorProto[]; sources: number[][] }

const gemm = (x: string, w: string, b: string, out: string): NodeSpec => ({ op: 'Gemm', inputs: [x, w, b], output: out, attrs: { transB: 1 } });

export const graphCases: Case[] = [
  {
    name: 'residual block y = W3 (h + relu(W2 h)), h = relu(W1 x)',
    input: [1, 3], output: [1, 2],
    nodes: [
      gemm('x', 'W1', 'b1', 'a1'), { op: 'Relu', inputs: ['a1'], output: 'h' },
      gemm('h', 'W2', 'b2', 'a2'), { op: 'Relu', inputs: ['a2'], output: 'f' },
      { op: 'Add', inputs: ['h', 'f'], output: 'r' },
      gemm('r', 'W3', 'b3', 'y'),
    ],
    initializers: [tensor('W1', [5, 3], seeded(15, 1)), tensor('b1', [5], seeded(5, 2)), tensor('W2', [5, 5], seeded(25, 3)), tensor('b2', [5], seeded(5, 4)), tensor('W3', [2, 5], seeded(10, 5)), tensor('b3', [2], seeded(2, 6))],
    sources: [[GRAPH_INPUT], [0], [0, 1]],
  },
  {
    name: 'skip from the input: y = W3 relu(x + W2 relu(W1 x)) (MatMul and Sub of computed tensors)',
    input: [1, 4], output: [1, 3],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'M1'], output: 'a1' }, { op: 'Relu', inputs: ['a1'], output: 'h' },
      { op: 'MatMul', inputs: ['h', 'M2'], output: 'f' },
      { op: 'Sub', inputs: ['x', 'f'], output: 'r' }, { op: 'Relu', inputs: ['r'], output: 'z' },
      gemm('z', 'W3', 'b3', 'y'),
    ],
    initializers: [tensor('M1', [4, 6], seeded(24, 7)), tensor('M2', [6, 4], seeded(24, 8)), tensor('W3', [3, 4], seeded(12, 9)), tensor('b3', [3], seeded(3, 10))],
    sources: [[GRAPH_INPUT], [GRAPH_INPUT, 0], [1]],
  },
  {
    name: 'two branches of different depth joined by Concat into a Gemm',
    input: [1, 3], output: [1, 2],
    nodes: [
      gemm('x', 'Wa', 'ba', 'a1'), { op: 'Relu', inputs: ['a1'], output: 'a' },
      gemm('a', 'Wa2', 'ba2', 'a2'), { op: 'Relu', inputs: ['a2'], output: 'aa' },
      gemm('x', 'Wb', 'bb', 'b1'), { op: 'Relu', inputs: ['b1'], output: 'b' },
      { op: 'Concat', inputs: ['aa', 'b'], output: 'c', attrs: { axis: 1 } },
      gemm('c', 'W', 'b0', 'y'),
    ],
    initializers: [
      tensor('Wa', [4, 3], seeded(12, 11)), tensor('ba', [4], seeded(4, 12)), tensor('Wa2', [4, 4], seeded(16, 13)), tensor('ba2', [4], seeded(4, 14)),
      tensor('Wb', [3, 3], seeded(9, 15)), tensor('bb', [3], seeded(3, 16)), tensor('W', [2, 7], seeded(14, 17)), tensor('b0', [2], seeded(2, 18)),
    ],
    sources: [[GRAPH_INPUT], [0], [GRAPH_INPUT], [1, 2]],
  },
];

const inputsFor = (model: Model): Float64Array[] =>
  Array.from({ length: 8 }, (_, k) => Float64Array.from(Float32Array.from(seeded(modelInputSize(model), 200 + k).map((v) => 2 * v))));

function assertClose(ours: ArrayLike<number>, theirs: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(ours.length, theirs.length, what);
  for (let i = 0; i < ours.length; i++) assert.ok(Math.abs(ours[i] - theirs[i]) <= tol * Math.max(1, Math.abs(theirs[i])), `${what}, output ${i}: ${ours[i]} vs ${theirs[i]}`);
}

for (const c of graphCases) {
  test(`graph import, forward passes, export and round trip match ONNX Runtime: ${c.name}`, async () => {
    const bytes = buildModel({ input: ['x', c.input], output: ['y', c.output], nodes: c.nodes, initializers: c.initializers });
    const model = loadOnnxModel(bytes, 'graph.onnx');
    assert.ok(isGraph(model), 'a graph, not a sequence');
    assert.deepEqual(model.nodes.map((n) => n.sources.map((s) => s.from)), c.sources);
    const inputs = inputsFor(model);
    const reference = await OrtModel.load(bytes, c.input);
    const expected = await reference.run(inputs);
    const exported = await OrtModel.load(exportOnnx(model), [1, modelInputSize(model)]);
    const viaExport = await exported.run(inputs);
    inputs.forEach((x, k) => {
      assertClose(forwardModel(model, x), expected[k], 1e-5, `float64, input ${k}`);
      assertClose(forwardModel32(model, x), expected[k], 1e-5, `float32, input ${k}`);
      assertClose(viaExport[k], expected[k], 1e-5, `exported, input ${k}`);
    });
    // Batched: our kernels row by row, and ONNX Runtime's float64 engine on the export.
    const n = modelInputSize(model);
    const batch = new Float64Array(inputs.length * n);
    inputs.forEach((x, k) => batch.set(x, k * n));
    const ours = forwardModel(model, batch, inputs.length);
    const m = ours.length / inputs.length;
    inputs.forEach((x, k) => assert.deepEqual([...ours.subarray(k * m, (k + 1) * m)], [...forwardModel(model, x)]));
    const engine = await BatchForward.create(model);
    assertClose(await engine.run(batch, inputs.length), ours, 1e-12, 'BatchForward');
    // The float64 export reads back to the same graph: same sources, same weights and biases.
    const again = loadOnnxModel(exportOnnx(model, { precision: 'float64' }));
    assert.ok(isGraph(again));
    assertSameGraph(again, model);
    await Promise.all([reference.release(), exported.release(), engine.release()]);
  });
}

function assertSameGraph(a: Graph, b: Graph): void {
  assert.equal(a.nodes.length, b.nodes.length);
  a.nodes.forEach((node, k) => {
    const other = b.nodes[k];
    assert.deepEqual(node.sources.map((s) => s.from), other.sources.map((s) => s.from), `node ${k} sources`);
    node.sources.forEach((s, j) => assert.deepEqual(s.weights && [...s.weights], other.sources[j].weights && [...other.sources[j].weights!], `node ${k} source ${j}`));
    assert.deepEqual([...node.bias], [...other.bias], `node ${k} bias`);
    assert.deepEqual(node.activation, other.activation, `node ${k} activation`);
  });
}

/** Each supported operator, lowered by our importer, against ONNX Runtime on the same small graph. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadOnnxModel } from '../../src/core/onnx/import';
import { forwardModel } from '../../src/core/network/forward';
import { OrtModel } from '../../src/core/onnx/ort';
import { modelInputSize } from '../../src/core/network/model';
import { buildModel, int64Tensor, seeded, tensor, type NodeSpec } from '../onnxBuilder';
import type { onnx } from 'onnx-proto';

interface Case {
  name: string;
  input: number[];
  output: number[];
  nodes: NodeSpec[];
  initializers: onnx.ITensorProto[];
  notes?: RegExp;
}

const cases: Case[] = [
  {
    name: 'Gemm with alpha, beta, transA=0, transB=1, then LeakyRelu',
    input: [1, 4], output: [1, 3],
    nodes: [
      { op: 'Gemm', inputs: ['x', 'W', 'b'], output: 'g', attrs: { alpha: { float: 0.5 }, beta: { float: 2 }, transB: 1 } },
      { op: 'LeakyRelu', inputs: ['g'], output: 'y', attrs: { alpha: { float: 0.1 } } },
    ],
    initializers: [tensor('W', [3, 4], seeded(12, 1)), tensor('b', [3], seeded(3, 2))],
  },
  {
    name: 'MatMul with the weight first, Sub from a constant, Div, Sigmoid, Tanh',
    input: [3], output: [2],
    nodes: [
      { op: 'MatMul', inputs: ['W', 'x'], output: 'm' },
      { op: 'Sub', inputs: ['c', 'm'], output: 's' },
      { op: 'Div', inputs: ['s', 'd'], output: 'q' },
      { op: 'Sigmoid', inputs: ['q'], output: 'h' },
      { op: 'MatMul', inputs: ['W2', 'h'], output: 'm2' },
      { op: 'Tanh', inputs: ['m2'], output: 'y' },
    ],
    initializers: [tensor('W', [2, 3], seeded(6, 3)), tensor('c', [2], [0.3, -0.2]), tensor('d', [2], [2, -4]), tensor('W2', [2, 2], seeded(4, 4))],
  },
  {
    name: 'Conv (stride, padding, dilation, groups) + BatchNormalization + Relu + Flatten + Gemm',
    input: [1, 2, 6, 6], output: [1, 3],
    nodes: [
      { op: 'Conv', inputs: ['x', 'K', 'kb'], output: 'c', attrs: { strides: [2, 1], pads: [1, 0, 1, 2], dilations: [1, 2], group: 2 } },
      { op: 'BatchNormalization', inputs: ['c', 'gamma', 'beta', 'mean', 'var'], output: 'bn', attrs: { epsilon: { float: 1e-3 } } },
      { op: 'Relu', inputs: ['bn'], output: 'r' },
      { op: 'Flatten', inputs: ['r'], output: 'f' },
      { op: 'Gemm', inputs: ['f', 'W', 'b'], output: 'y', attrs: { transB: 1 } },
    ],
    initializers: [
      tensor('K', [4, 1, 3, 2], seeded(24, 5)), tensor('kb', [4], seeded(4, 6)),
      tensor('gamma', [4], [1, 0.5, 2, -1]), tensor('beta', [4], seeded(4, 7)), tensor('mean', [4], seeded(4, 8)), tensor('var', [4], [1, 2, 0.5, 0.1]),
      tensor('W', [3, 4 * 3 * 6], seeded(216, 9)), tensor('b', [3], seeded(3, 10)),
    ],
  },
  {
    name: 'Conv with auto_pad SAME_UPPER, Reshape, Unsqueeze, Squeeze, Identity, Mul and a final Softmax (dropped)',
    input: [1, 1, 5, 5], output: [1, 4],
    nodes: [
      { op: 'Conv', inputs: ['x', 'K'], output: 'c', attrs: { auto_pad: 'SAME_UPPER', strides: [2, 2] } },
      { op: 'Reshape', inputs: ['c', 'shape'], output: 'r' },
      { op: 'Unsqueeze', inputs: ['r', 'ax'], output: 'u' },
      { op: 'Squeeze', inputs: ['u', 'ax'], output: 's' },
      { op: 'Identity', inputs: ['s'], output: 'i' },
      { op: 'Mul', inputs: ['i', 'k'], output: 'm' },
      { op: 'MatMul', inputs: ['m', 'W'], output: 'z' },
      { op: 'Softmax', inputs: ['z'], output: 'y', attrs: { axis: -1 } },
    ],
    initializers: [tensor('K', [2, 1, 3, 3], seeded(18, 11)), int64Tensor('shape', [1, -1]), int64Tensor('ax', [0]), tensor('k', [1], [1.5]), tensor('W', [18, 4], seeded(72, 12))],
    notes: /Softmax/,
  },
];

for (const c of cases) {
  test(`operator lowering matches ONNX Runtime: ${c.name}`, async () => {
    const bytes = buildModel({ input: ['x', c.input], output: ['y', c.output], nodes: c.nodes, initializers: c.initializers });
    const net = loadOnnxModel(bytes, 'case.onnx');
    const n = modelInputSize(net);
    const inputs = Array.from({ length: 5 }, (_, k) => Float64Array.from(Float32Array.from(seeded(n, 100 + k))));
    const reference = await OrtModel.load(bytes, c.input);
    // The dropped Softmax is checked on the logits: compare with ORT on the graph without it.
    const refBytes = c.notes ? buildModel({ input: ['x', c.input], output: ['z', c.output], nodes: c.nodes.slice(0, -1), initializers: c.initializers }) : bytes;
    const logits = c.notes ? await OrtModel.load(refBytes, c.input) : reference;
    const expected = await logits.run(inputs);
    inputs.forEach((x, k) => {
      const ours = forwardModel(net, x);
      assert.equal(ours.length, expected[k].length);
      ours.forEach((v, i) => assert.ok(Math.abs(v - expected[k][i]) <= 1e-5 * Math.max(1, Math.abs(expected[k][i])), `output ${i}: ${v} vs ${expected[k][i]}`));
    });
    if (c.notes) assert.match(net.notes.join('\n'), c.notes);
  });
}

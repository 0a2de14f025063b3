/**
 * Localisation on graph models built as ONNX files (onnxBuilder) and read by our importer: one heatmap row per hidden
 * node in topological order, named by its ONNX node and what it reads; the margin gradients equal central finite
 * differences of the margin in each node's output; and on a residual and a two-branch network where one neuron alone
 * causes the violation, every method ranks that neuron first.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadOnnxModel } from '../../../src/core/onnx/import';
import { isGraph } from '../../../src/core/network/model';
import { GRAPH_INPUT, sourceSize, type Graph } from '../../../src/core/network/graph';
import { activationOf } from '../../../src/core/network/activations';
import { forwardModel } from '../../../src/core/network/forward';
import type { OutputDnf, Query } from '../../../src/core/query/normalForm';
import { rowSlack } from '../../../src/core/query/normalForm';
import { localize } from '../../../src/core/localize';
import { marginGradientScores } from '../../../src/core/localize/gradient';
import { layerActivations } from '../../../src/core/localize/activations';
import { buildModel, seeded, tensor, type NodeSpec } from '../../onnxBuilder';
import { randomNetwork } from '../../randomNetwork';

const gemm = (x: string, w: string, b: string, out: string): NodeSpec => ({ op: 'Gemm', inputs: [x, w, b], output: out, attrs: { transB: 1 } });

function load(bytes: Uint8Array, file: string): Graph {
  const model = loadOnnxModel(bytes, file);
  assert.ok(isGraph(model), `${file} is a graph`);
  return model;
}

/** x -> h = act(W1 x) -> r = act(h + act(W2 h)) (identity sources) -> y = W3 r + W4 act(W5 r) (a skip into the output). */
function randomResidual(seed: number): Graph {
  const [n, w, m] = [3, 5, 2];
  return load(buildModel({
    input: ['x', [1, n]], output: ['y', [1, m]],
    nodes: [
      gemm('x', 'W1', 'b1', 'a1'), { op: 'Tanh', inputs: ['a1'], output: 'h' },
      gemm('h', 'W2', 'b2', 'a2'), { op: 'Tanh', inputs: ['a2'], output: 'f' }, { op: 'Add', inputs: ['h', 'f'], output: 's' }, { op: 'Tanh', inputs: ['s'], output: 'r' },
      gemm('r', 'W5', 'b5', 'a5'), { op: 'Tanh', inputs: ['a5'], output: 'g' },
      gemm('r', 'W3', 'b3', 'y1'), gemm('g', 'W4', 'b4', 'y2'), { op: 'Add', inputs: ['y1', 'y2'], output: 'y' },
    ],
    initializers: [
      tensor('W1', [w, n], seeded(w * n, seed)), tensor('b1', [w], seeded(w, seed + 1)),
      tensor('W2', [w, w], seeded(w * w, seed + 2)), tensor('b2', [w], seeded(w, seed + 3)),
      tensor('W5', [w, w], seeded(w * w, seed + 4)), tensor('b5', [w], seeded(w, seed + 5)),
      tensor('W3', [m, w], seeded(m * w, seed + 6)), tensor('b3', [m], seeded(m, seed + 7)),
      tensor('W4', [m, w], seeded(m * w, seed + 8)), tensor('b4', [m], seeded(m, seed + 9)),
    ],
  }), 'residual.onnx');
}

/**
 * Two branches from the input, a -> aa (Wa, Wa2) and b (Wb), joined by Concat into the output Gemm (W, b0); the
 * initializers give the sizes.
 */
function twoBranch(act: string, inputs: number, outputs: number, initializers: ReturnType<typeof tensor>[], file: string): Graph {
  return load(buildModel({
    input: ['x', [1, inputs]], output: ['y', [1, outputs]],
    nodes: [
      gemm('x', 'Wa', 'ba', 'a1'), { op: act, inputs: ['a1'], output: 'a' },
      gemm('a', 'Wa2', 'ba2', 'a2'), { op: act, inputs: ['a2'], output: 'aa' },
      gemm('x', 'Wb', 'bb', 'b1'), { op: act, inputs: ['b1'], output: 'b' },
      { op: 'Concat', inputs: ['aa', 'b'], output: 'c', attrs: { axis: 1 } },
      gemm('c', 'W', 'b0', 'y'),
    ],
    initializers,
  }), file);
}

const randomTwoBranch = (seed: number): Graph => twoBranch('LeakyRelu', 3, 2, [
  tensor('Wa', [4, 3], seeded(12, seed)), tensor('ba', [4], seeded(4, seed + 1)), tensor('Wa2', [4, 4], seeded(16, seed + 2)), tensor('ba2', [4], seeded(4, seed + 3)),
  tensor('Wb', [3, 3], seeded(9, seed + 4)), tensor('bb', [3], seeded(3, seed + 5)), tensor('W', [2, 7], seeded(14, seed + 6)), tensor('b0', [2], seeded(2, seed + 7)),
], 'branches.onnx');

/** The graph's outputs for one input with `delta` added to neuron `neuron` of node `node` after its activation: written here, not the engine's. */
function perturbedOutput(g: Graph, x: Float64Array, node: number, neuron: number, delta: number): Float64Array {
  const values: Float64Array[] = [];
  g.nodes.forEach((n, k) => {
    const z = Float64Array.from(n.bias);
    for (const s of n.sources) {
      const v = s.from === GRAPH_INPUT ? x : values[s.from];
      const width = sourceSize(g, s.from);
      for (let o = 0; o < n.outSize; o++) {
        if (!s.weights) z[o] += v[o];
        else for (let i = 0; i < width; i++) z[o] += s.weights[o * width + i] * v[i];
      }
    }
    activationOf(n.activation).apply(z);
    if (k === node) z[neuron] += delta;
    values.push(z);
  });
  return values[values.length - 1];
}

function checkGradients(g: Graph, violation: OutputDnf, seed: number): void {
  const count = 4;
  const inputs = Float64Array.from(seeded(count * g.inputSize, seed), (v) => 1.5 * v);
  const scores = marginGradientScores(g, violation, inputs, count);
  assert.equal(scores.length, g.nodes.length);
  const row = violation[0][0];
  const h = 1e-6;
  let compared = 0;
  g.nodes.forEach((node, k) => {
    for (let j = 0; j < node.outSize; j++) {
      let expected = 0;
      for (let r = 0; r < count; r++) {
        const x = inputs.subarray(r * g.inputSize, (r + 1) * g.inputSize);
        const numeric = (rowSlack(row, perturbedOutput(g, x, k, j, h)) - rowSlack(row, perturbedOutput(g, x, k, j, -h))) / (2 * h);
        expected += Math.abs(numeric) / count;
      }
      assert.ok(Math.abs(scores[k][j] - expected) <= 1e-6 * Math.max(1, expected), `node ${node.name} neuron ${j}: ${scores[k][j]} vs ${expected}`);
      if (expected > 1e-6) compared++;
    }
  });
  assert.ok(compared >= 10, `enough non-zero gradients compared (${compared})`);
}

// One row, one clause: the deciding row is the same on every sample, so the margin's gradient is that row's.
const firstBelowSecond: OutputDnf = [[{ coeffs: Float64Array.from([1, -1]), rhs: 0 }]];

for (const seed of [3, 21]) {
  test(`graph margin gradients equal finite differences in each node's output: residual tanh graph (seed ${seed})`, () => {
    const g = randomResidual(seed);
    assert.ok(g.nodes.some((node) => node.sources.length === 2 && node.sources.every((s) => !s.weights)), 'a node that adds two identity sources');
    checkGradients(g, firstBelowSecond, seed + 50);
  });
  test(`graph margin gradients equal finite differences in each node's output: two leaky-ReLU branches (seed ${seed})`, () => checkGradients(randomTwoBranch(seed), firstBelowSecond, seed + 60));
}

test('every node\'s activations come back from ONNX Runtime as our forward pass computes them', async () => {
  const g = randomResidual(5);
  const count = 7;
  const inputs = Float64Array.from(seeded(count * g.inputSize, 8));
  const acts = await layerActivations(g, inputs, count);
  assert.equal(acts.length, g.nodes.length);
  for (let r = 0; r < count; r++) {
    const x = inputs.subarray(r * g.inputSize, (r + 1) * g.inputSize);
    assert.ok(Math.max(...Array.from(forwardModel(g, x), (v, o) => Math.abs(v - acts[acts.length - 1][r * 2 + o]))) < 1e-12);
    // Node k's outputs: the test's evaluator with nothing added, truncated after node k.
    g.nodes.forEach((node, k) => {
      const truncated: Graph = { ...g, nodes: g.nodes.slice(0, k + 1) };
      const expected = perturbedOutput(truncated, x, -1, 0, 0);
      for (let j = 0; j < node.outSize; j++) assert.ok(Math.abs(acts[k][r * node.outSize + j] - expected[j]) < 1e-12, `${node.name}[${j}]`);
    });
  }
});

// Inputs x0, x1 in [0, 1]. The culprit is relu(10 (x0 - 0.8)): the output passes 1 for it and 0.1 or less for every
// other neuron, so the property "y < 1" is violated exactly when x0 is above about 0.9.
const query: Query = {
  name: 'y below 1',
  region: [{ lower: Float64Array.from([0, 0]), upper: Float64Array.from([1, 1]), rows: [] }],
  violation: [[{ coeffs: Float64Array.from([-1]), rhs: -1 }]],
};

/**
 * h = relu(W1 x + b1) with the culprit h[1] = relu(10 x0 - 8), h[0] = relu(x1), h[2] = relu((x0 + x1) / 2); a
 * residual branch f = relu(0.1 W2 h); the output reads h through a skip and f: y = w·h + 0.1 (f0 + f1 + f2).
 */
function culpritResidual(): Graph {
  return load(buildModel({
    input: ['x', [1, 2]], output: ['y', [1, 1]],
    nodes: [
      gemm('x', 'W1', 'b1', 'a1'), { op: 'Relu', inputs: ['a1'], output: 'h' },
      gemm('h', 'W2', 'b2', 'a2'), { op: 'Relu', inputs: ['a2'], output: 'f' },
      { op: 'Add', inputs: ['h', 'f'], output: 's' },
      gemm('s', 'W3', 'b3', 'y'),
    ],
    initializers: [
      tensor('W1', [3, 2], [0, 1, 10, 0, 0.5, 0.5]), tensor('b1', [3], [0, -8, 0]),
      tensor('W2', [3, 3], [0.1, 0, 0.05, 0.05, 0.05, 0, 0, 0.02, 0.1]), tensor('b2', [3], [0.01, 0, 0]),
      tensor('W3', [1, 3], [0.1, 1, 0.05]), tensor('b3', [1], [0]),
    ],
  }), 'culprit-residual.onnx');
}

/** Branch A: a = relu(x), aa = relu(0.5 a) (harmless); branch B: b = [relu(x1), relu(10 x0 - 8)] (the culprit); y = 0.1 aa + (0.1, 1)·b. */
const culpritTwoBranch = (): Graph => twoBranch('Relu', 2, 1, [
  tensor('Wa', [2, 2], [1, 0, 0, 1]), tensor('ba', [2], [0, 0]), tensor('Wa2', [2, 2], [0.5, 0, 0, 0.5]), tensor('ba2', [2], [0, 0]),
  tensor('Wb', [2, 2], [0, 1, 10, 0]), tensor('bb', [2], [0, -8]), tensor('W', [1, 4], [0.1, 0.1, 0.1, 1]), tensor('b0', [1], [0]),
], 'culprit-branches.onnx');

for (const method of ['birdnn', 'birdnn-code', 'gradient'] as const) {
  test(`${method} on a residual graph: one row per hidden node, named and with what it reads; the culprit ranks first`, async () => {
    const g = culpritResidual();
    const r = await localize(g, query, { method, samples: 4000, topK: 3 });
    assert.ok(r.samples.violating > 100 && r.samples.safe > 100, JSON.stringify(r.samples));
    assert.deepEqual(r.layers.map((l) => l.name), ['relu_1', 'relu_3']);
    assert.deepEqual(r.layers.map((l) => l.sources), [['input'], ['relu_1']]);
    assert.deepEqual(r.layers.map((l) => l.scores.length), [3, 3]);
    assert.deepEqual({ layer: r.top[0].layer, neuron: r.top[0].neuron }, { layer: 0, neuron: 1 });
    assert.equal(r.top[0].score, 1);
    assert.equal(r.layers[0].activeViolating[1], 1, 'the culprit is active on every violating sample');
  });

  test(`${method} on a two-branch graph: the branches' nodes in topological order; the culprit in branch B ranks first`, async () => {
    const g = culpritTwoBranch();
    const r = await localize(g, query, { method, samples: 4000, topK: 3 });
    assert.ok(r.samples.violating > 100 && r.samples.safe > 100, JSON.stringify(r.samples));
    assert.deepEqual(r.layers.map((l) => l.name), ['relu_1', 'relu_3', 'relu_5']);
    assert.deepEqual(r.layers.map((l) => l.sources), [['input'], ['relu_1'], ['input']], 'branch B reads the input beside branch A');
    assert.deepEqual({ layer: r.top[0].layer, neuron: r.top[0].neuron }, { layer: 2, neuron: 1 });
    assert.equal(r.top[0].score, 1);
  });
}

test('a graph\'s rows say what they read; a plain network\'s carry no sources (each layer reads the one before)', async () => {
  const g = culpritTwoBranch();
  const r = await localize(g, query, { samples: 500 });
  assert.ok(r.layers.every((l) => l.sources !== undefined));
  const plain = await localize(randomNetwork([2, 4, 1], 2), query, { samples: 200, violatingTarget: 0 });
  assert.ok(plain.layers.every((l) => l.sources === undefined));
});

/**
 * Graph backpropagation against central finite differences in float64, on random residual and two-branch graphs built
 * as ONNX files (onnxBuilder) and read by our importer: every parameter's gradient, the input gradient, and the
 * round trip of the parameter layout (graphParametersOf / graphWith).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { loadOnnxModel } from '../../../src/core/onnx/import';
import { forwardModel } from '../../../src/core/network/forward';
import { isGraph } from '../../../src/core/network/model';
import { toGraph, type Graph } from '../../../src/core/network/graph';
import { GraphBackprop } from '../../../src/core/train/graphBackprop';
import { graphParametersOf, graphWith } from '../../../src/core/train/graphParameters';
import { absOutputLoss, crossEntropyLoss, type Loss } from '../../../src/core/train/losses';
import { lossGradient } from '../../../src/core/train/train';
import { zerosLike } from '../../../src/core/train/parameters';
import { buildModel, seeded, tensor, type NodeSpec } from '../../onnxBuilder';
import { randomNetwork } from '../../randomNetwork';

const gemm = (x: string, w: string, b: string, out: string): NodeSpec => ({ op: 'Gemm', inputs: [x, w, b], output: out, attrs: { transB: 1 } });

/** x -> h = act(W1 x) -> r = act(h + act(W2 h)) (a ResNet block: identity sources) -> r2 = r + act(W3 r) -> y = W4 r2. */
function residual(seed: number, act: 'LeakyRelu' | 'Tanh'): Graph {
  const [n, w, m] = [4, 6, 3];
  const bytes = buildModel({
    input: ['x', [1, n]], output: ['y', [1, m]],
    nodes: [
      gemm('x', 'W1', 'b1', 'a1'), { op: act, inputs: ['a1'], output: 'h' },
      gemm('h', 'W2', 'b2', 'a2'), { op: act, inputs: ['a2'], output: 'f' }, { op: 'Add', inputs: ['h', 'f'], output: 's' }, { op: act, inputs: ['s'], output: 'r' },
      gemm('r', 'W3', 'b3', 'a3'), { op: act, inputs: ['a3'], output: 'g' }, { op: 'Add', inputs: ['r', 'g'], output: 'r2' },
      gemm('r2', 'W4', 'b4', 'y'),
    ],
    initializers: [
      tensor('W1', [w, n], seeded(w * n, seed)), tensor('b1', [w], seeded(w, seed + 1)),
      tensor('W2', [w, w], seeded(w * w, seed + 2)), tensor('b2', [w], seeded(w, seed + 3)),
      tensor('W3', [w, w], seeded(w * w, seed + 4)), tensor('b3', [w], seeded(w, seed + 5)),
      tensor('W4', [m, w], seeded(m * w, seed + 6)), tensor('b4', [m], seeded(m, seed + 7)),
    ],
  });
  const model = loadOnnxModel(bytes, 'residual.onnx');
  assert.ok(isGraph(model));
  assert.ok(model.nodes.some((node) => node.sources.length === 2 && node.sources.every((s) => !s.weights)), 'a node that adds two identity sources');
  return model;
}

/** Two branches of different depth from the input, joined by Concat into a Gemm, plus a skip from the input (Sub). */
function twoBranch(seed: number): Graph {
  const bytes = buildModel({
    input: ['x', [1, 3]], output: ['y', [1, 3]],
    nodes: [
      gemm('x', 'Wa', 'ba', 'a1'), { op: 'Relu', inputs: ['a1'], output: 'a' },
      gemm('a', 'Wa2', 'ba2', 'a2'), { op: 'Relu', inputs: ['a2'], output: 'aa' },
      gemm('x', 'Wb', 'bb', 'b1'), { op: 'Relu', inputs: ['b1'], output: 'b' },
      { op: 'Concat', inputs: ['aa', 'b'], output: 'c', attrs: { axis: 1 } },
      gemm('c', 'W', 'b0', 'z'), { op: 'Sub', inputs: ['z', 'x'], output: 'y' },
    ],
    initializers: [
      tensor('Wa', [4, 3], seeded(12, seed)), tensor('ba', [4], seeded(4, seed + 1)), tensor('Wa2', [4, 4], seeded(16, seed + 2)), tensor('ba2', [4], seeded(4, seed + 3)),
      tensor('Wb', [3, 3], seeded(9, seed + 4)), tensor('bb', [3], seeded(3, seed + 5)), tensor('W', [3, 7], seeded(21, seed + 6)), tensor('b0', [3], seeded(3, seed + 7)),
    ],
  });
  const model = loadOnnxModel(bytes, 'branches.onnx');
  assert.ok(isGraph(model));
  return model;
}

const COUNT = 6;

function check(g: Graph, loss: Loss, inputSeed: number): void {
  const inputs = Float64Array.from(seeded(COUNT * g.inputSize, inputSeed), (v) => 2 * v);
  const rows = Int32Array.from({ length: COUNT }, (_, i) => i);
  const lossOf = (model: Graph) => {
    const y = forwardModel(model, inputs, COUNT);
    return loss(y, rows, new Float64Array(y.length));
  };
  const params = graphParametersOf(g, 'float64');
  assert.deepEqual(forwardModel(graphWith(g, params), inputs, COUNT), forwardModel(g, inputs, COUNT), 'the layout round trip keeps the model');
  const pass = new GraphBackprop(g, 'float64', COUNT);
  const grads = zerosLike(params);
  const y = pass.forward(params, inputs, COUNT);
  assert.deepEqual(Array.from(y), Array.from(forwardModel(g, inputs, COUNT)), 'forward equals the model forward pass');
  const dOut = new Float64Array(y.length);
  const value = loss(y, rows, dOut);
  const { input: dInput } = pass.backward(params, dOut, grads, { input: true });
  assert.ok(Math.abs(value - lossOf(g)) < 1e-12);
  const h = 1e-6;
  let compared = 0;
  params.layers.forEach((layer, k) => {
    for (const part of ['weights', 'bias'] as const) {
      for (let i = 0; i < layer[part].length; i++) {
        const at = (delta: number) => {
          const p = graphParametersOf(g, 'float64');
          p.layers[k][part][i] += delta;
          return lossOf(graphWith(g, p));
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        const analytic = grads.layers[k][part][i];
        assert.ok(Math.abs(numeric - analytic) <= 1e-6 * Math.max(1, Math.abs(numeric)), `node ${k} ${part}[${i}]: ${analytic} vs ${numeric}`);
        if (Math.abs(analytic) > 1e-9) compared++;
      }
    }
  });
  assert.ok(compared > 20, `enough non-zero gradients compared (${compared})`);
  for (let i = 0; i < inputs.length; i++) {
    const at = (delta: number) => {
      const xs = Float64Array.from(inputs);
      xs[i] += delta;
      const yy = forwardModel(g, xs, COUNT);
      return loss(yy, rows, new Float64Array(yy.length));
    };
    const numeric = (at(h) - at(-h)) / (2 * h);
    assert.ok(Math.abs(numeric - dInput![i]) <= 1e-6 * Math.max(1, Math.abs(numeric)), `input ${i}: ${dInput![i]} vs ${numeric}`);
  }
}

const labels = Int32Array.from({ length: COUNT }, (_, i) => i % 3);
for (const seed of [1, 40, 77]) {
  // Leaky ReLU: with ReLU a sum of two dead branches sits exactly on the kink, where finite differences are one-sided.
  test(`graph gradients equal finite differences: residual leaky-ReLU graph, cross-entropy (seed ${seed})`, () => check(residual(seed, 'LeakyRelu'), crossEntropyLoss(labels), seed + 100));
  test(`graph gradients equal finite differences: residual tanh graph, sum of |outputs| (seed ${seed})`, () => check(residual(seed, 'Tanh'), absOutputLoss(), seed + 200));
  test(`graph gradients equal finite differences: two branches, Concat and a skip from the input (seed ${seed})`, () => check(twoBranch(seed), crossEntropyLoss(labels), seed + 300));
}

test('a plain network seen as a graph has the same gradients as the layer backpropagation', () => {
  const net = randomNetwork([5, 7, 6, 3], 4, { kind: 'relu' });
  const inputs = Float64Array.from(seeded(COUNT * 5, 9));
  const loss = crossEntropyLoss(labels);
  const expected = lossGradient(net, inputs, COUNT, loss).gradient;
  const g = toGraph(net);
  const params = graphParametersOf(g, 'float64');
  const grads = zerosLike(params);
  const pass = new GraphBackprop(g, 'float64', COUNT);
  const y = pass.forward(params, inputs, COUNT);
  const dOut = new Float64Array(y.length);
  loss(y, Int32Array.from({ length: COUNT }, (_, i) => i), dOut);
  pass.backward(params, dOut, grads);
  expected.layers.forEach((layer, k) => {
    for (const part of ['weights', 'bias'] as const) {
      for (let i = 0; i < layer[part].length; i++) assert.ok(Math.abs(layer[part][i] - grads.layers[k][part][i]) < 1e-12, `layer ${k} ${part}[${i}]`);
    }
  });
});

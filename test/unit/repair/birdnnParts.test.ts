/** BIRDNN's parts: PSO finds a known optimum; folded factors give the function of the scaled network; Alg. 2's targets. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { forward } from '../../../src/core/network/forward';
import { pso } from '../../../src/core/repair/birdnn/pso';
import { foldScales } from '../../../src/core/repair/birdnn/foldScales';
import { ScaledForward } from '../../../src/core/repair/birdnn/scaledForward';
import { correctNegatives } from '../../../src/core/repair/methods/birdnnRetrain';
import { seededRandom } from '../../../src/core/verify/falsify';
import type { Activation } from '../../../src/core/network/network';
import { seeded } from '../../onnxBuilder';
import { randomNetwork } from '../../randomNetwork';

const settings = { lower: -1, upper: 1, particles: 20, iterations: 100, inertia: 0.8, cognitive: 0.41, social: 0.41, ftol: 1e-9, patience: 30 };

test('PSO with the paper\'s settings finds the minimum of a shifted bowl, starting from 0', async () => {
  const optimum = [0.6, -0.3, 0.15, -0.8];
  const result = await pso((x) => x.reduce((s, v, i) => s + (v - optimum[i]) ** 2, 0), { ...settings, dimensions: 4, random: seededRandom(4) });
  result.best.forEach((v, i) => assert.ok(Math.abs(v - optimum[i]) < 0.02, `coordinate ${i}: ${v} vs ${optimum[i]}`));
  assert.ok(result.history.every((c, i) => i === 0 || c <= result.history[i - 1]), 'the best cost never rises');
});

test('PSO stays within its bounds and stops early on a zero cost', async () => {
  const seen: number[][] = [];
  const result = await pso((x) => { seen.push(Array.from(x)); return Math.max(0, 0.5 - x[0]); }, { ...settings, dimensions: 2, random: seededRandom(2) });
  assert.equal(result.cost, 0);
  assert.ok(result.iterations < 100);
  assert.ok(seen.flat().every((v) => v >= -1 && v <= 1));
});

const activations: Activation[] = [{ kind: 'relu' }, { kind: 'tanh' }, { kind: 'leakyRelu', alpha: 0.2 }];
for (const act of activations) {
  test(`folding factors into the weights leaves the function of the scaled network (${act.kind})`, async () => {
    const net = randomNetwork([3, 8, 7, 4], 6, act);
    const count = 50;
    const x = Float64Array.from(seeded(count * 3, 17));
    const scales = net.layers.map((l) => new Float32Array(l.outSize).fill(1));
    const factors = [{ layer: 0, neuron: 2, factor: 1.7 }, { layer: 1, neuron: 5, factor: 0.2 }, { layer: 1, neuron: 0, factor: 0 }, { layer: 2, neuron: 3, factor: 1.4 }];
    for (const f of factors) scales[f.layer][f.neuron] = f.factor;
    const engine = await ScaledForward.create(net, x, count);
    const scaled = await engine.run(scales);
    await engine.release();
    const folded = foldScales(net, factors);
    const y = forward(folded, x, count);
    for (let i = 0; i < y.length; i++) assert.ok(Math.abs(y[i] - scaled[i]) < 1e-4 * (1 + Math.abs(y[i])), `output ${i}: ${y[i]} vs ${scaled[i]}`);
    assert.ok(Math.max(...y.map((v, i) => Math.abs(v - forward(net, x, count)[i]))) > 0.01, 'the factors change the function');
    net.layers.forEach((l, k) => assert.notEqual(folded.layers[k].weights, l.weights));
  });
}

test('Alg. 2: the mean of the k nearest positive outputs, or the nearest when the mean violates', () => {
  // Unsafe outputs: the box |y0| <= 1, |y1| <= 1 (one conjunction), so the safe set is not convex.
  const box = [[
    { coeffs: Float64Array.from([1, 0]), rhs: 1 }, { coeffs: Float64Array.from([-1, 0]), rhs: 1 },
    { coeffs: Float64Array.from([0, 1]), rhs: 1 }, { coeffs: Float64Array.from([0, -1]), rhs: 1 },
  ]];
  const negative = Float64Array.from([0.5, 0]);
  // Nearest two: (2, 0) and (2.5, 0); their mean (2.25, 0) is safe.
  const sameSide = correctNegatives(negative, Float64Array.from([2, 0, -2, 0, 2.5, 0]), 2, 2, box);
  assert.deepEqual(Array.from(sameSide.targets), [2.25, 0]);
  assert.equal(sameSide.fallbacks, 0);
  // Nearest two: (2, 0) and (-2, 0); their mean (0, 0) is unsafe: the nearest alone.
  const opposite = correctNegatives(negative, Float64Array.from([2, 0, -2, 0, 9, 9]), 2, 2, box);
  assert.deepEqual(Array.from(opposite.targets), [2, 0]);
  assert.equal(opposite.fallbacks, 1);
});

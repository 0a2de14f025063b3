/** Localisation: on a hand-built network where one neuron alone causes the violation, every method ranks it first. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Network } from '../../../src/core/network/network';
import type { Query } from '../../../src/core/query/normalForm';
import { localize } from '../../../src/core/localize';
import { pairwiseScore } from '../../../src/core/localize/scores';
import { randomNetwork } from '../../randomNetwork';

// Hidden neurons: h0 = relu(x1) (large on every sample), h1 = relu(10 (x0 - 0.8)) (the culprit), h2 = relu(x0 + x1) / 2,
// h3 = relu(-x0 - 1) (dead). Output y = 0.1 h0 + h1 + 0.05 h2 + 0.5 h3. Violation: y >= 1, i.e. x0 above about 0.9.
const net: Network = {
  layers: [
    { inSize: 2, outSize: 4, weights: Float64Array.from([0, 1, 10, 0, 0.5, 0.5, -1, 0]), bias: Float64Array.from([0, -8, 0, -1]), activation: { kind: 'relu' }, name: 'hidden' },
    { inSize: 4, outSize: 1, weights: Float64Array.from([0.1, 1, 0.05, 0.5]), bias: Float64Array.from([0]), activation: { kind: 'identity' }, name: 'out' },
  ],
  inputName: 'x', inputShape: [1, 2], outputName: 'y', outputShape: [1, 1], notes: [],
};
const query: Query = {
  name: 'y below 1',
  region: [{ lower: Float64Array.from([0, 0]), upper: Float64Array.from([1, 1]), rows: [] }],
  violation: [[{ coeffs: Float64Array.from([-1]), rhs: -1 }]],
};

for (const method of ['birdnn', 'birdnn-code', 'gradient'] as const) {
  test(`${method}: the one neuron that causes the violation ranks first`, async () => {
    const r = await localize(net, query, { method, samples: 4000, topK: 3 });
    assert.ok(r.samples.violating > 100 && r.samples.safe > 100, JSON.stringify(r.samples));
    assert.deepEqual({ layer: r.top[0].layer, neuron: r.top[0].neuron }, { layer: 0, neuron: 1 });
    assert.equal(r.top[0].score, 1);
    const layer = r.layers[0];
    assert.equal(layer.name, 'hidden');
    assert.equal(layer.perLayer[1], 1);
    // A dead neuron behaves the same everywhere; the margin's gradient still passes through its output weight.
    if (method !== 'gradient') assert.equal(layer.scores[3], 0, 'a dead neuron carries no responsibility');
    assert.equal(layer.activeViolating[1], 1, 'the culprit is active on every violating sample');
    assert.ok(layer.activeSafe[1] < 0.2);
    assert.ok(layer.meanViolating[1] > layer.meanSafe[1]);
  });
}

test('the pairwise score equals the paper\'s double loop', () => {
  const width = 3;
  const values = Float64Array.from({ length: 300 * width }, (_, i) => Math.sin(i * 1.7) * (i % 5));
  const violating = Int32Array.from({ length: 120 }, (_, i) => i * 2);
  const safe = Int32Array.from({ length: 150 }, (_, i) => i * 2 + 1);
  for (let j = 0; j < width; j++) {
    let sum = 0;
    for (const v of violating) for (const s of safe) sum += Math.abs(values[v * width + j] - values[s * width + j]);
    assert.ok(Math.abs(pairwiseScore(values, violating, safe, width, j) - sum / (120 * 150)) < 1e-12);
  }
});

test('a property no sample violates and no attack breaks gives zero scores, not a ranking of noise', async () => {
  const safeNet = randomNetwork([2, 5, 1], 3);
  const never: Query = { ...query, violation: [[{ coeffs: Float64Array.from([1]), rhs: -1e6 }]] };
  const r = await localize(safeNet, never, { samples: 500 });
  assert.equal(r.samples.violating, 0);
  assert.ok(r.layers[0].scores.every((s) => s === 0));
});

/** Samples of a property: rare violations are found and grown; a region with no safe sample borrows its δ-neighbourhood. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Network } from '../../../src/core/network/network';
import type { Query } from '../../../src/core/query/normalForm';
import { collectSamples } from '../../../src/core/localize/samples';
import { seededRandom } from '../../../src/core/verify/falsify';

// y = relu(x0 - x1) - relu(x1 - x0) = x0 - x1 on [0, 1]^2.
const net: Network = {
  layers: [
    { inSize: 2, outSize: 2, weights: Float64Array.from([1, -1, -1, 1]), bias: Float64Array.from([0, 0]), activation: { kind: 'relu' }, name: 'h' },
    { inSize: 2, outSize: 1, weights: Float64Array.from([1, -1]), bias: Float64Array.from([0]), activation: { kind: 'identity' }, name: 'y' },
  ],
  inputName: 'x', inputShape: [1, 2], outputName: 'y', outputShape: [1, 1], notes: [],
};
const box = (lower: number[], upper: number[]) => ({ lower: Float64Array.from(lower), upper: Float64Array.from(upper), rows: [] });
const domain = { lower: Float64Array.from([0, 0]), upper: Float64Array.from([1, 1]) };

test('a violation in a corner of the region no uniform sample hits is found and grown to the target', async () => {
  // Violation: y >= 0.995, only near the corner (1, 0): about 1 in 80,000 uniform samples.
  const q: Query = { name: 'corner', region: [box([0, 0], [1, 1])], violation: [[{ coeffs: Float64Array.from([-1]), rhs: -0.995 }]] };
  const set = await collectSamples(net, q, { samples: 500, violatingTarget: 200, random: seededRandom(3) });
  assert.ok(set.violating.length >= 200, `${set.violating.length} violating samples`);
  for (const r of set.violating) assert.ok(set.inputs[r * 2] - set.inputs[r * 2 + 1] >= 0.995 - 1e-12);
  assert.equal(set.delta, 0);
});

test('a region that violates everywhere takes its safe samples from a δ-neighbourhood inside the domain', async () => {
  // Region x0 in [0.6, 1], x1 in [0, 0.1]: y >= 0.5 everywhere there, and y >= 0.5 is the violation.
  const q: Query = { name: 'all bad', region: [box([0.6, 0], [1, 0.1])], violation: [[{ coeffs: Float64Array.from([-1]), rhs: -0.5 }]] };
  const set = await collectSamples(net, q, { samples: 500, random: seededRandom(5), domain });
  assert.equal(set.violating.length, 500);
  assert.ok(set.safe.length > 0 && set.delta > 0, `delta ${set.delta}, ${set.safe.length} safe`);
  for (const r of set.safe) {
    const [x0, x1] = [set.inputs[r * 2], set.inputs[r * 2 + 1]];
    assert.ok(x0 >= 0 && x0 <= 1 && x1 >= 0 && x1 <= 1, 'inside the domain');
    assert.ok(x0 < 0.6 || x1 > 0.1, 'outside the region');
  }
});

test('a violation no sample finds comes from the counterexample search and is grown around it; a proof stops the search', async () => {
  // Violation: y >= 0.9999, only within about 1e-4 of the corner (1, 0): no uniform sample finds it.
  const q: Query = { name: 'tip', region: [box([0, 0], [1, 1])], violation: [[{ coeffs: Float64Array.from([-1]), rhs: -0.9999 }]] };
  let asked = 0;
  const set = await collectSamples(net, q, {
    samples: 500, violatingTarget: 50, random: seededRandom(4), radii: [0.0001, 0.001], perCounterexample: 40, attack: false,
    searchCounterexample: async () => { asked++; return [1, 0]; },
  });
  assert.equal(asked, 1);
  assert.ok(set.violating.length >= 50, `${set.violating.length} violating samples`);
  assert.ok(set.safe.length >= 500);
  for (const r of set.violating) assert.ok(set.inputs[r * 2] - set.inputs[r * 2 + 1] >= 0.9999 - 1e-12);

  let proofs = 0;
  const none = await collectSamples(net, q, { samples: 300, violatingTarget: 50, random: seededRandom(4), searchCounterexample: async () => { proofs++; return 'holds'; } });
  assert.equal(proofs, 1);
  assert.equal(none.violating.length, 0, 'nothing is attacked once the property is proved');
  assert.equal(none.count, 300);
});

/**
 * The second layer's bounds by rank-one updates of kept rows (bounds/secondLayerRows.ts) agree with a direct
 * back-substitution on subdomains that split first-layer neurons (the search's soundness with them: soundness.test.ts).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { specBounds } from '../../../src/core/bounds/linearBounds';
import { newSecondLayerRows } from '../../../src/core/bounds/secondLayerRows';
import { randomNetwork } from '../../randomNetwork';

test('second-layer bounds by rank-one updates equal the direct ones on split subdomains', () => {
  let compared = 0;
  for (let seed = 1; seed < 5; seed++) {
    const n = 70;
    const net = randomNetwork([n, 12, 8, 1], seed);
    const box = { lower: new Float64Array(n).fill(-0.3), upper: new Float64Array(n).fill(0.3) };
    const rows = [{ coeffs: Float64Array.of(1), rhs: 0 }];
    const kept = newSecondLayerRows();
    const root = specBounds(net, box, rows, { secondLayer: kept });
    assert.ok(kept.base, 'the root kept no rows');
    const unstable = Array.from(root.preActivation[0].lo).flatMap((l, j) => (l < 0 && root.preActivation[0].hi[j] > 0 ? [j] : []));
    // Every pattern of up to two split first-layer neurons (within the update's share of the layer: 3 of 12).
    for (let a = 0; a < unstable.length; a++) {
      for (let b = a; b < Math.min(unstable.length, a + 3); b++) {
        for (const signs of [[1, 1], [1, -1], [-1, 1], [-1, -1]]) {
          const splits = [new Int8Array(12), new Int8Array(8)];
          const enclosing = root.preActivation.map((l) => ({ lo: Float64Array.from(l.lo), hi: Float64Array.from(l.hi) }));
          [unstable[a], unstable[b]].forEach((j, q) => {
            splits[0][j] = signs[q];
            if (signs[q] > 0) enclosing[0].lo[j] = 0; else enclosing[0].hi[j] = 0;
          });
          const options = { enclosing, splits, tightenFrom: 1 };
          const direct = specBounds(net, box, rows, options);
          const updated = specBounds(net, box, rows, { ...options, secondLayer: kept });
          const close = (x: number, y: number) => Math.abs(x - y) <= 1e-12 * (1 + Math.abs(x));
          direct.preActivation[1].lo.forEach((v, j) => {
            assert.ok(close(v, updated.preActivation[1].lo[j]) && close(direct.preActivation[1].hi[j], updated.preActivation[1].hi[j]),
              `seed ${seed}, neuron ${j}: [${updated.preActivation[1].lo[j]}, ${updated.preActivation[1].hi[j]}] updated, [${v}, ${direct.preActivation[1].hi[j]}] direct`);
          });
          assert.ok(close(direct.lower[0], updated.lower[0]), `seed ${seed}: row bound ${updated.lower[0]} updated, ${direct.lower[0]} direct`);
          compared++;
        }
      }
    }
  }
  assert.ok(compared >= 40, `only ${compared} subdomains compared`);
});

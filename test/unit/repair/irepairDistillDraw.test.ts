/**
 * The distill term's draw: uniform (a seeded partial shuffle, distinct rows) without an at-risk share; with one, the
 * rows whose margin was last seen below the original network's come first, smallest margin first, and leave the share
 * once a later draw sees them recovered.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { DistillDraw } from '../../../src/core/repair/methods/irepair/distillDraw';
import { seededRandom } from '../../../src/core/verify/falsify';

/** Two logits per row, decision 0, original margin 1 + row / 10. */
const ROWS = 50;
const original = Float64Array.from({ length: 2 * ROWS }, (_, i) => (i % 2 === 0 ? 1 + Math.floor(i / 2) / 10 : 0));
const labels = new Int32Array(ROWS);
/** Logits of `rows` with the given margins (decision 0). */
const outputs = (margins: number[]) => Float64Array.from(margins.flatMap((d) => [d, 0]));

test('without an at-risk share the draw is a seeded set of distinct rows', () => {
  const a = new DistillDraw(original, labels, 2, 10, 0, seededRandom(3));
  const b = new DistillDraw(original, labels, 2, 10, 0, seededRandom(3));
  for (let k = 0; k < 5; k++) {
    const rows = a.next();
    assert.deepEqual(rows, b.next());
    assert.equal(new Set(rows).size, 10);
    assert.ok(rows.every((r) => r >= 0 && r < ROWS));
    a.observe(rows, outputs(Array.from(rows, () => -1)));
  }
});

test('rows the repair is eroding are drawn first, smallest margin first, until they recover', () => {
  const draw = new DistillDraw(original, labels, 2, 10, 0.3, seededRandom(3));
  // Nothing seen below its original margin yet: no row is at risk.
  const first = draw.next();
  assert.equal(first.length, 10);
  // Rows 40, 7, 20 and 33 seen eroded (margins 0.1, 0.5, 0.2, 0.9), row 12 seen above its original margin.
  draw.observe(Int32Array.from([40, 7, 20, 33, 12]), outputs([0.1, 0.5, 0.2, 0.9, 5]));
  const second = draw.next();
  assert.equal(second.length, 10);
  assert.equal(new Set(second).size, 10);
  assert.deepEqual(Array.from(second.slice(0, 3)), [40, 20, 7], 'the three (30% of 10) smallest eroded margins first');
  // Row 40 pulled back above its original margin (5.0): row 33 takes its place in the at-risk share.
  draw.observe(Int32Array.from([40, 20, 7]), outputs([5.1, 0.2, 0.5]));
  assert.deepEqual(Array.from(draw.next().slice(0, 3)), [20, 7, 33]);
});

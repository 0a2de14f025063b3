/**
 * nRepair's joins of flagged pieces: neighbouring flagged boxes that make a box become one piece; the alarm fires on
 * exactly the inputs of the flagged closed boxes (face points included), and the model answers as before elsewhere.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Box } from '../../../src/core/bounds/box';
import { forwardModel } from '../../../src/core/network/forward';
import { gatedAddedParameters, gatedAlarm, gatedModel, type GatedPiece } from '../../../src/core/network/gated';
import { asLayerSequence } from '../../../src/core/network/model';
import { loadModelFile } from '../../../src/core/onnx/loadModelFile';
import { joinFlagged } from '../../../src/core/repair/nrepair/joinFlagged';
import { acasNet } from '../../helpers';

const box = (lower: number[], upper: number[]): Box => ({ lower: Float64Array.from(lower), upper: Float64Array.from(upper) });

/** The box cut into 2^depth boxes, each input in turn. */
function grid(b: Box, depth: number): Box[] {
  let boxes = [b];
  for (let k = 0; k < depth; k++) {
    const d = k % b.lower.length;
    boxes = boxes.flatMap((c) => {
      const mid = Math.fround((c.lower[d] + c.upper[d]) / 2);
      const upper = Float64Array.from(c.upper);
      upper[d] = mid;
      const lower = Float64Array.from(c.lower);
      lower[d] = mid;
      return [{ lower: c.lower, upper }, { lower, upper: c.upper }];
    });
  }
  return boxes;
}

test('neighbouring flagged pieces are joined; the alarm fires on every flagged closed box and the model is unchanged elsewhere', () => {
  const base = asLayerSequence(loadModelFile(acasNet(2, 1)), 'ACAS Xu 2_1');
  const flagged = (b: Box): GatedPiece => ({ ...b, clamps: [], unrepaired: true });
  const unreached = box([0, 0, -0.5, 0, -0.5], [0.5, 0.5, 0.5, 0.5, 0.5]);
  const repaired: GatedPiece = { ...box([-0.5, 0, -0.5, 0, -0.5], [0, 0.5, 0.5, 0.5, 0.5]), clamps: [{ layer: 5, neuron: 7, value: 0.75 }], unrepaired: false };
  // An L: two flagged boxes sharing part of a face make no box, so they stay apart.
  const lA = box([-0.5, -0.5, -0.5, -0.5, -0.5], [0, -0.25, 0.5, 0.5, 0.5]);
  const lB = box([0, -0.5, -0.5, -0.5, -0.5], [0.25, -0.375, 0.5, 0.5, 0.5]);
  const pieces = [...grid(unreached, 6).map(flagged), repaired, flagged(lA), flagged(lB)];
  const before = gatedModel(base, pieces);
  const { pieces: joined, joins } = joinFlagged(pieces);
  const after = gatedModel(base, joined);
  assert.equal(joins, 63, 'the 64 boxes of the grid become one');
  assert.equal(joined.length, 4);
  assert.deepEqual(joined[3], repaired, 'repaired pieces are kept as they were, after the flagged');
  assert.ok(joined.some((p) => p.unrepaired && p.lower.every((l, i) => l === unreached.lower[i]) && p.upper.every((u, i) => u === unreached.upper[i])));
  assert.ok(gatedAddedParameters(after) < gatedAddedParameters(before) - 60 * 11);
  let seed = 5;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  // Random inputs, and points on the grid's inner faces and on the faces between the pieces.
  const points: number[][] = Array.from({ length: 3000 }, () => Array.from({ length: 5 }, () => random() * 1.2 - 0.6));
  for (const b of grid(unreached, 6).slice(0, 40)) points.push(Array.from(b.upper), Array.from(b.lower));
  points.push([0, 0.25, 0, 0, 0], [0, -0.4, 0, 0, 0], [0.25, -0.375, 0, 0, 0], [-0.25, -0.25, 0.5, 0.5, 0.5]);
  let alarms = 0;
  for (const p of points) {
    const x = Float64Array.from(p);
    const inFlagged = pieces.some((q) => q.unrepaired && q.lower.every((l, i) => x[i] >= l && x[i] <= q.upper[i]));
    assert.equal(gatedAlarm(after, x), inFlagged, `the alarm at ${p}`);
    // Where the alarm fires the original answers; elsewhere the same piece as before.
    assert.deepEqual(forwardModel(after, x), inFlagged ? forwardModel(gatedModel(base, []), x) : forwardModel(before, x), `the output at ${p}`);
    if (gatedAlarm(after, x)) alarms++;
  }
  assert.ok(alarms > 100, `${alarms} inputs raise the alarm`);
});

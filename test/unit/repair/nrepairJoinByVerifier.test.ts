/**
 * nRepair's joins of repaired pieces by the verifier: two neighbouring pieces that make a box become one where the
 * verifier proves one piece's clamps on the joined box and its changes fit the fidelity budget; pieces that make no
 * box, or whose join would overspend the budget, are left apart (the latter without a verifier call).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Box } from '../../../src/core/bounds/box';
import type { GatedPiece } from '../../../src/core/network/gated';
import { asLayerSequence } from '../../../src/core/network/model';
import type { Network } from '../../../src/core/network/network';
import { loadModelFile } from '../../../src/core/onnx/loadModelFile';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import type { Query } from '../../../src/core/query/normalForm';
import { boundProof } from '../../../src/core/repair/nrepair/boundProof';
import { joinByVerifier } from '../../../src/core/repair/nrepair/joinByVerifier';
import { verify } from '../../../src/core/verify';
import { acasNet, dataPath } from '../../helpers';

const net = asLayerSequence(loadModelFile(acasNet(2, 1)), 'ACAS Xu 2_1');
const query = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'), 'prop_2.vnnlib');

/** A corner of property 2's region that 2_1's bounds prove (bisected towards it), cut in two along input 1. */
function provedHalves(): [Box, Box, Box] {
  let box: Box = { lower: query.region[0].lower, upper: query.region[0].upper };
  for (let depth = 0; depth < 30 && !boundProof(net, query, box).proved; depth++) {
    const widest = box.lower.reduce((best, l, i) => (box.upper[i] - l > box.upper[best] - box.lower[best] ? i : best), 0);
    const upper = Float64Array.from(box.upper);
    upper[widest] = Math.fround((box.lower[widest] + box.upper[widest]) / 2);
    box = { lower: box.lower, upper };
  }
  const mid = Math.fround((box.lower[1] + box.upper[1]) / 2);
  const leftUpper = Float64Array.from(box.upper);
  leftUpper[1] = mid;
  const rightLower = Float64Array.from(box.lower);
  rightLower[1] = mid;
  return [box, { lower: box.lower, upper: leftUpper }, { lower: rightLower, upper: box.upper }];
}

const piece = (b: Box, neuron: number): GatedPiece => ({ ...b, clamps: [{ layer: 5, neuron, value: 0 }], unrepaired: false });

test('two neighbouring repaired pieces the verifier proves with one of their clamps become one piece on their joined box', async () => {
  const [whole, left, right] = provedHalves();
  let calls = 0;
  const prove = (candidate: Network, q: Query) => { calls++; return verify(candidate, q, { timeoutSec: 30 }); };
  // Clamping a neuron to 0 where the original already holds: the verifier proves the joined box.
  const result = await joinByVerifier(net, query, [piece(left, 3), piece(right, 4)], {
    deadline: Date.now() + 600_000, prove, changedShare: () => 0, budget: 0,
  });
  assert.equal(result.joins, 1);
  assert.equal(result.pieces.length, 1);
  assert.deepEqual(Array.from(result.pieces[0].lower), Array.from(whole.lower));
  assert.deepEqual(Array.from(result.pieces[0].upper), Array.from(whole.upper));
  assert.equal(result.pieces[0].clamps.length, 1);
  assert.ok(calls >= 1);
  assert.equal((await verify(net, { ...query, region: [{ ...query.region[0], ...whole }] }, { timeoutSec: 30 })).status, 'holds');
});

test('a join whose decision changes (beyond those of the clamps it replaces) overspend the budget is refused without a verifier call; pieces that make no box are not tried', async () => {
  const [, left, right] = provedHalves();
  let calls = 0;
  const prove = (candidate: Network, q: Query) => { calls++; return verify(candidate, q, { timeoutSec: 30 }); };
  // Each piece's own clamps change nothing on it; the other's change half of its decisions.
  const clamped = (c: Network, neuron: number) => c.layers[5].weights.subarray(neuron * 50, (neuron + 1) * 50).every((w) => w === 0);
  const changedShare = (c: Network, b: Box) => (clamped(c, b.upper === left.upper ? 3 : 4) ? 0 : 0.5);
  const costly = await joinByVerifier(net, query, [piece(left, 3), piece(right, 4)], { deadline: Date.now() + 600_000, prove, changedShare, budget: 0 });
  assert.equal(costly.joins, 0);
  assert.equal(costly.pieces.length, 2);
  assert.equal(calls, 0);
  // Shifted in another input: they touch along part of a face only.
  const shifted = { lower: Float64Array.from(right.lower), upper: Float64Array.from(right.upper) };
  shifted.lower[3] = (right.lower[3] + right.upper[3]) / 2;
  shifted.upper[3] = right.upper[3] + (right.upper[3] - right.lower[3]) / 2;
  const apart = await joinByVerifier(net, query, [piece(left, 3), piece(shifted, 4)], {
    deadline: Date.now() + 600_000, prove, changedShare: () => 0, budget: 0,
  });
  assert.equal(apart.tried, 0);
  assert.equal(apart.pieces.length, 2);
});

/**
 * nRepair's cheap steps, on real networks: the bound proof of a box, a decision-keeping shift judged by the bounds it
 * was computed from (agreeing with the clamped network's own bounds and with the verifier), and the final re-check that
 * drops flagged pieces the verifier proves while keeping the ones it refutes.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { asLayerSequence } from '../../../src/core/network/model';
import { clampNetwork, type GatedPiece } from '../../../src/core/network/gated';
import { forward } from '../../../src/core/network/forward';
import { loadModelFile } from '../../../src/core/onnx/loadModelFile';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import { violationMargin, type Query } from '../../../src/core/query/normalForm';
import { initLp } from '../../../src/core/lp';
import { boundProof } from '../../../src/core/repair/nrepair/boundProof';
import { recheckFlagged } from '../../../src/core/repair/nrepair/recheck';
import { decisionKeepingShift, shiftProves } from '../../../src/core/repair/nrepair/shiftClamps';
import { samplesOf } from '../../../src/core/repair/nrepair/pieceSamples';
import { verify } from '../../../src/core/verify';
import { seededRandom } from '../../../src/core/verify/falsify';
import { boundsSettleDeep } from '../../../src/core/repair/methods/nrepair';
import { acasNet, dataPath, notFirst, smallNet } from '../../helpers';

const prop2 = () => parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'), 'prop_2.vnnlib');

test('the bound proof agrees with the verifier: a box it proves holds, and a box with a counterexample is never proved', async () => {
  const net = asLayerSequence(loadModelFile(acasNet(2, 1)), 'ACAS Xu 2_1');
  const query = prop2();
  // A piece of property 2's region where 2_1 breaks it, and a small corner of the region where it holds.
  const violated = { lower: Float64Array.of(0.6, 0, 0.15625, 0.45, -0.5), upper: Float64Array.of(0.679857769, 0.03125, 0.1875, 0.5, -0.45) };
  assert.equal((await verify(net, { ...query, region: [{ ...query.region[0], ...violated }] }, { timeoutSec: 30 })).status, 'violated');
  assert.equal(boundProof(net, query, violated).proved, false);
  const root = { lower: query.region[0].lower, upper: query.region[0].upper };
  assert.equal(boundProof(net, query, root).proved, false, 'the whole region holds violations');
  // Bisected towards a corner until the bounds prove it; the verifier must agree.
  let box = root;
  for (let depth = 0; depth < 30 && !boundProof(net, query, box).proved; depth++) {
    const widest = box.lower.reduce((best, l, i) => (box.upper[i] - l > box.upper[best] - box.lower[best] ? i : best), 0);
    const upper = Float64Array.from(box.upper);
    upper[widest] = (box.lower[widest] + box.upper[widest]) / 2;
    box = { lower: box.lower, upper };
  }
  assert.ok(boundProof(net, query, box).proved, 'some corner box is proved by its bounds');
  assert.equal((await verify(net, { ...query, region: [{ ...query.region[0], ...box }] }, { timeoutSec: 30 })).status, 'holds');
});

test("a decision-keeping shift judged by the bounds it came from: agrees with the clamped network's bounds and the verifier", async () => {
  await initLp();
  const net = asLayerSequence(loadModelFile(acasNet(2, 1)), 'ACAS Xu 2_1');
  const query = prop2();
  const random = seededRandom(3);
  let judged = 0;
  let proving = 0;
  // Small boxes around random points of the region: some with violations, some without.
  for (let trial = 0; trial < 40; trial++) {
    const { lower, upper } = query.region[0];
    const center = lower.map((l, i) => l + random() * (upper[i] - l));
    const half = upper.map((u, i) => (u - lower[i]) / 64);
    const box = { lower: center.map((c, i) => Math.max(lower[i], c - half[i])), upper: center.map((c, i) => Math.min(upper[i], c + half[i])) };
    const piece: Query = { ...query, region: [{ ...query.region[0], ...box }] };
    const proof = boundProof(net, piece, box);
    if (proof.proved) continue;
    const samples = samplesOf(net, piece, box, 'argmin', 256);
    const clamps = decisionKeepingShift(net, piece, box, 15, new Set(samples.labels), 'argmin', proof.bounds);
    if (!clamps) continue;
    judged++;
    const repaired = clampNetwork(net, clamps);
    const byShift = shiftProves(net, piece, proof.bounds, clamps);
    assert.equal(byShift, boundProof(repaired, piece, box).proved, `trial ${trial}: the shift's judgement and the clamped bounds differ`);
    if (!byShift) continue;
    proving++;
    assert.equal((await verify(repaired, piece, { timeoutSec: 30 })).status, 'holds', `trial ${trial}`);
  }
  assert.ok(proving > 0 && judged > 0, `${proving} of ${judged} shifts prove their box`);
});

test('the final re-check drops a flagged piece the verifier proves on the original and keeps one it refutes', async () => {
  const net = smallNet(11);
  const random = seededRandom(5);
  const xs = Float64Array.from({ length: 4000 }, () => -1 + 2 * random());
  const ys = forward(net, xs, 2000);
  const margin = (k: number) => violationMargin(notFirst.violation, ys.subarray(k * 3, k * 3 + 3));
  const safe = Array.from({ length: 2000 }, (_, k) => k).find((k) => margin(k) > 0.5)!;
  const broken = Array.from({ length: 2000 }, (_, k) => k).find((k) => margin(k) < -0.05)!;
  const around = (k: number): GatedPiece => ({
    lower: xs.slice(2 * k, 2 * k + 2).map((v) => v - 0.01), upper: xs.slice(2 * k, 2 * k + 2).map((v) => v + 0.01), clamps: [], unrepaired: true,
  });
  const repaired: GatedPiece = { lower: Float64Array.of(0.9, 0.9), upper: Float64Array.of(1, 1), clamps: [{ layer: 1, neuron: 0, value: 1 }], unrepaired: false };
  const pieces = [around(broken), repaired, around(safe)];
  const log: string[] = [];
  const proved = await recheckFlagged(net, notFirst, pieces, log, { deadline: Date.now() + 30_000, threads: 1 });
  assert.equal(proved, 1);
  assert.deepEqual(pieces.map((p) => p.unrepaired), [true, false], 'the refuted piece stays flagged, the repaired one is untouched');
  assert.deepEqual(Array.from(pieces[0].lower), Array.from(around(broken).lower));
  assert.match(log.join('\n'), /re-checked/);
  // Without time left nothing is re-checked.
  const late = [around(safe)];
  assert.equal(await recheckFlagged(net, notFirst, late, [], { deadline: Date.now() - 1, threads: 1 }), 0);
  assert.equal(late.length, 1);
});

test('the bounds keep bisecting from the repair depth on while they settle a quarter of the boxes they test there', () => {
  assert.equal(boundsSettleDeep(0, 0), true, 'the first boxes are bisected');
  assert.equal(boundsSettleDeep(0, 2), true);
  assert.equal(boundsSettleDeep(0, 3), false, 'none of three settled');
  assert.equal(boundsSettleDeep(60, 100), true);
  assert.equal(boundsSettleDeep(10, 100), false);
});

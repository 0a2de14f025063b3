/**
 * nRepair's joins: neighbouring boxes the bounds settled become one piece where one decision-keeping shift proves
 * each of them; on real data (ACAS Xu 2_1, property 2) the joined pieces are fewer, cost no more parameters, cover the
 * same boxes and are proved by the verifier on their whole box.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { boxVolume, type Box } from '../../../src/core/bounds/box';
import { asLayerSequence } from '../../../src/core/network/model';
import { clampNetwork } from '../../../src/core/network/gated';
import { loadModelFile } from '../../../src/core/onnx/loadModelFile';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import { initLp } from '../../../src/core/lp';
import { boundProof } from '../../../src/core/repair/nrepair/boundProof';
import { mergeSettled, pieceCost, type SettledBox } from '../../../src/core/repair/nrepair/mergePieces';
import { queryOn } from '../../../src/core/repair/nrepair/pieces';
import { decisionKeepingShift, shiftProves } from '../../../src/core/repair/nrepair/shiftClamps';
import { samplesOf } from '../../../src/core/repair/nrepair/pieceSamples';
import { verify } from '../../../src/core/verify';
import { acasNet, dataPath } from '../../helpers';

const prop2 = () => parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'), 'prop_2.vnnlib');

/** The box cut into 2^depth boxes, each input in turn. */
function grid(box: Box, depth: number): Box[] {
  let boxes = [box];
  for (let k = 0; k < depth; k++) {
    const d = k % box.lower.length;
    boxes = boxes.flatMap((b) => {
      const mid = Math.fround((b.lower[d] + b.upper[d]) / 2);
      const upper = Float64Array.from(b.upper);
      upper[d] = mid;
      const lower = Float64Array.from(b.lower);
      lower[d] = mid;
      return [{ lower: b.lower, upper }, { lower, upper: b.upper }];
    });
  }
  return boxes;
}

test('neighbouring settled boxes are joined into fewer pieces that the verifier proves on their whole box', async () => {
  await initLp();
  const net = asLayerSequence(loadModelFile(acasNet(2, 1)), 'ACAS Xu 2_1');
  const query = prop2();
  // A part of property 2's region where 2_1 breaks it (nrepairBounds.test.ts), cut into 32 boxes.
  const violated = { lower: Float64Array.of(0.6, 0, 0.15625, 0.45, -0.5), upper: Float64Array.of(0.679857769, 0.03125, 0.1875, 0.5, -0.45) };
  const settled: SettledBox[] = [];
  for (const box of grid(violated, 5)) {
    const proof = boundProof(net, query, box);
    if (proof.proved) {
      settled.push({ box, parts: [{ box, bounds: proof.bounds }], clamps: [], changed: 0 });
      continue;
    }
    const samples = samplesOf(net, query, box, 'argmin', 256);
    const clamps = decisionKeepingShift(net, query, box, 15, new Set(samples.labels), 'argmin', proof.bounds);
    if (clamps && shiftProves(net, query, proof.bounds, clamps)) settled.push({ box, parts: [{ box, bounds: proof.bounds }], clamps, changed: 0 });
  }
  const repairedBefore = settled.filter((s) => s.clamps.length > 0);
  assert.ok(repairedBefore.length >= 4, `${repairedBefore.length} boxes repaired by a shift`);
  const merged = mergeSettled(net, query, settled, {
    alpha: 15, decision: 'argmin', budget: Infinity, deadline: Date.now() + 60_000, samplesOf: (box) => samplesOf(net, query, box, 'argmin', 256),
  });
  const repairedAfter = merged.boxes.filter((s) => s.clamps.length > 0);
  assert.ok(merged.joins > 0 && repairedAfter.length < repairedBefore.length, `${repairedBefore.length} pieces before, ${repairedAfter.length} after ${merged.joins} joins`);
  const cost = (boxes: SettledBox[]) => boxes.reduce((sum, s) => sum + pieceCost(s), 0);
  assert.ok(cost(merged.boxes) <= cost(settled), 'the joins add no parameters');
  // The same boxes, each once: the joined box is the union of its parts.
  const volume = (boxes: SettledBox[]) => boxes.reduce((sum, s) => sum + boxVolume(s.box), 0);
  assert.ok(Math.abs(volume(merged.boxes) - volume(settled)) <= 1e-12 * volume(settled));
  for (const s of merged.boxes) assert.ok(Math.abs(s.parts.reduce((sum, p) => sum + boxVolume(p.box), 0) - boxVolume(s.box)) <= 1e-12 * boxVolume(s.box));
  for (const s of repairedAfter.filter((r) => r.parts.length > 1)) {
    const result = await verify(clampNetwork(net, s.clamps), queryOn(query, s.box), { timeoutSec: 30 });
    assert.equal(result.status, 'holds', `the joined piece of ${s.parts.length} boxes`);
  }
});

test('the budget refuses a join only where it would change more decisions than its parts did', async () => {
  await initLp();
  const net = asLayerSequence(loadModelFile(acasNet(2, 1)), 'ACAS Xu 2_1');
  const query = prop2();
  const violated = { lower: Float64Array.of(0.6, 0, 0.15625, 0.45, -0.5), upper: Float64Array.of(0.679857769, 0.03125, 0.1875, 0.5, -0.45) };
  const [a, b] = grid(violated, 1);
  const settle = (box: Box, changed: number): SettledBox => {
    const proof = boundProof(net, query, box);
    const samples = samplesOf(net, query, box, 'argmin', 256);
    const clamps = decisionKeepingShift(net, query, box, 15, new Set(samples.labels), 'argmin', proof.bounds);
    assert.ok(clamps && shiftProves(net, query, proof.bounds, clamps));
    return { box, parts: [{ box, bounds: proof.bounds }], clamps, changed };
  };
  const options = { alpha: 15, decision: 'argmin' as const, deadline: Date.now() + 60_000, samplesOf: (box: Box) => samplesOf(net, query, box, 'argmin', 256) };
  // The budget overspent (by repairs at the deepest level): a join that changes nothing more is still kept.
  const kept = mergeSettled(net, query, [settle(a, 0), settle(b, 0)], { ...options, budget: -1 });
  assert.equal(kept.joins, 1);
  assert.equal(kept.boxes.length, 1);
  assert.ok(kept.changedDelta <= 0);
  // Parts recorded as changing less than nothing: whatever the join changes is more, and no budget is left for it.
  const refused = mergeSettled(net, query, [settle(a, -1), settle(b, -1)], { ...options, budget: 0 });
  assert.equal(refused.joins, 0);
  assert.equal(refused.refused.budget, 1);
  assert.equal(refused.boxes.length, 2);
});

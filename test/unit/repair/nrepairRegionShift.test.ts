/**
 * The whole-region shift read from samples (regionShift.ts) on ACAS Xu 2_9 / property 8: it clamps only
 * last-hidden-layer neurons no sample activates, to float32 values >= 0; on the samples it keeps every decision the
 * original made where it was safe and clears every violation clause; the reach nearest the bound is proved by the
 * verifier on the whole region; runtimeChanges (ONNX Runtime in float32) sees the decisions float32 rounding blurs where the values are huge.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forward } from '../../../src/core/network/forward';
import { clampNetwork } from '../../../src/core/network/gated';
import { asLayerSequence } from '../../../src/core/network/model';
import { loadModelFile } from '../../../src/core/onnx/loadModelFile';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import { violationMargin } from '../../../src/core/query/normalForm';
import { decide } from '../../../src/core/repair/labels';
import { runtimeChanges, sampledRegionShifts } from '../../../src/core/repair/nrepair/regionShift';
import { decisionChanges, samplesOf } from '../../../src/core/repair/nrepair/pieceSamples';
import { initLp } from '../../../src/core/lp';
import { verify } from '../../../src/core/verify';
import { seededRandom } from '../../../src/core/verify/falsify';
import { acasNet, dataPath } from '../../helpers';

test('sampledRegionShifts on ACAS Xu 2_9 / property 8: silent neurons only, decisions kept and the property met on samples, proved on the region', async () => {
  await initLp();
  const net = asLayerSequence(loadModelFile(acasNet(2, 9)), 'ACAS Xu 2_9');
  const query = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_8.vnnlib'), 'utf8'));
  const box = query.region[0];
  const shifts = sampledRegionShifts(net, query, box, 'argmin', 15, 2000, [0.3, 1]);
  assert.ok(shifts.length > 0, 'a shift exists');
  const count = 3000;
  const random = seededRandom(11);
  const xs = Float64Array.from({ length: count * 5 }, (_, k) => box.lower[k % 5] + random() * (box.upper[k % 5] - box.lower[k % 5]));
  const h = net.layers.length - 2;
  const hidden = forward({ ...net, layers: net.layers.slice(0, h + 1) }, xs, count);
  const before = forward(net, xs, count);
  for (const clamps of shifts) {
    assert.ok(clamps.every((c) => c.layer === h && c.value >= 0 && Math.fround(c.value) === c.value));
    const after = forward(clampNetwork(net, clamps), xs, count);
    for (let k = 0; k < count; k++) {
      // Where no clamped neuron fires the shift is exact: the property holds, and a safe sample keeps its decision.
      if (clamps.some((c) => hidden[k * hidden.length / count + c.neuron] > 0)) continue;
      assert.ok(violationMargin(query.violation, after.subarray(k * 5, k * 5 + 5)) > 0, `sample ${k} violates`);
      if (violationMargin(query.violation, before.subarray(k * 5, k * 5 + 5)) > 0) assert.equal(decide(after, k * 5, 5, 'argmin'), decide(before, k * 5, 5, 'argmin'), `sample ${k}`);
    }
  }
  // Values a thousand times larger keep every float64 decision (the shift stays exact) but blur them in float32.
  const samples = samplesOf(net, query, box, 'argmin', 2000);
  const huge = shifts[0].map((c) => ({ ...c, value: Math.fround(1000 * c.value) }));
  assert.ok(await runtimeChanges(net, shifts[0], samples, 'argmin') <= 0.01 * samples.count);
  assert.ok(await runtimeChanges(net, huge, samples, 'argmin') > decisionChanges(clampNetwork(net, huge), samples, 'argmin') + 0.01 * samples.count);
  const proof = await verify(clampNetwork(net, shifts[shifts.length - 1]), query, { timeoutSec: 60 });
  assert.equal(proof.status, 'holds');
});

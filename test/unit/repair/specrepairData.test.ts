/**
 * SpecRepair's retraining data (keep set and region samples labelled by the original) and the box bounds built with the
 * verifier's pre-activation intervals (tightBounds): still a lower bound of the violation margin, never looser; the
 * back-substituted ones (bounds=backsub): lower bounds, tighter (their gradient: specrepairBoxes.test.ts).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forward } from '../../../src/core/network/forward';
import { violationMargin } from '../../../src/core/query/normalForm';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import { sampleBox } from '../../../src/core/localize/sampling';
import { boxBound, featureBox, rowMaps } from '../../../src/core/repair/specrepair/boxes';
import { retrainingData } from '../../../src/core/repair/specrepair/retrainingData';
import { seededRandom } from '../../../src/core/verify/falsify';
import { acasNet, dataPath, loadNetwork, notFirst, smallNet } from '../../helpers';

const square = { lower: Float64Array.of(-1, -1), upper: Float64Array.of(1, 1) };

test('retraining data: domain samples, the keep set\'s inputs, and region samples only where the original holds, all labelled by the original', () => {
  const net = smallNet(11);
  const keepSet = [{ input: Float64Array.of(0.25, -0.5), label: 1 }, { input: Float64Array.of(-0.75, 0.5), label: 2 }];
  const data = retrainingData(net, [notFirst], { domain: square, keepSet }, { domain: 30, region: 400 }, seededRandom(5));
  assert.ok(data.count > 32 && data.count < 30 + 2 + 400, `${data.count} rows: smallNet(11) violates the property on part of the square`);
  assert.deepEqual(Array.from(data.inputs.subarray(30 * 2, 32 * 2)), [0.25, -0.5, -0.75, 0.5]);
  assert.deepEqual(Array.from(data.targets), Array.from(forward(net, data.inputs, data.count)));
  for (let r = 32; r < data.count; r++) assert.ok(violationMargin(notFirst.violation, data.targets.subarray(r * 3, r * 3 + 3)) > 0, `region sample ${r} violates the property`);
  assert.throws(() => retrainingData(net, [notFirst], { domain: square, keepSet: [] }, { domain: 0, region: 0 }, seededRandom(5)), /no retraining data/);
});

const n38 = loadNetwork(acasNet(3, 8));
const prop2 = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'), 'prop_2');
type Bounds = readonly [tight: boolean, backsub: boolean];

/**
 * On 6 random sub-boxes of prop 2's region on N3,8: the `tighter` bounds are lower bounds of the margin at 500 sampled
 * points of each box (and never below the `looser` ones when `neverLooser`). Returns how many boxes they tightened.
 */
function tightenedSubBoxes(seed: number, looser: Bounds, tighter: Bounds, neverLooser: boolean): number {
  const last = n38.layers[n38.layers.length - 1];
  const maps = rowMaps([prop2.violation], last, last.inSize);
  const region = prop2.region[0];
  const random = seededRandom(seed);
  let tightened = 0;
  for (let t = 0; t < 6; t++) {
    const a = sampleBox(region.lower, region.upper, 2, random);
    const box = { lower: region.lower.map((_, i) => Math.min(a[i], a[5 + i])), upper: region.lower.map((_, i) => Math.max(a[i], a[5 + i])) };
    const before = boxBound(featureBox(n38, box, prop2.violation, 0, ...looser), maps, last.inSize).margin;
    const after = boxBound(featureBox(n38, box, prop2.violation, 0, ...tighter), maps, last.inSize).margin;
    if (neverLooser) assert.ok(after >= before - 1e-12, `box ${t}: ${after} < ${before}`);
    if (after > before + 1e-9) tightened++;
    const xs = sampleBox(box.lower, box.upper, 500, random);
    const ys = forward(n38, xs, 500);
    for (let k = 0; k < 500; k++) assert.ok(violationMargin(prop2.violation, ys.subarray(k * 5, k * 5 + 5)) >= after - 1e-9);
  }
  return tightened;
}

test('box bounds with the verifier\'s pre-activation intervals are lower bounds of the margin, at least as tight on sub-boxes of the region (ACAS Xu N3,8, prop 2)', () => {
  assert.ok(tightenedSubBoxes(9, [false, false], [true, false], true) > 0, 'the verifier\'s intervals tighten at least one box');
});

test('back-substituted box bounds are lower bounds of the margin, tighter than the forward forms on sub-boxes of the region (ACAS Xu N3,8, prop 2)', () => {
  const tighter = tightenedSubBoxes(10, [true, false], [true, true], false);
  assert.ok(tighter >= 4, `back-substitution tighter on ${tighter} of 6 boxes`);
});

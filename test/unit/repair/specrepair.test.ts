/**
 * SpecRepair: the penalty schedule, and repairs judged by the driver on the written file (a small network, a
 * specification of two properties, and an ACAS Xu network whose repair is cut short).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Network } from '../../../src/core/network/network';
import { forward } from '../../../src/core/network/forward';
import { violationMargin, type Query } from '../../../src/core/query/normalForm';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import { runRepair } from '../../../src/core/repair/driver';
import { specrepair } from '../../../src/core/repair/methods/specrepair';
import { repairMethod } from '../../../src/core/repair/registry';
import { counterexampleMargins, penaltyRepair, raisePenalties } from '../../../src/core/repair/specrepair/penalty';
import { globalMinimum } from '../../../src/core/repair/specrepair/search';
import { interpolateNetwork, retryUndecided, shrinkTowardOriginal, type CandidateVerdict } from '../../../src/core/repair/specrepair/shrink';
import { loadOnnxModel } from '../../../src/core/onnx/import';
import { sampleBox } from '../../../src/core/localize/sampling';
import { falsifyBox, minimizeMargin, seededRandom } from '../../../src/core/verify/falsify';
import { verify } from '../../../src/core/verify';
import { acasDomain, acasNet, dataPath, loadNetwork, notFirst, smallNet } from '../../helpers';

const square = { lower: Float64Array.of(-1, -1), upper: Float64Array.of(1, 1) };
const copyWeights = (net: Network) => net.layers.map((l) => [Array.from(l.weights), Array.from(l.bias)]);
const request = (net: Network, query: Query, extra: object = {}) => ({
  modelPath: 'small.onnx', model: net, method: specrepair, target: { name: query.name, query }, others: [], repairSet: [], keepSet: [],
  domain: square, decision: 'argmax' as const, options: {}, timeoutSec: 120, verifyTimeoutSec: 30, fidelitySamples: 2000, ...extra,
});

test('the registry offers specrepair', () => {
  assert.equal(repairMethod('specrepair'), specrepair);
});

test('the search runs to the minimum: at least as severe as the first counterexample the falsifier stops at', () => {
  const net = smallNet(11);
  const opts = () => ({ samples: 300, starts: 5, steps: 30, deadline: Date.now() + 10_000, random: seededRandom(8) });
  const first = falsifyBox(net, notFirst, square, opts());
  const min = minimizeMargin(net, notFirst, square, opts());
  assert.ok(first && min);
  assert.ok(min.margin <= violationMargin(notFirst.violation, first.output));
  assert.ok(min.margin < 0 && min.evaluations > 300);
  const margins = min.descents.map((d) => d.margin);
  assert.deepEqual(margins, [...margins].sort((a, b) => a - b));
  for (const d of min.descents) assert.ok(Math.abs(violationMargin(notFirst.violation, forward(net, d.input)) - d.margin) < 1e-12);
});

test('raisePenalties doubles mu only where the margin is still below eps', () => {
  const mu = Float64Array.of(1, 1, 0.5, 2);
  assert.equal(raisePenalties(mu, [-0.1, 0.2, 0.0999, 0.1], 0.1), 2);
  assert.deepEqual(Array.from(mu), [2, 1, 1, 2]);
});

test('a penalty pass doubles the weight of the counterexample still violated and leaves the satisfied one at mu_0', () => {
  const net = smallNet(11);
  const random = seededRandom(3);
  const min = globalMinimum(net, notFirst, square, { samples: 500, starts: 5, steps: 30 }, { random, deadline: Date.now() + 10_000 });
  assert.ok(min && min.margin < 0, 'smallNet(11) violates "output 0 is never the largest"');
  // A satisfied point: the search's highest start is far from the violation.
  const xs = sampleBox(square.lower, square.upper, 200, random);
  const ys = forward(net, xs, 200);
  const safe = Array.from({ length: 200 }, (_, k) => k).find((k) => violationMargin(notFirst.violation, ys.subarray(k * 3, k * 3 + 3)) > 0.5)!;
  const cxs = [
    { input: min.input, violation: notFirst.violation, property: notFirst.name },
    { input: xs.slice(safe * 2, safe * 2 + 2), violation: notFirst.violation, property: notFirst.name },
  ];
  const inputs = sampleBox(square.lower, square.upper, 500, random);
  const data = { inputs, targets: forward(net, inputs, 500), count: 500 };
  // One pass of one tiny step cannot fix the violation: only its weight doubles.
  const settings = { initialPenalty: 1 / 16, maxUpdates: 1, margin: 0.01, learningRate: 1e-7, steps: 1, batchSize: 64, fidelityWeight: 1, trainLayers: 0 };
  const result = penaltyRepair(net, cxs, data, settings, { random, deadline: Date.now() + 10_000, log: [] });
  assert.equal(result.passes, 1);
  assert.equal(result.stillViolated, 1);
  assert.deepEqual(Array.from(result.penalties), [1 / 8, 1 / 16]);
  // With room to train, the counterexample is fixed and the loop stops before its cap.
  const fixed = penaltyRepair(net, cxs, data, { ...settings, maxUpdates: 50, learningRate: 1e-3, steps: 200 }, { random, deadline: Date.now() + 30_000, log: [] });
  assert.equal(fixed.stillViolated, 0);
  assert.ok(fixed.passes < 50);
  assert.ok(Array.from(counterexampleMargins(fixed.network, cxs)).every((m) => m >= 0.01));
});

for (const mode of ['boxes', 'points']) {
  test(`a small network repaired through the driver (${mode}) is proved on the written file; the input network is untouched`, async () => {
    // smallNet(11) repaired in boxes mode holds by 0.03 at 100,000 samples, but our verifier stalls in its MILPs on it
    // (unknown at 60 s after 24 boxes; docs/repair-specrepair.md): boxes mode is shown on smallNet(7), which points mode
    // does not repair in the time (it breaks the property on 96% of its domain).
    const net = smallNet(mode === 'boxes' ? 7 : 11);
    const before = copyWeights(net);
    const { report, bytes } = await runRepair(request(net, notFirst, { options: { mode, learningRate: 0.001 } }));
    assert.equal(report.verdict.status, 'repaired', JSON.stringify(report.verdict) + report.log.join('\n'));
    assert.deepEqual(copyWeights(net), before);
    const written = loadOnnxModel(bytes!, 'repaired.onnx') as Network;
    assert.equal((await verify(written, notFirst, { timeoutSec: 30 })).status, 'holds');
    assert.equal((await verify(net, notFirst, { timeoutSec: 30 })).status, 'violated');
    // Decisions change where the original breaks the property (output 0 the largest) and are kept elsewhere.
    const xs = sampleBox(square.lower, square.upper, 2000, seededRandom(9));
    const [ys, repaired] = [forward(net, xs, 2000), forward(written, xs, 2000)];
    const argmax = (y: Float64Array, k: number) => [0, 1, 2].reduce((b, j) => (y[k * 3 + j] > y[k * 3 + b] ? j : b), 0);
    const safe = Array.from({ length: 2000 }, (_, k) => k).filter((k) => violationMargin(notFirst.violation, ys.subarray(k * 3, k * 3 + 3)) > 0);
    const kept = safe.filter((k) => argmax(ys, k) === argmax(repaired, k)).length / safe.length;
    assert.ok(safe.length > 50 && kept > 0.85, `decisions kept on ${kept} of the ${safe.length} samples where the original holds`);
    // Boxes mode retrains the last layer only: the hidden layers are written back as they were (to float32 rounding).
    if (mode === 'boxes') {
      for (let k = 0; k < net.layers.length - 1; k++) {
        written.layers[k].weights.forEach((w, i) => assert.equal(w, Math.fround(net.layers[k].weights[i])));
      }
    }
  });
}

test('bounds=auto starts again from the original under tight bounds when the first retraining loses too many decisions, and the result is proved', async () => {
  const net = smallNet(7);
  const { report } = await runRepair(request(net, notFirst, { options: { learningRate: 0.001, keepTarget: 1 } }));
  assert.ok(report.log.some((l) => l.includes('retraining from the original with tight bounds')), report.log.join('\n'));
  assert.equal(report.verdict.status, 'repaired', JSON.stringify(report.verdict) + report.log.join('\n'));
  const { report: forward } = await runRepair(request(net, notFirst, { options: { learningRate: 0.001, keepTarget: 1, bounds: 'forward' } }));
  assert.ok(!forward.log.some((l) => l.includes('tight bounds')), 'bounds=forward never switches');
  await assert.rejects(runRepair(request(net, notFirst, { options: { bounds: 'exact' } })), /'auto', 'forward', 'tight' or 'backsub'/);
});

test('bounds=auto keeps the forward-trained network, proved before the switch, when the tight retraining has no round left', async () => {
  const { report } = await runRepair(request(smallNet(7), notFirst, { options: { learningRate: 0.001, keepTarget: 1, rounds: 1, shrink: 0 } }));
  assert.ok(report.log.some((l) => l.includes('(proved, kept as the fallback)')), report.log.join('\n'));
  assert.ok(report.log.includes('tight bounds proved nothing in time: the forward-trained network proved in round 1'), report.log.join('\n'));
  assert.equal(report.verdict.status, 'repaired', JSON.stringify(report.verdict));
});

test('shrink: the certified network steps back toward the original, and what is returned is proved on the written file with more decisions kept', async () => {
  // smallNet(11) breaks the property on part of the left half of the square; certified under forward bounds, 0.875 of
  // the way from the original is proved too.
  const net = smallNet(11);
  const left: Query = { ...notFirst, region: [{ lower: Float64Array.of(-1, -1), upper: Float64Array.of(0, 1), rows: [] }] };
  const options = { learningRate: 0.001, keepTarget: 1, bounds: 'forward' };
  const { report: certified, bytes: certifiedBytes } = await runRepair(request(net, left, { options: { ...options, shrink: 0 } }));
  const { report, bytes } = await runRepair(request(net, left, { options }));
  assert.equal(report.verdict.status, 'repaired', JSON.stringify(report.verdict) + report.log.join('\n'));
  assert.ok(report.stats.shrinkT < 1, report.log.join('\n'));
  assert.equal(report.log.filter((l) => l.startsWith('step back to t = ')).length, 4);
  const written = loadOnnxModel(bytes!, 'repaired.onnx') as Network;
  assert.equal((await verify(written, left, { timeoutSec: 30 })).status, 'holds');
  // On the line between the original and the certified network, at the reported t.
  const [original, full] = [net.layers.at(-1)!, (loadOnnxModel(certifiedBytes!, 'certified.onnx') as Network).layers.at(-1)!];
  written.layers.at(-1)!.weights.forEach((w, i) => assert.ok(Math.abs(w - (original.weights[i] + report.stats.shrinkT * (full.weights[i] - original.weights[i]))) < 1e-5));
  assert.ok(report.fidelity!.domain.agreement >= certified.fidelity!.domain.agreement, `${report.fidelity!.domain.agreement} < ${certified.fidelity!.domain.agreement}`);
});

test('shrink bisects t, keeps only proved candidates, and rounds them to float32', async () => {
  const net = smallNet(7);
  const moved: Network = { ...net, layers: net.layers.map((l) => ({ ...l, weights: l.weights.map((w) => w + 0.1), bias: l.bias.map((b) => b - 0.1) })) };
  const asked: number[] = [];
  const result = await shrinkTowardOriginal(net, moved, 4, async (_candidate, t) => { asked.push(t); return t >= 0.3 ? 'holds' : 'violated'; });
  assert.deepEqual(asked, [0.5, 0.25, 0.375, 0.3125]);
  assert.equal(result.t, 0.3125);
  assert.deepEqual(result.undecided, []);
  result.network.layers.forEach((l, k) => l.weights.forEach((w, i) => assert.equal(w, Math.fround(net.layers[k].weights[i] + 0.3125 * 0.1))));
  assert.equal((await shrinkTowardOriginal(net, moved, 3, async () => 'violated')).network, moved, 'nothing proved: the certified network itself');
  assert.deepEqual(Array.from(interpolateNetwork(net, moved, 0).layers[0].bias), Array.from(net.layers[0].bias, Math.fround));
});

test('retryUndecided: the candidates left undecided below the result, smallest first, past violated ones, until one is proved or undecided again', async () => {
  const net = smallNet(7);
  const moved: Network = { ...net, layers: net.layers.map((l) => ({ ...l, weights: l.weights.map((w) => w + 0.1) })) };
  // Undecided below 0.6 with the bisection's time; with more, violated up to 0.5 and proved above.
  const answer = (long: boolean) => async (_c: Network, t: number): Promise<CandidateVerdict> => (t >= 0.6 ? 'holds' : long ? (t > 0.5 ? 'holds' : 'violated') : t > 0.2 ? 'unknown' : 'violated');
  const bisected = await shrinkTowardOriginal(net, moved, 4, answer(false));
  assert.equal(bisected.t, 0.625);
  assert.deepEqual(bisected.undecided, [0.5, 0.5625]);
  const asked: number[] = [];
  const retried = await retryUndecided(net, moved, bisected, async (c, t) => { asked.push(t); return answer(true)(c, t); });
  assert.deepEqual(asked, [0.5, 0.5625]);
  assert.equal(retried.t, 0.5625);
  retried.network.layers[0].weights.forEach((w, i) => assert.equal(w, Math.fround(net.layers[0].weights[i] + 0.5625 * 0.1)));
  const stopped: number[] = [];
  assert.equal(await retryUndecided(net, moved, bisected, async (_c, t) => { stopped.push(t); return 'unknown'; }), bisected, 'undecided again: the bisection\'s result');
  assert.deepEqual(stopped, [0.5], 'no further try after an undecided one');
  const none = { ...bisected, undecided: [0.75] };
  assert.equal(await retryUndecided(net, moved, none, async () => { throw new Error('nothing below the result to try'); }), none);
});

test('keepFloor: a step back whose candidates were all undecided tries them again with shrinkRetryTimeout, and the result is proved on the written file', async () => {
  // The shrink test's setting; shrinkTimeout 0 leaves every candidate of the bisection undecided.
  const net = smallNet(11);
  const left: Query = { ...notFirst, region: [{ lower: Float64Array.of(-1, -1), upper: Float64Array.of(0, 1), rows: [] }] };
  const options = { learningRate: 0.001, keepTarget: 1, bounds: 'forward', shrinkTimeout: 0 };
  const { report: without } = await runRepair(request(net, left, { options: { ...options, shrinkRetryTimeout: 0 } }));
  assert.equal(without.stats.shrinkT, 1, without.log.join('\n'));
  const { report, bytes } = await runRepair(request(net, left, { options: { ...options, keepFloor: 1, shrinkRetryTimeout: 30 } }));
  assert.equal(report.verdict.status, 'repaired', JSON.stringify(report.verdict) + report.log.join('\n'));
  assert.ok(report.log.some((l) => l.includes('the undecided candidates once more')), report.log.join('\n'));
  assert.ok(report.stats.shrinkT < 1, report.log.join('\n'));
  assert.ok(report.log.some((l) => l.startsWith(`step back to t = ${report.stats.shrinkT} (30 s): proved`)), report.log.join('\n'));
  const written = loadOnnxModel(bytes!, 'repaired.onnx') as Network;
  assert.equal((await verify(written, left, { timeoutSec: 30 })).status, 'holds');
  assert.ok(report.fidelity!.domain.agreement >= without.fidelity!.domain.agreement, `${report.fidelity!.domain.agreement} < ${without.fidelity!.domain.agreement}`);
});

test('a specification of two properties: the repair holds for both, each proved on the written file', async () => {
  const net = smallNet(11);
  const left: Query = { ...notFirst, name: 'left: output 0 is never the largest', region: [{ lower: Float64Array.of(-1, -1), upper: Float64Array.of(0, 1), rows: [] }] };
  const right: Query = { ...notFirst, name: 'right: output 0 is never the largest', region: [{ lower: Float64Array.of(0, -1), upper: Float64Array.of(1, 1), rows: [] }] };
  const violatedBefore = [(await verify(net, left, { timeoutSec: 30 })).status, (await verify(net, right, { timeoutSec: 30 })).status];
  assert.ok(violatedBefore.includes('violated'), `the original violates the specification (${violatedBefore})`);
  const { report, bytes } = await runRepair(request(net, left, { alsoRequired: [{ name: right.name, query: right }], options: { learningRate: 0.001 } }));
  assert.equal(report.property, `${left.name} + ${right.name}`);
  assert.equal(report.verdict.status, 'repaired', JSON.stringify(report.verdict) + report.log.join('\n'));
  const written = loadOnnxModel(bytes!, 'repaired.onnx');
  for (const q of [left, right]) assert.equal((await verify(written, q, { timeoutSec: 30 })).status, 'holds', q.name);
});

test('a certification failure is "not repaired", never repaired: ACAS Xu N2,1/prop 2 cut short after one round, the driver finds a counterexample on the written file', async () => {
  const query = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'), 'prop_2.vnnlib');
  const net = loadNetwork(acasNet(2, 1));
  const { report } = await runRepair({
    ...request(net, query), modelPath: acasNet(2, 1), domain: acasDomain(), decision: 'argmin',
    options: { mode: 'points', rounds: 1, steps: 1, learningRate: 1e-7, verifyTimeout: 1, schedule: 'code' }, timeoutSec: 60,
  });
  assert.equal(report.verdict.status, 'not-repaired');
  assert.ok(report.verdict.status === 'not-repaired' && report.verdict.counterexample);
  const cex = report.verdict.status === 'not-repaired' ? report.verdict.counterexample! : undefined;
  assert.ok(violationMargin(query.violation, cex!.output) <= 0);
});

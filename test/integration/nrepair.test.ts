/**
 * nRepair end to end on a small network and on ACAS Xu: the method's gated model, written to ONNX and read back, is
 * proved by our verifier piece by piece, ONNX Runtime runs the file as our forward pass does, a piece's clamps fix its
 * counterexample, and a piece the method could not repair is flagged by the file's alarm output.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { Network } from '../../src/core/network/network';
import type { Query } from '../../src/core/query/normalForm';
import { violationMargin } from '../../src/core/query/normalForm';
import { forward, forwardModel } from '../../src/core/network/forward';
import { asLayerSequence, isGated } from '../../src/core/network/model';
import { clampNetwork, pieceIndex, type GatedModel } from '../../src/core/network/gated';
import { exportGatedOnnx } from '../../src/core/onnx/gatedOnnx';
import { loadOnnxModel } from '../../src/core/onnx/import';
import { loadModelFile } from '../../src/core/onnx/loadModelFile';
import { parseVnnlib } from '../../src/core/property/vnnlib';
import { nrepair } from '../../src/core/repair/methods/nrepair';
import { gradientClamps } from '../../src/core/repair/nrepair/gradientClamps';
import { decisionKeepingShift } from '../../src/core/repair/nrepair/shiftClamps';
import { decide } from '../../src/core/repair/labels';
import { initLp } from '../../src/core/lp';
import type { RepairTask } from '../../src/core/repair/types';
import { verify } from '../../src/core/verify';
import { seededRandom } from '../../src/core/verify/falsify';
import { acasNet, dataPath, notFirst, smallNet } from '../helpers';

const task = (model: Network, query: Query, options: RepairTask['options'], timeoutSec = 60): RepairTask => ({
  model, query, options, timeoutSec, repairSet: [], keepSet: [], decision: 'argmax',
  domain: { lower: query.region[0].lower, upper: query.region[0].upper },
});

function grid(n: number, lower: Float64Array, upper: Float64Array, count: number, seed: number): Float64Array {
  const r = seededRandom(seed);
  return Float64Array.from({ length: count * n }, (_, k) => Math.fround(lower[k % n] + r() * (upper[k % n] - lower[k % n])));
}

async function runFile(bytes: Uint8Array, xs: Float64Array, batch: number, n: number) {
  const session = await ort.InferenceSession.create(bytes);
  const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(xs), [batch, n]) });
  await session.release();
  return { output: result.output.data as Float32Array, alarm: result.alarm.data as Uint8Array };
}

/** The written file read back, verified piece by piece, and run by ONNX Runtime as by our forward pass. */
async function checkWrittenFile(model: GatedModel, query: Query, n: number) {
  const bytes = exportGatedOnnx(model);
  const back = loadOnnxModel(bytes, 'repaired.onnx');
  assert.ok(isGated(back));
  const proof = await verify(back, query, { timeoutSec: 120 });
  assert.equal(proof.status, 'holds', proof.status === 'unknown' ? proof.reason : 'a counterexample on the written file');
  const batch = 500;
  const xs = grid(n, query.region[0].lower, query.region[0].upper, batch, 5);
  const { output, alarm } = await runFile(bytes, xs, batch, n);
  const ours = forwardModel(back, xs, batch);
  const m = ours.length / batch;
  ours.forEach((v, i) => assert.ok(Math.abs(v - output[i]) <= 1e-4 * Math.max(1, Math.abs(v)), `output ${i}: ONNX Runtime ${output[i]}, ours ${v}`));
  assert.ok(alarm.every((a) => a === 0));
  // Outside every piece the original answers, unchanged.
  const original = forward(back.base, xs, batch);
  for (let b = 0; b < batch; b++) {
    if (pieceIndex(back, xs.subarray(b * n, (b + 1) * n)) >= 0) continue;
    for (let o = 0; o < m; o++) assert.equal(ours[b * m + o], original[b * m + o]);
  }
}

for (const clamps of ['bounds', 'gradient'] as const) {
  test(`nRepair (${clamps} clamps) repairs a small network: the written file is proved and runs in ONNX Runtime`, async () => {
    const net = smallNet(11);
    assert.equal((await verify(net, notFirst, { timeoutSec: 10 })).status, 'violated');
    const progress: number[] = [];
    const outcome = await nrepair.run({ ...task(net, notFirst, { clamps, depth: 4, maxDepth: 10, regionShift: false }), onProgress: (p) => progress.push(p.fraction ?? NaN) });
    assert.ok(isGated(outcome.model));
    // A handful of progress lines (tenths of the region), not one per piece.
    assert.ok(progress.length > 0 && progress.length <= 10, `${progress.length} progress reports for ${outcome.stats.pieces} pieces`);
    assert.ok(progress.every((f, k) => f > (progress[k - 1] ?? 0) && f <= 1), progress.join(', '));
    assert.equal(outcome.stats.piecesUnrepaired, 0, outcome.log.join('\n'));
    assert.ok(outcome.stats.piecesRepaired > 0 && outcome.stats.clamps > 0);
    assert.equal(outcome.model.base, net, 'the pieces share the original network');
    await checkWrittenFile(outcome.model, notFirst, 2);
  });
}

test("Algorithm 3: a piece's clamps fix its counterexample and the piece is proved", async () => {
  const net = smallNet(11);
  // A small box around a violating point.
  const xs = grid(2, notFirst.region[0].lower, notFirst.region[0].upper, 2000, 9);
  const ys = forward(net, xs, 2000);
  const k = Array.from({ length: 2000 }, (_, i) => i).find((i) => violationMargin(notFirst.violation, ys.subarray(i * 3, i * 3 + 3)) < -0.05)!;
  const x = xs.slice(k * 2, k * 2 + 2);
  const piece: Query = { ...notFirst, region: [{ lower: x.map((v) => v - 0.02), upper: x.map((v) => v + 0.02), rows: [] }] };
  const found = await verify(net, piece, { timeoutSec: 10 });
  assert.equal(found.status, 'violated');
  const cex = found.status === 'violated' ? found.counterexample.input : x;
  for (const refresh of [true, false]) {
    const result = await gradientClamps(net, piece, cex, {
      alpha: 15, beta: 50, eta: 0.35, refresh, deadline: Date.now() + 30_000, verifyPiece: (c) => verify(c, piece, { timeoutSec: 10 }),
    });
    assert.equal(result.kind, 'repaired', result.kind === 'failed' ? result.reason : '');
    if (result.kind !== 'repaired') continue;
    assert.ok(violationMargin(piece.violation, forward(clampNetwork(net, result.clamps), cex)) > 0, 'the counterexample is fixed');
    assert.equal((await verify(clampNetwork(net, result.clamps), piece, { timeoutSec: 10 })).status, 'holds');
  }
});

test('a region nRepair could not repair in time is flagged: the file raises the alarm there and does not verify', async () => {
  const net = smallNet(11);
  const outcome = await nrepair.run(task(net, notFirst, {}, 0));
  assert.ok(isGated(outcome.model));
  assert.ok(outcome.stats.piecesUnrepaired >= 1);
  assert.match(outcome.caveat ?? '', /could not be repaired/);
  const bytes = exportGatedOnnx(outcome.model);
  const inside = Float64Array.of(0.5, -0.25, 0, 0);
  const outside = Float64Array.of(1.5, 0);
  const { alarm } = await runFile(bytes, Float64Array.from([...inside, ...outside]), 3, 2);
  assert.deepEqual(Array.from(alarm), [1, 1, 0]);
  const proof = await verify(loadOnnxModel(bytes) as GatedModel, notFirst, { timeoutSec: 30 });
  assert.equal(proof.status, 'violated');
});

test('nRepair on ACAS Xu 3_2 / property 2 (a part of its region that holds violations): proved on the written file', async () => {
  const net = asLayerSequence(loadModelFile(acasNet(3, 2)), 'ACAS Xu 3_2');
  const prop2 = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'));
  // Distance and speeds as in property 2, the two angles narrowed to where 3_2's violations are (1/16 of the region).
  const query: Query = { ...prop2, region: [{ ...prop2.region[0], lower: Float64Array.of(0.6, -0.0625, 0.375, 0.45, -0.5), upper: Float64Array.of(0.679857769, 0, 0.5, 0.5, -0.45) }] };
  assert.equal((await verify(net, query, { timeoutSec: 30 })).status, 'violated');
  const outcome = await nrepair.run({ ...task(net, query, { depth: 4, regionShift: false }, 600), decision: 'argmin' });
  assert.ok(isGated(outcome.model));
  assert.equal(outcome.stats.piecesUnrepaired, 0, outcome.log.join('\n'));
  await checkWrittenFile(outcome.model, query, 5);
});

test('from depth on the bounds keep bisecting while they settle boxes there (ACAS Xu 3_2 / property 2, part of its region): fewer verifier calls, proved on the written file', async () => {
  const net = asLayerSequence(loadModelFile(acasNet(3, 2)), 'ACAS Xu 3_2');
  const prop2 = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'));
  const query: Query = { ...prop2, region: [{ ...prop2.region[0], lower: Float64Array.of(0.6, -0.25, 0, 0.45, -0.5), upper: Float64Array.of(0.679857769, 0, 0.5, 0.5, -0.45) }] };
  const run = (boundsDepth: number) => nrepair.run({ ...task(net, query, { depth: 3, boundsDepth, regionShift: false }, 600), decision: 'argmin' });
  const verifierFirst = await run(3);
  const deeper = await run(7);
  assert.ok(deeper.stats.deepBoundSettled >= deeper.stats.deepBoundTests / 4, 'bisected by the bounds only while they settle a quarter of the boxes');
  assert.ok(deeper.stats.verifierCalls < verifierFirst.stats.verifierCalls, `${deeper.stats.verifierCalls} verifier calls against ${verifierFirst.stats.verifierCalls}`);
  assert.equal(deeper.stats.piecesUnrepaired, 0, deeper.log.join('\n'));
  assert.ok(isGated(deeper.model));
  await checkWrittenFile(deeper.model, query, 5);
});

test('nRepair on ACAS Xu 1_9 / property 7 (the whole input domain): one piece, a shift of neurons no sample activates, proved on the written file', async () => {
  await initLp();
  const net = asLayerSequence(loadModelFile(acasNet(1, 9)), 'ACAS Xu 1_9');
  const query = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_7.vnnlib'), 'utf8'));
  const outcome = await nrepair.run({ ...task(net, query, {}, 120), decision: 'argmin' });
  assert.ok(isGated(outcome.model));
  assert.equal(outcome.stats.regionShifts, 1, outcome.log.join('\n'));
  assert.equal(outcome.model.pieces.length, 1);
  assert.equal(outcome.stats.piecesUnrepaired, 0);
  await checkWrittenFile(outcome.model, query, 5);
  // Decisions where the original is safe: kept but where a clamped neuron fires (none of the method's samples).
  const count = 4000;
  const xs = grid(5, query.region[0].lower, query.region[0].upper, count, 3);
  const before = forward(net, xs, count);
  const after = forwardModel(outcome.model, xs, count);
  let safe = 0;
  let same = 0;
  for (let k = 0; k < count; k++) {
    if (violationMargin(query.violation, before.subarray(k * 5, k * 5 + 5)) <= 0) continue;
    safe++;
    if (decide(before, k * 5, 5, 'argmin') === decide(after, k * 5, 5, 'argmin')) same++;
  }
  assert.ok(same >= 0.999 * safe, `${same} of ${safe} decisions kept`);
});

test('a decision-keeping shift on ACAS Xu 2_1 / property 2: the piece is proved and no sampled decision among the kept outputs changes', async () => {
  await initLp();
  const net = asLayerSequence(loadModelFile(acasNet(2, 1)), 'ACAS Xu 2_1');
  const prop2 = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'));
  // A piece of property 2's region where 2_1 breaks it (bisected from the region as nRepair does).
  const box = { lower: Float64Array.of(0.6, 0, 0.15625, 0.45, -0.5), upper: Float64Array.of(0.679857769, 0.03125, 0.1875, 0.5, -0.45) };
  const piece: Query = { ...prop2, region: [{ ...prop2.region[0], ...box }] };
  assert.equal((await verify(net, piece, { timeoutSec: 30 })).status, 'violated');
  const count = 4000;
  const xs = grid(5, box.lower, box.upper, count, 7);
  const before = forward(net, xs, count);
  const safe = Array.from({ length: count }, (_, k) => k).filter((k) => violationMargin(piece.violation, before.subarray(k * 5, k * 5 + 5)) > 0);
  const kept = new Set(safe.map((k) => decide(before, k * 5, 5, 'argmin')));
  const clamps = decisionKeepingShift(net, piece, box, 15, kept, 'argmin');
  assert.ok(clamps && clamps.length > 0, 'a shift exists on this piece');
  const repaired = clampNetwork(net, clamps);
  assert.equal((await verify(repaired, piece, { timeoutSec: 30 })).status, 'holds');
  const after = forward(repaired, xs, count);
  for (let k = 0; k < count; k++) {
    const d = decide(before, k * 5, 5, 'argmin');
    if (kept.has(d)) assert.equal(decide(after, k * 5, 5, 'argmin'), d, `sample ${k}`);
  }
});

test('nRepair on a violated VNN-COMP MNIST 256x2 robustness box (prop_14, eps 0.03): proved on the written file, which ONNX Runtime runs', async () => {
  const net = asLayerSequence(loadModelFile(dataPath('mnist', 'mnist-net_256x2.onnx')), 'MNIST 256x2');
  const query = parseVnnlib(readFileSync(dataPath('mnist', 'prop_14_0.03.vnnlib'), 'utf8'), 'prop_14_0.03.vnnlib');
  assert.equal((await verify(net, query, { timeoutSec: 60 })).status, 'violated');
  const outcome = await nrepair.run(task(net, query, {}, 300));
  assert.ok(isGated(outcome.model));
  assert.equal(outcome.stats.piecesUnrepaired, 0, outcome.log.join('\n'));
  await checkWrittenFile(outcome.model, query, 784);
});

/** A fast subset of real instances against the VNN-COMP ground truth; counterexamples re-checked by ONNX Runtime. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModelFile } from '../../src/core/onnx/loadModelFile';
import { OrtModel } from '../../src/core/onnx/ort';
import { parseVnnlib } from '../../src/core/property/vnnlib';
import { inRegion, violatedClause } from '../../src/core/query/normalForm';
import { verify } from '../../src/core/verify';
import { acasNet, dataPath, runCli } from '../helpers';

const acas = (i: number, j: number, prop: number) => ({
  model: acasNet(i, j),
  spec: dataPath('acasxu', `prop_${prop}.vnnlib`),
  expected: readFileSync(dataPath('acasxu', 'ground_truth_vnncomp2021.csv'), 'utf8').split('\n')
    .find((l) => l.startsWith(`ACASXU_run2a_${i}_${j}_batch_2000.onnx,prop_${prop}.vnnlib,`))!.split(',')[2],
});

const mnistTruth = readFileSync(dataPath('mnist', 'ground_truth_vnncomp2021.csv'), 'utf8');
const mnist = (name: string) => ({
  model: dataPath('mnist', 'mnist-net_256x2.onnx'),
  spec: dataPath('mnist', `${name}.vnnlib`),
  expected: mnistTruth.split('\n').find((l) => l.includes(`,${name}.vnnlib,`))!.split(',')[2],
});

const instances = [
  ...['nano', 'tiny', 'small'].map((n) => ({ model: dataPath('vnncomp_test', `test_${n}.onnx`), spec: dataPath('vnncomp_test', `test_${n === 'nano' ? 'nano' : n === 'tiny' ? 'tiny' : 'small'}.vnnlib`), expected: 'holds' })),
  acas(1, 1, 1), acas(1, 1, 4), acas(2, 1, 2), acas(1, 9, 3), acas(3, 2, 2), acas(4, 5, 10),
  // 784 inputs: ReLU splitting proves prop_0_0.03 and prop_13_0.03 and breaks prop_0_0.05; prop_9_0.05 falls to the
  // clause MILPs on the search threads.
  mnist('prop_0_0.03'), mnist('prop_13_0.03'), mnist('prop_0_0.05'), mnist('prop_9_0.05'),
];

for (const inst of instances) {
  const label = `${inst.model.split('/').pop()} ${inst.spec.split('/').pop()}`;
  test(`verify agrees with the ground truth: ${label} (${inst.expected})`, async () => {
    const net = loadModelFile(inst.model);
    const query = parseVnnlib(readFileSync(inst.spec, 'utf8'), inst.spec);
    const result = await verify(net, query, { timeoutSec: 60, threads: 2 });
    assert.equal(result.status, inst.expected, JSON.stringify({ ...result, counterexample: undefined }));
    if (result.status === 'violated') {
      const { input, clause } = result.counterexample;
      assert.ok(inRegion(query.region, input));
      const ort = await OrtModel.load(inst.model, net.inputShape);
      const [y] = await ort.run([input]);
      await ort.release();
      assert.ok(violatedClause(query.violation, y, 1e-4) >= 0, `ONNX Runtime does not reproduce the counterexample: ${Array.from(y)}`);
      assert.ok(violatedClause([query.violation[clause]], result.counterexample.output) === 0, 'the reported clause is the one broken');
    }
  });
}

test('live checks (falsifyOnly) find violations and never claim a proof', async () => {
  const violated = await verify(loadModelFile(acasNet(2, 1)), parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8')), { timeoutSec: 5, falsifyOnly: true });
  assert.equal(violated.status, 'violated');
  const holding = await verify(loadModelFile(acasNet(1, 1)), parseVnnlib(readFileSync(dataPath('acasxu', 'prop_3.vnnlib'), 'utf8')), { timeoutSec: 5, falsifyOnly: true });
  assert.equal(holding.status, 'unknown');
});

test('the box search decides boxes by LP relaxations (1_1 prop_3) and exact MILPs (1_3 prop_3), and agrees with the ground truth', async () => {
  for (const [i, j, tool] of [[1, 1, 'lps'], [1, 3, 'milps']] as const) {
    const inst = acas(i, j, 3);
    const result = await verify(loadModelFile(inst.model), parseVnnlib(readFileSync(inst.spec, 'utf8')), { timeoutSec: 60, threads: 1 });
    assert.equal(result.status, inst.expected, JSON.stringify(result));
    assert.ok((result.stats?.[tool] ?? 0) > 0, `${i}_${j}: no ${tool} solved: ${JSON.stringify(result.stats)}`);
  }
});

test('cancellation stops a long search promptly with unknown', async () => {
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(), 300);
  const result = await verify(loadModelFile(acasNet(3, 3)), parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8')), { timeoutSec: 60, signal: controller.signal });
  assert.equal(result.status, 'unknown');
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms to stop`);
});

test('CLI verify and vnncomp: exit codes and a result file ONNX Runtime reproduces', async () => {
  const held = runCli(['verify', dataPath('vnncomp_test', 'test_small.onnx'), dataPath('vnncomp_test', 'test_small.vnnlib'), '--json']);
  assert.equal(held.code, 0, held.stderr);
  assert.equal(JSON.parse(held.stdout)[0].status, 'holds');
  const violated = runCli(['verify', acasNet(2, 1), dataPath('acasxu', 'prop_2.vnnlib'), '--timeout', '30']);
  assert.equal(violated.code, 1, violated.stderr);
  assert.match(violated.stdout, /prop_2: violated \(\d+\.\d+ s\): input \[.*\] gives \[.*\] \(clause 1\)/);
  const dir = mkdtempSync(join(tmpdir(), 'netmend-vnncomp-'));
  const out = join(dir, 'result.txt');
  const run = runCli(['vnncomp', acasNet(2, 1), dataPath('acasxu', 'prop_2.vnnlib'), out, '30']);
  assert.equal(run.code, 0, run.stderr);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'sat');
  const values = lines.slice(1).map((l) => Number(/\((?:X|Y)_\d+ ([^)]+)\)/.exec(l)![1]));
  const ort = await OrtModel.load(acasNet(2, 1), [1, 1, 1, 5]);
  const [y] = await ort.run([values.slice(0, 5)]);
  await ort.release();
  y.forEach((v, i) => assert.ok(Math.abs(v - values[5 + i]) <= 1e-4, `Y_${i}: file says ${values[5 + i]}, ORT ${v}`));
  assert.equal(runCli(['verify', acasNet(1, 1), join(dir, 'missing.vnnlib')]).code, 2);
});

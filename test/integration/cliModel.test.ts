/** `netmend info` and `netmend eval`: the CLI contract used by CI and the checks. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OrtModel } from '../../src/core/onnx/ort';
import { acasNet, dataPath, runCli } from '../helpers';

const tmp = mkdtempSync(join(tmpdir(), 'netmend-cli-'));

test('info --json describes the MNIST network', () => {
  const run = runCli(['info', dataPath('mnist', 'mnist-net_256x2.onnx'), '--json']);
  assert.equal(run.code, 0, run.stderr);
  const info = JSON.parse(run.stdout);
  assert.equal(info.input.size, 784);
  assert.equal(info.output.size, 10);
  assert.deepEqual(info.layers.map((l: { outSize: number }) => l.outSize), [256, 256, 10]);
  assert.equal(info.parameters, 784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10);
});

test('info on a .nnet model reports its normalisation header', () => {
  const run = runCli(['info', dataPath('nnet', 'TestNetwork2.nnet'), '--json']);
  assert.equal(run.code, 0, run.stderr);
  const info = JSON.parse(run.stdout);
  assert.deepEqual(info.normalization.inputMean, [19791.091, 0, 0, 650, 600]);
  assert.equal(info.normalization.outputRange, 373.94992);
  const text = runCli(['info', dataPath('nnet', 'TestNetwork2.nnet')]);
  assert.match(text.stdout, /input 3: physical range \[100, 1200\], normalised as \(x - 650\) \/ 1100/);
});

test('eval prints what ONNX Runtime computes', async () => {
  const inputs = [[0.1, -0.2, 0.3, -0.4, 0.5], [-0.3, 0.2, 0.1, 0.0, -0.1]];
  const file = join(tmp, 'inputs.json');
  writeFileSync(file, JSON.stringify(inputs));
  const run = runCli(['eval', acasNet(2, 3), '--inputs', file]);
  assert.equal(run.code, 0, run.stderr);
  const outputs: number[][] = JSON.parse(run.stdout);
  const ort = await OrtModel.load(acasNet(2, 3), [1, 1, 1, 5]);
  const expected = await ort.run(inputs);
  outputs.forEach((y, k) => y.forEach((v, i) => assert.ok(Math.abs(v - expected[k][i]) < 1e-5, `${v} vs ${expected[k][i]}`)));
});

test('bad input: exit 2 with a message that says where', () => {
  const wrongLength = join(tmp, 'wrong.json');
  writeFileSync(wrongLength, '[[1, 2, 3]]');
  const run = runCli(['eval', acasNet(1, 1), '--inputs', wrongLength]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /wrong\.json: input 0 must be an array of 5 finite numbers/);
  const missing = runCli(['info', join(tmp, 'missing.onnx')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing\.onnx: cannot read the model: no such file/);
  assert.equal(runCli(['frobnicate']).code, 2);
});

test('eval on a .nnet model takes and prints physical units, or the normalised space with --normalised, and says which', async () => {
  const inputs = [[30000, 0.5, -1, 500, 700], [5000, -2, 2, 900, 300]];
  const file = join(tmp, 'physical.json');
  writeFileSync(file, JSON.stringify(inputs));
  const physical = runCli(['eval', dataPath('nnet', 'TestNetwork2.nnet'), '--inputs', file]);
  assert.equal(physical.code, 0, physical.stderr);
  assert.match(physical.stderr, /physical units/);
  // The ONNX twin has the normalisation folded in: it computes physical outputs from physical inputs.
  const twin = await OrtModel.load(dataPath('nnet', 'TestNetwork2.onnx'), [5]);
  const expected = await twin.run(inputs);
  (JSON.parse(physical.stdout) as number[][]).forEach((y, k) => y.forEach((v, i) => assert.ok(Math.abs(v - expected[k][i]) <= 1e-4 * Math.max(1, Math.abs(expected[k][i])), `${v} vs ${expected[k][i]}`)));
  const normalised = runCli(['eval', dataPath('nnet', 'TestNetwork2.nnet'), '--inputs', file, '--normalised']);
  assert.match(normalised.stderr, /normalised space/);
  assert.notDeepEqual(JSON.parse(normalised.stdout), JSON.parse(physical.stdout));
});

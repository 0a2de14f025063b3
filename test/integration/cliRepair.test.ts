/** netmend repair as a user runs it: a violated property repaired, judged on the written file, and what it refuses. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { exportOnnx } from '../../src/core/onnx/export';
import { paperExample, runCli } from '../helpers';

const example = paperExample;
const VNNLIB = '(declare-const X_0 Real)\n(declare-const X_1 Real)\n(declare-const Y_0 Real)\n(assert (>= X_0 0))\n(assert (<= X_0 1))\n(assert (>= X_1 0))\n(assert (<= X_1 1))\n(assert (>= Y_0 2))\n';

function files(): { dir: string; model: string; spec: string } {
  const dir = mkdtempSync(join(tmpdir(), 'netmend-repair-'));
  const model = join(dir, 'example.onnx');
  const spec = join(dir, 'at_most_2.vnnlib');
  writeFileSync(model, exportOnnx(example));
  writeFileSync(spec, VNNLIB);
  return { dir, model, spec };
}

test('repair writes a model the verifier proves, a JSON report, and leaves the original untouched', async () => {
  const { dir, model, spec } = files();
  const original = readFileSync(model);
  const out = join(dir, 'repaired.onnx');
  const report = join(dir, 'report.json');
  const run = runCli(['repair', model, spec, '--method', 'reassure', '--out', out, '--report', report]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /REASSURE on at_most_2: REPAIRED/);
  assert.deepEqual(readFileSync(model), original);
  const written = JSON.parse(readFileSync(report, 'utf8'));
  assert.equal(written.verdict.status, 'repaired');
  assert.equal(written.repairedFile, out);
  // ONNX Runtime runs the repaired file; on the grid every output is at most 2.
  const session = await ort.InferenceSession.create(out);
  for (let i = 0; i <= 4; i++) {
    for (let j = 0; j <= 4; j++) {
      const y = await session.run({ input: new ort.Tensor('float32', Float32Array.of(i / 4, j / 4), [1, 2]) });
      assert.ok((y.output.data as Float32Array)[0] <= 2 + 1e-4);
    }
  }
  await session.release();
});

test('repair refuses to write over its input model and needs something to repair', () => {
  const { model, spec } = files();
  const over = runCli(['repair', model, spec, '--method', 'reassure', '--out', model]);
  assert.equal(over.code, 2);
  assert.match(over.stderr, /never overwrites the original/);
  const nothing = runCli(['repair', model, '--method', 'reassure', '--out', `${model}.x.onnx`]);
  assert.equal(nothing.code, 2);
  assert.match(nothing.stderr, /nothing to repair/);
  assert.ok(!existsSync(`${model}.x.onnx`));
});

test('repair --method all runs every method that applies and prints the comparison', () => {
  const { dir, model, spec } = files();
  const out = join(dir, 'repaired.onnx');
  const run = runCli(['repair', model, spec, '--method', 'all', '--out', out, '--timeout', '30', '--verify-timeout', '30']);
  assert.ok([0, 1, 3].includes(run.code), run.stderr);
  assert.ok(existsSync(join(dir, 'repaired.reassure.onnx')));
  assert.match(run.stdout, /REASSURE/);
  assert.match(run.stdout, /BIRDNN/);
  assert.match(run.stdout, /nRepair/);
  assert.ok(existsSync(join(dir, 'repaired.nrepair.onnx')));
});

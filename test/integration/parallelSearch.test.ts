/** The search on several threads: same answers as the ground truth, counterexamples ONNX Runtime reproduces, prompt stops. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadModelFile } from '../../src/core/onnx/loadModelFile';
import { OrtModel } from '../../src/core/onnx/ort';
import { parseVnnlib } from '../../src/core/property/vnnlib';
import { violatedClause } from '../../src/core/query/normalForm';
import { verify } from '../../src/core/verify';
import { acasNet, dataPath } from '../helpers';

const property = (n: number) => parseVnnlib(readFileSync(dataPath('acasxu', `prop_${n}.vnnlib`), 'utf8'), `prop_${n}`);
const expected = (i: number, j: number, n: number) => readFileSync(dataPath('acasxu', 'ground_truth_vnncomp2021.csv'), 'utf8')
  .split('\n').find((l) => l.startsWith(`ACASXU_run2a_${i}_${j}_batch_2000.onnx,prop_${n}.vnnlib,`))!.split(',')[2];

// Instances that take longer than the in-thread phase, so the search really continues on two threads.
for (const [i, j, n] of [[1, 1, 4], [1, 8, 2], [1, 5, 2]] as const) {
  test(`two threads agree with the ground truth: ${i}_${j} prop_${n}`, async () => {
    const net = loadModelFile(acasNet(i, j));
    const query = property(n);
    const result = await verify(net, query, { timeoutSec: 100, threads: 2 });
    assert.equal(result.status, expected(i, j, n), JSON.stringify(result));
    assert.equal(result.stats?.threads, 2, 'the search went on in two threads');
    if (result.status === 'violated') {
      const ort = await OrtModel.load(acasNet(i, j), net.inputShape);
      const [y] = await ort.run([result.counterexample.input]);
      await ort.release();
      assert.ok(violatedClause(query.violation, y, 1e-4) >= 0, `ONNX Runtime does not reproduce it: ${Array.from(y)}`);
    }
  });
}

test('cancelling a two-thread search stops it promptly, and the threads serve the next search', async () => {
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(), 1000);
  const cancelled = await verify(loadModelFile(acasNet(3, 3)), property(2), { timeoutSec: 60, threads: 2, signal: controller.signal });
  assert.deepEqual([cancelled.status, cancelled.status === 'unknown' && cancelled.reason], ['unknown', 'cancelled']);
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms to stop`);
  const next = await verify(loadModelFile(acasNet(1, 1)), property(4), { timeoutSec: 60, threads: 2 });
  assert.equal(next.status, 'holds');
});

test('the deadline is shared by every thread', async () => {
  const started = Date.now();
  const result = await verify(loadModelFile(acasNet(4, 2)), property(2), { timeoutSec: 1.5, threads: 2 });
  assert.deepEqual([result.status, result.status === 'unknown' && result.reason], ['unknown', 'timeout']);
  assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
});

test('two verifications at once: one gets the threads, the other searches in its own thread, both answer right', async () => {
  const [a, b] = await Promise.all([
    verify(loadModelFile(acasNet(1, 1)), property(4), { timeoutSec: 100, threads: 2 }),
    verify(loadModelFile(acasNet(1, 8)), property(2), { timeoutSec: 100, threads: 2 }),
  ]);
  assert.deepEqual([a.status, b.status], [expected(1, 1, 4), expected(1, 8, 2)]);
  assert.deepEqual([a.stats?.threads, b.stats?.threads].sort(), [1, 2]);
});

test('cancelling a clause MILP (a solver blocking its thread) stops it promptly, and the pool serves the next search', async () => {
  const mnist = loadModelFile(dataPath('mnist', 'mnist-net_256x2.onnx'));
  const hard = parseVnnlib(readFileSync(dataPath('mnist', 'prop_1_0.03.vnnlib'), 'utf8'), 'prop_1_0.03');
  const controller = new AbortController();
  // ReLU splitting hands prop_1_0.03 to the MILPs after 3 s; each of its clauses takes the solver 19-45 s.
  setTimeout(() => controller.abort(), 5000);
  const cancelled = await verify(mnist, hard, { timeoutSec: 100, threads: 1, signal: controller.signal });
  const stoppedAt = Date.now();
  assert.deepEqual([cancelled.status, cancelled.status === 'unknown' && cancelled.reason], ['unknown', 'cancelled']);
  // Well before the interrupted clause could have finished (19-45 s), with room for a loaded machine.
  assert.ok(cancelled.timeSec < 10, `took ${cancelled.timeSec} s to stop`);
  const next = await verify(loadModelFile(acasNet(1, 1)), property(4), { timeoutSec: 60, threads: 2 });
  assert.equal(next.status, 'holds');
  assert.equal(next.stats?.threads, 2);
  // The interrupted solver let go of its thread: the next search did not wait behind its 19-45 s.
  assert.ok(Date.now() - stoppedAt < 15000, `the next search took ${Date.now() - stoppedAt} ms`);
});

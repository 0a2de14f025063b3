import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { JobFailedError, WorkerClient } from '../../../src/worker/client';
import { forward } from '../../../src/core/network/forward';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import { acasNet, dataPath, loadNetwork } from '../../helpers';

const workerPath = path.resolve(__dirname, 'tsWorker.cjs');
const newClient = () => new WorkerClient({ workerPath, workerData: { testJobs: true } });
const acasQuery = (n: number) => parseVnnlib(readFileSync(dataPath('acasxu', `prop_${n}.vnnlib`), 'utf8'), `prop_${n}.vnnlib`);

async function rejection(p: Promise<unknown>): Promise<JobFailedError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof JobFailedError, `expected a JobFailedError, got ${String(err)}`);
    return err;
  }
  assert.fail('the job should have failed');
}

test('loadModel and evaluate in the worker agree with the forward pass in this thread', async () => {
  const client = newClient();
  try {
    const info = await client.run('loadModel', { modelPath: acasNet(1, 2) });
    assert.equal(info.inputSize, 5);
    assert.equal(info.outputSize, 5);
    const input = [0.1, -0.2, 0.3, 0.4, -0.1];
    const out = await client.run('evaluate', { modelPath: acasNet(1, 2), input });
    const expected = forward(loadNetwork(acasNet(1, 2)), Float64Array.from(input));
    assert.deepEqual(out, Array.from(expected));
  } finally {
    await client.dispose();
  }
});

test('a bad model path fails the job as an input error and the worker keeps running', async () => {
  const client = newClient();
  try {
    const err = await rejection(client.run('loadModel', { modelPath: '/nonexistent/model.onnx' }));
    assert.equal(err.reason, 'input');
    assert.match(err.message, /no such file/);
    assert.equal((await client.run('loadModel', { modelPath: acasNet(1, 1) })).layerCount > 1, true);
    assert.equal(client.starts, 1);
  } finally {
    await client.dispose();
  }
});

test('verify finds the known violation of ACAS Xu property 2 on network 1_2, and the counterexample replays', async () => {
  const client = newClient();
  try {
    const query = acasQuery(2);
    const progress: string[] = [];
    const r = await client.run('verify', { modelPath: acasNet(1, 2), query, timeoutSec: 60 }, { onProgress: (p) => progress.push(p.stage) });
    assert.equal(r.status, 'violated');
    assert.ok(progress.length > 0, 'progress events reach the host');
    if (r.status !== 'violated') return;
    const out = await client.run('evaluate', { modelPath: acasNet(1, 2), input: Array.from(r.counterexample.input) });
    const rows = query.violation[r.counterexample.clause];
    for (const row of rows) {
      const lhs = row.coeffs.reduce((s, c, i) => s + c * out[i], 0);
      assert.ok(lhs <= row.rhs + 1e-9, `violation row holds on the replayed output (${lhs} <= ${row.rhs})`);
    }
  } finally {
    await client.dispose();
  }
});

test('a job that ignores cancellation is failed after the grace period and the worker is restarted', async () => {
  const client = new WorkerClient({ workerPath, workerData: { testJobs: true }, graceMs: 300 });
  try {
    await client.run('evaluate', { modelPath: acasNet(1, 1), input: [0, 0, 0, 0, 0] });
    const job = client.start('testBusy', { ms: 60_000 });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    job.cancel();
    const err = await rejection(job.result);
    assert.equal(err.reason, 'cancelled');
    assert.ok(Date.now() - t0 < 2000, 'the cancel settles soon after the grace period');
    const out = await client.run('evaluate', { modelPath: acasNet(1, 1), input: [0, 0, 0, 0, 0] });
    assert.equal(out.length, 5);
    assert.equal(client.starts, 2);
  } finally {
    await client.dispose();
  }
});

test('a hung job hits its hang timeout, fails with reason timeout, and the next job runs on a fresh worker', async () => {
  const client = new WorkerClient({ workerPath, workerData: { testJobs: true }, graceMs: 200 });
  try {
    const err = await rejection(client.run('testBusy', { ms: 60_000 }, { hangTimeoutMs: 200 }));
    assert.equal(err.reason, 'timeout');
    assert.equal(await client.run('testBusy', { ms: 1 }) >= 0, true);
    assert.equal(client.starts, 2);
  } finally {
    await client.dispose();
  }
});

test('a crash fails the running jobs with the reason and the worker restarts', async () => {
  const client = newClient();
  try {
    const crash = client.run('testCrash', {});
    const queued = client.run('evaluate', { modelPath: acasNet(1, 1), input: [0, 0, 0, 0, 0] });
    const [e1, e2] = await Promise.all([rejection(queued), rejection(crash)]);
    assert.equal(e1.reason, 'crashed');
    assert.equal(e2.reason, 'crashed');
    assert.equal((await client.run('evaluate', { modelPath: acasNet(1, 1), input: [0, 0, 0, 0, 0] })).length, 5);
    assert.equal(client.starts, 2);
  } finally {
    await client.dispose();
  }
});

test('test-only job kinds are refused by a production worker', async () => {
  const client = new WorkerClient({ workerPath });
  try {
    const err = await rejection(client.run('testCrash', {}));
    assert.equal(err.reason, 'failed');
    assert.match(err.message, /unknown job kind/);
  } finally {
    await client.dispose();
  }
});

test('a verify job searches on the worker\'s own search threads', async () => {
  const client = new WorkerClient({ workerPath });
  try {
    const result = await client.run('verify', { modelPath: acasNet(1, 1), query: acasQuery(4), timeoutSec: 60, threads: 2 });
    assert.equal(result.status, 'holds');
    assert.equal(result.stats?.threads, 2);
  } finally {
    await client.dispose();
  }
});

// The editor must stay responsive: while the worker runs a long verification, the host's event loop is never
// blocked by the client, and cancelling the verification settles within the grace period.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WorkerClient } from '../../src/worker/client';
import { parseVnnlib } from '../../src/core/property/vnnlib';
import { acasNet, dataPath } from '../helpers';

test('a long verification in the worker leaves the host event loop free, and cancel stops it', async () => {
  const client = new WorkerClient({ workerPath: path.resolve(__dirname, '..', 'unit', 'worker', 'tsWorker.cjs') });
  try {
    await client.run('loadModel', { modelPath: acasNet(1, 1) });
    const query = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_1.vnnlib'), 'utf8'), 'prop_1.vnnlib');
    const histogram = monitorEventLoopDelay({ resolution: 5 });
    histogram.enable();
    let progressEvents = 0;
    // Property 1 on the nine networks 1_x: several seconds of proof work queued in the worker.
    const jobs = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((j) =>
      client.start('verify', { modelPath: acasNet(1, j), query, timeoutSec: 120 }, { onProgress: () => progressEvents++ }));
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(client.runningJobs > 0, 'verification is still running when we cancel');
    const t0 = Date.now();
    client.cancelAll();
    await Promise.all(jobs.map((j) => j.result.catch(() => undefined)));
    const cancelMs = Date.now() - t0;
    histogram.disable();
    const maxMs = histogram.max / 1e6;
    console.log(`event loop delay max ${maxMs.toFixed(1)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(1)} ms; cancel settled in ${cancelMs} ms; ${progressEvents} progress events`);
    // The nine verifications run on the host would block it for seconds. The limit leaves room for what is not the
    // client's doing: on 2 cores shared with the worker's search threads and the other test files, the OS alone has
    // delayed one tick by over 100 ms.
    assert.ok(maxMs < 400, `host event loop blocked for ${maxMs.toFixed(1)} ms`);
    assert.ok(cancelMs < 1500, `cancel took ${cancelMs} ms`);
  } finally {
    await client.dispose();
  }
});

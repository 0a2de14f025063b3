/** `netmend localize` and the worker's `localize` job on a real violation: ACAS Xu N2,9 / property 8. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { WorkerClient } from '../../src/worker/client';
import { parseVnnlib } from '../../src/core/property/vnnlib';
import { localize, type Responsibility } from '../../src/core/localize';
import { splitSamples } from '../../src/core/localize/samples';
import { sampleRegion } from '../../src/core/localize/sampling';
import { seededRandom } from '../../src/core/verify/falsify';
import { acasNet, dataPath, loadNetwork, runCli } from '../helpers';

const prop8 = dataPath('acasxu', 'prop_8.vnnlib');

test('netmend localize ranks neurons of N2,9 for property 8 and draws one heatmap row per hidden layer', () => {
  const text = runCli(['localize', acasNet(2, 9), prop8, '--samples', '2000', '--method', 'birdnn-code', '--top', '5']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /prop_8: \d+ violating and \d+ safe samples, birdnn-code responsibility/);
  assert.equal(text.stdout.match(/^ {4}relu_\d+:\d+ /gm)?.length, 5);
  assert.equal(text.stdout.match(/^ {4}relu_\d+ +\|.{50}\|$/gm)?.length, 6);

  const json = runCli(['localize', acasNet(2, 9), prop8, '--samples', '2000', '--json']);
  assert.equal(json.code, 0, json.stderr);
  const [r] = JSON.parse(json.stdout) as Responsibility[];
  assert.equal(r.method, 'birdnn');
  assert.ok(r.samples.violating >= 100, 'the attack grows the rare violations to the default target');
  assert.equal(r.layers.length, 6);
  assert.ok(r.layers.every((l) => l.scores.length === 50 && Math.max(...l.perLayer) === 1));
  assert.equal(r.top[0].score, 1);
});

test('netmend localize on a property no sample violates and the verifier cannot decide in its time: says so in seconds, not a minute', () => {
  // phi8 of the example on N1,9: no counterexample is known, and the verifier is still searching after 60 s.
  const started = Date.now();
  const r = runCli(['localize', 'examples/acasxu/ACASXU_run2a_1_9_batch_2000.onnx', 'examples/acasxu/acasxu.prop', '--property', 'phi8', '--verify-timeout', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /phi8: 0 violating and 10000 safe samples/);
  assert.match(r.stdout, /no violating sample in 10000 samples, and the verifier found no counterexample in 1 s: nothing to rank/);
  assert.ok(Date.now() - started < 30_000, 'bounded by the verifier\'s limit');
});

test('netmend localize: a bad method is an input error', () => {
  const r = runCli(['localize', acasNet(2, 9), prop8, '--method', 'nope']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--method must be one of/);
});

test('the worker\'s localize job returns the responsibility of N2,9 for property 8', async () => {
  const client = new WorkerClient({ workerPath: path.resolve(__dirname, '..', 'unit', 'worker', 'tsWorker.cjs') });
  try {
    const query = parseVnnlib(readFileSync(prop8, 'utf8'), 'prop_8.vnnlib');
    const r = await client.run('localize', { modelPath: acasNet(2, 9), query, samples: 2000, method: 'gradient', topK: 3 });
    assert.equal(r.top.length, 3);
    assert.ok(r.samples.violating > 0 && r.samples.safe > 0);
    assert.ok(r.layers[r.top[0].layer].global[r.top[0].neuron] === 1);
  } finally {
    await client.dispose();
  }
});

test('MNIST 256x2 / prop_14_0.05: no uniform sample violates, so the verifier\'s counterexample and its neighbourhoods give the violating samples; one row per 256-neuron layer', async () => {
  const net = loadNetwork(dataPath('mnist', 'mnist-net_256x2.onnx'));
  const query = parseVnnlib(readFileSync(dataPath('mnist', 'prop_14_0.05.vnnlib'), 'utf8'), 'prop_14_0.05');
  const uniform = await splitSamples(net, query, sampleRegion(query.region, 2000, seededRandom(1)));
  assert.equal(uniform.violating.length, 0, 'the violations are a pocket no uniform sample reaches');
  const r = await localize(net, query, { verifyTimeoutSec: 120 });
  assert.ok(r.samples.violating >= 100 && r.samples.safe >= 2000, JSON.stringify(r.samples));
  assert.deepEqual(r.layers.map((l) => l.scores.length), [256, 256]);
  assert.ok(r.layers.every((l) => l.sources === undefined && Math.max(...l.perLayer) === 1));
  assert.equal(r.top[0].score, 1);
  const top = r.layers[r.top[0].layer];
  assert.ok(Math.abs(top.meanViolating[r.top[0].neuron] - top.meanSafe[r.top[0].neuron]) > 0.1, 'the top neuron behaves differently on violating and safe samples');
});

/**
 * Localisation's forward pass and sample collection on real networks: every layer's activations from one ONNX Runtime
 * call (cached session, outputs written in place) equal our float64 forward pass layer by layer and the original
 * file's outputs under ONNX Runtime; samples collected in batches equal the same samples split at once; and the
 * one-pass scores equal their definitions on real samples.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forward } from '../../src/core/network/forward';
import type { Network } from '../../src/core/network/network';
import { OrtModel } from '../../src/core/onnx/ort';
import { parseVnnlib } from '../../src/core/property/vnnlib';
import { layerActivations } from '../../src/core/localize/activations';
import { localizationSamples } from '../../src/core/localize';
import { splitSamples } from '../../src/core/localize/samples';
import { sampleRegion } from '../../src/core/localize/sampling';
import { scoreLayer } from '../../src/core/localize/scores';
import { seededRandom } from '../../src/core/verify/falsify';
import { acasNet, dataPath, loadNetwork } from '../helpers';

const prop = (p: number) => parseVnnlib(readFileSync(dataPath('acasxu', `prop_${p}.vnnlib`), 'utf8'), `prop_${p}.vnnlib`);
const maxRelative = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
};

test('every layer\'s activations from one ONNX Runtime call equal our float64 forward pass layer by layer, and the outputs the original file\'s', async () => {
  const file = acasNet(1, 9);
  const net = loadNetwork(file);
  const x = sampleRegion(prop(7).region, 2000, seededRandom(3), 0.1);
  const count = x.length / 5;
  const activations = await layerActivations(net, x, count);
  assert.equal(activations.length, net.layers.length);
  net.layers.forEach((layer, k) => {
    const upTo: Network = { ...net, layers: net.layers.slice(0, k + 1) };
    assert.ok(maxRelative(activations[k], forward(upTo, x, count)) < 1e-12, `layer ${k} (${layer.name})`);
  });
  const reference = await OrtModel.load(file, net.inputShape);
  try {
    const rows = Array.from({ length: count }, (_, r) => x.subarray(r * 5, (r + 1) * 5));
    const ort = (await reference.run(rows)).flatMap((y) => Array.from(y));
    assert.ok(maxRelative(activations.at(-1)!, ort) < 1e-5, 'the original file under ONNX Runtime (float32)');
  } finally {
    await reference.release();
  }
});

test('activations written into views of larger buffers by the cached session equal a fresh call\'s', async () => {
  const net = loadNetwork(acasNet(2, 9));
  const x = sampleRegion(prop(8).region, 300, seededRandom(4));
  const fresh = await layerActivations(net, x, 300);
  const buffers = net.layers.map((l) => new Float64Array(500 * l.outSize).fill(7));
  const views = buffers.map((b, k) => b.subarray(100 * net.layers[k].outSize, 400 * net.layers[k].outSize));
  const written = await layerActivations(net, x, 300, views);
  written.forEach((a, k) => {
    assert.equal(a, views[k], 'the given arrays are returned');
    assert.deepEqual(Array.from(a), Array.from(fresh[k]), `layer ${k}`);
    assert.ok(buffers[k].subarray(0, 100 * net.layers[k].outSize).every((v) => v === 7), 'nothing written before the view');
    assert.ok(buffers[k].subarray(400 * net.layers[k].outSize).every((v) => v === 7), 'nothing written after the view');
  });
});

test('samples collected in batches (uniform, then grown around the rare violations) equal the same inputs split at once', async () => {
  const net = loadNetwork(acasNet(2, 9));
  const q = prop(8);
  const { set } = await localizationSamples(net, q, { samples: 3000, violatingTarget: 100 });
  assert.ok(set.count > 3000 && set.violating.length >= 100, `${set.count} samples, ${set.violating.length} violating: the violations were grown`);
  const once = await splitSamples(net, q, Float64Array.from(set.inputs));
  assert.deepEqual(Array.from(once.violating), Array.from(set.violating));
  assert.deepEqual(Array.from(once.safe), Array.from(set.safe));
  once.activations.forEach((a, k) => assert.ok(maxRelative(set.activations[k], a) < 1e-12, `layer ${k}`));
});

test('on real samples the one-pass scores equal the paper\'s double loop and the code\'s sums', async () => {
  const net = loadNetwork(acasNet(2, 9));
  const { set } = await localizationSamples(net, prop(8), { samples: 3000, violatingTarget: 100 });
  for (const k of [0, 3, 5]) {
    const width = net.layers[k].outSize;
    const values = set.activations[k];
    const got = scoreLayer(values, width, set.violating, set.safe, true);
    const equal = Math.min(set.violating.length, set.safe.length);
    for (let j = 0; j < width; j++) {
      let pairs = 0;
      for (const v of set.violating) for (const s of set.safe) pairs += Math.abs(values[v * width + j] - values[s * width + j]);
      const expected = pairs / (set.violating.length * set.safe.length);
      // Prefix sums of thousands of values against a plain sum: equal to rounding (about 1e-12 relative).
      assert.ok(Math.abs(got.pairwise[j] - expected) <= 1e-10 * Math.max(1, expected), `layer ${k} neuron ${j}: ${got.pairwise[j]} vs ${expected}`);
      let sums = 0;
      for (let i = 0; i < equal; i++) sums += values[set.violating[i] * width + j] - values[set.safe[i] * width + j];
      assert.ok(Math.abs(got.sumDifference[j] - Math.abs(sums)) <= 1e-9 * Math.max(1, Math.abs(sums)), `layer ${k} neuron ${j} (sums)`);
    }
  }
});

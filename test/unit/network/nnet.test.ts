import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { normalisedInput, physicalOutput } from '../../../src/core/network/normalization';
import { loadNnet } from '../../../src/core/nnet/import';
import { forward } from '../../../src/core/network/forward';
import { OrtModel } from '../../../src/core/onnx/ort';
import { InputError } from '../../../src/core/errors';
import { dataPath, loadNetwork } from '../../helpers';
import { seeded } from '../../onnxBuilder';

test('.nnet evaluated the reference way equals its ONNX twin (normalisation folded in) under ONNX Runtime', async () => {
  const nnet = loadNetwork(dataPath('nnet', 'TestNetwork2.nnet'));
  const onnx = loadNetwork(dataPath('nnet', 'TestNetwork2.onnx'));
  const norm = nnet.normalization!;
  assert.deepEqual(norm.inputMean, [19791.091, 0, 0, 650, 600]);
  assert.equal(norm.outputRange, 373.94992);
  const reference = await OrtModel.load(dataPath('nnet', 'TestNetwork2.onnx'), onnx.inputShape);
  const random = seeded(5 * 50, 9);
  for (let k = 0; k < 50; k++) {
    // Physical inputs inside the bounds.
    const x = norm.inputMin.map((lo, i) => lo + ((random[k * 5 + i] + 1) / 2) * (norm.inputMax[i] - lo));
    const physicalOut = physicalOutput(norm, forward(nnet, normalisedInput(norm, x)));
    const [twin] = await reference.run([x]);
    physicalOut.forEach((y, i) => assert.ok(Math.abs(y - twin[i]) <= 1e-4 * Math.max(1, Math.abs(twin[i])), `output ${i}: ${y} vs ${twin[i]}`));
  }
  await reference.release();
});

test('HorizontalCAS .nnet (header lines without trailing commas) loads', () => {
  const net = loadNetwork(dataPath('hcas', 'HCAS_rect_v6_pra1_tau05_25HU_3000.nnet'));
  assert.deepEqual(net.layers.map((l) => l.outSize), [25, 25, 25, 25, 25, 5]);
  assert.deepEqual(net.normalization!.inputMean, [-278.628049, 0, 0]);
});

test('a truncated .nnet says which part is missing and where', () => {
  const text = readFileSync(dataPath('nnet', 'TestNetwork2.nnet'), 'utf8').split('\n').slice(0, 40).join('\n');
  assert.throws(() => loadNnet(text, 'cut.nnet'), (err: unknown) => err instanceof InputError && /cut\.nnet:\d+: the file ends before layer 1 (weights|biases)/.test(err.describe()));
  const bad = readFileSync(dataPath('nnet', 'TestNetwork2.nnet'), 'utf8').replace('5.40062e-02', 'oops');
  assert.throws(() => loadNnet(bad, 'bad.nnet'), (err: unknown) => err instanceof InputError && /bad\.nnet:9: layer 1 weights: value 1 is not a finite number/.test(err.describe()));
});

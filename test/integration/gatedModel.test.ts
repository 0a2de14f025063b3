/**
 * Gated models (nRepair): the exported ONNX, run by ONNX Runtime, equals the right piece in each region and raises the
 * alarm exactly in unrepaired pieces; our importer reads the file back as the same gated model; verification piece by
 * piece agrees with the pieces' own verification.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as ort from 'onnxruntime-node';
import { loadModelFile } from '../../src/core/onnx/loadModelFile';
import { loadOnnxModel } from '../../src/core/onnx/import';
import { exportGatedOnnx } from '../../src/core/onnx/gatedOnnx';
import { forward, forwardModel } from '../../src/core/network/forward';
import { asLayerSequence, isGated } from '../../src/core/network/model';
import { clampNetwork, gatedAlarm, gatedModel, pieceIndex, type GatedModel } from '../../src/core/network/gated';
import { InputError } from '../../src/core/errors';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acasNet, runCli } from '../helpers';

const box = (lower: number[], upper: number[]) => ({ lower: Float64Array.from(lower), upper: Float64Array.from(upper) });

/** Two clamped pieces that share a face, one unrepaired piece inside the second's box (first match wins there). */
function sampleModel(): GatedModel {
  const base = asLayerSequence(loadModelFile(acasNet(2, 1)), 'sampleModel');
  return gatedModel(base, [
      { ...box([0, -0.5, -0.5, 0, -0.5], [0.5, 0, 0.5, 0.5, 0.5]), clamps: [{ layer: 0, neuron: 3, value: 1.5 }, { layer: 5, neuron: 7, value: 0 }], unrepaired: false },
      { ...box([-0.25, -0.25, -0.5, -0.5, -0.5], [0, 0.25, 0.5, 0.5, 0.5]), unrepaired: true, clamps: [] },
      { ...box([0, 0, -0.5, 0, -0.5], [0.5, 0.5, 0.5, 0.5, 0.5]), clamps: [{ layer: 2, neuron: 10, value: 3 }], unrepaired: false },
  ]);
}

function seededInputs(count: number, seed: number): Float64Array {
  let s = seed;
  // float32 values, so that ONNX Runtime (float32) and our float64 pass see the same input.
  return Float64Array.from({ length: count * 5 }, () => Math.fround(((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 1.4 - 0.7));
}

async function runOrt(bytes: Uint8Array, xs: Float64Array, batch: number, precision: 'float32' | 'float64') {
  const session = await ort.InferenceSession.create(bytes);
  const data = precision === 'float64' ? xs : Float32Array.from(xs);
  const result = await session.run({ input: new ort.Tensor(precision, data, [batch, 5]) });
  await session.release();
  return { output: result.output.data as Float32Array | Float64Array, alarm: result.alarm.data as Uint8Array };
}

test('a gated model exported to ONNX: ONNX Runtime computes the right piece (and the alarm) for each input', async () => {
  const model = sampleModel();
  const batch = 400;
  const xs = seededInputs(batch, 11);
  // Face and corner points: each goes to the first piece that holds it.
  xs.set([0, 0, 0, 0, 0, 0.5, 0, 0.1, 0.5, 0.2, -0.25, 0.25, 0, 0, 0], 0);
  const counts = [0, 0, 0, 0];
  for (const precision of ['float64', 'float32'] as const) {
    const { output, alarm } = await runOrt(exportGatedOnnx(model, { precision }), xs, batch, precision);
    for (let b = 0; b < batch; b++) {
      const x = xs.subarray(b * 5, (b + 1) * 5);
      const p = pieceIndex(model, x);
      if (precision === 'float64') counts[p + 1]++;
      const expected = forward(p < 0 ? model.base : clampNetwork(model.base, model.pieces[p].clamps), x);
      const ours = forwardModel(model, x);
      for (let o = 0; o < 5; o++) {
        assert.equal(ours[o], expected[o]);
        assert.ok(Math.abs(output[b * 5 + o] - expected[o]) <= (precision === 'float64' ? 1e-12 : 1e-4) * Math.max(1, Math.abs(expected[o])), `${precision} input ${b} (piece ${p}) output ${o}: ONNX Runtime ${output[b * 5 + o]}, ours ${expected[o]}`);
      }
      assert.equal(alarm[b] !== 0, p === 1, `${precision} input ${b}: alarm`);
      assert.equal(gatedAlarm(model, x), p === 1);
    }
  }
  assert.ok(counts.every((c) => c > 5), `every piece and the outside are exercised: ${counts}`);
  // The clamps change the outputs: a gated model is not the base in disguise.
  const inFirst = Float64Array.of(0.25, -0.25, 0, 0.25, 0);
  assert.notDeepEqual(Array.from(forwardModel(model, inFirst)), Array.from(forward(model.base, inFirst)));
});

test('our importer reads the exported file back as the same gated model; layer-sequence analyses refuse it', () => {
  const model = sampleModel();
  for (const precision of ['float64', 'float32'] as const) {
    const bytes = exportGatedOnnx(model, { precision });
    const back = loadOnnxModel(bytes, 'gated.onnx');
    assert.ok(isGated(back));
    assert.equal(back.pieces.length, 3);
    back.pieces.forEach((p, k) => {
      const q = model.pieces[k];
      assert.equal(p.unrepaired, q.unrepaired);
      assert.deepEqual(p.clamps.map((c) => [c.layer, c.neuron]), q.clamps.map((c) => [c.layer, c.neuron]));
      assert.deepEqual(Array.from(p.lower), Array.from(q.lower).map((v) => (precision === 'float32' ? Math.fround(v) : v)));
    });
    const xs = seededInputs(50, 3);
    const a = forwardModel(back, xs, 50);
    const b = forwardModel(model, xs, 50);
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= (precision === 'float64' ? 0 : 1e-4) * Math.max(1, Math.abs(b[i]))));
    assert.throws(() => asLayerSequence(back, 'this analysis'), (e: unknown) => e instanceof InputError && /gated model/.test(e.message));
  }
});

test('netmend info shows a gated model\'s pieces, and which raise the alarm', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'netmend-gated-')), 'gated.onnx');
  writeFileSync(file, exportGatedOnnx(sampleModel()));
  const { code, stdout } = runCli(['info', file]);
  assert.equal(code, 0);
  assert.match(stdout, /gated +3 pieces over the layers above \(1 unrepaired/);
  assert.match(stdout, /piece 0: \[0, 0\.5\] x \[-0\.5, 0\] .* layer 0 neuron 3 = 1\.5, layer 5 neuron 7 = 0/);
  assert.match(stdout, /piece 1: .*UNREPAIRED \(alarm\)/);
  const json = JSON.parse(runCli(['info', file, '--json']).stdout);
  assert.equal(json.gated.pieces.length, 3);
  assert.equal(json.layers.length, 7);
});

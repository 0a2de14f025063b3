/**
 * Our forward pass, and ONNX Runtime on our exports, against ONNX Runtime on the original files: every shared model,
 * random inputs and real data inputs.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { forward, forward32 } from '../../src/core/network/forward';
import { exportOnnx } from '../../src/core/onnx/export';
import { BatchForward } from '../../src/core/onnx/batchForward';
import { OrtModel } from '../../src/core/onnx/ort';
import { inputSize, type Network } from '../../src/core/network/network';
import { dataPath, loadNetwork, mnistPropImages } from '../helpers';

const models = [
  ...readdirSync(dataPath('acasxu')).filter((f) => f.endsWith('.onnx')).map((f) => dataPath('acasxu', f)),
  dataPath('mnist', 'mnist-net_256x2.onnx'),
  ...['test_nano', 'test_tiny', 'test_small'].map((f) => dataPath('vnncomp_test', `${f}.onnx`)),
  dataPath('nnet', 'TestNetwork2.onnx'),
];

/** Seeded uniform inputs in [-1, 1] (ACAS Xu's normalised ranges are within it). */
function randomInputs(n: number, count: number, seed: number): Float64Array[] {
  let s = seed;
  const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  return Array.from({ length: count }, () => Float64Array.from({ length: n }, rand));
}

/**
 * |a - b| <= tol * max(1, ||b||_inf) elementwise: relative for large outputs, absolute for small ones, where float32
 * rounding of the hidden sums (not of the output itself) dominates.
 */
function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol * scale, `${what}: output ${i} is ${a[i]}, ONNX Runtime says ${b[i]}`);
  }
}

const inputsFor = (net: Network): Float64Array[] => {
  const n = inputSize(net);
  return n === 784 ? [...mnistPropImages().map((image) => image.pixels), ...randomInputs(n, 5, 7).map((x) => x.map((v) => (v + 1) / 2))] : randomInputs(n, 20, n + 1);
};

for (const file of models) {
  const name = file.split('/').pop();
  test(`forward pass and export match ONNX Runtime: ${name}`, async () => {
    const net = loadNetwork(file);
    const inputs = inputsFor(net).map((x) => Float64Array.from(Float32Array.from(x)));
    const reference = await OrtModel.load(file, net.inputShape);
    const expected = await reference.run(inputs);
    const exported = await OrtModel.load(exportOnnx(net), [1, inputSize(net)]);
    const roundTrip = await exported.run(inputs);
    inputs.forEach((x, k) => {
      assertClose(forward32(net, x), expected[k], 1e-5, `${name} float32 input ${k}`);
      assertClose(forward(net, x), expected[k], 1e-5, `${name} float64 input ${k}`);
      assertClose(roundTrip[k], expected[k], 1e-5, `${name} exported input ${k}`);
    });
    // The float64 ORT batch engine computes what our float64 pass does.
    const engine = await BatchForward.create(net);
    const n = inputSize(net);
    const batch = new Float64Array(inputs.length * n);
    inputs.forEach((x, k) => batch.set(x, k * n));
    const viaOrt = await engine.run(batch, inputs.length);
    const ours = forward(net, batch, inputs.length);
    ours.forEach((v, i) => assert.ok(Math.abs(v - viaOrt[i]) <= 1e-12 * Math.max(1, Math.abs(v)), `BatchForward ${i}: ${viaOrt[i]} vs ${v}`));
    await Promise.all([reference.release(), exported.release(), engine.release()]);
  });
}

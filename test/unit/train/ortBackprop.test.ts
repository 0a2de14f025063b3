/** The backward pass as an ONNX graph gives the gradients of our float64 backpropagation, for every activation and both losses. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Activation } from '../../../src/core/network/network';
import { crossEntropyLoss, mseLoss, type Loss } from '../../../src/core/train/losses';
import { OrtBackprop } from '../../../src/core/train/ortBackprop';
import { parametersOf, zerosLike } from '../../../src/core/train/parameters';
import { lossGradient } from '../../../src/core/train/train';
import { seeded } from '../../onnxBuilder';
import { randomNetwork } from '../../randomNetwork';

const activations: Activation[] = [{ kind: 'relu' }, { kind: 'leakyRelu', alpha: 0.1 }, { kind: 'sigmoid' }, { kind: 'tanh' }];
const COUNT = 13;
const inputs = Float64Array.from(seeded(COUNT * 5, 21));
const labels = Int32Array.from({ length: COUNT }, (_, i) => (i * 7) % 3);
const targets = Float64Array.from(seeded(COUNT * 3, 8));
const weights = Float64Array.from({ length: COUNT }, (_, i) => 0.5 + (i % 4));
const losses: Record<string, Loss> = { mse: mseLoss(targets, weights), crossEntropy: crossEntropyLoss(labels) };

for (const act of activations) {
  for (const [name, loss] of Object.entries(losses)) {
    test(`ONNX Runtime backward graph = JS float64 gradients: ${act.kind}, ${name}`, async () => {
      const net = randomNetwork([5, 9, 7, 3], 11, act);
      const expected = lossGradient(net, inputs, COUNT, loss).gradient;
      const engine = await OrtBackprop.create(net, loss.ort!.kind);
      const params = parametersOf(net, 'float32');
      const grads = zerosLike(params);
      const t = new Float32Array(COUNT * 3);
      const w = new Float32Array(COUNT);
      for (let r = 0; r < COUNT; r++) {
        loss.ort!.targets(r, 3, t, r * 3);
        w[r] = loss.ort!.weight(r) / COUNT;
      }
      await engine.step(params, Float32Array.from(inputs), t, w, COUNT, grads);
      await engine.release();
      expected.layers.forEach((l, k) => {
        for (const part of ['weights', 'bias'] as const) {
          for (let i = 0; i < l[part].length; i++) {
            assert.ok(Math.abs(l[part][i] - grads.layers[k][part][i]) < 1e-5 * (1 + Math.abs(l[part][i])), `layer ${k} ${part}[${i}]: ${grads.layers[k][part][i]} vs ${l[part][i]}`);
          }
        }
      });
    });
  }
}

/**
 * The backward pass as an ONNX graph gives the gradients of our float64 backpropagation, for every activation and both
 * losses; the forward graph (weights as inputs) gives our float32 outputs.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Activation, Network } from '../../../src/core/network/network';
import { crossEntropyLoss, mseLoss, type Loss } from '../../../src/core/train/losses';
import { OrtBackprop, OrtForward } from '../../../src/core/train/ortBackprop';
import { networkWith, parametersOf, zerosLike, type Parameters } from '../../../src/core/train/parameters';
import { forwardModel32 } from '../../../src/core/network/forward';
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

/** The gradients ONNX Runtime's backward graph leaves in arrays first filled with `start`, after `steps` steps on the test inputs. */
async function ortGradients(net: Network, loss: Loss, steps: number, start = 0): Promise<Parameters> {
  const engine = await OrtBackprop.create(net, loss.ort!.kind);
  const params = parametersOf(net, 'float32');
  const grads = zerosLike(params);
  for (const l of grads.layers) for (const part of [l.weights, l.bias]) part.fill(start);
  const t = new Float32Array(COUNT * 3);
  const w = new Float32Array(COUNT);
  for (let r = 0; r < COUNT; r++) {
    loss.ort!.targets(r, 3, t, r * 3);
    w[r] = loss.ort!.weight(r) / COUNT;
  }
  for (let k = 0; k < steps; k++) await engine.step(params, Float32Array.from(inputs), t, w, COUNT, grads);
  await engine.release();
  return grads;
}

/** Every gradient entry equals `times` the float64 one to float32 accuracy. */
function assertGradients(expected: Parameters, grads: Parameters, times: number): void {
  expected.layers.forEach((l, k) => {
    for (const part of ['weights', 'bias'] as const) {
      for (let i = 0; i < l[part].length; i++) {
        assert.ok(Math.abs(times * l[part][i] - grads.layers[k][part][i]) < times * 1e-5 * (1 + Math.abs(l[part][i])), `layer ${k} ${part}[${i}]: ${grads.layers[k][part][i]} vs ${times} x ${l[part][i]}`);
      }
    }
  });
}

for (const act of activations) {
  for (const [name, loss] of Object.entries(losses)) {
    test(`ONNX Runtime backward graph = JS float64 gradients: ${act.kind}, ${name}`, async () => {
      const net = randomNetwork([5, 9, 7, 3], 11, act);
      assertGradients(lossGradient(net, inputs, COUNT, loss).gradient, await ortGradients(net, loss, 1), 1);
    });
  }
}

test('the forward graph with the weights as inputs = our float32 forward pass, for every activation, after the weights change', async () => {
  for (const act of activations) {
    const net = randomNetwork([5, 9, 7, 3], 12, act);
    const params = parametersOf(net, 'float32');
    const engine = await OrtForward.create(net);
    const x = Float32Array.from(inputs);
    const check = async (model: typeof net) => {
      const y = await engine.run(params, x, COUNT);
      const expected = forwardModel32(model, inputs, COUNT);
      assert.equal(y.length, expected.length);
      expected.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-5 * (1 + Math.abs(v)), `${act.kind} output ${i}: ${y[i]} vs ${v}`));
    };
    await check(net);
    // The session reads the parameters at each call (they are graph inputs), into the array it reuses.
    params.layers.forEach((l) => l.weights.forEach((w, i) => (l.weights[i] = w * 0.5 - 0.01)));
    await check(networkWith(net, params));
    await engine.release();
  }
});

test('a backward step writes the gradients over what the arrays held: after two steps from arrays full of 7s they are one step\'s', async () => {
  const net = randomNetwork([5, 9, 7, 3], 13, { kind: 'relu' });
  const loss = losses.crossEntropy;
  assertGradients(lossGradient(net, inputs, COUNT, loss).gradient, await ortGradients(net, loss, 2, 7), 1);
});

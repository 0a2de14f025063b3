/**
 * Backpropagation against central finite differences in float64, on random networks with every activation and every
 * loss: parameter gradients, input gradients and the gradients with respect to each layer's outputs.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { forward } from '../../../src/core/network/forward';
import type { Activation, Network } from '../../../src/core/network/network';
import { Backprop } from '../../../src/core/train/backprop';
import { crossEntropyLoss, marginLoss, mseLoss, violationLoss, type Loss } from '../../../src/core/train/losses';
import { lossGradient } from '../../../src/core/train/train';
import { parametersOf, vector } from '../../../src/core/train/parameters';
import { seeded } from '../../onnxBuilder';
import { randomNetwork } from '../../randomNetwork';

const activations: Activation[] = [{ kind: 'relu' }, { kind: 'leakyRelu', alpha: 0.1 }, { kind: 'sigmoid' }, { kind: 'tanh' }];
const SIZES = [3, 6, 5, 4];
const COUNT = 7;
const inputs = Float64Array.from(seeded(COUNT * SIZES[0], 99));

/** Mean loss of `net` on the inputs, evaluated by the plain forward pass (independent of Backprop). */
function lossAt(net: Network, loss: Loss): number {
  const y = forward(net, inputs, COUNT);
  return loss(y, Int32Array.from({ length: COUNT }, (_, i) => i), new Float64Array(y.length));
}

function withEntry(net: Network, layer: number, part: 'weights' | 'bias', i: number, delta: number): Network {
  return {
    ...net,
    layers: net.layers.map((l, k) => {
      if (k !== layer) return l;
      const values = Float64Array.from(l[part]);
      values[i] += delta;
      return { ...l, [part]: values };
    }),
  };
}

const labels = Int32Array.from({ length: COUNT }, (_, i) => i % SIZES[3]);
const targets = Float64Array.from(seeded(COUNT * SIZES[3], 5));
const losses: Record<string, Loss> = {
  mse: mseLoss(targets, Float64Array.from({ length: COUNT }, (_, i) => 1 + i / 3)),
  crossEntropy: crossEntropyLoss(labels),
  margin: marginLoss(labels, 'argmax', 0.5),
  violation: violationLoss([
    [{ coeffs: Float64Array.from([1, -1, 0, 0]), rhs: 0.2 }, { coeffs: Float64Array.from([0, 1, 0, -1]), rhs: 0 }],
    [{ coeffs: Float64Array.from([0, 0, 1, -1]), rhs: 0.1 }],
  ], 5),
};

for (const act of activations) {
  for (const [lossName, loss] of Object.entries(losses)) {
    test(`parameter gradients equal finite differences: ${act.kind}, ${lossName}`, () => {
      const net = randomNetwork(SIZES, 3, act);
      const { loss: value, gradient } = lossGradient(net, inputs, COUNT, loss);
      assert.ok(Math.abs(value - lossAt(net, loss)) < 1e-12);
      const h = 1e-6;
      let nonZero = 0;
      net.layers.forEach((layer, k) => {
        for (const part of ['weights', 'bias'] as const) {
          for (let i = 0; i < layer[part].length; i++) {
            const numeric = (lossAt(withEntry(net, k, part, i, h), loss) - lossAt(withEntry(net, k, part, i, -h), loss)) / (2 * h);
            const analytic = gradient.layers[k][part][i];
            assert.ok(Math.abs(numeric - analytic) < 1e-6 * (1 + Math.abs(numeric)), `layer ${k} ${part}[${i}]: ${analytic} vs ${numeric}`);
            if (analytic !== 0) nonZero++;
          }
        }
      });
      assert.ok(nonZero > 10, 'the gradient is not trivially zero');
    });
  }

  test(`input and neuron gradients equal finite differences: ${act.kind}`, () => {
    const net = randomNetwork(SIZES, 4, act);
    const params = parametersOf(net);
    const engine = new Backprop(net, 'float64', COUNT);
    const loss = losses.mse;
    const y = engine.forward(params, inputs, COUNT);
    const dY = vector('float64', y.length);
    loss(y, Int32Array.from({ length: COUNT }, (_, i) => i), dY);
    const { input, neurons } = engine.backward(params, dY, undefined, { input: true, neurons: true });
    const h = 1e-6;
    for (let i = 0; i < inputs.length; i++) {
      const shifted = (d: number) => { const x = Float64Array.from(inputs); x[i] += d; return x; };
      const at = (x: Float64Array) => { const out = forward(net, x, COUNT); return loss(out, Int32Array.from({ length: COUNT }, (_, r) => r), new Float64Array(out.length)); };
      const numeric = (at(shifted(h)) - at(shifted(-h))) / (2 * h);
      assert.ok(Math.abs(numeric - input![i]) < 1e-6 * (1 + Math.abs(numeric)), `input ${i}: ${input![i]} vs ${numeric}`);
    }
    // dLoss/d(output of a first-layer neuron): perturb that output and run the rest of the network.
    const tail: Network = { ...net, layers: net.layers.slice(1) };
    const hidden = engine.activations(0).slice();
    const width = net.layers[0].outSize;
    for (let i = 0; i < hidden.length; i++) {
      const at = (d: number) => { const a = Float64Array.from(hidden); a[i] += d; const out = forward(tail, a, COUNT); return loss(out, Int32Array.from({ length: COUNT }, (_, r) => r), new Float64Array(out.length)); };
      const numeric = (at(h) - at(-h)) / (2 * h);
      assert.ok(Math.abs(numeric - neurons![0][i]) < 1e-6 * (1 + Math.abs(numeric)), `neuron ${i % width} of sample ${Math.floor(i / width)}`);
    }
  });
}

test('float32 gradients agree with float64 to float32 precision', () => {
  const net = randomNetwork([20, 33, 17, 6], 8);
  const count = 37; // not a multiple of the kernel's blocking
  const x = Float64Array.from(seeded(count * 20, 12));
  const loss = crossEntropyLoss(Int32Array.from({ length: count }, (_, i) => i % 6));
  const g64 = lossGradient(net, x, count, loss, 'float64').gradient;
  const g32 = lossGradient(net, x, count, loss, 'float32').gradient;
  g64.layers.forEach((l, k) => {
    for (let i = 0; i < l.weights.length; i++) assert.ok(Math.abs(l.weights[i] - g32.layers[k].weights[i]) < 1e-4 * (1 + Math.abs(l.weights[i])));
  });
});

/** Training: every optimiser lowers the loss, masks hold parameters fixed, seeds reproduce, the input network is left alone. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { forward } from '../../../src/core/network/forward';
import { crossEntropyLoss, marginLoss } from '../../../src/core/train/losses';
import { adam, rmsprop, sgd, type Optimizer } from '../../../src/core/train/optimizers';
import { maskLayers, maskNeurons } from '../../../src/core/train/parameters';
import { train } from '../../../src/core/train/train';
import { seeded } from '../../onnxBuilder';
import { randomNetwork } from '../../randomNetwork';

const COUNT = 200;
const inputs = Float64Array.from(seeded(COUNT * 4, 7));
// A rule the random network does not know: the label is which of the first two inputs is larger, plus 2 if x2 > 0.
const labels = Int32Array.from({ length: COUNT }, (_, i) => (inputs[i * 4] > inputs[i * 4 + 1] ? 1 : 0) + (inputs[i * 4 + 2] > 0 ? 2 : 0));
const loss = crossEntropyLoss(labels);

const accuracy = (net: ReturnType<typeof randomNetwork>) => {
  const y = forward(net, inputs, COUNT);
  let right = 0;
  for (let i = 0; i < COUNT; i++) {
    let best = 0;
    for (let j = 1; j < 4; j++) if (y[i * 4 + j] > y[i * 4 + best]) best = j;
    if (best === labels[i]) right++;
  }
  return right / COUNT;
};

const optimisers: Record<string, () => Optimizer> = {
  sgd: () => sgd({ learningRate: 0.1, momentum: 0.9 }),
  adam: () => adam({ learningRate: 0.01 }),
  rmsprop: () => rmsprop({ learningRate: 0.005 }),
};

for (const [name, make] of Object.entries(optimisers)) {
  test(`${name} learns a rule the network does not know`, async () => {
    const net = randomNetwork([4, 16, 16, 4], 2);
    const before = accuracy(net);
    const result = await train(net, { inputs, count: COUNT, loss, optimizer: make(), epochs: 60, batchSize: 32, seed: 3 });
    assert.ok(result.losses[result.losses.length - 1] < result.losses[0] * 0.5, `loss ${result.losses[0]} -> ${result.losses.at(-1)}`);
    assert.ok(accuracy(result.network) > Math.max(0.85, before + 0.3), `accuracy ${before} -> ${accuracy(result.network)}`);
  });
}

test('training never writes into its input network, and the same seed gives the same network', async () => {
  const net = randomNetwork([4, 16, 16, 4], 2);
  const copies = net.layers.map((l) => [Float64Array.from(l.weights), Float64Array.from(l.bias)]);
  const run = async () => (await train(net, { inputs, count: COUNT, loss, optimizer: adam({ learningRate: 0.01 }), epochs: 5, batchSize: 32, seed: 9 })).network;
  const a = await run();
  const b = await run();
  net.layers.forEach((l, k) => {
    assert.deepEqual(l.weights, copies[k][0]);
    assert.deepEqual(l.bias, copies[k][1]);
    assert.notEqual(a.layers[k].weights, l.weights);
    assert.deepEqual(a.layers[k].weights, b.layers[k].weights);
  });
  assert.notDeepEqual(a.layers[0].weights, net.layers[0].weights);
});

test('masks: only the chosen layers and neurons change', async () => {
  const net = randomNetwork([4, 16, 16, 4], 2);
  // The margin loss has no ONNX Runtime form: this runs the JS engine; the cross-entropy run below runs ORT.
  const margin = marginLoss(labels, 'argmax', 1);
  const jsOnly = (await train(net, { inputs, count: COUNT, loss: margin, optimizer: adam({ learningRate: 0.01 }), epochs: 3, batchSize: 32, mask: maskLayers(net, [2]) })).network;
  assert.deepEqual(jsOnly.layers[1].weights, net.layers[1].weights);
  assert.notDeepEqual(jsOnly.layers[2].weights, net.layers[2].weights);
  const layerOnly = (await train(net, { inputs, count: COUNT, loss, optimizer: adam({ learningRate: 0.01 }), epochs: 3, batchSize: 32, mask: maskLayers(net, [1]) })).network;
  assert.deepEqual(layerOnly.layers[0].weights, net.layers[0].weights);
  assert.deepEqual(layerOnly.layers[2].bias, net.layers[2].bias);
  assert.notDeepEqual(layerOnly.layers[1].weights, net.layers[1].weights);

  const neuronOnly = (await train(net, { inputs, count: COUNT, loss, optimizer: sgd({ learningRate: 0.1 }), epochs: 3, batchSize: 32, mask: maskNeurons(net, [{ layer: 1, neuron: 5 }]) })).network;
  const w = neuronOnly.layers[1].weights;
  for (let o = 0; o < 16; o++) {
    const row = (a: Float64Array) => Array.from(a.subarray(o * 16, (o + 1) * 16));
    if (o === 5) assert.notDeepEqual(row(w), row(net.layers[1].weights));
    else assert.deepEqual(row(w), row(net.layers[1].weights));
  }
});

test('the JavaScript engine (the default picks ONNX Runtime for this loss) learns the same rule', async () => {
  const net = randomNetwork([4, 16, 16, 4], 2);
  const result = await train(net, { inputs, count: COUNT, loss, optimizer: adam({ learningRate: 0.01 }), epochs: 60, batchSize: 32, seed: 3, engine: 'js' });
  assert.ok(accuracy(result.network) > 0.85, `accuracy ${accuracy(result.network)}`);
});

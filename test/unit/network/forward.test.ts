import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { forward, forward32 } from '../../../src/core/network/forward';
import type { Network } from '../../../src/core/network/network';
import { acasNet, loadNetwork } from '../../helpers';
import { seeded } from '../../onnxBuilder';

test('a hand-computed two-layer network', () => {
  const net: Network = {
    inputName: 'x', inputShape: [2], outputName: 'y', outputShape: [1], notes: [],
    layers: [
      { name: 'h', inSize: 2, outSize: 2, weights: Float64Array.of(1, -1, 2, 1), bias: Float64Array.of(0, -1), activation: { kind: 'relu' } },
      { name: 'y', inSize: 2, outSize: 1, weights: Float64Array.of(3, -2), bias: Float64Array.of(0.5), activation: { kind: 'identity' } },
    ],
  };
  // x = (1, 2): h = relu(-1, 3) = (0, 3), y = -6 + 0.5. x = (3, -4): h = relu(7, 1) = (7, 1), y = 21 - 2 + 0.5.
  assert.deepEqual([...forward(net, Float64Array.of(1, 2, 3, -4), 2)], [-5.5, 19.5]);
});

test('batched rows (blocked and edge paths) equal one-row-at-a-time, in float64 and float32', () => {
  const net = loadNetwork(acasNet(3, 4)); // 50 outputs per layer and 5 at the end: both leave edge columns
  for (const batch of [1, 3, 4, 7, 13]) {
    const x = Float64Array.from(seeded(batch * 5, batch));
    const all = forward(net, x, batch);
    const all32 = forward32(net, x, batch);
    for (let b = 0; b < batch; b++) {
      const row = x.subarray(b * 5, b * 5 + 5);
      assert.deepEqual([...all.subarray(b * 5, b * 5 + 5)], [...forward(net, row)], `float64 row ${b} of ${batch}`);
      assert.deepEqual([...all32.subarray(b * 5, b * 5 + 5)], [...forward32(net, row)], `float32 row ${b} of ${batch}`);
    }
  }
});

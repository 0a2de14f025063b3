/** I-REPAIR's influence: parameters that only the wrong inputs reach are unlocked; those only the right inputs reach are locked. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Network } from '../../../src/core/network/network';
import { influence } from '../../../src/core/localize/influence';
import { absOutputLoss, crossEntropyLoss } from '../../../src/core/train/losses';

// Hidden h0 = relu(x0), h1 = relu(x1); outputs y = [h0 + h1, 0.5 h0 - h1]. Wrong inputs have x0 > 0 = x1 (only h0
// active), right inputs x1 > 0 = x0 (only h1 active): the weights reading h0 influence only the errors.
const net: Network = {
  layers: [
    { inSize: 2, outSize: 2, weights: Float64Array.from([1, 0, 0, 1]), bias: Float64Array.from([0, 0]), activation: { kind: 'relu' }, name: 'h' },
    { inSize: 2, outSize: 2, weights: Float64Array.from([1, 1, 0.5, -1]), bias: Float64Array.from([0, 0]), activation: { kind: 'identity' }, name: 'y' },
  ],
  inputName: 'x', inputShape: [1, 2], outputName: 'y', outputShape: [1, 2], notes: [],
};

test('influence unlocks the parameters only the wrong inputs use and locks those only the right ones use', () => {
  const wrong = Float64Array.from([1, -1, 2, -0.5, 0.5, -2]);
  const right = Float64Array.from([-1, 1, -0.5, 2, -2, 0.7]);
  const result = influence(net, { inputs: wrong, count: 3, loss: crossEntropyLoss([1, 1, 1]) }, { inputs: right, count: 3, loss: absOutputLoss() });
  const w = result.mask.layers[1].weights; // [o][i]: column 0 reads h0, column 1 reads h1
  assert.deepEqual(Array.from(w), [1, 0, 1, 0]);
  assert.equal(result.mask.layers[0].weights[0], 1, 'h0 incoming weight from x0');
  assert.equal(result.mask.layers[0].weights[3], 0, 'h1 incoming weight from x1');
  assert.ok(result.scores.layers[1].weights[0] > 1e6 && result.scores.layers[1].weights[1] < 1e-6);
});

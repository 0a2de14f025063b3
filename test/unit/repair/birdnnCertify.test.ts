/**
 * certify (counterexample-guided margin training with the verifier in the loop): the loss's gradient, and a repair it
 * proves on a network whose property fails.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { forward } from '../../../src/core/network/forward';
import { violationMargin } from '../../../src/core/query/normalForm';
import { certify, hingeAndKeepLoss } from '../../../src/core/repair/birdnn/certify';
import { seededRandom } from '../../../src/core/verify/falsify';
import { verify } from '../../../src/core/verify';
import { atMostTwo, paperExample, unitSquare } from '../../helpers';

test('hinge-and-keep loss: the hinge on hard rows below the margin only, MSE on the others, gradients by finite differences', () => {
  const targets = Float64Array.of(1.5, 0.2);
  const loss = hingeAndKeepLoss(atMostTwo.violation, 0.5, 2, targets, 3, 10);
  // Rows 0, 1 hard (y = 1.8: margin 0.2 < 0.5, hinge active; y = 1: margin 1, inactive), rows 2, 3 keep.
  const outputs = Float64Array.of(1.8, 1, 1.4, 0.5);
  const rows = Int32Array.of(0, 1, 2, 3);
  const grad = new Float64Array(4);
  const value = loss(outputs, rows, grad);
  assert.ok(Math.abs(value - (3 * 0.3 + 10 * 0.01 + 10 * 0.09) / 4) < 1e-12, String(value));
  for (let k = 0; k < 4; k++) {
    const h = 1e-6;
    const up = Float64Array.from(outputs);
    up[k] += h;
    const down = Float64Array.from(outputs);
    down[k] -= h;
    const numeric = (loss(up, rows, new Float64Array(4)) - loss(down, rows, new Float64Array(4))) / (2 * h);
    assert.ok(Math.abs(numeric - grad[k]) < 1e-6, `output ${k}: ${numeric} vs ${grad[k]}`);
  }
});

test('certify turns a network that breaks y <= 2 on the unit square into one the verifier proves, the input untouched', async () => {
  const before = await verify(paperExample, atMostTwo, { timeoutSec: 10 });
  assert.equal(before.status, 'violated', 'the example breaks y <= 2 (y(1, 1) = 3)');
  const weights = paperExample.layers.map((l) => Float64Array.from(l.weights));
  const log: string[] = [];
  const result = await certify(paperExample, paperExample, atMostTwo, {
    margin: 0.05, maxMargin: 0.4, keepWeight: 1, verifySec: 5, epochs: 20, learningRate: 0.01, keepSamples: 500,
    domain: unitSquare, deadline: Date.now() + 60_000, random: seededRandom(3), threads: 1, log,
  });
  assert.ok(result.proven, log.join(' | '));
  const after = await verify(result.network, atMostTwo, { timeoutSec: 10 });
  assert.equal(after.status, 'holds');
  paperExample.layers.forEach((l, k) => assert.deepEqual(l.weights, weights[k]));
  // The keep term holds the function where the property has room: y(0, 0) = 0 stays near 0.
  const y = forward(result.network, Float64Array.of(0, 0), 1);
  assert.ok(violationMargin(atMostTwo.violation, y) > 0 && Math.abs(y[0]) < 0.5, String(y[0]));
});

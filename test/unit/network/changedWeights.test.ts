/**
 * Caches derived from weights (transposes, sign splits, float32 copies, the search threads' copy) never outlive the
 * weights they came from: after a write into an analysed network's arrays, every analysis sees the new weights.
 */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { initLp } from '../../../src/core/lp';
import { verify } from '../../../src/core/verify';
import { specBounds } from '../../../src/core/bounds/linearBounds';
import { forward32 } from '../../../src/core/network/forward';
import type { Network } from '../../../src/core/network/network';
import type { Query } from '../../../src/core/query/normalForm';
import { acasNet, loadNetwork } from '../../helpers';

before(initLp);

const copy = (net: Network): Network => ({ ...net, layers: net.layers.map((l) => ({ ...l, weights: Float64Array.from(l.weights), bias: Float64Array.from(l.bias) })) });

test('a write into an analysed network\'s weights is seen by the next bounds, forward pass and verification', async () => {
  const net = loadNetwork(acasNet(1, 1));
  const box = { lower: Float64Array.of(-0.3, -0.3, -0.3, 0.3, 0.3), upper: Float64Array.of(-0.2, -0.2, -0.2, 0.4, 0.4) };
  const rows = [{ coeffs: Float64Array.of(1, -1, 0, 0, 0), rhs: 0 }];
  const query: Query = { name: 'y0 - y1', region: [{ ...box, rows: [] }], violation: [[{ coeffs: Float64Array.of(1, -1, 0, 0, 0), rhs: -0.5 }]] };
  // Warm every cache on the original weights.
  const before = await verify(net, query, { timeoutSec: 20 });
  specBounds(net, box, rows);
  forward32(net, box.lower);
  // Shift output 0 down by 10 and scale a hidden layer, in place.
  net.layers[net.layers.length - 1].bias[0] -= 10;
  net.layers[2].weights.forEach((w, i, W) => { W[i] = w * 1.5; });
  const fresh = copy(net);
  assert.deepEqual(specBounds(net, box, rows).lower, specBounds(fresh, box, rows).lower);
  assert.deepEqual(forward32(net, box.lower), forward32(fresh, box.lower));
  const after = await verify(net, query, { timeoutSec: 20 });
  assert.notEqual(before.status, after.status, `before ${before.status}, after ${after.status}`);
  assert.equal(after.status, (await verify(fresh, query, { timeoutSec: 20 })).status);
});

test('verify checks the weights when it starts: a write after the caches were built is seen with nothing else in between', async () => {
  const original = loadNetwork(acasNet(1, 1));
  const box = { lower: Float64Array.of(-0.3, -0.3, -0.3, 0.3, 0.3), upper: Float64Array.of(-0.2, -0.2, -0.2, 0.4, 0.4) };
  const query: Query = { name: 'y0 - y1', region: [{ ...box, rows: [] }], violation: [[{ coeffs: Float64Array.of(1, -1, 0, 0, 0), rhs: -0.5 }]] };
  // A network on which the query is violated, its caches (transposes, sign splits) built by a bound computation.
  const net = copy(original);
  net.layers[net.layers.length - 1].bias[0] -= 10;
  net.layers[2].weights.forEach((w, i, W) => { W[i] = w * 1.5; });
  const rows = [{ coeffs: Float64Array.of(1, -1, 0, 0, 0), rhs: 0 }];
  specBounds(net, box, rows);
  assert.equal((await verify(net, query, { timeoutSec: 20 })).status, 'violated');
  // Written back to the original weights, in place: verify alone must see it, on one thread and on the search threads.
  net.layers.forEach((layer, k) => { layer.weights.set(original.layers[k].weights); layer.bias.set(original.layers[k].bias); });
  const expected = (await verify(original, query, { timeoutSec: 20 })).status;
  assert.equal(expected, 'holds');
  assert.equal((await verify(net, query, { timeoutSec: 20 })).status, expected);
  // The searches' bound computations skip the byte comparison (verify made it): they now read the written weights.
  assert.deepEqual(specBounds(net, box, rows, { weightsChecked: true }).lower, specBounds(original, box, rows).lower);
  assert.equal((await verify(net, query, { timeoutSec: 20, threads: 2 })).status, expected);
});

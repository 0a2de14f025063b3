/**
 * I-REPAIR's polish on a small network: keep inputs a change has flipped are trained back with R, R stays right, the
 * state kept never has more flipped keep inputs than at the start; with no budget nothing moves; and a step that
 * breaks R is undone (the state kept is the one with R right).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { forwardModel32 } from '../../../src/core/network/forward';
import { polish, type PolishContext } from '../../../src/core/repair/methods/irepair/polish';
import { margin } from '../../../src/core/repair/methods/irepair/margin';
import { sgd } from '../../../src/core/train/optimizers';
import { networkWith, type Parameters } from '../../../src/core/train/parameters';
import { trainableParameters } from '../../../src/core/train/trainable';
import type { KeepPoint } from '../../../src/core/repair/types';
import type { Network } from '../../../src/core/network/network';
import { seededRandom } from '../../../src/core/verify/falsify';
import { smallNet } from '../../helpers';

const net = smallNet(11);
const decisionOf = (model: Network, x: Float64Array) => {
  const y = forwardModel32(model, x);
  return y.indexOf(Math.max(...y));
};

/** Keep inputs labelled by the original network; the parameters then pushed towards class 0, which flips some. */
function setting() {
  const random = seededRandom(5);
  const points = Array.from({ length: 300 }, () => Float64Array.of(random() * 2 - 1, random() * 2 - 1));
  const keep: KeepPoint[] = points.map((input) => ({ input, label: decisionOf(net, input) }));
  const params = trainableParameters(net, 'float32');
  params.layers[2].bias[0] += 0.6;
  const changed = networkWith(net, params);
  // R: a point the pushed network reads as 0 that the original read otherwise, labelled 0 (the "repair").
  const r = keep.find((p) => p.label !== 0 && decisionOf(changed, p.input) === 0)!;
  const repair: KeepPoint[] = [{ input: r.input, label: 0 }];
  const keepRest = keep.filter((p) => p !== r);
  const flipped = async () => {
    const now = networkWith(net, params);
    return keepRest.filter((p) => margin(forwardModel32(now, p.input), 0, 3, p.label) <= 0);
  };
  return { params, repair, flipped };
}

function context(params: Parameters, repair: KeepPoint[], flipped: () => Promise<KeepPoint[]>, budget: number, step?: PolishContext['step']): PolishContext {
  const optimizer = sgd({ learningRate: 0.05 });
  return {
    model: net, engine: 'js', precision: 'float32', params, n: 2, m: 3, repair, delta: 0, space: 'logits', flipped,
    step: step ?? (async (iR) => optimizer.step(params, iR)), checkEvery: 10, budget, deadline: Date.now() + 60_000,
  };
}

test('the polish trains the flipped keep inputs back while R stays right', async () => {
  const { params, repair, flipped } = setting();
  const before = (await flipped()).length;
  assert.ok(before >= 3, `the push flips some keep inputs (${before})`);
  const result = await polish(context(params, repair, flipped, 500));
  assert.equal(result.before, before);
  assert.ok(result.after < before, `${result.after} flipped after, ${before} before`);
  assert.equal((await flipped()).length, result.after, 'the parameters left are the state reported');
  assert.equal(decisionOf(networkWith(net, params), repair[0].input), 0, 'R still right');
});

test('with no budget the polish moves nothing; a step that breaks R is undone', async () => {
  const { params, repair, flipped } = setting();
  const start = params.layers.map((l) => [Float32Array.from(l.weights), Float32Array.from(l.bias)]);
  const idle = await polish(context(params, repair, flipped, 0));
  assert.equal(idle.iterations, 0);
  params.layers.forEach((l, k) => assert.deepEqual([Float32Array.from(l.weights), Float32Array.from(l.bias)], start[k]));
  // A step that pushes away from class 0 on every output bias: it breaks R; the state kept is the start.
  const breaking = await polish(context(params, repair, flipped, 30, async () => { params.layers[2].bias[0] -= 1; }));
  assert.ok(breaking.iterations > 0);
  assert.equal(breaking.after, breaking.before);
  params.layers.forEach((l, k) => assert.deepEqual([Float32Array.from(l.weights), Float32Array.from(l.bias)], start[k]));
  assert.equal(decisionOf(networkWith(net, params), repair[0].input), 0);
});

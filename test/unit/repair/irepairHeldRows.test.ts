/**
 * I-REPAIR's keep and distill terms in one set: the gradient over a step's rows (every keep row, the drawn rows) equals
 * keepWeight m x the keep term's mean gradient + distillWeight m x the distill term's over the same draw, each taken
 * on its own set (float64, our backpropagation); with one term alone it is that term.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { forward } from '../../../src/core/network/forward';
import { SetGradient, workingCopy } from '../../../src/core/repair/methods/irepair/engine';
import { heldRows } from '../../../src/core/repair/methods/irepair/heldRows';
import { mseLoss } from '../../../src/core/train/losses';
import type { Parameters } from '../../../src/core/train/parameters';
import { seeded } from '../../onnxBuilder';
import { randomNetwork } from '../../randomNetwork';

const N = 5;
const M = 3;
const net = randomNetwork([N, 8, 6, M], 41);
const params = workingCopy(net, 'js', 'float64');
/** Inputs and targets a little off the network's outputs, so that every row has a gradient. */
function term(rows: number, seed: number): { inputs: Float64Array; targets: Float64Array } {
  const inputs = Float64Array.from(seeded(rows * N, seed));
  const targets = Float64Array.from(forward(net, inputs, rows), (v, i) => v + 0.3 * Math.sin(i + seed));
  return { inputs, targets };
}
const keep = term(7, 3);
const distill = term(20, 4);
const drawn = Int32Array.from([3, 17, 0, 11, 9]);

async function gradientOf(inputs: Float64Array, targets: ArrayLike<number>, rows: Int32Array, weights?: Float64Array): Promise<Parameters> {
  const set = await SetGradient.create(net, 'js', 'float64', params, inputs, N, mseLoss(targets, weights));
  await set.gradient(params, rows);
  return set.grads;
}

function assertClose(actual: Parameters, expected: (k: number, part: 'weights' | 'bias', i: number) => number): void {
  actual.layers.forEach((layer, k) => {
    for (const part of ['weights', 'bias'] as const) {
      layer[part].forEach((v, i) => {
        const e = expected(k, part, i);
        assert.ok(Math.abs(v - e) <= 1e-9 * (1 + Math.abs(e)), `layer ${k} ${part}[${i}]: ${v} vs ${e}`);
      });
    }
  });
}

test('the held rows\' gradient is the keep term plus the distill term, each at its weight', async () => {
  const held = heldRows('float64', N, M, { ...keep, weight: 30 }, { ...distill, weight: 100, batch: drawn.length });
  const together = await gradientOf(held.inputs as Float64Array, held.targets, held.rows(drawn), held.weights);
  const keepAlone = await gradientOf(keep.inputs, keep.targets, Int32Array.from({ length: 7 }, (_, i) => i));
  const distillAlone = await gradientOf(distill.inputs, distill.targets, drawn);
  assertClose(together, (k, part, i) => 30 * M * keepAlone.layers[k][part][i] + 100 * M * distillAlone.layers[k][part][i]);
  assert.deepEqual(Array.from(held.rows(drawn)), [0, 1, 2, 3, 4, 5, 6, 10, 24, 7, 18, 16]);
  assert.throws(() => held.rows(Int32Array.from([1, 2])), /draws 5, not 2/);
});

test('with one term alone the held rows are that term', async () => {
  const keepOnly = heldRows('float64', N, M, { ...keep, weight: 30 }, undefined);
  const keepAlone = await gradientOf(keep.inputs, keep.targets, Int32Array.from({ length: 7 }, (_, i) => i));
  assertClose(await gradientOf(keepOnly.inputs as Float64Array, keepOnly.targets, keepOnly.rows(new Int32Array(0)), keepOnly.weights), (k, part, i) => 30 * M * keepAlone.layers[k][part][i]);
  const distillOnly = heldRows('float64', N, M, undefined, { ...distill, weight: 100, batch: drawn.length });
  const distillAlone = await gradientOf(distill.inputs, distill.targets, drawn);
  assertClose(await gradientOf(distillOnly.inputs as Float64Array, distillOnly.targets, distillOnly.rows(drawn), distillOnly.weights), (k, part, i) => 100 * M * distillAlone.layers[k][part][i]);
});

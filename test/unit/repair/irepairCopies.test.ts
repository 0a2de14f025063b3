/**
 * I-REPAIR's shifted copies (not in the paper): `withCopies` moves a square image by one pixel in each of the 8
 * directions, repeating the edge, and mixup blends stay between two keep inputs; the keep term with the copies holds
 * the copies' logits nearer the original network's than the keep term on C alone; with repairCopies=shift one float64
 * iteration steps exactly along the cross-entropy gradient over R and its shifts; with repairCopies=onStall the copies
 * come on only once the worst margin of R⊥ has not risen for stallIterations iterations.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { forward } from '../../../src/core/network/forward';
import type { Network } from '../../../src/core/network/network';
import { irepair } from '../../../src/core/repair/methods/irepair';
import { COPIES, squareSide, withCopies } from '../../../src/core/repair/methods/irepair/copies';
import type { KeepPoint, RepairPoint, RepairTask } from '../../../src/core/repair/types';
import { crossEntropyLoss } from '../../../src/core/train/losses';
import { lossGradient } from '../../../src/core/train/train';
import { seededRandom } from '../../../src/core/verify/falsify';

test('shift copies: each moves the image one pixel (8 directions), the vacated row or column repeats the edge', () => {
  const side = 8;
  // Pixel value = 10 * row + column: a copy shifted by (dy, dx) holds at (y, x) the pixel (y - dy, x - dx), clamped.
  const image = Float64Array.from({ length: side * side }, (_, i) => 10 * Math.floor(i / side) + (i % side));
  const out = withCopies(image, side * side, 'shift', 1);
  assert.equal(out.length, side * side * (1 + COPIES));
  assert.deepEqual(out.subarray(0, side * side), image, 'the originals come first');
  const seen = new Set<string>();
  for (let c = 0; c < COPIES; c++) {
    const copy = out.subarray((1 + c) * side * side, (2 + c) * side * side);
    // The interior pixel (4, 4) came from (4 - dy, 4 - dx).
    const dy = 4 - Math.floor(copy[4 * side + 4] / 10);
    const dx = 4 - (copy[4 * side + 4] % 10);
    assert.ok(Math.abs(dy) <= 1 && Math.abs(dx) <= 1 && (dy !== 0 || dx !== 0), `copy ${c}: shift (${dy}, ${dx})`);
    seen.add(`${dy},${dx}`);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const sy = Math.min(side - 1, Math.max(0, y - dy));
        const sx = Math.min(side - 1, Math.max(0, x - dx));
        assert.equal(copy[y * side + x], 10 * sy + sx, `copy ${c} at (${y}, ${x})`);
      }
    }
  }
  assert.equal(seen.size, 8, 'the 8 directions, each once');
  assert.equal(squareSide(784), 28);
  assert.equal(squareSide(2), undefined, 'not an image');
  assert.equal(squareSide(50), undefined);
});

test('mixup copies are seeded blends of two keep inputs, nearer the first', () => {
  const n = 3;
  const inputs = Float64Array.of(0, 0, 0, 1, 1, 1, 2, 4, 8);
  const out = withCopies(inputs, n, 'mixup', 7);
  assert.deepEqual(out, withCopies(inputs, n, 'mixup', 7), 'seeded');
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < COPIES; c++) {
      const copy = out.subarray((3 + r * COPIES + c) * n, (4 + r * COPIES + c) * n);
      const own = inputs.subarray(r * n, (r + 1) * n);
      // copy = lambda own + (1 - lambda) other, lambda in [0.5, 0.9]: some keep input `other` fits every coordinate.
      const fits = [0, 1, 2].some((o) => {
        const other = inputs.subarray(o * n, (o + 1) * n);
        const lambdas = [0, 1, 2].filter((i) => own[i] !== other[i]).map((i) => (copy[i] - other[i]) / (own[i] - other[i]));
        const same = [0, 1, 2].filter((i) => own[i] === other[i]).every((i) => Math.abs(copy[i] - own[i]) < 1e-12);
        return same && lambdas.every((l) => l >= 0.5 - 1e-12 && l <= 0.9 + 1e-12 && Math.abs(l - lambdas[0]) < 1e-9);
      });
      assert.ok(fits, `copy ${c} of input ${r}: ${Array.from(copy)}`);
    }
  }
});

/** A seeded network on 8x8 images: 64 inputs, 12 hidden ReLUs, 3 outputs. */
function imageNet(seed: number): Network {
  const r = seededRandom(seed);
  const sizes = [64, 12, 3];
  const layers = sizes.slice(1).map((out, k) => ({
    inSize: sizes[k], outSize: out, name: `layer${k}`,
    weights: Float64Array.from({ length: out * sizes[k] }, () => Math.fround((r() * 2 - 1) * 0.5)),
    bias: Float64Array.from({ length: out }, () => Math.fround(r() * 0.2 - 0.1)),
    activation: { kind: k === 1 ? 'identity' : 'relu' } as const,
  }));
  return { layers, inputName: 'input', inputShape: [1, 64], outputName: 'output', outputShape: [1, 3], notes: [] };
}

const net = imageNet(3);
const decision = (x: Float64Array) => {
  const y = forward(net, x);
  return y.indexOf(Math.max(...y));
};

/** Seeded random 8x8 images: R = the first `wrongCount` with the next label, C = `keepCount` with the network's own. */
function sets(wrongCount: number, keepCount: number): { R: RepairPoint[]; C: KeepPoint[] } {
  const random = seededRandom(9);
  const R: RepairPoint[] = [];
  const C: KeepPoint[] = [];
  while (R.length < wrongCount || C.length < keepCount) {
    const input = Float64Array.from({ length: 64 }, () => random());
    const predicted = decision(input);
    if (R.length < wrongCount) R.push({ input, label: (predicted + 1) % 3 });
    else C.push({ input, label: predicted });
  }
  return { R, C };
}

const task = (R: RepairPoint[], C: KeepPoint[], options: RepairTask['options']): RepairTask => ({
  model: net, repairSet: R, keepSet: C, domain: { lower: new Float64Array(64), upper: new Float64Array(64).fill(1) },
  decision: 'argmax', options: { precision: 'float64', ...options }, timeoutSec: 30,
});
const rows = (points: readonly { input: Float64Array }[]) => Float64Array.from(points.flatMap((p) => Array.from(p.input)));

test('keepCopies=shift holds the shifted keep images\' logits nearer the original network\'s than the keep term on C alone', async () => {
  const { R, C } = sets(1, 8);
  const copies = withCopies(rows(C), 64, 'shift', 1).subarray(C.length * 64);
  const original = forward(net, copies, C.length * COPIES);
  const change = async (keepCopies: string) => {
    // distill 0: the keep term and its copies alone.
    const outcome = await irepair.run(task(R, C, { learningRate: 0.003, locking: 'none', keepTerm: 5, keepCopies, distill: 0 }));
    assert.equal(outcome.stats.unrepaired, 0, `keepCopies ${keepCopies}: ${outcome.log.join(' / ')}`);
    const y = forward(outcome.model as Network, copies, C.length * COPIES);
    return y.reduce((s, v, i) => s + (v - original[i]) ** 2, 0);
  };
  const alone = await change('none');
  const held = await change('shift');
  assert.ok(held < 0.7 * alone, `squared change of the copies' logits: ${held} with them in the keep term, ${alone} without`);
});

test('repairCopies=shift: one iteration steps along the cross-entropy gradient over R and its 8 shifts (nothing locked)', async () => {
  const { R, C } = sets(2, 4);
  const lr = 1e-3;
  const outcome = await irepair.run(task(R, C, { ub: 1, locking: 'none', keepTerm: 0, repairCopies: 'shift', learningRate: lr }));
  const inputs = withCopies(rows(R), 64, 'shift', 0);
  const labels = [...R.map((p) => p.label!), ...R.flatMap((p) => Array<number>(COPIES).fill(p.label!))];
  const g = lossGradient(net, inputs, labels.length, crossEntropyLoss(labels)).gradient;
  const without = lossGradient(net, rows(R), R.length, crossEntropyLoss(R.map((p) => p.label!))).gradient;
  // RMSprop's first step: lr g / (sqrt(0.01 g²) + 1e-8) = 10 lr sign(g) where g is not tiny.
  const repaired = outcome.model as Network;
  let checked = 0;
  let differs = 0;
  net.layers.forEach((layer, k) => {
    for (let i = 0; i < layer.weights.length; i++) {
      const gi = g.layers[k].weights[i];
      if (Math.abs(gi) < 1e-6) continue;
      const moved = repaired.layers[k].weights[i] - layer.weights[i];
      assert.ok(Math.abs(moved + (lr * gi) / (Math.sqrt(0.01 * gi * gi) + 1e-8)) < 1e-9, `layer ${k} weight ${i}: moved ${moved}, gradient ${gi}`);
      checked++;
      if (Math.sign(gi) !== Math.sign(without.layers[k].weights[i])) differs++;
    }
  });
  assert.ok(checked > 100, `${checked} weights checked`);
  assert.ok(differs > 0, 'the shifted copies change the step (some gradient signs differ from R alone)');
});

test('repairCopies=onStall switches the shifted copies of R⊥ on once the worst margin has not risen for stallIterations, never before', async () => {
  const { R, C } = sets(2, 4);
  // A step too small to move any margin by 1e-3: the second check finds no rise and, with a window of 1, a stall.
  const frozen = await irepair.run(task(R, C, { ub: 3, learningRate: 1e-12, stallIterations: 1 }));
  const log = frozen.log.join('\n');
  assert.match(log, /iteration 2: the worst margin of R⊥ \(-?[\d.]+\) has not risen for 1 iterations; the update now also trains on the shifted copies of R⊥/);
  assert.equal(frozen.stats.unrepaired, 2, 'nothing moved: both still wrong and listed');
  const longer = await irepair.run(task(R, C, { ub: 3, learningRate: 1e-12, stallIterations: 5 }));
  assert.doesNotMatch(longer.log.join('\n'), /shifted copies of R⊥/, 'a window longer than the run never fires');
  const never = await irepair.run(task(R, C, { ub: 3, learningRate: 1e-12, stallIterations: 1, repairCopies: 'none' }));
  assert.doesNotMatch(never.log.join('\n'), /shifted copies of R⊥/);
});

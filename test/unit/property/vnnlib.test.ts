import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseVnnlib, writeVnnlib } from '../../../src/core/property/vnnlib';
import { inRegion, violationMargin, type Query } from '../../../src/core/query/normalForm';
import { InputError } from '../../../src/core/errors';
import { dataPath } from '../../helpers';
import { seeded } from '../../onnxBuilder';

const files = ['acasxu', 'mnist', 'vnncomp_test'].flatMap((dir) =>
  readdirSync(dataPath(dir)).filter((f) => f.endsWith('.vnnlib')).map((f) => dataPath(dir, f)));

const parse = (file: string): Query => parseVnnlib(readFileSync(file, 'utf8'), file);

test('ACAS Xu property 1: one box in normalised units, violation Y_0 >= 3.9911...', () => {
  const q = parse(dataPath('acasxu', 'prop_1.vnnlib'));
  assert.equal(q.region.length, 1);
  assert.deepEqual(Array.from(q.region[0].lower), [0.6, -0.5, -0.5, 0.45, -0.5]);
  assert.deepEqual(Array.from(q.region[0].upper), [0.679857769, 0.5, 0.5, 0.5, -0.45]);
  assert.equal(q.violation.length, 1);
  assert.deepEqual(Array.from(q.violation[0][0].coeffs), [-1, 0, 0, 0, 0]);
  assert.equal(q.violation[0][0].rhs, -3.991125645861615);
});

test('ACAS Xu property 6: the input region is a union of two boxes; the violation a disjunction of four', () => {
  const q = parse(dataPath('acasxu', 'prop_6.vnnlib'));
  assert.equal(q.region.length, 2);
  assert.equal(q.region[0].upper[1], 0.499999896);
  assert.equal(q.region[1].upper[1], -0.11140846);
  assert.equal(q.violation.length, 4);
  assert.ok(q.violation.every((conj) => conj.length === 1));
});

test('MNIST robustness: 784 bounded pixels and nine ways to lose the label', () => {
  const q = parse(dataPath('mnist', 'prop_0_0.03.vnnlib'));
  assert.equal(q.region[0].lower.length, 784);
  assert.ok(q.region[0].lower.every(Number.isFinite) && q.region[0].upper.every(Number.isFinite));
  assert.equal(q.violation.length, 9);
});

test('every shared VNN-LIB file parses and survives a write/parse round trip with the same meaning', () => {
  for (const file of files) {
    const q = parse(file);
    const back = parseVnnlib(writeVnnlib(q), file);
    const n = q.region[0].lower.length;
    const m = q.violation[0][0].coeffs.length;
    const noise = seeded((n + m) * 200, n + m);
    for (let k = 0; k < 200; k++) {
      // Points near the region (inside and outside), and arbitrary outputs.
      const p = q.region[k % q.region.length];
      const x = Array.from({ length: n }, (_, i) => p.lower[i] + (noise[k * (n + m) + i] * 0.6 + 0.5) * (p.upper[i] - p.lower[i]));
      const y = Array.from({ length: m }, (_, j) => noise[k * (n + m) + n + j]);
      assert.equal(inRegion(back.region, x), inRegion(q.region, x), `${file}: region differs at point ${k}`);
      assert.equal(violationMargin(back.violation, y) <= 0, violationMargin(q.violation, y) <= 0, `${file}: violation differs at point ${k}`);
    }
  }
});

test('errors carry line and column', () => {
  const cases: [string, RegExp][] = [
    ['(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (<= X_0 (* X_0 X_0)))', /f\.vnnlib:3:17: products of variables are not linear/],
    ['(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (<= X_0 Y_0))', /f\.vnnlib:3:9: a comparison between inputs \(X\) and outputs \(Y\) is not supported/],
    ['(declare-const X_0 Real)\n(assert (<= X_0 1)', /f\.vnnlib:2:1: unclosed/],
    ['(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (<= X_0 abc))', /f\.vnnlib:3:17: 'abc' is neither a number nor a variable/],
    ['(declare-const X_0 Real)\n(declare-const Y_0 Real)\n(assert (<= X_3 1))', /'X_3' is not declared/],
  ];
  for (const [text, pattern] of cases) {
    assert.throws(() => parseVnnlib(text, 'f.vnnlib'), (err: unknown) => err instanceof InputError && pattern.test(err.describe()), String(pattern));
  }
});

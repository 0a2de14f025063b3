/** Each activation module's relaxation is sound on dense samples, and the tangent lines of Sigmoid/Tanh beat constants. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { activationOf } from '../../../src/core/network/activations';
import type { Activation } from '../../../src/core/network/network';
import { seeded } from '../../onnxBuilder';

const kinds: Activation[] = [{ kind: 'identity' }, { kind: 'relu' }, { kind: 'leakyRelu', alpha: 0.1 }, { kind: 'sigmoid' }, { kind: 'tanh' }];

test('relaxations hold on every sampled point of random intervals; derivative ranges hold the sampled derivatives', () => {
  const ends = seeded(2 * 400, 17).map((v) => v * 8);
  for (const a of kinds) {
    const act = activationOf(a);
    const r = { lowerSlope: 0, lowerShift: 0, upperSlope: 0, upperShift: 0 };
    for (let k = 0; k < 400; k++) {
      // Wide, narrow, one-sided and straddling intervals.
      const l = Math.min(ends[2 * k], ends[2 * k + 1]) * (k % 4 === 0 ? 1e-3 : 1);
      const u = Math.max(ends[2 * k], ends[2 * k + 1]) * (k % 4 === 0 ? 1e-3 : 1);
      act.relax(l, u, r);
      assert.ok(r.lowerSlope >= 0 && r.upperSlope >= 0, `${a.kind}: slopes are non-negative`);
      const [dl, du] = act.derivativeRange(l, u);
      for (let i = 0; i <= 200; i++) {
        const z = l + ((u - l) * i) / 200;
        const y = act.value(z);
        // Rounding of the lines themselves (the verifier's SOUNDNESS_MARGIN covers it): far below any real slip.
        const tol = 1e-12 * (1 + Math.abs(y) + Math.abs(z));
        assert.ok(r.lowerSlope * z + r.lowerShift <= y + tol, `${a.kind} on [${l}, ${u}]: lower line above f at ${z}`);
        assert.ok(r.upperSlope * z + r.upperShift >= y - tol, `${a.kind} on [${l}, ${u}]: upper line below f at ${z}`);
        const d = act.derivative(z, y);
        assert.ok(d >= dl - 1e-15 && d <= du + 1e-15, `${a.kind}: derivative ${d} at ${z} outside [${dl}, ${du}]`);
      }
    }
  }
});

test('Sigmoid and Tanh: the tangent-line relaxation encloses far less than constant bounds', () => {
  for (const a of [{ kind: 'sigmoid' }, { kind: 'tanh' }] as const) {
    const act = activationOf(a);
    const r = { lowerSlope: 0, lowerShift: 0, upperSlope: 0, upperShift: 0 };
    for (const [l, u] of [[-2, 3], [0.5, 2], [-3, -1], [-1, 1]]) {
      act.relax(l, u, r);
      // Mean gap between the lines over the interval, against the constant bounds' gap value(u) - value(l).
      const gap = ((r.upperSlope - r.lowerSlope) * (l + u)) / 2 + r.upperShift - r.lowerShift;
      assert.ok(gap < 0.5 * (act.value(u) - act.value(l)), `${a.kind} on [${l}, ${u}]: mean gap ${gap}`);
    }
  }
});

test('ReLU is 0 and LeakyReLU is -Infinity at -Infinity (not NaN): an unbounded interval keeps a sound image', () => {
  const relu = activationOf({ kind: 'relu' });
  assert.equal(relu.value(-Infinity), 0);
  assert.equal(relu.value(Infinity), Infinity);
  const v = Float64Array.of(-Infinity, -2, 3);
  relu.apply(v);
  assert.deepEqual([...v], [0, 0, 3]);
  assert.equal(activationOf({ kind: 'leakyRelu', alpha: 0.1 }).value(-Infinity), -Infinity);
  // The interval image the bounds take: [value(lo), value(hi)].
  const r = { lowerSlope: 0, lowerShift: 0, upperSlope: 0, upperShift: 0 };
  relu.relax(-Infinity, -1, r);
  assert.deepEqual([r.lowerSlope, r.lowerShift, r.upperSlope, r.upperShift], [0, 0, 0, 0]);
});

/** LPs with known optima: the backend a verifier relies on must get every one of them right. */
import { test, before } from 'node:test';
import * as assert from 'node:assert/strict';
import { initLp, solveLp, type LinearProgram } from '../../../src/core/lp';
import { lpSuite } from '../../lpSuite';

before(initLp);

for (const c of lpSuite) {
  test(`LP: ${c.name}`, () => {
    const r = solveLp(c.lp);
    assert.equal(r.status, c.expected.status);
    if (r.status === 'optimal' && c.expected.status === 'optimal') {
      assert.ok(Math.abs(r.value - c.expected.value) < 1e-7, `value ${r.value}, expected ${c.expected.value}`);
    }
  });
}

test('LP: the optimal point is feasible and attains the value', () => {
  const lp: LinearProgram = { sense: 'maximize', objective: [3, 2], rows: [{ coeffs: [1, 1], lower: -Infinity, upper: 4 }, { coeffs: [1, 3], lower: -Infinity, upper: 6 }], lower: [0, 0], upper: [3, Infinity] };
  const r = solveLp(lp);
  assert.equal(r.status, 'optimal');
  if (r.status !== 'optimal') return;
  assert.deepEqual(Array.from(r.x).map((v) => Math.round(v * 1e9) / 1e9), [3, 1]);
  assert.equal(r.value, 11);
});

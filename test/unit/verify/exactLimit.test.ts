/**
 * The box search's limit on MILPs (unstable neurons per box) follows what the programs cost in bound computations of the
 * same thread: a machine that runs everything slower leaves it alone, programs that cost many bounds lower it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { adaptExactLimit, timeBound } from '../../../src/core/verify/branchAndBound';
import { EXACT_MAX_UNSTABLE, EXACT_TARGET_COST, newTactics, type Tactics } from '../../../src/core/verify/searchKernel';

/** A thread's tactics after `rounds` boxes whose bound took `boundMs` and whose MILP took `milpMs`. */
function afterRounds(boundMs: number, milpMs: number, rounds: number): Tactics {
  const t = newTactics();
  for (let i = 0; i < rounds; i++) {
    timeBound(t, boundMs);
    adaptExactLimit(t, milpMs);
  }
  return t;
}

test('a machine ten times slower keeps the MILP limit where a quiet one keeps it', () => {
  const quiet = afterRounds(1, EXACT_TARGET_COST, 200);
  const busy = afterRounds(10, 10 * EXACT_TARGET_COST, 200);
  assert.equal(quiet.exactMaxUnstable, EXACT_MAX_UNSTABLE);
  assert.equal(busy.exactMaxUnstable, EXACT_MAX_UNSTABLE);
});

test('MILPs that cost many bound computations lower the limit, cheap ones raise it back to the maximum', () => {
  const t = afterRounds(1, 4 * EXACT_TARGET_COST, 50);
  assert.ok(t.exactMaxUnstable < EXACT_MAX_UNSTABLE - 10, `limit ${t.exactMaxUnstable}`);
  for (let i = 0; i < 200; i++) {
    timeBound(t, 1);
    adaptExactLimit(t, EXACT_TARGET_COST / 4);
  }
  assert.equal(t.exactMaxUnstable, EXACT_MAX_UNSTABLE);
});

test('a thread slowing down or speeding up part-way (another job starting or ending) keeps the limit', () => {
  for (const [before, after] of [[1, 5], [5, 1]]) {
    const t = afterRounds(before, before * EXACT_TARGET_COST, 100);
    for (let i = 0; i < 300; i++) {
      timeBound(t, after);
      adaptExactLimit(t, after * EXACT_TARGET_COST);
    }
    assert.equal(t.exactMaxUnstable, EXACT_MAX_UNSTABLE, `${before} -> ${after} ms per bound`);
  }
});

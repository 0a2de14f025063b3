/**
 * Verifying a gated model: the parts where the property is claimed (repaired pieces, the rest of the region) are
 * searched before the flagged pieces, so a violation there is found even when a flagged piece comes first in the gate.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { gatedModel, pieceIndex } from '../../../src/core/network/gated';
import { verify } from '../../../src/core/verify';
import { notFirst, smallNet } from '../../helpers';

const half = (lo: number, hi: number) => ({ lower: Float64Array.of(lo, -1), upper: Float64Array.of(hi, 1) });

test('a gated model\'s claimed parts are verified before its flagged pieces', async () => {
  // A small network that breaks the property in both halves of its region.
  let seed = 1;
  const violatedOn = async (net: ReturnType<typeof smallNet>, box: ReturnType<typeof half>) =>
    (await verify(net, { ...notFirst, region: [{ ...box, rows: [] }] }, { timeoutSec: 10 })).status === 'violated';
  while (!((await violatedOn(smallNet(seed), half(-1, -0.5))) && (await violatedOn(smallNet(seed), half(-0.5, 1))))) seed++;
  // The flagged piece first in the gate, a claimed piece beside it, and the rest of the region between them.
  const model = gatedModel(smallNet(seed), [
    { ...half(-1, -0.5), clamps: [], unrepaired: true },
    { ...half(0.5, 1), clamps: [], unrepaired: false },
  ]);
  const result = await verify(model, notFirst, { timeoutSec: 10 });
  assert.equal(result.status, 'violated');
  if (result.status !== 'violated') return;
  const x = result.counterexample.input;
  assert.ok(x[0] > -0.5, `the counterexample ${x} lies where the property is claimed`);
  assert.ok(pieceIndex(model, x) !== 0);
});

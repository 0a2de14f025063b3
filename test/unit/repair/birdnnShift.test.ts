/**
 * shift (the output-bias shift after BIRDNN's repair): its direction, the size the root bounds need, a proof on a
 * network that breaks its property, and the refusal when the shift would change too many decisions.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { forward } from '../../../src/core/network/forward';
import { specBounds } from '../../../src/core/bounds/linearBounds';
import { sampleBox } from '../../../src/core/localize/sampling';
import { decisions } from '../../../src/core/repair/birdnn/data';
import { birdnnFineTune } from '../../../src/core/repair/methods/birdnnFineTune';
import { birdnnRetrain } from '../../../src/core/repair/methods/birdnnRetrain';
import type { RepairTask } from '../../../src/core/repair/types';
import type { Network } from '../../../src/core/network/network';
import { rootShiftSize, shiftDirection, shiftOutputs, withOutputShift } from '../../../src/core/repair/birdnn/outputShift';
import { seededRandom } from '../../../src/core/verify/falsify';
import { verify } from '../../../src/core/verify';
import { atMostTwo, notFirst, paperExample, smallNet, unitSquare } from '../../helpers';

const net = smallNet(11);
const square = { lower: Float64Array.of(-1, -1), upper: Float64Array.of(1, 1) };
const options = (maxDrawdown: number, log: string[]) => ({
  domain: square, keepSet: [], decision: 'argmax' as const, maxDrawdown, samples: 4000, verifySec: 10, threads: 1, random: seededRandom(5), log,
});

test('shift direction: lowers the output the violation needs high, raises the others alike', () => {
  assert.deepEqual(Array.from(shiftDirection(notFirst, 3)), [-2, 1, 1]);
});

test('the root shift size is the least that makes the root bounds refute every conjunction', () => {
  const d = shiftDirection(notFirst, 3);
  const size = rootShiftSize(net, notFirst, d);
  assert.ok(size > 0 && Number.isFinite(size), String(size));
  const rows = notFirst.violation.flat();
  const refuted = (s: number) => specBounds(withOutputShift(net, d, s), notFirst.region[0], rows).lower.some((l) => l > 0);
  assert.ok(refuted(1.01 * size), 'refuted at 1.01x');
  assert.ok(!refuted(0.99 * size), 'not refuted at 0.99x');
});

test('shift: proven, decisions change only where the forbidden output decided; the input network untouched', async () => {
  const before = await verify(net, notFirst, { timeoutSec: 10 });
  assert.equal(before.status, 'violated', 'output 0 is the largest on part of the square');
  const bias = Float64Array.from(net.layers[2].bias);
  const log: string[] = [];
  const result = await shiftOutputs(net, notFirst, options(0.5, log));
  assert.ok(result.proven, log.join(' | '));
  assert.equal((await verify(result.network, notFirst, { timeoutSec: 10 })).status, 'holds');
  assert.deepEqual(net.layers[2].bias, bias);
  result.network.layers.slice(0, 2).forEach((l, k) => assert.equal(l, net.layers[k], 'hidden layers shared, not copied'));
  const x = sampleBox(square.lower, square.upper, 4000, seededRandom(9));
  const d0 = decisions(forward(net, x, 4000), 4000, 3, 'argmax');
  const d1 = decisions(forward(result.network, x, 4000), 4000, 3, 'argmax');
  let changed = 0;
  d0.forEach((d, r) => {
    if (d !== d1[r]) {
      changed++;
      assert.equal(d, 0, `sample ${r}: only decisions for output 0 change`);
    }
  });
  assert.ok(changed > 0 && Math.abs(changed / 4000 - result.drawdown) < 0.02, `${changed} vs ${result.drawdown}`);
});

test('shift: refused when it would change more decisions than allowed', async () => {
  const log: string[] = [];
  const result = await shiftOutputs(net, notFirst, options(0.01, log));
  assert.equal(result.proven, false);
  assert.equal(result.network, net);
  assert.match(log.join('\n'), /would change .*% of the whole-domain decisions/);
});

test('shift: refused on a one-output network, where decisions cannot show that every value moves', async () => {
  const log: string[] = [];
  const result = await shiftOutputs(paperExample, atMostTwo, { ...options(1, log), domain: unitSquare });
  assert.equal(result.network, paperExample);
  assert.match(log.join('\n'), /one output/);
});

test('both BIRDNN methods run the shift after their own step when asked: proven, or refused and left to the paper\'s result', async () => {
  const task = (options: RepairTask['options']): RepairTask => ({
    model: net, query: notFirst, repairSet: [], keepSet: [], domain: square, decision: 'argmax', timeoutSec: 60,
    options: { negatives: 200, samples: 1000, particles: 4, iterations: 4, epochs: 3, ...options },
  });
  for (const method of [birdnnFineTune, birdnnRetrain]) {
    const proven = await method.run(task({ shift: true, maxShiftDrawdown: 0.5 }));
    assert.equal(proven.stats.shiftProven, 1, `${method.id}: ${proven.log.join(' | ')}`);
    assert.equal((await verify(proven.model as Network, notFirst, { timeoutSec: 10 })).status, 'holds', method.id);
    const refused = await method.run(task({ shift: true }));
    assert.equal(refused.stats.shiftProven, 0, method.id);
    assert.match(refused.log.join('\n'), /not shifted/, method.id);
  }
});

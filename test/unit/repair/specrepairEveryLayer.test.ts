/**
 * SpecRepair's box penalty with every layer retrained (layers=all): the linearised bound is below the violation margin
 * at every sampled point of the box, its gradient in every layer's weights matches finite differences (lines and
 * corner held fixed), and a small network repaired this way is proved on the written file with its hidden layers changed.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Network } from '../../../src/core/network/network';
import { forward } from '../../../src/core/network/forward';
import { sampleBox } from '../../../src/core/localize/sampling';
import { runRepair } from '../../../src/core/repair/driver';
import { specrepair } from '../../../src/core/repair/methods/specrepair';
import { linearisedBound, relaxationLines } from '../../../src/core/repair/specrepair/everyLayer';
import { loadOnnxModel } from '../../../src/core/onnx/import';
import { parametersOf, zerosLike } from '../../../src/core/train/parameters';
import { seededRandom } from '../../../src/core/verify/falsify';
import { verify } from '../../../src/core/verify';
import { notFirst, smallNet } from '../../helpers';

const box = { lower: Float64Array.of(-0.3, 0.1), upper: Float64Array.of(0.2, 0.5) };
const row = notFirst.violation[0][0];

test('the linearised bound is below the row\'s slack at every sampled point of the box', () => {
  for (const seed of [7, 11, 3]) {
    const net = smallNet(seed);
    const bound = linearisedBound(net, net.layers, relaxationLines(net, box), box, row);
    const xs = sampleBox(box.lower, box.upper, 2000, seededRandom(seed));
    const ys = forward(net, xs, 2000);
    for (let k = 0; k < 2000; k++) {
      const slack = row.coeffs.reduce((s, c, o) => s + c * ys[k * 3 + o], -row.rhs);
      assert.ok(slack >= bound - 1e-9, `seed ${seed}: ${slack} < ${bound}`);
    }
  }
});

test('the linearised bound\'s gradient in every layer\'s weights and biases matches finite differences', () => {
  const net = smallNet(11);
  const lines = relaxationLines(net, box);
  const params = parametersOf(net, 'float64');
  const grads = zerosLike(params);
  const bound = linearisedBound(net, params.layers, lines, box, row, grads, 2);
  const h = 1e-7;
  params.layers.forEach((layer, k) => {
    for (const key of ['weights', 'bias'] as const) {
      for (let i = 0; i < layer[key].length; i++) {
        const saved = layer[key][i];
        layer[key][i] = saved + h;
        const numeric = (linearisedBound(net, params.layers, lines, box, row) - bound) / h;
        layer[key][i] = saved;
        assert.ok(Math.abs(2 * numeric - grads.layers[k][key][i]) < 1e-4, `layer ${k} ${key} ${i}: ${2 * numeric} vs ${grads.layers[k][key][i]}`);
      }
    }
  });
});

test('layers=all: a small network repaired through the driver is proved on the written file, its hidden layers retrained', async () => {
  const net = smallNet(7);
  const square = { lower: Float64Array.of(-1, -1), upper: Float64Array.of(1, 1) };
  const { report, bytes } = await runRepair({
    modelPath: 'small.onnx', model: net, method: specrepair, target: { name: notFirst.name, query: notFirst }, others: [], repairSet: [], keepSet: [],
    domain: square, decision: 'argmax', options: { layers: 'all', learningRate: 0.001 }, timeoutSec: 120, verifyTimeoutSec: 30, fidelitySamples: 2000,
  });
  assert.equal(report.verdict.status, 'repaired', JSON.stringify(report.verdict) + report.log.join('\n'));
  const written = loadOnnxModel(bytes!, 'repaired.onnx') as Network;
  assert.equal((await verify(written, notFirst, { timeoutSec: 30 })).status, 'holds');
  assert.ok(written.layers[0].weights.some((w, i) => w !== Math.fround(net.layers[0].weights[i])), 'the first layer changed');
  await assert.rejects(runRepair({
    modelPath: 'small.onnx', model: net, method: specrepair, target: { name: notFirst.name, query: notFirst }, others: [], repairSet: [], keepSet: [],
    domain: square, decision: 'argmax', options: { layers: 'some' }, timeoutSec: 10, verifyTimeoutSec: 10,
  }), /'last' or 'all'/);
});

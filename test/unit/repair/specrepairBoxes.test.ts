/**
 * SpecRepair's boxes mode: the box bound is a lower bound of the violation margin at every point of the box (on an ACAS
 * Xu network), its gradient in the last layer's row map matches finite differences, and the box penalty's schedule
 * doubles mu only for the boxes still below the margin.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forward } from '../../../src/core/network/forward';
import { violationMargin } from '../../../src/core/query/normalForm';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import { sampleBox } from '../../../src/core/localize/sampling';
import { boxBound, featureBox, rowMaps } from '../../../src/core/repair/specrepair/boxes';
import { refineBoxes, startBoxRepair, trainBoxes } from '../../../src/core/repair/specrepair/boxRepair';
import { seededRandom } from '../../../src/core/verify/falsify';
import { acasNet, dataPath, loadNetwork, notFirst, smallNet } from '../../helpers';

const prop2 = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'), 'prop_2');

test('the box bound is below the violation margin at every sampled point of the box (ACAS Xu N2,1, prop 2)', () => {
  const net = loadNetwork(acasNet(2, 1));
  const last = net.layers[net.layers.length - 1];
  const maps = rowMaps([prop2.violation], last, last.inSize);
  const region = prop2.region[0];
  const random = seededRandom(4);
  for (let t = 0; t < 6; t++) {
    // A random sub-box of the property's region.
    const a = sampleBox(region.lower, region.upper, 2, random);
    const box = { lower: region.lower.map((_, i) => Math.min(a[i], a[5 + i])), upper: region.lower.map((_, i) => Math.max(a[i], a[5 + i])) };
    const bound = boxBound(featureBox(net, box, prop2.violation, 0), maps, last.inSize).margin;
    const xs = sampleBox(box.lower, box.upper, 500, random);
    const ys = forward(net, xs, 500);
    for (let k = 0; k < 500; k++) assert.ok(violationMargin(prop2.violation, ys.subarray(k * 5, k * 5 + 5)) >= bound - 1e-9);
  }
});

for (const [name, backsub] of [['forward', false], ['back-substituted', true]] as const) test(`the gradient of the ${name} box bound in the row map matches finite differences`, () => {
  const net = smallNet(11);
  const last = net.layers[net.layers.length - 1];
  const width = last.inSize;
  const fb = featureBox(net, { lower: Float64Array.of(-0.3, 0.1), upper: Float64Array.of(0.2, 0.5) }, notFirst.violation, 0, backsub, backsub);
  const layer = { weights: Float64Array.from(last.weights), bias: Float64Array.from(last.bias) };
  const gradient = new Float64Array(width);
  const bound = boxBound(fb, rowMaps([notFirst.violation], layer, width), width, gradient);
  assert.ok(bound.coeffs);
  const h = 1e-7;
  for (let o = 0; o < 3; o++) {
    for (let k = 0; k < width; k++) {
      const moved = { weights: Float64Array.from(layer.weights), bias: layer.bias };
      moved.weights[o * width + k] += h;
      const numeric = (boxBound(fb, rowMaps([notFirst.violation], moved, width), width).margin - bound.margin) / h;
      assert.ok(Math.abs(numeric - bound.coeffs[o] * gradient[k]) < 1e-4, `weight ${o},${k}: ${numeric} vs ${bound.coeffs[o] * gradient[k]}`);
    }
  }
});

test('box penalty passes double mu only for the boxes still below the margin', () => {
  const net = smallNet(11);
  const random = seededRandom(2);
  const inputs = sampleBox(notFirst.region[0].lower, notFirst.region[0].upper, 200, random);
  const data = { inputs, targets: forward(net, inputs, 200), count: 200 };
  const settings = { initialPenalty: 1, maxUpdates: 1, margin: 0.01, learningRate: 1e-9, steps: 1, batchSize: 32, fidelityWeight: 1, maxBoxes: 64, minBoxes: 64, polishPasses: 0, decisionWeight: 1 };
  const state = startBoxRepair(net, [notFirst], notFirst.region[0], data, 1);
  const below = refineBoxes(state, settings, Date.now() + 10_000);
  assert.ok(below > 0 && below < state.boxes.length, `${below} of ${state.boxes.length} boxes below the margin`);
  const maps = rowMaps([notFirst.violation], state.last, state.width);
  const wasBelow = state.boxes.map((b) => boxBound(b, maps, state.width).margin < settings.margin);
  trainBoxes(state, { ...data, decisions: new Int32Array(200), argmin: false }, settings, { random, deadline: Date.now() + 10_000, log: [] });
  assert.deepEqual(state.penalties, wasBelow.map((b) => (b ? 2 : 1)));
});

/**
 * nRepair's decision counts on samples of a piece: a repair's pass starts at its first clamped layer from the base's
 * values on the samples, and counts exactly what a full forward pass counts (ACAS Xu 2_1, property 2).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forward } from '../../../src/core/network/forward';
import { clampNetwork } from '../../../src/core/network/gated';
import { asLayerSequence } from '../../../src/core/network/model';
import type { Network } from '../../../src/core/network/network';
import { loadModelFile } from '../../../src/core/onnx/loadModelFile';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import { decide } from '../../../src/core/repair/labels';
import { decisionChanges, samplesOf, type Samples } from '../../../src/core/repair/nrepair/pieceSamples';
import { acasNet, dataPath } from '../../helpers';

/** The count by a full forward pass of every sample. */
function fullCount(net: Network, samples: Samples): number {
  const ys = forward(net, samples.xs, samples.count);
  let changes = 0;
  for (let k = 0; k < samples.count; k++) if (decide(ys, k * 5, 5, 'argmin') !== samples.labels[k]) changes++;
  return changes;
}

test('decision changes counted from the first clamped layer equal a full forward pass', () => {
  const net = asLayerSequence(loadModelFile(acasNet(2, 1)), 'ACAS Xu 2_1');
  const other = asLayerSequence(loadModelFile(acasNet(3, 4)), 'ACAS Xu 3_4');
  const query = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'), 'prop_2.vnnlib');
  const box = { lower: Float64Array.of(0.6, -0.2, -0.2, 0.45, -0.5), upper: Float64Array.of(0.679857769, 0.2, 0.2, 0.5, -0.45) };
  const samples = samplesOf(net, query, box, 'argmin', 256);
  assert.ok(samples.count > 100, `${samples.count} safe samples`);
  assert.equal(decisionChanges(net, samples, 'argmin'), 0);
  const candidates: Network[] = [
    clampNetwork(net, [{ layer: 5, neuron: 3, value: 2 }]),
    clampNetwork(clampNetwork(net, [{ layer: 5, neuron: 3, value: 2 }]), [{ layer: 5, neuron: 9, value: 4 }]),
    clampNetwork(net, [{ layer: 1, neuron: 0, value: 3 }, { layer: 4, neuron: 20, value: 1 }]),
    other,
  ];
  const counts = candidates.map((c) => decisionChanges(c, samples, 'argmin'));
  candidates.forEach((c, k) => assert.equal(counts[k], fullCount(c, samples), `candidate ${k}`));
  assert.ok(counts.some((c) => c > 0), `some candidate changes decisions: ${counts}`);
});

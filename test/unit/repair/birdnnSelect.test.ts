/**
 * BIRDNN fine-tuning restricted to chosen neurons (the `select` option, the panel's "Fine-tune these neurons"): on
 * ACAS Xu N2,9 / prop 8, only the chosen neurons' outgoing weights change (a hidden neuron's column in the next layer,
 * an output neuron's row and bias), each by one factor, as the method folds them; a bad list is a clear InputError.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InputError } from '../../../src/core/errors';
import type { Network } from '../../../src/core/network/network';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import { formatNeuronList, parseNeuronList } from '../../../src/core/repair/birdnn/neuronList';
import { birdnnFineTune } from '../../../src/core/repair/methods/birdnnFineTune';
import type { RepairTask } from '../../../src/core/repair/types';
import { acasDomain, acasNet, dataPath, loadNetwork } from '../../helpers';

const net = loadNetwork(acasNet(2, 9));
const task = (select: string): RepairTask => ({
  model: net, query: parseVnnlib(readFileSync(dataPath('acasxu', 'prop_8.vnnlib'), 'utf8'), 'prop_8.vnnlib'),
  repairSet: [], keepSet: [], domain: acasDomain(), decision: 'argmin',
  options: { select, negatives: 400, particles: 6, iterations: 8 }, timeoutSec: 60,
});

test('the neuron list: separators, repeats dropped, every entry checked against the network', () => {
  const sizes = net.layers.map((l) => l.outSize);
  assert.deepEqual(parseNeuronList(' 0:3;5:49+ 6:4 0:3 ', sizes), [{ layer: 0, neuron: 3 }, { layer: 5, neuron: 49 }, { layer: 6, neuron: 4 }]);
  assert.equal(formatNeuronList(parseNeuronList('1:2;0:7', sizes)), '1:2;0:7');
  const refused = (text: string, message: RegExp) => assert.throws(() => parseNeuronList(text, sizes), (e: unknown) => e instanceof InputError && message.test(e.message));
  refused('7:0', /no layer 7; its layers are 0 to 6 \(the last is the output layer\)/);
  refused('0:50', /layer 0 has 50 neurons \(0 to 49\)/);
  refused('6:5', /layer 6 has 5 neurons/);
  refused('0-3', /'0-3' is not layer:neuron/);
  refused('0:-1', /is not layer:neuron/);
  refused(' ; ', /no neuron given/);
});

test('a run restricted to chosen neurons changes exactly their outgoing weights, each by one factor', async () => {
  const chosen = [{ layer: 0, neuron: 7 }, { layer: 3, neuron: 21 }, { layer: 6, neuron: 2 }];
  const outcome = await birdnnFineTune.run(task(formatNeuronList(chosen)));
  const repaired = outcome.model as Network;
  assert.equal(outcome.stats.neurons, 3);
  assert.match(outcome.log.join('\n'), /tuning the 3 selected neurons \S+:7, \S+:21, \S+:2/);
  const last = net.layers.length - 1;
  // Which entries each chosen neuron owns: its column in the next layer's weights, or (output) its row and bias.
  const owned = (k: number, kind: 'weights' | 'bias', index: number) => chosen.find((c) => (c.layer === last
    ? k === last && (kind === 'bias' ? index === c.neuron : Math.floor(index / net.layers[last].inSize) === c.neuron)
    : kind === 'weights' && k === c.layer + 1 && index % net.layers[k].inSize === c.neuron));
  const ratios = new Map(chosen.map((c) => [c, new Set<string>()]));
  net.layers.forEach((layer, k) => {
    for (const kind of ['weights', 'bias'] as const) {
      const before = layer[kind];
      const after = repaired.layers[k][kind];
      for (let i = 0; i < before.length; i++) {
        const owner = owned(k, kind, i);
        if (!owner) assert.equal(after[i], before[i], `${layer.name} ${kind}[${i}] belongs to no chosen neuron and changed`);
        else if (before[i] !== 0) ratios.get(owner)!.add((after[i] / before[i]).toPrecision(9));
      }
    }
  });
  for (const [c, seen] of ratios) {
    assert.equal(seen.size, 1, `neuron ${c.layer}:${c.neuron} is scaled by one factor: ${[...seen].join(', ')}`);
    const factor = Number([...seen][0]);
    assert.ok(factor >= 0 && factor <= 2, `factor ${factor} in [0, 2]`);
  }
  assert.ok([...ratios.values()].some((s) => Number([...s][0]) !== 1), 'the search moved at least one factor');
});

test('a bad selection is refused before any search, naming the entry', async () => {
  await assert.rejects(birdnnFineTune.run(task('0:3;2:80')), (e: unknown) => e instanceof InputError && /select: 2:80: layer 2 has 50 neurons/.test(e.message));
});

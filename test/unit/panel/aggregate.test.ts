/** The heatmap's aggregate mode on a real-size map: 256-neuron layers become 32 groups of 8, narrow ones stay. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { aggregate, cellOf, groupNeurons, hasWideLayers } from '../../../webview/aggregate';
import { isResponsibility } from '../../../webview/protocol';
import { acasResponsibility } from '../../panelFixtures';
import type { Responsibility } from '../../../src/core/localize/types';

const acas = acasResponsibility(400);
// Two of ACAS Xu's 50-neuron layers side by side make a 100-neuron layer: wide enough to be grouped.
const wide: Responsibility = {
  ...acas,
  layers: [acas.layers[0], { ...acas.layers[1], ...Object.fromEntries((['scores', 'perLayer', 'global', 'activeViolating', 'activeSafe', 'meanViolating', 'meanSafe'] as const)
    .map((k) => [k, [...acas.layers[1][k], ...acas.layers[2][k]]])) }],
  top: acas.top.filter((t) => t.layer < 2),
};

test('groups of 8 on layers wider than 64: each cell the largest score of its group, the rest untouched, still a valid map', () => {
  assert.equal(hasWideLayers(acas), false);
  assert.equal(hasWideLayers(wide), true);
  const a = aggregate(wide);
  assert.deepEqual(a.groupSize, [1, 8]);
  assert.ok(isResponsibility(JSON.parse(JSON.stringify(a.responsibility))));
  assert.deepEqual(a.responsibility.layers[0].scores, wide.layers[0].scores);
  const grouped = a.responsibility.layers[1];
  assert.equal(grouped.scores.length, 13, '100 neurons: 12 groups of 8 and one of 4');
  for (let c = 0; c < 13; c++) {
    const members = wide.layers[1].scores.slice(c * 8, c * 8 + 8);
    assert.equal(grouped.scores[c], Math.max(...members));
    const { first, last, best } = groupNeurons(a, wide, { layer: 1, neuron: c });
    assert.deepEqual([first, last], [c * 8, Math.min(99, c * 8 + 7)]);
    assert.equal(wide.layers[1].scores[best], grouped.scores[c]);
  }
  // Every top neuron's group is in the grouped top list, once.
  const cells = wide.top.map((t) => cellOf(a, t));
  const keys = new Set(cells.map((c) => `${c.layer}:${c.neuron}`));
  assert.equal(a.responsibility.top.length, keys.size);
  assert.deepEqual(new Set(a.responsibility.top.map((t) => `${t.layer}:${t.neuron}`)), keys);
});

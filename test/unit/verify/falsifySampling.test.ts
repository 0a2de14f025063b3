/**
 * The falsifier's sampling deadline (the search's heavy attacks stop sampling halfway through their budget): the
 * samples are drawn in chunks and the deadline is heard between them, at least one chunk is always drawn, and without
 * a deadline every sample is drawn.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseVnnlib } from '../../../src/core/property/vnnlib';
import { forward } from '../../../src/core/network/forward';
import { violationMargin } from '../../../src/core/query/normalForm';
import { minimizeMargin, seededRandom } from '../../../src/core/verify/falsify';
import { acasNet, dataPath, loadNetwork } from '../../helpers';

const net = loadNetwork(acasNet(3, 3));
const query = parseVnnlib(readFileSync(dataPath('acasxu', 'prop_2.vnnlib'), 'utf8'), 'prop_2');
const box = { lower: query.region[0].lower, upper: query.region[0].upper };
const corners = 1 << box.lower.length;
const run = (samplingDeadline?: number) => minimizeMargin(net, query, box, {
  samples: 5000, starts: 1, steps: 0, deadline: Date.now() + 60_000, samplingDeadline, random: seededRandom(5),
})!;

test('a sampling deadline already past still draws one chunk of samples and the corners', () => {
  const cut = run(0);
  // One chunk, the corners, and the start's final evaluation.
  assert.equal(cut.evaluations, 1024 + corners + 1);
  assert.ok(Math.abs(violationMargin(query.violation, forward(net, cut.input)) - cut.margin) < 1e-12);
});

test('without a sampling deadline, or with one far off, every sample is drawn', () => {
  const all = run();
  assert.equal(all.evaluations, 5000 + corners + 1);
  const late = run(Date.now() + 60_000);
  assert.equal(late.evaluations, all.evaluations);
  assert.equal(late.margin, all.margin);
  assert.deepEqual(late.input, all.input);
  assert.ok(all.margin <= run(0).margin, 'more samples start no worse');
});

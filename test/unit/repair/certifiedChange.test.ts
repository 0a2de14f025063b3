/**
 * The certified bound on |repaired(x) - original(x)| over the whole domain: never below a sampled change, zero when
 * nothing was added, and close to the truth for a patch network (the original's nodes cancel in the difference graph).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { initLp } from '../../../src/core/lp';
import type { Network } from '../../../src/core/network/network';
import { isGraph, type Model } from '../../../src/core/network/model';
import { forwardModel } from '../../../src/core/network/forward';
import { exportOnnx } from '../../../src/core/onnx/export';
import { loadOnnxModel } from '../../../src/core/onnx/import';
import { reassure } from '../../../src/core/repair/methods/reassure';
import { certifiedMaxChange, differenceGraph } from '../../../src/core/repair/certifiedChange';
import { toGraph } from '../../../src/core/network/graph';
import { atMostTwo, paperExample, unitSquare } from '../../helpers';

function sampledMaxChange(a: Model, b: Model): number {
  let worst = 0;
  for (let i = 0; i <= 100; i++) {
    for (let j = 0; j <= 100; j++) {
      const x = Float64Array.of(i / 100, j / 100);
      worst = Math.max(worst, Math.abs(forwardModel(a, x)[0] - forwardModel(b, x)[0]));
    }
  }
  return worst;
}

test('a box-patched model read back from ONNX: the bound is above every sampled change and below the most that four overlapping box supports can add', async () => {
  await initLp();
  const outcome = await reassure.run({
    model: paperExample, query: atMostTwo, repairSet: [], keepSet: [], domain: unitSquare, decision: 'argmax', options: { area: 'box', maxBoxes: 16 }, timeoutSec: 30,
  });
  const reread = loadOnnxModel(exportOnnx(outcome.model));
  const sampled = sampledMaxChange(paperExample, reread);
  const bound = certifiedMaxChange(paperExample, reread, unitSquare)!;
  assert.ok(sampled > 0.9, `the repair lowers y by about 1 at (1, 1): ${sampled}`);
  // In 2-D at most four boxes' supports meet at a point (the supports reach 2e-4 beyond boxes far wider), each adding
  // at most its step x 1.05 / 1.025 along the direction (|v| = 1).
  const most = 4 * outcome.stats.largestStep * (1.05 / 1.025);
  assert.ok(bound >= sampled - 1e-9 && bound <= most, `bound ${bound}, sampled ${sampled}, at most ${most}`);
  // A graph too wide to lower to dense layers (a patch of many regions on MNIST or HCAS) gets the interval bound alone:
  // still above every sampled change, and no tighter than with CROWN.
  const intervalOnly = certifiedMaxChange(paperExample, reread, unitSquare, 256, 5, 0)!;
  assert.ok(intervalOnly >= bound - 1e-9 && intervalOnly >= sampled - 1e-9, `interval bound ${intervalOnly}, with CROWN ${bound}`);
  // On the method's model the original's nodes collapse to one copy: the difference reads the patch branch only (the
  // importer folds the linear output node into the patch's, where CROWN's back-substitution cancels it instead).
  const g = differenceGraph(toGraph(paperExample), isGraph(outcome.model) ? outcome.model : toGraph(outcome.model as Network))!;
  const difference = g.nodes[g.nodes.length - 1];
  assert.ok(difference.sources.every((s) => s.from !== paperExample.layers.length - 1), 'the original output cancels');
});

test('an unchanged model is certified unchanged; a retrained one (no shared nodes) still gets a sound bound', () => {
  assert.equal(certifiedMaxChange(paperExample, paperExample, unitSquare), 0);
  const shifted: Network = { ...paperExample, layers: [paperExample.layers[0], { ...paperExample.layers[1], bias: Float64Array.of(-0.25), weights: Float64Array.of(1.1, 0.9) }] };
  const bound = certifiedMaxChange(paperExample, shifted, unitSquare)!;
  assert.ok(bound >= sampledMaxChange(paperExample, shifted) - 1e-9, `bound ${bound}`);
});

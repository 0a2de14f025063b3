/**
 * BIRDNN's two methods on real violations: ACAS Xu N2,9/prop 8 and N1,9/prop 7. The output has fewer violations on
 * fresh samples than the input, keeps decisions elsewhere, and the input network is never written into. Through the
 * driver, a repair that fixes its samples but that the verifier refutes is "not repaired".
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { forward } from '../../src/core/network/forward';
import type { Network } from '../../src/core/network/network';
import { parseVnnlib } from '../../src/core/property/vnnlib';
import { violationMargin, type Query } from '../../src/core/query/normalForm';
import { collectSamples } from '../../src/core/localize/samples';
import { sampleBox } from '../../src/core/localize/sampling';
import { decisions } from '../../src/core/repair/birdnn/data';
import { birdnnFineTune } from '../../src/core/repair/methods/birdnnFineTune';
import { birdnnRetrain } from '../../src/core/repair/methods/birdnnRetrain';
import { runRepair } from '../../src/core/repair/driver';
import { OrtModel } from '../../src/core/onnx/ort';
import type { RepairMethod, RepairTask } from '../../src/core/repair/types';
import { seededRandom } from '../../src/core/verify/falsify';
import { acasDomain, acasNet, dataPath, loadNetwork } from '../helpers';

const query = (p: number): Query => parseVnnlib(readFileSync(dataPath('acasxu', `prop_${p}.vnnlib`), 'utf8'), `prop_${p}.vnnlib`);

/** Violations among fresh samples drawn the way the methods draw them, with another seed (the original's violations grown). */
async function freshSamples(net: Network, q: Query) {
  const set = await collectSamples(net, q, { samples: 3000, violatingTarget: 1000, random: seededRandom(777) });
  return set.inputs;
}

const violations = (net: Network, q: Query, x: Float64Array) => {
  const y = forward(net, x, x.length / 5);
  let count = 0;
  for (let r = 0; r < x.length / 5; r++) if (violationMargin(q.violation, y.subarray(r * 5, (r + 1) * 5)) <= 0) count++;
  return count;
};

/**
 * `generalises`: the fresh samples' violations drop too. Retraining N1,9 for prop 7 fixes its own negatives but not
 * fresh ones (measured 1295 -> 1364): the violations sit in separate pockets and imitation moves only the pockets it
 * was shown. That case asserts what it does achieve; the benchmark reports the rest.
 */
const cases: { method: RepairMethod; net: [number, number]; prop: number; options: RepairTask['options']; generalises: boolean }[] = [
  { method: birdnnFineTune, net: [2, 9], prop: 8, options: { negatives: 2000, particles: 10, iterations: 30 }, generalises: true },
  { method: birdnnFineTune, net: [1, 9], prop: 7, options: { negatives: 2000, particles: 10, iterations: 30 }, generalises: true },
  { method: birdnnRetrain, net: [2, 9], prop: 8, options: { samples: 4000 }, generalises: true },
  { method: birdnnRetrain, net: [1, 9], prop: 7, options: {}, generalises: false },
];

for (const { method, net: [i, j], prop, options, generalises } of cases) {
  test(`${method.id} on N${i},${j}/prop ${prop}: far fewer sampled violations, decisions kept elsewhere, input untouched`, async () => {
    const net = loadNetwork(acasNet(i, j));
    const copies = net.layers.map((l) => Float64Array.from(l.weights));
    const q = query(prop);
    const task: RepairTask = { model: net, query: q, repairSet: [], keepSet: [], domain: acasDomain(), decision: 'argmin', options, timeoutSec: 120 };
    const outcome = await method.run(task);
    const repaired = outcome.model as Network;
    net.layers.forEach((l, k) => assert.deepEqual(l.weights, copies[k]));
    assert.notEqual(repaired, net);

    if (generalises) {
      const fresh = await freshSamples(net, q);
      const before = violations(net, q, fresh);
      const after = violations(repaired, q, fresh);
      assert.ok(before >= 500, `the fresh samples hold violations of the original (${before})`);
      assert.ok(after <= before * 0.05, `violations ${before} -> ${after}; log: ${outcome.log.join(' | ')}`);
    } else {
      assert.ok(outcome.stats.negativesFixed >= 0.9, outcome.log.join(' | '));
    }

    const domain = sampleBox(task.domain.lower, task.domain.upper, 5000, seededRandom(99));
    const d0 = decisions(forward(net, domain, 5000), 5000, 5, 'argmin');
    const d1 = decisions(forward(repaired, domain, 5000), 5000, 5, 'argmin');
    const changed = d0.reduce((c, d, r) => c + (d !== d1[r] ? 1 : 0), 0);
    assert.ok(changed / 5000 < 0.01, `${changed} of 5000 whole-domain decisions changed`);
  });
}

// Retraining N1,9 fixes the pocket of violations it was shown and leaves the others (see the cases above): the verifier
// finds one in seconds on a quiet machine; the limit is for a loaded one.
test('birdnn-rt through the driver on N1,9/prop 7: its own negatives fixed, yet "not repaired" with a counterexample that ONNX Runtime confirms on the written file', async () => {
  const net = loadNetwork(acasNet(1, 9));
  const q = query(7);
  const { report, bytes } = await runRepair({
    modelPath: acasNet(1, 9), model: net, method: birdnnRetrain, target: { name: 'prop 7', query: q }, others: [], repairSet: [], keepSet: [],
    domain: acasDomain(), decision: 'argmin', options: {}, timeoutSec: 120, verifyTimeoutSec: 300, threads: 2, fidelitySamples: 2000,
  });
  const fixed = Number(report.log.join(' ').match(/([\d.]+)% of the negatives fixed/)?.[1]);
  assert.ok(fixed >= 90, report.log.join(' | '));
  assert.equal(report.verdict.status, 'not-repaired', report.verdict.detail);
  assert.ok(report.verdict.status === 'not-repaired' && report.verdict.counterexample);
  const input = report.verdict.counterexample.input;
  const [y] = await (await OrtModel.load(bytes!, [1, 5])).run([input]);
  assert.ok(violationMargin(q.violation, Float64Array.from(y)) <= 0, `ONNX Runtime's outputs ${Array.from(y)} violate prop 7`);
});

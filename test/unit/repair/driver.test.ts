/** The driver judges what a method returns, never the method: a wrong method is "not repaired", a regression is found. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Query } from '../../../src/core/query/normalForm';
import { runRepair } from '../../../src/core/repair/driver';
import { reassure } from '../../../src/core/repair/methods/reassure';
import type { RepairMethod } from '../../../src/core/repair/types';
import { repairMethod } from '../../../src/core/repair/registry';
import { parameterCount } from '../../../src/core/repair/size';
import { gatedAddedParameters, gatedModel } from '../../../src/core/network/gated';
import { isGated } from '../../../src/core/network/model';
import { loadOnnxModel } from '../../../src/core/onnx/import';
import { verify } from '../../../src/core/verify';
import { atMostTwo, notFirst, paperExample, smallNet, unitSquare } from '../../helpers';

const example = paperExample;
const square = unitSquare;
const atLeastMinusOne: Query = { name: 'y >= -1', region: [{ ...square, rows: [] }], violation: [[{ coeffs: Float64Array.of(1), rhs: -1 }]] };

/** A method that claims success without changing anything, and one that "fixes" y <= 2 by shifting y down by 10. */
const claimsSuccess: RepairMethod = { ...reassure, id: 'reassure', name: 'does nothing', options: [], run: async (t) => ({ model: t.model, log: ['repaired!'], stats: {} }) };
const shiftsDown: RepairMethod = {
  ...claimsSuccess, name: 'shifts down',
  run: async () => ({ model: { ...example, layers: [example.layers[0], { ...example.layers[1], bias: Float64Array.of(-10) }] }, log: [], stats: {} }),
};

const request = (method: RepairMethod, extra: object = {}) => ({
  modelPath: 'example.onnx', model: example, method, target: { name: atMostTwo.name, query: atMostTwo },
  others: [{ name: atLeastMinusOne.name, query: atLeastMinusOne }], repairSet: [], keepSet: [], domain: square,
  decision: 'argmax' as const, options: {}, timeoutSec: 20, verifyTimeoutSec: 20, fidelitySamples: 2000, ...extra,
});

test('a method that claims success without repairing gets "not repaired" with a counterexample of the written model', async () => {
  const { report } = await runRepair(request(claimsSuccess));
  assert.equal(report.verdict.status, 'not-repaired');
  assert.ok(report.verdict.status === 'not-repaired' && report.verdict.counterexample);
  assert.deepEqual(report.regressions, []);
  assert.deepEqual(report.recheckedProperties, ['y >= -1']);
  assert.equal(report.size.changed, 0);
  assert.equal(report.fidelity?.maxOutputChange, 0);
});

test('repair points are judged by ONNX Runtime on the written file', async () => {
  const points = [{ input: Float64Array.of(0.9, 0.9), violation: atMostTwo.violation }, { input: Float64Array.of(0.1, 0.1), violation: atMostTwo.violation }];
  const { report } = await runRepair(request(claimsSuccess, { target: undefined, repairSet: points }));
  assert.deepEqual(report.repairPoints, { fixed: 1, total: 2, unfixed: [0] });
  assert.equal(report.verdict.status, 'not-repaired');
});

test('a repair that breaks another property of the file is reported as a regression', async () => {
  const { report } = await runRepair(request(shiftsDown));
  assert.equal(report.verdict.status, 'repaired');
  assert.equal(report.regressions.length, 1);
  assert.equal(report.regressions[0].property, 'y >= -1');
  assert.equal(report.regressions[0].after, 'violated');
  assert.equal(report.size.changed, 1, 'only the output bias changed');
  assert.ok(Math.abs(report.fidelity!.maxOutputChange - 10) < 1e-5);
});

test('REASSURE through the driver: proved on the written model, nothing else broken, fidelity measured', async () => {
  const { report, bytes } = await runRepair(request(reassure));
  assert.equal(report.verdict.status, 'repaired', report.verdict.detail);
  assert.deepEqual(report.regressions, []);
  assert.ok(bytes && bytes.length > 0);
  assert.ok(report.size.added > 0 && report.size.changed === 0, JSON.stringify(report.size));
  assert.ok(report.fidelity!.domain.agreement === 1);
});

test('nRepair through the driver: the written file is a gated model, proved, its repair points right under ONNX Runtime', async () => {
  const net = smallNet(11);
  const found = await verify(net, notFirst, { timeoutSec: 10 });
  assert.equal(found.status, 'violated');
  const point = { input: found.status === 'violated' ? found.counterexample.input : new Float64Array(2), violation: notFirst.violation };
  const { report, bytes } = await runRepair({
    modelPath: 'small.onnx', model: net, method: repairMethod('nrepair'), target: { name: notFirst.name, query: notFirst },
    others: [], repairSet: [point], keepSet: [], domain: { lower: notFirst.region[0].lower, upper: notFirst.region[0].upper },
    decision: 'argmax', options: { depth: 4, maxDepth: 10 }, timeoutSec: 60, verifyTimeoutSec: 60, fidelitySamples: 2000,
  });
  assert.equal(report.verdict.status, 'repaired', `${report.verdict.detail}\n${report.log.join('\n')}`);
  assert.deepEqual(report.repairPoints, { fixed: 1, total: 1, unfixed: [] });
  const written = loadOnnxModel(bytes!, 'repaired.onnx');
  assert.ok(isGated(written) && written.pieces.length > 0);
  assert.equal(report.size.paramsBefore, parameterCount(net));
  assert.equal(report.size.added, gatedAddedParameters(written), 'the clamp tables, nothing else');
  assert.equal(report.size.changed, 0, 'the base network keeps its weights');
  // The region is where the repair changes decisions; outside it the gated model is the original.
  assert.ok(report.fidelity!.domain.agreement > 0.5 && report.fidelity!.domain.agreement < 1, JSON.stringify(report.fidelity));
});

test('a gated model with a flagged piece is "not repaired" even where the written file verifies: the alarm fires there', async () => {
  const shifted = { ...example, layers: [example.layers[0], { ...example.layers[1], bias: Float64Array.of(-10) }] };
  const flagged = gatedModel(shifted, [{ lower: Float64Array.of(0, 0), upper: Float64Array.of(0.5, 0.5), clamps: [], unrepaired: true }]);
  const flagsPiece: RepairMethod = { ...claimsSuccess, name: 'flags a piece', run: async () => ({ model: flagged, log: [], stats: {} }) };
  const { report } = await runRepair(request(flagsPiece));
  assert.equal(report.verdict.status, 'not-repaired');
  assert.match(report.verdict.detail, /1 piece\(s\) of the written model are flagged unrepaired.*the property is proved on the written model/);
  // The same model without the flag is repaired.
  const clean: RepairMethod = { ...flagsPiece, run: async () => ({ model: gatedModel(shifted, [{ ...flagged.pieces[0], unrepaired: false }]), log: [], stats: {} }) };
  assert.equal((await runRepair(request(clean))).report.verdict.status, 'repaired');
});

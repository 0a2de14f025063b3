import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RENDERED_TEXT_LIMIT, isHostMessage, isPanelMessage, isPanelState, isRepairReport, isResponsibility, neuronsExist, type View } from '../../../webview/protocol';
import { acasReports, acasResponsibility } from '../../panelFixtures';

/** What crosses the webview boundary is JSON: validate what would arrive, not the in-memory object. */
const wire = <T>(v: T): unknown => JSON.parse(JSON.stringify(v));

const responsibility = acasResponsibility(400);
const reports = acasReports();

test('the fixtures pass the validators after a trip through JSON', () => {
  assert.ok(isResponsibility(wire(responsibility)));
  for (const r of reports) assert.ok(isRepairReport(wire(r)), r.method);
  const views: View[] = [
    { kind: 'empty' },
    { kind: 'responsibility', docUri: 'file:///a.prop', responsibility },
    { kind: 'review', reviewId: 'r1', report: reports[0], status: { state: 'pending' } },
    { kind: 'review', reviewId: 'r1', report: reports[0], status: { state: 'accepted', path: '/m.repaired.onnx', backup: '/m.backup.onnx' } },
    { kind: 'compare', property: 'phi2', reports, reviewIds: ['a', null, 'c'] },
  ];
  for (const view of views) {
    assert.ok(isHostMessage(wire({ type: 'show', view })), view.kind);
    assert.ok(isPanelState(wire({ view, heatmap: { scale: 'global', zoom: 1.5 } })), view.kind);
  }
});

test('a responsibility with a NaN score (null in JSON), ragged arrays or a top neuron out of range is refused', () => {
  const layer0 = responsibility.layers[0];
  const withLayer = (patch: object) => ({ ...responsibility, layers: [{ ...layer0, ...patch }, ...responsibility.layers.slice(1)] });
  assert.equal(isResponsibility(wire(withLayer({ scores: [NaN, ...layer0.scores.slice(1)] }))), false);
  assert.equal(isResponsibility(wire(withLayer({ activeSafe: layer0.activeSafe.slice(1) }))), false);
  assert.equal(isResponsibility(wire(withLayer({ perLayer: [1.5, ...layer0.perLayer.slice(1)] }))), false);
  assert.equal(isResponsibility(wire({ ...responsibility, top: [{ layer: 0, neuron: layer0.scores.length, score: 1 }] })), false);
  assert.equal(isResponsibility(wire({ ...responsibility, method: 'guess' })), false);
});

test('a responsibility says what the verifier answered when no sample violated: a known verdict and finite times', () => {
  for (const verdict of ['violated', 'holds', 'unknown']) assert.ok(isResponsibility(wire({ ...responsibility, search: { verdict, timeSec: 0.4, limitSec: 5 } })), verdict);
  assert.equal(isResponsibility(wire({ ...responsibility, search: { verdict: 'maybe', timeSec: 0.4, limitSec: 5 } })), false);
  assert.equal(isResponsibility(wire({ ...responsibility, search: { verdict: 'holds', timeSec: NaN, limitSec: 5 } })), false);
  assert.equal(isResponsibility(wire({ ...responsibility, search: { verdict: 'holds', timeSec: 0.4 } })), false);
});

test('a report with a wrong verdict, a negative count or a non-numeric stat is refused; extra fields are allowed', () => {
  const r = reports[0];
  assert.equal(isRepairReport(wire({ ...r, verdict: { status: 'fixed', detail: '' } })), false);
  assert.equal(isRepairReport(wire({ ...r, size: { ...r.size, added: -1 } })), false);
  assert.equal(isRepairReport(wire({ ...r, stats: { regions: 'many' } })), false);
  assert.equal(isRepairReport(wire({ ...r, regressions: [{ property: 'phi4', after: 'holds', detail: '' }] })), false);
  assert.equal(isRepairReport(wire({ ...r, log: undefined })), false);
  assert.ok(isRepairReport(wire({ ...r, newField: 1 })));
});

test('panel messages: each kind with its fields, nothing else', () => {
  const ok = [
    { type: 'ready' },
    { type: 'accept', reviewId: 'r', overwrite: false },
    { type: 'reject', reviewId: 'r' },
    { type: 'openReview', reviewId: 'r' },
    { type: 'fineTune', docUri: 'file:///a.prop', property: 'phi2', neurons: [{ layer: 1, neuron: 3 }] },
    { type: 'invalid', detail: 'x' },
    { type: 'rendered', view: 'responsibility', layers: 6, cells: 300 },
    { type: 'rendered', view: 'empty' },
    { type: 'rendered', view: 'review', text: 'REASSURE repair of phi1\nRepaired: the property holds on the written model' },
    { type: 'repair', docUri: 'file:///a.prop', property: 'phi3' },
  ];
  for (const m of ok) assert.ok(isPanelMessage(m), m.type);
  const bad = [
    null, 'ready', { type: 'unknown' },
    { type: 'accept', reviewId: 'r' },
    { type: 'rendered', view: 'chart' },
    { type: 'repair', docUri: 'file:///a.prop' },
    { type: 'rendered', view: 'responsibility', cells: -1 },
    { type: 'rendered', view: 'review', text: 42 },
    { type: 'rendered', view: 'review', text: 'x'.repeat(RENDERED_TEXT_LIMIT + 1) },
    { type: 'accept', reviewId: 7, overwrite: true },
    { type: 'fineTune', docUri: 'file:///a.prop', property: 'phi2', neurons: [] },
    { type: 'fineTune', docUri: 'file:///a.prop', property: 'phi2', neurons: [{ layer: -1, neuron: 0 }] },
    { type: 'fineTune', docUri: 'file:///a.prop', property: 'phi2', neurons: [{ layer: 0.5, neuron: 0 }] },
  ];
  for (const m of bad) assert.equal(isPanelMessage(m), false, JSON.stringify(m));
});

test('host messages and restored state: unknown views, bad statuses and mismatched comparison rows are refused', () => {
  assert.equal(isHostMessage({ type: 'show', view: { kind: 'chart' } }), false);
  assert.equal(isHostMessage({ type: 'show', view: { kind: 'review', reviewId: 'r', report: reports[0], status: { state: 'accepted' } } }), false);
  assert.equal(isHostMessage({ type: 'show', view: { kind: 'compare', reports, reviewIds: ['a'] } }), false);
  assert.equal(isHostMessage({ type: 'busy', message: 3 }), false);
  assert.ok(isHostMessage({ type: 'busy' }));
  assert.equal(isPanelState({ view: { kind: 'empty' }, heatmap: { scale: 'log', zoom: 1 } }), false);
  assert.equal(isPanelState(undefined), false);
});

test('a fine-tune request names only neurons of the heatmap shown (the host checks before it starts anything)', () => {
  const sizes = responsibility.layers.map((l) => l.scores.length);
  const last = sizes.length - 1;
  assert.ok(neuronsExist(responsibility, [{ layer: 0, neuron: 0 }, { layer: last, neuron: sizes[last] - 1 }]));
  assert.equal(neuronsExist(responsibility, [{ layer: 0, neuron: sizes[0] }]), false);
  // The output layer is not on the map: the panel shows hidden layers only.
  assert.equal(neuronsExist(responsibility, [{ layer: sizes.length, neuron: 0 }]), false);
});

test('a graph node\'s sources are names; the heatmap\'s aggregate setting is a boolean', () => {
  const layer0 = responsibility.layers[0];
  const withLayer = (patch: object) => ({ ...responsibility, layers: [{ ...layer0, ...patch }, ...responsibility.layers.slice(1)] });
  assert.ok(isResponsibility(wire(withLayer({ sources: ['input'] }))));
  assert.ok(isResponsibility(wire(withLayer({ sources: ['relu_3', 'relu_5'] }))));
  assert.equal(isResponsibility(wire(withLayer({ sources: [3] }))), false);
  assert.equal(isResponsibility(wire(withLayer({ sources: 'input' }))), false);
  const view: View = { kind: 'responsibility', docUri: 'file:///a.prop', responsibility };
  assert.ok(isPanelState(wire({ view, heatmap: { scale: 'layer', zoom: 1, aggregate: true } })));
  assert.equal(isPanelState(wire({ view, heatmap: { scale: 'layer', zoom: 1, aggregate: 'yes' } })), false);
});

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Memento } from 'vscode';
import { Reviews } from '../../../src/extension/panel/reviews';
import { acasReports } from '../../panelFixtures';

/** The workspace state as VS Code keeps it: values go through JSON. */
function memento(): Memento {
  const store = new Map<string, string>();
  return {
    keys: () => [...store.keys()],
    get: <T>(key: string, fallback?: T) => (store.has(key) ? JSON.parse(store.get(key)!) : fallback),
    update: async (key: string, value: unknown) => { store.set(key, JSON.stringify(value)); },
  } as Memento;
}

const report = acasReports()[0];

test('a review keeps a copy of the candidate until it is accepted or rejected', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'netmend-reviews-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const reviews = new Reviews(memento(), path.join(dir, 'store'));
  const source = path.join(dir, 'candidate.onnx');
  writeFileSync(source, 'onnx bytes');
  const fromFile = await reviews.add(report, source, 'file:///w/a.prop');
  const fromBytes = await reviews.add(report, new TextEncoder().encode('other bytes'));
  assert.equal(readFileSync(reviews.candidate(fromFile), 'utf8'), 'onnx bytes');
  assert.equal(readFileSync(reviews.candidate(fromBytes), 'utf8'), 'other bytes');
  assert.deepEqual(reviews.get(fromFile)?.status, { state: 'pending' });
  assert.equal(reviews.get(fromFile)?.modelPath, report.model);
  assert.equal(reviews.get(fromFile)?.docUri, 'file:///w/a.prop');
  await reviews.settle(fromFile, { state: 'accepted', path: '/w/m.repaired.onnx' });
  assert.deepEqual(reviews.get(fromFile)?.status, { state: 'accepted', path: '/w/m.repaired.onnx' });
  assert.equal(existsSync(reviews.candidate(fromFile)), false);
  await reviews.settle(fromBytes, { state: 'failed', message: 'disk full' });
  assert.ok(existsSync(reviews.candidate(fromBytes)), 'a failed accept can be retried');
});

test('ids that are not ours name nothing (a tampered page state cannot reach other files); only the last 20 are kept', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'netmend-reviews-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const reviews = new Reviews(memento(), dir);
  assert.equal(reviews.get('../../etc/passwd'), undefined);
  assert.throws(() => reviews.candidate('../x'), /not a review id/);
  const ids: string[] = [];
  for (let i = 0; i < 22; i++) ids.push(await reviews.add(report, new Uint8Array([i + 1])));
  assert.equal(reviews.get(ids[0]), undefined);
  assert.equal(reviews.get(ids[1]), undefined);
  assert.ok(reviews.get(ids[2]) && reviews.get(ids[21]));
  assert.equal(readdirSync(dir).length, 20);
});

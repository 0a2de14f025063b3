import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MessageQueue } from '../../../src/extension/panel/messageQueue';
import type { HostMessage } from '../../../webview/protocol';

const show = (n: number): HostMessage => ({ type: 'show', view: { kind: 'review', reviewId: `r${n}`, report: undefined as never, status: { state: 'pending' } } });
const ids = (sent: HostMessage[]) => sent.map((m) => (m.type === 'show' && m.view.kind === 'review' ? m.view.reviewId : `busy:${m.type === 'busy' ? m.message ?? '-' : ''}`));

test('nothing is sent before ready; then the latest of each type, in posting order', () => {
  const sent: HostMessage[] = [];
  const queue = new MessageQueue((m) => sent.push(m));
  queue.post(show(1));
  queue.post({ type: 'busy', message: 'localising' });
  queue.post(show(2));
  assert.deepEqual(sent, []);
  queue.markReady();
  assert.deepEqual(ids(sent), ['busy:localising', 'r2']);
  queue.post({ type: 'busy' });
  assert.deepEqual(ids(sent), ['busy:localising', 'r2', 'busy:-']);
});

test('a reloaded page gets the current view again, and what was posted while it was gone', () => {
  const sent: HostMessage[] = [];
  const queue = new MessageQueue((m) => sent.push(m));
  queue.markReady();
  queue.post(show(1));
  queue.markNotReady();
  queue.markReady();
  assert.deepEqual(ids(sent), ['r1', 'r1']);
  queue.markNotReady();
  queue.post(show(3));
  assert.deepEqual(ids(sent), ['r1', 'r1']);
  queue.markReady();
  assert.deepEqual(ids(sent), ['r1', 'r1', 'r3']);
});

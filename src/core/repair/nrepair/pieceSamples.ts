/**
 * How much a repair changes a piece: seeded uniform samples of the piece where the original satisfies the property,
 * and how many of their decisions (argmax or argmin) a candidate network changes. Fidelity is measured this way too.
 */
import type { Box } from '../../bounds/box';
import { forward } from '../../network/forward';
import type { Network } from '../../network/network';
import { violationMargin, type Query } from '../../query/normalForm';
import { seededRandom } from '../../verify/falsify';
import type { Decision } from '../types';
import { decide } from '../labels';

export interface Samples { readonly xs: Float64Array; readonly count: number; readonly labels: Int32Array }

/** Seeded uniform samples of the piece where the original is safe, with the original's decisions. */
export function samplesOf(net: Network, query: Query, box: Box, decision: Decision, count: number): Samples {
  const n = box.lower.length;
  const m = net.layers[net.layers.length - 1].outSize;
  const random = seededRandom(0xc1a4);
  const all = new Float64Array(count * n);
  for (let k = 0; k < count; k++) for (let i = 0; i < n; i++) all[k * n + i] = box.lower[i] + random() * (box.upper[i] - box.lower[i]);
  const ys = forward(net, all, count);
  const keep: number[] = [];
  for (let k = 0; k < count; k++) if (violationMargin(query.violation, ys.subarray(k * m, (k + 1) * m)) > 0) keep.push(k);
  const xs = new Float64Array(keep.length * n);
  keep.forEach((k, r) => xs.set(all.subarray(k * n, (k + 1) * n), r * n));
  return { xs, count: keep.length, labels: Int32Array.from(keep, (k) => decide(ys, k * m, m, decision)) };
}

export function decisionChanges(net: Network, samples: Samples, decision: Decision): number {
  if (samples.count === 0) return 0;
  const m = net.layers[net.layers.length - 1].outSize;
  const ys = forward(net, samples.xs, samples.count);
  let changes = 0;
  for (let k = 0; k < samples.count; k++) if (decide(ys, k * m, m, decision) !== samples.labels[k]) changes++;
  return changes;
}

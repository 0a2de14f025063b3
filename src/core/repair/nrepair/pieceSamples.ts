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

export interface Samples {
  readonly xs: Float64Array;
  readonly count: number;
  readonly labels: Int32Array;
  /** The network the labels are from, and each of its layers' inputs on the samples (layerInputs[0] is xs). */
  readonly base: Network;
  readonly layerInputs: readonly Float64Array[];
}

/** Seeded uniform samples of the piece where the original is safe, with the original's decisions. */
export function samplesOf(net: Network, query: Query, box: Box, decision: Decision, count: number): Samples {
  const n = box.lower.length;
  const m = net.layers[net.layers.length - 1].outSize;
  const random = seededRandom(0xc1a4);
  const all = new Float64Array(count * n);
  for (let k = 0; k < count; k++) for (let i = 0; i < n; i++) all[k * n + i] = box.lower[i] + random() * (box.upper[i] - box.lower[i]);
  const inputs: Float64Array[] = [all];
  for (const layer of net.layers) inputs.push(forward({ ...net, layers: [layer] }, inputs[inputs.length - 1], count));
  const ys = inputs[inputs.length - 1];
  const keep: number[] = [];
  for (let k = 0; k < count; k++) if (violationMargin(query.violation, ys.subarray(k * m, (k + 1) * m)) > 0) keep.push(k);
  const layerInputs = inputs.slice(0, -1).map((x, l) => {
    const width = l === 0 ? n : net.layers[l - 1].outSize;
    const kept = new Float64Array(keep.length * width);
    keep.forEach((k, r) => kept.set(x.subarray(k * width, (k + 1) * width), r * width));
    return kept;
  });
  return { xs: layerInputs[0], count: keep.length, labels: Int32Array.from(keep, (k) => decide(ys, k * m, m, decision)), base: net, layerInputs };
}

/**
 * How many sampled decisions `net` changes. A repair shares the base's layers up to its first clamped one (clampNetwork
 * copies only the layers it clamps), so the pass starts there from the base's values on the samples.
 */
export function decisionChanges(net: Network, samples: Samples, decision: Decision): number {
  if (samples.count === 0) return 0;
  const m = net.layers[net.layers.length - 1].outSize;
  let first = 0;
  while (first < net.layers.length - 1 && net.layers[first] === samples.base.layers[first]) first++;
  const ys = forward({ ...net, layers: net.layers.slice(first) }, samples.layerInputs[first], samples.count);
  let changes = 0;
  for (let k = 0; k < samples.count; k++) if (decide(ys, k * m, m, decision) !== samples.labels[k]) changes++;
  return changes;
}

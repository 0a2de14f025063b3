/**
 * A decision-keeping shift for a whole region, read from samples instead of bounds. On a large box the linear bounds
 * show hardly any last-hidden-layer neuron inactive (ACAS Xu property 7: none from depth 8 on), although many never
 * fire on any sample of the region; clamped, such a neuron shifts the outputs by exactly c * W_out[:, j] wherever it
 * is in fact inactive. The shift's LP (`jointDecisionKeepingShift`) is asked to lift each chosen row above a target
 * between its sampled minimum and the box's linear lower bound; whether the clamped network holds on the region is
 * then the verifier's to prove, so nothing here is trusted. On 1_9/property 7 one such shift (3 clamps) proves the
 * whole domain, where the partition needed about 225 pieces and did not finish in 45 s.
 */
import type { Box, LayerBounds } from '../../bounds/box';
import { specBounds } from '../../bounds/linearBounds';
import { forward } from '../../network/forward';
import { clampNetwork, type Clamp } from '../../network/gated';
import type { Network } from '../../network/network';
import { BatchForward } from '../../onnx/batchForward';
import { rowSlack, violationMargin, type Query } from '../../query/normalForm';
import { seededRandom } from '../../verify/falsify';
import type { Decision } from '../types';
import { decide } from '../labels';
import { jointDecisionKeepingShift } from './shiftClamps';
import type { Samples } from './pieceSamples';

/**
 * Candidate shifts of the neurons no sample of the box activates, one per `reach` (deduplicated, in the given order):
 * each keeps every decision the safe samples make (as `jointDecisionKeepingShift`) and lifts one row of each violation
 * clause above a target `reach` of the way from the row's sampled minimum down to the box's linear lower bound (0:
 * clear the samples only; 1: clear the bound, which the clamped network's own bounds then mostly prove at once). A
 * larger reach means larger values, which change more decisions wherever a clamped neuron does fire.
 */
export function sampledRegionShifts(
  net: Network, query: Query, box: Box, decision: Decision, alpha: number, count: number, reaches: readonly number[],
): Clamp[][] {
  const n = box.lower.length;
  const h = net.layers.length - 2;
  const out = net.layers[h + 1];
  const m = out.outSize;
  const random = seededRandom(0x5eed);
  const xs = new Float64Array(count * n);
  for (let k = 0; k < count; k++) for (let i = 0; i < n; i++) xs[k * n + i] = box.lower[i] + random() * (box.upper[i] - box.lower[i]);
  const hidden = forward({ ...net, layers: net.layers.slice(0, h + 1) }, xs, count);
  const ys = forward({ ...net, layers: [out] }, hidden, count);
  // A neuron no sample activates stands as inactive (hi < 0) for the LP; only the LP's choice rests on this.
  const hi = new Float64Array(out.inSize).fill(-1);
  for (let k = 0; k < count; k++) for (let j = 0; j < out.inSize; j++) if (hidden[k * out.inSize + j] > 0) hi[j] = 1;
  const preActivation: LayerBounds[] = net.layers.map((l, k) => ({ lo: new Float64Array(l.outSize).fill(-Infinity), hi: k === h ? hi : new Float64Array(l.outSize) }));
  const rows = query.violation.flat();
  const sampledMin = rows.map((row) => {
    let lo = Infinity;
    for (let k = 0; k < count; k++) lo = Math.min(lo, rowSlack(row, ys.subarray(k * m, (k + 1) * m)));
    return lo;
  });
  const bound = specBounds(net, box, rows).lower;
  const kept = new Set<number>();
  for (let k = 0; k < count; k++) if (violationMargin(query.violation, ys.subarray(k * m, (k + 1) * m)) > 0) kept.add(decide(ys, k * m, m, decision));
  const seen = new Set<string>();
  const shifts: Clamp[][] = [];
  for (const reach of reaches) {
    const lower = Float64Array.from(sampledMin, (lo, r) => lo - reach * Math.max(0, lo - bound[r]));
    const clamps = jointDecisionKeepingShift(net, query, [{ preActivation, lower }], alpha, kept, decision);
    const key = JSON.stringify(clamps);
    if (!clamps || seen.has(key)) continue;
    seen.add(key);
    shifts.push(clamps);
  }
  return shifts;
}

/**
 * The safe samples whose decision the clamped network changes when ONNX Runtime runs it in float32, as it runs the
 * exported file: large clamp values move every output far from the original's scale, and float32 rounding there blurs
 * decision gaps the float64 model keeps (on ACAS Xu the gaps are often 1e-3 or less). An emulation of float32 in our
 * own summation order missed some (3_7/property 2: 99.86% kept by the file against 99.99% counted), so the runtime counts.
 */
export async function runtimeChanges(net: Network, clamps: readonly Clamp[], samples: Samples, decision: Decision): Promise<number> {
  const runtime = await BatchForward.create(clampNetwork(net, clamps), 'float32');
  try {
    const ys = await runtime.run(samples.xs, samples.count);
    const m = runtime.outSize;
    let changes = 0;
    for (let k = 0; k < samples.count; k++) if (decide(ys, k * m, m, decision) !== samples.labels[k]) changes++;
    return changes;
  } finally {
    await runtime.release();
  }
}

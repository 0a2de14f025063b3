/**
 * Fewer, larger pieces: neighbouring boxes the bounds settled (proved as they were, or repaired by a decision-keeping
 * shift) are joined when one shift proves both. The two boxes share a face and together make a box; the shift clamps
 * only neurons inactive on each of them, so it is exact on each and each one's own bounds prove it (no new bound
 * computation, no verifier call). A join is kept when the joined piece costs no more parameters than the two (its box,
 * its flag and its clamps; a box proved as it was costs nothing) and its decision changes (on each box's samples) fit
 * the fidelity budget left (or change no more than the parts did). Rounds of joins go on until none is found, so a
 * run of small pieces becomes one.
 */
import { boxVolume, type Box } from '../../bounds/box';
import { clampNetwork, type Clamp } from '../../network/gated';
import type { Network } from '../../network/network';
import type { Query } from '../../query/normalForm';
import type { Decision } from '../types';
import { decisionChanges, type Samples } from './pieceSamples';
import { jointDecisionKeepingShift, shiftProves, type ShiftPart } from './shiftClamps';

/** A box the bounds settled: the boxes it was made of with their bounds, and its clamps ([]: proved as it was). */
export interface SettledBox {
  readonly box: Box;
  readonly parts: readonly { readonly box: Box; readonly bounds: ShiftPart }[];
  readonly clamps: readonly Clamp[];
  /** The volume where the clamps change sampled decisions (changed share x volume, summed over the parts). */
  readonly changed: number;
}

export interface MergeOptions {
  readonly alpha: number;
  readonly decision: Decision;
  /** How much more changed volume the fidelity budget allows. */
  readonly budget: number;
  /** The samples of a box where the original is safe (the caller caches them). */
  readonly samplesOf: (box: Box) => Samples;
  /** ms since the epoch: no join is tried after it. */
  readonly deadline: number;
}

export interface MergeResult {
  readonly boxes: SettledBox[];
  readonly joins: number;
  /** The changed volume the joins added (negative: they changed fewer decisions). */
  readonly changedDelta: number;
  /** Joins tried and refused, by reason: no common shift proves the parts, it costs more parameters, or decisions. */
  readonly refused: { noShift: number; cost: number; budget: number };
}

/** Parameters a piece adds to the model: its box (2n), its alarm flag and 3 per clamp; a proved box adds none. */
export const pieceCost = (s: SettledBox): number => (s.clamps.length === 0 ? 0 : 2 * s.box.lower.length + 1 + 3 * s.clamps.length);

export function mergeSettled(net: Network, query: Query, settled: readonly SettledBox[], opts: MergeOptions): MergeResult {
  let boxes = [...settled];
  let joins = 0;
  let changedDelta = 0;
  const refused = { noShift: 0, cost: 0, budget: 0 };
  // Pairs refused once are not tried again (a box not joined in a round is the same object in the next).
  const tried = new WeakMap<SettledBox, WeakSet<SettledBox>>();
  for (let found = true; found && Date.now() < opts.deadline;) {
    found = false;
    const across = upperNeighbours(boxes.map((s) => s.box));
    const used = new Set<number>();
    const next: SettledBox[] = [];
    for (let k = 0; k < boxes.length; k++) {
      if (used.has(k)) continue;
      const a = boxes[k];
      for (let d = 0; d < a.box.lower.length && !used.has(k) && Date.now() < opts.deadline; d++) {
        const j = across(k, d);
        if (j === undefined || used.has(j)) continue;
        const b = boxes[j];
        if ((a.clamps.length === 0 && b.clamps.length === 0) || tried.get(a)?.has(b)) continue;
        const joined = join(net, query, a, b, d, opts, changedDelta, refused);
        if (!joined) {
          tried.set(a, (tried.get(a) ?? new WeakSet()).add(b));
          continue;
        }
        used.add(k);
        used.add(j);
        next.push(joined);
        changedDelta += joined.changed - a.changed - b.changed;
        joins++;
        found = true;
      }
    }
    boxes.forEach((s, k) => { if (!used.has(k)) next.push(s); });
    boxes = next;
  }
  return { boxes, joins, changedDelta, refused };
}

/** The box's edges in every input but d, and its face's position in d: equal keys are neighbours across that face. */
function faceKey(box: Box, d: number, at: number): string {
  const edges: number[] = [d, at];
  for (let i = 0; i < box.lower.length; i++) if (i !== d) edges.push(box.lower[i], box.upper[i]);
  return edges.join(',');
}

/** Which of `boxes` lies across box k's upper face in input d, sharing that whole face (its index), if any. */
export function upperNeighbours(boxes: readonly Box[]): (k: number, d: number) => number | undefined {
  const byLowerFace = new Map<string, number>();
  boxes.forEach((b, k) => { for (let d = 0; d < b.lower.length; d++) byLowerFace.set(faceKey(b, d, b.lower[d]), k); });
  return (k, d) => {
    const j = byLowerFace.get(faceKey(boxes[k], d, boxes[k].upper[d]));
    return j === k ? undefined : j;
  };
}

function join(net: Network, query: Query, a: SettledBox, b: SettledBox, d: number, opts: MergeOptions, spent: number, refused: MergeResult['refused']): SettledBox | undefined {
  const parts = [...a.parts, ...b.parts];
  const samples = parts.map((p) => opts.samplesOf(p.box));
  const kept = new Set<number>();
  for (const s of samples) for (const label of s.labels) kept.add(label);
  const clamps = jointDecisionKeepingShift(net, query, parts.map((p) => p.bounds), opts.alpha, kept, opts.decision);
  if (!clamps || !parts.every((p) => shiftProves(net, query, p.bounds, clamps))) {
    refused.noShift++;
    return undefined;
  }
  const upper = Float64Array.from(a.box.upper);
  upper[d] = b.box.upper[d];
  const box = { lower: a.box.lower, upper };
  const candidate = { box, parts, clamps, changed: 0 };
  if (pieceCost(candidate) > pieceCost(a) + pieceCost(b)) {
    refused.cost++;
    return undefined;
  }
  const repaired = clampNetwork(net, clamps);
  const changed = parts.reduce((sum, p, k) => sum + (samples[k].count === 0 ? 0 : (decisionChanges(repaired, samples[k], opts.decision) / samples[k].count) * boxVolume(p.box)), 0);
  // A join that changes no more decisions than its parts is kept even where the budget is spent.
  const more = changed - a.changed - b.changed;
  if (more > 0 && spent + more > opts.budget) {
    refused.budget++;
    return undefined;
  }
  return { ...candidate, changed };
}

/**
 * Verification of a gated model, piece by piece: each piece's network (the base with its clamps) on the piece's box
 * intersected with the query's region, and the base network on the rest of the region (the region's box minus the
 * pieces, cut into boxes along the pieces' faces). Boxes are closed, so a point on a shared face is checked in every
 * box that holds it, whichever piece the gate picks there.
 */
import type { Box } from '../bounds/box';
import { pieceNetwork, type GatedModel } from '../network/gated';
import type { Network } from '../network/network';
import { forwardModel } from '../network/forward';
import { cutToBox, violatedClause, type Polytope, type Query } from '../query/normalForm';
import type { VerifyOptions, VerifyResult } from './types';

const QUICK_ATTACK = { samples: 256, starts: 2, steps: 20 };

/** `verify` (index.ts) dispatches here with itself as `verifyPart`, the verifier of each part's plain network. */
export async function verifyGated(
  model: GatedModel, query: Query, options: VerifyOptions, verifyPart: (net: Network, query: Query, options: VerifyOptions) => Promise<VerifyResult>,
): Promise<VerifyResult> {
  const started = performance.now();
  const deadline = Date.now() + options.timeoutSec * 1000;
  const elapsed = () => (performance.now() - started) / 1000;
  const stats = { pieces: 0, piecesHolding: 0, outsideBoxes: 0 };
  const unknown: string[] = [];
  const parts: { net: typeof model.base; region: Polytope[]; what: string }[] = model.pieces.map((piece, k) => ({
    net: pieceNetwork(model, piece),
    region: query.region.flatMap((p) => cutToBox(p, piece) ?? []),
    what: `piece ${k}`,
  }));
  const outside = query.region.flatMap((p) => boxesOutside(p, model.pieces).map((b) => ({ ...p, lower: b.lower, upper: b.upper })));
  parts.push({ net: model.base, region: outside, what: 'outside the pieces' });
  // Flagged pieces last: the property is not claimed there (the alarm fires), and their searches, the hardest, must
  // not take the time of the parts that are claimed, where a violation would be a defect of the repair.
  const flagged = new Set(model.pieces.flatMap((p, k) => (p.unrepaired ? [`piece ${k}`] : [])));
  parts.sort((a, b) => Number(flagged.has(a.what)) - Number(flagged.has(b.what)));
  stats.outsideBoxes = outside.length;
  for (const part of parts) {
    if (part.region.length === 0) continue;
    if (part.what !== 'outside the pieces') stats.pieces++;
    const remaining = (deadline - Date.now()) / 1000;
    // Which part ran out of time is worth knowing (a repaired piece, or the original outside the pieces).
    if (remaining <= 0) return { status: 'unknown', timeSec: elapsed(), reason: ['timeout', ...unknown].join('; '), stats };
    // Many small boxes: a light first attack on each (the complete search that follows finds any violation).
    const result = await verifyPart(part.net, { ...query, region: part.region }, { quickAttack: QUICK_ATTACK, ...options, timeoutSec: remaining });
    if (result.status === 'holds') {
      if (part.what !== 'outside the pieces') stats.piecesHolding++;
    } else if (result.status === 'violated') {
      // Confirmed on the gated model itself: on a face shared with an earlier piece the gate answers with that one.
      const output = forwardModel(model, result.counterexample.input);
      const clause = violatedClause(query.violation, output);
      if (clause >= 0) return { status: 'violated', timeSec: elapsed(), counterexample: { input: result.counterexample.input, output, clause }, stats };
      unknown.push(`${part.what}: a counterexample on its boundary that the gate sends to another piece`);
    } else {
      if (result.reason === 'cancelled') return { status: 'unknown', timeSec: elapsed(), reason: 'cancelled', stats };
      unknown.push(`${part.what}: ${result.reason}`);
    }
  }
  if (unknown.length > 0) return { status: 'unknown', timeSec: elapsed(), reason: unknown.join('; '), stats };
  return { status: 'holds', timeSec: elapsed(), stats };
}

/** Whether two closed boxes share more than a face (a box flat in some input overlaps wherever it touches). */
function overlaps(a: Box, b: Box): boolean {
  for (let i = 0; i < a.lower.length; i++) {
    const lo = Math.max(a.lower[i], b.lower[i]);
    const hi = Math.min(a.upper[i], b.upper[i]);
    if (lo > hi || (lo === hi && a.lower[i] < a.upper[i])) return false;
  }
  return true;
}

const covers = (outer: Box, inner: Box): boolean => inner.lower.every((l, i) => l >= outer.lower[i] && inner.upper[i] <= outer.upper[i]);

/**
 * Closed boxes covering the part of `box` outside every piece: the box is cut along the piece face nearest its middle
 * (relative to its width) until each part is inside a piece (dropped) or meets none (kept). For pieces from a
 * bisection this follows the bisection tree, so the parts are about as many as the pieces.
 */
export function boxesOutside(box: Box, pieces: readonly Box[]): Box[] {
  const meeting = pieces.filter((p) => overlaps(box, p));
  if (meeting.length === 0) return [box];
  if (meeting.some((p) => covers(p, box))) return [];
  let best = { dim: -1, at: 0, score: Infinity };
  for (const p of meeting) {
    for (let i = 0; i < box.lower.length; i++) {
      const width = box.upper[i] - box.lower[i];
      for (const at of [p.lower[i], p.upper[i]]) {
        if (!(at > box.lower[i] && at < box.upper[i])) continue;
        const score = Math.abs(at - (box.lower[i] + box.upper[i]) / 2) / width;
        if (score < best.score) best = { dim: i, at, score };
      }
    }
  }
  // Some piece meets the box without covering it, so one of its faces cuts the box.
  const { dim, at } = best;
  const leftUpper = Float64Array.from(box.upper);
  leftUpper[dim] = at;
  const rightLower = Float64Array.from(box.lower);
  rightLower[dim] = at;
  return [...boxesOutside({ lower: box.lower, upper: leftUpper }, meeting), ...boxesOutside({ lower: rightLower, upper: box.upper }, meeting)];
}

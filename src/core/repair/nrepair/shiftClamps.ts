/**
 * Clamps that shift the outputs by the same amount everywhere in a piece. A last-hidden-layer neuron that is inactive
 * on the whole piece (its pre-activation's upper bound below 0) outputs 0 there, so fixing it to c >= 0 adds exactly
 * c * W_out[:, j] to the outputs at every input of the piece. A linear program finds c over those neurons so that the
 * shift raises one property row of each violation clause past the row's lower bound on the piece (proving it), while
 * the shift minus a common offset (which changes no decision) is as small as possible outside one chosen output: the
 * decisions of the piece move only where that output's margin is smaller than the shift. One program per (row, free
 * output) pair; the caller scores the candidates on samples and verifies them.
 *
 * `decisionKeepingShift` asks for more: the outputs that make the piece's decisions (`kept`) all shift by the common
 * offset and every other output by at least as much in the losing direction (up for argmin, down for argmax), so no
 * input whose decision is a kept output changes it. Where the kept outputs are every decision the piece makes where
 * the original is safe, the repair changes none of them.
 */
import type { Box, LayerBounds } from '../../bounds/box';
import { specBounds, type SpecBounds } from '../../bounds/linearBounds';
import type { Clamp } from '../../network/gated';
import type { Network } from '../../network/network';
import type { Query } from '../../query/normalForm';
import type { Decision } from '../types';
import { solveLp } from '../../lp';

/** What a proved row must clear (output units), above the float32 rounding of the clamp values. */
const MARGIN = 1e-4;

/** The last hidden layer's neurons inactive on every given box (by its pre-activation bounds), and their output columns. */
function inactiveColumns(net: Network, preActivations: readonly (readonly LayerBounds[])[]) {
  const h = net.layers.length - 2;
  const out = net.layers[net.layers.length - 1];
  const inactive = Array.from({ length: out.inSize }, (_, j) => j).filter((j) => preActivations.every((p) => p[h].hi[j] < 0));
  const columns = inactive.map((j) => Float64Array.from({ length: out.outSize }, (_, o) => out.weights[o * out.inSize + j]));
  return { h, m: out.outSize, inactive, columns };
}

/**
 * What a shift needs to know of one box: its last hidden layer's pre-activation bounds (which neurons are inactive)
 * and the property rows' lower bounds there. A SpecBounds of the box is one.
 */
export interface ShiftPart {
  readonly preActivation: readonly LayerBounds[];
  readonly lower: Float64Array;
}

export function decisionKeepingShift(
  net: Network, query: Query, box: Box, alpha: number, kept: ReadonlySet<number>, decision: Decision, known?: SpecBounds,
): Clamp[] | undefined {
  return jointDecisionKeepingShift(net, query, [known ?? specBounds(net, box, query.violation.flat())], alpha, kept, decision);
}

/**
 * One decision-keeping shift for several boxes at once (a piece made of them): only neurons inactive on every box are
 * clamped, so the shift is exact on each, and each box's rows must clear their own lower bounds.
 */
export function jointDecisionKeepingShift(
  net: Network, query: Query, parts: readonly ShiftPart[], alpha: number, kept: ReadonlySet<number>, decision: Decision,
): Clamp[] | undefined {
  const rows = query.violation.flat();
  const { h, m, inactive, columns } = inactiveColumns(net, parts.map((p) => p.preActivation));
  if (inactive.length === 0 || kept.size === 0) return undefined;
  // +1: the others may only rise (argmin); -1: only fall (argmax).
  const losing = decision === 'argmin' ? 1 : -1;
  // Per box and clause, the row closest to a proof among those a losing shift of an output outside `kept` raises.
  const chosen: { readonly row: number; readonly lower: number }[] = [];
  for (const part of parts) {
    let offset = 0;
    for (const conj of query.violation) {
      let best = -1;
      for (let r = offset; r < offset + conj.length; r++) {
        const raisable = rows[r].coeffs.some((c, o) => !kept.has(o) && c * losing > 0);
        if (raisable && (best < 0 || part.lower[r] > part.lower[best])) best = r;
      }
      if (best < 0) return undefined;
      chosen.push({ row: best, lower: part.lower[best] });
      offset += conj.length;
    }
  }
  // Variables: c (one per inactive neuron, >= 0), then the common offset a (free).
  const nc = inactive.length;
  const vars = (f: (k: number) => number) => Float64Array.from({ length: nc + 1 }, (_, k) => f(k));
  const result = solveLp({
    sense: 'minimize',
    objective: vars((k) => (k < nc ? 1 : 0)),
    rows: [
      // Kept outputs: W c - a = 0; the others: losing * (W c - a) >= 0.
      ...Array.from({ length: m }, (_, o) => ({
        coeffs: vars((k) => (k < nc ? columns[k][o] : -1) * (kept.has(o) ? 1 : losing)),
        lower: 0, upper: kept.has(o) ? 0 : Infinity,
      })),
      ...chosen.map(({ row, lower }) => ({
        coeffs: vars((k) => (k < nc ? columns[k].reduce((s, w, o) => s + w * rows[row].coeffs[o], 0) : 0)),
        lower: MARGIN - lower, upper: Infinity,
      })),
    ],
    lower: vars((k) => (k === nc ? -Infinity : 0)),
    upper: vars(() => Infinity),
  });
  if (result.status !== 'optimal') return undefined;
  const clamps = inactive.map((j, k) => ({ layer: h, neuron: j, value: Math.fround(result.x[k]) })).filter((c) => c.value > 0);
  return clamps.length > 0 && clamps.length <= alpha ? clamps : undefined;
}

export function shiftClampCandidates(net: Network, query: Query, box: Box, alpha: number): Clamp[][] {
  const rows = query.violation.flat();
  const bounds = specBounds(net, box, rows);
  const { h, m, inactive, columns } = inactiveColumns(net, [bounds.preActivation]);
  if (inactive.length === 0) return [];
  // Per clause, the row closest to a proof is the one raised (a clause needs one row proved positive).
  let offset = 0;
  const chosen = query.violation.map((conj) => {
    let best = offset;
    for (let r = offset; r < offset + conj.length; r++) if (bounds.lower[r] > bounds.lower[best]) best = r;
    offset += conj.length;
    return best;
  });
  const candidates: Clamp[][] = [];
  for (let free = 0; free < m; free++) {
    // Variables: c (one per inactive neuron, >= 0), the common offset a (free), then d+ and d- per output (>= 0).
    const nc = inactive.length;
    const size = nc + 1 + 2 * m;
    const vars = (f: (k: number) => number) => Float64Array.from({ length: size }, (_, k) => f(k));
    const shiftRows = Array.from({ length: m }, (_, o) => ({
      // W c - a - d+ + d- = 0: d is the shift beyond the offset.
      coeffs: vars((k) => (k < nc ? columns[k][o] : k === nc ? -1 : k === nc + 1 + o ? -1 : k === nc + 1 + m + o ? 1 : 0)),
      lower: 0, upper: 0,
    }));
    const proofRows = chosen.map((r) => ({
      coeffs: vars((k) => (k < nc ? columns[k].reduce((s, w, o) => s + w * rows[r].coeffs[o], 0) : 0)),
      lower: MARGIN - bounds.lower[r], upper: Infinity,
    }));
    const result = solveLp({
      sense: 'minimize',
      // The free output's shift costs nothing; a little on c keeps the clamp values small and few.
      objective: vars((k) => (k < nc ? 1e-6 : k === nc ? 0 : (k - nc - 1) % m === free ? 0 : 1)),
      rows: [...shiftRows, ...proofRows],
      lower: vars((k) => (k === nc ? -Infinity : 0)),
      upper: vars(() => Infinity),
    });
    if (result.status !== 'optimal') continue;
    const clamps = inactive.map((j, k) => ({ layer: h, neuron: j, value: Math.fround(result.x[k]) })).filter((c) => c.value > 0);
    if (clamps.length > 0 && clamps.length <= alpha) candidates.push(clamps);
  }
  return candidates;
}

/**
 * Whether a shift of inactive last-hidden-layer neurons proves the box by the bounds it was computed from, without a
 * new bound computation: each clamped neuron output 0 on the whole box, so each row's lower bound rises by exactly
 * the shift. Half the LP's margin is kept against the float32 rounding of the values.
 */
export function shiftProves(net: Network, query: Query, bounds: ShiftPart, clamps: readonly Clamp[]): boolean {
  const h = net.layers.length - 2;
  const out = net.layers[net.layers.length - 1];
  if (clamps.some((c) => c.layer !== h || !(bounds.preActivation[h].hi[c.neuron] < 0) || !(c.value >= 0))) return false;
  let r = 0;
  return query.violation.every((conj) => conj.some((row) => {
    let lower = bounds.lower[r++];
    for (const c of clamps) for (let o = 0; o < out.outSize; o++) lower += c.value * row.coeffs[o] * out.weights[o * out.inSize + c.neuron];
    return lower > MARGIN / 2;
  }));
}

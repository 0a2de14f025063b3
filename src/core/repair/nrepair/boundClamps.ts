/**
 * Our alternative to Algorithm 3: clamps chosen over the whole piece by its linear bounds, not at one counterexample.
 * A neuron j of the last hidden layer fixed to c adds exactly g_r * c to each property row r (g_r = row · W_out[:, j]),
 * so with the bounds of the rows when j outputs 0 (lb_r), the piece is proved once, in every violation clause, some
 * row has lb_r + g_r * c > 0: a one-dimensional linear program per neuron, solved in closed form. Among the neurons that
 * can prove the piece alone, the one whose value changes the fewest decisions on samples of the piece (where the
 * original was safe) is taken, at the value nearest its own; when none can, the neuron that brings the proof closest
 * is clamped and the search goes on (at most alpha neurons). The verifier then checks the piece.
 */
import type { Box } from '../../bounds/box';
import { specBounds } from '../../bounds/linearBounds';
import { forward } from '../../network/forward';
import { decisionChanges, samplesOf } from './pieceSamples';
import { clampNetwork, type Clamp } from '../../network/gated';
import type { DenseLayer, Network } from '../../network/network';
import type { Query } from '../../query/normalForm';
import type { Decision } from '../types';
import type { ClampSearch } from './gradientClamps';
import { decisionKeepingShift, shiftClampCandidates } from './shiftClamps';
import type { VerifyResult } from '../../verify/types';

export interface BoundOptions {
  readonly alpha: number;
  /** At most this many neurons clamped on the way to a proof (the ones that come closest); alpha when not given. */
  readonly chase?: number;
  readonly decision: Decision;
  readonly deadline: number;
  readonly verifyPiece: (net: Network) => Promise<VerifyResult>;
  /** Candidates that fail this are not verified (the caller would not keep them). */
  readonly worthProving: (net: Network) => boolean;
}

/** What a bound must clear (output units) before a clamp value is taken: the verifier's own bounds then prove it. */
const MARGIN = 1e-5;
/** Samples of the piece on which candidate clamps are scored. */
const SCORING_SAMPLES = 64;
/** Guessed candidates scored on the samples. */
const SCORED = 16;
/** Candidates given exact bounds (one bound computation each). */
const CANDIDATES = 6;

interface Candidate { readonly neuron: number; readonly value: number; readonly shift: number }

export async function boundClamps(net: Network, query: Query, box: Box, opts: BoundOptions): Promise<ClampSearch> {
  const h = net.layers.length - 2;
  const out = net.layers[net.layers.length - 1];
  const rows = query.violation.flat();
  const clauseOf = query.violation.flatMap((conj, k) => conj.map(() => k));
  // g[r][j]: how much row r gains per unit of neuron j's output.
  const gain = rows.map((row) => Float64Array.from({ length: out.inSize }, (_, j) => {
    let s = 0;
    for (let o = 0; o < out.outSize; o++) s += row.coeffs[o] * out.weights[o * out.inSize + j];
    return s;
  }));
  const center = box.lower.map((l, i) => (l + box.upper[i]) / 2);
  const samples = samplesOf(net, query, box, opts.decision, SCORING_SAMPLES);
  let steps = 0;
  // First a uniform shift that keeps every decision the samples show, then the other uniform shifts (exact on the
  // piece), then single clamps by the bounds.
  const keeping = decisionKeepingShift(net, query, box, opts.alpha, new Set(samples.labels), opts.decision);
  if (keeping) {
    steps++;
    const repaired = clampNetwork(net, keeping);
    if (opts.worthProving(repaired) && (await opts.verifyPiece(repaired)).status === 'holds') return { kind: 'repaired', clamps: keeping, steps };
  }
  const shifts = shiftClampCandidates(net, query, box, opts.alpha)
    .map((set) => ({ set, repaired: clampNetwork(net, set) }))
    .map((c) => ({ ...c, changes: decisionChanges(c.repaired, samples, opts.decision) }))
    .sort((a, b) => a.changes - b.changes || a.set.length - b.set.length);
  for (const { set, repaired } of shifts) {
    steps++;
    if (!opts.worthProving(repaired)) continue;
    if ((await opts.verifyPiece(repaired)).status === 'holds') return { kind: 'repaired', clamps: set, steps };
    if (Date.now() > opts.deadline) break;
  }
  const clamps: Clamp[] = [];
  let own: Float64Array = new Float64Array(out.inSize);
  /**
   * With neuron j fixed to c each row's bound is lb + g c, so the clauses' worst best-row bound is piecewise linear
   * in c: the value nearest the neuron's own that proves the piece is among the rows' crossing points, 0 and its own
   * value; when none proves, the best of them.
   */
  const bestValue = (lb: ArrayLike<number>, j: number): { value: number; gap: number; proves: boolean } => {
    const points = [0, Math.max(0, own[j])];
    rows.forEach((_, r) => {
      const g = gain[r][j];
      if (g === 0) return;
      const cross = (MARGIN - lb[r]) / g;
      points.push(Math.max(0, cross + Math.sign(g) * (1e-9 * Math.abs(cross) + 1e-12)));
    });
    const gapAt = (c: number) => Math.min(...query.violation.map((_, k) => Math.max(...rows.map((__, r) => (clauseOf[r] === k ? lb[r] + gain[r][j] * c : -Infinity)))));
    let best = { value: 0, gap: -Infinity, proves: false };
    // float32 values: the exported file holds them exactly.
    for (const c of points.map(Math.fround)) {
      const gap = gapAt(c);
      const proves = gap >= MARGIN;
      const better = proves ? !best.proves || Math.abs(c - own[j]) < Math.abs(best.value - own[j]) : !best.proves && gap > best.gap;
      if (better) best = { value: c, gap, proves };
    }
    return best;
  };
  /** Proving options first, by how far they move the outputs; then the others by how close they come. */
  const rank = (o: { value: number; gap: number; proves: boolean }, j: number) => (o.proves ? Math.abs(o.value - own[j]) * maxAbsColumn(out, j) : 1e300 - o.gap);
  const chase = Math.min(opts.alpha, opts.chase ?? opts.alpha);
  while (clamps.length < chase && Date.now() < opts.deadline) {
    const current = clampNetwork(net, clamps);
    own = hiddenOutputs(current, center, h);
    const base = specBounds(current, box, rows);
    const { lo, hi } = base.preActivation[h];
    // Cheap first guess of each row's bound without neuron j: minus j's interval share. Only the neurons this ranks
    // nearest get their exact bounds (one bound computation each).
    const guess = (j: number) => base.lower.map((l, r) => l - Math.min(gain[r][j] * Math.max(0, lo[j]), gain[r][j] * Math.max(0, hi[j])));
    const free = Array.from({ length: out.inSize }, (_, j) => j).filter((j) => !clamps.some((c) => c.neuron === j));
    // The neurons the guess says prove the piece with the smallest output shift are scored on the samples (a forward
    // pass each); the ones that change the fewest decisions get exact bounds, and are verified.
    const guessed = free.map((j) => ({ j, option: bestValue(guess(j), j) }));
    const shortlist = guessed.filter((g) => g.option.proves).sort((a, b) => rank(a.option, a.j) - rank(b.option, b.j)).slice(0, SCORED)
      .map((g) => ({ ...g, changes: decisionChanges(clampNetwork(current, [{ layer: h, neuron: g.j, value: g.option.value }]), samples, opts.decision) }))
      .sort((a, b) => a.changes - b.changes || rank(a.option, a.j) - rank(b.option, b.j))
      .slice(0, CANDIDATES);
    const proving: Candidate[] = [];
    let closest: { neuron: number; value: number; gap: number } | undefined;
    const exactOf = (j: number) => bestValue(specBounds(clampNetwork(current, [{ layer: h, neuron: j, value: 0 }]), box, rows).lower, j);
    for (const { j } of shortlist) {
      const exact = exactOf(j);
      if (exact.proves) proving.push({ neuron: j, value: exact.value, shift: Math.abs(exact.value - own[j]) * maxAbsColumn(out, j) });
    }
    if (proving.length === 0) {
      // No single neuron proves the piece: clamp the one that comes closest (among the nearest guesses) and go on.
      for (const { j } of guessed.sort((a, b) => rank(a.option, a.j) - rank(b.option, b.j)).slice(0, CANDIDATES)) {
        const exact = exactOf(j);
        if (!closest || exact.gap > closest.gap) closest = { neuron: j, value: exact.value, gap: exact.gap };
      }
    }
    const ranked = proving
      .map((c) => ({ c, changes: decisionChanges(clampNetwork(current, [{ layer: h, neuron: c.neuron, value: c.value }]), samples, opts.decision) }))
      .sort((a, b) => a.changes - b.changes || a.c.shift - b.c.shift);
    for (const { c } of ranked) {
      steps++;
      const candidate = [...clamps, { layer: h, neuron: c.neuron, value: c.value }];
      const repaired = clampNetwork(net, candidate);
      if (!opts.worthProving(repaired)) continue;
      if ((await opts.verifyPiece(repaired)).status === 'holds') return { kind: 'repaired', clamps: candidate, steps };
      if (Date.now() > opts.deadline) break;
    }
    if (!closest || ranked.length > 0) break;
    clamps.push({ layer: h, neuron: closest.neuron, value: closest.value });
    steps++;
  }
  return { kind: 'failed', reason: clamps.length >= chase ? `no proof with ${chase} clamps` : 'no clamp of the last hidden layer proves the piece', steps };
}

const maxAbsColumn = (layer: DenseLayer, j: number): number => {
  let m = 0;
  for (let o = 0; o < layer.outSize; o++) m = Math.max(m, Math.abs(layer.weights[o * layer.inSize + j]));
  return m;
};

function hiddenOutputs(net: Network, x: Float64Array, h: number): Float64Array {
  return forward({ ...net, layers: net.layers.slice(0, h + 1) }, x);
}

/**
 * Complete search for wide inputs (MNIST: 784) by splitting ReLUs, beta-CROWN style. Input splitting cannot shrink a
 * 784-dimensional box far enough; instead a subdomain fixes some unstable neurons active (z >= 0) or inactive
 * (z <= 0). Its bound uses the fixed neurons exactly, the split constraints through optimised beta multipliers, and
 * the remaining neurons' optimised relaxations (src/core/bounds/alpha.ts), warm-started from the parent. A subdomain
 * where every neuron is fixed is affine: one exact LP decides it, so the search is complete.
 */
import type { Network } from '../network/network';
import type { Polytope, Query } from '../query/normalForm';
import { SOUNDNESS_MARGIN, provesPositive, specBounds, type SpecBounds } from '../bounds/linearBounds';
import type { SlopeState } from '../bounds/alpha';
import { newSecondLayerRows } from '../bounds/secondLayerRows';
import type { Box, LayerBounds } from '../bounds/box';
import { decideClauseByProgram } from './milp';
import { confirm } from './falsify';
import { PROGRAM_SECONDS, attackIfDue, lowerBoundMinimiser, takeTurn, type SearchContext, type SearchOutcome } from './searchKernel';

/** A subdomain: the split neurons and the pre-activation bounds known to hold on it. */
interface Domain {
  /** Per hidden layer: +1 fixed active, -1 fixed inactive, 0 free. */
  readonly splits: Int8Array[];
  /** Pre-activation bounds known on the subdomain (its parent's, with the split neuron clipped); none at the root. */
  readonly bounds?: readonly LayerBounds[];
  /** Indices of the query's rows whose clauses are not yet refuted here. */
  readonly rows: readonly number[];
  readonly warmStart?: SlopeState;
  /** The first layer whose bounds a split above it may have changed. */
  readonly tightenFrom: number;
  readonly depth: number;
}


export type ReluSearchOutcome =
  | Exclude<SearchOutcome, { kind: 'paused' }>
  /** The pause time came first: the root's pre-activation bounds and the clauses they leave open. */
  | { kind: 'paused'; preActivation: readonly LayerBounds[]; openClauses: number[] };

export interface ReluSearchOptions {
  /** Pre-activation bounds already optimised on the whole region (an earlier search's root): the root starts from them. */
  readonly rootBounds?: readonly LayerBounds[];
  /** Pause after this many subdomains. */
  readonly maxDomains?: number;
}

export async function searchReluSplits(net: Network, query: Query, polytope: Polytope, ctx: SearchContext, options: ReluSearchOptions = {}): Promise<ReluSearchOutcome> {
  const rows = query.violation.flat();
  const clauseOf: number[] = query.violation.flatMap((conj, k) => conj.map(() => k));
  const box: Box = { lower: polytope.lower, upper: polytope.upper };
  const hidden = net.layers.length - 1;
  const { rootBounds, maxDomains = Infinity } = options;
  const stack: Domain[] = [{
    splits: net.layers.slice(0, hidden).map((l) => new Int8Array(l.outSize)),
    bounds: rootBounds,
    rows: rows.map((_, r) => r),
    // Given bounds are as tight as the root's optimisation makes them: no layer is tightened again.
    tightenFrom: rootBounds ? hidden : 0,
    depth: 0,
  }];
  let searched = 0;
  // The root's bounds (the tightest intermediate bounds: optimised) and the clauses they leave open, for the MILPs.
  let root: { preActivation: readonly LayerBounds[]; openClauses: number[] } | undefined;
  let lastYield = Date.now();
  // Every subdomain is on the same box: the second layer's bounds follow the first layer's splits by rank-one updates.
  const secondLayer = newSecondLayerRows();
  while (stack.length > 0) {
    const now = Date.now();
    const turn = await takeTurn(ctx, now, lastYield);
    if (typeof turn !== 'number') return turn;
    lastYield = turn;
    if (root && ((ctx.pauseAt !== undefined && now > ctx.pauseAt) || searched >= maxDomains)) return { kind: 'paused', ...root };
    const attacked = attackIfDue(net, query, box, ctx, now);
    if (attacked) return { kind: 'violated', counterexample: attacked };
    const domain = stack.pop()!;
    ctx.stats.domains++;
    searched++;
    ctx.stats.maxDepth = Math.max(ctx.stats.maxDepth, domain.depth);
    const bounds = specBounds(net, box, domain.rows.map((r) => rows[r]), {
      enclosing: domain.bounds,
      splits: domain.splits,
      warmStart: domain.warmStart,
      tightenFrom: domain.tightenFrom,
      optimiseIntermediate: domain.depth === 0 && !rootBounds,
      // verify() checked the weights when it started.
      weightsChecked: true,
      secondLayer,
    });
    if (emptyDomain(bounds.preActivation)) continue;
    const refuted = new Set<number>();
    domain.rows.forEach((r, q) => {
      if (provesPositive(bounds.lower[q], bounds.upper[q])) refuted.add(clauseOf[r]);
    });
    const open = domain.rows.map((r, q) => ({ r, q })).filter(({ r }) => !refuted.has(clauseOf[r]));
    if (open.length === 0) continue;
    // The open row with the lowest bound decides the split.
    const worst = open.reduce((a, b) => (bounds.lower[b.q] < bounds.lower[a.q] ? b : a));
    if (domain.depth === 0) {
      // The clauses left open, the likeliest to be violated (lowest bound) first.
      const byBound = [...open].sort((a, b) => bounds.lower[a.q] - bounds.lower[b.q]);
      root = { preActivation: bounds.preActivation, openClauses: [...new Set(byBound.map(({ r }) => clauseOf[r]))] };
    }
    // Each open row's bound minimiser is a likely counterexample.
    for (const { q } of open) {
      const cex = confirm(net, query, lowerBoundMinimiser(box, bounds.lowerCoeffs, q));
      if (cex) return { kind: 'violated', counterexample: cex };
    }
    const choice = chooseNeuron(net, bounds, domain.splits, worst.q);
    if (!choice) {
      // Every neuron is fixed: the network is affine on this subdomain and an LP settles each open clause exactly.
      const settled = settleClauses(net, query, polytope, domain.splits, bounds.preActivation, [...new Set(open.map(({ r }) => clauseOf[r]))]);
      if (settled.kind === 'violated') return settled;
      if (settled.kind === 'undecided') ctx.stats.undecided++;
      continue;
    }
    const { layer, neuron } = choice;
    const keep = open.map(({ q }) => q);
    const warmStart = bounds.optimised && subsetRows(bounds.optimised.slopes, keep, domain.rows.length);
    for (const sign of [-1, 1]) {
      const splits = domain.splits.map((s, t) => (t === layer ? Int8Array.from(s) : s));
      splits[layer][neuron] = sign;
      const lo = Float64Array.from(bounds.preActivation[layer].lo);
      const hi = Float64Array.from(bounds.preActivation[layer].hi);
      if (sign > 0) lo[neuron] = 0;
      else hi[neuron] = 0;
      stack.push({
        splits,
        bounds: bounds.preActivation.map((b, t) => (t === layer ? { lo, hi } : b)),
        rows: open.map(({ r }) => r),
        warmStart,
        tightenFrom: layer + 1,
        depth: domain.depth + 1,
      });
    }
  }
  return { kind: 'safe' };
}

/** Bounds that cross (beyond rounding) prove that no input reaches this combination of splits. */
function emptyDomain(layers: readonly LayerBounds[]): boolean {
  return layers.some(({ lo, hi }) => lo.some((l, j) => l - hi[j] > SOUNDNESS_MARGIN * (1 + Math.abs(l) + Math.abs(hi[j]))));
}

/**
 * The neuron to split: the free unstable neurons whose relaxation costs the worst row's bound most (BaBSR's intercept
 * score: the row's coefficient on the activation times the triangle's height -l*u/(u-l)) are short-listed, and the one
 * whose worse child would have the best bound wins (filtered smart branching).
 */
function chooseNeuron(net: Network, bounds: SpecBounds, splits: readonly Int8Array[], row: number): { layer: number; neuron: number } | undefined {
  const coeffs = bounds.optimised?.activationCoeffs;
  const scored: { layer: number; neuron: number; score: number }[] = [];
  for (let t = 0; t < splits.length; t++) {
    const { lo, hi } = bounds.preActivation[t];
    const width = net.layers[t].outSize;
    for (let j = 0; j < width; j++) {
      if (splits[t][j] !== 0 || !(lo[j] < 0 && hi[j] > 0)) continue;
      const weight = coeffs ? Math.abs(coeffs[t][row * width + j]) : 1;
      scored.push({ layer: t, neuron: j, score: weight * ((-lo[j] * hi[j]) / (hi[j] - lo[j])) });
    }
  }
  if (scored.length === 0) return undefined;
  scored.sort((a, b) => b.score - a.score);
  const estimate = bounds.optimised?.boundWithSplit;
  if (!estimate) return scored[0];
  let best = scored[0];
  let bestBound = -Infinity;
  for (const c of scored.slice(0, SHORTLIST)) {
    const worse = Math.min(estimate(row, c.layer, c.neuron, -1), estimate(row, c.layer, c.neuron, 1));
    if (worse > bestBound) {
      bestBound = worse;
      best = c;
    }
  }
  return best;
}

/** Estimating this many candidates' children costs about one bound computation and halves the subdomains (docs/benchmarks/tuning.md). */
const SHORTLIST = 8;

/** The slopes of the rows `keep` (indices into a state of `rows` rows). */
function subsetRows(state: SlopeState, keep: readonly number[], rows: number): SlopeState {
  const pick = (x: Float64Array) => {
    const width = x.length / rows;
    const out = new Float64Array(keep.length * width);
    keep.forEach((q, k) => out.set(x.subarray(q * width, (q + 1) * width), k * width));
    return out;
  };
  return { alphas: state.alphas.map(pick), betas: state.betas.map(pick) };
}

type Settled = { kind: 'safe' } | { kind: 'undecided' } | { kind: 'violated'; counterexample: NonNullable<ReturnType<typeof confirm>> };

/**
 * Every neuron of the subdomain is fixed, so the network is affine on it: each open clause is one LP (its exact program
 * has no unstable neuron left) with the split sides as the neurons' bounds. Infeasible refutes the clause; a point of
 * a feasible one is confirmed as a counterexample or leaves the subdomain undecided. Per clause, not per row: a clause
 * with one row positive everywhere is refuted even when its other rows can be negative.
 */
export function settleClauses(net: Network, query: Query, polytope: Polytope, splits: readonly Int8Array[], preActivation: readonly LayerBounds[], clauses: readonly number[]): Settled {
  const sides = preActivation.map(({ lo, hi }, t) => ({
    lo: lo.map((l, j) => (splits[t][j] > 0 ? Math.max(l, 0) : l)),
    hi: hi.map((h, j) => (splits[t][j] < 0 ? Math.min(h, 0) : h)),
  }));
  let undecided = false;
  for (const clause of clauses) {
    const decision = decideClauseByProgram(net, polytope, sides, query.violation[clause], { timeLimitSec: PROGRAM_SECONDS, everyNeuron: true });
    if (decision.kind === 'infeasible') continue;
    const cex = decision.kind === 'candidate' ? confirm(net, query, decision.input) : undefined;
    if (cex) return { kind: 'violated', counterexample: cex };
    undecided = true;
  }
  return { kind: undecided ? 'undecided' : 'safe' };
}

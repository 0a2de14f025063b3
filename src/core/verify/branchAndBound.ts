/**
 * Complete search by input splitting: bound the property's rows over a box; a box where every violation clause has a
 * row provably positive is safe; otherwise try the box's most suspicious points concretely, then split the input with
 * the largest smear (derivative bound x width) for the row closest to a proof. Depth-first, so memory stays small.
 */
import type { Network } from '../network/network';
import type { LinearRow, Polytope, Query } from '../spec/normalForm';
import { SOUNDNESS_MARGIN, specBounds } from '../bounds/linearBounds';
import { boxCenter, splitBox, type Box } from '../bounds/box';
import { smear } from '../bounds/smear';
import { confirm, falsifyBox } from './falsify';
import { solveLp } from '../lp';
import type { LayerBounds, SpecBounds } from '../bounds/linearBounds';
import type { Counterexample } from './types';

export type SearchOutcome =
  | { kind: 'safe' }
  | { kind: 'violated'; counterexample: Counterexample }
  | { kind: 'stopped'; reason: string }
  /** The pause time came first: the open boxes, to be searched later or elsewhere (other threads). */
  | { kind: 'paused'; open: SearchEntry[] };

/** An open box of the search: its depth, and the pre-activation bounds of the box it was split from. */
export interface SearchEntry {
  readonly box: Box;
  readonly depth: number;
  readonly enclosing?: readonly LayerBounds[];
}

/** When the next thorough attack on the whole region is due; shared by every search of one verification in a thread. */
export interface AttackClock {
  next: number;
  gap: number;
}

export const newAttackClock = (): AttackClock => ({ next: Date.now() + HEAVY_ATTACK_EVERY_MS, gap: HEAVY_ATTACK_EVERY_MS });

export interface SearchContext {
  readonly deadline: number;
  readonly signal?: AbortSignal;
  /** Boxes too small to split at float64 precision and still undecided are counted in `undecided`, not searched. */
  readonly stats: { domains: number; maxDepth: number; undecided: number };
  /** Called with the volume of each box decided (a fraction of the region's volume), for progress reports. */
  readonly onVolumeDone?: (fraction: number) => void;
  readonly random: () => number;
  readonly attackClock: AttackClock;
  /** Stop at this time (ms since the epoch) with the open boxes, if the search is still running. */
  readonly pauseAt?: number;
  /** Another thread ran out of work: give it some of ours (checked between subproblems). */
  readonly donationWanted?: () => boolean;
  readonly donate?: (entries: SearchEntry[]) => void;
}

/** Every this many levels an open box also gets a short gradient attack of its own. */
const ATTACK_EVERY_DEPTH = 6;
/**
 * While a search runs this long without a verdict, a thorough attack on the whole region runs between its steps
 * (then after 2x, 4x, ... as long).
 */
const HEAVY_ATTACK_EVERY_MS = 2000;

const YIELD_EVERY_MS = 40;
const MIN_WIDTH = 1e-12;

/**
 * A search loop's turn: stopped at the deadline or on cancellation; every YIELD_EVERY_MS the thread's event loop runs
 * first (cancellation, donation requests, progress messages). Returns the time the event loop last ran.
 */
export async function takeTurn(ctx: SearchContext, now: number, lastYield: number): Promise<number | Extract<SearchOutcome, { kind: 'stopped' }>> {
  if (now > ctx.deadline) return { kind: 'stopped', reason: 'timeout' };
  if (now - lastYield <= YIELD_EVERY_MS) return lastYield;
  await new Promise((resolve) => setImmediate(resolve));
  if (ctx.signal?.aborted) return { kind: 'stopped', reason: 'cancelled' };
  return Date.now();
}

/**
 * The thorough attack on the whole region, when the clock says it is due. Each fruitless attack makes the next wait
 * twice as long (on a property that holds they are pure cost), and one attack takes at most a quarter of that wait.
 */
export function attackIfDue(net: Network, query: Query, region: Box, ctx: SearchContext, now: number): Counterexample | undefined {
  if (now <= ctx.attackClock.next) return undefined;
  const samples = Math.max(256, Math.floor(20000 / Math.max(1, region.lower.length / 8)));
  const deadline = Math.min(ctx.deadline, now + ctx.attackClock.gap / 4);
  const cex = falsifyBox(net, query, region, { samples, starts: 100, steps: 100, deadline, signal: ctx.signal, random: ctx.random });
  ctx.attackClock.gap *= 2;
  ctx.attackClock.next = Date.now() + ctx.attackClock.gap;
  return cex;
}

export const rootEntry = (polytope: Polytope): SearchEntry => ({ box: { lower: polytope.lower, upper: polytope.upper }, depth: 0 });

/**
 * Proves that no point of the polytope's boxes `entries` violates the query, or finds one that does. The boxes are
 * searched depth first, the last entry first.
 */
export async function searchPolytope(net: Network, query: Query, polytope: Polytope, entries: readonly SearchEntry[], ctx: SearchContext): Promise<SearchOutcome> {
  const rows = query.violation.flat();
  const clauseOf: number[] = query.violation.flatMap((conj, k) => conj.map(() => k));
  // A conjunction's rows summed: when all rows are <= 0 so is their sum, and back-substituting the sum chooses every
  // relaxation for the rows together, so it is often provably positive where no single row is (ACAS Xu prop 2: 6-32%
  // fewer boxes).
  const sums = query.violation.filter((conj) => conj.length > 1).map((conj) => ({
    coeffs: conj.reduce((acc, row) => acc.map((v, i) => v + row.coeffs[i]), new Float64Array(conj[0].coeffs.length)),
    rhs: conj.reduce((acc, row) => acc + row.rhs, 0),
  }));
  const sumClause = query.violation.flatMap((conj, k) => (conj.length > 1 ? [k] : []));
  const boundedRows = [...rows, ...sums];
  const root: Box = { lower: polytope.lower, upper: polytope.upper };
  const totalVolume = volume(root);
  let doneVolume = 0;
  const stack = [...entries];
  let lastYield = Date.now();
  const decided = (box: Box) => { doneVolume += volume(box) / totalVolume; };
  const report = () => { ctx.onVolumeDone?.(doneVolume); doneVolume = 0; };
  while (stack.length > 0) {
    const now = Date.now();
    const turn = await takeTurn(ctx, now, lastYield);
    if (typeof turn !== 'number') return turn;
    if (turn !== lastYield) {
      lastYield = turn;
      report();
      if (ctx.pauseAt !== undefined && lastYield > ctx.pauseAt) return { kind: 'paused', open: stack };
      // The bottom of a depth-first stack holds the biggest boxes: the most work for the least traffic.
      if (stack.length > 1 && ctx.donationWanted?.()) ctx.donate!(stack.splice(0, stack.length >> 1));
    }
    const attacked = attackIfDue(net, query, root, ctx, now);
    if (attacked) return { kind: 'violated', counterexample: attacked };
    const { box, depth, enclosing } = stack.pop()!;
    ctx.stats.domains++;
    ctx.stats.maxDepth = Math.max(ctx.stats.maxDepth, depth);
    if (outsideRows(box, polytope.rows)) {
      decided(box);
      continue;
    }
    const bounds = specBounds(net, box, boundedRows, { enclosing });
    const provedRow = (r: number) => bounds.lower[r] > SOUNDNESS_MARGIN * (1 + Math.abs(bounds.lower[r]) + Math.abs(bounds.upper[r]));
    const sumProved = new Set(sumClause.filter((_, q) => provedRow(rows.length + q)));
    // A clause is refuted on this box if one of its rows (or their sum) can never be <= 0 here, or (several rows) if
    // the rows' linear lower bounds cannot all be <= 0 at one point of the box (an LP).
    let open = -1;
    let openScore = -Infinity;
    const candidates: Float64Array[] = [];
    for (let k = 0; k < query.violation.length; k++) {
      const clauseRows: number[] = [];
      let refuted = sumProved.has(k);
      for (let r = 0; r < rows.length && !refuted; r++) {
        if (clauseOf[r] !== k) continue;
        if (provedRow(r)) { refuted = true; break; }
        clauseRows.push(r);
      }
      if (!refuted && clauseRows.length > 1) {
        const point = jointLowerBoundPoint(box, bounds, clauseRows);
        if (point) candidates.push(point);
        else refuted = true;
      }
      if (refuted) continue;
      const hardest = clauseRows.reduce((a, b) => (bounds.lower[b] > bounds.lower[a] ? b : a));
      if (bounds.lower[hardest] > openScore) {
        open = hardest;
        openScore = bounds.lower[hardest];
      }
    }
    if (open < 0) {
      decided(box);
      continue;
    }
    const suspect = lowerBoundMinimiser(box, bounds.lowerCoeffs, open);
    for (const x of [...candidates, suspect, boxCenter(box)]) {
      const cex = confirm(net, query, x);
      if (cex) return { kind: 'violated', counterexample: cex };
    }
    if (depth > 0 && depth % ATTACK_EVERY_DEPTH === 0) {
      const cex = falsifyBox(net, query, box, { samples: 16, starts: 2, steps: 20, deadline: ctx.deadline, signal: ctx.signal, random: ctx.random });
      if (cex) return { kind: 'violated', counterexample: cex };
    }
    const dim = argmax(smear(net, box, bounds, open));
    if (box.upper[dim] - box.lower[dim] < MIN_WIDTH) {
      // Undecidable at float64 precision: set the box aside and keep looking elsewhere for a counterexample.
      ctx.stats.undecided++;
      continue;
    }
    const [left, right] = splitBox(box, dim);
    const enclosed = bounds.preActivation;
    // The half holding the bound's minimiser is the likelier to hold a counterexample: search it first.
    const [first, second] = suspect[dim] <= left.upper[dim] ? [left, right] : [right, left];
    stack.push({ box: second, depth: depth + 1, enclosing: enclosed }, { box: first, depth: depth + 1, enclosing: enclosed });
  }
  report();
  return { kind: 'safe' };
}

function volume(box: Box): number {
  let v = 1;
  for (let i = 0; i < box.lower.length; i++) v *= Math.max(0, box.upper[i] - box.lower[i]) || 1;
  return v;
}

/** The corner of the box where the row's linear lower bound is smallest: the likeliest violation. */
export function lowerBoundMinimiser(box: Box, coeffs: Float64Array, row: number): Float64Array {
  const n = box.lower.length;
  return box.lower.map((l, i) => (coeffs[row * n + i] > 0 ? l : coeffs[row * n + i] < 0 ? box.upper[i] : (l + box.upper[i]) / 2));
}

/**
 * A point of the box where every row's linear lower bound is <= 0, or undefined when the LP proves there is none.
 * Each row is relaxed by a small tolerance first, so a solver tolerance can never turn a feasible system "infeasible".
 */
function jointLowerBoundPoint(box: Box, bounds: SpecBounds, clauseRows: number[]): Float64Array | undefined {
  const n = box.lower.length;
  const lpRows = clauseRows.map((r) => {
    const coeffs = bounds.lowerCoeffs.subarray(r * n, (r + 1) * n);
    let scale = 1 + Math.abs(bounds.lowerConst[r]);
    for (let i = 0; i < n; i++) scale += Math.abs(coeffs[i]) * Math.max(Math.abs(box.lower[i]), Math.abs(box.upper[i]));
    return { coeffs, lower: -Infinity, upper: -bounds.lowerConst[r] + 1e-7 * scale };
  });
  const result = solveLp({ sense: 'minimize', objective: new Float64Array(n), rows: lpRows, lower: box.lower, upper: box.upper });
  if (result.status === 'infeasible') return undefined;
  return result.status === 'optimal' ? result.x.map((v, i) => Math.min(box.upper[i], Math.max(box.lower[i], v))) : boxCenter(box);
}

function argmax(v: Float64Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** True when some row of the polytope excludes the whole box. */
function outsideRows(box: Box, rows: readonly LinearRow[]): boolean {
  return rows.some((row) => {
    let min = -row.rhs;
    for (let i = 0; i < row.coeffs.length; i++) min += row.coeffs[i] * (row.coeffs[i] > 0 ? box.lower[i] : box.upper[i]);
    return min > 0;
  });
}

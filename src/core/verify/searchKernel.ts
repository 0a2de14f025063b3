/**
 * What both complete searches share (input splitting, branchAndBound.ts; ReLU splitting, reluSplitting.ts): their
 * outcome, statistics and per-thread tactics, the loop's turn (deadline, cancellation, yielding), the thorough attack
 * between steps, and the corner that minimises a linear bound.
 */
import type { Network } from '../network/network';
import { activationOf } from '../network/activations';
import type { Polytope, Query } from '../query/normalForm';
import type { Box, LayerBounds } from '../bounds/box';
import { falsifyBox } from './falsify';
import type { Counterexample } from './types';

export type SearchOutcome =
  | { kind: 'safe' }
  | { kind: 'violated'; counterexample: Counterexample }
  | { kind: 'stopped'; reason: string }
  /** The pause time came first: the open boxes, to be searched later or elsewhere (other threads). */
  | { kind: 'paused'; open: SearchEntry[] };

export interface SearchStats {
  domains: number;
  maxDepth: number;
  /** Boxes too small to split at float64 precision and still undecided: counted, not searched. */
  undecided: number;
  /** Exact MILPs and LP relaxations solved for boxes. */
  milps: number;
  lps: number;
}

export const newSearchStats = (): SearchStats => ({ domains: 0, maxDepth: 0, undecided: 0, milps: 0, lps: 0 });

/** An open box of the search: its depth, and the pre-activation bounds of the box it was split from. */
export interface SearchEntry {
  readonly box: Box;
  readonly depth: number;
  readonly enclosing?: readonly LayerBounds[];
}

/**
 * What one verification learns in one thread, shared by all its searches there: when the next thorough attack on the
 * whole region is due, how often LP relaxations have proved a box, and up to how many unstable neurons MILPs pay.
 */
export interface Tactics {
  attackNext: number;
  attackGap: number;
  relaxedTried: number;
  relaxedProved: number;
  relaxedSkipped: number;
  /** Boxes with at most this many unstable neurons get exact MILPs (adapted to the MILPs' cost, see EXACT_TARGET_COST). */
  exactMaxUnstable: number;
  /**
   * The thread's recent bound computations and MILPs, counts and total times (ms), each box's weight decaying as the
   * search goes on: the MILPs' cost is counted in bound computations of the same boxes (see EXACT_TARGET_COST).
   */
  costs: { boundMs: number; bounds: number; exactMs: number; exacts: number };
}

export const newTactics = (): Tactics => ({
  attackNext: Date.now() + HEAVY_ATTACK_EVERY_MS, attackGap: HEAVY_ATTACK_EVERY_MS, relaxedTried: 0, relaxedProved: 0, relaxedSkipped: 0,
  exactMaxUnstable: EXACT_MAX_UNSTABLE, costs: { boundMs: 0, bounds: 0, exactMs: 0, exacts: 0 },
});

export interface SearchContext {
  readonly deadline: number;
  readonly signal?: AbortSignal;
  readonly stats: SearchStats;
  /** Called with the volume of each box decided (a fraction of the region's volume), for progress reports. */
  readonly onVolumeDone?: (fraction: number) => void;
  readonly random: () => number;
  readonly tactics: Tactics;
  /** Stop at this time (ms since the epoch) with the open boxes, if the search is still running. */
  readonly pauseAt?: number;
  /** Another thread ran out of work: give it some of ours (checked between subproblems). */
  readonly donationWanted?: () => boolean;
  readonly donate?: (entries: SearchEntry[]) => void;
}

/**
 * While a search runs this long without a verdict, a thorough attack on the whole region runs between its steps
 * (then after 2x, 4x, ... as long).
 */
const HEAVY_ATTACK_EVERY_MS = 2000;

/**
 * A box with at most this many unstable neurons is decided by one exact MILP per open clause instead of being split
 * further; with many more the MILPs cost more than the boxes they save (docs/benchmarks/tuning.md).
 */
export const EXACT_MAX_UNSTABLE = 25;
/**
 * A MILP's cost grows steeply with its unstable neurons and varies by network: the limit steps down while their moving
 * average is above twice this, and back up while it is below half. The cost is counted in bound computations of the
 * same thread, not in milliseconds: on a busy machine both slow down alike, so the limit follows the programs and not
 * the load (docs/benchmarks/tuning.md).
 */
export const EXACT_TARGET_COST = 13;

/** A program taking longer than this is abandoned and the box split instead (the solver blocks its thread). */
export const PROGRAM_SECONDS = 1;

const YIELD_EVERY_MS = 40;

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
 * twice as long (on a property that holds they are pure cost), and one attack takes at most an eighth of that wait:
 * the box search's own candidate points find what longer attacks did (docs/benchmarks/tuning.md).
 */
export function attackIfDue(net: Network, query: Query, region: Box, ctx: SearchContext, now: number): Counterexample | undefined {
  if (now <= ctx.tactics.attackNext) return undefined;
  const samples = Math.max(256, Math.floor(20000 / Math.max(1, region.lower.length / 8)));
  const deadline = Math.min(ctx.deadline, now + ctx.tactics.attackGap / 8);
  // Sampling stops halfway, leaving the descents the other half (the attack used to overrun its budget sampling).
  const samplingDeadline = now + ctx.tactics.attackGap / 16;
  const cex = falsifyBox(net, query, region, { samples, starts: 100, steps: 100, deadline, samplingDeadline, signal: ctx.signal, random: ctx.random });
  ctx.tactics.attackGap *= 2;
  ctx.tactics.attackNext = Date.now() + ctx.tactics.attackGap;
  return cex;
}

export const rootEntry = (polytope: Polytope): SearchEntry => ({ box: { lower: polytope.lower, upper: polytope.upper }, depth: 0 });

/** The corner of the box where the row's linear lower bound is smallest: the likeliest violation. */
export function lowerBoundMinimiser(box: Box, coeffs: Float64Array, row: number): Float64Array {
  const n = box.lower.length;
  return box.lower.map((l, i) => (coeffs[row * n + i] > 0 ? l : coeffs[row * n + i] < 0 ? box.upper[i] : (l + box.upper[i]) / 2));
}

/** Whether ReLU splitting applies: every hidden activation is piecewise linear (ReLU or LeakyReLU). */
export function splittableNetwork(net: Network): boolean {
  return net.layers.slice(0, -1).every((l) => activationOf(l.activation).piecewise !== undefined)
    && net.layers[net.layers.length - 1].activation.kind === 'identity';
}

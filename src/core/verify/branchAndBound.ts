/**
 * Complete search by input splitting: bound the property's rows over a box; a box where every violation clause has a
 * row provably positive is safe. A box with few unstable neurons left is decided exactly, one MILP per open clause,
 * and a deep box may be proved by a clause's LP relaxation. Otherwise try the box's most suspicious points concretely
 * (the programs' points among them), then split the input with the largest smear (derivative bound x width) for the
 * row closest to a proof. Depth-first, so memory stays small.
 */
import type { Network } from '../network/network';
import type { LinearRow, Polytope, Query } from '../query/normalForm';
import { provesPositive, specBounds } from '../bounds/linearBounds';
import { boxCenter, boxVolume as volume, splitBox, type Box, type LayerBounds } from '../bounds/box';
import { smear } from '../bounds/smear';
import { confirm } from './falsify';
import { decideClauseByProgram, type ClauseDecision } from './milp';
import {
  EXACT_MAX_UNSTABLE, EXACT_TARGET_COST, PROGRAM_SECONDS, attackIfDue, lowerBoundMinimiser, splittableNetwork, takeTurn,
  type SearchContext, type SearchEntry, type SearchOutcome, type Tactics,
} from './searchKernel';

/**
 * Costs are averaged over the same recent boxes (each box's weight decays by this factor per box), the MILPs' time and
 * the bounds' time alike: a change of load then shows in both at once and leaves their ratio alone.
 */
const COST_MEMORY = 0.97;

/** Counts one box's bound computation (ms) in the thread's recent costs; call once per box. */
export function timeBound(t: Tactics, ms: number): void {
  const c = t.costs;
  c.boundMs = COST_MEMORY * c.boundMs + ms;
  c.bounds = COST_MEMORY * c.bounds + 1;
  c.exactMs *= COST_MEMORY;
  c.exacts *= COST_MEMORY;
}

/** Counts one MILP's time (ms) and steps the unstable-neuron limit of MILPs by their recent cost in bounds. */
export function adaptExactLimit(t: Tactics, ms: number): void {
  const c = t.costs;
  c.exactMs += ms;
  c.exacts += 1;
  const cost = c.exactMs / c.exacts / (c.boundMs / c.bounds);
  if (cost > 2 * EXACT_TARGET_COST) t.exactMaxUnstable = Math.max(0, t.exactMaxUnstable - 1);
  else if (cost < EXACT_TARGET_COST / 2) t.exactMaxUnstable = Math.min(EXACT_MAX_UNSTABLE, t.exactMaxUnstable + 1);
}

/**
 * From this depth on, an open clause of several rows gets its LP relaxation (one LP, triangle relaxation of every
 * unstable neuron, the rows jointly). Single rows gain little, and shallower boxes are too loose for the LP to prove
 * anything (docs/benchmarks/tuning.md).
 */
const RELAXED_MIN_DEPTH = 6;
/**
 * LP relaxations keep being tried while at least this fraction of them prove their box, and every RELAXED_RETRY-th
 * eligible box otherwise: where LPs prove most boxes they save most of the search, where they rarely do they only
 * prove boxes one split from a proof anyway (docs/benchmarks/tuning.md).
 */
const RELAXED_MIN_RATE = 0.5;
const RELAXED_RETRY = 16;

function relaxationPays(t: Tactics): boolean {
  if ((t.relaxedProved + 1) / (t.relaxedTried + 2) >= RELAXED_MIN_RATE || ++t.relaxedSkipped >= RELAXED_RETRY) {
    t.relaxedSkipped = 0;
    return true;
  }
  return false;
}

const MIN_WIDTH = 1e-12;


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
  // MILPs and LP relaxations encode piecewise-linear activations only.
  const programs = splittableNetwork(net);
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
    if (ctx.pauseAt !== undefined && now > ctx.pauseAt) {
      report();
      return { kind: 'paused', open: stack };
    }
    if (turn !== lastYield) {
      lastYield = turn;
      report();
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
    // verify() checked the weights when it started (a search thread's copy is never written).
    const boundStarted = performance.now();
    const bounds = specBounds(net, box, boundedRows, { enclosing, weightsChecked: true });
    timeBound(ctx.tactics, performance.now() - boundStarted);
    const provedRow = (r: number) => provesPositive(bounds.lower[r], bounds.upper[r]);
    const sumProved = new Set(sumClause.filter((_, q) => provedRow(rows.length + q)));
    // A clause is refuted on this box if one of its rows (or their sum) can never be <= 0 here; failing that, by its
    // exact MILP when few neurons are unstable, or by its LP relaxation on a deep enough box.
    const exact = programs && bounds.unstable <= ctx.tactics.exactMaxUnstable;
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
      if (!refuted && (exact || (programs && clauseRows.length > 1 && depth >= RELAXED_MIN_DEPTH && relaxationPays(ctx.tactics)))) {
        const decision = decideByProgram(net, query.violation[k], { ...polytope, lower: box.lower, upper: box.upper }, bounds.preActivation, exact, ctx);
        if (decision.kind === 'infeasible') refuted = true;
        else if (decision.kind === 'candidate') candidates.push(decision.input);
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

/** One clause on one box by its exact MILP or its LP relaxation, with the tactics and statistics kept up to date. */
function decideByProgram(
  net: Network, clause: readonly LinearRow[], region: Polytope, preActivation: readonly LayerBounds[], exact: boolean, ctx: SearchContext,
): ClauseDecision {
  const started = performance.now();
  const decision = decideClauseByProgram(net, region, preActivation, clause, {
    relaxed: !exact,
    timeLimitSec: Math.min(PROGRAM_SECONDS, (ctx.deadline - Date.now()) / 1000),
    shouldStop: () => Date.now() > ctx.deadline,
    // A box's clause is nearly always infeasible once its bounds stopped proving it, and a feasible one gives its point
    // all the same: the primal heuristic and the presolve only cost time here (docs/benchmarks/tuning.md).
    feasibilityJump: false,
    presolve: false,
  });
  if (exact) {
    ctx.stats.milps++;
    adaptExactLimit(ctx.tactics, performance.now() - started);
  } else {
    ctx.stats.lps++;
    ctx.tactics.relaxedTried++;
    if (decision.kind === 'infeasible') ctx.tactics.relaxedProved++;
  }
  return decision;
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

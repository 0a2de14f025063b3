/**
 * Area repair by boxes (our extension of REASSURE for properties violated almost everywhere in their region, where one
 * patch per linear region never ends): split the property's box dyadically into boxes, bound the network over each box
 * with sound linear bounds (CROWN), and give each box that is not proved safe a *monotone* patch delta * v, where v is
 * one direction for the whole repair that moves the outputs towards a convex safe set S (one row of every violation
 * clause, each helped: c.v >= 1) and never towards any violation row (c.v >= 0 for every other row), and delta is the
 * smallest step that the box's bounds prove enough.
 *
 * Why one direction: the patched network is f + v t(x) with t = sum over boxes of delta_l g_l(x) >= 0 (patchNetwork's
 * box supports: g_l = 1 on box l, 0 a little way outside). At any x of the region, x lies in some leaf box: a patched
 * leaf has t(x) >= delta_l, and a larger step only helps (the rows move monotonically in t), so x is safe; a leaf
 * proved safe stays safe because v helps or keeps every violation row's refuting side. Overlapping supports near faces
 * thus never undo a repair, with no stitching order at all.
 */
import { isGraph, type Model } from '../../../network/model';
import type { Graph } from '../../../network/graph';
import type { Network } from '../../../network/network';
import { forwardModel } from '../../../network/forward';
import { specBounds, provesPositive } from '../../../bounds/linearBounds';
import { boxVolume, isBounded, splitBox, type Box } from '../../../bounds/box';
import { lowerOnBox } from '../../../verify/graphLowering';
import { solveSparseLp } from '../../../lp';
import { seededRandom } from '../../../verify/falsify';
import { rowSlack, violationMargin, type LinearRow, type OutputDnf } from '../../../query/normalForm';

export interface BoxPatch {
  readonly box: Box;
  /** The step along the repair's direction on this box: the patch is delta * direction. */
  readonly delta: number;
}

export interface BoxPartition {
  /** The patch direction v (one per repair), and whether it protects every violation row (see the module comment). */
  readonly direction: Float64Array;
  readonly protectsAll: boolean;
  readonly patched: readonly BoxPatch[];
  /** Leaves proved safe by the bounds (no patch). */
  readonly safeLeaves: number;
}

export interface PartitionOptions {
  /** How far to the refuting side of each safe row the patched outputs must be (output units). */
  readonly margin: number;
  /** Stop splitting once this many leaves exist; the rest are patched as they are. */
  readonly maxBoxes: number;
  /** A box is patched without further splitting when its bound's step is within this factor of the sampled need. */
  readonly tightness: number;
  /** Bisections of the region's box before a leaf is patched as it is. */
  readonly maxDepth: number;
  readonly deadline: number;
}

/** The safe-set candidates: one row of every clause, at most `limit` combinations. */
function rowChoices(violation: OutputDnf, limit: number): LinearRow[][] {
  const out: LinearRow[][] = [];
  const choose = (k: number, picked: LinearRow[]) => {
    if (out.length >= limit) return;
    if (k === violation.length) { out.push(picked); return; }
    for (const row of violation[k]) choose(k + 1, [...picked, row]);
  };
  choose(0, []);
  return out;
}

/** The smallest direction (largest |v_i|) with c.v >= 1 for the chosen rows and, if asked, c.v >= 0 for every row. */
function direction(violation: OutputDnf, chosen: readonly LinearRow[], protect: boolean): Float64Array | undefined {
  const n = chosen[0].coeffs.length;
  const starts = [0];
  const indices: number[] = [];
  const values: number[] = [];
  const lo: number[] = [];
  const add = (entries: [number, number][], lower: number) => {
    for (const [i, v] of entries) if (v !== 0) { indices.push(i); values.push(v); }
    starts.push(indices.length);
    lo.push(lower);
  };
  for (let i = 0; i < n; i++) {
    add([[i, -1], [n, 1]], 0); // H - v_i >= 0
    add([[i, 1], [n, 1]], 0); // H + v_i >= 0
  }
  const rows = protect ? violation.flat() : chosen;
  for (const row of rows) add([...row.coeffs].map((c, i) => [i, c] as [number, number]), chosen.includes(row) ? 1 : 0);
  const cost = new Float64Array(n + 1);
  cost[n] = 1;
  const result = solveSparseLp({
    cost, lower: new Float64Array(n + 1).fill(-Infinity).fill(0, n), upper: new Float64Array(n + 1).fill(Infinity),
    rows: {
      starts: Int32Array.from(starts), indices: Int32Array.from(indices), values: Float64Array.from(values),
      lower: Float64Array.from(lo), upper: new Float64Array(lo.length).fill(Infinity),
    },
  }, 5);
  return result.status === 'optimal' ? result.x.slice(0, n) : undefined;
}

/** The step along v that lifts every chosen row's slack c.y - rhs to at least the margin, given its lower bounds. */
function stepFor(chosen: readonly LinearRow[], v: Float64Array, slackLower: (k: number) => number, margin: number): number {
  let delta = 0;
  chosen.forEach((row, k) => {
    const gain = row.coeffs.reduce((s, c, i) => s + c * v[i], 0);
    delta = Math.max(delta, (margin - slackLower(k)) / gain);
  });
  return delta;
}

/** Sample points of a box: its centre, its corners (up to 6 inputs), and uniform points. */
function samplesOf(box: Box, count: number, random: () => number): Float64Array[] {
  const m = box.lower.length;
  const points = [box.lower.map((l, j) => (l + box.upper[j]) / 2)];
  if (m <= 6) for (let c = 0; c < 1 << m; c++) points.push(box.lower.map((l, j) => ((c >> j) & 1 ? box.upper[j] : l)));
  for (let k = 0; k < count; k++) points.push(box.lower.map((l, j) => l + random() * (box.upper[j] - l)));
  return points;
}

/**
 * Partitions each box of the region and chooses the patches. `model` is the original network; its bounds over a box
 * are taken on the layer sequence that equals it there.
 */
export function partitionForRepair(model: Model, regionBoxes: readonly Box[], violation: OutputDnf, o: PartitionOptions): BoxPartition | { failure: string } {
  if (!regionBoxes.every(isBounded)) return { failure: 'the property\'s region is unbounded: give every input a lower and an upper bound' };
  const random = seededRandom(0xb0c5);
  const netOn = (box: Box): Network => (isGraph(model) ? lowerOnBox(model as Graph, box) : (model as Network));
  // The safe set: the choice of rows whose patch, at the sampled violations, is smallest (protecting every row if possible).
  const points = regionBoxes.flatMap((b) => samplesOf(b, 500, random));
  const outputs = points.map((x) => forwardModel(model, x));
  const violating = outputs.filter((y) => violationMargin(violation, y) <= 0);
  let best: { chosen: LinearRow[]; v: Float64Array; protect: boolean; cost: number } | undefined;
  for (const protect of [true, false]) {
    for (const chosen of rowChoices(violation, 64)) {
      const v = direction(violation, chosen, protect);
      if (!v) continue;
      const size = Math.max(...v.map(Math.abs));
      const cost = size * Math.max(0, ...violating.map((y) => stepFor(chosen, v, (k) => rowSlack(chosen[k], y), o.margin)));
      if (!best || cost < best.cost) best = { chosen, v, protect, cost };
    }
    if (best) break;
  }
  if (!best) return { failure: 'no output direction helps every clause of the violation' };
  const { chosen, v, protect } = best;
  const allRows = violation.flat();

  const patched: BoxPatch[] = [];
  let safeLeaves = 0;
  /** Boxes not proved safe whose patch a split may shrink, with the patch's step times the box's volume. */
  const open: { box: Box; depth: number; delta: number; dim: number; mass: number }[] = [];
  const evaluate = (box: Box, depth: number) => {
    const bounds = specBounds(netOn(box), box, allRows);
    const lower = (row: LinearRow) => bounds.lower[allRows.indexOf(row)];
    // Proved safe as it is: every clause has a refuted row (with v protecting every row), or the chosen rows hold.
    const refuted = (row: LinearRow) => provesPositive(lower(row), bounds.upper[allRows.indexOf(row)]);
    if (protect ? violation.every((clause) => clause.some(refuted)) : chosen.every((row) => lower(row) >= o.margin)) {
      safeLeaves++;
      return;
    }
    const delta = stepFor(chosen, v, (k) => lower(chosen[k]), o.margin);
    // A box violated at every sample whose bound's step is close to the need there is patched whole; else a split
    // may prove part of it safe or shrink the step.
    let need = 0;
    let everywhere = true;
    for (const x of samplesOf(box, 16, random)) {
      const y = forwardModel(model, x);
      if (violationMargin(violation, y) > 0) everywhere = false;
      else need = Math.max(need, stepFor(chosen, v, (k) => rowSlack(chosen[k], y), o.margin));
    }
    if ((everywhere && delta <= o.tightness * need) || depth >= o.maxDepth) patched.push({ box, delta });
    else open.push({ box, depth, delta, dim: widestSmear(bounds.lowerCoeffs, allRows, chosen, box), mass: delta * boxVolume(box) });
  };
  regionBoxes.forEach((box) => evaluate(box, 0));
  // Split the box whose patch moves the most (step x volume) first, while the budget of boxes lasts.
  while (open.length > 0 && safeLeaves + patched.length + open.length < o.maxBoxes && Date.now() < o.deadline) {
    const k = open.reduce((best, b, i) => (b.mass > open[best].mass ? i : best), 0);
    const { box, depth, dim } = open.splice(k, 1)[0];
    for (const half of splitBox(box, dim)) evaluate(half, depth + 1);
  }
  for (const { box, delta } of open) patched.push({ box, delta });
  return { direction: v, protectsAll: protect, patched, safeLeaves };
}

/** The input whose width times the chosen rows' bound coefficients is largest: where a split tightens the bound most. */
function widestSmear(coeffs: Float64Array, allRows: readonly LinearRow[], chosen: readonly LinearRow[], box: Box): number {
  const m = box.lower.length;
  let best = 0;
  let bestValue = -1;
  for (let j = 0; j < m; j++) {
    const width = box.upper[j] - box.lower[j];
    let s = 0;
    for (const row of chosen) s += Math.abs(coeffs[allRows.indexOf(row) * m + j]);
    const value = s * width + 1e-12 * width;
    if (value > bestValue) { bestValue = value; best = j; }
  }
  return best;
}

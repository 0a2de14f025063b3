/**
 * The affine patch p(x) = c x + d of one region (REASSURE section 3.4, Eq. 9): the smallest correction, in the largest
 * |p_i(x)| over the region, that puts the network's output on the region into the safe polytope {y : A_out y <= b_out}.
 * Each "for every x in the region" constraint is replaced by its LP dual (no vertex enumeration): max {u.x : G x <= h,
 * lo <= x <= hi} <= t iff some lambda, mu+, mu- >= 0 have G'lambda + mu+ - mu- = u and h.lambda + hi.mu+ - lo.mu- <= t.
 * Weak duality alone makes any feasible certificate sound; strong duality (the region is a bounded non-empty polytope)
 * makes the optimum the paper's minimal patch.
 */
import { solveSparseLp, type LpResult } from '../../../lp';
import type { RegionConstraints } from './linearRegion';

export interface SafeSet {
  /** Row-major [count][outputs]: the output must satisfy rows y <= rhs. */
  readonly rows: Float64Array;
  readonly rhs: Float64Array;
  readonly count: number;
}

export interface PatchProblem {
  readonly region: RegionConstraints;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** The network on the region: y = jacobian x + offset ([outputs][inputs]). */
  readonly jacobian: Float64Array;
  readonly offset: Float64Array;
  readonly outputs: number;
  readonly safe: SafeSet;
  /** 'constant' fixes c = 0 (a smaller patch network and LP, for wide inputs). */
  readonly form: 'affine' | 'constant';
}

export interface AffinePatch {
  /** Row-major [outputs][inputs] (all zero for a constant patch). */
  readonly c: Float64Array;
  readonly d: Float64Array;
  /** max over the region of |p_i(x)|: the patch's size. */
  readonly size: number;
}

/** Builds the LP row by row in CSR form. */
class SparseRows {
  readonly starts: number[] = [0];
  readonly indices: number[] = [];
  readonly values: number[] = [];
  readonly lower: number[] = [];
  readonly upper: number[] = [];
  add(entries: readonly (readonly [number, number])[], lower: number, upper: number): void {
    for (const [i, v] of entries) if (v !== 0) { this.indices.push(i); this.values.push(v); }
    this.starts.push(this.indices.length);
    this.lower.push(lower);
    this.upper.push(upper);
  }
}

export function solveAffinePatch(p: PatchProblem, timeLimitSec: number): AffinePatch | { readonly failure: string } {
  if (p.form === 'constant') return solveConstantPatch(p, timeLimitSec);
  const m = p.lower.length;
  const n = p.outputs;
  const q = p.region.count;
  const affine = p.form === 'affine';
  const cCount = affine ? n * m : 0;
  const dStart = cCount;
  const hIndex = dStart + n;
  const dualSize = q + 2 * m;
  // Dual blocks: 2n for |p_i| <= H (sign +1, -1), then one per safe row.
  const blocks = 2 * n + p.safe.count;
  const columns = hIndex + 1 + blocks * dualSize;
  const cost = new Float64Array(columns);
  cost[hIndex] = 1;
  const lower = new Float64Array(columns).fill(0);
  const upper = new Float64Array(columns).fill(Infinity);
  for (let i = 0; i < hIndex; i++) lower[i] = -Infinity;
  const rows = new SparseRows();
  const { rows: G, rhs: h } = p.region;
  for (let b = 0; b < blocks; b++) {
    const base = hIndex + 1 + b * dualSize;
    const isAbs = b < 2 * n;
    const out = isAbs ? b >> 1 : -1;
    const sign = isAbs ? (b % 2 === 0 ? 1 : -1) : 0;
    const safeRow = isAbs ? -1 : b - 2 * n;
    // G' lambda + mu+ - mu- - (x-coefficients of the bounded function that are variables) = its constant x-coefficients.
    for (let j = 0; j < m; j++) {
      const entries: [number, number][] = [];
      for (let l = 0; l < q; l++) entries.push([base + l, G[l * m + j]]);
      entries.push([base + q + j, 1], [base + q + m + j, -1]);
      let constant = 0;
      if (isAbs) {
        if (affine) entries.push([out * m + j, -sign]);
      } else {
        for (let i = 0; i < n; i++) {
          const a = p.safe.rows[safeRow * n + i];
          if (a === 0) continue;
          if (affine) entries.push([i * m + j, -a]);
          constant += a * p.jacobian[i * m + j];
        }
      }
      rows.add(entries, constant, constant);
    }
    // h.lambda + hi.mu+ - lo.mu- + (the constant part) <= bound.
    const entries: [number, number][] = [];
    for (let l = 0; l < q; l++) entries.push([base + l, h[l]]);
    for (let j = 0; j < m; j++) entries.push([base + q + j, p.upper[j]], [base + q + m + j, -p.lower[j]]);
    if (isAbs) {
      entries.push([dStart + out, sign], [hIndex, -1]);
      rows.add(entries, -Infinity, 0);
    } else {
      let fixed = 0;
      for (let i = 0; i < n; i++) {
        const a = p.safe.rows[safeRow * n + i];
        if (a === 0) continue;
        entries.push([dStart + i, a]);
        fixed += a * p.offset[i];
      }
      rows.add(entries, -Infinity, p.safe.rhs[safeRow] - fixed);
    }
  }
  const result: LpResult = solveSparseLp({
    cost, lower, upper,
    rows: {
      starts: Int32Array.from(rows.starts), indices: Int32Array.from(rows.indices), values: Float64Array.from(rows.values),
      lower: Float64Array.from(rows.lower), upper: Float64Array.from(rows.upper),
    },
  }, timeLimitSec);
  if (result.status !== 'optimal') {
    return { failure: result.status === 'infeasible' ? 'no affine patch puts this region into the safe set' : `the patch LP failed (${result.status === 'error' ? result.message : result.status})` };
  }
  return { c: affine ? result.x.slice(0, cCount) : new Float64Array(n * m), d: result.x.slice(dStart, dStart + n), size: result.x[hIndex] };
}

/**
 * A constant patch d: with c = 0 the functions to bound over the region no longer depend on the patch, so each safe
 * row's largest value over the region is one LP of its own (or, when the box alone describes the region, a closed
 * form), and d is the smallest vector in the largest |d_i| that leaves every row its room: a tiny LP.
 */
function solveConstantPatch(p: PatchProblem, timeLimitSec: number): AffinePatch | { readonly failure: string } {
  const m = p.lower.length;
  const n = p.outputs;
  const room: number[] = [];
  for (let k = 0; k < p.safe.count; k++) {
    const u = new Float64Array(m);
    let fixed = 0;
    for (let i = 0; i < n; i++) {
      const a = p.safe.rows[k * n + i];
      if (a === 0) continue;
      fixed += a * p.offset[i];
      for (let j = 0; j < m; j++) u[j] += a * p.jacobian[i * m + j];
    }
    const largest = maxOverRegion(u, p, timeLimitSec);
    if (largest === undefined) return { failure: 'the LP over the region failed' };
    room.push(p.safe.rhs[k] - fixed - largest);
  }
  // Variables d (n) and H: minimise H, -H <= d_i <= H, safe_k . d <= room_k.
  const rows = new SparseRows();
  for (let i = 0; i < n; i++) {
    rows.add([[i, 1], [n, -1]], -Infinity, 0);
    rows.add([[i, -1], [n, -1]], -Infinity, 0);
  }
  for (let k = 0; k < p.safe.count; k++) {
    const entries: [number, number][] = [];
    for (let i = 0; i < n; i++) entries.push([i, p.safe.rows[k * n + i]]);
    rows.add(entries, -Infinity, room[k]);
  }
  const cost = new Float64Array(n + 1);
  cost[n] = 1;
  const result = solveSparseLp({
    cost, lower: new Float64Array(n + 1).fill(-Infinity).fill(0, n), upper: new Float64Array(n + 1).fill(Infinity),
    rows: {
      starts: Int32Array.from(rows.starts), indices: Int32Array.from(rows.indices), values: Float64Array.from(rows.values),
      lower: Float64Array.from(rows.lower), upper: Float64Array.from(rows.upper),
    },
  }, timeLimitSec);
  if (result.status !== 'optimal') return { failure: result.status === 'infeasible' ? 'no constant patch puts this region into the safe set' : 'the patch LP failed' };
  return { c: new Float64Array(n * m), d: result.x.slice(0, n), size: result.x[n] };
}

/** max u.x over the region: the box's closed form when no half-space cuts it, else one LP. */
function maxOverRegion(u: Float64Array, p: PatchProblem, timeLimitSec: number): number | undefined {
  const m = u.length;
  if (p.region.count === 0) {
    let v = 0;
    for (let j = 0; j < m; j++) v += u[j] > 0 ? u[j] * p.upper[j] : u[j] * p.lower[j];
    return v;
  }
  const starts = Int32Array.from({ length: p.region.count + 1 }, (_, r) => r * m);
  const indices = Int32Array.from({ length: p.region.count * m }, (_, k) => k % m);
  const result = solveSparseLp({
    cost: u.map((v) => -v), lower: p.lower, upper: p.upper,
    rows: { starts, indices, values: p.region.rows, lower: new Float64Array(p.region.count).fill(-Infinity), upper: p.region.rhs },
  }, timeLimitSec);
  // The LP's optimum is exact up to the solver's tolerance; the margin of the safe set absorbs it.
  return result.status === 'optimal' ? -result.value : undefined;
}

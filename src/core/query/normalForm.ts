/**
 * The one normal form every property compiles to, from `.prop` or VNN-LIB, and that the verifier and the repair methods
 * consume. It has the shape of VNN-LIB: an input region and the *violation* (a counterexample is an input in the region
 * whose outputs satisfy the violation).
 *
 * All values are in the network's own (normalised) input and output space.
 */

/** sum_i coeffs[i] * v[i] <= rhs. */
export interface LinearRow {
  readonly coeffs: Float64Array;
  readonly rhs: number;
}

/** A box intersected with linear rows over the inputs. lower/upper may hold +-Infinity only where rows bound the input. */
export interface Polytope {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  readonly rows: readonly LinearRow[];
}

/** Violation in disjunctive normal form over the outputs: violated iff some conjunction has all its rows true. */
export type OutputDnf = readonly (readonly LinearRow[])[];

export interface Query {
  /** Property name (from `.prop`) or the file name (VNN-LIB). */
  readonly name: string;
  /** The input region is the union of these polytopes. */
  readonly region: readonly Polytope[];
  readonly violation: OutputDnf;
}

/**
 * The most conjunctions a property may expand to (its region's polytopes times its violation's clauses, or either):
 * beyond it the formula is refused with its count before it is multiplied out, so expansion cannot outlast a timeout.
 */
export const MAX_CLAUSES = 4096;

/**
 * The most rows a violation may have in all its clauses: the bounds at the search's root are computed for every row at
 * once, between two looks at the deadline (1,024 clauses of 10 rows took 3 s on ACAS Xu), so more would outlast a timeout.
 */
export const MAX_VIOLATION_ROWS = 4096;

/** The most inputs (or outputs) a property may speak of: 2^20, seven times ImageNet's 3x224x224. */
export const MAX_VARIABLES = 2 ** 20;

/** c.v - rhs: <= 0 iff the row holds at v. */
export function rowSlack(row: LinearRow, v: ArrayLike<number>): number {
  let s = -row.rhs;
  for (let i = 0; i < row.coeffs.length; i++) s += row.coeffs[i] * v[i];
  return s;
}

/**
 * Violation margin at concrete outputs: <= 0 iff the outputs violate the property. A conjunction holds iff its largest
 * slack is <= 0; the DNF iff its smallest conjunction value is. Falsifiers minimise this.
 */
export function violationMargin(violation: OutputDnf, y: ArrayLike<number>): number {
  let best = Infinity;
  for (const conj of violation) {
    let worst = -Infinity;
    for (const row of conj) worst = Math.max(worst, rowSlack(row, y));
    best = Math.min(best, worst);
  }
  return best;
}

/**
 * The row that decides violationMargin at y (the worst row of the closest conjunction): raising its slack is the
 * steepest way out of the violation, lowering it the steepest way in.
 */
export function decidingRow(violation: OutputDnf, y: ArrayLike<number>): { margin: number; row?: LinearRow } {
  let best = Infinity;
  let bestRow: LinearRow | undefined;
  for (const conj of violation) {
    let worst = -Infinity;
    let worstRow: LinearRow | undefined;
    for (const row of conj) {
      const s = rowSlack(row, y);
      if (s > worst) { worst = s; worstRow = row; }
    }
    if (worst < best) { best = worst; bestRow = worstRow; }
  }
  // No clause (a requirement that can never be violated): margin Infinity and no row.
  return { margin: best, row: bestRow };
}

/** Index of the first conjunction that y satisfies (within tolerance), or -1: "the clause it breaks". */
export function violatedClause(violation: OutputDnf, y: ArrayLike<number>, tolerance = 0): number {
  return violation.findIndex((conj) => conj.every((row) => rowSlack(row, y) <= tolerance));
}

export function inRegion(region: readonly Polytope[], x: ArrayLike<number>, tolerance = 0): boolean {
  return region.some((p) => {
    for (let i = 0; i < p.lower.length; i++) if (x[i] < p.lower[i] - tolerance || x[i] > p.upper[i] + tolerance) return false;
    return p.rows.every((row) => rowSlack(row, x) <= tolerance);
  });
}

/** The polytope cut to a box, or undefined when they do not meet. */
export function cutToBox(p: Polytope, box: { readonly lower: ArrayLike<number>; readonly upper: ArrayLike<number> }): Polytope | undefined {
  const lower = p.lower.map((l, i) => Math.max(l, box.lower[i]));
  const upper = p.upper.map((u, i) => Math.min(u, box.upper[i]));
  return lower.some((l, i) => l > upper[i]) ? undefined : { lower, upper, rows: p.rows };
}

/** Single-variable rows become box bounds (intersected with any given box); the rest stay rows. */
export function polytopeFromRows(rows: readonly LinearRow[], size: number): Polytope {
  const lower = new Float64Array(size).fill(-Infinity);
  const upper = new Float64Array(size).fill(Infinity);
  const rest: LinearRow[] = [];
  for (const r of rows) {
    let single = -1;
    let count = 0;
    for (let i = 0; i < r.coeffs.length; i++) if (r.coeffs[i] !== 0) { single = i; count++; }
    if (count === 1) {
      const bound = r.rhs / r.coeffs[single];
      if (r.coeffs[single] > 0) upper[single] = Math.min(upper[single], bound);
      else lower[single] = Math.max(lower[single], bound);
    } else if (count > 1) rest.push(r);
    else if (r.rhs < 0) lower[0] = Infinity; // 0 <= negative: the conjunction is empty.
  }
  return { lower, upper, rows: rest };
}

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

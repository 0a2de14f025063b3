/** What nRepair's steps share: the query on a piece, the violation loss's deciding row, float32 box edges. */
import { isEmpty, type Box } from '../../bounds/box';
import { rowSlack, type LinearRow, type OutputDnf, type Query } from '../../query/normalForm';

/** The query on one box: every region polytope cut to it (the piece's network answers all of the box). */
export function queryOn(query: Query, box: Box): Query {
  const region = query.region.flatMap((p) => {
    const lower = p.lower.map((l, i) => Math.max(l, box.lower[i]));
    const upper = p.upper.map((u, i) => Math.min(u, box.upper[i]));
    return isEmpty({ lower, upper }) ? [] : [{ lower, upper, rows: p.rows }];
  });
  return { ...query, region };
}

/**
 * The row that decides the violation margin at y (the worst row of the closest conjunction): raising its slack is
 * the steepest way out of the violation. The margin (<= 0 iff violated) is nRepair's loss, negated: the generic form of
 * the paper's Eq. 6 for any VNN-LIB property (for ACAS Xu property 2 both push COC's score below another's).
 */
export function decidingRow(violation: OutputDnf, y: ArrayLike<number>): { margin: number; row: LinearRow } {
  let best = Infinity;
  let bestRow = violation[0][0];
  for (const conj of violation) {
    let worst = -Infinity;
    let worstRow = conj[0];
    for (const row of conj) {
      const s = rowSlack(row, y);
      if (s > worst) { worst = s; worstRow = row; }
    }
    if (worst < best) { best = worst; bestRow = worstRow; }
  }
  return { margin: best, row: bestRow };
}

const bits = new Float32Array(1);
const word = new Int32Array(bits.buffer);

/** The largest float32 <= v: box edges the gate compares exactly in float32 as in float64. */
export function float32Below(v: number): number {
  const f = Math.fround(v);
  if (f <= v) return f;
  if (f === 0) return -1.401298464324817e-45;
  bits[0] = f;
  word[0] += f > 0 ? -1 : 1;
  return bits[0];
}

export const float32Above = (v: number): number => -float32Below(-v);

/** A float32 point strictly inside (lo, hi) near the middle, or undefined when none exists. */
export function float32Middle(lo: number, hi: number): number | undefined {
  const mid = Math.fround((lo + hi) / 2);
  return mid > lo && mid < hi ? mid : undefined;
}

/** What nRepair's steps share: the query on a piece, float32 box edges. */
import type { Box } from '../../bounds/box';
import { cutToBox, type Query } from '../../query/normalForm';

/** The query on one box: every region polytope cut to it (the piece's network answers all of the box). */
export function queryOn(query: Query, box: Box): Query {
  return { ...query, region: query.region.flatMap((p) => cutToBox(p, box) ?? []) };
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

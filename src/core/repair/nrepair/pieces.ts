/** What nRepair's steps share: the query on a piece, float32 box edges, a box for the log. */
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

/** A box for the log: every interval for a few inputs; for images, how many inputs and how wide. */
export const formatBox = (box: Box): string => (box.lower.length > 10
  ? `[${box.lower.length} inputs, widest ${Math.max(...box.upper.map((u, i) => u - box.lower[i])).toPrecision(3)}]`
  : `[${Array.from(box.lower, (l, i) => `${l.toPrecision(6)}..${box.upper[i].toPrecision(6)}`).join(', ')}]`);

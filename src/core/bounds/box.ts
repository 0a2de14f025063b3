/** An axis-aligned box of inputs: the domain that bounds are computed over and that branch and bound splits. */
export interface Box {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** Bounds on each value of one layer (pre- or post-activation). */
export interface LayerBounds { readonly lo: Float64Array; readonly hi: Float64Array }

export function splitBox(box: Box, dim: number): [Box, Box] {
  const mid = (box.lower[dim] + box.upper[dim]) / 2;
  const leftUpper = Float64Array.from(box.upper);
  leftUpper[dim] = mid;
  const rightLower = Float64Array.from(box.lower);
  rightLower[dim] = mid;
  return [{ lower: box.lower, upper: leftUpper }, { lower: rightLower, upper: box.upper }];
}

export const boxCenter = (box: Box): Float64Array => box.lower.map((l, i) => (l + box.upper[i]) / 2);

export const isBounded = (box: Box): boolean => box.lower.every(Number.isFinite) && box.upper.every(Number.isFinite);

export const isEmpty = (box: Box): boolean => box.lower.some((l, i) => l > box.upper[i]);

/** The box's volume, flat inputs counting as width 1 (a region fixing an input still has a size to share out). */
export function boxVolume(box: Box): number {
  let v = 1;
  for (let i = 0; i < box.lower.length; i++) v *= Math.max(0, box.upper[i] - box.lower[i]) || 1;
  return v;
}

/**
 * The keep and distill terms as one set of rows whose logits are held at the original network's (not in the paper;
 * docs/repair-irepair.md): rows 0 .. keepCount - 1 are C and its copies, taken every step; the rest are the other
 * given keep inputs, of which a step takes a draw of `batch`. Each row's loss weight makes the mean squared change
 * over a step's rows equal weight_keep m x (the mean over the keep rows) + weight_distill m x (the mean over the drawn
 * rows): the two terms in one backward pass instead of two (docs/repair-irepair.md, Speed).
 */
import type { Vec } from '../../../train/kernels';
import { vector, type Precision } from '../../../train/parameters';

export interface HeldTerm {
  /** Row-major inputs and the original network's logits of them. */
  readonly inputs: Vec;
  readonly targets: ArrayLike<number>;
  /** The term's weight, in the keep term's units (summed over the logits, mean over the rows). */
  readonly weight: number;
}

export interface HeldRows {
  readonly inputs: Vec;
  readonly targets: Float64Array;
  /** Each row's loss weight (mseLoss's per-row weights). */
  readonly weights: Float64Array;
  readonly keepCount: number;
  /** A step's rows: every keep row, then the drawn rows of the distill term (indices into its own inputs). */
  rows(drawn: Int32Array): Int32Array;
}

export function heldRows(precision: Precision, n: number, m: number, keep: HeldTerm | undefined, distill: (HeldTerm & { readonly batch: number }) | undefined): HeldRows {
  const keepCount = keep ? keep.inputs.length / n : 0;
  const distillCount = distill ? distill.inputs.length / n : 0;
  const stepRows = keepCount + (distill ? distill.batch : 0);
  const inputs = vector(precision, (keepCount + distillCount) * n);
  const targets = new Float64Array((keepCount + distillCount) * m);
  const weights = new Float64Array(keepCount + distillCount);
  if (keep) {
    inputs.set(keep.inputs);
    targets.set(keep.targets);
    weights.fill((keep.weight * m * stepRows) / keepCount, 0, keepCount);
  }
  if (distill) {
    inputs.set(distill.inputs, keepCount * n);
    targets.set(distill.targets, keepCount * m);
    weights.fill((distill.weight * m * stepRows) / distill.batch, keepCount);
  }
  return {
    inputs, targets, weights, keepCount,
    rows(drawn) {
      if (drawn.length !== stepRows - keepCount) throw new Error(`a step of the held rows draws ${stepRows - keepCount}, not ${drawn.length}`);
      const rows = new Int32Array(stepRows);
      for (let k = 0; k < keepCount; k++) rows[k] = k;
      drawn.forEach((row, b) => { rows[keepCount + b] = keepCount + row; });
      return rows;
    },
  };
}

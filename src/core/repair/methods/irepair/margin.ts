/**
 * When I-REPAIR counts a repair input as repaired: its label must beat every other output, strictly and by more than
 * float32 rounding can undo (the driver re-checks the written file with ONNX Runtime, which sums in another order), and
 * with the paper's optional margin delta (RQ iii), in softmax probabilities (the paper) or in logits.
 */
import type { Vec } from '../../../train/kernels';

export type MarginSpace = 'softmax' | 'logits';

/** Logit slack for float32 runtimes: MNIST logits are O(10), their rounding differences O(1e-6). */
const FLOAT32_SLACK = 1e-4;

/** The label's logit minus the largest other logit. */
export function margin(y: Vec, offset: number, width: number, label: number): number {
  let rival = -Infinity;
  for (let j = 0; j < width; j++) if (j !== label) rival = Math.max(rival, y[offset + j]);
  return y[offset + label] - rival;
}

export function isRepaired(y: Vec, offset: number, width: number, label: number, delta: number, space: MarginSpace): boolean {
  const own = y[offset + label];
  const lead = margin(y, offset, width, label);
  if (!(lead > FLOAT32_SLACK)) return false;
  if (delta <= 0) return true;
  if (space === 'logits') return lead > delta;
  // The label is the largest output: p_label - p_rival = (1 - exp(rival - own)) / sum_j exp(y_j - own).
  let sum = 0;
  for (let j = 0; j < width; j++) sum += Math.exp(y[offset + j] - own);
  return (1 - Math.exp(-lead)) / sum > delta;
}

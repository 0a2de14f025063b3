/**
 * I-REPAIR's per-parameter influence (seed 001, Algs. 1-2): the mean gradient of a loss over the inputs still wrong
 * (I_R) and over the inputs right (I_C), and the score (|I_R| + eps) / (|I_C| + eps) / gamma. Parameters scoring >= 1
 * matter more to the errors than to what is right: I-REPAIR trains only those (`mask`).
 */
import type { Network } from '../network/network';
import type { Vec } from '../train/kernels';
import type { Loss } from '../train/losses';
import { maskNone, type ParameterMask, type Parameters } from '../train/parameters';
import { lossGradient } from '../train/train';

export interface Influence {
  readonly repair: Parameters;
  readonly correct: Parameters;
  /** Row-major like the parameters: one score per weight and bias. */
  readonly scores: Parameters;
  readonly mask: ParameterMask;
}

/**
 * How gamma enters the score: the paper's (1/gamma)(|I_R| + eps)/(|I_C| + eps), or its code's
 * (|I_R| + eps)/(gamma |I_C| + eps). Both unlock every parameter as gamma -> 0; they differ only in where eps sits.
 */
export type ScoreForm = 'paper' | 'code';

export function influenceScore(iR: number, iC: number, gamma: number, epsilon: number, form: ScoreForm = 'paper'): number {
  return form === 'paper' ? (Math.abs(iR) + epsilon) / (Math.abs(iC) + epsilon) / gamma : (Math.abs(iR) + epsilon) / (gamma * Math.abs(iC) + epsilon);
}

/** Sets `mask` to 1 exactly where the score is >= 1 (the paper's l. 13) and returns how many parameters that unlocks. */
export function unlockInfluential(iR: Parameters, iC: Parameters, mask: ParameterMask, gamma: number, epsilon: number, form: ScoreForm = 'paper'): number {
  let unlocked = 0;
  iR.layers.forEach((layer, k) => {
    for (const part of ['weights', 'bias'] as const) {
      unlocked += unlockWhere(layer[part], iC.layers[k][part], mask.layers[k][part], gamma, epsilon, form === 'paper' ? gamma * epsilon : epsilon);
    }
  });
  return unlocked;
}

/**
 * influenceScore >= 1 on one array, without its divisions and without a branch (one pass over every parameter per
 * I-REPAIR iteration; a top-level loop of its arguments alone): |r| + eps >= gamma |c| + shift, shift gamma eps (paper)
 * or eps (code). The same test but at a tie within a rounding (none for gamma a power of 2). Returns how many it unlocks.
 */
function unlockWhere(r: Vec, c: Vec, mask: Uint8Array, gamma: number, epsilon: number, shift: number): number {
  let count = 0;
  for (let i = 0; i < r.length; i++) {
    const on = +(Math.abs(r[i]) + epsilon >= gamma * Math.abs(c[i]) + shift);
    mask[i] = on;
    count += on;
  }
  return count;
}

export function influence(
  net: Network,
  repair: { readonly inputs: Float64Array; readonly count: number; readonly loss: Loss },
  correct: { readonly inputs: Float64Array; readonly count: number; readonly loss: Loss },
  gamma = 1,
  epsilon = 1e-8,
): Influence {
  const iR = lossGradient(net, repair.inputs, repair.count, repair.loss).gradient;
  const iC = lossGradient(net, correct.inputs, correct.count, correct.loss).gradient;
  const mask = maskNone(net);
  unlockInfluential(iR, iC, mask, gamma, epsilon);
  const scores: Parameters = {
    precision: 'float64',
    layers: iR.layers.map((layer, k) => ({
      weights: Float64Array.from(layer.weights, (g, i) => influenceScore(g, iC.layers[k].weights[i], gamma, epsilon)),
      bias: Float64Array.from(layer.bias, (g, i) => influenceScore(g, iC.layers[k].bias[i], gamma, epsilon)),
    })),
  };
  return { repair: iR, correct: iC, scores, mask };
}

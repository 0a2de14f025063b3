/**
 * I-REPAIR's per-parameter influence (seed 001, Algs. 1-2): the mean gradient of a loss over the inputs still wrong
 * (I_R) and over the inputs right (I_C), and the score (|I_R| + eps) / (|I_C| + eps) / gamma. Parameters scoring >= 1
 * matter more to the errors than to what is right: I-REPAIR trains only those (`mask`).
 */
import type { Network } from '../network/network';
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
  const scores: Parameters = {
    precision: 'float64',
    layers: iR.layers.map((layer, k) => {
      const score = (part: 'weights' | 'bias') => Float64Array.from(layer[part], (g, i) => {
        const s = (Math.abs(g) + epsilon) / (Math.abs(iC.layers[k][part][i]) + epsilon) / gamma;
        mask.layers[k][part][i] = s >= 1 ? 1 : 0;
        return s;
      });
      return { weights: score('weights'), bias: score('bias') };
    }),
  };
  return { repair: iR, correct: iC, scores, mask };
}

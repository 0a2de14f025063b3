/** The .nnet normalisation (Normalization in network.ts) between physical units and the network's own space. */
import type { Normalization } from './network';

/** (clip(x, min, max) - mean) / range, per input. */
export const normalisedInput = (norm: Normalization, x: ArrayLike<number>): Float64Array =>
  Float64Array.from(x, (v, i) => (Math.min(norm.inputMax[i], Math.max(norm.inputMin[i], v)) - norm.inputMean[i]) / norm.inputRange[i]);

/** y * outputRange + outputMean, per output. */
export const physicalOutput = (norm: Normalization, y: ArrayLike<number>): Float64Array =>
  Float64Array.from(y, (v) => v * norm.outputRange + norm.outputMean);

/**
 * The common form of a network: a plain sequence of dense affine layers, each followed by one element-wise activation.
 * ONNX import lowers every plain sequence to this form (Conv and BatchNormalization become dense affine maps); networks
 * with skip connections or branches are Graphs (graph.ts), and `Model` (model.ts) is either.
 *
 * Networks are values: training and repair build new ones and never write into an existing network's arrays. Caches
 * derived from weights check them anyway (derived.ts), so a stray write can never leave an analysis on stale weights.
 */
export type Activation =
  | { readonly kind: 'identity' }
  | { readonly kind: 'relu' }
  | { readonly kind: 'leakyRelu'; readonly alpha: number }
  | { readonly kind: 'sigmoid' }
  | { readonly kind: 'tanh' };

export interface DenseLayer {
  readonly inSize: number;
  readonly outSize: number;
  /** Row-major [outSize][inSize]: weights[o * inSize + i]. Float64 for sound analysis. */
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly activation: Activation;
  /** The ONNX node (or .nnet layer) this layer came from: used in error messages and the responsibility heatmap. */
  readonly name: string;
}

export interface Network {
  readonly layers: readonly DenseLayer[];
  /** Graph input/output names and shapes as in the source file, so an export or an ORT session can be fed the same way. */
  readonly inputName: string;
  readonly inputShape: readonly number[];
  readonly outputName: string;
  readonly outputShape: readonly number[];
  /** Things the importer did that a user should know (e.g. "final Softmax dropped: properties speak of logits"). */
  readonly notes: readonly string[];
  /** Present for .nnet models: how physical inputs/outputs map to the network's normalised space. */
  readonly normalization?: Normalization;
  /**
   * The name of a final Softmax the importer dropped. Softmax keeps the order of the outputs, so dropping it is sound
   * for order properties (comparisons between outputs) only; the verifier refuses other properties on such a model.
   */
  readonly droppedSoftmax?: string;
}

/**
 * The .nnet convention: the network reads (clip(x, min, max) - mean) / range and its outputs are y * outputRange +
 * outputMean in physical units.
 */
export interface Normalization {
  readonly inputMin: readonly number[];
  readonly inputMax: readonly number[];
  readonly inputMean: readonly number[];
  readonly inputRange: readonly number[];
  readonly outputMean: number;
  readonly outputRange: number;
}

/**
 * The most values one dense layer (or one lowered tensor) may hold: 2^26 float64 values, 512 MB. A declared input of
 * 4e9 values, or a Conv on 3x224x224 lowered to a dense matrix, is refused with its size before anything is allocated.
 */
export const MAX_DENSE_VALUES = 2 ** 26;

export const inputSize = (net: Network): number => net.layers[0].inSize;
export const outputSize = (net: Network): number => net.layers[net.layers.length - 1].outSize;

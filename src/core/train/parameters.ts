/**
 * A network's trainable parameters as the training core's own working copy, in float32 or float64. Training updates
 * these arrays; `networkWith` turns them into a new Network. A Network's own weight arrays are never written (the
 * verifier and the float32 forward pass cache by identity).
 */
import type { Precision } from '../onnx/protoParts';
import type { Network } from '../network/network';
import type { Vec } from './kernels';

export type { Precision };

export interface LayerParameters {
  /** Row-major [outSize][inSize], as DenseLayer.weights. */
  readonly weights: Vec;
  readonly bias: Vec;
}

export interface Parameters {
  readonly precision: Precision;
  readonly layers: readonly LayerParameters[];
}

export const vector = (precision: Precision, length: number): Vec => (precision === 'float64' ? new Float64Array(length) : new Float32Array(length));

const copy = (precision: Precision, values: ArrayLike<number>): Vec => (precision === 'float64' ? Float64Array.from(values) : Float32Array.from(values));

export function parametersOf(net: Network, precision: Precision = 'float64'): Parameters {
  return { precision, layers: net.layers.map((l) => ({ weights: copy(precision, l.weights), bias: copy(precision, l.bias) })) };
}

/** Zeros of the same shapes: a gradient accumulator or an optimiser's state. */
export function zerosLike(p: Parameters): Parameters {
  return { precision: p.precision, layers: p.layers.map((l) => ({ weights: vector(p.precision, l.weights.length), bias: vector(p.precision, l.bias.length) })) };
}

export function fillZero(p: Parameters): void {
  for (const l of p.layers) {
    l.weights.fill(0);
    l.bias.fill(0);
  }
}

/**
 * A new Network with these parameters (float64 copies) and everything else of `net`. A float32 value that is still
 * the rounding of the original keeps the original's float64 value, so parameters that training left alone (masked out)
 * stay exactly as they were.
 */
export function networkWith(net: Network, p: Parameters): Network {
  if (p.layers.length !== net.layers.length) throw new Error(`parameters for ${p.layers.length} layers, network has ${net.layers.length}`);
  return {
    ...net,
    layers: net.layers.map((layer, k) => ({ ...layer, weights: trainedValues(layer.weights, p.layers[k].weights), bias: trainedValues(layer.bias, p.layers[k].bias) })),
  };
}

/** Float64 copies of trained values; a float32 value still equal to the original's rounding keeps the original's value. */
export function trainedValues(original: ArrayLike<number>, trained: Vec): Float64Array {
  return trained instanceof Float64Array ? Float64Array.from(trained) : Float64Array.from(trained, (v, i) => (v === Math.fround(original[i]) ? original[i] : v));
}

/**
 * Which parameters may change: 1 = trainable. A missing mask trains everything. Build one with `maskNone` and set
 * entries, or with the helpers below.
 */
export interface ParameterMask {
  readonly layers: readonly { readonly weights: Uint8Array; readonly bias: Uint8Array }[];
}

export function maskNone(net: Network): ParameterMask {
  return { layers: net.layers.map((l) => ({ weights: new Uint8Array(l.weights.length), bias: new Uint8Array(l.bias.length) })) };
}

/** A mask of the shapes of `p` (any model form), everything locked. */
export function maskShapedLike(p: Parameters): ParameterMask {
  return { layers: p.layers.map((l) => ({ weights: new Uint8Array(l.weights.length), bias: new Uint8Array(l.bias.length) })) };
}

/** Every weight and bias of the given layers. */
export function maskLayers(net: Network, layers: readonly number[]): ParameterMask {
  const mask = maskNone(net);
  for (const k of layers) {
    mask.layers[k].weights.fill(1);
    mask.layers[k].bias.fill(1);
  }
  return mask;
}

/** The incoming weights and the bias of each given neuron (layer index, neuron index). */
export function maskNeurons(net: Network, neurons: readonly { readonly layer: number; readonly neuron: number }[]): ParameterMask {
  const mask = maskNone(net);
  for (const { layer, neuron } of neurons) {
    const n = net.layers[layer].inSize;
    mask.layers[layer].weights.fill(1, neuron * n, (neuron + 1) * n);
    mask.layers[layer].bias[neuron] = 1;
  }
  return mask;
}

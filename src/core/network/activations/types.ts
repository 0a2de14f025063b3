import type { onnx } from 'onnx-proto';

export type Vec = Float64Array | Float32Array;

/** lowerSlope * z + lowerShift <= act(z) <= upperSlope * z + upperShift for every z in [l, u]. */
export interface Relaxation {
  lowerSlope: number;
  lowerShift: number;
  upperSlope: number;
  upperShift: number;
}

/**
 * Everything the engine needs to know about one element-wise activation. All of them are monotone non-decreasing, so
 * the interval image of [l, u] is [value(l), value(u)] and every relaxation's slopes are non-negative.
 */
export interface ActivationModule {
  /** In place over a vector (the forward passes). */
  apply(v: Vec): void;
  value(z: number): number;
  /** The derivative at z, given value = value(z) (the gradient attacks). */
  derivative(z: number, value: number): number;
  /** Bounds on the derivative over [l, u] (the input-split heuristic). */
  derivativeRange(l: number, u: number): [number, number];
  /**
   * A sound linear relaxation over [l, u], written into `r`. `lowerSlopeHint` picks the lower line of a piecewise
   * linear activation (the optimised slopes of alpha-CROWN); other activations ignore it.
   */
  relax(l: number, u: number, r: Relaxation, lowerSlopeHint?: number): void;
  /**
   * Two linear pieces meeting at 0: slope `below` for z < 0 and 1 above (ReLU: 0, LeakyReLU: alpha). What the MILP
   * encodes exactly, ReLU splitting splits on, and a graph lowering carries values through. Absent otherwise.
   */
  readonly piecewise?: { readonly below: number };
  /** The ONNX node computing it from `input` into `output`; undefined for the identity. */
  onnxNode(input: string, output: string, name: string): onnx.NodeProto | undefined;
}

export function setRelaxation(r: Relaxation, lowerSlope: number, lowerShift: number, upperSlope: number, upperShift: number): void {
  r.lowerSlope = lowerSlope;
  r.lowerShift = lowerShift;
  r.upperSlope = upperSlope;
  r.upperShift = upperShift;
}

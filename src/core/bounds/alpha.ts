/**
 * Optimised lower relaxation slopes (alpha-CROWN) for the property's rows. Below an unstable ReLU any line through the
 * origin with slope alpha in [0, 1] is a sound lower bound, so every choice of alphas gives a valid bound on a row; we
 * climb the row's back-substituted lower bound by projected gradient ascent (Adam) over its own alphas and keep the
 * best bound seen. The intermediate layers' bounds are left as they are (their alphas stay the CROWN choice).
 * The gradient is the exact reverse pass of the back-substitution for the current relaxation choices.
 */
import type { Network } from '../network/network';
import type { Box } from './box';
import { multiplyRows, throughAffine, transpose, type LayerRelaxation } from './backSubstitution';
import type { LayerBounds } from './linearBounds';

export interface OptimisedRows {
  readonly lower: Float64Array;
  /** The symbolic lower bound (over the input) that gave each row's best bound, row-major [rows][inputs]. */
  readonly coeffs: Float64Array;
  readonly constant: Float64Array;
}

/**
 * Rows C·a + d over the last hidden layer's activations a (C is [rows][width]); layers 0..hidden-1 are hidden.
 * `preActivation` decides which neurons are unstable (their alphas are free); `minSlope` is the activation's slope
 * below zero (0 for ReLU, alpha for LeakyReLU), per layer.
 */
export function optimiseRowSlopes(
  net: Network, hidden: number, C: Float64Array, d: Float64Array, rows: number, relaxations: readonly LayerRelaxation[],
  preActivation: readonly LayerBounds[], minSlope: readonly number[], box: Box, iterations: number,
): OptimisedRows {
  const n = box.lower.length;
  // alphas[t][r * width + j]: row r's lower slope for neuron j of layer t, starting at the CROWN choice.
  const free: Uint8Array[] = [];
  const alphas: Float64Array[] = [];
  for (let t = 0; t < hidden; t++) {
    const width = net.layers[t].outSize;
    const { lo, hi } = preActivation[t];
    const isFree = new Uint8Array(width);
    const a = new Float64Array(rows * width);
    for (let j = 0; j < width; j++) {
      isFree[j] = lo[j] < 0 && hi[j] > 0 && Number.isFinite(minSlope[t]) ? 1 : 0;
      for (let r = 0; r < rows; r++) a[r * width + j] = relaxations[t].lowerSlope[j];
    }
    free.push(isFree);
    alphas.push(a);
  }
  const best: OptimisedRows = { lower: new Float64Array(rows).fill(-Infinity), coeffs: new Float64Array(rows * n), constant: new Float64Array(rows) };
  const m1 = alphas.map((a) => new Float64Array(a.length));
  const m2 = alphas.map((a) => new Float64Array(a.length));
  const lr = 0.2;
  for (let it = 0; it < iterations; it++) {
    const pass = boundWithGradient(net, hidden, C, d, rows, relaxations, alphas, free, box);
    for (let r = 0; r < rows; r++) {
      if (pass.lower[r] > best.lower[r]) {
        best.lower[r] = pass.lower[r];
        best.coeffs.set(pass.coeffs.subarray(r * n, (r + 1) * n), r * n);
        best.constant[r] = pass.constant[r];
      }
    }
    if (it === iterations - 1) break;
    // Adam ascent step, projected onto [minSlope, 1].
    const b1 = 1 - 0.9 ** (it + 1);
    const b2 = 1 - 0.999 ** (it + 1);
    for (let t = 0; t < hidden; t++) {
      const a = alphas[t], g = pass.gradient[t], p = m1[t], q = m2[t];
      for (let e = 0; e < a.length; e++) {
        if (g[e] === 0) continue;
        p[e] = 0.9 * p[e] + 0.1 * g[e];
        q[e] = 0.999 * q[e] + 0.001 * g[e] * g[e];
        const step = (lr * (p[e] / b1)) / (Math.sqrt(q[e] / b2) + 1e-12);
        a[e] = Math.min(1, Math.max(minSlope[t], a[e] + step));
      }
    }
  }
  return best;
}

/** One back-substitution of the rows with the given alphas, and the gradient of each row's bound w.r.t. its alphas. */
function boundWithGradient(
  net: Network, hidden: number, C: Float64Array, d: Float64Array, rows: number, relaxations: readonly LayerRelaxation[],
  alphas: readonly Float64Array[], free: readonly Uint8Array[], box: Box,
): { lower: Float64Array; coeffs: Float64Array; constant: Float64Array; gradient: Float64Array[] } {
  const n = box.lower.length;
  const constant = Float64Array.from(d);
  // Coefficients over each hidden layer's activations before its relaxation is applied (kept for the reverse pass).
  const overActivation: Float64Array[] = new Array(hidden);
  let A = C;
  for (let t = hidden - 1; t >= 0; t--) {
    overActivation[t] = A;
    const layer = net.layers[t];
    const width = layer.outSize;
    const rel = relaxations[t];
    const z = new Float64Array(rows * width);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < width; j++) {
        const a = A[r * width + j];
        if (a > 0) {
          z[r * width + j] = a * (free[t][j] ? alphas[t][r * width + j] : rel.lowerSlope[j]);
          if (!free[t][j]) constant[r] += a * rel.lowerShift[j];
        } else if (a < 0) {
          z[r * width + j] = a * rel.upperSlope[j];
          constant[r] += a * rel.upperShift[j];
        }
      }
    }
    A = throughAffine(z, rows, layer, constant);
  }
  const lower = Float64Array.from(constant);
  // d(bound)/d(input coefficient): the box corner that minimises it.
  let G = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < n; i++) {
      const a = A[r * n + i];
      lower[r] += a > 0 ? a * box.lower[i] : a * box.upper[i];
      G[r * n + i] = a > 0 ? box.lower[i] : box.upper[i];
    }
  }
  // Reverse pass, input side first: G holds d(bound)/d(coefficients over the current layer's input).
  const gradient: Float64Array[] = new Array(hidden);
  for (let t = 0; t < hidden; t++) {
    const layer = net.layers[t];
    const width = layer.outSize;
    const inSize = layer.inSize;
    // d(bound)/dz = G·W^T + b (the constant gained b through each row's coefficients on z).
    const Gz = new Float64Array(rows * width);
    multiplyRows(G, rows, inSize, transpose(layer.weights, width, inSize), width, Gz);
    for (let r = 0; r < rows; r++) for (let o = 0; o < width; o++) Gz[r * width + o] += layer.bias[o];
    const rel = relaxations[t];
    const Aa = overActivation[t];
    const grad = new Float64Array(rows * width);
    const Ga = new Float64Array(rows * width);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < width; j++) {
        const e = r * width + j;
        const a = Aa[e];
        if (a > 0) {
          if (free[t][j]) {
            grad[e] = Gz[e] * a;
            Ga[e] = Gz[e] * alphas[t][e];
          } else Ga[e] = Gz[e] * rel.lowerSlope[j] + rel.lowerShift[j];
        } else if (a < 0) Ga[e] = Gz[e] * rel.upperSlope[j] + rel.upperShift[j];
      }
    }
    gradient[t] = grad;
    G = Ga;
  }
  return { lower, coeffs: A, constant, gradient };
}

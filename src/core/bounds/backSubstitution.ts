/**
 * CROWN/DeepPoly back-substitution: bounds on C·z for a layer's pre-activations z, obtained by substituting each
 * earlier layer's linear relaxation backwards down to the input box. Unlike forward propagation, the choice of the
 * lower or upper relaxation is made on the *combined* coefficient, so terms cancel across layers: far tighter on deep
 * networks (docs/benchmarks/tuning.md).
 */
import type { DenseLayer, Network } from '../network/network';
import { DerivedCache } from '../network/derived';
import type { Box } from './box';

/** Relaxation lines of one hidden layer's activations: lowerSlope*z + lowerShift <= act(z) <= upperSlope*z + upperShift. */
export interface LayerRelaxation {
  readonly lowerSlope: Float64Array;
  readonly lowerShift: Float64Array;
  readonly upperSlope: Float64Array;
  readonly upperShift: Float64Array;
}

/**
 * Lower bounds of the rows of (C · z_k + d) over the box, where z_k = W_k a_{k-1} + b_k is layer k's pre-activation,
 * C is [rows][size_k] row-major. Also returns the symbolic lower bound over the input (coeffs, const).
 */
export function backSubstituteLower(
  net: Network, k: number, C: Float64Array, d: Float64Array, rows: number, relaxations: readonly LayerRelaxation[], box: Box,
): { lower: Float64Array; coeffs: Float64Array; constant: Float64Array } {
  let A = C;
  const cst = Float64Array.from(d);
  for (let t = k; t >= 0; t--) {
    const layer = net.layers[t];
    A = throughAffine(A, rows, layer, cst);
    const width = layer.inSize;
    if (t === 0) break;
    // Through the activations of layer t-1: a lower bound takes the lower line where the coefficient is positive.
    const rel = relaxations[t - 1];
    for (let r = 0; r < rows; r++) {
      const ar = r * width;
      let c = 0;
      for (let j = 0; j < width; j++) {
        const a = A[ar + j];
        if (a > 0) {
          c += a * rel.lowerShift[j];
          A[ar + j] = a * rel.lowerSlope[j];
        } else if (a < 0) {
          c += a * rel.upperShift[j];
          A[ar + j] = a * rel.upperSlope[j];
        }
      }
      cst[r] += c;
    }
  }
  const n = box.lower.length;
  const lower = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let v = cst[r];
    for (let i = 0; i < n; i++) {
      const a = A[r * n + i];
      v += a > 0 ? a * box.lower[i] : a * box.upper[i];
    }
    lower[r] = v;
  }
  return { lower, coeffs: A, constant: cst };
}

/**
 * Rows over a layer's pre-activations z = W a + b, as rows over its input a: returns A·W and adds A·b to `constant`.
 * A is [rows][outSize].
 */
export function throughAffine(A: Float64Array, rows: number, layer: DenseLayer, constant: Float64Array): Float64Array {
  const width = layer.outSize;
  for (let r = 0; r < rows; r++) {
    let c = 0;
    for (let o = 0; o < width; o++) c += A[r * width + o] * layer.bias[o];
    constant[r] += c;
  }
  const next = new Float64Array(rows * layer.inSize);
  multiplyRows(A, rows, width, layer.weights, layer.inSize, next);
  return next;
}

const transposed = new DerivedCache<Float64Array, Float64Array>((W) => [W]);

/** W^T, cached per weight matrix. */
export function transpose(W: Float64Array, width: number, inSize: number): Float64Array {
  return transposed.get(W, () => {
    const t = new Float64Array(W.length);
    for (let o = 0; o < width; o++) for (let i = 0; i < inSize; i++) t[i * width + o] = W[o * inSize + i];
    return t;
  });
}

/**
 * out = A · W for A [rows][width] and W [width][inSize] (both row-major), as dot products of A's rows with W's columns,
 * four rows by two columns at a time so that loads are shared by several multiply-adds: this product is most of a bound
 * computation's time.
 */
export function multiplyRows(A0: Float64Array, rows: number, width0: number, W: Float64Array, inSize: number, out: Float64Array): void {
  // One scan of A: its non-zeros, and its non-zero columns (neurons that are off on the whole box give zero columns).
  let nonzero = 0;
  const used: number[] = [];
  for (let o = 0; o < width0; o++) {
    const before = nonzero;
    for (let r = 0; r < rows; r++) if (A0[r * width0 + o] !== 0) nonzero++;
    if (nonzero > before) used.push(o);
  }
  if (nonzero * 8 < rows * width0) return multiplySparseRows(A0, rows, width0, W, inSize, out);
  const T0 = transpose(W, width0, inSize);
  const width = used.length;
  let A = A0;
  let T = T0;
  if (width < width0) {
    A = new Float64Array(rows * width);
    T = new Float64Array(inSize * width);
    for (let r = 0; r < rows; r++) for (let q = 0; q < width; q++) A[r * width + q] = A0[r * width0 + used[q]];
    for (let i = 0; i < inSize; i++) for (let q = 0; q < width; q++) T[i * width + q] = T0[i * width0 + used[q]];
  }
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const a0 = r * width, a1 = a0 + width, a2 = a1 + width, a3 = a2 + width;
    const n0 = r * inSize, n1 = n0 + inSize, n2 = n1 + inSize, n3 = n2 + inSize;
    let i = 0;
    for (; i + 2 <= inSize; i += 2) {
      const t0 = i * width, t1 = t0 + width;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let o = 0; o < width; o++) {
        const w0 = T[t0 + o], w1 = T[t1 + o];
        const x0 = A[a0 + o], x1 = A[a1 + o], x2 = A[a2 + o], x3 = A[a3 + o];
        s00 += x0 * w0; s01 += x0 * w1; s10 += x1 * w0; s11 += x1 * w1;
        s20 += x2 * w0; s21 += x2 * w1; s30 += x3 * w0; s31 += x3 * w1;
      }
      out[n0 + i] = s00; out[n0 + i + 1] = s01; out[n1 + i] = s10; out[n1 + i + 1] = s11;
      out[n2 + i] = s20; out[n2 + i + 1] = s21; out[n3 + i] = s30; out[n3 + i + 1] = s31;
    }
    for (; i < inSize; i++) {
      const t0 = i * width;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let o = 0; o < width; o++) {
        const w = T[t0 + o];
        s0 += A[a0 + o] * w; s1 += A[a1 + o] * w; s2 += A[a2 + o] * w; s3 += A[a3 + o] * w;
      }
      out[n0 + i] = s0; out[n1 + i] = s1; out[n2 + i] = s2; out[n3 + i] = s3;
    }
  }
  for (; r < rows; r++) {
    const ar = r * width;
    for (let i = 0; i < inSize; i++) {
      const t0 = i * width;
      let s0 = 0;
      for (let o = 0; o < width; o++) s0 += A[ar + o] * T[t0 + o];
      out[r * inSize + i] = s0;
    }
  }
}

/** The same product when A is mostly zeros (a layer's own neurons picked out one per row): row by row, skipping zeros. */
function multiplySparseRows(A: Float64Array, rows: number, width: number, W: Float64Array, inSize: number, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < width; o++) {
      const a = A[r * width + o];
      if (a === 0) continue;
      const wo = o * inSize;
      for (let i = 0; i < inSize; i++) out[r * inSize + i] += a * W[wo + i];
    }
  }
}

/**
 * Symbolic tensors used while lowering an ONNX graph: a tensor is either a constant or an affine function A·v + b of
 * the "live" vector v (the graph input, or the output of the last activation). Linear operators compose into A and b;
 * an activation turns the pending affine map into a DenseLayer and starts a new live vector.
 */
import { InputError } from '../errors';
import { MAX_DENSE_VALUES } from '../network/network';
import type { ConstTensor } from './tensorData';

export type SymTensor = ConstTensor & { readonly kind: 'const' } | AffineTensor;

export interface AffineTensor {
  readonly kind: 'affine';
  readonly dims: readonly number[];
  /** Row-major [size][liveSize]; null means the identity (dims hold exactly the live vector). */
  readonly A: Float64Array | null;
  readonly b: Float64Array;
  /** Which live vector (0 = graph input, k = output of the k-th activation) the map reads. */
  readonly live: number;
  readonly liveSize: number;
}

export const sizeOf = (dims: readonly number[]): number => dims.reduce((a, d) => a * d, 1);

/** Refuses (before anything is allocated) a tensor or matrix of rows x columns values past MAX_DENSE_VALUES. */
export function checkDenseSize(rows: number, columns = 1): void {
  const count = rows * columns;
  if (count <= MAX_DENSE_VALUES) return;
  const shape = columns === 1 ? `a tensor of ${rows} values` : `a dense ${rows} x ${columns} matrix (${count.toExponential(2)} values)`;
  throw new InputError(`lowering the graph needs ${shape}; NetMend handles at most ${MAX_DENSE_VALUES} values (512 MB) per layer`);
}

/** A zeroed array of rows x columns values, refused past MAX_DENSE_VALUES. */
export function denseArray(rows: number, columns = 1): Float64Array {
  checkDenseSize(rows, columns);
  return new Float64Array(rows * columns);
}

export const constant = (dims: readonly number[], data: Float64Array): SymTensor => ({ kind: 'const', dims, data });

export function identity(dims: readonly number[], live: number): AffineTensor {
  const n = sizeOf(dims);
  return { kind: 'affine', dims, A: null, b: denseArray(n), live, liveSize: n };
}

/** The matrix of an affine tensor, materialising the identity. */
export function matrixOf(t: AffineTensor): Float64Array {
  if (t.A) return t.A;
  const n = t.liveSize;
  const A = denseArray(n, n);
  for (let i = 0; i < n; i++) A[i * n + i] = 1;
  return A;
}

export const reshaped = (t: SymTensor, dims: readonly number[]): SymTensor => ({ ...t, dims });

/** Numpy broadcasting of two shapes; undefined when they do not broadcast. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return undefined;
    out.push(Math.max(da, db));
  }
  return out;
}

/** For each flat index of `outDims`, the flat index of the element of a tensor of `dims` that broadcasts to it. */
export function broadcastIndex(dims: readonly number[], outDims: readonly number[]): Int32Array {
  const size = sizeOf(outDims);
  checkDenseSize(size);
  const index = new Int32Array(size);
  const offset = outDims.length - dims.length;
  const strides = new Array<number>(dims.length);
  let stride = 1;
  for (let d = dims.length - 1; d >= 0; d--) {
    strides[d] = dims[d] === 1 ? 0 : stride;
    stride *= dims[d];
  }
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let src = 0;
    for (let d = outDims.length - 1; d >= 0; d--) {
      const coord = rest % outDims[d];
      rest = Math.floor(rest / outDims[d]);
      const k = d - offset;
      if (k >= 0) src += coord * strides[k];
    }
    index[flat] = src;
  }
  return index;
}

/** Builds an affine tensor row by row: row r of the result is sum_j coeffs[j] * row(src[j]) of `t`, plus a constant. */
export function combineRows(
  t: AffineTensor,
  dims: readonly number[],
  rowTerms: (r: number, add: (srcRow: number, coeff: number) => void) => number,
): AffineTensor {
  const size = sizeOf(dims);
  const n = t.liveSize;
  const A = denseArray(size, n);
  const b = denseArray(size);
  for (let r = 0; r < size; r++) {
    const base = r * n;
    let bias = 0;
    const add = (src: number, c: number): void => {
      if (c === 0) return;
      bias += c * t.b[src];
      if (t.A) {
        const srcBase = src * n;
        for (let j = 0; j < n; j++) A[base + j] += c * t.A[srcBase + j];
      } else {
        A[base + src] += c;
      }
    };
    bias += rowTerms(r, add);
    b[r] = bias;
  }
  return { kind: 'affine', dims, A, b, live: t.live, liveSize: n };
}

/** Element-wise a·t + c with broadcast constants (scale may be undefined for 1). Keeps the identity when it can. */
export function scaleShift(t: AffineTensor, outDims: readonly number[], scale: ConstTensor | undefined, shift: ConstTensor | undefined): AffineTensor {
  const size = sizeOf(outDims);
  const si = scale && broadcastIndex(scale.dims, outDims);
  const hi = shift && broadcastIndex(shift.dims, outDims);
  const n = t.liveSize;
  const b = denseArray(size);
  let A: Float64Array | null = null;
  if (scale || t.A) {
    A = denseArray(size, n);
    const M = t.A;
    for (let r = 0; r < size; r++) {
      const s = si ? scale.data[si[r]] : 1;
      if (M) for (let j = 0; j < n; j++) A[r * n + j] = s * M[r * n + j];
      else A[r * n + r] = s;
    }
  }
  for (let r = 0; r < size; r++) b[r] = (si ? scale!.data[si[r]] : 1) * t.b[r] + (hi ? shift!.data[hi[r]] : 0);
  return { kind: 'affine', dims: outDims, A, b, live: t.live, liveSize: n };
}

export function addAffine(x: AffineTensor, y: AffineTensor, sign: 1 | -1, dims: readonly number[]): AffineTensor {
  const Ax = matrixOf(x);
  const Ay = matrixOf(y);
  const A = new Float64Array(Ax.length);
  for (let i = 0; i < A.length; i++) A[i] = Ax[i] + sign * Ay[i];
  const b = new Float64Array(x.b.length);
  for (let i = 0; i < b.length; i++) b[i] = x.b[i] + sign * y.b[i];
  return { kind: 'affine', dims, A, b, live: x.live, liveSize: x.liveSize };
}

/**
 * Symbolic tensors used while lowering an ONNX graph: a tensor is either a constant or an affine function
 * sum_k A_k·v_k + b of "live" vectors v_k (the graph input, or the outputs of earlier activations). Linear operators
 * compose into the A_k and b; an activation turns the pending affine map into a graph node that reads every v_k it
 * sums (one source per term) and starts a new live vector. A plain layer sequence has one term throughout.
 */
import { InputError } from '../errors';
import { MAX_DENSE_VALUES } from '../network/network';
import type { ConstTensor } from './tensorData';

export type SymTensor = ConstTensor & { readonly kind: 'const' } | AffineTensor;

export interface AffineTerm {
  /** Which live vector the term reads: GRAPH_INPUT (-1) or the index of the graph node that produced it. */
  readonly live: number;
  /** Row-major [size][liveSize]; null means the identity (the tensor holds exactly the live vector). */
  readonly A: Float64Array | null;
  readonly liveSize: number;
}

export interface AffineTensor {
  readonly kind: 'affine';
  readonly dims: readonly number[];
  /** At most one term per live vector. */
  readonly terms: readonly AffineTerm[];
  readonly b: Float64Array;
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
  return { kind: 'affine', dims, terms: [{ live, A: null, liveSize: n }], b: denseArray(n) };
}

/** The matrix of a term, materialising the identity. */
export function matrixOf(t: AffineTerm): Float64Array {
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
  const matrices = t.terms.map((term) => denseArray(size, term.liveSize));
  const b = denseArray(size);
  for (let r = 0; r < size; r++) {
    let bias = 0;
    const add = (src: number, c: number): void => {
      if (c === 0) return;
      bias += c * t.b[src];
      t.terms.forEach((term, k) => {
        const n = term.liveSize;
        const A = matrices[k];
        const base = r * n;
        if (term.A) {
          const srcBase = src * n;
          for (let j = 0; j < n; j++) A[base + j] += c * term.A[srcBase + j];
        } else {
          A[base + src] += c;
        }
      });
    };
    // Not `bias += rowTerms(...)`: that reads `bias` before rowTerms' calls to `add` have accumulated into it.
    const constantPart = rowTerms(r, add);
    b[r] = bias + constantPart;
  }
  return { kind: 'affine', dims, terms: t.terms.map((term, k) => ({ ...term, A: matrices[k] })), b };
}

/** Element-wise a·t + c with broadcast constants (scale may be undefined for 1). Keeps the identity when it can. */
export function scaleShift(t: AffineTensor, outDims: readonly number[], scale: ConstTensor | undefined, shift: ConstTensor | undefined): AffineTensor {
  const size = sizeOf(outDims);
  const si = scale && broadcastIndex(scale.dims, outDims);
  const hi = shift && broadcastIndex(shift.dims, outDims);
  const terms = t.terms.map((term): AffineTerm => {
    if (!scale && !term.A) return term;
    const n = term.liveSize;
    const A = denseArray(size, n);
    const M = term.A;
    for (let r = 0; r < size; r++) {
      const s = si ? scale.data[si[r]] : 1;
      if (M) for (let j = 0; j < n; j++) A[r * n + j] = s * M[r * n + j];
      else A[r * n + r] = s;
    }
    return { ...term, A };
  });
  const b = new Float64Array(size);
  for (let r = 0; r < size; r++) b[r] = (si ? scale!.data[si[r]] : 1) * t.b[r] + (hi ? shift!.data[hi[r]] : 0);
  return { kind: 'affine', dims: outDims, terms, b };
}

/** x + sign·y for two tensors of the same size: terms over the same live vector are summed, the others kept. */
export function addAffine(x: AffineTensor, y: AffineTensor, sign: 1 | -1, dims: readonly number[]): AffineTensor {
  const terms = [...x.terms];
  for (const term of y.terms) {
    const k = terms.findIndex((t) => t.live === term.live);
    if (k < 0 && sign === 1) {
      terms.push(term);
      continue;
    }
    const Ay = matrixOf(term);
    const A = k < 0 ? new Float64Array(Ay.length) : Float64Array.from(matrixOf(terms[k]));
    for (let i = 0; i < A.length; i++) A[i] += sign * Ay[i];
    if (k < 0) terms.push({ ...term, A });
    else terms[k] = { ...term, A };
  }
  const b = new Float64Array(x.b.length);
  for (let i = 0; i < b.length; i++) b[i] = x.b[i] + sign * y.b[i];
  return { kind: 'affine', dims, terms, b };
}

/**
 * Tensors joined along `axis` (dims equal elsewhere): each output row is one row of one part, so every part's terms
 * keep their rows and gain zero rows for the others' (a block layer over the branches when a dense map follows).
 */
export function concatTensors(parts: readonly SymTensor[], axis: number, dims: readonly number[]): SymTensor {
  const size = sizeOf(dims);
  const outer = sizeOf(dims.slice(0, axis));
  const inner = sizeOf(dims.slice(axis + 1));
  /** Output row -> [part, row of that part]. */
  const origin: [number, number][] = [];
  for (let o = 0; o < outer; o++) {
    parts.forEach((p, k) => {
      const block = p.dims[axis] * inner;
      for (let j = 0; j < block; j++) origin.push([k, o * block + j]);
    });
  }
  const b = new Float64Array(size);
  origin.forEach(([k, row], r) => {
    const p = parts[k];
    b[r] = p.kind === 'const' ? p.data[row] : p.b[row];
  });
  if (parts.every((p) => p.kind === 'const')) return constant(dims, b);
  const liveSizes = new Map<number, number>();
  for (const p of parts) if (p.kind === 'affine') for (const t of p.terms) liveSizes.set(t.live, t.liveSize);
  const matrices = new Map([...liveSizes].map(([live, n]) => [live, new Float64Array(size * n)]));
  origin.forEach(([k, row], r) => {
    const p = parts[k];
    if (p.kind === 'const') return;
    for (const t of p.terms) {
      const n = t.liveSize;
      const A = matrices.get(t.live)!;
      if (t.A) A.set(t.A.subarray(row * n, (row + 1) * n), r * n);
      else A[r * n + row] = 1;
    }
  });
  return { kind: 'affine', dims, terms: [...liveSizes].map(([live, liveSize]) => ({ live, liveSize, A: matrices.get(live)! })), b };
}

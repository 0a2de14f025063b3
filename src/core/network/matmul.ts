/**
 * The one dense matrix product of the engine: C = A·Bᵀ (+ bias per column), every operand row-major, over float32 or
 * float64 typed arrays, allocating nothing. Register-blocked 4 rows x 4 columns, so each loaded value is used four
 * times with both inner reads contiguous (faster than 2x4 on the MNIST layers, docs/benchmarks/forward.md); rows and
 * columns left over at the edges take the plain dot product. The forward passes (x·Wᵀ + b) and all three products of
 * backpropagation (train/backprop.ts) run on it, each through its own compiled copies (multiplyKernel).
 */
import type { Vec } from './activations/types';

/**
 * C[M][N] = sum_k A[M][K] · B[N][K] (+ bias[N] on each row), or C += that sum when `accumulate` (no bias then).
 * Sums run in float64 and are rounded once, when stored.
 */
function multiplyABt(A: Vec, B: Vec, C: Vec, M: number, N: number, K: number, accumulate: boolean, bias?: Vec): void {
  const fullRows = M - (M % 4);
  const fullCols = N - (N % 4);
  for (let r = 0; r < fullRows; r += 4) {
    const a0 = r * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
    const c0 = r * N, c1 = c0 + N, c2 = c1 + N, c3 = c2 + N;
    for (let c = 0; c < fullCols; c += 4) {
      const b0 = c * K, b1 = b0 + K, b2 = b1 + K, b3 = b2 + K;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let k = 0; k < K; k++) {
        const v0 = B[b0 + k], v1 = B[b1 + k], v2 = B[b2 + k], v3 = B[b3 + k];
        const u0 = A[a0 + k], u1 = A[a1 + k], u2 = A[a2 + k], u3 = A[a3 + k];
        s00 += u0 * v0; s01 += u0 * v1; s02 += u0 * v2; s03 += u0 * v3;
        s10 += u1 * v0; s11 += u1 * v1; s12 += u1 * v2; s13 += u1 * v3;
        s20 += u2 * v0; s21 += u2 * v1; s22 += u2 * v2; s23 += u2 * v3;
        s30 += u3 * v0; s31 += u3 * v1; s32 += u3 * v2; s33 += u3 * v3;
      }
      if (accumulate) {
        C[c0 + c] += s00; C[c0 + c + 1] += s01; C[c0 + c + 2] += s02; C[c0 + c + 3] += s03;
        C[c1 + c] += s10; C[c1 + c + 1] += s11; C[c1 + c + 2] += s12; C[c1 + c + 3] += s13;
        C[c2 + c] += s20; C[c2 + c + 1] += s21; C[c2 + c + 2] += s22; C[c2 + c + 3] += s23;
        C[c3 + c] += s30; C[c3 + c + 1] += s31; C[c3 + c + 2] += s32; C[c3 + c + 3] += s33;
      } else {
        // A sum of products starting from +0 is never -0, so adding a zero bias leaves it exactly as it was.
        const e0 = bias ? bias[c] : 0, e1 = bias ? bias[c + 1] : 0, e2 = bias ? bias[c + 2] : 0, e3 = bias ? bias[c + 3] : 0;
        C[c0 + c] = s00 + e0; C[c0 + c + 1] = s01 + e1; C[c0 + c + 2] = s02 + e2; C[c0 + c + 3] = s03 + e3;
        C[c1 + c] = s10 + e0; C[c1 + c + 1] = s11 + e1; C[c1 + c + 2] = s12 + e2; C[c1 + c + 3] = s13 + e3;
        C[c2 + c] = s20 + e0; C[c2 + c + 1] = s21 + e1; C[c2 + c + 2] = s22 + e2; C[c2 + c + 3] = s23 + e3;
        C[c3 + c] = s30 + e0; C[c3 + c + 1] = s31 + e1; C[c3 + c + 2] = s32 + e2; C[c3 + c + 3] = s33 + e3;
      }
    }
  }
  // The edges, one dot product per value: the last N % 4 columns of the blocked rows, then the last M % 4 rows.
  for (let r = 0; r < M; r++) {
    const a = r * K;
    for (let c = r < fullRows ? fullCols : 0; c < N; c++) {
      const b = c * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a + k] * B[b + k];
      C[r * N + c] = accumulate ? C[r * N + c] + s : bias ? s + bias[c] : s;
    }
  }
}

/**
 * A separately compiled copy of multiplyABt. V8 specialises a function to the array types it has seen: one copy fed
 * both float32 and float64 arrays runs about 1.4x slower on each (docs/benchmarks/forward.md), so every caller keeps
 * one copy per element type. Self-contained (no outside reference), so its source compiles on its own.
 */
export type Multiply = typeof multiplyABt;

export function multiplyKernel(): Multiply {
  return new Function(`return (${multiplyABt.toString()});`)() as Multiply;
}

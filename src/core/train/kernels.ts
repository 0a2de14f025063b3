/**
 * The matrix helpers of backpropagation, over float32 or float64 typed arrays, allocating nothing. One product shape
 * (network/matmul.ts, A·Bᵀ) serves all three products of a dense layer (forward X·Wᵀ, weight gradient dZᵀ·X, input
 * gradient dZ·W) once the other operand is transposed here.
 */
import { multiplyKernel } from '../network/matmul';

export type Vec = Float64Array | Float32Array;

/** The blocked product A·Bᵀ (network/matmul.ts), one compiled copy per precision: each stays specialised to its arrays. */
export const multiplyFor = { float32: multiplyKernel(), float64: multiplyKernel() } as const;

/** dst[cols][rows] = srcᵀ, src row-major [rows][cols]. */
export function transpose(src: Vec, rows: number, cols: number, dst: Vec): void {
  for (let r = 0; r < rows; r++) {
    const s = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[s + c];
  }
}

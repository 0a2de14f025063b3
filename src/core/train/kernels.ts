/**
 * The matrix kernels of backpropagation, over float32 or float64 typed arrays, allocating nothing. One product shape
 * serves all three products of a dense layer (forward X·Wᵀ, weight gradient dZᵀ·X, input gradient dZ·W) once the other
 * operand is transposed, so the one kernel can be register-blocked 4 x 4 (each loaded value used four times) with
 * both inner reads contiguous.
 */
export type Vec = Float64Array | Float32Array;

/** C[M][N] (+)= sum_k A[M][K] · B[N][K] (C = A·Bᵀ, all row-major). */
export function multiplyABt(A: Vec, B: Vec, C: Vec, M: number, N: number, K: number, accumulate: boolean): void {
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
        C[c0 + c] = s00; C[c0 + c + 1] = s01; C[c0 + c + 2] = s02; C[c0 + c + 3] = s03;
        C[c1 + c] = s10; C[c1 + c + 1] = s11; C[c1 + c + 2] = s12; C[c1 + c + 3] = s13;
        C[c2 + c] = s20; C[c2 + c + 1] = s21; C[c2 + c + 2] = s22; C[c2 + c + 3] = s23;
        C[c3 + c] = s30; C[c3 + c + 1] = s31; C[c3 + c + 2] = s32; C[c3 + c + 3] = s33;
      }
    }
    for (let rr = r; rr < r + 4; rr++) dotEdge(A, B, C, rr, fullCols, N, K, accumulate);
  }
  for (let r = fullRows; r < M; r++) dotEdge(A, B, C, r, 0, N, K, accumulate);
}

/** Row r of C for columns [from, N): the unblocked edge. */
function dotEdge(A: Vec, B: Vec, C: Vec, r: number, from: number, N: number, K: number, accumulate: boolean): void {
  const a = r * K;
  for (let c = from; c < N; c++) {
    const b = c * K;
    let s = 0;
    for (let k = 0; k < K; k++) s += A[a + k] * B[b + k];
    C[r * N + c] = accumulate ? C[r * N + c] + s : s;
  }
}

/** dst[cols][rows] = srcᵀ, src row-major [rows][cols]. */
export function transpose(src: Vec, rows: number, cols: number, dst: Vec): void {
  for (let r = 0; r < rows; r++) {
    const s = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[s + c];
  }
}

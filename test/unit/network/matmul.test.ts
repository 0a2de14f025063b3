/** The blocked product equals the plain triple loop exactly, at every edge shape, in both precisions and modes. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { multiplyKernel } from '../../../src/core/network/matmul';
import { seeded } from '../../onnxBuilder';

test('A·Bᵀ (+ bias, or accumulated) equals the plain dot products for blocked and edge rows and columns', () => {
  const multiply64 = multiplyKernel();
  const multiply32 = multiplyKernel();
  for (const [M, N, K] of [[1, 1, 1], [4, 4, 3], [7, 6, 5], [9, 13, 8], [3, 9, 1]]) {
    const A = Float64Array.from(seeded(M * K, M + 10 * N + 100 * K));
    const B = Float64Array.from(seeded(N * K, 7 * M + N + K));
    const bias = Float64Array.from(seeded(N, 3 * M + 5 * N));
    const start = Float64Array.from(seeded(M * N, M * N + K));
    const plain = (r: number, c: number) => { let s = 0; for (let k = 0; k < K; k++) s += A[r * K + k] * B[c * K + k]; return s; };
    const withBias = new Float64Array(M * N);
    multiply64(A, B, withBias, M, N, K, false, bias);
    const accumulated = Float64Array.from(start);
    multiply64(A, B, accumulated, M, N, K, true);
    const [A32, B32, bias32] = [A, B, bias].map((v) => Float32Array.from(v));
    const single = new Float32Array(M * N);
    multiply32(A32, B32, single, M, N, K, false, bias32);
    for (let r = 0; r < M; r++) {
      for (let c = 0; c < N; c++) {
        const at = `${M}x${N}x${K} [${r}][${c}]`;
        assert.equal(withBias[r * N + c], plain(r, c) + bias[c], at);
        assert.equal(accumulated[r * N + c], start[r * N + c] + plain(r, c), at);
        let s = 0;
        for (let k = 0; k < K; k++) s += A32[r * K + k] * B32[c * K + k];
        assert.equal(single[r * N + c], Math.fround(s + bias32[c]), `float32 ${at}`);
      }
    }
  }
});

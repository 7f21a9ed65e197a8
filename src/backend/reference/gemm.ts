import type { FloatArray } from '../../tensor/dtype';

/** The definition of matmul: C = alpha op(A) op(B) + beta C per batch entry, accumulated in double. */
export function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  a: FloatArray, aOffsets: Int32Array, lda: number, b: FloatArray, bOffsets: Int32Array, ldb: number,
  beta: number, c: FloatArray, cOffsets: Int32Array, ldc: number): void {
  for (let p = 0; p < cOffsets.length; p++) {
    const ao = aOffsets[p], bo = bOffsets[p], co = cOffsets[p];
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = 0; k < K; k++) {
          const av = transA ? a[ao + k * lda + i] : a[ao + i * lda + k];
          const bv = transB ? b[bo + j * ldb + k] : b[bo + k * ldb + j];
          acc += av * bv;
        }
        const ci = co + i * ldc + j;
        // beta == 0 overwrites, so NaN already in C cannot leak (BLAS convention).
        c[ci] = beta === 0 ? alpha * acc : alpha * acc + beta * c[ci];
      }
    }
  }
}

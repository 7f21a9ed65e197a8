// General matrix multiply, fp32 and fp64, on the CPU.
//
//   C[M,N] = alpha * op(A)[M,K] @ op(B)[K,N] + beta * C[M,N]      (row-major)
//
// op(A) is A stored [M,K] (lda >= K), or with transA, A stored [K,M] (lda >= M).
// op(B) is B stored [K,N] (ldb >= N), or with transB, B stored [N,K] (ldb >= K).
// ldc >= N. beta == 0 makes C write-only: whatever C held (NaN included) is ignored.
// Any M, N, K >= 0; K == 0 (or alpha == 0) gives C = beta * C.
//
// The result does not depend on ctx.pool.size(): threads split C into blocks of
// rows or columns, never the K sum, and every element is accumulated by the same
// sequence of operations whichever thread computes it. Arguments are assumed to be
// validated by the caller; these functions never throw or abort. ctx is not const
// because ThreadPool::parallelFor is not.
#pragma once

#include <cstdint>

#include "../context.h"

namespace lattice {

void sgemm(Context& ctx, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
           float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
           float* C, int64_t ldc);

void dgemm(Context& ctx, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
           double alpha, const double* A, int64_t lda, const double* B, int64_t ldb,
           double beta, double* C, int64_t ldc);

}  // namespace lattice

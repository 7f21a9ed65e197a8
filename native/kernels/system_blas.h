// The optional system BLAS (OpenBLAS) behind matmul.
//
// A source build links OpenBLAS where CMake finds it (LATTICE_BLAS=AUTO, the default);
// prebuilt addons are built with LATTICE_BLAS=OFF and link nothing beyond libc/libstdc++.
// Whether a product goes to the system BLAS or to the built-in kernel is decided per
// shape by a table measured once in bench/ (kernels/system_blas_table.h), never by timing
// at run time; ctx.gemmPath can force either side (tests, and the bench that builds the
// table).
#pragma once

#include <cstdint>

#include "../context.h"

namespace lattice {

// "none", or the linked library's own description (e.g. "OpenBLAS 0.3.21 ... Haswell").
const char* systemBlasName();

// True when the system BLAS should run this product: linked, every size and leading
// dimension (up to maxLd) fits its 32-bit integers, and either ctx.gemmPath forces it or
// the measured table prefers it for this shape.
bool useSystemBlas(const Context& ctx, int64_t M, int64_t N, int64_t K, int64_t maxLd);

// C = alpha op(A) op(B) + beta C through the system BLAS (same contract as sgemm/dgemm in
// gemm.h). Threads split C into row blocks whose number depends on the shape only, and
// each block is one single-threaded BLAS call, so the result does not depend on the pool
// size. Only call when useSystemBlas() said yes.
void systemBlasGemm(Context& ctx, bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                    int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc);
void systemBlasGemm(Context& ctx, bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha,
                    const double* A, int64_t lda, const double* B, int64_t ldb, double beta, double* C, int64_t ldc);

// The table's size class of one dimension (0..kBlasSizeClasses-1); shared with the bench.
constexpr int kBlasSizeClasses = 5;
int blasSizeClass(int64_t d);

}  // namespace lattice

// Linear-algebra decompositions of `batch` row-major matrices laid end to end (the reference
// kernels in src/backend/reference/linalg.ts define each result; these run the same algorithms):
//
//   cholesky         A = L Lᵀ (reads A's lower triangle) or A = Uᵀ U (upper); info[b] = k >= 1 when
//                    the leading minor of order k of matrix b is not positive-definite
//   triangularSolve  A X = B (left; B, X [n, k]) or X A = B (right; B, X [k, n]), A triangular
//   luFactor         P A = L U with partial pivoting, LAPACK's getrf layout and 0-based pivots;
//                    info[b] = k >= 1 where U_kk (1-based) is exactly 0
//   luSolve          X = A⁻¹ B from luFactor's output, B and X [n, k]
//   qr               Householder QR with LAPACK's dlarfg signs; q [m, kq] (unless !wantQ), r [kq, n],
//                    kq = complete ? m : min(m, n)
//   eigh             symmetric A = V diag(w) Vᵀ, w ascending (tred2 + tql2); vectors unless !wantVectors
//   svd              A = U diag(s) Vh, s descending (Golub–Kahan–Reinsch); u [m, full ? m : k] and
//                    vh [full ? n : k, n] (unless !wantVectors), k = min(m, n)
//
// eigh and svd: info[b] = 1 when matrix b holds a non-finite value, 2 when the QR sweeps do not
// converge. Every kernel computes in double whatever the storage type and rounds once on the way
// out; matrices run in parallel over the batch, each on one thread, and a single matrix uses the
// whole pool. cholesky, triangularSolve, luFactor, luSolve and qr block large matrices into GEMMs
// (linalg_blocked.h).
#pragma once

#include <cstdint>

#include "../context.h"
#include "elementwise.h"

namespace lattice {

// type: F32 or F64 for every float array of one call (the bindings check).
void choleskyKernel(Context& ctx, ElemType type, const void* a, void* out, int32_t* info, int64_t batch, int64_t n, bool upper);
void triangularSolveKernel(Context& ctx, ElemType type, const void* a, const void* b, void* out, int64_t batch, int64_t n,
                           int64_t k, bool upper, bool left, bool unitriangular);
void luFactorKernel(Context& ctx, ElemType type, const void* a, void* lu, int32_t* pivots, int32_t* info, int64_t batch,
                    int64_t n);
// pivots must hold values in [0, n) (the binding checks).
void luSolveKernel(Context& ctx, ElemType type, const void* lu, const int32_t* pivots, const void* b, void* out, int64_t batch,
                   int64_t n, int64_t k);
// wantQ / wantVectors say whether q, vectors, u and vh are asked for: an empty output array may have a
// null data pointer, so the pointers alone cannot tell.
void qrKernel(Context& ctx, ElemType type, const void* a, void* q, bool wantQ, void* r, int64_t batch, int64_t m, int64_t n,
              bool complete);
void eighKernel(Context& ctx, ElemType type, const void* a, void* values, void* vectors, bool wantVectors, int32_t* info, int64_t batch,
                int64_t n, bool upper);
void svdKernel(Context& ctx, ElemType type, const void* a, void* u, void* s, void* vh, bool wantVectors, int32_t* info, int64_t batch,
               int64_t m, int64_t n, bool full);

}  // namespace lattice

// The factorisations behind kernels/linalg.h's cholesky, triangularSolve, luFactor, luSolve and qr, on
// one matrix held in double (linalg.cc converts from and to the storage type and runs the batch), and
// the small helpers that linalg.cc's eigh and svd share with them.
//
// From order kBlockedFrom on (measured with bench/linalg.ts and perf: blocked is as fast at 24-32 and
// 1.5-2.5x faster at 40-64), the O(n^3) work runs in the packed, thread-count-independent GEMM of
// gemm.h, as LAPACK arranges it: Cholesky right-looking by panels with a SYRK trailing update (potrf);
// triangular solves recursive (trsm); LU recursive with partial pivoting (getrf2), so the pivots are
// the unblocked loop's; QR by panels whose reflectors are applied to the rest in the compact WY form
// I - V T Vᵀ (geqrf/larft/larfb, the panel itself recursive), and Q accumulated the same way (orgqr).
// Below it, every element receives the same operations in the same order as the reference kernels'
// loops (src/backend/reference/linalg.ts). Nothing splits a sum across threads: a split cuts rows or
// columns whose arithmetic is the same whichever thread runs them, so results do not depend on the
// thread count.
//
// `split` says the caller runs one matrix alone (the pool is free): the level-2 loops then split large
// row updates across threads; GEMM uses the pool whenever it is free.
#pragma once

#include <cstdint>
#include <functional>
#include <new>

#include "../context.h"
#include "scratch.h"

namespace lattice {
namespace linalg {

// Order (n, or min(m, n) for QR) from which the factorisations block, and the panel width of the
// Cholesky and QR panels (16 to 96 measured at n = 256 and 512: 32 was fastest for both).
constexpr int64_t kBlockedFrom = 32;
constexpr int64_t kPanel = 32;
// Rows of B from which X A = B is solved blocked, through transposes (below, row by row).
constexpr int64_t kBlockedRhsFrom = 8;

// Per-thread workspaces, one per use (ScratchUse::Linalg*), kept between calls: a large matrix's double
// temporaries mapped afresh on every call cost as much in page faults as the blocked work itself (a
// 512x512 float32 solveTriangular with 512 right-hand sides: 1.8 ms of faults besides 1.8 ms of work).
// `count` doubles, contents undefined; above kKeepBytes the call's own (so that one huge matrix is not
// held for the thread's lifetime). Throws std::bad_alloc when the memory cannot be had (the bindings
// report it).
class Doubles {
 public:
  static constexpr size_t kKeepBytes = size_t(8) << 20;
  Doubles(ScratchUse use, int64_t count) : scratch_(use, count > 0 ? count : 1, kKeepBytes) {
    if (!scratch_) throw std::bad_alloc();
  }
  double* get() const { return scratch_.get(); }
  double& operator[](int64_t i) const { return scratch_.get()[i]; }

 private:
  Scratch<double> scratch_;
};

// dst[c * ldd + r] = src[r * lds + c] for r < rows, c < cols, converted, in square tiles: the plain
// double loop steps one side a whole row per element, a cache (and at 512 doubles a row, TLB) miss each.
template <typename S, typename D>
void transposeInto(const S* src, int64_t lds, D* dst, int64_t ldd, int64_t rows, int64_t cols) {
  constexpr int64_t kTile = 8;
  for (int64_t r0 = 0; r0 < rows; r0 += kTile)
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      const int64_t r1 = r0 + kTile < rows ? r0 + kTile : rows, c1 = c0 + kTile < cols ? c0 + kTile : cols;
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c) dst[c * ldd + r] = static_cast<D>(src[r * lds + c]);
    }
}

double hypotSafe(double a, double b);
// The 2-norm of v[from, to), scaled so that it neither overflows nor underflows.
double norm2(const double* v, int64_t from, int64_t to);
// Runs fn(lo', hi') over [lo, hi) of independent rows (or columns): split across the pool when `split`
// and the update is large, inline otherwise; each row's arithmetic is the same either way.
void overRows(Context& ctx, bool split, int64_t lo, int64_t hi, double workPerRow, const std::function<void(int64_t, int64_t)>& fn);

// A = Uᵀ U in place: u [n, n] row-major holds A's upper triangle on entry and U's on return (the strict
// lower triangle is scratch). Returns 0, or j + 1 for the first non-positive pivot (U then is partial).
int32_t choleskyUpper(Context& ctx, bool split, double* u, int64_t n);

// A X = B (left) or X A = B (right) in place for triangular a [n, n] (only its `upper` or lower triangle
// is read; `unit` ignores its diagonal): x is B [n, k] (left) or [k, n] (right) on entry, X on return.
void solveTriangular(Context& ctx, bool split, const double* a, double* x, int64_t n, int64_t k, bool upper, bool left, bool unit);

// P A = L U with partial pivoting in place (LAPACK getrf: L unit lower below the diagonal, U on and
// above; the pivot of column k is the first row of largest |value|, pivots 0-based). Returns 0, or k + 1
// for the first exactly zero U_kk, whose column is then skipped.
int32_t luFactor(Context& ctx, bool split, double* w, int32_t* pivots, int64_t n);
// X = A⁻¹ B in place from luFactor's lu and pivots; x is B [n, k] on entry.
void luSolve(Context& ctx, bool split, const double* lu, const int32_t* pivots, double* x, int64_t n, int64_t k);

// Householder QR of A [m, n] held transposed (at[j*m + i] = A[i][j]) in place, with LAPACK's dlarfg
// signs: on return R is on and above the diagonal, the reflector vectors (unit first entry implicit)
// below it, and tau [min(m, n)] holds their scales (H_j = I - tau_j v_j v_jᵀ).
void householderQr(Context& ctx, double* at, double* tau, int64_t m, int64_t n);
// The first kq columns of Q = H_0 H_1 ... H_{k-1}, k = min(m, n), from householderQr's output; held
// transposed like at: qt [kq, m], row c = column c of Q.
void householderQ(Context& ctx, const double* at, const double* tau, double* qt, int64_t m, int64_t n, int64_t kq);

}  // namespace linalg
}  // namespace lattice

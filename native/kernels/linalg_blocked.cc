#include "linalg_blocked.h"

#include <algorithm>
#include <cmath>

#include "gemm.h"

namespace lattice {
namespace linalg {
namespace {

// Work (in multiply-adds) below which a matrix's inner loops are not split across threads.
constexpr double kRowSplitWork = 1 << 18;

// The recursions' leaves (measured at n = 128 and 512): columns of an LU or QR panel, and rows of a
// triangular solve, below which the level-2 loop runs. This file is compiled without SIMD flags (only
// simd/<isa>/ is), so its loops run at a fraction of GEMM's speed: the leaves are narrow.
constexpr int64_t kLuLeaf = 16;
constexpr int64_t kQrLeaf = 8;
constexpr int64_t kSolveLeaf = 8;

// C [r, r] (upper triangle, row stride ldc) -= Pᵀ P for P [kb, r] (row stride ldp): LAPACK's syrk
// trailing update of a blocked Cholesky, as GEMMs over strips of rows that stop at the diagonal
// block, so that little of the lower triangle (which no one reads) is computed.
void syrkUpperMinus(Context& ctx, const double* p, int64_t ldp, double* c, int64_t ldc, int64_t r, int64_t kb) {
  constexpr int64_t kStrip = 128;
  for (int64_t i0 = 0; i0 < r; i0 += kStrip) {
    const int64_t rows = std::min(kStrip, r - i0);
    dgemm(ctx, true, false, rows, r - i0, kb, -1.0, p + i0, ldp, p + i0, ldp, 1.0, c + i0 * ldc + i0, ldc);
  }
}

// Applies H = I - tau v vᵀ (v = (1, col[j+1..m))) to the length-m vector c, rows j.. only.
inline void reflect(const double* __restrict col, double* __restrict c, int64_t j, int64_t m, double tau) {
  double s = c[j];
  for (int64_t i = j + 1; i < m; ++i) s += col[i] * c[i];
  s *= tau;
  c[j] -= s;
  for (int64_t i = j + 1; i < m; ++i) c[i] -= s * col[i];
}

// The compact WY form H_j0 H_j0+1 ... H_j0+jb-1 = I - V T Vᵀ of a panel of reflectors (LAPACK's
// dlarft, forward and columnwise): V [mm, jb] with mm = m - j0, unit diagonal and zeros above it,
// held transposed as vt [jb, mm]; T [jb, jb] upper triangular, column i built from the earlier ones:
//   T[i][i] = tau_i,  T[0:i, i] = -tau_i T[0:i, 0:i] (V[:, 0:i]ᵀ v_i).
// Holds room for panels of up to kPanel reflectors of length m applied to up to maxRows vectors.
class BlockReflector {
 public:
  BlockReflector(int64_t m, int64_t maxRows)
      : vt_(ScratchUse::LinalgReflectors, kPanel * m), products_(ScratchUse::LinalgReflectorProducts, 2 * kPanel * (kPanel + maxRows)) {}

  void build(Context& ctx, const double* at, const double* tau, int64_t m, int64_t j0, int64_t panel) {
    jb_ = panel, mm_ = m - j0;
    double* vt = vt_.get();
    double* gram = products_.get();
    double* t = gram + jb_ * jb_;
    for (int64_t i = 0; i < jb_; ++i) {
      double* row = vt + i * mm_;
      const double* col = at + (j0 + i) * m + j0;
      std::fill(row, row + i, 0.0);
      row[i] = 1;
      std::copy(col + i + 1, col + mm_, row + i + 1);
    }
    dgemm(ctx, false, true, jb_, jb_, mm_, 1.0, vt, mm_, vt, mm_, 0.0, gram, jb_);
    std::fill(t, t + jb_ * jb_, 0.0);
    for (int64_t i = 0; i < jb_; ++i) {
      const double ti = tau[j0 + i];
      if (ti == 0) continue;
      for (int64_t l = 0; l < i; ++l) {
        double s = 0;
        for (int64_t p = l; p < i; ++p) s += t[l * jb_ + p] * gram[p * jb_ + i];
        t[l * jb_ + i] = -ti * s;
      }
      t[i * jb_ + i] = ti;
    }
  }

  // Rows c of C [nc, mm] (row stride ldc), each a vector of length mm: c <- c (I - V op(T) Vᵀ), i.e.
  // C <- C - (C V) op(T) Vᵀ. op(T) = T applies H_j0 first and H_j0+jb-1 last to each vector (the
  // factorisation's trailing columns); Tᵀ the reverse (accumulating Q from the identity).
  void applyToRows(Context& ctx, double* c, int64_t nc, int64_t ldc, bool transposeT) {
    if (nc == 0) return;
    const double* vt = vt_.get();
    const double* t = products_.get() + jb_ * jb_;
    double* w = products_.get() + 2 * jb_ * jb_;
    double* wt = w + nc * jb_;
    dgemm(ctx, false, true, nc, jb_, mm_, 1.0, c, ldc, vt, mm_, 0.0, w, jb_);
    dgemm(ctx, false, transposeT, nc, jb_, jb_, 1.0, w, jb_, t, jb_, 0.0, wt, jb_);
    dgemm(ctx, false, false, nc, mm_, jb_, -1.0, wt, jb_, vt, mm_, 1.0, c, ldc);
  }

 private:
  Doubles vt_, products_;
  int64_t jb_ = 0, mm_ = 0;
};

// The level-2 loop of A X = B (left) in place for a [n, n] (row stride lda), B and X [n, k] (row
// stride ldx): rows in solve order, each less its combination of the rows solved before it, split over
// columns of X for one large matrix.
void solveLeftRows(Context& ctx, bool split, const double* a, int64_t lda, double* x, int64_t ldx, int64_t n, int64_t k, bool upper,
                   bool unit) {
  if (k == 1) {
    // One right-hand side: each row is a sequential dot product (the same operations in the same
    // order as the loop below, without its per-element loop over columns).
    for (int64_t s = 0; s < n; ++s) {
      const int64_t i = upper ? n - 1 - s : s;
      const int64_t lo = upper ? i + 1 : 0, hi = upper ? n : i;
      const double* ai = a + i * lda;
      double xi = x[i * ldx];
      for (int64_t j = lo; j < hi; ++j) {
        const double aij = ai[j];
        if (aij != 0) xi -= aij * x[j * ldx];
      }
      x[i * ldx] = unit ? xi : xi / ai[i];
    }
    return;
  }
  overRows(ctx, split, 0, k, double(n) * double(n) / 2, [&](int64_t c0, int64_t c1) {
    for (int64_t s = 0; s < n; ++s) {
      const int64_t i = upper ? n - 1 - s : s;
      const int64_t lo = upper ? i + 1 : 0, hi = upper ? n : i;
      double* __restrict xi = x + i * ldx;
      for (int64_t j = lo; j < hi; ++j) {
        const double aij = a[i * lda + j];
        if (aij == 0) continue;
        const double* __restrict xj = x + j * ldx;
        for (int64_t c = c0; c < c1; ++c) xi[c] -= aij * xj[c];
      }
      if (!unit) {
        const double d = a[i * lda + i];
        for (int64_t c = c0; c < c1; ++c) xi[c] /= d;
      }
    }
  });
}

// A X = B as above; `blocked`, recursively (as LAPACK's trsm is blocked): for lower A, X1 = A11⁻¹ B1,
// then B2 -= A21 X1 (GEMM), then X2 = A22⁻¹ B2 (upper: the same from the bottom), down to kSolveLeaf
// rows, where the level-2 loop runs. Unblocked, it is the level-2 loop over all n rows.
void solveLeft(Context& ctx, bool split, bool blocked, const double* a, int64_t lda, double* x, int64_t ldx, int64_t n, int64_t k,
               bool upper, bool unit) {
  if (!blocked || n <= kSolveLeaf) {
    solveLeftRows(ctx, split, a, lda, x, ldx, n, k, upper, unit);
    return;
  }
  const int64_t n1 = n / 2, n2 = n - n1;
  const double* a11 = a;
  const double* a22 = a + n1 * lda + n1;
  double* x1 = x;
  double* x2 = x + n1 * ldx;
  if (!upper) {
    solveLeft(ctx, split, true, a11, lda, x1, ldx, n1, k, upper, unit);
    dgemm(ctx, false, false, n2, k, n1, -1.0, a + n1 * lda, lda, x1, ldx, 1.0, x2, ldx);
    solveLeft(ctx, split, true, a22, lda, x2, ldx, n2, k, upper, unit);
  } else {
    solveLeft(ctx, split, true, a22, lda, x2, ldx, n2, k, upper, unit);
    dgemm(ctx, false, false, n1, k, n2, -1.0, a + n1, lda, x2, ldx, 1.0, x1, ldx);
    solveLeft(ctx, split, true, a11, lda, x1, ldx, n1, k, upper, unit);
  }
}

// The level-2 LU (getf2) of columns [c0, c1) of w [n, n] over rows c0.. (rows above c0 hold U
// already): per column, the first row of largest |value| is the pivot, pivot rows swap whole, and the
// rows below take the rank-1 update within the range. A small matrix is this loop over all its columns.
void luRows(Context& ctx, bool split, double* w, int32_t* pivots, int64_t n, int64_t c0, int64_t c1, int32_t& info) {
  for (int64_t k = c0; k < c1; ++k) {
    int64_t p = k;
    double best = std::fabs(w[k * n + k]);
    for (int64_t i = k + 1; i < n; ++i) {
      const double v = std::fabs(w[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    pivots[k] = static_cast<int32_t>(p);
    if (w[p * n + k] == 0) {
      if (info == 0) info = static_cast<int32_t>(k + 1);
      continue;
    }
    if (p != k) std::swap_ranges(w + k * n, w + k * n + n, w + p * n);
    const double inv = 1 / w[k * n + k];
    const double* wk = w + k * n;
    overRows(ctx, split, k + 1, n, double(c1 - k), [&](int64_t r0, int64_t r1) {
      for (int64_t i = r0; i < r1; ++i) {
        double* __restrict wi = w + i * n;
        const double l = (wi[k] *= inv);
        if (l == 0) continue;
        const double* __restrict wkr = wk;
        for (int64_t j = k + 1; j < c1; ++j) wi[j] -= l * wkr[j];
      }
    });
  }
}

// luRows on a copy of the panel held column-major, for the blocked factorisation's narrow leaves: the
// pivot search and the updates run down contiguous columns, where in w they would cross rows n doubles
// apart (at n = 512 every row of the panel maps to the same L1 sets). The rows outside the panel swap
// in w. A column is skipped where its multiplier u is 0 (LAPACK's dger), not where l is.
void luPanel(double* w, int32_t* pivots, int64_t n, int64_t c0, int64_t c1, double* panel, int32_t& info) {
  const int64_t h = n - c0, wb = c1 - c0;
  for (int64_t r = 0; r < h; ++r)
    for (int64_t j = 0; j < wb; ++j) panel[j * h + r] = w[(c0 + r) * n + c0 + j];
  for (int64_t kk = 0; kk < wb; ++kk) {
    double* __restrict col = panel + kk * h;
    int64_t p = kk;
    double best = std::fabs(col[kk]);
    for (int64_t r = kk + 1; r < h; ++r) {
      const double v = std::fabs(col[r]);
      if (v > best) {
        best = v;
        p = r;
      }
    }
    const int64_t k = c0 + kk;
    pivots[k] = static_cast<int32_t>(c0 + p);
    if (col[p] == 0) {
      if (info == 0) info = static_cast<int32_t>(k + 1);
      continue;
    }
    if (p != kk) {
      for (int64_t j = 0; j < wb; ++j) std::swap(panel[j * h + kk], panel[j * h + p]);
      double* rowK = w + k * n;
      double* rowP = w + (c0 + p) * n;
      std::swap_ranges(rowK, rowK + c0, rowP);
      std::swap_ranges(rowK + c1, rowK + n, rowP + c1);
    }
    const double inv = 1 / col[kk];
    for (int64_t r = kk + 1; r < h; ++r) col[r] *= inv;
    for (int64_t j = kk + 1; j < wb; ++j) {
      double* __restrict cj = panel + j * h;
      const double u = cj[kk];
      if (u == 0) continue;
      for (int64_t r = kk + 1; r < h; ++r) cj[r] -= col[r] * u;
    }
  }
  for (int64_t r = 0; r < h; ++r)
    for (int64_t j = 0; j < wb; ++j) w[(c0 + r) * n + c0 + j] = panel[j * h + r];
}

// Columns [c0, c1) of a large w, recursively (LAPACK's dgetrf2): the left half, then the right half's
// U12 by a unit-lower solve with L11 and its rows below by the GEMM update A22 -= L21 U12, then the
// right half; ranges of kLuLeaf columns or fewer run luPanel (panel: room for n x kLuLeaf doubles).
void luColumns(Context& ctx, bool split, double* w, int32_t* pivots, int64_t n, int64_t c0, int64_t c1, double* panel, int32_t& info) {
  if (c1 - c0 <= kLuLeaf) {
    luPanel(w, pivots, n, c0, c1, panel, info);
    return;
  }
  const int64_t mid = c0 + (c1 - c0) / 2;
  luColumns(ctx, split, w, pivots, n, c0, mid, panel, info);
  solveLeft(ctx, split, true, w + c0 * n + c0, n, w + c0 * n + mid, n, mid - c0, c1 - mid, false, true);
  dgemm(ctx, false, false, n - mid, c1 - mid, mid - c0, -1.0, w + mid * n + c0, n, w + c0 * n + mid, n, 1.0, w + mid * n + mid, n);
  luColumns(ctx, split, w, pivots, n, mid, c1, panel, info);
}

}  // namespace


double hypotSafe(double a, double b) {
  const double x = std::fabs(a), y = std::fabs(b);
  const double big = std::max(x, y), small = std::min(x, y);
  if (big == 0 || !std::isfinite(big)) return big + small;
  const double r = small / big;
  return big * std::sqrt(1 + r * r);
}

double norm2(const double* v, int64_t from, int64_t to) {
  double scale = 0;
  for (int64_t i = from; i < to; ++i) scale = std::max(scale, std::fabs(v[i]));
  if (scale == 0 || !std::isfinite(scale)) return scale;
  double s = 0;
  for (int64_t i = from; i < to; ++i) {
    const double t = v[i] / scale;
    s += t * t;
  }
  return scale * std::sqrt(s);
}

void overRows(Context& ctx, bool split, int64_t lo, int64_t hi, double workPerRow, const std::function<void(int64_t, int64_t)>& fn) {
  if (!split || hi - lo < 2 || workPerRow * static_cast<double>(hi - lo) < kRowSplitWork) {
    fn(lo, hi);
    return;
  }
  const int64_t grain = std::max<int64_t>(1, static_cast<int64_t>(kRowSplitWork / 4 / std::max(1.0, workPerRow)));
  ctx.pool.parallelFor(lo, hi, grain, fn);
}

// Right-looking on U = Lᵀ held row-major (row j of U is column j of L), a panel of kPanel rows at a
// time (potrf): the level-2 loop factors the panel's rows across all columns (potf2 and the trsm of the
// panel's right part at once, each a contiguous axpy per row), then the rows below take the SYRK update
// Uᵀ U of the panel. With one panel (small n) each element receives the same subtractions in the same
// order as the reference's row-by-row form.
int32_t choleskyUpper(Context& ctx, bool split, double* u, int64_t n) {
  const int64_t nb = n >= kBlockedFrom ? kPanel : std::max<int64_t>(n, 1);
  for (int64_t k0 = 0; k0 < n; k0 += nb) {
    const int64_t kend = std::min(n, k0 + nb);
    for (int64_t j = k0; j < kend; ++j) {
      double* uj = u + j * n;
      if (!(uj[j] > 0)) return static_cast<int32_t>(j + 1);
      const double d = std::sqrt(uj[j]);
      uj[j] = d;
      for (int64_t c = j + 1; c < n; ++c) uj[c] /= d;
      overRows(ctx, split, j + 1, kend, double(n - j), [&](int64_t r0, int64_t r1) {
        for (int64_t i = r0; i < r1; ++i) {
          const double f = uj[i];
          if (f == 0) continue;
          double* __restrict ui = u + i * n;
          const double* __restrict ujr = uj;
          for (int64_t c = i; c < n; ++c) ui[c] -= f * ujr[c];
        }
      });
    }
    if (kend < n) syrkUpperMinus(ctx, u + k0 * n + kend, n, u + kend * n + kend, n, n - kend, kend - k0);
  }
  return 0;
}

void solveTriangular(Context& ctx, bool split, const double* a, double* x, int64_t n, int64_t k, bool upper, bool left, bool unit) {
  if (left) {
    solveLeft(ctx, split, n >= kBlockedFrom, a, n, x, k, n, k, upper, unit);
    return;
  }
  if (n >= kBlockedFrom && k >= kBlockedRhsFrom) {
    // X A = B is Aᵀ Xᵀ = Bᵀ: transpose both and solve on the left, where the GEMMs are (for a few
    // rows of B the transposes cost more than they save: the row-by-row loop below streams A once).
    const Doubles at(ScratchUse::LinalgTransposed, n * n), xt(ScratchUse::LinalgTransposedRhs, n * k);
    transposeInto(a, n, at.get(), n, n, n);
    transposeInto(x, n, xt.get(), k, k, n);
    solveLeft(ctx, split, true, at.get(), n, xt.get(), k, n, k, !upper, unit);
    transposeInto(xt.get(), k, x, n, n, k);
    return;
  }
  for (int64_t r = 0; r < k; ++r) {
    double* __restrict row = x + r * n;
    for (int64_t step = 0; step < n; ++step) {
      const int64_t j = upper ? step : n - 1 - step;
      const double xj = unit ? row[j] : row[j] / a[j * n + j];
      row[j] = xj;
      if (xj == 0) continue;
      const int64_t lo = upper ? j + 1 : 0, hi = upper ? n : j;
      const double* __restrict aj = a + j * n;
      for (int64_t c = lo; c < hi; ++c) row[c] -= xj * aj[c];
    }
  }
}

int32_t luFactor(Context& ctx, bool split, double* w, int32_t* pivots, int64_t n) {
  int32_t info = 0;
  if (n < kBlockedFrom) {
    luRows(ctx, split, w, pivots, n, 0, n, info);
  } else {
    const Doubles panel(ScratchUse::LinalgPanel, n * kLuLeaf);
    luColumns(ctx, split, w, pivots, n, 0, n, panel.get(), info);
  }
  return info;
}

void luSolve(Context& ctx, bool split, const double* lu, const int32_t* pivots, double* x, int64_t n, int64_t k) {
  for (int64_t i = 0; i < n; ++i)
    if (pivots[i] != i) std::swap_ranges(x + i * k, x + i * k + k, x + pivots[i] * k);
  const bool blocked = n >= kBlockedFrom;
  solveLeft(ctx, split, blocked, lu, n, x, k, n, k, false, true);
  solveLeft(ctx, split, blocked, lu, n, x, k, n, k, true, false);
}

// The reflectors of columns [j0, j1) of at, each applied to the later columns up to colEnd (LAPACK's
// dgeqr2, with dlarfg's signs): the level-2 loop, or with `block` a recursion (as in dgeqrt3) that
// factors the left half, applies its block reflector to the right half in GEMMs, then factors the right
// half, down to kQrLeaf columns.
void qrColumns(Context& ctx, double* at, double* tau, int64_t m, int64_t j0, int64_t j1, int64_t colEnd, BlockReflector* block) {
  if (block && j1 - j0 > kQrLeaf) {
    const int64_t mid = j0 + (j1 - j0) / 2;
    qrColumns(ctx, at, tau, m, j0, mid, mid, block);
    block->build(ctx, at, tau, m, j0, mid - j0);
    block->applyToRows(ctx, at + mid * m + j0, j1 - mid, m, false);
    qrColumns(ctx, at, tau, m, mid, j1, j1, block);
    return;
  }
  for (int64_t j = j0; j < j1; ++j) {
    double* col = at + j * m;
    const double alpha = col[j];
    const double xnorm = norm2(col, j + 1, m);
    if (xnorm == 0) {
      tau[j] = 0;
      continue;
    }
    const double beta = -(alpha < 0 ? -1.0 : 1.0) * hypotSafe(alpha, xnorm);
    tau[j] = (beta - alpha) / beta;
    const double scale = 1 / (alpha - beta);
    for (int64_t i = j + 1; i < m; ++i) col[i] *= scale;
    col[j] = beta;
    for (int64_t c = j + 1; c < colEnd; ++c) reflect(col, at + c * m, j, m, tau[j]);
  }
}

// Small matrices: the level-2 loop over every column. Large ones, a panel of kPanel columns at a time
// (geqrf): the panel is factored recursively, then the columns right of it take its block reflector.
void householderQr(Context& ctx, double* at, double* tau, int64_t m, int64_t n) {
  const int64_t k = std::min(m, n);
  if (k < kBlockedFrom) {
    qrColumns(ctx, at, tau, m, 0, k, n, nullptr);
    return;
  }
  BlockReflector block(m, n);
  for (int64_t j0 = 0; j0 < k; j0 += kPanel) {
    const int64_t jend = std::min(k, j0 + kPanel);
    qrColumns(ctx, at, tau, m, j0, jend, jend, &block);
    if (jend == n) continue;
    block.build(ctx, at, tau, m, j0, jend - j0);
    block.applyToRows(ctx, at + jend * m + j0, n - jend, m, false);
  }
}

// Q = H_0 ... H_{k-1} applied to the identity's first kq columns, last reflector first (orgqr): column c
// of Q is touched only by reflectors j <= c, and a panel starting at j0 only in rows j0.. of columns j0...
void householderQ(Context& ctx, const double* at, const double* tau, double* qt, int64_t m, int64_t n, int64_t kq) {
  const int64_t k = std::min(m, n);
  std::fill(qt, qt + kq * m, 0.0);
  for (int64_t c = 0; c < kq; ++c) qt[c * m + c] = 1;
  if (k < kBlockedFrom) {
    for (int64_t j = k - 1; j >= 0; --j) {
      if (tau[j] == 0) continue;
      for (int64_t c = j; c < kq; ++c) reflect(at + j * m, qt + c * m, j, m, tau[j]);
    }
    return;
  }
  BlockReflector block(m, kq);
  for (int64_t j0 = (k - 1) / kPanel * kPanel; j0 >= 0; j0 -= kPanel) {
    block.build(ctx, at, tau, m, j0, std::min(k, j0 + kPanel) - j0);
    block.applyToRows(ctx, qt + j0 * m + j0, kq - j0, m, true);
  }
}

}  // namespace linalg
}  // namespace lattice

#include "linalg.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <vector>

#include "linalg_blocked.h"

namespace lattice {
namespace {

using linalg::hypotSafe;
using linalg::norm2;

constexpr double kEps = 0x1p-52;
constexpr double kTiny = 0x1p-966;
// QR sweeps eigh and svd may spend per eigen/singular value before they report failure.
constexpr int kMaxSweepsPerValue = 75;

// Runs fn(b0, b1) over the batch in chunks of matrices; `work` is one matrix's cost in multiply-adds.
void overBatch(Context& ctx, int64_t batch, double work, const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t grain = std::max<int64_t>(1, static_cast<int64_t>((1 << 16) / std::max(1.0, work)));
  ctx.pool.parallelFor(0, batch, grain, fn);
}

template <typename T>
bool finiteMatrix(const T* a, int64_t size) {
  for (int64_t i = 0; i < size; ++i)
    if (!std::isfinite(static_cast<double>(a[i]))) return false;
  return true;
}

// ---- cholesky, triangular solves, LU and QR: the double cores of linalg_blocked.cc, one matrix at a time
// (a single matrix runs with the whole pool: its row updates and GEMMs split across threads)

template <typename T>
void choleskyTyped(Context& ctx, const T* a, T* out, int32_t* info, int64_t batch, int64_t n, bool upper) {
  const bool split = batch == 1;
  overBatch(ctx, batch, double(n) * n * n / 6, [&](int64_t b0, int64_t b1) {
    const linalg::Doubles w(ScratchUse::LinalgMatrix, n * n);
    for (int64_t b = b0; b < b1; ++b) {
      const T* A = a + b * n * n;
      T* O = out + b * n * n;
      double* W = w.get();
      // W's upper triangle: W[i][c] (c >= i) = A's entry (c, i) from the lower triangle, or (i, c) from the
      // upper. Its lower triangle is scratch, but written too: the SYRK strips read a little of it.
      if (upper) {
        for (int64_t i = 0; i < n * n; ++i) W[i] = static_cast<double>(A[i]);
      } else {
        linalg::transposeInto(A, n, W, n, n, n);
      }
      info[b] = linalg::choleskyUpper(ctx, split, W, n);
      // U, or L = Uᵀ, with zeros in the other triangle.
      if (upper) {
        for (int64_t i = 0; i < n; ++i)
          for (int64_t c = 0; c < n; ++c) O[i * n + c] = static_cast<T>(c >= i ? W[i * n + c] : 0.0);
      } else {
        linalg::transposeInto(W, n, O, n, n, n);
        for (int64_t i = 0; i < n; ++i) std::fill(O + i * n + i + 1, O + i * n + n, T(0));
      }
    }
  });
}

template <typename T>
void triangularSolveTyped(Context& ctx, const T* a, const T* bIn, T* out, int64_t batch, int64_t n, int64_t k, bool upper,
                          bool left, bool unitriangular) {
  const bool split = batch == 1;
  overBatch(ctx, batch, double(n) * n * k / 2, [&](int64_t b0, int64_t b1) {
    const linalg::Doubles as(ScratchUse::LinalgMatrix, n * n), xs(ScratchUse::LinalgRhs, n * k);
    for (int64_t p = b0; p < b1; ++p) {
      for (int64_t i = 0; i < n * n; ++i) as[i] = static_cast<double>(a[p * n * n + i]);
      for (int64_t i = 0; i < n * k; ++i) xs[i] = static_cast<double>(bIn[p * n * k + i]);
      linalg::solveTriangular(ctx, split, as.get(), xs.get(), n, k, upper, left, unitriangular);
      for (int64_t i = 0; i < n * k; ++i) out[p * n * k + i] = static_cast<T>(xs[i]);
    }
  });
}

template <typename T>
void luFactorTyped(Context& ctx, const T* a, T* lu, int32_t* pivots, int32_t* info, int64_t batch, int64_t n) {
  const bool split = batch == 1;
  overBatch(ctx, batch, double(n) * n * n / 3, [&](int64_t b0, int64_t b1) {
    const linalg::Doubles ws(ScratchUse::LinalgMatrix, n * n);
    for (int64_t b = b0; b < b1; ++b) {
      for (int64_t i = 0; i < n * n; ++i) ws[i] = static_cast<double>(a[b * n * n + i]);
      info[b] = linalg::luFactor(ctx, split, ws.get(), pivots + b * n, n);
      for (int64_t i = 0; i < n * n; ++i) lu[b * n * n + i] = static_cast<T>(ws[i]);
    }
  });
}

template <typename T>
void luSolveTyped(Context& ctx, const T* lu, const int32_t* pivots, const T* bIn, T* out, int64_t batch, int64_t n, int64_t k) {
  const bool split = batch == 1;
  overBatch(ctx, batch, double(n) * n * k, [&](int64_t b0, int64_t b1) {
    const linalg::Doubles as(ScratchUse::LinalgMatrix, n * n), xs(ScratchUse::LinalgRhs, n * k);
    for (int64_t p = b0; p < b1; ++p) {
      for (int64_t i = 0; i < n * n; ++i) as[i] = static_cast<double>(lu[p * n * n + i]);
      for (int64_t i = 0; i < n * k; ++i) xs[i] = static_cast<double>(bIn[p * n * k + i]);
      linalg::luSolve(ctx, split, as.get(), pivots + p * n, xs.get(), n, k);
      for (int64_t i = 0; i < n * k; ++i) out[p * n * k + i] = static_cast<T>(xs[i]);
    }
  });
}

template <typename T>
void qrTyped(Context& ctx, const T* a, T* q, bool wantQ, T* r, int64_t batch, int64_t m, int64_t n, bool complete) {
  const int64_t k = std::min(m, n), kq = complete ? m : k;
  overBatch(ctx, batch, 2.0 * m * n * k, [&](int64_t b0, int64_t b1) {
    const linalg::Doubles ats(ScratchUse::LinalgMatrix, n * m), qts(ScratchUse::LinalgRhs, wantQ ? kq * m : 0);
    std::vector<double> taus(static_cast<size_t>(k));
    for (int64_t b = b0; b < b1; ++b) {
      const T* A = a + b * m * n;
      double* at = ats.get();
      linalg::transposeInto(A, n, at, m, m, n);
      linalg::householderQr(ctx, at, taus.data(), m, n);
      // R: rows [0, k) of atᵀ on and above the diagonal; zeros below it and in rows [k, kr) (complete mode).
      const int64_t kr = complete ? m : k;
      T* R = r + b * kr * n;
      linalg::transposeInto(at, m, R, n, n, k);
      for (int64_t i = 0; i < k; ++i) std::fill(R + i * n, R + i * n + i, T(0));
      std::fill(R + k * n, R + kr * n, T(0));
      if (!wantQ) continue;
      double* qt = qts.get();
      linalg::householderQ(ctx, at, taus.data(), qt, m, n, kq);
      linalg::transposeInto(qt, m, q + b * m * kq, kq, kq, m);
    }
  });
}

// ---- eigh: EISPACK tred2 + tql2 on t = Vᵀ (every V[r][c] of the textbook code is t[c*n + r])

void tridiagonalize(double* t, double* d, double* e, int64_t n, bool wantVectors) {
  auto V = [n](int64_t r, int64_t c) { return c * n + r; };
  for (int64_t j = 0; j < n; ++j) d[j] = t[V(n - 1, j)];
  for (int64_t i = n - 1; i > 0; --i) {
    double scale = 0, h = 0;
    for (int64_t k = 0; k < i; ++k) scale += std::fabs(d[k]);
    if (scale == 0) {
      e[i] = d[i - 1];
      for (int64_t j = 0; j < i; ++j) {
        d[j] = t[V(i - 1, j)];
        t[V(i, j)] = 0;
        t[V(j, i)] = 0;
      }
    } else {
      for (int64_t k = 0; k < i; ++k) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      double f = d[i - 1];
      double g = std::sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (int64_t j = 0; j < i; ++j) e[j] = 0;
      for (int64_t j = 0; j < i; ++j) {
        f = d[j];
        t[V(j, i)] = f;
        const double* col = t + j * n;
        g = e[j] + col[j] * f;
        for (int64_t k = j + 1; k <= i - 1; ++k) {
          g += col[k] * d[k];
          e[k] += col[k] * f;
        }
        e[j] = g;
      }
      f = 0;
      for (int64_t j = 0; j < i; ++j) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      const double hh = f / (h + h);
      for (int64_t j = 0; j < i; ++j) e[j] -= hh * d[j];
      for (int64_t j = 0; j < i; ++j) {
        f = d[j];
        g = e[j];
        double* __restrict col = t + j * n;
        for (int64_t k = j; k <= i - 1; ++k) col[k] -= f * e[k] + g * d[k];
        d[j] = t[V(i - 1, j)];
        t[V(i, j)] = 0;
      }
    }
    d[i] = h;
  }
  if (wantVectors) {
    for (int64_t i = 0; i < n - 1; ++i) {
      t[V(n - 1, i)] = t[V(i, i)];
      t[V(i, i)] = 1;
      const double h = d[i + 1];
      double* next = t + (i + 1) * n;
      if (h != 0) {
        for (int64_t k = 0; k <= i; ++k) d[k] = next[k] / h;
        for (int64_t j = 0; j <= i; ++j) {
          double* __restrict col = t + j * n;
          double g = 0;
          for (int64_t k = 0; k <= i; ++k) g += next[k] * col[k];
          for (int64_t k = 0; k <= i; ++k) col[k] -= g * d[k];
        }
      }
      for (int64_t k = 0; k <= i; ++k) next[k] = 0;
    }
    for (int64_t j = 0; j < n; ++j) {
      d[j] = t[V(n - 1, j)];
      t[V(n - 1, j)] = 0;
    }
    t[V(n - 1, n - 1)] = 1;
  } else {
    for (int64_t j = 0; j < n; ++j) d[j] = t[V(j, j)];
  }
  e[0] = 0;
}

bool tridiagonalQL(double* t, double* d, double* e, int64_t n, bool wantVectors) {
  for (int64_t i = 1; i < n; ++i) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  double f = 0, tst1 = 0;
  for (int64_t l = 0; l < n; ++l) {
    tst1 = std::max(tst1, std::fabs(d[l]) + std::fabs(e[l]));
    int64_t m = l;
    while (m < n && std::fabs(e[m]) > kEps * tst1) ++m;
    if (m == n) m = n - 1;
    if (m > l) {
      int iter = 0;
      do {
        if (++iter > kMaxSweepsPerValue) return false;
        double g = d[l];
        double p = (d[l + 1] - g) / (2 * e[l]);
        double r = hypotSafe(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        const double dl1 = d[l + 1];
        double h = g - d[l];
        for (int64_t i = l + 2; i < n; ++i) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1, c2 = c, c3 = c, s = 0, s2 = 0;
        const double el1 = e[l + 1];
        for (int64_t i = m - 1; i >= l; --i) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypotSafe(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          if (wantVectors) {
            double* __restrict ri = t + i * n;
            double* __restrict rj = t + (i + 1) * n;
            for (int64_t k = 0; k < n; ++k) {
              const double x = rj[k], y = ri[k];
              rj[k] = s * y + c * x;
              ri[k] = c * y - s * x;
            }
          }
        }
        p = -s * s2 * c3 * el1 * e[l] / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (std::fabs(e[l]) > kEps * tst1);
    }
    d[l] += f;
    e[l] = 0;
  }
  for (int64_t i = 0; i < n - 1; ++i) {
    int64_t k = i;
    double p = d[i];
    for (int64_t j = i + 1; j < n; ++j)
      if (d[j] < p) {
        k = j;
        p = d[j];
      }
    if (k != i) {
      d[k] = d[i];
      d[i] = p;
      if (wantVectors) std::swap_ranges(t + i * n, t + i * n + n, t + k * n);
    }
  }
  return true;
}

template <typename T>
void eighTyped(Context& ctx, const T* a, T* values, T* vectors, bool wantVectors, int32_t* info, int64_t batch, int64_t n, bool upper) {
  overBatch(ctx, batch, (wantVectors ? 9.0 : 1.5) * n * n * n, [&](int64_t b0, int64_t b1) {
    std::vector<double> ts(static_cast<size_t>(n * n)), ds(static_cast<size_t>(n)), es(static_cast<size_t>(n));
    for (int64_t b = b0; b < b1; ++b) {
      const T* A = a + b * n * n;
      info[b] = 0;
      if (n == 0) continue;
      if (!finiteMatrix(A, n * n)) {
        info[b] = 1;
        continue;
      }
      double* t = ts.data();
      for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j <= i; ++j) {
          const double v = static_cast<double>(upper ? A[j * n + i] : A[i * n + j]);
          t[i * n + j] = v;
          t[j * n + i] = v;
        }
      tridiagonalize(t, ds.data(), es.data(), n, wantVectors);
      if (!tridiagonalQL(t, ds.data(), es.data(), n, wantVectors)) {
        info[b] = 2;
        continue;
      }
      for (int64_t i = 0; i < n; ++i) values[b * n + i] = static_cast<T>(ds[i]);
      if (wantVectors) {
        T* out = vectors + b * n * n;
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < n; ++j) out[i * n + j] = static_cast<T>(t[j * n + i]);
      }
    }
  });
}

// ---- SVD: LINPACK dsvdc on a tall B [M, N] held transposed (every A[i][j], U[i][j], V[i][j] of
// the textbook code is bt[j*M + i], ut[j*M + i], vt[j*N + i] here).

struct SvdWork {
  std::vector<double> bt, ut, vt, s, e, work;
  SvdWork(int64_t M, int64_t N, int64_t nu, bool wantVectors)
      : bt(static_cast<size_t>(N * M)), ut(wantVectors ? static_cast<size_t>(nu * M) : 0), vt(wantVectors ? static_cast<size_t>(N * N) : 0),
        s(static_cast<size_t>(N + 1)), e(static_cast<size_t>(N + 1)), work(static_cast<size_t>(M)) {}
};

// Rows x and y of a transposed factor: (x, y) <- (cs x + sn y, -sn x + cs y).
inline void rotateRows(double* w, int64_t len, int64_t x, int64_t y, double cs, double sn) {
  double* __restrict rx = w + x * len;
  double* __restrict ry = w + y * len;
  for (int64_t i = 0; i < len; ++i) {
    const double t = cs * rx[i] + sn * ry[i];
    ry[i] = -sn * rx[i] + cs * ry[i];
    rx[i] = t;
  }
}

bool golubKahan(SvdWork& ws, int64_t M, int64_t N, int64_t nu, bool wantVectors) {
  double* bt = ws.bt.data();
  double* ut = ws.ut.data();
  double* vt = ws.vt.data();
  double* s = ws.s.data();
  double* e = ws.e.data();
  double* work = ws.work.data();
  const bool wantu = wantVectors, wantv = wantVectors;
  std::fill(ws.s.begin(), ws.s.end(), 0.0);
  std::fill(ws.e.begin(), ws.e.end(), 0.0);
  if (wantVectors) {
    std::fill(ws.ut.begin(), ws.ut.end(), 0.0);
    std::fill(ws.vt.begin(), ws.vt.end(), 0.0);
  }
  if (N == 0) {
    // No columns: no singular values; the left vectors asked for are the identity's.
    if (wantu)
      for (int64_t j = 0; j < nu; ++j) ut[j * M + j] = 1;
    return true;
  }
  const int64_t nct = std::min(M - 1, N), nrt = std::max<int64_t>(0, std::min(N - 2, M));
  for (int64_t k = 0; k < std::max(nct, nrt); ++k) {
    double* ck = bt + k * M;
    if (k < nct) {
      s[k] = norm2(ck, k, M);
      if (s[k] != 0) {
        if (ck[k] < 0) s[k] = -s[k];
        for (int64_t i = k; i < M; ++i) ck[i] /= s[k];
        ck[k] += 1;
      }
      s[k] = -s[k];
    }
    for (int64_t j = k + 1; j < N; ++j) {
      double* __restrict cj = bt + j * M;
      if (k < nct && s[k] != 0) {
        double t = 0;
        for (int64_t i = k; i < M; ++i) t += ck[i] * cj[i];
        t = -t / ck[k];
        for (int64_t i = k; i < M; ++i) cj[i] += t * ck[i];
      }
      e[j] = cj[k];
    }
    if (wantu && k < nct)
      for (int64_t i = k; i < M; ++i) ut[k * M + i] = ck[i];
    if (k < nrt) {
      e[k] = norm2(e, k + 1, N);
      if (e[k] != 0) {
        if (e[k + 1] < 0) e[k] = -e[k];
        for (int64_t i = k + 1; i < N; ++i) e[i] /= e[k];
        e[k + 1] += 1;
      }
      e[k] = -e[k];
      if (k + 1 < M && e[k] != 0) {
        for (int64_t i = k + 1; i < M; ++i) work[i] = 0;
        for (int64_t j = k + 1; j < N; ++j) {
          const double* __restrict cj = bt + j * M;
          const double ej = e[j];
          for (int64_t i = k + 1; i < M; ++i) work[i] += ej * cj[i];
        }
        for (int64_t j = k + 1; j < N; ++j) {
          double* __restrict cj = bt + j * M;
          const double t = -e[j] / e[k + 1];
          for (int64_t i = k + 1; i < M; ++i) cj[i] += t * work[i];
        }
      }
      if (wantv)
        for (int64_t i = k + 1; i < N; ++i) vt[k * N + i] = e[i];
    }
  }
  int64_t p = std::min(N, M + 1);
  if (nct < N) s[nct] = bt[nct * M + nct];
  if (M < p) s[p - 1] = 0;
  if (nrt + 1 < p) e[nrt] = bt[(p - 1) * M + nrt];
  e[p - 1] = 0;
  if (wantu) {
    for (int64_t j = nct; j < nu; ++j) {
      std::fill(ut + j * M, ut + j * M + M, 0.0);
      ut[j * M + j] = 1;
    }
    for (int64_t k = nct - 1; k >= 0; --k) {
      double* uk = ut + k * M;
      if (s[k] != 0) {
        for (int64_t j = k + 1; j < nu; ++j) {
          double* __restrict uj = ut + j * M;
          double t = 0;
          for (int64_t i = k; i < M; ++i) t += uk[i] * uj[i];
          t = -t / uk[k];
          for (int64_t i = k; i < M; ++i) uj[i] += t * uk[i];
        }
        for (int64_t i = k; i < M; ++i) uk[i] = -uk[i];
        uk[k] += 1;
        for (int64_t i = 0; i < k; ++i) uk[i] = 0;
      } else {
        std::fill(uk, uk + M, 0.0);
        uk[k] = 1;
      }
    }
  }
  if (wantv) {
    for (int64_t k = N - 1; k >= 0; --k) {
      double* vk = vt + k * N;
      if (k < nrt && e[k] != 0) {
        for (int64_t j = k + 1; j < N; ++j) {
          double* __restrict vj = vt + j * N;
          double t = 0;
          for (int64_t i = k + 1; i < N; ++i) t += vk[i] * vj[i];
          t = -t / vk[k + 1];
          for (int64_t i = k + 1; i < N; ++i) vj[i] += t * vk[i];
        }
      }
      std::fill(vk, vk + N, 0.0);
      vk[k] = 1;
    }
  }
  const int64_t pp = p - 1;
  int64_t iter = 0;
  const int64_t maxIter = kMaxSweepsPerValue * std::max<int64_t>(1, N);
  while (p > 0) {
    if (iter > maxIter) return false;
    int64_t k, kase;
    for (k = p - 2; k >= 0; --k) {
      if (std::fabs(e[k]) <= kTiny + kEps * (std::fabs(s[k]) + std::fabs(s[k + 1]))) {
        e[k] = 0;
        break;
      }
    }
    if (k == p - 2) {
      kase = 4;
    } else {
      int64_t ks;
      for (ks = p - 1; ks > k; --ks) {
        const double t = (ks != p ? std::fabs(e[ks]) : 0.0) + (ks != k + 1 ? std::fabs(e[ks - 1]) : 0.0);
        if (std::fabs(s[ks]) <= kTiny + kEps * t) {
          s[ks] = 0;
          break;
        }
      }
      if (ks == k) {
        kase = 3;
      } else if (ks == p - 1) {
        kase = 1;
      } else {
        kase = 2;
        k = ks;
      }
    }
    ++k;
    if (kase == 1) {
      double f = e[p - 2];
      e[p - 2] = 0;
      for (int64_t j = p - 2; j >= k; --j) {
        const double t = hypotSafe(s[j], f), cs = s[j] / t, sn = f / t;
        s[j] = t;
        if (j != k) {
          f = -sn * e[j - 1];
          e[j - 1] = cs * e[j - 1];
        }
        if (wantv) rotateRows(vt, N, j, p - 1, cs, sn);
      }
    } else if (kase == 2) {
      double f = e[k - 1];
      e[k - 1] = 0;
      for (int64_t j = k; j < p; ++j) {
        const double t = hypotSafe(s[j], f), cs = s[j] / t, sn = f / t;
        s[j] = t;
        f = -sn * e[j];
        e[j] = cs * e[j];
        if (wantu) rotateRows(ut, M, j, k - 1, cs, sn);
      }
    } else if (kase == 3) {
      const double scale = std::max({std::fabs(s[p - 1]), std::fabs(s[p - 2]), std::fabs(e[p - 2]), std::fabs(s[k]), std::fabs(e[k])});
      const double sp = s[p - 1] / scale, spm1 = s[p - 2] / scale, epm1 = e[p - 2] / scale, sk = s[k] / scale, ek = e[k] / scale;
      const double bb = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2;
      const double c = (sp * epm1) * (sp * epm1);
      double shift = 0;
      if (bb != 0 || c != 0) {
        shift = std::sqrt(bb * bb + c);
        if (bb < 0) shift = -shift;
        shift = c / (bb + shift);
      }
      double f = (sk + sp) * (sk - sp) + shift;
      double g = sk * ek;
      for (int64_t j = k; j < p - 1; ++j) {
        double t = hypotSafe(f, g);
        double cs = f / t, sn = g / t;
        if (j != k) e[j - 1] = t;
        f = cs * s[j] + sn * e[j];
        e[j] = cs * e[j] - sn * s[j];
        g = sn * s[j + 1];
        s[j + 1] = cs * s[j + 1];
        if (wantv) rotateRows(vt, N, j, j + 1, cs, sn);
        t = hypotSafe(f, g);
        cs = f / t;
        sn = g / t;
        s[j] = t;
        f = cs * e[j] + sn * s[j + 1];
        s[j + 1] = -sn * e[j] + cs * s[j + 1];
        g = sn * e[j + 1];
        e[j + 1] = cs * e[j + 1];
        if (wantu && j < M - 1) rotateRows(ut, M, j, j + 1, cs, sn);
      }
      e[p - 2] = f;
      ++iter;
    } else {
      if (s[k] <= 0) {
        s[k] = s[k] < 0 ? -s[k] : 0.0;
        if (wantv)
          for (int64_t i = 0; i <= pp; ++i) vt[k * N + i] = -vt[k * N + i];
      }
      while (k < pp && s[k] < s[k + 1]) {
        std::swap(s[k], s[k + 1]);
        if (wantv && k < N - 1) std::swap_ranges(vt + k * N, vt + k * N + N, vt + (k + 1) * N);
        if (wantu && k < M - 1) std::swap_ranges(ut + k * M, ut + k * M + M, ut + (k + 1) * M);
        ++k;
      }
      iter = 0;
      --p;
    }
  }
  return true;
}

template <typename T>
void svdTyped(Context& ctx, const T* a, T* u, T* s, T* vh, bool wantVectors, int32_t* info, int64_t batch, int64_t m, int64_t n,
              bool full) {
  const bool tall = m >= n;
  const int64_t M = tall ? m : n, N = tall ? n : m, k = N;
  const int64_t nu = wantVectors && full ? M : N;
  const int64_t uCols = full ? m : k, vhRows = full ? n : k;
  overBatch(ctx, batch, (wantVectors ? 12.0 : 4.0) * M * N * N, [&](int64_t b0, int64_t b1) {
    SvdWork ws(M, N, nu, wantVectors);
    for (int64_t b = b0; b < b1; ++b) {
      const T* A = a + b * m * n;
      info[b] = 0;
      if (!finiteMatrix(A, m * n)) {
        info[b] = 1;
        continue;
      }
      double* bt = ws.bt.data();
      if (tall) {
        for (int64_t i = 0; i < m; ++i)
          for (int64_t j = 0; j < n; ++j) bt[j * M + i] = static_cast<double>(A[i * n + j]);
      } else {
        for (int64_t i = 0; i < m * n; ++i) bt[i] = static_cast<double>(A[i]);
      }
      if (!golubKahan(ws, M, N, nu, wantVectors)) {
        info[b] = 2;
        continue;
      }
      for (int64_t j = 0; j < k; ++j) s[b * k + j] = static_cast<T>(ws.s[j]);
      if (!wantVectors) continue;
      T* U = u + b * m * uCols;
      T* Vh = vh + b * vhRows * n;
      const double* left = tall ? ws.ut.data() : ws.vt.data();    // rows: A's left singular vectors
      const double* right = tall ? ws.vt.data() : ws.ut.data();   // rows: A's right singular vectors
      const int64_t leftLen = tall ? M : N, rightLen = tall ? N : M;
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < uCols; ++j) U[i * uCols + j] = static_cast<T>(left[j * leftLen + i]);
      for (int64_t j = 0; j < vhRows; ++j)
        for (int64_t i = 0; i < n; ++i) Vh[j * n + i] = static_cast<T>(right[j * rightLen + i]);
    }
  });
}

}  // namespace

#define LATTICE_FLOAT_DISPATCH(type, call)          \
  if ((type) == ElemType::F64) {                    \
    using T = double;                               \
    call;                                           \
  } else {                                          \
    using T = float;                                \
    call;                                           \
  }

void choleskyKernel(Context& ctx, ElemType type, const void* a, void* out, int32_t* info, int64_t batch, int64_t n, bool upper) {
  LATTICE_FLOAT_DISPATCH(type, choleskyTyped<T>(ctx, static_cast<const T*>(a), static_cast<T*>(out), info, batch, n, upper))
}

void triangularSolveKernel(Context& ctx, ElemType type, const void* a, const void* b, void* out, int64_t batch, int64_t n,
                           int64_t k, bool upper, bool left, bool unitriangular) {
  LATTICE_FLOAT_DISPATCH(type, triangularSolveTyped<T>(ctx, static_cast<const T*>(a), static_cast<const T*>(b), static_cast<T*>(out),
                                                       batch, n, k, upper, left, unitriangular))
}

void luFactorKernel(Context& ctx, ElemType type, const void* a, void* lu, int32_t* pivots, int32_t* info, int64_t batch,
                    int64_t n) {
  LATTICE_FLOAT_DISPATCH(type, luFactorTyped<T>(ctx, static_cast<const T*>(a), static_cast<T*>(lu), pivots, info, batch, n))
}

void luSolveKernel(Context& ctx, ElemType type, const void* lu, const int32_t* pivots, const void* b, void* out, int64_t batch,
                   int64_t n, int64_t k) {
  LATTICE_FLOAT_DISPATCH(type, luSolveTyped<T>(ctx, static_cast<const T*>(lu), pivots, static_cast<const T*>(b), static_cast<T*>(out),
                                               batch, n, k))
}

void qrKernel(Context& ctx, ElemType type, const void* a, void* q, bool wantQ, void* r, int64_t batch, int64_t m, int64_t n,
              bool complete) {
  LATTICE_FLOAT_DISPATCH(type, qrTyped<T>(ctx, static_cast<const T*>(a), static_cast<T*>(q), wantQ, static_cast<T*>(r), batch, m, n,
                                          complete))
}

void eighKernel(Context& ctx, ElemType type, const void* a, void* values, void* vectors, bool wantVectors, int32_t* info, int64_t batch,
                int64_t n, bool upper) {
  LATTICE_FLOAT_DISPATCH(type, eighTyped<T>(ctx, static_cast<const T*>(a), static_cast<T*>(values), static_cast<T*>(vectors), wantVectors,
                                            info, batch, n, upper))
}

void svdKernel(Context& ctx, ElemType type, const void* a, void* u, void* s, void* vh, bool wantVectors, int32_t* info, int64_t batch,
               int64_t m, int64_t n, bool full) {
  LATTICE_FLOAT_DISPATCH(type, svdTyped<T>(ctx, static_cast<const T*>(a), static_cast<T*>(u), static_cast<T*>(s), static_cast<T*>(vh),
                                           wantVectors, info, batch, m, n, full))
}

#undef LATTICE_FLOAT_DISPATCH

}  // namespace lattice

// Fused attention: tiling, masking and threading (the formulas are in attention.h; the inner
// products run through simd/attention_loops.h). Each tile of keys is packed transposed
// (kt [E][bk], and vt [Ev][bk] in the backward) so that a row of scores is one combineRows
// of a query over kt: the products are broadcast-FMAs along contiguous rows, never
// horizontal sums.
#include "attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "../simd/attention_loops.h"

namespace lattice {
namespace {

constexpr int64_t kBlockQ = 64;
constexpr int64_t kBlockK = 64;

template <typename T>
constexpr T kNegInf = -std::numeric_limits<T>::infinity();

// Packs rows [k0, k0 + bk) of src [.., width] transposed into dst [width][bk].
template <typename T>
void packTransposed(const T* src, int64_t width, int64_t k0, int64_t bk, T* dst) {
  for (int64_t j = 0; j < bk; ++j) {
    const T* row = src + (k0 + j) * width;
    for (int64_t e = 0; e < width; ++e) dst[e * bk + j] = row[e];
  }
}

// The keys of the tile [k0, k0 + bk) that query i may see: [0, visible) (causal cuts the tail).
inline int64_t visibleKeys(const AttentionShape& sh, int64_t i, int64_t k0, int64_t bk) {
  if (!sh.causal) return bk;
  return std::max<int64_t>(0, std::min<int64_t>(bk, i - k0 + 1));
}

// s[0..n) += mask for batch-head b, query i, keys k0.. (the scale is already in s: the query tile
// is scaled once, see scaledRows).
template <typename T>
void applyMask(T* s, int64_t n, const AttentionMask& mask, int64_t b, int64_t i, int64_t k0) {
  if (mask.kind == AttentionMaskKind::None) return;
  const int64_t base = mask.offsets[b] + i * mask.rowStride + k0 * mask.colStride, cs = mask.colStride;
  if (mask.kind == AttentionMaskKind::Bool) {
    const auto* m = static_cast<const uint8_t*>(mask.values) + base;
    for (int64_t j = 0; j < n; ++j)
      if (!m[j * cs]) s[j] = kNegInf<T>;
  } else {
    const T* m = static_cast<const T*>(mask.values) + base;
    for (int64_t j = 0; j < n; ++j) s[j] += m[j * cs];
  }
}

// dst [rows][width] = scale * src rows: the scores of a scaled query tile need no pass of their own.
template <typename T>
const T* scaledRows(const T* src, int64_t rows, int64_t width, T scale, T* dst) {
  for (int64_t i = 0; i < rows * width; ++i) dst[i] = src[i] * scale;
  return dst;
}

// Forward of the query block [q0, q1) of batch-head b (online softmax over key tiles).
// Scratch: kt [E][kBlockK], qs [kBlockQ][E], s [kBlockQ][kBlockK], rowMax and rowSum [kBlockQ].
template <typename T>
void forwardBlock(const simd::AttentionLoops<T>& f, const T* q, const T* k, const T* v, const AttentionMask& mask, T* out,
                  double* lse, const AttentionShape& sh, int64_t b, int64_t q0, int64_t q1, T* kt, T* qs, T* s,
                  T* rowMax, T* rowSum) {
  const int64_t L = sh.L, S = sh.S, E = sh.E, Ev = sh.Ev, bq = q1 - q0;
  const T scale = static_cast<T>(sh.scale);
  const T* qb = q + b * L * E;
  const T* kb = k + b * S * E;
  const T* vb = v + b * S * Ev;
  T* ob = out + b * L * Ev;
  for (int64_t r = 0; r < bq; ++r) {
    rowMax[r] = kNegInf<T>;
    rowSum[r] = 0;
  }
  std::fill(ob + q0 * Ev, ob + q1 * Ev, T(0));
  const T* qTile = scaledRows(qb + q0 * E, bq, E, scale, qs);
  // With causal, query q1 - 1 sees keys up to q1 - 1: later tiles are skipped whole.
  const int64_t keyEnd = sh.causal ? std::min(S, q1) : S;
  for (int64_t k0 = 0; k0 < keyEnd; k0 += kBlockK) {
    const int64_t bk = std::min(kBlockK, keyEnd - k0);
    // The last query of the block sees the most keys of this tile.
    const int64_t nMax = visibleKeys(sh, q1 - 1, k0, bk);
    packTransposed(kb, E, k0, bk, kt);
    f.combineRows(qTile, E, bq, kt, bk, E, nMax, s, bk, false);
    for (int64_t r = 0; r < bq; ++r) {
      T* sr = s + r * bk;
      const int64_t n = visibleKeys(sh, q0 + r, k0, bk);
      applyMask(sr, n, mask, b, q0 + r, k0);
      T& m = rowMax[r];
      const T mNew = n > 0 ? std::max(m, f.maxOf(sr, n)) : kNegInf<T>;
      if (mNew == kNegInf<T>) {  // every key so far masked: this tile adds nothing
        std::fill(sr, sr + nMax, T(0));
        continue;
      }
      const T alpha = std::exp(m - mNew);  // 0 on the first visible tile
      rowSum[r] = rowSum[r] * alpha + f.expShiftSum(sr, n, mNew);
      std::fill(sr + n, sr + nMax, T(0));
      m = mNew;
      if (alpha != T(1)) f.scale(ob + (q0 + r) * Ev, Ev, alpha);
    }
    f.combineRows(s, bk, bq, vb + k0 * Ev, Ev, nMax, Ev, ob + q0 * Ev, Ev, true);
  }
  for (int64_t r = 0; r < bq; ++r) {
    const T l = rowSum[r];
    T* o = ob + (q0 + r) * Ev;
    if (l > T(0)) {
      f.scale(o, Ev, T(1) / l);
      lse[b * L + q0 + r] = static_cast<double>(rowMax[r]) + std::log(static_cast<double>(l));
    } else {
      std::fill(o, o + Ev, std::numeric_limits<T>::quiet_NaN());
      lse[b * L + q0 + r] = std::numeric_limits<double>::quiet_NaN();
    }
  }
}

// Backward of batch-head b: key tiles outer (their dk, dv rows stay in cache), query tiles inner.
template <typename T>
void backwardHead(const simd::AttentionLoops<T>& f, const T* q, const T* k, const T* v, const T* out, const T* dout,
                  const double* lse, const AttentionMask& mask, T* dq, T* dk, T* dv, const AttentionShape& sh, int64_t b,
                  std::vector<T>& work) {
  const int64_t L = sh.L, S = sh.S, E = sh.E, Ev = sh.Ev;
  const T scale = static_cast<T>(sh.scale);
  const T* qb = q + b * L * E;
  const T* kb = k + b * S * E;
  const T* vb = v + b * S * Ev;
  const T* ob = out + b * L * Ev;
  const T* gb = dout + b * L * Ev;
  const double* lb = lse + b * L;
  T* dqb = dq + b * L * E;
  T* dkb = dk + b * S * E;
  T* dvb = dv + b * S * Ev;
  std::fill(dqb, dqb + L * E, T(0));
  std::fill(dkb, dkb + S * E, T(0));
  std::fill(dvb, dvb + S * Ev, T(0));
  work.resize(static_cast<size_t>(L + (E + Ev) * kBlockK + 4 * kBlockQ * kBlockK + kBlockQ * E));
  T* D = work.data();
  T* qs = D + L;  // [bq][E], the scaled query tile
  T* kt = qs + kBlockQ * E;
  T* vt = kt + E * kBlockK;
  T* p = vt + Ev * kBlockK;        // [bq][bk]
  T* ds = p + kBlockQ * kBlockK;   // [bq][bk]
  T* pt = ds + kBlockQ * kBlockK;  // [bk][bq]
  T* dst = pt + kBlockQ * kBlockK; // [bk][bq]
  for (int64_t i = 0; i < L; ++i) D[i] = f.dot(gb + i * Ev, ob + i * Ev, Ev);
  for (int64_t k0 = 0; k0 < S; k0 += kBlockK) {
    const int64_t bk = std::min(kBlockK, S - k0);
    packTransposed(kb, E, k0, bk, kt);
    packTransposed(vb, Ev, k0, bk, vt);
    // With causal, queries before k0 see none of these keys.
    for (int64_t q0 = sh.causal ? std::min(k0, L) : 0; q0 < L; q0 += kBlockQ) {
      const int64_t bq = std::min(kBlockQ, L - q0);
      const int64_t nMax = visibleKeys(sh, q0 + bq - 1, k0, bk);
      f.combineRows(scaledRows(qb + q0 * E, bq, E, scale, qs), E, bq, kt, bk, E, nMax, p, bk, false);  // scores
      f.combineRows(gb + q0 * Ev, Ev, bq, vt, bk, Ev, nMax, ds, bk, false); // dP
      for (int64_t r = 0; r < bq; ++r) {
        const int64_t i = q0 + r, n = visibleKeys(sh, i, k0, bk);
        T* pr = p + r * bk;
        T* dsr = ds + r * bk;
        applyMask(pr, n, mask, b, i, k0);
        if (std::isnan(lb[i])) std::fill(pr, pr + n, std::numeric_limits<T>::quiet_NaN());  // no visible key
        else f.expShiftSum(pr, n, static_cast<T>(lb[i]));
        const T di = D[i];
        for (int64_t j = 0; j < n; ++j) dsr[j] = pr[j] * (dsr[j] - di) * scale;
        std::fill(pr + n, pr + bk, T(0));
        std::fill(dsr + n, dsr + bk, T(0));
      }
      f.combineRows(ds, bk, bq, kb + k0 * E, E, nMax, E, dqb + q0 * E, E, true);
      for (int64_t r = 0; r < bq; ++r)
        for (int64_t j = 0; j < nMax; ++j) {
          pt[j * bq + r] = p[r * bk + j];
          dst[j * bq + r] = ds[r * bk + j];
        }
      f.combineRows(pt, bq, nMax, gb + q0 * Ev, Ev, bq, Ev, dvb + k0 * Ev, Ev, true);
      f.combineRows(dst, bq, nMax, qb + q0 * E, E, bq, E, dkb + k0 * E, E, true);
    }
  }
}

// Items per pool chunk: enough work that a chunk is worth a thread wake-up.
int64_t grainFor(int64_t workPerItem) { return std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, workPerItem)); }

}  // namespace

template <typename T>
void attentionForward(Context& ctx, const T* q, const T* k, const T* v, const AttentionMask& mask, T* out, double* lse,
                      const AttentionShape& sh) {
  const auto& f = simd::attentionLoopsFor<T>(ctx.isa);
  const int64_t blocks = (sh.L + kBlockQ - 1) / kBlockQ;
  const int64_t tasks = sh.batch * blocks;
  if (tasks == 0) return;
  const int64_t work = std::min(sh.L, kBlockQ) * std::max<int64_t>(1, sh.S) * (sh.E + sh.Ev + 1);
  ctx.pool.parallelFor(0, tasks, grainFor(work), [&](int64_t t0, int64_t t1) {
    std::vector<T> scratch(static_cast<size_t>(sh.E * kBlockK + kBlockQ * sh.E + kBlockQ * kBlockK + 2 * kBlockQ));
    T* kt = scratch.data();
    T* qs = kt + sh.E * kBlockK;
    T* s = qs + kBlockQ * sh.E;
    T* rowMax = s + kBlockQ * kBlockK;
    T* rowSum = rowMax + kBlockQ;
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t b = t / blocks, q0 = (t % blocks) * kBlockQ;
      forwardBlock(f, q, k, v, mask, out, lse, sh, b, q0, std::min(sh.L, q0 + kBlockQ), kt, qs, s, rowMax, rowSum);
    }
  });
}

template <typename T>
void attentionBackward(Context& ctx, const T* q, const T* k, const T* v, const T* out, const T* dout, const double* lse,
                       const AttentionMask& mask, T* dq, T* dk, T* dv, const AttentionShape& sh) {
  const auto& f = simd::attentionLoopsFor<T>(ctx.isa);
  if (sh.batch == 0) return;
  const int64_t work = std::max<int64_t>(1, sh.L) * std::max<int64_t>(1, sh.S) * (sh.E + sh.Ev + 1) * 2;
  ctx.pool.parallelFor(0, sh.batch, grainFor(work), [&](int64_t b0, int64_t b1) {
    std::vector<T> work;
    for (int64_t b = b0; b < b1; ++b) backwardHead(f, q, k, v, out, dout, lse, mask, dq, dk, dv, sh, b, work);
  });
}

template void attentionForward<float>(Context&, const float*, const float*, const float*, const AttentionMask&, float*,
                                      double*, const AttentionShape&);
template void attentionForward<double>(Context&, const double*, const double*, const double*, const AttentionMask&,
                                       double*, double*, const AttentionShape&);
template void attentionBackward<float>(Context&, const float*, const float*, const float*, const float*, const float*,
                                       const double*, const AttentionMask&, float*, float*, float*, const AttentionShape&);
template void attentionBackward<double>(Context&, const double*, const double*, const double*, const double*,
                                        const double*, const double*, const AttentionMask&, double*, double*, double*,
                                        const AttentionShape&);

}  // namespace lattice

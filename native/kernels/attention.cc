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

// Scratch of the backward: the scaled query tile, packed Kᵀ and Vᵀ tiles, P and dS and their transposes.
template <typename T>
struct BackwardScratch {
  std::vector<T> buf;
  T *qs, *kt, *vt, *p, *ds, *pt, *dst;
  BackwardScratch(int64_t E, int64_t Ev) : buf(static_cast<size_t>(kBlockQ * E + (E + Ev) * kBlockK + 4 * kBlockQ * kBlockK)) {
    qs = buf.data();                // [bq][E]
    kt = qs + kBlockQ * E;          // [E][bk]
    vt = kt + E * kBlockK;          // [Ev][bk]
    p = vt + Ev * kBlockK;          // [bq][bk]
    ds = p + kBlockQ * kBlockK;     // [bq][bk]
    pt = ds + kBlockQ * kBlockK;    // [bk][bq]
    dst = pt + kBlockQ * kBlockK;   // [bk][bq]
  }
};

// The backward's view of one batch-head b.
template <typename T>
struct HeadGrads {
  const simd::AttentionLoops<T>& f;
  const AttentionShape& sh;
  const AttentionMask& mask;
  int64_t b;
  const T *qb, *kb, *vb, *gb, *D;
  const double* lb;
  T *dqb, *dkb, *dvb;

  // The first query tile that sees key tile k0 (causal: queries before k0 see none of it). Tiles
  // of both kinds are 64 wide, so query tiles always start at multiples of 64.
  int64_t firstQueryTile(int64_t k0) const { return sh.causal ? std::min(k0, sh.L) : 0; }

  void packKeys(int64_t k0, int64_t bk, BackwardScratch<T>& w) const {
    packTransposed(kb, sh.E, k0, bk, w.kt);
    packTransposed(vb, sh.Ev, k0, bk, w.vt);
  }

  // P and dS of the tile (queries [q0, q0 + bq), keys [k0, k0 + bk), keys packed in w); returns
  // how many keys any of its queries sees. The same calls whichever pass asks, so every pass
  // gets the same bits.
  int64_t tile(int64_t q0, int64_t bq, int64_t k0, int64_t bk, BackwardScratch<T>& w) const {
    const int64_t E = sh.E, Ev = sh.Ev;
    const T scale = static_cast<T>(sh.scale);
    const int64_t nMax = visibleKeys(sh, q0 + bq - 1, k0, bk);
    f.combineRows(scaledRows(qb + q0 * E, bq, E, scale, w.qs), E, bq, w.kt, bk, E, nMax, w.p, bk, false);  // scores
    f.combineRows(gb + q0 * Ev, Ev, bq, w.vt, bk, Ev, nMax, w.ds, bk, false);                               // dP
    for (int64_t r = 0; r < bq; ++r) {
      const int64_t i = q0 + r, n = visibleKeys(sh, i, k0, bk);
      T* pr = w.p + r * bk;
      T* dsr = w.ds + r * bk;
      applyMask(pr, n, mask, b, i, k0);
      if (std::isnan(lb[i])) std::fill(pr, pr + n, std::numeric_limits<T>::quiet_NaN());  // no visible key
      else f.expShiftSum(pr, n, static_cast<T>(lb[i]));
      const T di = D[i];
      for (int64_t j = 0; j < n; ++j) dsr[j] = pr[j] * (dsr[j] - di) * scale;
      std::fill(pr + n, pr + bk, T(0));
      std::fill(dsr + n, dsr + bk, T(0));
    }
    return nMax;
  }

  void accumulateDq(int64_t q0, int64_t bq, int64_t k0, int64_t nMax, int64_t bk, const BackwardScratch<T>& w) const {
    f.combineRows(w.ds, bk, bq, kb + k0 * sh.E, sh.E, nMax, sh.E, dqb + q0 * sh.E, sh.E, true);
  }

  void accumulateDkDv(int64_t q0, int64_t bq, int64_t k0, int64_t nMax, int64_t bk, BackwardScratch<T>& w) const {
    for (int64_t r = 0; r < bq; ++r)
      for (int64_t j = 0; j < nMax; ++j) {
        w.pt[j * bq + r] = w.p[r * bk + j];
        w.dst[j * bq + r] = w.ds[r * bk + j];
      }
    f.combineRows(w.pt, bq, nMax, gb + q0 * sh.Ev, sh.Ev, bq, sh.Ev, dvb + k0 * sh.Ev, sh.Ev, true);
    f.combineRows(w.dst, bq, nMax, qb + q0 * sh.E, sh.E, bq, sh.E, dkb + k0 * sh.E, sh.E, true);
  }

  // The whole head in one pass: key tiles outer (their dk, dv rows stay in cache), query tiles inner.
  void all(BackwardScratch<T>& w) const {
    std::fill(dqb, dqb + sh.L * sh.E, T(0));
    std::fill(dkb, dkb + sh.S * sh.E, T(0));
    std::fill(dvb, dvb + sh.S * sh.Ev, T(0));
    for (int64_t k0 = 0; k0 < sh.S; k0 += kBlockK) {
      const int64_t bk = std::min(kBlockK, sh.S - k0);
      packKeys(k0, bk, w);
      for (int64_t q0 = firstQueryTile(k0); q0 < sh.L; q0 += kBlockQ) {
        const int64_t bq = std::min(kBlockQ, sh.L - q0);
        const int64_t nMax = tile(q0, bq, k0, bk, w);
        accumulateDq(q0, bq, k0, nMax, bk, w);
        accumulateDkDv(q0, bq, k0, nMax, bk, w);
      }
    }
  }

  // dk, dv of key tile k0 alone (query tiles in the order all() visits them).
  void keyTile(int64_t k0, BackwardScratch<T>& w) const {
    const int64_t bk = std::min(kBlockK, sh.S - k0);
    std::fill(dkb + k0 * sh.E, dkb + (k0 + bk) * sh.E, T(0));
    std::fill(dvb + k0 * sh.Ev, dvb + (k0 + bk) * sh.Ev, T(0));
    packKeys(k0, bk, w);
    for (int64_t q0 = firstQueryTile(k0); q0 < sh.L; q0 += kBlockQ) {
      const int64_t bq = std::min(kBlockQ, sh.L - q0);
      accumulateDkDv(q0, bq, k0, tile(q0, bq, k0, bk, w), bk, w);
    }
  }

  // dq of query tile q0 alone (key tiles in the order all() visits them).
  void queryTile(int64_t q0, BackwardScratch<T>& w) const {
    const int64_t bq = std::min(kBlockQ, sh.L - q0);
    std::fill(dqb + q0 * sh.E, dqb + (q0 + bq) * sh.E, T(0));
    for (int64_t k0 = 0; k0 < sh.S && firstQueryTile(k0) <= q0; k0 += kBlockK) {
      const int64_t bk = std::min(kBlockK, sh.S - k0);
      packKeys(k0, bk, w);
      accumulateDq(q0, bq, k0, tile(q0, bq, k0, bk, w), bk, w);
    }
  }
};

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

// With at least as many heads as threads, each head runs in one pass (all()). With fewer, the
// work splits into a pass over (head, key tile) for dk, dv and one over (head, query tile) for
// dq, which recomputes P and dS once more but keeps every thread busy. Both visit the tiles in
// the same order with the same calls, so the results are the same bits whichever runs.
template <typename T>
void attentionBackward(Context& ctx, const T* q, const T* k, const T* v, const T* out, const T* dout, const double* lse,
                       const AttentionMask& mask, T* dq, T* dk, T* dv, const AttentionShape& sh) {
  const auto& f = simd::attentionLoopsFor<T>(ctx.isa);
  if (sh.batch == 0) return;
  const int64_t L = sh.L, S = sh.S, E = sh.E, Ev = sh.Ev;
  // D_i = dout_i . out_i for every row.
  std::vector<T> D(static_cast<size_t>(sh.batch * L));
  ctx.pool.parallelFor(0, sh.batch * L, grainFor(Ev + 1), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) D[r] = f.dot(dout + r * Ev, out + r * Ev, Ev);
  });
  auto head = [&](int64_t b) {
    return HeadGrads<T>{f, sh, mask, b, q + b * L * E, k + b * S * E, v + b * S * Ev, dout + b * L * Ev, D.data() + b * L,
                        lse + b * L, dq + b * L * E, dk + b * S * E, dv + b * S * Ev};
  };
  if (sh.batch >= ctx.pool.size()) {
    const int64_t work = std::max<int64_t>(1, L) * std::max<int64_t>(1, S) * (E + Ev + 1) * 2;
    ctx.pool.parallelFor(0, sh.batch, grainFor(work), [&](int64_t b0, int64_t b1) {
      BackwardScratch<T> w(E, Ev);
      for (int64_t b = b0; b < b1; ++b) head(b).all(w);
    });
    return;
  }
  const int64_t keyTiles = (S + kBlockK - 1) / kBlockK, queryTiles = (L + kBlockQ - 1) / kBlockQ;
  ctx.pool.parallelFor(0, sh.batch * keyTiles, 1, [&](int64_t t0, int64_t t1) {
    BackwardScratch<T> w(E, Ev);
    for (int64_t t = t0; t < t1; ++t) head(t / keyTiles).keyTile((t % keyTiles) * kBlockK, w);
  });
  ctx.pool.parallelFor(0, sh.batch * queryTiles, 1, [&](int64_t t0, int64_t t1) {
    BackwardScratch<T> w(E, Ev);
    for (int64_t t = t0; t < t1; ++t) head(t / queryTiles).queryTile((t % queryTiles) * kBlockQ, w);
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

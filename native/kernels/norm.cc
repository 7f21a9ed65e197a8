// Fused LayerNorm / BatchNorm / GroupNorm kernels (formulas in norm.h).
//
// The loops over one contiguous run are in simd/norm_loops*.h: float32 data in float lanes
// (as differences from a float value near the data, so that data like 1e4 + 1e-2 * N(0, 1)
// keep their noise), float64 in double lanes. Each run's sums come back in double and are
// combined here in a fixed order.
#include "norm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "../simd/norm_columns.h"
#include "../simd/norm_loops.h"
#include "select.h"

namespace lattice {

namespace {

using simd::NormLoops;

template <typename T>
const NormLoops<T>& loops(const Context& ctx) {
  return simd::normLoopsFor<T>(ctx.isa);
}

// LayerNorm backward's dgamma/dbeta: rows are cut into blocks of a size fixed by the shape,
// each block sums into its own partial row (double), and the partials are added in block
// order. Within a block, rows first add up in T, in a running row flushed into the block's
// partial every kRowsPerFlush rows: float32's rounding then grows with at most that many rows.
constexpr int64_t kRowsPerFlush = 64;

int64_t rowsPerBlock(int64_t rows, int64_t n) {
  const int64_t byWork = std::max<int64_t>(8, (int64_t{1} << 16) / std::max<int64_t>(1, n));
  const int64_t byCount = (rows + 63) / 64;  // at most ~64 partial rows
  return std::max<int64_t>(1, std::max(byWork, byCount));
}

// The loops over a run align their vectors to its cache lines (simd/norm_loops_impl.h), so
// a row of weights or of running sums loads and stores whole lines when it sits at the same
// offset within a 64-byte line as the data rows. kLine<T>: elements per line.
template <typename T>
constexpr int64_t kLine = 64 / sizeof(T);

template <typename T>
int64_t lineOffset(const T* p) {
  return static_cast<int64_t>(reinterpret_cast<uintptr_t>(p) % 64 / sizeof(T));
}

// The element of storage (2 kLine elements longer than needed) at like's offset within a line.
template <typename T>
T* atOffsetOf(std::vector<T>& storage, const T* like) {
  T* p = storage.data();
  return p + (kLine<T> - lineOffset(p)) % kLine<T> + lineOffset(like);
}

// v [n], or a copy of it laid out like `like` within a line.
template <typename T>
const T* laidOutLike(const T* v, int64_t n, const T* like, std::vector<T>& storage) {
  if (!v || lineOffset(v) == lineOffset(like)) return v;
  storage.resize(static_cast<size_t>(n + 2 * kLine<T>));
  T* copy = atOffsetOf(storage, like);
  std::copy(v, v + n, copy);
  return copy;
}

// The running rows of LayerNorm backward: dgamma and dbeta sums in T, laid out like `like`.
template <typename T>
class RunningRows {
 public:
  RunningRows(int64_t n, const T* like)
      : n_(n),
        // One line more than n needs: with n a multiple of 4 KiB (n = 1024 floats), dw[j] and
        // db[j] would share their low 12 address bits, and each load of db right after the
        // store to dw waited on it (4K aliasing): 2x the cost of the whole backward pass.
        stride_((n + kLine<T> - 1) / kLine<T> * kLine<T> + kLine<T>),
        storage_(static_cast<size_t>(2 * stride_ + 2 * kLine<T>)),
        dw_(atOffsetOf(storage_, like)) {}
  T* dw() { return dw_; }
  T* db() { return dw_ + stride_; }
  // Adds the running sums into pdw, pdb [n] and clears them.
  void flushInto(double* pdw, double* pdb) {
    for (int64_t j = 0; j < n_; ++j) {
      pdw[j] += static_cast<double>(dw()[j]);
      pdb[j] += static_cast<double>(db()[j]);
    }
    std::fill(dw_, dw_ + 2 * stride_, T(0));
  }

 private:
  int64_t n_, stride_;
  std::vector<T> storage_;
  T* dw_;
};

// Backward passes write dx with streaming stores from this size up: far larger than L2, it
// would leave the caches before anyone reads it, and a normal store first reads each line
// in. (LayerNorm [4096, 1024] backward: about 3.3 -> 2.7 ms at one thread, A/B in-process.)
constexpr int64_t kStreamBytes = int64_t(8) << 20;

template <typename T>
bool streamOutput(int64_t elements) {
  return elements * int64_t(sizeof(T)) >= kStreamBytes;
}

// Items per chunk so that a chunk has at least 32k elements: a [128, 256] LayerNorm (W4's) takes
// ~20 us forward and ~30 us backward, and split over two threads it took 28 and 48 (the fork/join
// and the second core's cold cache cost more than the half they save).
constexpr int64_t kMinChunkElements = int64_t{1} << 15;
int64_t grainFor(int64_t work) { return std::max<int64_t>(1, kMinChunkElements / std::max<int64_t>(1, work)); }

}  // namespace

// BatchNorm or LayerNorm followed by ReLU. Forward: each run of y is clamped right after it is written,
// while it is in L1. Backward: the gradient reaching the BatchNorm is dy where the ReLU's
// output is > 0 and 0 elsewhere (relu's own rule); each run of it is made in a small buffer
// that stays in L1 and is fed to the same per-ISA loops, so no masked copy of dy the size
// of the tensor is written and read back, and there is no separate ReLU backward pass.
// Selections on data are made on bits (select.h): a jump on a ReLU mask is a coin flip.
template <typename T>
void reluInPlace(T* y, int64_t n) {
  // y < 0 is false for NaN: a NaN stays (relu's rule).
  for (int64_t i = 0; i < n; ++i) y[i] = keepIf(!(y[i] < T(0)), y[i]);
}

// dy where reluOut > 0, else 0, for n elements.
template <typename T>
void maskInto(const T* dy, const T* reluOut, int64_t n, T* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = keepIf(reluOut[i] > T(0), dy[i]);
}

// One run of the masked gradient at a time (a buffer per parallel chunk), or dy itself.
template <typename T>
class MaskedRun {
 public:
  explicit MaskedRun(int64_t n) : buf_(static_cast<size_t>(n)) {}
  const T* of(const T* dy, const T* reluOut, int64_t at, int64_t n) {
    if (!reluOut) return dy + at;
    maskInto(dy + at, reluOut + at, n, buf_.data());
    return buf_.data();
  }

 private:
  std::vector<T> buf_;
};

template <typename T>
void layerNormForward(Context& ctx, const T* x, const T* w, const T* b, T* y, double* mean, double* rstd, int64_t rows,
                      int64_t n, double eps, bool relu) {
  const NormLoops<T>& L = loops<T>(ctx);
  std::vector<T> wStorage, bStorage;
  w = laidOutLike(w, n, x, wStorage);
  b = laidOutLike(b, n, x, bStorage);
  ctx.pool.parallelFor(0, rows, grainFor(n), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * n;
      const double mu = n > 0 ? L.sum(xr, n) / static_cast<double>(n) : 0.0;
      const double var = n > 0 ? L.sumSquaredDeviation(xr, n, mu) / static_cast<double>(n) : 0.0;
      const double rs = 1.0 / std::sqrt(var + eps);
      mean[r] = mu;
      rstd[r] = rs;
      L.normalizeAffine(xr, n, mu, rs, w, b, y + r * n);
      if (relu) reluInPlace(y + r * n, n);
    }
  });
}

template <typename T>
void layerNormBackward(Context& ctx, const T* dy, const T* x, const double* mean, const double* rstd, const T* w, T* dx,
                       T* dw, T* db, int64_t rows, int64_t n, const T* reluOut) {
  const NormLoops<T>& L = loops<T>(ctx);
  std::vector<T> wStorage;
  w = laidOutLike(w, n, x, wStorage);
  const bool wantParams = dw != nullptr || db != nullptr;
  const bool stream = streamOutput<T>(rows * n);
  const int64_t perBlock = rowsPerBlock(rows, n);
  const int64_t blocks = rows > 0 ? (rows + perBlock - 1) / perBlock : 0;
  // partial[k] holds block k's sums: dgamma in [0, n), dbeta in [n, 2n).
  std::vector<double> partial(wantParams ? static_cast<size_t>(blocks * 2 * n) : 0, 0.0);
  ctx.pool.parallelFor(0, blocks, grainFor(perBlock * n), [&](int64_t k0, int64_t k1) {
    RunningRows<T> running(wantParams ? n : 0, x);
    MaskedRun<T> masked(reluOut ? n : 0);
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t rBegin = k * perBlock, rEnd = std::min(rows, rBegin + perBlock);
      for (int64_t r = rBegin; r < rEnd; ++r) {
        const T* xr = x + r * n;
        const T* dyr = masked.of(dy, reluOut, r * n, n);
        const double mu = mean[r], rs = rstd[r];
        // sum(g) and sum(g (x - mu)) with g = dy w, in a pass that only loads: the row streams
        // in from memory with many loads in flight. The pass for dx and dgamma/dbeta then reads
        // it from L1. (With the sums in that pass too, the running-row stores held the loads
        // back: the row arrived at about half the bandwidth, backward 10-15% slower. With dx
        // in a third pass of its own, backward was ~15% slower, in-process A/B.)
        double sumG = 0, sumGXc = 0;
        L.gradientSums(dyr, xr, n, mu, w, &sumG, &sumGXc);
        // dx = rs (g - a - xhat bCoef), a = mean(g), bCoef = mean(g xhat): rs w dy - rs a - rs^2 bCoef (x - mu).
        const double a = sumG / static_cast<double>(n);
        const double bCoef = sumGXc * rs / static_cast<double>(n);
        T* dxr = dx ? dx + r * n : nullptr;
        if (wantParams) {
          // dx and the dgamma/dbeta running sums in one pass over the row, now in L1.
          L.affineAndParamGrads(dyr, xr, n, mu, rs, w, rs, rs * a, rs * rs * bCoef, dxr, stream, running.dw(),
                                running.db());
          if ((r + 1 - rBegin) % kRowsPerFlush == 0 || r + 1 == rEnd) {
            running.flushInto(partial.data() + k * 2 * n, partial.data() + k * 2 * n + n);
          }
        } else if (dxr) {
          L.affineGrad(dyr, xr, n, mu, w, rs, rs * a, rs * rs * bCoef, dxr, stream);
        }
      }
    }
  });
  if (!wantParams) return;
  if (blocks == 0) {  // no rows: zero gradients
    if (dw) std::fill(dw, dw + n, T(0));
    if (db) std::fill(db, db + n, T(0));
    return;
  }
  // The blocks' partial rows added into block 0's in block order, a row at a time: walking
  // down one column of `partial` instead strode 16 KiB per step (for n = 1024), and the
  // sum cost ~5% of the whole backward pass.
  ctx.pool.parallelFor(0, n, 256, [&](int64_t j0, int64_t j1) {
    double* total = partial.data();
    for (int64_t k = 1; k < blocks; ++k) {
      const double* block = partial.data() + k * 2 * n;
      for (int64_t j = j0; j < j1; ++j) {
        total[j] += block[j];
        total[n + j] += block[n + j];
      }
    }
    for (int64_t j = j0; j < j1; ++j) {
      if (dw) dw[j] = static_cast<T>(total[j]);
      if (db) db[j] = static_cast<T>(total[n + j]);
    }
  });
}

// BatchNorm walks x [N, C, S] in memory order, one (sample, channel) segment of S elements
// at a time, rather than channel by channel: the segments of one channel lie N*S*C apart, a
// stride that maps them all onto the same cache sets, so a channel-major walk misses the
// cache on every pass. Per-segment statistics are combined per channel in sample order
// (Chan et al.'s pairwise update for the squared deviations), a fixed order whatever the
// threads. Below kMinSegment elements a call into the per-ISA loops per segment costs more
// than the segment's work, and x is walked by columns instead (below).
constexpr int64_t kMinSegment = 32;

template <typename T>
void batchNormStatsBySegment(Context& ctx, const NormLoops<T>& L, const T* x, double* mean, double* var, int64_t N, int64_t C,
                             int64_t S) {
  // segMean[k], segM2[k] for segment k = n*C + c: its mean and sum of squared deviations.
  std::vector<double> segMean(static_cast<size_t>(N * C)), segM2(static_cast<size_t>(N * C));
  ctx.pool.parallelFor(0, N * C, grainFor(S), [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      const T* seg = x + k * S;
      const double mu = L.sum(seg, S) / static_cast<double>(S);
      segMean[k] = mu;
      segM2[k] = L.sumSquaredDeviation(seg, S, mu);
    }
  });
  // Equal-sized parts: mean = average of the part means; M2 = sum M2_n + S sum (mean_n - mean)^2.
  const double M = static_cast<double>(N * S);
  for (int64_t c = 0; c < C; ++c) {
    double s = 0;
    for (int64_t n = 0; n < N; ++n) s += segMean[n * C + c];
    const double mu = s / static_cast<double>(N);
    double m2 = 0, spread = 0;
    for (int64_t n = 0; n < N; ++n) {
      const double d = segMean[n * C + c] - mu;
      m2 += segM2[n * C + c];
      spread += d * d;
    }
    mean[c] = mu;
    var[c] = (m2 + static_cast<double>(S) * spread) / M;
  }
}

// Short segments (S < kMinSegment; BatchNorm1d on [N, C] has S = 1): x is N rows of W = C*S
// columns, column j in channel j / S, and the passes walk down columns (simd/norm_columns.h),
// each column adding its rows in order. The channels are split among the threads and a
// thread makes every pass over its own channels' columns, statistics included (a channel
// needs no other's), so a call is one parallel region (three to five before, each costing
// about as much as the work at 2 threads). A channel's S column sums are added in column
// order. (With a call into the per-ISA run loops per segment, BatchNorm1d [128, 256] forward
// and backward took 2.6 ms, 46x LayerNorm's time on the same tensor.)

// The columns of channels [c0, c1): from column `first`, `count` of them (S per channel).
struct ColumnBlock {
  int64_t c0, c1, S, first, count;
  ColumnBlock(int64_t c0_, int64_t c1_, int64_t S_) : c0(c0_), c1(c1_), S(S_), first(c0_ * S_), count((c1_ - c0_) * S_) {}
  size_t columns() const { return static_cast<size_t>(count); }
  size_t channels() const { return static_cast<size_t>(c1 - c0); }
  // The sum of channel c's S entries of col (one entry per column of the block).
  double channelSum(const std::vector<double>& col, int64_t c) const {
    double s = 0;
    for (int64_t k = 0; k < S; ++k) s += col[static_cast<size_t>((c - c0) * S + k)];
    return s;
  }
  // v[i] (channel c0 + i) for each of that channel's S columns.
  std::vector<double> spread(const double* v) const {
    std::vector<double> out(columns());
    for (int64_t i = 0; i < c1 - c0; ++i)
      for (int64_t k = 0; k < S; ++k) out[static_cast<size_t>(i * S + k)] = v[i];
    return out;
  }
};

// fn(block) for blocks of whole channels, split among the threads: one parallel region.
template <typename Fn>
void forEachColumnBlock(Context& ctx, int64_t N, int64_t C, int64_t S, Fn&& fn) {
  // (On one thread below 64K elements instead, W4 (f) at 2 threads was ~5% faster on a loaded
  // machine and level to slightly slower on a quiet one, interleaved A/B: the split stays.)
  ctx.pool.parallelFor(0, C, grainFor(N * S), [&](int64_t c0, int64_t c1) { fn(ColumnBlock(c0, c1, S)); });
}

template <typename T>
void batchNormForwardByColumn(Context& ctx, const T* x, const T* w, const T* b, T* y, double* mean, double* var,
                              double* invstd, int64_t N, int64_t C, int64_t S, double eps, bool training, bool relu) {
  const simd::ColumnLoops<T>& L = simd::columnLoopsFor<T>(ctx.isa);
  const int64_t W = C * S;
  const double M = static_cast<double>(N * S);
  forEachColumnBlock(ctx, N, C, S, [&](const ColumnBlock& blk) {
    if (training) {
      std::vector<double> col(blk.columns());
      L.sums(x + blk.first, N, W, blk.count, col.data());
      for (int64_t c = blk.c0; c < blk.c1; ++c) mean[c] = M > 0 ? blk.channelSum(col, c) / M : 0.0;
      L.squaredDeviations(x + blk.first, N, W, blk.count, blk.spread(mean + blk.c0).data(), col.data());
      for (int64_t c = blk.c0; c < blk.c1; ++c) var[c] = M > 0 ? blk.channelSum(col, c) / M : 0.0;
    }
    std::vector<double> scale(blk.channels()), shift(blk.channels());
    for (int64_t c = blk.c0; c < blk.c1; ++c) {
      invstd[c] = 1.0 / std::sqrt(var[c] + eps);
      scale[static_cast<size_t>(c - blk.c0)] = invstd[c] * (w ? static_cast<double>(w[c]) : 1.0);
      shift[static_cast<size_t>(c - blk.c0)] = b ? static_cast<double>(b[c]) : 0.0;
    }
    L.scaleShift(x + blk.first, N, W, blk.count, blk.spread(mean + blk.c0).data(), blk.spread(scale.data()).data(),
                 blk.spread(shift.data()).data(), relu, y + blk.first);
  });
}

template <typename T>
void batchNormBackwardByColumn(Context& ctx, const T* dy, const T* x, const double* mean, const double* invstd,
                               const T* w, T* dx, T* dw, T* db, int64_t N, int64_t C, int64_t S, bool training,
                               const T* reluOut) {
  const simd::ColumnLoops<T>& L = simd::columnLoopsFor<T>(ctx.isa);
  const int64_t W = C * S;
  const double M = static_cast<double>(N * S);
  forEachColumnBlock(ctx, N, C, S, [&](const ColumnBlock& blk) {
    const std::vector<double> mu = blk.spread(mean + blk.c0);
    std::vector<double> sumG(blk.columns()), sumGXc(blk.columns());
    const T* out = reluOut ? reluOut + blk.first : nullptr;
    L.gradientSums(dy + blk.first, x + blk.first, out, N, W, blk.count, mu.data(), sumG.data(), sumGXc.data());
    // dx = w is (dy - a - (x - mean) k), a = mean(dy), k = is^2 mean(dy (x - mean)); a = k = 0 in eval mode.
    std::vector<double> p(blk.channels()), q(blk.channels()), r(blk.channels());
    for (int64_t c = blk.c0; c < blk.c1; ++c) {
      const double sDy = blk.channelSum(sumG, c), sDyXc = blk.channelSum(sumGXc, c), is = invstd[c];
      if (dw) dw[c] = static_cast<T>(sDyXc * is);
      if (db) db[c] = static_cast<T>(sDy);
      const double scale = (w ? static_cast<double>(w[c]) : 1.0) * is;
      const double a = training && M > 0 ? sDy / M : 0.0;
      const double k = training && M > 0 ? sDyXc * is * is / M : 0.0;
      const size_t i = static_cast<size_t>(c - blk.c0);
      p[i] = scale;
      q[i] = scale * a;
      r[i] = scale * k;
    }
    if (!dx) return;
    L.affineGrad(dy + blk.first, x + blk.first, out, N, W, blk.count, mu.data(), blk.spread(p.data()).data(),
                 blk.spread(q.data()).data(), blk.spread(r.data()).data(), dx + blk.first);
  });
}

template <typename T>
void batchNormForward(Context& ctx, const T* x, const T* w, const T* b, T* y, double* mean, double* var, double* invstd,
                      int64_t N, int64_t C, int64_t S, double eps, bool training, bool relu) {
  if (N == 0 || S < kMinSegment) return batchNormForwardByColumn(ctx, x, w, b, y, mean, var, invstd, N, C, S, eps, training, relu);
  const NormLoops<T>& L = loops<T>(ctx);
  if (training) batchNormStatsBySegment(ctx, L, x, mean, var, N, C, S);
  std::vector<double> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    invstd[c] = 1.0 / std::sqrt(var[c] + eps);
    scale[c] = invstd[c] * (w ? static_cast<double>(w[c]) : 1.0);
    shift[c] = b ? static_cast<double>(b[c]) : 0.0;
  }
  // y = (x - mean) scale + shift, segment by segment in memory order.
  ctx.pool.parallelFor(0, N * C, grainFor(S), [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t c = k % C;
      L.scaleShift(x + k * S, S, mean[c], scale[c], shift[c], y + k * S);
      if (relu) reluInPlace(y + k * S, S);
    }
  });
}

template <typename T>
void batchNormBackward(Context& ctx, const T* dy, const T* x, const double* mean, const double* invstd, const T* w, T* dx,
                       T* dw, T* db, int64_t N, int64_t C, int64_t S, bool training, const T* reluOut) {
  if (N == 0 || S < kMinSegment) {
    return batchNormBackwardByColumn(ctx, dy, x, mean, invstd, w, dx, dw, db, N, C, S, training, reluOut);
  }
  const NormLoops<T>& L = loops<T>(ctx);
  const double M = static_cast<double>(N * S);
  const bool stream = streamOutput<T>(N * C * S);
  // Per channel: sum(dy) and sum(dy (x - mean)), from per-segment sums added in sample order.
  std::vector<double> sumDy(static_cast<size_t>(C), 0.0), sumDyXc(static_cast<size_t>(C), 0.0);
  std::vector<double> seg1(static_cast<size_t>(N * C)), seg2(static_cast<size_t>(N * C));
  ctx.pool.parallelFor(0, N * C, grainFor(S), [&](int64_t k0, int64_t k1) {
    MaskedRun<T> g(reluOut ? S : 0);
    for (int64_t k = k0; k < k1; ++k) {
      L.gradientSums(g.of(dy, reluOut, k * S, S), x + k * S, S, mean[k % C], nullptr, &seg1[k], &seg2[k]);
    }
  });
  for (int64_t n = 0; n < N; ++n) {
    for (int64_t c = 0; c < C; ++c) {
      sumDy[c] += seg1[n * C + c];
      sumDyXc[c] += seg2[n * C + c];
    }
  }
  // dx = w is (dy - a - (x - mean) k), a = mean(dy), k = is^2 mean(dy (x - mean)); a = k = 0 in eval mode.
  std::vector<double> p(static_cast<size_t>(C)), q(static_cast<size_t>(C)), r(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    const double is = invstd[c];
    if (dw) dw[c] = static_cast<T>(sumDyXc[c] * is);
    if (db) db[c] = static_cast<T>(sumDy[c]);
    const double scale = (w ? static_cast<double>(w[c]) : 1.0) * is;
    const double a = training && M > 0 ? sumDy[c] / M : 0.0;
    const double k = training && M > 0 ? sumDyXc[c] * is * is / M : 0.0;
    p[c] = scale;
    q[c] = scale * a;
    r[c] = scale * k;
  }
  if (!dx) return;
  ctx.pool.parallelFor(0, N * C, grainFor(S), [&](int64_t k0, int64_t k1) {
    MaskedRun<T> g(reluOut ? S : 0);
    for (int64_t k = k0; k < k1; ++k) {
      const int64_t c = k % C;
      L.affineGrad(g.of(dy, reluOut, k * S, S), x + k * S, S, mean[c], nullptr, p[c], q[c], r[c], dx + k * S, stream);
    }
  });
}

template <typename T>
void groupNormForward(Context& ctx, const T* x, const T* w, const T* b, T* y, double* mean, double* rstd, int64_t N,
                      int64_t C, int64_t S, int64_t groups, double eps) {
  const NormLoops<T>& L = loops<T>(ctx);
  const int64_t cg = C / groups, len = cg * S;
  ctx.pool.parallelFor(0, N * groups, grainFor(len), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const T* xr = x + r * len;
      const double mu = len > 0 ? L.sum(xr, len) / static_cast<double>(len) : 0.0;
      const double var = len > 0 ? L.sumSquaredDeviation(xr, len, mu) / static_cast<double>(len) : 0.0;
      const double rs = 1.0 / std::sqrt(var + eps);
      mean[r] = mu;
      rstd[r] = rs;
      const int64_t g = r % groups;
      for (int64_t k = 0; k < cg; ++k) {
        const int64_t c = g * cg + k;
        const double scale = rs * (w ? static_cast<double>(w[c]) : 1.0);
        L.scaleShift(xr + k * S, S, mu, scale, b ? static_cast<double>(b[c]) : 0.0, y + r * len + k * S);
      }
    }
  });
}

template <typename T>
void groupNormBackward(Context& ctx, const T* dy, const T* x, const double* mean, const double* rstd, const T* w, T* dx,
                       T* dw, T* db, int64_t N, int64_t C, int64_t S, int64_t groups) {
  const bool stream = streamOutput<T>(N * C * S);
  const NormLoops<T>& L = loops<T>(ctx);
  const int64_t cg = C / groups, len = cg * S;
  if (dx) {
    ctx.pool.parallelFor(0, N * groups, grainFor(len), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const int64_t g = r % groups;
        const double mu = mean[r], rs = rstd[r];
        double sumG = 0, sumGXc = 0;
        for (int64_t k = 0; k < cg; ++k) {
          double s1 = 0, s2 = 0;
          L.gradientSums(dy + r * len + k * S, x + r * len + k * S, S, mu, nullptr, &s1, &s2);
          const double wc = w ? static_cast<double>(w[g * cg + k]) : 1.0;
          sumG += wc * s1;
          sumGXc += wc * s2;
        }
        const double a = len > 0 ? sumG / static_cast<double>(len) : 0.0;
        const double kCoef = len > 0 ? sumGXc * rs * rs / static_cast<double>(len) : 0.0;
        // dx = rs (dy w - a - xhat mean(g xhat)) = rs w dy - rs a - rs kCoef (x - mu).
        for (int64_t k = 0; k < cg; ++k) {
          const double wc = w ? static_cast<double>(w[g * cg + k]) : 1.0;
          L.affineGrad(dy + r * len + k * S, x + r * len + k * S, S, mu, nullptr, rs * wc, rs * a, rs * kCoef,
                       dx + r * len + k * S, stream);
        }
      }
    });
  }
  if (dw || db) {
    // Per channel, samples in order: a fixed partition whatever the thread count.
    ctx.pool.parallelFor(0, C, grainFor(N * S), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        const int64_t g = c / cg;
        double sw = 0, sb = 0;
        for (int64_t i = 0; i < N; ++i) {
          const int64_t r = i * groups + g;
          double s1 = 0, s2 = 0;
          L.gradientSums(dy + (i * C + c) * S, x + (i * C + c) * S, S, mean[r], nullptr, &s1, &s2);
          sb += s1;
          sw += s2 * rstd[r];
        }
        if (dw) dw[c] = static_cast<T>(sw);
        if (db) db[c] = static_cast<T>(sb);
      }
    });
  }
}

#define LATTICE_NORM_INSTANTIATE(T)                                                                                   \
  template void layerNormForward<T>(Context&, const T*, const T*, const T*, T*, double*, double*, int64_t, int64_t,  \
                                    double, bool);                                                                   \
  template void layerNormBackward<T>(Context&, const T*, const T*, const double*, const double*, const T*, T*, T*,   \
                                     T*, int64_t, int64_t, const T*);                                                \
  template void batchNormForward<T>(Context&, const T*, const T*, const T*, T*, double*, double*, double*, int64_t,  \
                                    int64_t, int64_t, double, bool, bool);                                           \
  template void batchNormBackward<T>(Context&, const T*, const T*, const double*, const double*, const T*, T*, T*,   \
                                     T*, int64_t, int64_t, int64_t, bool, const T*);                                 \
  template void groupNormForward<T>(Context&, const T*, const T*, const T*, T*, double*, double*, int64_t, int64_t,  \
                                    int64_t, int64_t, double);                                                       \
  template void groupNormBackward<T>(Context&, const T*, const T*, const double*, const double*, const T*, T*, T*,   \
                                     T*, int64_t, int64_t, int64_t, int64_t);

LATTICE_NORM_INSTANTIATE(float)
LATTICE_NORM_INSTANTIATE(double)

}  // namespace lattice

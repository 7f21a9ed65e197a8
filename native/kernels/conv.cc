// 2-D convolution kernels (see conv.h for the math).
//
// General path, per sample b and group g, over tiles of output rows:
//   forward:         out_g[Og, L]      = W_g[Og, Kg] @ cols[Kg, L]          (cols = im2col(in_b,g), Kg = C/G*kh*kw, L = oh*ow)
//   backward input:  cols[Kg, L]       = W_g^T @ gradOut_g[Og, L];  gradIn_b,g = col2im(cols)
//   backward weight: gradW_g[Og, Kg]  += gradOut_g[Og, L] @ cols^T
// A tile of output rows keeps the cols buffer near L2-sized, so im2col writes it
// and the GEMM's packing reads it back from cache instead of memory.
//
// Special paths:
//   1x1, stride 1, no padding: cols is the input itself, so each product is one GEMM.
//   one input and fewer than 4 output channels per group (depthwise): a GEMM with
//     M = O/G < 4 and K = kh*kw cannot fill its register tile; direct loops over the taps
//     stream whole output rows instead. (With many outputs per group, e.g. a first layer
//     on a grey image, the GEMM path is ~6x faster than the direct loops: it stays.)
//
// Threads: the batch is split across the pool (each thread runs its samples' GEMMs
// on its own) when it divides well; otherwise samples run in order and the GEMM uses
// the pool. The weight gradient sums over the batch into a fixed number of partial
// buffers (a function of the shapes only) that are added in order at the end, so the
// result is the same for every thread count.
#include "conv.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>

#include "gemm.h"
#include "scratch.h"
#include "select.h"
#include "../simd/im2col_loops.h"

namespace lattice {
namespace {

void gemm(Context& ctx, bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
          const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  sgemm(ctx, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
void gemm(Context& ctx, bool ta, bool tb, int64_t M, int64_t N, int64_t K, double alpha, const double* A, int64_t lda,
          const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  dgemm(ctx, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

int64_t floorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Output columns x in [lo, hi) whose tap x*stride + offset lies in [0, size).
struct Span { int64_t lo, hi; };
Span validSpan(int64_t offset, int64_t stride, int64_t size, int64_t outSize) {
  const int64_t lo = std::clamp<int64_t>(-floorDiv(offset, stride), 0, outSize);
  const int64_t hi = std::clamp<int64_t>(floorDiv(size - 1 - offset, stride) + 1, lo, outSize);
  return {lo, hi};
}

// Bytes of cols one tile may take: about half a core's L2, so that the tile and the
// GEMM's packed A block live there together.
constexpr int64_t kColTileBytes = 512 * 1024;

// Output rows per tile for a cols matrix of kg rows: at least one row and about 256
// columns (GEMMs narrower than that lose more to packing than the cache saves).
int64_t tileRows(const ConvGeometry& g, int64_t kg, size_t elem) {
  const int64_t byBytes = kColTileBytes / std::max<int64_t>(1, kg * g.ow * int64_t(elem));
  const int64_t byWidth = (256 + g.ow - 1) / std::max<int64_t>(1, g.ow);
  return std::clamp<int64_t>(std::max(byBytes, byWidth), 1, std::max<int64_t>(1, g.oh));
}

// Kept scratch above this many bytes is allocated per call instead (see scratch.h).
constexpr size_t kKeptConvBytes = size_t(64) << 20;

// Whether to split `count` independent items across the pool rather than thread inside each GEMM.
bool splitAcrossPool(const Context& ctx, int64_t count) {
  const int64_t t = ctx.pool.size();
  return t > 1 && (count % t == 0 || count >= 4 * t);
}

// Runs body(begin, end) over [0, count): across the pool, or in one call on this thread.
template <typename F>
void forItems(Context& ctx, int64_t count, bool split, const F& body) {
  if (count <= 0) return;
  if (split) ctx.pool.parallelFor(0, count, 1, [&](int64_t b, int64_t e) { body(b, e); });
  else body(0, count);
}

// Runs body(begin, end, cols) over [0, count) as forItems does, giving each chunk
// its own im2col scratch of `colsSize` elements (null for pointwise convs, which
// need none). Returns false when a scratch allocation fails.
template <typename T, typename F>
bool forItemsWithColumns(Context& ctx, int64_t count, bool split, bool pointwise, int64_t colsSize, const F& body) {
  std::atomic<bool> ok{true};
  forItems(ctx, count, split, [&](int64_t b, int64_t e) {
    Scratch<T> cols;
    if (!pointwise) cols = Scratch<T>(ScratchUse::ConvColumns, colsSize, kKeptConvBytes);
    if (!pointwise && !cols) {
      ok = false;
      return;
    }
    body(b, e, cols.get());
  });
  return ok;
}

// Small output planes (rows under 16 wide: a ResNet's 8x8, 4x4 and 2x2 layers) are copied through
// a table of each tap's source offsets, built once per call: the row loops below spent more on
// bounds and loop set-up than on the 2- to 8-wide rows they copy (ResNet-18's 4x4 layer: about
// 5 of its 11 ms weight gradient). off[t * L + l] = iy * w + ix of tap t = ky * kw + kx for output
// l of rows [y0, y1), or -1 where it reads padding.
constexpr int64_t kTapTableMax = 8192;

bool useTapTable(const ConvGeometry& g, int64_t y0, int64_t y1) {
  return g.ow < 16 && (y1 - y0) * g.ow * g.kh * g.kw <= kTapTableMax;
}

void buildTapTable(const ConvGeometry& g, int64_t y0, int64_t y1, int32_t* off) {
  const int64_t L = (y1 - y0) * g.ow;
  for (int64_t ky = 0; ky < g.kh; ++ky) {
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      int32_t* o = off + (ky * g.kw + kx) * L;
      for (int64_t y = y0; y < y1; ++y) {
        const int64_t iy = y * g.strideH - g.padH + ky * g.dilationH;
        for (int64_t x = 0; x < g.ow; ++x, ++o) {
          const int64_t ix = x * g.strideW - g.padW + kx * g.dilationW;
          *o = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? static_cast<int32_t>(iy * g.w + ix) : -1;
        }
      }
    }
  }
}

// The tap-table copy of output rows [y0, y0 + rows) of `count` samples (`sample` elements apart)
// of cg channels, through the tap table `off` (buildTapTable), into cols rows `ld` apart.
simd::TapCopy tapCopyOf(const ConvGeometry& g, int64_t count, int64_t sample, int64_t cg, int64_t rows, int64_t ld,
                        const int32_t* off) {
  return simd::TapCopy{count, sample, cg, g.h * g.w, g.kh * g.kw, rows * g.ow, ld, off};
}

// The tap-table copy `c` (simd/im2col_loops.h): cols <- the taps of `in`, channel by channel,
// each channel for all of c's samples in turn.
template <typename T>
void tapGather(const Context& ctx, const simd::TapCopy& c, const T* in, T* cols) {
  if constexpr (std::is_same_v<T, float>) {
    if (const auto gather = simd::im2colLoopsFor(ctx.isa).gatherTapsF32) {
      gather(c, in, cols);
      return;
    }
  }
  for (int64_t ic = 0; ic < c.cg; ++ic) {
    for (int64_t j = 0; j < c.count; ++j) {
      const T* plane = in + j * c.inSample + ic * c.plane;
      for (int64_t t = 0; t < c.taps; ++t) {
        T* dst = cols + (ic * c.taps + t) * c.ld + j * c.L;
        const int32_t* o = c.off + t * c.L;
        // Padding reads element 0 and keeps zero bits: no jump on which outputs are padding.
        for (int64_t l = 0; l < c.L; ++l) dst[l] = keepIf(o[l] >= 0, plane[std::max(o[l], 0)]);
      }
    }
  }
}

// Its adjoint: in += the taps of cols (in zeroed first if zeroFirst), each input element
// receiving its taps in tap order.
template <typename T>
void tapScatter(const Context& ctx, const simd::TapCopy& c, const T* cols, T* in, bool zeroFirst) {
  if constexpr (std::is_same_v<T, float>) {
    const auto scatter = simd::im2colLoopsFor(ctx.isa).scatterTapsF32;
    if (scatter && c.plane * c.taps <= kTapTableMax) {
      // Within one tap no two outputs read the same input, so each input has one output per tap.
      int32_t inv[kTapTableMax];
      std::fill(inv, inv + c.plane * c.taps, -1);
      for (int64_t t = 0; t < c.taps; ++t)
        for (int64_t l = 0; l < c.L; ++l)
          if (const int32_t o = c.off[t * c.L + l]; o >= 0) inv[t * c.plane + o] = int32_t(l);
      if (scatter(c, inv, cols, in, zeroFirst)) return;
    }
  }
  for (int64_t ic = 0; ic < c.cg; ++ic) {
    for (int64_t j = 0; j < c.count; ++j) {
      T* plane = in + j * c.inSample + ic * c.plane;
      if (zeroFirst) std::fill(plane, plane + c.plane, T(0));
      for (int64_t t = 0; t < c.taps; ++t) {
        const T* src = cols + (ic * c.taps + t) * c.ld + j * c.L;
        const int32_t* o = c.off + t * c.L;
        for (int64_t l = 0; l < c.L; ++l) {
          if (o[l] >= 0) plane[o[l]] += src[l];
        }
      }
    }
  }
}

// cols[r, (y - y0)*ow + x] = in[ic, iy, ix] for rows r = (ic, ky, kx) and output rows y in [y0, y1).
// `in` points at the group's first channel of one sample; cols rows are `ld` apart (the tile's
// width, or more when several samples' columns sit side by side).
template <typename T>
void im2col(const Context& ctx, const T* in, const ConvGeometry& g, int64_t cg, int64_t y0, int64_t y1, T* cols, int64_t ld) {
  if (useTapTable(g, y0, y1)) {
    int32_t off[kTapTableMax];
    buildTapTable(g, y0, y1, off);
    tapGather(ctx, tapCopyOf(g, 1, 0, cg, y1 - y0, ld, off), in, cols);
    return;
  }
  for (int64_t ic = 0; ic < cg; ++ic) {
    const T* plane = in + ic * g.h * g.w;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        T* dst = cols + ((ic * g.kh + ky) * g.kw + kx) * ld;
        const int64_t xOff = kx * g.dilationW - g.padW;
        const Span s = validSpan(xOff, g.strideW, g.w, g.ow);
        for (int64_t y = y0; y < y1; ++y, dst += g.ow) {
          const int64_t iy = y * g.strideH - g.padH + ky * g.dilationH;
          if (iy < 0 || iy >= g.h) {
            std::fill(dst, dst + g.ow, T(0));
            continue;
          }
          const T* src = plane + iy * g.w + xOff;
          for (int64_t x = 0; x < s.lo; ++x) dst[x] = T(0);
          // Stride 1 and 2 get loops of their own, which vectorise (a stride-2 row is two
          // loads and a permute per vector); plain loops rather than memcpy, whose call costs
          // more than a 2- to 8-wide row of a ResNet's deep layers.
          if (g.strideW == 1) {
            for (int64_t x = s.lo; x < s.hi; ++x) dst[x] = src[x];
          } else if (g.strideW == 2) {
            for (int64_t x = s.lo; x < s.hi; ++x) dst[x] = src[2 * x];
          } else {
            for (int64_t x = s.lo; x < s.hi; ++x) dst[x] = src[x * g.strideW];
          }
          for (int64_t x = s.hi; x < g.ow; ++x) dst[x] = T(0);
        }
      }
    }
  }
}

// The adjoint of im2col: in[ic, iy, ix] += cols[r, (y - y0)*ow + x].
template <typename T>
void col2im(const Context& ctx, const T* cols, const ConvGeometry& g, int64_t cg, int64_t y0, int64_t y1, T* in, int64_t ld) {
  if (useTapTable(g, y0, y1)) {
    // The same sums in the same order as the row loops below: each element its taps in tap order.
    int32_t off[kTapTableMax];
    buildTapTable(g, y0, y1, off);
    tapScatter(ctx, tapCopyOf(g, 1, 0, cg, y1 - y0, ld, off), cols, in, false);
    return;
  }
  for (int64_t ic = 0; ic < cg; ++ic) {
    T* plane = in + ic * g.h * g.w;
    for (int64_t ky = 0; ky < g.kh; ++ky) {
      for (int64_t kx = 0; kx < g.kw; ++kx) {
        const T* src = cols + ((ic * g.kh + ky) * g.kw + kx) * ld;
        const int64_t xOff = kx * g.dilationW - g.padW;
        const Span s = validSpan(xOff, g.strideW, g.w, g.ow);
        for (int64_t y = y0; y < y1; ++y, src += g.ow) {
          const int64_t iy = y * g.strideH - g.padH + ky * g.dilationH;
          if (iy < 0 || iy >= g.h) continue;
          T* dst = plane + iy * g.w + xOff;
          if (g.strideW == 1) {
            for (int64_t x = s.lo; x < s.hi; ++x) dst[x] += src[x];
          } else if (g.strideW == 2) {
            for (int64_t x = s.lo; x < s.hi; ++x) dst[2 * x] += src[x];
          } else {
            for (int64_t x = s.lo; x < s.hi; ++x) dst[x * g.strideW] += src[x];
          }
        }
      }
    }
  }
}

bool isPointwise(const ConvGeometry& g) {
  return g.kh == 1 && g.kw == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0 && g.oh == g.h &&
         g.ow == g.w;
}

// One input channel and few output channels per group (depthwise): direct loops (see the
// file comment). With many output channels per group (a first layer on a grey image) the
// GEMM path wins even with Kg = kh*kw: it streams each tap once for all of them.
bool isDirect(const ConvGeometry& g) { return g.c / g.groups == 1 && g.o / g.groups < 4; }

// ---------------------------------------------------------------- batched (small output planes)
//
// With few output positions per plane (a ResNet's deep layers: 8x8, 4x4, 2x2; W3's 11x11) a
// GEMM per sample has too few columns to fill its register tiles, packs the filter once per
// sample for a handful of columns, and the weight gradient sums a long chain of tiny
// products into partial buffers. The batched path lays the columns of nb samples side by side,
// cols[Kg, nb*L], so each group of samples is one GEMM:
//   forward:         prod[Og, nb*L] = W_g @ cols;            out (NCHW) <- prod (+ bias, ReLU)
//   backward input:  cols = W_g^T @ gy[Og, nb*L] (gathered);  gradIn <- col2im(cols)
//   backward weight: gradW_g += gy[Og, nb*L] @ cols^T        (K = nb*L, groups in order)
// nb depends on the shapes only, so the results do not depend on the thread count.

constexpr int64_t kBatchBelowPlane = 256;              // output planes smaller than this are batched
// Columns per GEMM aimed at. 256 keeps a 3x3 layer's cols within L2 up to 128 input channels
// (ResNet's 64 -> 128 stride-2 layer: 590 KB, where 1024 columns made 2.4 MB that the GEMM's
// packing then read back from L3): its forward 1.80-1.96 -> 1.56-1.69 ms, and 128 -> 256
// 1.50-2.25 -> 1.50-1.62 ms, at 1 thread in alternating runs; the 8x8 layers' GEMMs are no
// narrower than the 256 columns the per-sample path aims at (tileRows).
constexpr int64_t kBatchColumns = 256;
constexpr int64_t kBatchColBytes = int64_t(8) << 20;   // and the cols buffer's cap

int64_t ceilDivide(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Samples per GEMM: 1 (the per-sample path) for large planes, a single sample, and the
// depthwise and pointwise convolutions, which have paths of their own.
int64_t samplesPerGemm(const ConvGeometry& g, int64_t kg, size_t elem) {
  const int64_t L = g.oh * g.ow;
  if (L >= kBatchBelowPlane || g.n < 2 || isDirect(g) || isPointwise(g)) return 1;
  const int64_t byColumns = ceilDivide(kBatchColumns, L);
  const int64_t byBytes = kBatchColBytes / std::max<int64_t>(1, kg * L * int64_t(elem));
  return std::clamp<int64_t>(std::min(byColumns, byBytes), 1, g.n);
}

// Runs body(j) for j in [0, count): across the pool when the caller is not itself one of
// several pool items (a copy per sample is memory-bound and independent of the others).
template <typename F>
void forSamples(Context& ctx, int64_t count, bool nested, const F& body) {
  forItems(ctx, count, !nested, [&](int64_t b, int64_t e) {
    for (int64_t j = b; j < e; ++j) body(j);
  });
}

// gy[m, j*L + l] = gradOut[(s0 + j, grp*og + m), l] for the group's samples.
template <typename T>
void gatherOutputGrad(Context& ctx, const T* gradOut, const ConvGeometry& g, int64_t s0, int64_t count, int64_t grp,
                      int64_t og, T* gy, bool nested) {
  const int64_t L = g.oh * g.ow, ld = count * L;
  forSamples(ctx, count, nested, [&](int64_t j) {
    const T* src = gradOut + ((s0 + j) * g.o + grp * og) * L;
    for (int64_t m = 0; m < og; ++m) std::memcpy(gy + m * ld + j * L, src + m * L, size_t(L) * sizeof(T));
  });
}

template <typename T>
void im2colSamples(Context& ctx, const T* x, const ConvGeometry& g, int64_t s0, int64_t count, int64_t grp, int64_t cg,
                   T* cols, bool nested) {
  const int64_t L = g.oh * g.ow, ld = count * L, plane = g.h * g.w, taps = g.kh * g.kw;
  const T* in = x + (s0 * g.c + grp * cg) * plane;
  if (useTapTable(g, 0, g.oh)) {
    // Channel by channel across the samples, so that each of cols' rows is written whole in
    // turn: sample by sample, a 2x2 plane wrote 16 bytes into each of 4608 rows of 512 bytes.
    int32_t off[kTapTableMax];
    buildTapTable(g, 0, g.oh, off);
    forItems(ctx, cg, !nested, [&](int64_t c0, int64_t c1) {
      tapGather(ctx, tapCopyOf(g, count, g.c * plane, c1 - c0, g.oh, ld, off), in + c0 * plane, cols + c0 * taps * ld);
    });
    return;
  }
  forSamples(ctx, count, nested, [&](int64_t j) { im2col(ctx, in + j * g.c * plane, g, cg, 0, g.oh, cols + j * L, ld); });
}

// Runs body(s0, count, cols, product, nested) over the groups of nb samples, the groups split
// across the pool when there are enough of them (nested: body runs inside a pool item), each
// chunk with its own cols [Kg, nb*L] and product [Og, nb*L] scratch. False if scratch failed.
template <typename T, typename F>
bool forSampleGroups(Context& ctx, const ConvGeometry& g, int64_t nb, int64_t kg, int64_t og, const F& body) {
  const int64_t L = g.oh * g.ow, sampleGroups = ceilDivide(g.n, nb);
  const bool split = splitAcrossPool(ctx, sampleGroups);
  std::atomic<bool> ok{true};
  forItems(ctx, sampleGroups, split, [&](int64_t b, int64_t e) {
    Scratch<T> cols(ScratchUse::ConvColumns, kg * nb * L, kKeptConvBytes), prod(ScratchUse::ConvProduct, og * nb * L, kKeptConvBytes);
    if (!cols || !prod) {
      ok = false;
      return;
    }
    for (int64_t q = b; q < e; ++q) body(q * nb, std::min(nb, g.n - q * nb), cols.get(), prod.get(), split);
  });
  return ok;
}

template <typename T>
bool forwardBatched(Context& ctx, const T* x, const T* weight, const T* bias, T* out, const ConvGeometry& g, bool relu,
                    int64_t nb) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups, kg = cg * g.kh * g.kw, L = g.oh * g.ow;
  return forSampleGroups<T>(ctx, g, nb, kg, og, [&](int64_t s0, int64_t count, T* cols, T* prod, bool nested) {
    const int64_t ld = count * L;
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      im2colSamples(ctx, x, g, s0, count, grp, cg, cols, nested);
      gemm(ctx, false, false, og, ld, kg, T(1), weight + grp * og * kg, kg, cols, ld, T(0), prod, ld);
      // NCHW store with the epilogue, per sample while its rows are in cache.
      forSamples(ctx, count, nested, [&](int64_t j) {
        for (int64_t m = 0; m < og; ++m) {
          const int64_t oc = grp * og + m;
          const T* p = prod + m * ld + j * L;
          T* o = out + ((s0 + j) * g.o + oc) * L;
          const T bv = bias ? bias[oc] : T(0);
          if (relu) {
            for (int64_t i = 0; i < L; ++i) o[i] = p[i] + bv > T(0) ? p[i] + bv : T(0);
          } else {
            for (int64_t i = 0; i < L; ++i) o[i] = p[i] + bv;
          }
        }
      });
    }
  });
}

template <typename T>
bool backwardInputBatched(Context& ctx, const T* gradOut, const T* weight, T* gradInput, const ConvGeometry& g,
                          int64_t nb) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups, kg = cg * g.kh * g.kw, L = g.oh * g.ow, inPlane = g.h * g.w;
  return forSampleGroups<T>(ctx, g, nb, kg, og, [&](int64_t s0, int64_t count, T* cols, T* gy, bool nested) {
    const int64_t ld = count * L;
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      gatherOutputGrad(ctx, gradOut, g, s0, count, grp, og, gy, nested);
      gemm(ctx, true, false, kg, ld, og, T(1), weight + grp * og * kg, kg, gy, ld, T(0), cols, ld);
      T* gi = gradInput + (s0 * g.c + grp * cg) * inPlane;
      if (useTapTable(g, 0, g.oh)) {
        // Channel by channel across the samples, reading each of cols' rows whole in turn (as im2colSamples).
        int32_t off[kTapTableMax];
        buildTapTable(g, 0, g.oh, off);
        forItems(ctx, cg, !nested, [&](int64_t c0, int64_t c1) {
          tapScatter(ctx, tapCopyOf(g, count, g.c * inPlane, c1 - c0, g.oh, ld, off), cols + c0 * g.kh * g.kw * ld,
                     gi + c0 * inPlane, true);
        });
        continue;
      }
      forSamples(ctx, count, nested, [&](int64_t j) {
        std::fill(gi + j * g.c * inPlane, gi + j * g.c * inPlane + cg * inPlane, T(0));
        col2im(ctx, cols + j * L, g, cg, 0, g.oh, gi + j * g.c * inPlane, ld);
      });
    }
  });
}

// Sample groups in order, each one GEMM threaded over the filter: no partial buffers.
template <typename T>
bool backwardWeightBatched(Context& ctx, const T* x, const T* gradOut, T* gradWeight, const ConvGeometry& g, int64_t nb) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups, kg = cg * g.kh * g.kw, L = g.oh * g.ow;
  Scratch<T> cols(ScratchUse::ConvColumns, kg * nb * L, kKeptConvBytes), gy(ScratchUse::ConvProduct, og * nb * L, kKeptConvBytes);
  if (!cols || !gy) return false;
  for (int64_t s0 = 0; s0 < g.n; s0 += nb) {
    const int64_t count = std::min(nb, g.n - s0), ld = count * L;
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      gatherOutputGrad(ctx, gradOut, g, s0, count, grp, og, gy.get(), false);
      im2colSamples(ctx, x, g, s0, count, grp, cg, cols.get(), false);
      gemm(ctx, false, true, og, kg, ld, T(1), gy.get(), ld, cols.get(), ld, s0 == 0 ? T(0) : T(1),
           gradWeight + grp * og * kg, kg);
    }
  }
  return true;
}

// ---------------------------------------------------------------- direct (depthwise)

// out plane (b, oc) = bias + sum over taps of w[oc, ky, kx] * the shifted input plane.
template <typename T>
void directForwardPlane(const T* in, const T* w, T bias, T* out, const ConvGeometry& g) {
  std::fill(out, out + g.oh * g.ow, bias);
  for (int64_t ky = 0; ky < g.kh; ++ky) {
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      const T wv = w[ky * g.kw + kx];
      const int64_t xOff = kx * g.dilationW - g.padW;
      const Span s = validSpan(xOff, g.strideW, g.w, g.ow);
      for (int64_t y = 0; y < g.oh; ++y) {
        const int64_t iy = y * g.strideH - g.padH + ky * g.dilationH;
        if (iy < 0 || iy >= g.h) continue;
        const T* src = in + iy * g.w + xOff;
        T* dst = out + y * g.ow;
        if (g.strideW == 1) {
          for (int64_t x = s.lo; x < s.hi; ++x) dst[x] += wv * src[x];
        } else {
          for (int64_t x = s.lo; x < s.hi; ++x) dst[x] += wv * src[x * g.strideW];
        }
      }
    }
  }
}

// gradIn plane += w[oc, ky, kx] * gradOut plane, shifted back to the taps.
template <typename T>
void directBackwardInputPlane(const T* gradOut, const T* w, T* gradIn, const ConvGeometry& g) {
  for (int64_t ky = 0; ky < g.kh; ++ky) {
    for (int64_t kx = 0; kx < g.kw; ++kx) {
      const T wv = w[ky * g.kw + kx];
      const int64_t xOff = kx * g.dilationW - g.padW;
      const Span s = validSpan(xOff, g.strideW, g.w, g.ow);
      for (int64_t y = 0; y < g.oh; ++y) {
        const int64_t iy = y * g.strideH - g.padH + ky * g.dilationH;
        if (iy < 0 || iy >= g.h) continue;
        T* dst = gradIn + iy * g.w + xOff;
        const T* src = gradOut + y * g.ow;
        if (g.strideW == 1) {
          for (int64_t x = s.lo; x < s.hi; ++x) dst[x] += wv * src[x];
        } else {
          for (int64_t x = s.lo; x < s.hi; ++x) dst[x * g.strideW] += wv * src[x];
        }
      }
    }
  }
}

// sum over output positions of gradOut * the input tap (ky, kx) of one plane pair; rows summed in double.
template <typename T>
double directTapDot(const T* in, const T* gradOut, const ConvGeometry& g, int64_t ky, int64_t kx) {
  const int64_t xOff = kx * g.dilationW - g.padW;
  const Span s = validSpan(xOff, g.strideW, g.w, g.ow);
  double total = 0;
  for (int64_t y = 0; y < g.oh; ++y) {
    const int64_t iy = y * g.strideH - g.padH + ky * g.dilationH;
    if (iy < 0 || iy >= g.h) continue;
    const T* src = in + iy * g.w + xOff;
    const T* go = gradOut + y * g.ow;
    T row = 0;
    if (g.strideW == 1) {
      for (int64_t x = s.lo; x < s.hi; ++x) row += go[x] * src[x];
    } else {
      for (int64_t x = s.lo; x < s.hi; ++x) row += go[x] * src[x * g.strideW];
    }
    total += row;
  }
  return total;
}

}  // namespace

// ---------------------------------------------------------------- forward

// out = max(out, 0) over n elements.
template <typename T>
void reluInPlace(T* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = out[i] > T(0) ? out[i] : T(0);
}

template <typename T>
bool conv2dForward(Context& ctx, const T* x, const T* weight, const T* bias, T* out, const ConvGeometry& g, bool relu) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups, kg = cg * g.kh * g.kw;
  const int64_t L = g.oh * g.ow, inPlane = g.h * g.w;
  if (g.n == 0 || g.o == 0 || L == 0) return true;
  if (isDirect(g)) {
    ctx.pool.parallelFor(0, g.n * g.o, 1, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        const int64_t s = p / g.o, oc = p % g.o;
        directForwardPlane(x + (s * g.c + oc / og) * inPlane, weight + oc * g.kh * g.kw, bias ? bias[oc] : T(0),
                           out + p * L, g);
        if (relu) reluInPlace(out + p * L, L);
      }
    });
    return true;
  }
  const bool pointwise = isPointwise(g);
  if (const int64_t nb = samplesPerGemm(g, kg, sizeof(T)); nb > 1)
    return forwardBatched(ctx, x, weight, bias, out, g, relu, nb);
  const int64_t rows = tileRows(g, kg, sizeof(T));
  const bool split = splitAcrossPool(ctx, g.n);
  return forItemsWithColumns<T>(ctx, g.n, split, pointwise, kg * rows * g.ow, [&](int64_t b, int64_t e, T* cols) {
    for (int64_t s = b; s < e; ++s) {
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        const T* in = x + (s * g.c + grp * cg) * inPlane;
        const T* w = weight + grp * og * kg;
        T* o = out + (s * g.o + grp * og) * L;
        if (pointwise) {
          gemm(ctx, false, false, og, L, kg, T(1), w, kg, in, L, T(0), o, L);
          continue;
        }
        for (int64_t y0 = 0; y0 < g.oh; y0 += rows) {
          const int64_t y1 = std::min(g.oh, y0 + rows), width = (y1 - y0) * g.ow;
          im2col(ctx, in, g, cg, y0, y1, cols, width);
          gemm(ctx, false, false, og, width, kg, T(1), w, kg, cols, width, T(0), o + y0 * g.ow, L);
        }
      }
      if (bias) {
        for (int64_t oc = 0; oc < g.o; ++oc) {
          T* o = out + (s * g.o + oc) * L;
          const T bv = bias[oc];
          for (int64_t i = 0; i < L; ++i) o[i] += bv;
        }
      }
      if (relu) reluInPlace(out + s * g.o * L, g.o * L);
    }
  });
}

// ---------------------------------------------------------------- backward input

template <typename T>
bool conv2dBackwardInput(Context& ctx, const T* gradOut, const T* weight, T* gradInput, const ConvGeometry& g) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups, kg = cg * g.kh * g.kw;
  const int64_t L = g.oh * g.ow, inPlane = g.h * g.w;
  if (g.n == 0 || g.c == 0 || inPlane == 0) return true;
  if (isDirect(g)) {
    // One input plane (sample s, channel c) collects from its group's og output planes.
    ctx.pool.parallelFor(0, g.n * g.c, 1, [&](int64_t b, int64_t e) {
      for (int64_t p = b; p < e; ++p) {
        const int64_t s = p / g.c, c = p % g.c;
        T* gi = gradInput + p * inPlane;
        std::fill(gi, gi + inPlane, T(0));
        for (int64_t m = 0; m < og; ++m) {
          const int64_t oc = c * og + m;
          directBackwardInputPlane(gradOut + (s * g.o + oc) * L, weight + oc * g.kh * g.kw, gi, g);
        }
      }
    });
    return true;
  }
  const bool pointwise = isPointwise(g);
  if (const int64_t nb = samplesPerGemm(g, kg, sizeof(T)); nb > 1)
    return backwardInputBatched(ctx, gradOut, weight, gradInput, g, nb);
  const int64_t rows = tileRows(g, kg, sizeof(T));
  const bool split = splitAcrossPool(ctx, g.n);
  return forItemsWithColumns<T>(ctx, g.n, split, pointwise, kg * rows * g.ow, [&](int64_t b, int64_t e, T* cols) {
    for (int64_t s = b; s < e; ++s) {
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        T* gi = gradInput + (s * g.c + grp * cg) * inPlane;
        const T* w = weight + grp * og * kg;
        const T* go = gradOut + (s * g.o + grp * og) * L;
        if (pointwise) {
          gemm(ctx, true, false, kg, L, og, T(1), w, kg, go, L, T(0), gi, L);
          continue;
        }
        std::fill(gi, gi + cg * inPlane, T(0));
        for (int64_t y0 = 0; y0 < g.oh; y0 += rows) {
          const int64_t y1 = std::min(g.oh, y0 + rows), width = (y1 - y0) * g.ow;
          gemm(ctx, true, false, kg, width, og, T(1), w, kg, go + y0 * g.ow, L, T(0), cols, width);
          col2im(ctx, cols, g, cg, y0, y1, gi, width);
        }
      }
    }
  });
}

// ---------------------------------------------------------------- backward weight

template <typename T>
bool conv2dBackwardWeight(Context& ctx, const T* x, const T* gradOut, T* gradWeight, const ConvGeometry& g) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups, kg = cg * g.kh * g.kw;
  const int64_t L = g.oh * g.ow, inPlane = g.h * g.w, wSize = g.o * kg;
  if (wSize == 0) return true;
  if (g.n == 0 || L == 0) {
    std::fill(gradWeight, gradWeight + wSize, T(0));
    return true;
  }
  if (isDirect(g)) {
    // Each output channel's taps sum over the batch in a fixed order.
    ctx.pool.parallelFor(0, g.o, 1, [&](int64_t b, int64_t e) {
      for (int64_t oc = b; oc < e; ++oc) {
        for (int64_t ky = 0; ky < g.kh; ++ky) {
          for (int64_t kx = 0; kx < g.kw; ++kx) {
            double total = 0;
            for (int64_t s = 0; s < g.n; ++s)
              total += directTapDot(x + (s * g.c + oc / og) * inPlane, gradOut + (s * g.o + oc) * L, g, ky, kx);
            gradWeight[(oc * g.kh + ky) * g.kw + kx] = T(total);
          }
        }
      }
    });
    return true;
  }
  if (const int64_t nb = samplesPerGemm(g, kg, sizeof(T)); nb > 1)
    return backwardWeightBatched(ctx, x, gradOut, gradWeight, g, nb);
  // Partial sums over fixed blocks of the batch; block 0 accumulates in gradWeight itself.
  int64_t blocks = std::min<int64_t>(g.n, 8);
  while (blocks > 1 && (blocks - 1) * wSize * int64_t(sizeof(T)) > (int64_t(64) << 20)) --blocks;
  Scratch<T> partials;
  if (blocks > 1) {
    partials = Scratch<T>(ScratchUse::ConvPartials, (blocks - 1) * wSize, kKeptConvBytes);
    if (!partials) return false;
  }
  const bool pointwise = isPointwise(g);
  const int64_t rows = tileRows(g, kg, sizeof(T));
  const bool split = splitAcrossPool(ctx, blocks);
  const bool ok = forItemsWithColumns<T>(ctx, blocks, split, pointwise, kg * rows * g.ow, [&](int64_t b, int64_t e, T* cols) {
    for (int64_t blk = b; blk < e; ++blk) {
      T* acc = blk == 0 ? gradWeight : partials.get() + (blk - 1) * wSize;
      std::fill(acc, acc + wSize, T(0));
      const int64_t s0 = blk * g.n / blocks, s1 = (blk + 1) * g.n / blocks;
      for (int64_t s = s0; s < s1; ++s) {
        for (int64_t grp = 0; grp < g.groups; ++grp) {
          const T* in = x + (s * g.c + grp * cg) * inPlane;
          const T* go = gradOut + (s * g.o + grp * og) * L;
          T* gw = acc + grp * og * kg;
          if (pointwise) {
            gemm(ctx, false, true, og, kg, L, T(1), go, L, in, L, T(1), gw, kg);
            continue;
          }
          for (int64_t y0 = 0; y0 < g.oh; y0 += rows) {
            const int64_t y1 = std::min(g.oh, y0 + rows), width = (y1 - y0) * g.ow;
            im2col(ctx, in, g, cg, y0, y1, cols, width);
            gemm(ctx, false, true, og, kg, width, T(1), go + y0 * g.ow, L, cols, width, T(1), gw, kg);
          }
        }
      }
    }
  });
  if (!ok) return false;
  // gradWeight = block 0 + block 1 + ... in that order, split over elements.
  if (blocks > 1) {
    ctx.pool.parallelFor(0, wSize, 4096, [&](int64_t b, int64_t e) {
      for (int64_t blk = 1; blk < blocks; ++blk) {
        const T* p = partials.get() + (blk - 1) * wSize;
        for (int64_t i = b; i < e; ++i) gradWeight[i] += p[i];
      }
    });
  }
  return true;
}

template bool conv2dForward<float>(Context&, const float*, const float*, const float*, float*, const ConvGeometry&, bool);
template bool conv2dForward<double>(Context&, const double*, const double*, const double*, double*, const ConvGeometry&, bool);
template bool conv2dBackwardInput<float>(Context&, const float*, const float*, float*, const ConvGeometry&);
template bool conv2dBackwardInput<double>(Context&, const double*, const double*, double*, const ConvGeometry&);
template bool conv2dBackwardWeight<float>(Context&, const float*, const float*, float*, const ConvGeometry&);
template bool conv2dBackwardWeight<double>(Context&, const double*, const double*, double*, const ConvGeometry&);

}  // namespace lattice

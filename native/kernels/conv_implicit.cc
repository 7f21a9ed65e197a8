// Implicit-GEMM convolution (see conv_implicit.h and simd/conv_implicit_kernels.h).
//
// Forward, per block of samples:
//   1. the samples' zero-padded copy, [s][c][hp][wp], holding exactly the rows and columns the
//      taps read (no copy at all when nothing is padded: the taps then read the input itself);
//   2. positions p = (s, y, x) in chunks of kChunk; each chunk, sliver by sliver (64 output
//      channels), runs the 6 x 64 micro-kernel over its tiles with A[p, t] = rows[p][off[t]],
//      rows[p] = the copy at (s, y*strideH, x*strideW) and off[t] = (c*hp + ky*dilationH)*wp +
//      kx*dilationW for tap t = (c, ky, kx) in the weight's order;
//   3. the chunk's [positions x 64] block is transposed into out[s, o, y, x] (+ bias, ReLU).
// The weight is packed once per call: sliver q holds B[t][j] = weight[q*64 + j, t] (zero past o).
// Chunks run across the pool; each output element is one FMA chain over the taps in order, so
// the result does not depend on the thread count.
#include "conv_implicit.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <new>
#include <vector>

#include "scratch.h"
#include "../simd/conv_implicit_kernels.h"
#include "../simd/copy_loops.h"

namespace lattice {
namespace {

constexpr int64_t kMr = simd::kImplicitMr, kNr = simd::kImplicitNr;
// Positions per work item: 16 tiles, a [96 x 64] float block (24 KiB) kept in L1/L2.
constexpr int64_t kChunk = 16 * kMr;
// Taps per pass over a tile: the packed sliver's [kc x 64] block stays in L2.
constexpr int64_t kTapBlock = 2048;
constexpr size_t kKeepBytes = size_t(64) << 20;

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Where the taps read: the padded copy's shape, or the input itself.
struct Layout {
  int64_t hp, wp;   // rows and columns per channel
  bool copy;        // false: read the input in place (hp = h, wp = w)
  int64_t sample;   // floats per sample
};

Layout layoutOf(const ConvGeometry& g) {
  // Rows r = iy + padH the taps read: 0 .. (oh-1)*strideH + (kh-1)*dilationH.
  const int64_t hp = (g.oh - 1) * g.strideH + (g.kh - 1) * g.dilationH + 1;
  const int64_t wp = (g.ow - 1) * g.strideW + (g.kw - 1) * g.dilationW + 1;
  if (g.padH == 0 && g.padW == 0 && hp <= g.h && wp <= g.w) return {g.h, g.w, false, g.c * g.h * g.w};
  return {hp, wp, true, g.c * hp * wp};
}

// planes [planes, h, w] into zeroed dst [planes, hp, wp] at row top, column left (what falls outside
// dst is dropped): the padded copies of the input (forward, weight gradient) and of gradOut (input gradient).
void padPlanes(const float* src, int64_t planes, int64_t h, int64_t w, int64_t top, int64_t left, int64_t hp, int64_t wp,
               float* dst) {
  std::memset(dst, 0, size_t(planes * hp * wp) * sizeof(float));
  const int64_t r0 = std::clamp<int64_t>(top, 0, hp), r1 = std::clamp<int64_t>(top + h, 0, hp);
  const int64_t c0 = std::clamp<int64_t>(left, 0, wp), c1 = std::clamp<int64_t>(left + w, 0, wp);
  if (r1 <= r0 || c1 <= c0) return;
  for (int64_t pl = 0; pl < planes; ++pl)
    simd::avx512::implicitConvCopyRows(src + (pl * h + r0 - top) * w + (c0 - left), w, dst + (pl * hp + r0) * wp + c0, wp,
                                       r1 - r0, c1 - c0);
}

// The padded copy of sample xs [c, h, w] into dst [c, hp, wp].
void fillPadded(const float* xs, const ConvGeometry& g, const Layout& p, float* dst) {
  padPlanes(xs, g.c, g.h, g.w, g.padH, g.padW, p.hp, p.wp, dst);
}

// Runs the work of samples [0, n) in groups of `group` samples: each group's padded copy (fill(s, dst)
// for each of its samples into `sampleFloats` floats; none when sampleFloats is 0) and then
// body(copy, s0, count, c0, c1) for chunks [c0, c1) of the group's chunks(count). With at least as
// many groups as threads, each thread pads and runs whole groups in its own scratch, which stays in
// its L2 while the tiles read it; with fewer (a small batch), each group is padded once and its
// chunks split across the pool. False when scratch memory could not be had.
template <typename Fill, typename Chunks, typename Body>
bool overSampleGroups(Context& ctx, int64_t n, int64_t group, int64_t sampleFloats, const Fill& fill, const Chunks& chunks,
                      const Body& body) {
  const int64_t groups = ceilDiv(n, group);
  std::atomic<bool> ok{true};
  if (groups >= ctx.pool.size()) {
    ctx.pool.parallelFor(0, groups, 1, [&](int64_t b, int64_t e) {
      Scratch<float> copy;
      if (sampleFloats > 0 && !(copy = Scratch<float>(ScratchUse::ImplicitPaddedInput, group * sampleFloats, kKeepBytes))) {
        ok = false;
        return;
      }
      for (int64_t q = b; q < e; ++q) {
        const int64_t s0 = q * group, count = std::min(group, n - s0);
        for (int64_t j = 0; sampleFloats > 0 && j < count; ++j) fill(s0 + j, copy.get() + j * sampleFloats);
        body(copy.get(), s0, count, int64_t(0), chunks(count));
      }
    });
    return ok;
  }
  Scratch<float> copy;
  if (sampleFloats > 0 && !(copy = Scratch<float>(ScratchUse::ImplicitPaddedInput, group * sampleFloats, kKeepBytes))) return false;
  for (int64_t s0 = 0; s0 < n; s0 += group) {
    const int64_t count = std::min(group, n - s0);
    if (sampleFloats > 0)
      ctx.pool.parallelFor(0, count, 1, [&](int64_t b, int64_t e) {
        for (int64_t j = b; j < e; ++j) fill(s0 + j, copy.get() + j * sampleFloats);
      });
    ctx.pool.parallelFor(0, chunks(count), 1, [&](int64_t b, int64_t e) { body(copy.get(), s0, count, b, e); });
  }
  return true;
}

// Samples per group: enough for kGroupPositions positions, within kGroupBytes of padded copy.
constexpr int64_t kGroupPositions = 2 * kChunk;
constexpr int64_t kGroupBytes = 256 * 1024;
// Fewer samples where that splits the groups evenly across `threads` (11 groups of 3 left one of
// two threads a group behind; 16 groups of 2 do not).
int64_t groupSize(int64_t n, int64_t positionsPerSample, int64_t sampleFloats, int64_t threads) {
  const int64_t byPositions = ceilDiv(kGroupPositions, std::max<int64_t>(1, positionsPerSample));
  const int64_t byBytes = sampleFloats > 0 ? std::max<int64_t>(1, kGroupBytes / (sampleFloats * int64_t(sizeof(float)))) : byPositions;
  const int64_t size = std::clamp<int64_t>(std::min(byPositions, byBytes), 1, std::max<int64_t>(1, n));
  for (int64_t s = size; s > std::max<int64_t>(1, size / 2); --s)
    if (ceilDiv(n, s) % threads == 0 || ceilDiv(n, s) >= 8 * threads) return s;
  return size;
}

// block[i * 64 + j] (+ its old value if accumulate) = sum_t rows[i][off[t]] * sliver[t * 64 + j] for i < n
// (rows padded to whole tiles).
void runTiles(const float* const* rows, int64_t n, const int32_t* off, int64_t K, const float* sliver, float* block,
              bool accumulate = false) {
  for (int64_t k0 = 0; k0 < K || k0 == 0; k0 += kTapBlock) {
    const int64_t kc = std::min(kTapBlock, K - k0);
    for (int64_t i = 0; i < n; i += kMr)
      simd::avx512::implicitConvTile(rows + i, off + k0, kc, sliver + k0 * kNr, block + i * kNr, kNr, accumulate || k0 > 0);
  }
}

// Tap t = (c, ky, kx)'s offset from an output position's first tap in layout p.
std::vector<int32_t> tapOffsets(const ConvGeometry& g, const Layout& p) {
  std::vector<int32_t> off;
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t ky = 0; ky < g.kh; ++ky)
      for (int64_t kx = 0; kx < g.kw; ++kx) off.push_back(int32_t((c * p.hp + ky * g.dilationH) * p.wp + kx * g.dilationW));
  return off;
}

}  // namespace

bool implicitConvApplies(const Context& ctx, const ConvGeometry& g) {
#if defined(LATTICE_X86)
  if (ctx.isa != Isa::Avx512 || g.groups != 1 || g.n <= 0 || g.c <= 0 || g.o <= 0 || g.oh <= 0 || g.ow <= 0) return false;
  const Layout p = layoutOf(g);
  // Every tap offset and in-sample position must fit the kernel's int32 offsets: the input's padded copy,
  // and (a bound on) the input gradient's padded copy of gradOut.
  const int64_t gyRows = g.oh + (g.kh - 1) * g.dilationH + 1 + g.h + g.padH, gyCols = g.ow + (g.kw - 1) * g.dilationW + 1 + g.w + g.padW;
  return p.sample < INT32_MAX && g.c * g.kh * g.kw < INT32_MAX && g.o * gyRows * gyCols < INT32_MAX;
#else
  (void)ctx, (void)g;
  return false;
#endif
}

bool implicitConvPreferred(const Context& ctx, const ConvGeometry& g, ConvPass pass) {
  if (!implicitConvApplies(ctx, g)) return false;
  // Measured on ResNet-18's strided layers (bench/conv-stride2.ts); stride-1 layers keep
  // Winograd or im2col + GEMM, and fewer than 32 output channels would waste most of a sliver.
  // At one thread on a loaded 2-core EPYC (AVX-512), CPU time against im2col + GEMM: forward 1.31x
  // (64 -> 128 channels, 16x16 -> 8x8), 1.15x (128 -> 256, 8x8 -> 4x4), 1.14x (1x1, 128 -> 256);
  // input gradient 1.12x and 1.04x on the two 3x3 layers; weight gradient 1.24x (the 7x7 stem), 1.21x,
  // 1.11x (the 3x3 layers), 1.03-1.10x (1x1). Planes of 2x2 outputs lost (0.81-0.95x:
  // too few positions per sample to fill tiles), as did the input gradient of 1x1 stride-2 layers
  // (0.66-0.83x: half the phases have no tap, so most of the work is storing zeros). The input gradient
  // of 4x4 output planes (l3a) was a wash: 1.04x at one thread, 0.95x wall at two (each phase's rows are
  // only 2 positions wide); it needs 32 output positions per plane.
  const bool strided = g.strideH > 1 || g.strideW > 1, enoughPositions = g.oh * g.ow >= 16;
  if (pass == ConvPass::Forward) return strided && enoughPositions && g.o >= 32;
  if (pass == ConvPass::BackwardInput)
    return strided && g.oh * g.ow >= 32 && g.strideW <= 2 && g.c >= 32 && g.kh >= g.strideH && g.kw >= g.strideW;
  return strided && enoughPositions && g.o >= 32;
}

bool implicitConvForward(Context& ctx, const float* x, const float* weight, const float* bias, float* out,
                         const ConvGeometry& g, bool relu) {
#if defined(LATTICE_X86)
  const int64_t K = g.c * g.kh * g.kw, L = g.oh * g.ow, slivers = ceilDiv(g.o, kNr);
  Scratch<float> packed(ScratchUse::ImplicitPackedWeight, slivers * K * kNr, kKeepBytes);
  if (!packed) return false;
  const simd::CopyLoops& copy = simd::copyLoopsFor(ctx.isa);
  ctx.pool.parallelFor(0, slivers, 1, [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) {
      float* dst = packed.get() + q * K * kNr;
      const int64_t live = std::min(kNr, g.o - q * kNr);
      if (live < kNr)
        for (int64_t t = 0; t < K; ++t) std::fill(dst + t * kNr + live, dst + (t + 1) * kNr, 0.0f);
      copy.transpose(4, weight + q * kNr * K, K, dst, kNr, K, live);
    }
  });
  const Layout p = layoutOf(g);
  const std::vector<int32_t> off = tapOffsets(g, p);

  const int64_t group = groupSize(g.n, L, p.copy ? p.sample : 0, ctx.pool.size()), inSample = g.c * g.h * g.w;
  const auto fill = [&](int64_t s, float* dst) { fillPadded(x + s * inSample, g, p, dst); };
  const auto chunks = [&](int64_t count) { return ceilDiv(count * L, kChunk); };
  return overSampleGroups(ctx, g.n, group, p.copy ? p.sample : 0, fill, chunks,
                          [&](const float* copy, int64_t s0, int64_t count, int64_t c0, int64_t c1) {
    const float* base = p.copy ? copy : x + s0 * inSample;
    const int64_t positions = count * L;
    alignas(64) float block[kChunk * kNr];
    const float* rows[kChunk];
    for (int64_t chunk = c0; chunk < c1; ++chunk) {
      const int64_t p0 = chunk * kChunk, n = std::min(kChunk, positions - p0);
      for (int64_t i = 0; i < kChunk; ++i) {
        // Rows past the last position repeat it: their results are computed and dropped.
        const int64_t pos = p0 + std::min(i, n - 1), j = pos / L, l = pos % L;
        rows[i] = base + j * p.sample + (l / g.ow) * g.strideH * p.wp + (l % g.ow) * g.strideW;
      }
      for (int64_t q = 0; q < slivers; ++q) {
        runTiles(rows, n, off.data(), K, packed.get() + q * K * kNr, block);
        // The block's positions, sample by sample, into out[s, q*64 .., y, x].
        const int64_t channels = std::min(kNr, g.o - q * kNr);
        for (int64_t i = 0; i < n;) {
          const int64_t pos = p0 + i, j = pos / L, l = pos % L, run = std::min(n - i, L - l);
          simd::avx512::implicitConvStoreTransposed(block + i * kNr, kNr, run, channels, bias ? bias + q * kNr : nullptr,
                                                    relu, out + ((s0 + j) * g.o + q * kNr) * L + l, L);
          i += run;
        }
      }
    }
  });
#else
  (void)ctx, (void)x, (void)weight, (void)bias, (void)out, (void)g, (void)relu;
  return false;
#endif
}

// ---------------------------------------------------------------- input gradient
//
// gradIn[c, iy, ix] = sum over taps (o, ky, kx) with iy = y*strideH - padH + ky*dilationH (and the
// same along x) of weight[o, c, ky, kx] * gradOut[o, y, x]. Split the input positions into phases by
// (iy + padH) % strideH and (ix + padW) % strideW: within a phase every position takes the same taps,
// tap ky reading output row y = q - m(ky) for the position's q = (iy + padH - r) / strideH. Each
// phase is then an implicit GEMM over the zero-padded gradOut, K = o x (the phase's taps), and its
// [positions x 64 channels] blocks go to gradIn transposed. With strideW = 2 the two column phases
// of a row are computed side by side and stored interleaved into whole rows of gradIn.

namespace {

int64_t floorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// One phase r of one axis: input index i = q*stride + r - pad for q = qlo .. qlo + count - 1, taking
// the kernel taps `taps`, tap k reading output q - m[k].
struct AxisPhase {
  std::vector<int64_t> taps, m;
  int64_t qlo = 0, count = 0;
};

// The phases of one axis and the padded output range they read: output y sits at padded y - lo.
struct AxisPhases {
  std::vector<AxisPhase> phase;
  int64_t lo = 0, size = 0;
};

AxisPhases axisPhases(int64_t n, int64_t on, int64_t k, int64_t stride, int64_t dilation, int64_t pad) {
  AxisPhases a;
  int64_t lo = 0, hi = on - 1;
  for (int64_t r = 0; r < stride; ++r) {
    AxisPhase ph;
    int64_t mMax = 0;
    for (int64_t kk = 0; kk < k; ++kk) {
      if ((kk * dilation) % stride != r) continue;
      ph.taps.push_back(kk);
      ph.m.push_back((kk * dilation - r) / stride);
      mMax = std::max(mMax, ph.m.back());
    }
    ph.qlo = -floorDiv(r - pad, stride);
    const int64_t qhi = floorDiv(n - 1 + pad - r, stride);
    ph.count = std::max<int64_t>(0, qhi - ph.qlo + 1);
    if (ph.count > 0 && !ph.taps.empty()) lo = std::min(lo, ph.qlo - mMax), hi = std::max(hi, qhi);
    a.phase.push_back(ph);
  }
  a.lo = lo;
  a.size = hi - lo + 1;
  return a;
}

// gradOut sample [o, oh, ow] into dst [o, hp, wp] at row y - loY, column x - loX (zeros elsewhere).
void fillPaddedOutput(const float* gy, const ConvGeometry& g, const AxisPhases& ay, const AxisPhases& ax, float* dst) {
  padPlanes(gy, g.o, g.oh, g.ow, -ay.lo, -ax.lo, ay.size, ax.size, dst);
}

}  // namespace

bool implicitConvBackwardInput(Context& ctx, const float* gradOut, const float* weight, float* gradInput,
                               const ConvGeometry& g) {
#if defined(LATTICE_X86)
  if (g.n == 0 || g.c == 0 || g.h * g.w == 0) return true;
  if (g.strideW > 2) return false;
  const AxisPhases ay = axisPhases(g.h, g.oh, g.kh, g.strideH, g.dilationH, g.padH);
  const AxisPhases ax = axisPhases(g.w, g.ow, g.kw, g.strideW, g.dilationW, g.padW);
  const int64_t slivers = ceilDiv(g.c, kNr), taps = g.kh * g.kw, padPlane = ay.size * ax.size;
  const int64_t padSample = g.o * padPlane, inPlane = g.h * g.w;
  // Column phases in store order: the one holding ix = 0 first ("even"), then the other.
  const int64_t xPhases = g.strideW;
  int64_t xp[2] = {g.padW % g.strideW, 0};
  if (xPhases == 2) xp[1] = 1 - xp[0];
  const int64_t nEven = ax.phase[size_t(xp[0])].count, nOdd = xPhases == 2 ? ax.phase[size_t(xp[1])].count : 0;
  if (nEven + nOdd != g.w) return false;  // every column is in one phase

  // Per phase (ry, column phase k): its taps (o, ky, kx) in that order, their offsets in the padded
  // gradOut, and the weight packed by slivers of 64 input channels.
  struct Phase {
    std::vector<int32_t> off;
    int64_t K = 0, packedAt = 0;
  };
  std::vector<Phase> phases(size_t(g.strideH * xPhases));
  int64_t packedSize = 0;
  for (int64_t ry = 0; ry < g.strideH; ++ry) {
    for (int64_t k = 0; k < xPhases; ++k) {
      const AxisPhase& py = ay.phase[size_t(ry)];
      const AxisPhase& px = ax.phase[size_t(xp[k])];
      Phase& ph = phases[size_t(ry * xPhases + k)];
      for (int64_t o = 0; o < g.o; ++o)
        for (size_t a = 0; a < py.taps.size(); ++a)
          for (size_t b = 0; b < px.taps.size(); ++b)
            ph.off.push_back(int32_t(o * padPlane - py.m[a] * ax.size - px.m[b]));
      ph.K = int64_t(ph.off.size());
      ph.packedAt = packedSize;
      packedSize += slivers * ph.K * kNr;
    }
  }
  // The weight as [o][tap][c] (one transpose per output channel), then each phase's rows of it.
  Scratch<float> packed(ScratchUse::ImplicitPackedWeight, packedSize + g.o * taps * g.c, kKeepBytes);
  if (!packed) return false;
  float* byTap = packed.get() + packedSize;
  const simd::CopyLoops& copy = simd::copyLoopsFor(ctx.isa);
  ctx.pool.parallelFor(0, g.o, 1, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) copy.transpose(4, weight + o * g.c * taps, taps, byTap + o * taps * g.c, g.c, taps, g.c);
  });
  ctx.pool.parallelFor(0, int64_t(phases.size()) * slivers, 1, [&](int64_t b, int64_t e) {
    for (int64_t item = b; item < e; ++item) {
      const int64_t which = item / slivers, q = item % slivers, ry = which / xPhases, k = which % xPhases;
      const AxisPhase& py = ay.phase[size_t(ry)];
      const AxisPhase& px = ax.phase[size_t(xp[k])];
      float* dst = packed.get() + phases[size_t(which)].packedAt + q * phases[size_t(which)].K * kNr;
      const int64_t live = std::min(kNr, g.c - q * kNr);
      for (int64_t o = 0; o < g.o; ++o)
        for (const int64_t ky : py.taps)
          for (const int64_t kx : px.taps) {
            std::memcpy(dst, byTap + (o * taps + ky * g.kw + kx) * g.c + q * kNr, size_t(live) * sizeof(float));
            std::fill(dst + live, dst + kNr, 0.0f);
            dst += kNr;
          }
    }
  });

  // Work per sample group: for each row phase ry, its input rows (s, qy) in chunks of rowsPerChunk.
  const int64_t rowsPerChunk = std::max<int64_t>(1, kChunk / std::max<int64_t>(1, nEven));
  const int64_t capacity = (rowsPerChunk * nEven + kMr - 1) / kMr * kMr;
  const auto chunksOf = [&](int64_t count, int64_t ry) { return ceilDiv(count * ay.phase[size_t(ry)].count, rowsPerChunk); };
  const auto chunks = [&](int64_t count) {
    int64_t total = 0;
    for (int64_t ry = 0; ry < g.strideH; ++ry) total += chunksOf(count, ry);
    return total;
  };
  bool anyEmptyPhase = false;
  for (const Phase& ph : phases) anyEmptyPhase = anyEmptyPhase || ph.K == 0;
  const auto fill = [&](int64_t s, float* dst) { fillPaddedOutput(gradOut + s * g.o * g.oh * g.ow, g, ay, ax, dst); };
  return overSampleGroups(ctx, g.n, groupSize(g.n, inPlane, padSample, ctx.pool.size()), padSample, fill, chunks,
                          [&](const float* gyPad, int64_t s0, int64_t count, int64_t c0, int64_t c1) {
    // The tile blocks, kept per thread (a vector here was allocated and zeroed once per sample group:
    // 2.3 MB of memset per call on ResNet's l2a), and a zero block where a column phase has no taps
    // (a 1x1 kernel's odd columns), whose stores then need no tiles.
    Scratch<float> blocks(ScratchUse::ImplicitBlocks, xPhases * capacity * kNr, kKeepBytes);
    if (!blocks) throw std::bad_alloc();
    const std::vector<float> zeros(size_t(anyEmptyPhase ? capacity * kNr : 0), 0.0f);
    std::vector<const float*> rows(size_t(xPhases * capacity));
    std::vector<int64_t> rowOffset(static_cast<size_t>(rowsPerChunk));
    for (int64_t item = c0; item < c1; ++item) {
      int64_t ry = 0, chunk = item;
      while (chunk >= chunksOf(count, ry)) chunk -= chunksOf(count, ry), ++ry;
      const AxisPhase& py = ay.phase[size_t(ry)];
      const int64_t r0 = chunk * rowsPerChunk, nr = std::min(rowsPerChunk, count * py.count - r0);
      int64_t n[2] = {0, 0};
      for (int64_t k = 0; k < xPhases; ++k) {
        const AxisPhase& px = ax.phase[size_t(xp[k])];
        n[k] = nr * px.count;
        for (int64_t i = 0; n[k] > 0 && i < capacity; ++i) {
          // Rows past the last position repeat it: their results are computed and dropped.
          const int64_t at = std::min(i, n[k] - 1), row = r0 + at / px.count, col = at % px.count;
          const int64_t s = row / py.count, qy = py.qlo + row % py.count, qx = px.qlo + col;
          rows[size_t(k * capacity + i)] = gyPad + s * padSample + (qy - ay.lo) * ax.size + (qx - ax.lo);
        }
      }
      for (int64_t rr = 0; rr < nr; ++rr) {
        const int64_t row = r0 + rr, s = row / py.count, iy = (py.qlo + row % py.count) * g.strideH + ry - g.padH;
        rowOffset[size_t(rr)] = (s0 + s) * g.c * inPlane + iy * g.w;
      }
      if (py.taps.empty()) {
        // No tap reaches these rows (a 1x1 stride-2 kernel's odd rows): zeros, channel by channel.
        for (int64_t rr = 0; rr < nr; ++rr)
          for (int64_t c = 0; c < g.c; ++c) std::memset(gradInput + rowOffset[size_t(rr)] + c * inPlane, 0, size_t(g.w) * sizeof(float));
        continue;
      }
      for (int64_t q = 0; q < slivers; ++q) {
        const float* block[2] = {zeros.data(), zeros.data()};
        for (int64_t k = 0; k < xPhases; ++k) {
          const Phase& ph = phases[size_t(ry * xPhases + k)];
          if (n[k] == 0 || ph.K == 0) continue;
          runTiles(rows.data() + k * capacity, n[k], ph.off.data(), ph.K, packed.get() + ph.packedAt + q * ph.K * kNr,
                   blocks.get() + k * capacity * kNr);
          block[k] = blocks.get() + k * capacity * kNr;
        }
        const int64_t channels = std::min(kNr, g.c - q * kNr);
        float* dst = gradInput + q * kNr * inPlane;
        if (xPhases == 2) {
          simd::avx512::implicitConvStoreInterleaved(block[0], block[1], kNr, nr, nEven, nOdd, channels, dst, rowOffset.data(), inPlane);
          continue;
        }
        for (int64_t rr = 0; rr < nr; ++rr)
          simd::avx512::implicitConvStoreTransposed(block[0] + rr * nEven * kNr, kNr, nEven, channels, nullptr, false,
                                                    dst + rowOffset[size_t(rr)], inPlane);
      }
    }
  });
#else
  (void)ctx, (void)gradOut, (void)weight, (void)gradInput, (void)g;
  return false;
#endif
}

// ---------------------------------------------------------------- weight gradient
//
// gradWeight[o, t] = sum over positions p of gradOut[o, p] * A[p, t]: the same micro-kernel with the
// roles turned, rows = taps (the padded copy + the tap's offset), the sum running over positions
// (their offsets in the copy) against gradOut transposed to [position][64 channels]. Samples go in
// blocks (one padded copy and transposed gradient each, within kWeightBlockBytes); every weight
// element sums the positions in order, block after block, whichever thread holds it.

namespace {
constexpr int64_t kWeightBlockBytes = int64_t(32) << 20;
}  // namespace

bool implicitConvBackwardWeight(Context& ctx, const float* x, const float* gradOut, float* gradWeight, const ConvGeometry& g) {
#if defined(LATTICE_X86)
  const int64_t K = g.c * g.kh * g.kw, L = g.oh * g.ow, slivers = ceilDiv(g.o, kNr), inSample = g.c * g.h * g.w;
  if (g.n == 0 || L == 0) {
    std::fill(gradWeight, gradWeight + g.o * K, 0.0f);
    return true;
  }
  const Layout p = layoutOf(g);
  const std::vector<int32_t> tapOff = tapOffsets(g, p);
  const int64_t perSample = (p.copy ? p.sample : 0) + slivers * L * kNr;
  const int64_t block = std::clamp<int64_t>(std::min(kWeightBlockBytes / (perSample * int64_t(sizeof(float))), INT32_MAX / p.sample), 1, g.n);
  // Taps in chunks of equal size (whole tiles), as many per sliver as make the work items a multiple
  // of the thread count: the stem's 147 taps as 96 + 51 left one of two threads idle a third of the time.
  int64_t tapChunks = ceilDiv(K, kChunk);
  while ((slivers * tapChunks) % ctx.pool.size() != 0 && slivers * tapChunks < 8 * ctx.pool.size()) ++tapChunks;
  const int64_t tapChunk = std::min(kChunk, ceilDiv(ceilDiv(K, tapChunks), kMr) * kMr);
  tapChunks = ceilDiv(K, tapChunk);
  const int64_t tapsPad = tapChunks * tapChunk;
  Scratch<float> copy, gyT(ScratchUse::ImplicitTransposedGrad, slivers * block * L * kNr, kKeepBytes),
      sums(ScratchUse::ImplicitSums, slivers * tapsPad * kNr, kKeepBytes);
  if (p.copy && !(copy = Scratch<float>(ScratchUse::ImplicitPaddedInput, block * p.sample, kKeepBytes))) return false;
  if (!gyT || !sums) return false;
  std::vector<int32_t> posOff(static_cast<size_t>(block * L));
  const simd::CopyLoops& transpose = simd::copyLoopsFor(ctx.isa);
  for (int64_t s0 = 0; s0 < g.n; s0 += block) {
    const int64_t count = std::min(block, g.n - s0), positions = count * L;
    // The block's padded copy, and gradOut as [sliver][position][64] (zeros past o).
    ctx.pool.parallelFor(0, count * slivers, 1, [&](int64_t b, int64_t e) {
      for (int64_t item = b; item < e; ++item) {
        const int64_t j = item / slivers, q = item % slivers, live = std::min(kNr, g.o - q * kNr);
        if (p.copy && q == 0) fillPadded(x + (s0 + j) * inSample, g, p, copy.get() + j * p.sample);
        float* dst = gyT.get() + (q * positions + j * L) * kNr;
        if (live < kNr)
          for (int64_t l = 0; l < L; ++l) std::fill(dst + l * kNr + live, dst + (l + 1) * kNr, 0.0f);
        transpose.transpose(4, gradOut + ((s0 + j) * g.o + q * kNr) * L, L, dst, kNr, L, live);
      }
    });
    for (int64_t pos = 0; pos < positions; ++pos) {
      const int64_t j = pos / L, l = pos % L;
      posOff[size_t(pos)] = int32_t(j * p.sample + (l / g.ow) * g.strideH * p.wp + (l % g.ow) * g.strideW);
    }
    const float* base = p.copy ? copy.get() : x + s0 * inSample;
    ctx.pool.parallelFor(0, slivers * tapChunks, 1, [&](int64_t b, int64_t e) {
      const float* rows[kChunk];
      for (int64_t item = b; item < e; ++item) {
        const int64_t q = item / tapChunks, t0 = (item % tapChunks) * tapChunk, n = std::min(tapChunk, K - t0);
        for (int64_t i = 0; i < tapChunk; ++i) rows[i] = base + tapOff[size_t(t0 + std::min(i, n - 1))];
        runTiles(rows, n, posOff.data(), positions, gyT.get() + q * positions * kNr, sums.get() + (q * tapsPad + t0) * kNr, s0 > 0);
      }
    });
  }
  ctx.pool.parallelFor(0, slivers, 1, [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q)
      simd::avx512::implicitConvStoreTransposed(sums.get() + q * tapsPad * kNr, kNr, K, std::min(kNr, g.o - q * kNr), nullptr,
                                                false, gradWeight + q * kNr * K, K);
  });
  return true;
#else
  (void)ctx, (void)x, (void)gradOut, (void)gradWeight, (void)g;
  return false;
#endif
}

}  // namespace lattice

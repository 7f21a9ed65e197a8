// Direct small-channel convolution (see conv_direct.h).
//
// The padded copy of one sample, for column stride sW: planes [c][row r][phase ph][column q]
// with value in[c, r - padH, q*sW + ph - padW] (zero outside the input), hp rows and wq
// columns per phase. Output (y, x) under tap (c, ky, kx) reads row y*sH + ky*dH and padded
// column x*sW + kx*dW = (x + kx*dW / sW)*sW + kx*dW % sW: phase kx*dW % sW, column
// x + kx*dW / sW, so consecutive x read consecutive floats for every stride.
//
// With stride 1 the rows follow each other at wq floats, so the loops run one stream over
// the whole padded plane (output (y, x) is stream pixel y*wq + x; the wq - ow pixels past
// each row's end are computed and dropped): no vector is cut short at each row's end, which
// for a 28-wide image (26 outputs a row) would cost a fifth of the work. Strided convolutions
// run one stream row per output row. The copy ends with room for one chunk of overrun.
#include "conv_direct.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <iterator>
#include <memory>
#include <new>
#include <vector>

#include "../simd/conv_direct_loops.h"
#include "conv_direct_table.h"
#include "winograd.h"

namespace lattice {
namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Scratch of `count` floats (zeroed if asked), or null when it cannot be had.
std::unique_ptr<float[]> scratch(int64_t count, bool zero = false) {
  if (count < 0 || count > (int64_t(1) << 34)) return nullptr;
  std::unique_ptr<float[]> p(new (std::nothrow) float[size_t(std::max<int64_t>(count, 1))]);
  if (p && zero) std::fill(p.get(), p.get() + count, 0.0f);
  return p;
}

struct Padded {
  int64_t hp, wq, sW, channelStride, size;
  int64_t wideSize;                // floats of the loops' widened-gradient scratch
  std::vector<int64_t> tapOffset;  // per tap (c, ky, kx) in weight order
  std::vector<uint32_t> laneMask;
  simd::DirectRows rows;
};

// The layout for g and the loops' vectors of `lanes` floats.
Padded paddedLayout(const ConvGeometry& g, int lanes) {
  Padded p;
  p.sW = g.strideW;
  p.hp = (g.oh - 1) * g.strideH + (g.kh - 1) * g.dilationH + 1;
  p.wq = g.ow + (g.kw - 1) * g.dilationW / g.strideW;
  p.channelStride = p.hp * p.sW * p.wq;
  p.size = g.c * p.channelStride + simd::kDirectChunk + (g.kw - 1) * g.dilationW;
  for (int64_t c = 0; c < g.c; ++c)
    for (int64_t ky = 0; ky < g.kh; ++ky)
      for (int64_t kx = 0; kx < g.kw; ++kx)
        p.tapOffset.push_back(((c * p.hp + ky * g.dilationH) * p.sW + kx * g.dilationW % p.sW) * p.wq +
                              kx * g.dilationW / p.sW);
  const bool stream = g.strideH == 1 && g.strideW == 1;
  const int64_t period = stream ? p.wq : g.ow;
  p.laneMask.assign(size_t(period), 0u);
  for (int64_t x = 0; x < period; ++x)
    for (int l = 0; l < lanes; ++l)
      if ((x + l) % period < g.ow) p.laneMask[size_t(x)] |= 1u << l;
  const int64_t count = stream ? g.oh * p.wq : g.ow;
  p.rows = {p.tapOffset.data(), int64_t(p.tapOffset.size()), stream ? 1 : g.oh, g.strideH * p.sW * p.wq, count, period,
            ceilDiv(count, simd::kDirectChunk) * simd::kDirectChunk, g.ow, p.laneMask.data()};
  p.wideSize = simd::kDirectMaxBlock * p.rows.rows * p.rows.countPad;
  return p;
}

// The padded copy of one sample's input xs [c, h, w].
void fillPadded(const float* xs, const ConvGeometry& g, const Padded& p, float* buf) {
  for (int64_t c = 0; c < g.c; ++c) {
    for (int64_t r = 0; r < p.hp; ++r) {
      const int64_t iy = r - g.padH;
      for (int64_t ph = 0; ph < p.sW; ++ph) {
        float* dst = buf + ((c * p.hp + r) * p.sW + ph) * p.wq;
        if (iy < 0 || iy >= g.h) {
          std::fill(dst, dst + p.wq, 0.0f);
          continue;
        }
        const float* src = xs + (c * g.h + iy) * g.w;
        for (int64_t q = 0; q < p.wq; ++q) {
          const int64_t ix = q * p.sW + ph - g.padW;
          dst[q] = ix >= 0 && ix < g.w ? src[ix] : 0.0f;
        }
      }
    }
  }  std::fill(buf + g.c * p.channelStride, buf + p.size, 0.0f);
}

// The adjoint of fillPadded: gi [c, h, w] = the padded gradient at each input position (0 where no tap reaches).
void extractPadded(const float* buf, const ConvGeometry& g, const Padded& p, float* gi) {
  for (int64_t c = 0; c < g.c; ++c) {
    for (int64_t iy = 0; iy < g.h; ++iy) {
      const int64_t r = iy + g.padH;
      float* dst = gi + (c * g.h + iy) * g.w;
      for (int64_t ix = 0; ix < g.w; ++ix) {
        const int64_t pc = ix + g.padW, q = pc / p.sW;
        dst[ix] = r < p.hp && q < p.wq ? buf[((c * p.hp + r) * p.sW + pc % p.sW) * p.wq + q] : 0.0f;
      }
    }
  }
}

// weight [o, taps] as blocks of `block` output channels: packed[blk][tap][j] (zeros past o).
std::unique_ptr<float[]> packWeight(const float* weight, int64_t o, int64_t taps, int block) {
  const int64_t blocks = ceilDiv(o, block);
  std::unique_ptr<float[]> packed = scratch(blocks * taps * block, true);
  if (!packed) return nullptr;
  for (int64_t oc = 0; oc < o; ++oc)
    for (int64_t t = 0; t < taps; ++t) packed[((oc / block) * taps + t) * block + oc % block] = weight[oc * taps + t];
  return packed;
}

}  // namespace

bool directSmallCApplies(const ConvGeometry& g) {
  return g.groups == 1 && g.c >= 1 && g.c <= kDirectSmallCMaxChannels && g.n > 0 && g.o > 0 && g.oh > 0 && g.ow > 0 &&
         g.kh > 0 && g.kw > 0 && g.strideH > 0 && g.strideW > 0 && g.dilationH > 0 && g.dilationW > 0;
}

bool directSmallCPreferred(const ConvGeometry& g, ConvPass pass) {
  // The table measured the undilated square geometries it lists (kConvDirectSmallCKinds) only.
  if (!directSmallCApplies(g) || g.dilationH != 1 || g.dilationW != 1 || g.kh != g.kw || g.strideH != g.strideW) return false;
  for (size_t kind = 0; kind < std::size(kConvDirectSmallCKinds); ++kind) {
    if (g.kh == kConvDirectSmallCKinds[kind].k && g.strideH == kConvDirectSmallCKinds[kind].stride)
      return kConvDirectSmallCWins[kind][int(pass)][g.c - 1][convChannelClass(g.o)][convSpatialClass(std::min(g.oh, g.ow))] != 0;
  }
  return false;
}

namespace {

// Runs body(begin, end, buffer) over [0, count) across the pool, each chunk with its own
// scratch of bufferSize floats. Returns false when an allocation failed.
template <typename F>
bool forChunks(Context& ctx, int64_t count, int64_t bufferSize, const F& body) {
  std::atomic<bool> ok{true};
  ctx.pool.parallelFor(0, count, 1, [&](int64_t b, int64_t e) {
    const std::unique_ptr<float[]> buf = scratch(bufferSize);
    if (!buf) {
      ok = false;
      return;
    }
    body(b, e, buf.get());
  });
  return ok;
}

// What the forward and the input gradient share: the ISA's loops, the padded layout and the
// weight packed by the loops' channel blocks.
struct Blocked {
  const simd::ConvDirectLoops& loops;
  Padded p;
  int64_t o, blocks, plane;
  std::unique_ptr<float[]> packed;

  Blocked(Context& ctx, const float* weight, const ConvGeometry& g)
      : loops(simd::convDirectLoopsFor(ctx.isa)), p(paddedLayout(g, loops.lanes)), o(g.o), blocks(ceilDiv(g.o, loops.forwardBlock)),
        plane(g.oh * g.ow), packed(packWeight(weight, g.o, p.rows.taps, loops.forwardBlock)) {}
  int64_t first(int64_t blk) const { return blk * loops.forwardBlock; }
  const float* weights(int64_t blk) const { return packed.get() + blk * p.rows.taps * loops.forwardBlock; }
  int channels(int64_t blk) const { return int(std::min<int64_t>(loops.forwardBlock, o - first(blk))); }
};

}  // namespace

bool directSmallCForward(Context& ctx, const float* x, const float* weight, const float* bias, float* out,
                         const ConvGeometry& g, bool relu) {
  const Blocked k(ctx, weight, g);
  if (!k.packed) return false;
  // Items are (sample, channel block), sample-major, so a thread refills its copy once per sample.
  return forChunks(ctx, g.n * k.blocks, k.p.size, [&](int64_t b, int64_t e, float* buf) {
    for (int64_t item = b, filled = -1; item < e; ++item) {
      const int64_t s = item / k.blocks, blk = item % k.blocks, oc0 = k.first(blk);
      if (s != filled) fillPadded(x + s * g.c * g.h * g.w, g, k.p, buf), filled = s;
      k.loops.forward(k.p.rows, buf, k.weights(blk), k.channels(blk), bias ? bias + oc0 : nullptr,
                      out + (s * g.o + oc0) * k.plane, k.plane, relu);
    }
  });
}

bool directSmallCBackwardInput(Context& ctx, const float* gradOut, const float* weight, float* gradInput,
                               const ConvGeometry& g) {
  const Blocked k(ctx, weight, g);
  if (!k.packed) return false;
  return forChunks(ctx, g.n, k.p.size + k.p.wideSize, [&](int64_t b, int64_t e, float* buf) {
    for (int64_t s = b; s < e; ++s) {
      std::fill(buf, buf + k.p.size, 0.0f);
      for (int64_t blk = 0; blk < k.blocks; ++blk)
        k.loops.backwardInput(k.p.rows, buf, k.weights(blk), k.channels(blk), gradOut + (s * g.o + k.first(blk)) * k.plane,
                              k.plane, buf + k.p.size);
      extractPadded(buf, g, k.p, gradInput + s * g.c * g.h * g.w);
    }
  });
}

bool directSmallCBackwardWeight(Context& ctx, const float* x, const float* gradOut, float* gradWeight,
                                const ConvGeometry& g) {
  const simd::ConvDirectLoops& loops = simd::convDirectLoopsFor(ctx.isa);
  const Padded p = paddedLayout(g, loops.lanes);
  const int64_t taps = p.rows.taps, plane = g.oh * g.ow, wb = loops.weightBlock, blocks = ceilDiv(g.o, wb);
  const int64_t lanes = loops.lanes, perBlock = wb * taps * lanes;
  // Per weight element, one float per lane summing kSamplesPerFlush samples, added into one double per
  // lane; the lanes are added in order at the end.
  constexpr int64_t kSamplesPerFlush = 8;
  std::unique_ptr<double[]> total(new (std::nothrow) double[size_t(blocks * perBlock)]());
  if (!total) return false;
  // Threads split the channel blocks; each block sums the samples in order, so the split does not matter.
  const bool ok = forChunks(ctx, blocks, p.size + p.wideSize + blocks * perBlock, [&](int64_t b, int64_t e, float* buf) {
    float* wide = buf + p.size;
    float* partial = wide + p.wideSize;
    const auto flush = [&] {
      for (int64_t i = b * perBlock; i < e * perBlock; ++i) total[i] += partial[i], partial[i] = 0.0f;
    };
    std::fill(partial + b * perBlock, partial + e * perBlock, 0.0f);
    for (int64_t s = 0; s < g.n; ++s) {
      fillPadded(x + s * g.c * g.h * g.w, g, p, buf);
      for (int64_t blk = b; blk < e; ++blk)
        loops.backwardWeight(p.rows, buf, gradOut + (s * g.o + blk * wb) * plane, plane,
                             int(std::min<int64_t>(wb, g.o - blk * wb)), partial + blk * perBlock, wide);
      if ((s + 1) % kSamplesPerFlush == 0 || s + 1 == g.n) flush();
    }
  });
  if (!ok) return false;
  for (int64_t oc = 0; oc < g.o; ++oc) {
    for (int64_t t = 0; t < taps; ++t) {
      const double* lane = total.get() + (oc / wb) * perBlock + ((oc % wb) * taps + t) * lanes;
      double sum = 0;
      for (int64_t l = 0; l < lanes; ++l) sum += lane[l];
      gradWeight[oc * taps + t] = float(sum);
    }
  }
  return true;
}

}  // namespace lattice

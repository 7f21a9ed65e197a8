// 2-D pooling kernels (see pool.h for the rules). Every kernel works plane by plane,
// so planes are split across the pool and each is computed in a fixed order: the
// results do not depend on the thread count.
#include "pool.h"

#include "select.h"
#include "../simd/pool_loops.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lattice {
namespace {

// Planes per parallel chunk so that a chunk does at least ~32k window taps.
int64_t planeGrain(int64_t tapsPerPlane) { return std::max<int64_t>(1, 32768 / std::max<int64_t>(1, tapsPerPlane)); }

struct Window { int64_t y0, y1, x0, x1, divisor; };

// PyTorch's avg_pool2d window: clipped to the padded input for the count, then to the input.
Window avgWindow(const PoolGeometry& g, int64_t y, int64_t x, bool countIncludePad, int64_t divisor) {
  int64_t y0 = y * g.strideH - g.padH, x0 = x * g.strideW - g.padW;
  int64_t y1 = std::min(y0 + g.kh, g.h + g.padH), x1 = std::min(x0 + g.kw, g.w + g.padW);
  const int64_t padded = (y1 - y0) * (x1 - x0);
  y0 = std::max<int64_t>(y0, 0), x0 = std::max<int64_t>(x0, 0);
  y1 = std::min(y1, g.h), x1 = std::min(x1, g.w);
  const int64_t d = divisor > 0 ? divisor : countIncludePad ? padded : (y1 - y0) * (x1 - x0);
  return {y0, y1, x0, x1, d};
}

int64_t adaptiveStart(int64_t i, int64_t n, int64_t m) { return (i * n) / m; }
int64_t adaptiveEnd(int64_t i, int64_t n, int64_t m) { return ((i + 1) * n + m - 1) / m; }

}  // namespace

// The max of a window and where it is, scanning taps in row-major order: the first of equal
// maxima wins and a NaN propagates (as in PyTorch). Branch-free (selects, not jumps): on real
// activations "is this the new max" is a coin flip.
template <typename T>
inline void maxTap(T v, int64_t at, T& best, int64_t& bestAt) {
  // Masks rather than ?: so that the compiler cannot turn the choice back into a jump.
  const bool take = (v > best) | (v != v);
  const int64_t mask = -static_cast<int64_t>(take);
  bestAt = (at & mask) | (bestAt & ~mask);
  // On the value too: `take ? v : best` on floats compiled to a jump (SSE2 has no blend), and
  // ResNet-18's 3x3 stride-2 pool of [32, 64, 32, 32] took 23 ms, a sixth of PyTorch's whole forward.
  best = selectBits(take, v, best);
}

bool isMaxPool2x2(const PoolGeometry& g) {
  return g.kh == 2 && g.kw == 2 && g.strideH == 2 && g.strideW == 2 && g.padH == 0 && g.padW == 0 && g.dilationH == 1 &&
         g.dilationW == 1 && 2 * g.oh <= g.h && 2 * g.ow <= g.w;  // no ceil-mode overhang
}

// The 3x3, stride-2 window without dilation (ResNet's stem pool), whose interior outputs have a
// vectorised loop (simd/pool_loops.h).
bool isMaxPool3x3s2(const PoolGeometry& g) {
  return g.kh == 3 && g.kw == 3 && g.strideH == 2 && g.strideW == 2 && g.dilationH == 1 && g.dilationW == 1;
}

// Outputs [lo, hi) along one dim whose 3 taps 2i - pad .. 2i - pad + 2 all lie in [0, size).
void interiorRange(int64_t size, int64_t pad, int64_t outSize, int64_t* lo, int64_t* hi) {
  *lo = std::min<int64_t>(outSize, (pad + 1) / 2);
  const int64_t last = size - 3 + pad;  // 2i <= last
  *hi = last < 0 ? *lo : std::clamp<int64_t>(last / 2 + 1, *lo, outSize);
}

template <typename T>
void maxPool2dForward(Context& ctx, const T* x, T* out, int32_t* indices, const PoolGeometry& g, bool relu, uint8_t* taps) {
  const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
  const bool twoByTwo = isMaxPool2x2(g);
  const bool threeByThree = !twoByTwo && !relu && indices && isMaxPool3x3s2(g);
  const simd::PoolLoops& loops = simd::poolLoopsFor(ctx.isa);
  const bool wholePlane = threeByThree && loops.maxPool3x3s2WholePlane<T>();
  int64_t yLo = 0, yHi = 0, xLo = 0, xHi = 0;
  if (threeByThree && !wholePlane) {
    interiorRange(g.h, g.padH, g.oh, &yLo, &yHi);
    interiorRange(g.w, g.padW, g.ow, &xLo, &xHi);
  }
  ctx.pool.parallelFor(0, g.planes, planeGrain(ohw * g.kh * g.kw), [&](int64_t pb, int64_t pe) {
    if (twoByTwo) {
      for (int64_t p = pb; p < pe; ++p) loops.maxPool2x2(x + p * hw, out + p * ohw, indices ? indices + p * ohw : nullptr, taps ? taps + p * ohw : nullptr, relu, g);
      return;
    }
    if (wholePlane) {
      for (int64_t p = pb; p < pe; ++p) loops.maxPool3x3s2(x + p * hw, out + p * ohw, indices + p * ohw, g, 0, g.oh, 0, g.ow);
      return;
    }
    for (int64_t p = pb; p < pe; ++p) {
      const T* in = x + p * hw;
      // Any window, tap by tap (for the 3x3/2 window, only the border outputs).
      auto window = [&](int64_t y, int64_t xo) {
        int64_t y0 = y * g.strideH - g.padH;
        const int64_t y1 = std::min(y0 + (g.kh - 1) * g.dilationH + 1, g.h);
        while (y0 < 0) y0 += g.dilationH;
        int64_t x0 = xo * g.strideW - g.padW;
        const int64_t x1 = std::min(x0 + (g.kw - 1) * g.dilationW + 1, g.w);
        while (x0 < 0) x0 += g.dilationW;
        T best = -std::numeric_limits<T>::infinity();
        int64_t at = y0 * g.w + x0;
        for (int64_t iy = y0; iy < y1; iy += g.dilationH) {
          const T* row = in + iy * g.w;
          for (int64_t ix = x0; ix < x1; ix += g.dilationW) {
            maxTap(row[ix], iy * g.w + ix, best, at);
          }
        }
        const int64_t o = p * ohw + y * g.ow + xo;
        out[o] = best;
        indices[o] = static_cast<int32_t>(at);
      };
      if (!threeByThree) {
        for (int64_t y = 0; y < g.oh; ++y)
          for (int64_t xo = 0; xo < g.ow; ++xo) window(y, xo);
        continue;
      }
      for (int64_t y = 0; y < g.oh; ++y) {
        const bool rowInside = y >= yLo && y < yHi;
        for (int64_t xo = 0; xo < g.ow; ++xo) {
          if (rowInside && xo == xLo && xHi > xLo) xo = xHi;  // the interior, below
          if (xo < g.ow) window(y, xo);
        }
      }
      if (yHi > yLo && xHi > xLo) loops.maxPool3x3s2(in, out + p * ohw, indices + p * ohw, g, yLo, yHi, xLo, xHi);
    }
  });
}

template <typename T>
void maxPool2dBackward(Context& ctx, const T* gradOut, const int32_t* indices, T* gradIn, const PoolGeometry& g) {
  const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
  ctx.pool.parallelFor(0, g.planes, planeGrain(ohw + hw), [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      T* gi = gradIn + p * hw;
      std::fill(gi, gi + hw, T(0));
      const T* go = gradOut + p * ohw;
      const int32_t* idx = indices + p * ohw;
      for (int64_t j = 0; j < ohw; ++j)
        if (idx[j] >= 0 && idx[j] < hw) gi[idx[j]] += go[j];
    }
  });
}

// The 2x2 / stride 2 backward from the forward's tap codes: all four input gradients of a
// window are written at once (gy at the max, 0 elsewhere), as are the rows and columns no
// window covers. So gradIn is written once, in order, with no zero fill before it and no
// scatter through an index array after it. It used to find each max again from x: in W3's
// step that read 5.5 MB that had left the cache since the forward.
template <typename T>
void maxPool2x2Backward(Context& ctx, const uint8_t* taps, const T* gradOut, T* gradIn, const PoolGeometry& g) {
  const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
  ctx.pool.parallelFor(0, g.planes, planeGrain(hw), [&](int64_t pb, int64_t pe) {
    // Under AVX2, rows of fewer than 8 windows run the baseline loops: GCC's AVX2 code for this
    // loop (vectors of 8 windows) spends such rows in its set-up and remainder paths and took 2x
    // the SSE2 time on W3's [64, 64, 11, 11] (5 windows a row: 0.85 ms against 0.42). The
    // AVX-512 loop masks a short row instead.
    const simd::PoolLoops& loops = simd::poolLoopsFor(g.ow >= 8 || ctx.isa == Isa::Avx512 ? ctx.isa : Isa::Scalar);
    for (int64_t p = pb; p < pe; ++p) loops.maxPool2x2Backward(taps + p * ohw, gradOut + p * ohw, gradIn + p * hw, g);
  });
}

template <typename T>
void avgPool2dForward(Context& ctx, const T* x, T* out, const PoolGeometry& g, bool countIncludePad, int64_t divisor) {
  const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
  ctx.pool.parallelFor(0, g.planes, planeGrain(ohw * g.kh * g.kw), [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const T* in = x + p * hw;
      for (int64_t y = 0; y < g.oh; ++y) {
        for (int64_t xo = 0; xo < g.ow; ++xo) {
          const Window win = avgWindow(g, y, xo, countIncludePad, divisor);
          T sum = 0;
          for (int64_t iy = win.y0; iy < win.y1; ++iy)
            for (int64_t ix = win.x0; ix < win.x1; ++ix) sum += in[iy * g.w + ix];
          out[p * ohw + y * g.ow + xo] = win.y0 < win.y1 && win.x0 < win.x1 ? sum / T(win.divisor) : T(0);
        }
      }
    }
  });
}

template <typename T>
void avgPool2dBackward(Context& ctx, const T* gradOut, T* gradIn, const PoolGeometry& g, bool countIncludePad, int64_t divisor) {
  const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
  ctx.pool.parallelFor(0, g.planes, planeGrain(ohw * g.kh * g.kw + hw), [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      T* gi = gradIn + p * hw;
      std::fill(gi, gi + hw, T(0));
      for (int64_t y = 0; y < g.oh; ++y) {
        for (int64_t xo = 0; xo < g.ow; ++xo) {
          const Window win = avgWindow(g, y, xo, countIncludePad, divisor);
          if (win.y0 >= win.y1 || win.x0 >= win.x1) continue;
          const T share = gradOut[p * ohw + y * g.ow + xo] / T(win.divisor);
          for (int64_t iy = win.y0; iy < win.y1; ++iy)
            for (int64_t ix = win.x0; ix < win.x1; ++ix) gi[iy * g.w + ix] += share;
        }
      }
    }
  });
}

template <typename T>
void adaptiveAvgPool2dForward(Context& ctx, const T* x, T* out, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow) {
  ctx.pool.parallelFor(0, planes, planeGrain(h * w + oh * ow), [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const T* in = x + p * h * w;
      for (int64_t y = 0; y < oh; ++y) {
        const int64_t y0 = adaptiveStart(y, h, oh), y1 = adaptiveEnd(y, h, oh);
        for (int64_t xo = 0; xo < ow; ++xo) {
          const int64_t x0 = adaptiveStart(xo, w, ow), x1 = adaptiveEnd(xo, w, ow);
          T sum = 0;
          for (int64_t iy = y0; iy < y1; ++iy)
            for (int64_t ix = x0; ix < x1; ++ix) sum += in[iy * w + ix];
          out[(p * oh + y) * ow + xo] = sum / T((y1 - y0) * (x1 - x0));
        }
      }
    }
  });
}

template <typename T>
void adaptiveAvgPool2dBackward(Context& ctx, const T* gradOut, T* gradIn, int64_t planes, int64_t h, int64_t w, int64_t oh,
                               int64_t ow) {
  ctx.pool.parallelFor(0, planes, planeGrain(h * w + oh * ow), [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      T* gi = gradIn + p * h * w;
      std::fill(gi, gi + h * w, T(0));
      for (int64_t y = 0; y < oh; ++y) {
        const int64_t y0 = adaptiveStart(y, h, oh), y1 = adaptiveEnd(y, h, oh);
        for (int64_t xo = 0; xo < ow; ++xo) {
          const int64_t x0 = adaptiveStart(xo, w, ow), x1 = adaptiveEnd(xo, w, ow);
          const T share = gradOut[(p * oh + y) * ow + xo] / T((y1 - y0) * (x1 - x0));
          for (int64_t iy = y0; iy < y1; ++iy)
            for (int64_t ix = x0; ix < x1; ++ix) gi[iy * w + ix] += share;
        }
      }
    }
  });
}

#define LATTICE_POOL_INSTANTIATE(T)                                                                                  \
  template void maxPool2dForward<T>(Context&, const T*, T*, int32_t*, const PoolGeometry&, bool, uint8_t*);                \
  template void maxPool2dBackward<T>(Context&, const T*, const int32_t*, T*, const PoolGeometry&);                    \
  template void maxPool2x2Backward<T>(Context&, const uint8_t*, const T*, T*, const PoolGeometry&);                        \
  template void avgPool2dForward<T>(Context&, const T*, T*, const PoolGeometry&, bool, int64_t);                     \
  template void avgPool2dBackward<T>(Context&, const T*, T*, const PoolGeometry&, bool, int64_t);                    \
  template void adaptiveAvgPool2dForward<T>(Context&, const T*, T*, int64_t, int64_t, int64_t, int64_t, int64_t);   \
  template void adaptiveAvgPool2dBackward<T>(Context&, const T*, T*, int64_t, int64_t, int64_t, int64_t, int64_t);
LATTICE_POOL_INSTANTIATE(float)
LATTICE_POOL_INSTANTIATE(double)
#undef LATTICE_POOL_INSTANTIATE

}  // namespace lattice

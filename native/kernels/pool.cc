// 2-D pooling kernels (see pool.h for the rules). Every kernel works plane by plane,
// so planes are split across the pool and each is computed in a fixed order: the
// results do not depend on the thread count.
#include "pool.h"

#include "select.h"

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

// The max of a 2x2 window (taps a b / c d in row-major order) by maxTap's rule, as a tap
// number 0-3: the last NaN if there is one, else the first tap equal to the max. Written
// with comparisons combined as integers (no select on data), since on real activations
// "which tap" is unpredictable and a jump on it costs more than the window's arithmetic;
// the old tap-by-tap maxTap ran the 2x2 pool of [64, 32, 26, 26] in ~5.5 ms, this in < 1.
template <typename T>
inline int windowArgmax2x2(T a, T b, T c, T d) {
  const T m = std::max(std::max(a, b), std::max(c, d));  // any value when a NaN is present: unused then
  const int ea = a == m, eb = b == m, ec = c == m;
  const int first = (1 - ea) * (1 + (1 - eb) * (1 + (1 - ec)));  // 0 if a is the max, else 1 if b, ...
  const int nb = b != b, nc = c != c, nd = d != d;
  const int lastNan = std::max(std::max(3 * nd, 2 * nc), nb);
  const int anyNan = (a != a) | nb | nc | nd;
  return first + anyNan * (lastNan - first);
}

// relu(v) as the relu op has it (v < 0 ? 0 : v: a NaN stays NaN), without a jump.
template <typename T>
inline T reluBits(T v) {
  return keepIf(!(v < T(0)), v);
}

// The common 2x2 window, stride 2, no padding, dilation or ceil-mode overhang, unrolled:
// the general loop spent most of its time on loop bounds for 4 taps (~6 ms for
// [64, 32, 26, 26]). indices may be null (maxPool2x2Backward needs none). kRelu: out =
// relu(max), the ReLU of a Conv2d-ReLU-MaxPool2d block applied to the 4x smaller output.
template <bool kIndices, bool kRelu, typename T>
void maxPool2x2Rows(const T* in, T* out, int32_t* indices, const PoolGeometry& g) {
  for (int64_t y = 0; y < g.oh; ++y) {
    const T* r0 = in + 2 * y * g.w;
    const T* r1 = r0 + g.w;
    const int64_t base = 2 * y * g.w;
    for (int64_t xo = 0; xo < g.ow; ++xo) {
      const int64_t c = 2 * xo;
      const T t0 = r0[c], t1 = r0[c + 1], t2 = r1[c], t3 = r1[c + 1];
      const int at = windowArgmax2x2(t0, t1, t2, t3);
      const T m = selectBits(at == 0, t0, selectBits(at == 1, t1, selectBits(at == 2, t2, t3)));
      out[y * g.ow + xo] = kRelu ? reluBits(m) : m;
      if constexpr (kIndices) indices[y * g.ow + xo] = static_cast<int32_t>(base + c + (at & 1) + (at >> 1) * g.w);
    }
  }
}

// Separate loops rather than a test per window, so that each vectorises.
template <typename T>
void maxPool2x2Plane(const T* in, T* out, int32_t* indices, bool relu, const PoolGeometry& g) {
  if (indices) maxPool2x2Rows<true, false>(in, out, indices, g);
  else if (relu) maxPool2x2Rows<false, true>(in, out, indices, g);
  else maxPool2x2Rows<false, false>(in, out, indices, g);
}

bool isMaxPool2x2(const PoolGeometry& g) {
  return g.kh == 2 && g.kw == 2 && g.strideH == 2 && g.strideW == 2 && g.padH == 0 && g.padW == 0 && g.dilationH == 1 &&
         g.dilationW == 1 && 2 * g.oh <= g.h && 2 * g.ow <= g.w;  // no ceil-mode overhang
}

template <typename T>
void maxPool2dForward(Context& ctx, const T* x, T* out, int32_t* indices, const PoolGeometry& g, bool relu) {
  const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
  const bool twoByTwo = isMaxPool2x2(g);
  ctx.pool.parallelFor(0, g.planes, planeGrain(ohw * g.kh * g.kw), [&](int64_t pb, int64_t pe) {
    if (twoByTwo) {
      for (int64_t p = pb; p < pe; ++p)
        maxPool2x2Plane(x + p * hw, out + p * ohw, indices ? indices + p * ohw : nullptr, relu, g);
      return;
    }
    for (int64_t p = pb; p < pe; ++p) {
      const T* in = x + p * hw;
      for (int64_t y = 0; y < g.oh; ++y) {
        int64_t y0 = y * g.strideH - g.padH;
        const int64_t y1 = std::min(y0 + (g.kh - 1) * g.dilationH + 1, g.h);
        while (y0 < 0) y0 += g.dilationH;
        for (int64_t xo = 0; xo < g.ow; ++xo) {
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
        }
      }
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

// The 2x2 / stride 2 backward without indices: each window's max position is found again
// from x by the forward's own rule (windowArgmax2x2), and all four of its
// input gradients are written at once (gy at the max, 0 elsewhere), as are the rows and
// columns no window covers. So gradIn is written once, in order, with no zero fill before
// it and no scatter through an index array after it, and the forward need not store indices.
template <bool kRelu, typename T>
void maxPool2x2BackwardPlane(const T* in, const T* go, T* gi, const PoolGeometry& g) {
  for (int64_t y = 0; y < g.oh; ++y) {
    const T* r0 = in + 2 * y * g.w;
    const T* r1 = r0 + g.w;
    T* g0 = gi + 2 * y * g.w;
    T* g1 = g0 + g.w;
    for (int64_t xo = 0; xo < g.ow; ++xo) {
      const int64_t c = 2 * xo;
      const T t0 = r0[c], t1 = r0[c + 1], t2 = r1[c], t3 = r1[c + 1];
      const int at = windowArgmax2x2(t0, t1, t2, t3);
      T v = go[y * g.ow + xo];
      if constexpr (kRelu) {
        // relu's gradient rule: it passes where the (pooled) value is > 0 (not for 0 nor NaN).
        const T m = selectBits(at == 0, t0, selectBits(at == 1, t1, selectBits(at == 2, t2, t3)));
        v = keepIf(m > T(0), v);
      }
      g0[c] = keepIf(at == 0, v);
      g0[c + 1] = keepIf(at == 1, v);
      g1[c] = keepIf(at == 2, v);
      g1[c + 1] = keepIf(at == 3, v);
    }
    for (int64_t c = 2 * g.ow; c < g.w; ++c) g0[c] = g1[c] = T(0);
  }
  std::fill(gi + 2 * g.oh * g.w, gi + g.h * g.w, T(0));
}

template <typename T>
void maxPool2x2Backward(Context& ctx, const T* x, const T* gradOut, T* gradIn, const PoolGeometry& g, bool relu) {
  const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
  ctx.pool.parallelFor(0, g.planes, planeGrain(hw), [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      if (relu) maxPool2x2BackwardPlane<true>(x + p * hw, gradOut + p * ohw, gradIn + p * hw, g);
      else maxPool2x2BackwardPlane<false>(x + p * hw, gradOut + p * ohw, gradIn + p * hw, g);
    }
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
  template void maxPool2dForward<T>(Context&, const T*, T*, int32_t*, const PoolGeometry&, bool);                          \
  template void maxPool2dBackward<T>(Context&, const T*, const int32_t*, T*, const PoolGeometry&);                    \
  template void maxPool2x2Backward<T>(Context&, const T*, const T*, T*, const PoolGeometry&, bool);                        \
  template void avgPool2dForward<T>(Context&, const T*, T*, const PoolGeometry&, bool, int64_t);                     \
  template void avgPool2dBackward<T>(Context&, const T*, T*, const PoolGeometry&, bool, int64_t);                    \
  template void adaptiveAvgPool2dForward<T>(Context&, const T*, T*, int64_t, int64_t, int64_t, int64_t, int64_t);   \
  template void adaptiveAvgPool2dBackward<T>(Context&, const T*, T*, int64_t, int64_t, int64_t, int64_t, int64_t);
LATTICE_POOL_INSTANTIATE(float)
LATTICE_POOL_INSTANTIATE(double)
#undef LATTICE_POOL_INSTANTIATE

}  // namespace lattice

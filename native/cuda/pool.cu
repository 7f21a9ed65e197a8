// Max, average and adaptive average pooling, forward and backward, one thread per output (forward, max
// backward's scatter) or per input element (average backward's gather). Window rules as
// reference/pool.ts: max skips taps outside the input, NaN wins, the first maximum on ties,
// indices are flat h*w positions; average divides by divisor, or the window clipped to the
// padded input (countIncludePad), or the count of in-input taps.
#include "common.cuh"

namespace lattice {
namespace cuda {
namespace {

template <typename T>
__global__ void maxPoolKernel(const T* x, T* out, int32_t* indices, PoolShape g) {
  LATTICE_CUDA_LOOP(o, g.planes * g.oh * g.ow) {
    const int64_t xo = o % g.ow, y = (o / g.ow) % g.oh, p = o / (g.ow * g.oh);
    int64_t y0 = y * g.strideH - g.padH;
    const int64_t y1 = min(y0 + (g.kh - 1) * g.dilationH + 1, g.h);
    while (y0 < 0) y0 += g.dilationH;
    int64_t x0 = xo * g.strideW - g.padW;
    const int64_t x1 = min(x0 + (g.kw - 1) * g.dilationW + 1, g.w);
    while (x0 < 0) x0 += g.dilationW;
    const T* plane = x + p * g.h * g.w;
    T best = -INFINITY;
    int64_t at = y0 * g.w + x0;
    for (int64_t iy = y0; iy < y1; iy += g.dilationH)
      for (int64_t ix = x0; ix < x1; ix += g.dilationW) {
        const T v = plane[iy * g.w + ix];
        if (v > best || v != v) { best = v; at = iy * g.w + ix; }
      }
    out[o] = best;
    indices[o] = static_cast<int32_t>(at);
  }
}

template <typename T>
__global__ void maxPoolBackwardKernel(const T* gradOut, const int32_t* indices, T* gx, PoolShape g) {
  const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
  LATTICE_CUDA_LOOP(o, g.planes * ohw) {
    const int32_t at = indices[o];
    if (at >= 0 && at < hw) atomicAdd(gx + (o / ohw) * hw + at, gradOut[o]);
  }
}

struct Window { int64_t y0, y1, x0, x1; double d; };

__device__ inline Window avgWindow(const PoolShape& g, int64_t y, int64_t xo, bool countIncludePad, int64_t divisor) {
  int64_t y0 = y * g.strideH - g.padH, x0 = xo * g.strideW - g.padW;
  int64_t y1 = min(y0 + g.kh, g.h + g.padH), x1 = min(x0 + g.kw, g.w + g.padW);
  const int64_t padded = (y1 - y0) * (x1 - x0);
  y0 = max(y0, int64_t(0));
  x0 = max(x0, int64_t(0));
  y1 = min(y1, g.h);
  x1 = min(x1, g.w);
  const double d = divisor > 0 ? double(divisor) : countIncludePad ? double(padded) : double((y1 - y0) * (x1 - x0));
  return {y0, y1, x0, x1, d};
}

template <typename T>
__global__ void avgPoolKernel(const T* x, T* out, PoolShape g, bool countIncludePad, int64_t divisor) {
  LATTICE_CUDA_LOOP(o, g.planes * g.oh * g.ow) {
    const int64_t xo = o % g.ow, y = (o / g.ow) % g.oh, p = o / (g.ow * g.oh);
    const Window w = avgWindow(g, y, xo, countIncludePad, divisor);
    const T* plane = x + p * g.h * g.w;
    double s = 0;
    for (int64_t iy = w.y0; iy < w.y1; ++iy)
      for (int64_t ix = w.x0; ix < w.x1; ++ix) s += plane[iy * g.w + ix];
    out[o] = w.y0 < w.y1 && w.x0 < w.x1 ? static_cast<T>(s / w.d) : T(0);
  }
}

// Each input element gathers the shares of the windows that contain it (no atomics).
template <typename T>
__global__ void avgPoolBackwardKernel(const T* gradOut, T* gx, PoolShape g, bool countIncludePad, int64_t divisor) {
  LATTICE_CUDA_LOOP(i, g.planes * g.h * g.w) {
    const int64_t ix = i % g.w, iy = (i / g.w) % g.h, p = i / (g.w * g.h);
    // Outputs whose window start y*s - pad lies in (iy - kh, iy].
    const int64_t yLo = max(int64_t(0), (iy + g.padH - g.kh + g.strideH) / g.strideH);
    const int64_t yHi = min(g.oh - 1, (iy + g.padH) / g.strideH);
    const int64_t xLo = max(int64_t(0), (ix + g.padW - g.kw + g.strideW) / g.strideW);
    const int64_t xHi = min(g.ow - 1, (ix + g.padW) / g.strideW);
    double acc = 0;
    for (int64_t y = yLo; y <= yHi; ++y)
      for (int64_t xo = xLo; xo <= xHi; ++xo) {
        const Window w = avgWindow(g, y, xo, countIncludePad, divisor);
        if (iy >= w.y0 && iy < w.y1 && ix >= w.x0 && ix < w.x1) acc += gradOut[(p * g.oh + y) * g.ow + xo] / w.d;
      }
    gx[i] = static_cast<T>(acc);
  }
}

__device__ inline int64_t adaptiveStart(int64_t i, int64_t n, int64_t m) { return (i * n) / m; }
__device__ inline int64_t adaptiveEnd(int64_t i, int64_t n, int64_t m) { return ((i + 1) * n + m - 1) / m; }

template <typename T>
__global__ void adaptiveAvgKernel(const T* x, T* out, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow) {
  LATTICE_CUDA_LOOP(o, planes * oh * ow) {
    const int64_t xo = o % ow, y = (o / ow) % oh, p = o / (ow * oh);
    const int64_t y0 = adaptiveStart(y, h, oh), y1 = adaptiveEnd(y, h, oh), x0 = adaptiveStart(xo, w, ow), x1 = adaptiveEnd(xo, w, ow);
    double s = 0;
    for (int64_t iy = y0; iy < y1; ++iy)
      for (int64_t ix = x0; ix < x1; ++ix) s += x[(p * h + iy) * w + ix];
    out[o] = static_cast<T>(s / static_cast<double>((y1 - y0) * (x1 - x0)));
  }
}

// Each input element gathers the shares of the (at most a few) windows that contain it.
template <typename T>
__global__ void adaptiveAvgBackwardKernel(const T* gradOut, T* gx, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow) {
  LATTICE_CUDA_LOOP(i, planes * h * w) {
    const int64_t ix = i % w, iy = (i / w) % h, p = i / (w * h);
    // Windows y with start <= iy < end: y from floor(iy*oh/h) - 1 (clipped) up to floor((iy+1)*oh/h) + 1 (clipped).
    const int64_t yLo = max(int64_t(0), (iy * oh) / h - 1), yHi = min(oh - 1, ((iy + 1) * oh) / h + 1);
    const int64_t xLo = max(int64_t(0), (ix * ow) / w - 1), xHi = min(ow - 1, ((ix + 1) * ow) / w + 1);
    double acc = 0;
    for (int64_t y = yLo; y <= yHi; ++y) {
      const int64_t y0 = adaptiveStart(y, h, oh), y1 = adaptiveEnd(y, h, oh);
      if (iy < y0 || iy >= y1) continue;
      for (int64_t xo = xLo; xo <= xHi; ++xo) {
        const int64_t x0 = adaptiveStart(xo, w, ow), x1 = adaptiveEnd(xo, w, ow);
        if (ix < x0 || ix >= x1) continue;
        acc += static_cast<double>(gradOut[(p * oh + y) * ow + xo]) / static_cast<double>((y1 - y0) * (x1 - x0));
      }
    }
    gx[i] = static_cast<T>(acc);
  }
}

}  // namespace

void adaptiveAvgPool2d(DType t, const void* x, void* out, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow) {
  const int64_t n = planes * oh * ow;
  if (n == 0) return;
  dispatchFloat(t, "cuda adaptiveAvgPool2d", [&](auto tag) {
    using T = decltype(tag);
    adaptiveAvgKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<const T*>(x), static_cast<T*>(out), planes, h, w, oh, ow);
  });
  checkLaunch("cuda adaptiveAvgPool2d");
}

void adaptiveAvgPool2dBackward(DType t, const void* gradOut, void* gradInput, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow) {
  const int64_t n = planes * h * w;
  if (n == 0) return;
  dispatchFloat(t, "cuda adaptiveAvgPool2dBackward", [&](auto tag) {
    using T = decltype(tag);
    adaptiveAvgBackwardKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<const T*>(gradOut), static_cast<T*>(gradInput),
                                                                          planes, h, w, oh, ow);
  });
  checkLaunch("cuda adaptiveAvgPool2dBackward");
}

void maxPool2d(DType t, const void* x, void* out, int32_t* indices, const PoolShape& g) {
  const int64_t n = g.planes * g.oh * g.ow;
  if (n == 0) return;
  dispatchFloat(t, "cuda maxPool2d", [&](auto tag) {
    using T = decltype(tag);
    maxPoolKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<const T*>(x), static_cast<T*>(out), indices, g);
  });
  checkLaunch("cuda maxPool2d");
}

void maxPool2dBackward(DType t, const void* gradOut, const int32_t* indices, void* gradInput, const PoolShape& g) {
  fill(t, gradInput, g.planes * g.h * g.w, 0.0);
  const int64_t n = g.planes * g.oh * g.ow;
  if (n == 0) return;
  dispatchFloat(t, "cuda maxPool2dBackward", [&](auto tag) {
    using T = decltype(tag);
    maxPoolBackwardKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<const T*>(gradOut), indices, static_cast<T*>(gradInput), g);
  });
  checkLaunch("cuda maxPool2dBackward");
}

void avgPool2d(DType t, const void* x, void* out, const PoolShape& g, bool countIncludePad, int64_t divisor) {
  const int64_t n = g.planes * g.oh * g.ow;
  if (n == 0) return;
  dispatchFloat(t, "cuda avgPool2d", [&](auto tag) {
    using T = decltype(tag);
    avgPoolKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<const T*>(x), static_cast<T*>(out), g, countIncludePad, divisor);
  });
  checkLaunch("cuda avgPool2d");
}

void avgPool2dBackward(DType t, const void* gradOut, void* gradInput, const PoolShape& g, bool countIncludePad, int64_t divisor) {
  const int64_t n = g.planes * g.h * g.w;
  if (n == 0) return;
  dispatchFloat(t, "cuda avgPool2dBackward", [&](auto tag) {
    using T = decltype(tag);
    avgPoolBackwardKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<const T*>(gradOut), static_cast<T*>(gradInput), g,
                                                                      countIncludePad, divisor);
  });
  checkLaunch("cuda avgPool2dBackward");
}

}  // namespace cuda
}  // namespace lattice

// Image-batch augmentation kernels (see augment.h). Work is split over the n*c planes;
// each output pixel is written by exactly one thread from its own formula, so results
// do not depend on the thread count. The arithmetic (in double, same expression order,
// no contraction: this file is compiled without FMA flags) mirrors the TS reference.
#include "augment.h"

#include <algorithm>
#include <cmath>

namespace lattice {
namespace {

// Planes per parallel chunk so that a chunk touches at least ~16k pixels.
int64_t planeGrain(int64_t pixelsPerPlane) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, pixelsPerPlane)); }

// Mirror index about the edge pixels without repeating them; periodic with period 2(n-1).
inline int64_t reflectIndex(int64_t i, int64_t n) {
  if (n == 1) return 0;
  const int64_t period = 2 * (n - 1);
  int64_t r = i % period;
  if (r < 0) r += period;
  return r < n ? r : period - r;
}

}  // namespace

template <typename T>
void cropFlip2d(Context& ctx, const T* x, T* out, const CropGeometry& g, const int32_t* top, const int32_t* left,
                const uint8_t* flip, bool reflect, double fill) {
  const int64_t hw = g.h * g.w, ohw = g.oh * g.ow;
  const T fillValue = static_cast<T>(fill);
  ctx.pool.parallelFor(0, g.n * g.c, planeGrain(ohw), [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const int64_t b = p / g.c;
      const bool flipped = flip != nullptr && flip[b] != 0;
      const T* src = x + p * hw;
      T* dst = out + p * ohw;
      for (int64_t yo = 0; yo < g.oh; ++yo) {
        int64_t iy = top[b] + yo;
        const bool rowInside = iy >= 0 && iy < g.h;
        T* row = dst + yo * g.ow;
        if (!rowInside && !reflect) {
          std::fill(row, row + g.ow, fillValue);
          continue;
        }
        if (!rowInside) iy = reflectIndex(iy, g.h);
        const T* in = src + iy * g.w;
        for (int64_t xo = 0; xo < g.ow; ++xo) {
          int64_t ix = left[b] + (flipped ? g.ow - 1 - xo : xo);
          if (ix >= 0 && ix < g.w) row[xo] = in[ix];
          else row[xo] = reflect ? in[reflectIndex(ix, g.w)] : fillValue;
        }
      }
    }
  });
}

template <typename T>
void affine2d(Context& ctx, const T* x, T* out, int64_t n, int64_t c, int64_t h, int64_t w, const double* matrices,
              bool nearest, const double* fill) {
  const int64_t hw = h * w;
  const double cx = static_cast<double>(w - 1) / 2, cy = static_cast<double>(h - 1) / 2;
  const double wd = static_cast<double>(w), hd = static_cast<double>(h);
  ctx.pool.parallelFor(0, n * c, planeGrain(4 * hw), [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const int64_t b = p / c;
      const double* m = matrices + 6 * b;
      const double fillValue = fill[p % c];
      const T* src = x + p * hw;
      T* dst = out + p * hw;
      // A tap outside the image reads fill (the image is padded with fill).
      auto tap = [&](int64_t iy, int64_t ix) -> double {
        return iy >= 0 && iy < h && ix >= 0 && ix < w ? static_cast<double>(src[iy * w + ix]) : fillValue;
      };
      for (int64_t y = 0; y < h; ++y) {
        const double dy = static_cast<double>(y) - cy;
        for (int64_t xo = 0; xo < w; ++xo) {
          const double dx = static_cast<double>(xo) - cx;
          // Where in the input the output pixel comes from (the inverse map, about the centre).
          const double sx = cx + (m[0] * dx + m[1] * dy + m[2]);
          const double sy = cy + (m[3] * dx + m[4] * dy + m[5]);
          // Outside (-1, w) x (-1, h) every tap (and every rounded position) is outside; this also
          // rejects NaN and keeps the int conversions below in range.
          if (!(sx > -1 && sx < wd && sy > -1 && sy < hd)) {
            dst[y * w + xo] = static_cast<T>(fillValue);
            continue;
          }
          if (nearest) {
            // Round half to even (the default rounding mode), as grid_sample's nearbyint.
            const int64_t ix = static_cast<int64_t>(std::nearbyint(sx)), iy = static_cast<int64_t>(std::nearbyint(sy));
            dst[y * w + xo] = static_cast<T>(tap(iy, ix));
            continue;
          }
          const double fx0 = std::floor(sx), fy0 = std::floor(sy);
          const int64_t x0 = static_cast<int64_t>(fx0), y0 = static_cast<int64_t>(fy0);
          const double fx = sx - fx0, fy = sy - fy0;
          const double w00 = (1 - fx) * (1 - fy), w01 = fx * (1 - fy), w10 = (1 - fx) * fy, w11 = fx * fy;
          double acc = 0;
          if (w00 != 0) acc += w00 * tap(y0, x0);
          if (w01 != 0) acc += w01 * tap(y0, x0 + 1);
          if (w10 != 0) acc += w10 * tap(y0 + 1, x0);
          if (w11 != 0) acc += w11 * tap(y0 + 1, x0 + 1);
          dst[y * w + xo] = static_cast<T>(acc);
        }
      }
    }
  });
}

template <typename T>
void erase2d(Context& ctx, const T* x, T* out, int64_t n, int64_t c, int64_t h, int64_t w, const int32_t* boxes,
             const double* values) {
  const int64_t hw = h * w;
  ctx.pool.parallelFor(0, n * c, planeGrain(hw), [&](int64_t pb, int64_t pe) {
    for (int64_t p = pb; p < pe; ++p) {
      const int64_t b = p / c, ch = p % c;
      std::copy(x + p * hw, x + (p + 1) * hw, out + p * hw);
      const int64_t top = boxes[4 * b], left = boxes[4 * b + 1];
      const int64_t y0 = std::max<int64_t>(0, top), x0 = std::max<int64_t>(0, left);
      const int64_t y1 = std::min<int64_t>(h, top + boxes[4 * b + 2]), x1 = std::min<int64_t>(w, left + boxes[4 * b + 3]);
      const T value = static_cast<T>(values[ch]);
      for (int64_t y = y0; y < y1; ++y)
        if (x1 > x0) std::fill(out + p * hw + y * w + x0, out + p * hw + y * w + x1, value);
    }
  });
}

template void cropFlip2d<float>(Context&, const float*, float*, const CropGeometry&, const int32_t*, const int32_t*,
                                const uint8_t*, bool, double);
template void cropFlip2d<double>(Context&, const double*, double*, const CropGeometry&, const int32_t*, const int32_t*,
                                 const uint8_t*, bool, double);
template void affine2d<float>(Context&, const float*, float*, int64_t, int64_t, int64_t, int64_t, const double*, bool,
                              const double*);
template void affine2d<double>(Context&, const double*, double*, int64_t, int64_t, int64_t, int64_t, const double*, bool,
                               const double*);
template void erase2d<float>(Context&, const float*, float*, int64_t, int64_t, int64_t, int64_t, const int32_t*, const double*);
template void erase2d<double>(Context&, const double*, double*, int64_t, int64_t, int64_t, int64_t, const int32_t*,
                              const double*);

}  // namespace lattice

// Resampling kernels (see resample.h for the formulas and the order of every sum).
#include "resample.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace lattice {
namespace {

// Planes (or points) per parallel chunk so that a chunk does at least ~16k units of work.
int64_t grainFor(int64_t workPerItem) { return std::max<int64_t>(1, 16384 / std::max<int64_t>(1, workPerItem)); }

// PyTorch's grid_sampler_compute_source_index: a normalised coordinate to pixels (border: clipped
// to [0, size-1], NaN to 0), and d(pixel)/d(coordinate) (0 where clipped).
inline double sourceIndex(double coord, int64_t size, const GridSampleGeometry& g, double* slope) {
  const double s = static_cast<double>(size);
  double pixel;
  if (g.alignCorners) {
    pixel = ((coord + 1) / 2) * (s - 1);
    *slope = (s - 1) / 2;
  } else {
    pixel = ((coord + 1) * s - 1) / 2;
    *slope = s / 2;
  }
  if (g.border) {
    if (!(pixel > 0)) {
      pixel = 0;
      *slope = 0;
    } else if (!(pixel < s - 1)) {
      pixel = s - 1;
      *slope = 0;
    }
  }
  return pixel;
}

// The (at most 4) taps of one grid point: offsets into a plane (-1: outside, reads 0) and weights
// in the order nw, ne, sw, se; fx, fy are the fractional parts (bilinear) for the grid gradient.
struct Taps4 {
  int64_t offset[4];
  double weight[4];
  double fx, fy, slopeX, slopeY;
};

inline Taps4 tapsAt(double gx, double gy, const GridSampleGeometry& g) {
  Taps4 t{{-1, -1, -1, -1}, {0, 0, 0, 0}, 0, 0, 0, 0};
  const double ix = sourceIndex(gx, g.w, g, &t.slopeX), iy = sourceIndex(gy, g.h, g, &t.slopeY);
  const double wd = static_cast<double>(g.w), hd = static_cast<double>(g.h);
  // Outside (-1, w) x (-1, h) no tap is inside; this also rejects NaN and keeps the casts in range.
  if (!(ix > -1 && ix < wd && iy > -1 && iy < hd)) return t;
  auto inside = [&](int64_t y, int64_t x) { return y >= 0 && y < g.h && x >= 0 && x < g.w; };
  if (g.nearest) {
    // Round half to even (the default rounding mode), as PyTorch's nearbyint.
    const int64_t x = static_cast<int64_t>(std::nearbyint(ix)), y = static_cast<int64_t>(std::nearbyint(iy));
    if (inside(y, x)) {
      t.offset[0] = y * g.w + x;
      t.weight[0] = 1;
    }
    return t;
  }
  const double fx0 = std::floor(ix), fy0 = std::floor(iy);
  const int64_t x0 = static_cast<int64_t>(fx0), y0 = static_cast<int64_t>(fy0);
  t.fx = ix - fx0;
  t.fy = iy - fy0;
  const int64_t ys[4] = {y0, y0, y0 + 1, y0 + 1}, xs[4] = {x0, x0 + 1, x0, x0 + 1};
  const double ws[4] = {(1 - t.fx) * (1 - t.fy), t.fx * (1 - t.fy), (1 - t.fx) * t.fy, t.fx * t.fy};
  for (int k = 0; k < 4; ++k) {
    if (!inside(ys[k], xs[k])) continue;
    t.offset[k] = ys[k] * g.w + xs[k];
    t.weight[k] = ws[k];
  }
  return t;
}

}  // namespace

template <typename T>
void resample2d(Context& ctx, const T* x, T* out, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow,
                const ResampleTaps& rows, const ResampleTaps& cols) {
  const int64_t ky = rows.taps, kx = cols.taps;
  ctx.pool.parallelFor(0, planes, grainFor(oh * ow * (kx + ky)), [&](int64_t pb, int64_t pe) {
    std::vector<double> tmp(static_cast<size_t>(h * ow)), acc(static_cast<size_t>(ow));
    for (int64_t p = pb; p < pe; ++p) {
      const T* src = x + p * h * w;
      for (int64_t iy = 0; iy < h; ++iy) {
        const T* row = src + iy * w;
        double* trow = tmp.data() + iy * ow;
        for (int64_t xo = 0; xo < ow; ++xo) {
          const int32_t* ci = cols.index + xo * kx;
          const double* cw = cols.weight + xo * kx;
          double sum = cw[0] * static_cast<double>(row[ci[0]]);
          for (int64_t t = 1; t < kx; ++t) sum += cw[t] * static_cast<double>(row[ci[t]]);
          trow[xo] = sum;
        }
      }
      T* dst = out + p * oh * ow;
      for (int64_t yo = 0; yo < oh; ++yo) {
        const int32_t* ri = rows.index + yo * ky;
        const double* rw = rows.weight + yo * ky;
        const double* first = tmp.data() + ri[0] * ow;
        for (int64_t xo = 0; xo < ow; ++xo) acc[xo] = rw[0] * first[xo];
        for (int64_t t = 1; t < ky; ++t) {
          const double* trow = tmp.data() + ri[t] * ow;
          const double wt = rw[t];
          for (int64_t xo = 0; xo < ow; ++xo) acc[xo] += wt * trow[xo];
        }
        for (int64_t xo = 0; xo < ow; ++xo) dst[yo * ow + xo] = static_cast<T>(acc[xo]);
      }
    }
  });
}

template <typename T>
void resample2dBackward(Context& ctx, const T* gradOut, T* gradIn, int64_t planes, int64_t h, int64_t w, int64_t oh,
                        int64_t ow, const ResampleTaps& rows, const ResampleTaps& cols) {
  const int64_t ky = rows.taps, kx = cols.taps;
  ctx.pool.parallelFor(0, planes, grainFor(oh * ow * (kx + ky)), [&](int64_t pb, int64_t pe) {
    std::vector<double> dtmp(static_cast<size_t>(h * ow)), acc(static_cast<size_t>(w));
    for (int64_t p = pb; p < pe; ++p) {
      std::fill(dtmp.begin(), dtmp.end(), 0.0);
      const T* g = gradOut + p * oh * ow;
      for (int64_t yo = 0; yo < oh; ++yo) {
        const T* grow = g + yo * ow;
        for (int64_t t = 0; t < ky; ++t) {
          double* d = dtmp.data() + rows.index[yo * ky + t] * ow;
          const double wt = rows.weight[yo * ky + t];
          for (int64_t xo = 0; xo < ow; ++xo) d[xo] += wt * static_cast<double>(grow[xo]);
        }
      }
      T* dst = gradIn + p * h * w;
      for (int64_t iy = 0; iy < h; ++iy) {
        std::fill(acc.begin(), acc.end(), 0.0);
        const double* d = dtmp.data() + iy * ow;
        for (int64_t xo = 0; xo < ow; ++xo) {
          const double v = d[xo];
          for (int64_t t = 0; t < kx; ++t) acc[cols.index[xo * kx + t]] += cols.weight[xo * kx + t] * v;
        }
        for (int64_t ix = 0; ix < w; ++ix) dst[iy * w + ix] = static_cast<T>(acc[ix]);
      }
    }
  });
}

template <typename T>
void gridSample2d(Context& ctx, const T* x, const T* grid, T* out, const GridSampleGeometry& g) {
  const int64_t points = g.oh * g.ow, hw = g.h * g.w;
  constexpr int64_t kBlock = 64;
  ctx.pool.parallelFor(0, g.n * points, grainFor(4 * g.c), [&](int64_t qb, int64_t qe) {
    Taps4 taps[kBlock];
    for (int64_t q = qb; q < qe;) {
      // A block of points of one sample: their taps once, then every channel.
      const int64_t b = q / points, p0 = q % points;
      const int64_t len = std::min<int64_t>({kBlock, qe - q, points - p0});
      for (int64_t i = 0; i < len; ++i) {
        const T* gp = grid + 2 * (q + i);
        taps[i] = tapsAt(static_cast<double>(gp[0]), static_cast<double>(gp[1]), g);
      }
      for (int64_t ch = 0; ch < g.c; ++ch) {
        const T* plane = x + (b * g.c + ch) * hw;
        T* dst = out + (b * g.c + ch) * points + p0;
        for (int64_t i = 0; i < len; ++i) {
          double acc = 0;
          for (int k = 0; k < 4; ++k)
            if (taps[i].offset[k] >= 0) acc += taps[i].weight[k] * static_cast<double>(plane[taps[i].offset[k]]);
          dst[i] = static_cast<T>(acc);
        }
      }
      q += len;
    }
  });
}

template <typename T>
void gridSample2dBackward(Context& ctx, const T* gradOut, const T* x, const T* grid, T* gradX, T* gradGrid,
                          const GridSampleGeometry& g) {
  const int64_t points = g.oh * g.ow, hw = g.h * g.w;
  if (gradX != nullptr) {
    // One plane per unit of work, its points in order, summed in double: deterministic.
    ctx.pool.parallelFor(0, g.n * g.c, grainFor(4 * points), [&](int64_t pb, int64_t pe) {
      std::vector<double> acc(static_cast<size_t>(hw));
      for (int64_t p = pb; p < pe; ++p) {
        std::fill(acc.begin(), acc.end(), 0.0);
        const int64_t b = p / g.c;
        const T* gy = gradOut + p * points;
        for (int64_t i = 0; i < points; ++i) {
          const T* gp = grid + 2 * (b * points + i);
          const Taps4 t = tapsAt(static_cast<double>(gp[0]), static_cast<double>(gp[1]), g);
          const double v = static_cast<double>(gy[i]);
          for (int k = 0; k < 4; ++k)
            if (t.offset[k] >= 0) acc[t.offset[k]] += t.weight[k] * v;
        }
        T* dst = gradX + p * hw;
        for (int64_t k = 0; k < hw; ++k) dst[k] = static_cast<T>(acc[k]);
      }
    });
  }
  if (gradGrid == nullptr) return;
  ctx.pool.parallelFor(0, g.n * points, grainFor(8 * g.c), [&](int64_t qb, int64_t qe) {
    for (int64_t q = qb; q < qe; ++q) {
      const int64_t b = q / points, i = q % points;
      const T* gp = grid + 2 * q;
      const Taps4 t = tapsAt(static_cast<double>(gp[0]), static_cast<double>(gp[1]), g);
      double gix = 0, giy = 0;
      if (!g.nearest) {
        for (int64_t ch = 0; ch < g.c; ++ch) {
          const T* plane = x + (b * g.c + ch) * hw;
          double v[4];
          for (int k = 0; k < 4; ++k) v[k] = t.offset[k] >= 0 ? static_cast<double>(plane[t.offset[k]]) : 0.0;
          const double go = static_cast<double>(gradOut[(b * g.c + ch) * points + i]);
          gix += go * ((1 - t.fy) * (v[1] - v[0]) + t.fy * (v[3] - v[2]));
          giy += go * ((1 - t.fx) * (v[2] - v[0]) + t.fx * (v[3] - v[1]));
        }
      }
      gradGrid[2 * q] = static_cast<T>(gix * t.slopeX);
      gradGrid[2 * q + 1] = static_cast<T>(giy * t.slopeY);
    }
  });
}

#define LATTICE_RESAMPLE_INSTANTIATE(T)                                                                            \
  template void resample2d<T>(Context&, const T*, T*, int64_t, int64_t, int64_t, int64_t, int64_t, const ResampleTaps&, \
                              const ResampleTaps&);                                                                \
  template void resample2dBackward<T>(Context&, const T*, T*, int64_t, int64_t, int64_t, int64_t, int64_t,          \
                                      const ResampleTaps&, const ResampleTaps&);                                   \
  template void gridSample2d<T>(Context&, const T*, const T*, T*, const GridSampleGeometry&);                       \
  template void gridSample2dBackward<T>(Context&, const T*, const T*, const T*, T*, T*, const GridSampleGeometry&);
LATTICE_RESAMPLE_INSTANTIATE(float)
LATTICE_RESAMPLE_INSTANTIATE(double)
#undef LATTICE_RESAMPLE_INSTANTIATE

}  // namespace lattice

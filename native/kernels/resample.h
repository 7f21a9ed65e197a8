// Resampling kernels (fp32 and fp64) behind interpolate and gridSample. The formulas are those of
// src/backend/reference/resample.ts, which these kernels match bit for bit (double arithmetic in
// the same order; this file is compiled without FMA flags).
//
//   resample2d: separable resampling of planes [planes, h, w] -> [planes, oh, ow]. Output row yo
//     mixes input rows rowIndex[yo*ky + t] with weights rowWeight[yo*ky + t] (t < ky), and output
//     column xo mixes input columns colIndex[xo*kx + t] with colWeight[xo*kx + t]. Columns first,
//     into a double buffer tmp[h, ow], then rows; each sum starts from its first term (so a single
//     tap of weight 1 copies exactly) and adds the rest in tap order.
//   resample2dBackward: the adjoint: dtmp[iy, :] += rowWeight * gradOut[yo, :] (yo, then t, in
//     order), then gradIn[iy, ix] += colWeight * dtmp[iy, xo] (xo, then t), a row summed in double.
//   gridSample2d: PyTorch's grid_sample (2-D, bilinear or nearest, zeros or border padding,
//     alignCorners) of x [n, c, h, w] at grid [n, oh, ow, 2] (x, y in -1..1).
//   gridSample2dBackward: gradX (each plane summed in a double buffer, points in order) and/or
//     gradGrid (per point, channels in order); nearest gives no grid gradient (zeros).
//
// Work is split over planes (resample, gradX) or over points (gridSample forward, gradGrid), so
// every output element is written by one thread in a fixed order: results do not depend on the
// thread count.
#pragma once

#include <cstdint>

#include "../context.h"

namespace lattice {

struct ResampleTaps {
  int64_t taps;          // taps per output position
  const int32_t* index;  // [out * taps], each in [0, in)
  const double* weight;  // [out * taps]
};

template <typename T>
void resample2d(Context& ctx, const T* x, T* out, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow,
                const ResampleTaps& rows, const ResampleTaps& cols);

template <typename T>
void resample2dBackward(Context& ctx, const T* gradOut, T* gradIn, int64_t planes, int64_t h, int64_t w, int64_t oh,
                        int64_t ow, const ResampleTaps& rows, const ResampleTaps& cols);

struct GridSampleGeometry {
  int64_t n, c, h, w, oh, ow;
  bool nearest, border, alignCorners;
};

template <typename T>
void gridSample2d(Context& ctx, const T* x, const T* grid, T* out, const GridSampleGeometry& g);

// gradX and gradGrid may each be null (not wanted).
template <typename T>
void gridSample2dBackward(Context& ctx, const T* gradOut, const T* x, const T* grid, T* gradX, T* gradGrid,
                          const GridSampleGeometry& g);

}  // namespace lattice

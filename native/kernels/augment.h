// Image-batch augmentation kernels over x [n, c, h, w] (fp32 and fp64). The random
// parameters are drawn in TS and arrive as arrays; the formulas are those of
// src/backend/reference/augment.ts, which these kernels match bit for bit.
//
//   cropFlip2d: col(xo) = flip[b] ? ow-1-xo : xo,
//               out[b,ch,yo,xo] = x[b,ch, top[b]+yo, left[b]+col(xo)];
//               pixels outside the image read `fill`, or with `reflect` the pixel mirrored
//               about the edge (PyTorch 'reflect' padding, periodic with period 2(n-1)).
//   rotate2d:   counter-clockwise rotation by a_b about ((w-1)/2, (h-1)/2), cosSin[2b] = cos a_b,
//               cosSin[2b+1] = sin a_b; bilinear, taps outside read `fill`, zero-weight taps skipped.
//   erase2d:    out = x with box b = boxes[4b..4b+3] (top, left, height, width; clipped) set to values[ch].
#pragma once

#include <cstdint>

#include "../context.h"

namespace lattice {

struct CropGeometry {
  int64_t n, c, h, w, oh, ow;
};

template <typename T>
void cropFlip2d(Context& ctx, const T* x, T* out, const CropGeometry& g, const int32_t* top, const int32_t* left,
                const uint8_t* flip, bool reflect, double fill);

template <typename T>
void rotate2d(Context& ctx, const T* x, T* out, int64_t n, int64_t c, int64_t h, int64_t w, const double* cosSin,
              double fill);

template <typename T>
void erase2d(Context& ctx, const T* x, T* out, int64_t n, int64_t c, int64_t h, int64_t w, const int32_t* boxes,
             const double* values);

}  // namespace lattice

// Image-batch augmentation kernels over x [n, c, h, w] (fp32 and fp64). The random
// parameters are drawn in TS and arrive as arrays; the formulas are those of
// src/backend/reference/augment.ts, which these kernels match bit for bit.
//
//   cropFlip2d: col(xo) = flip[b] ? ow-1-xo : xo,
//               out[b,ch,yo,xo] = x[b,ch, top[b]+yo, left[b]+col(xo)];
//               pixels outside the image read `fill`, or with `reflect` the pixel mirrored
//               about the edge (PyTorch 'reflect' padding, periodic with period 2(n-1)).
//   affine2d:   out[b,ch,y,x] = x[b,ch] sampled at (sx, sy) = (cx, cy) + M_b (x - cx, y - cy, 1), with
//               (cx, cy) = ((w-1)/2, (h-1)/2) and M_b = matrices[6b..6b+5] row-major 2x3 (the inverse
//               map, torchvision's convention); bilinear (zero-weight taps skipped) or nearest (round
//               half to even); taps outside read fill[ch].
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
void affine2d(Context& ctx, const T* x, T* out, int64_t n, int64_t c, int64_t h, int64_t w, const double* matrices,
              bool nearest, const double* fill);

template <typename T>
void erase2d(Context& ctx, const T* x, T* out, int64_t n, int64_t c, int64_t h, int64_t w, const int32_t* boxes,
             const double* values);

}  // namespace lattice

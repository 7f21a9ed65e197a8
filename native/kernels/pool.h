// 2-D pooling over `planes` planes of [h, w] (N*C for NCHW), fp32 and fp64.
//
// Windows start at (y*strideH - padH, x*strideW - padW) and are clipped to the input.
//   maxPool2d:  out = max over the dilated window; a NaN replaces the running max (NaN
//               propagates); ties keep the first position; indices = iy*w + ix (PyTorch's).
//   avgPool2d:  out = sum over the window / divisor, divisor = `divisor` if > 0, else the
//               window clipped to the padded input (countIncludePad) or to the input.
//   adaptiveAvgPool2d: windows [floor(i*h/oh), ceil((i+1)*h/oh)) per axis.
// Backward kernels are the adjoints and overwrite gradIn. Lengths are assumed
// validated; max-pool indices outside a plane are skipped, never followed.
#pragma once

#include <cstdint>

#include "../context.h"

namespace lattice {

struct PoolGeometry {
  int64_t planes, h, w, oh, ow, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW;
};

// The tap code of a 2x2 window whose gradient relu blocks (its max is not > 0); codes 0-3 name
// the max's tap (a b / c d, row-major).
constexpr uint8_t kMaxPoolTapBlocked = 4;

// indices may be null where g is 2x2 stride 2 (isMaxPool2x2); then `taps` (may be null too) gets
// each window's tap code, one byte a window, for maxPool2x2Backward: a sixteenth of what reading
// x again would take (W3's first pool: 0.35 MB against 5.5).
// relu (2x2 without indices only): out = relu(max), v < 0 ? 0 : v as the relu op (NaN stays NaN).
template <typename T>
void maxPool2dForward(Context& ctx, const T* x, T* out, int32_t* indices, const PoolGeometry& g, bool relu = false,
                      uint8_t* taps = nullptr);
// 2x2 windows, stride 2, no padding, dilation or ceil-mode overhang.
bool isMaxPool2x2(const PoolGeometry& g);
// maxPool2dBackward for isMaxPool2x2 geometries, from the forward's tap codes instead of indices:
// gradOut at each window's max tap, 0 elsewhere, and 0 for the whole window where the code is
// kMaxPoolTapBlocked (the gradient of relu(maxPool2d(x)) where the max is not > 0).
template <typename T>
void maxPool2x2Backward(Context& ctx, const uint8_t* taps, const T* gradOut, T* gradIn, const PoolGeometry& g);
template <typename T>
void maxPool2dBackward(Context& ctx, const T* gradOut, const int32_t* indices, T* gradIn, const PoolGeometry& g);
template <typename T>
void avgPool2dForward(Context& ctx, const T* x, T* out, const PoolGeometry& g, bool countIncludePad, int64_t divisor);
template <typename T>
void avgPool2dBackward(Context& ctx, const T* gradOut, T* gradIn, const PoolGeometry& g, bool countIncludePad, int64_t divisor);
template <typename T>
void adaptiveAvgPool2dForward(Context& ctx, const T* x, T* out, int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow);
template <typename T>
void adaptiveAvgPool2dBackward(Context& ctx, const T* gradOut, T* gradIn, int64_t planes, int64_t h, int64_t w, int64_t oh,
                               int64_t ow);

}  // namespace lattice

// 2-D convolution, NCHW, fp32 and fp64, on the CPU.
//
//   out[b, oc, y, x] = bias[oc] + sum_{ic < C/G, ky, kx} in[b, g*C/G + ic, iy, ix] * w[oc, ic, ky, kx]
//   iy = y*strideH - padH + ky*dilationH,  ix = x*strideW - padW + kx*dilationW,  g = oc / (O/G)
//
// with taps outside the input reading zero. padH/padW are the top/left pads; the
// bottom/right ones are implied by oh/ow, so asymmetric ('same') padding needs no
// special case. The two backward kernels are the adjoints of this bilinear map:
//   backwardInput:  gradIn  = sum over (output, tap) pairs of gradOut * w   (scattered to the tap's input)
//   backwardWeight: gradW   = sum over (output, tap) pairs of gradOut * in  (summed over the batch)
//
// Arguments are assumed validated by the caller (lengths match the geometry).
// The functions never throw; they return false only if scratch memory could not be
// allocated. Results do not depend on the thread count.
#pragma once

#include <cstdint>

#include "../context.h"

namespace lattice {

// The three passes of a convolution, as the algorithm tables index them.
enum class ConvPass : int { Forward = 0, BackwardInput = 1, BackwardWeight = 2 };

struct ConvGeometry {
  int64_t n, c, h, w, o, oh, ow, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups;
};

// relu: out = max(conv + bias, 0), applied per sample while its output is still in cache.
template <typename T>
bool conv2dForward(Context& ctx, const T* x, const T* weight, const T* bias, T* out, const ConvGeometry& g, bool relu = false);

template <typename T>
bool conv2dBackwardInput(Context& ctx, const T* gradOut, const T* weight, T* gradInput, const ConvGeometry& g);

template <typename T>
bool conv2dBackwardWeight(Context& ctx, const T* x, const T* gradOut, T* gradWeight, const ConvGeometry& g);

}  // namespace lattice

// Implicit-GEMM convolution for fp32 on AVX-512 (see simd/conv_implicit_kernels.h): the
// convolution's GEMM with the input read in place through per-position row pointers and a
// per-tap offset table, the weight packed once per call, the output tile transposed into
// NCHW with the bias and ReLU on the way out; the input gradient as one such GEMM per stride
// phase, the weight gradient with the roles of positions and taps turned. For strided layers
// (ResNet's 7x7 stem and its stride-2 3x3 and 1x1 convolutions) it replaces im2col + GEMM, which
// writes and re-reads a gathered column matrix and packs both operands every call.
#pragma once

#include <cstdint>

#include "../context.h"
#include "conv.h"

namespace lattice {

// Whether the implicit kernels can run g (AVX-512, one group, offsets within int32).
bool implicitConvApplies(const Context& ctx, const ConvGeometry& g);
// Whether they are the faster choice for this pass of g (measured: bench/conv-stride2.ts).
bool implicitConvPreferred(const Context& ctx, const ConvGeometry& g, ConvPass pass);

// As conv2dForward<float>; false only when scratch memory could not be had.
bool implicitConvForward(Context& ctx, const float* x, const float* weight, const float* bias, float* out,
                         const ConvGeometry& g, bool relu);
// As conv2dBackwardInput<float>, for strideW 1 or 2; false when scratch memory could not be had
// (or for a larger strideW, which implicitConvPreferred never picks).
bool implicitConvBackwardInput(Context& ctx, const float* gradOut, const float* weight, float* gradInput,
                               const ConvGeometry& g);
// As conv2dBackwardWeight<float>; false when scratch memory could not be had.
bool implicitConvBackwardWeight(Context& ctx, const float* x, const float* gradOut, float* gradWeight, const ConvGeometry& g);

}  // namespace lattice

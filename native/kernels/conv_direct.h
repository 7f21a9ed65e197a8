// Direct convolution for few input channels (C <= 4, groups 1), float32, NCHW: the first
// layer of an image network (a grey or RGB image into 32..64 channels), where im2col +
// GEMM has K = C*kh*kw (9 for a grey 3x3) and spends most of its time packing and
// copying instead of multiplying. Any kernel size, stride, padding and dilation.
//
// Each sample's input is copied once into a zero-padded buffer whose columns are split
// by phase modulo the column stride (see conv_direct.cc), so that under every tap a run of
// consecutive output pixels reads consecutive floats. The loops (simd/conv_direct_loops.h)
// then hold a tile of (output channels x pixel vectors) in registers:
//   forward:          out tile += w[oc, tap] (broadcast) * the tap's input vector, over the taps
//   backward input:   the adjoint: padded gradient += w * gradOut, then copied back
//   backward weight:  gradW[oc, tap] = sum over the batch and pixels of gradOut * the tap's input,
//                     per sample in float vectors, summed over samples in double.
//
// Results do not depend on the thread count: outputs are computed by one fixed sequence of
// operations, and each weight-gradient element sums the samples in order.
// The functions never throw; they return false only if scratch memory could not be had.
#pragma once

#include <cstdint>

#include "../context.h"
#include "conv.h"

namespace lattice {

// Most input channels the direct small-channel kernels take.
constexpr int64_t kDirectSmallCMaxChannels = 4;

// Whether the direct small-channel kernels take this geometry (groups 1, 1..4 input channels, non-empty).
bool directSmallCApplies(const ConvGeometry& g);

// The three passes of a convolution, which the table (conv_direct_table.h) measures separately:
// both algorithms are exact, so each pass may take the faster one.

// Whether the compiled-in table (conv_direct_table.h) prefers them to im2col + GEMM for this pass.
bool directSmallCPreferred(const ConvGeometry& g, ConvPass pass);

// relu: out = max(conv + bias, 0).
bool directSmallCForward(Context& ctx, const float* x, const float* weight, const float* bias, float* out,
                         const ConvGeometry& g, bool relu = false);
bool directSmallCBackwardInput(Context& ctx, const float* gradOut, const float* weight, float* gradInput,
                               const ConvGeometry& g);
bool directSmallCBackwardWeight(Context& ctx, const float* x, const float* gradOut, float* gradWeight,
                                const ConvGeometry& g);

}  // namespace lattice

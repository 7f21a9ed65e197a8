// Winograd F(4x4, 3x3) convolution, float32, NCHW: the 3x3, stride 1, dilation 1,
// groups 1 case of conv.h, with 36 multiplies per 4x4 output tile and channel pair
// instead of 144 (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks").
//
//   forward:          out = A^T [ U (.) V ] A + bias,  U = G w G^T (per filter),  V = B^T d B (per input tile)
//   backward input:   the same algorithm on gradOut, with the filter flipped and its
//                     channel axes swapped and the padding 2 - pad (a "full" correlation)
//   backward weight:  gradW = G^T [ sum over tiles of V (.) (A gradY A^T) ] G
// The element-wise products over channels are, per Winograd point xi (36 of them), GEMMs
//   [tiles x C] @ [C x O]  (forward)        [C x tiles] @ [tiles x O]  (weight gradient).
//
// The filter transform U is a separate step (winogradFilter) so that the caller can keep
// it while the weight is unchanged. Its layout, [36][inChannels][outChannels] float32, is
// the same for every ISA.
//
// Accuracy: U and the final weight-gradient transform are computed in double; the rest in
// float32. F(4x4, 3x3) loses about one decimal digit against the direct algorithm (the
// transforms have entries up to 8 and 1/24); test/kernels/winograd.test.ts measures it.
//
// Results do not depend on the thread count: outputs are computed tile by tile with a
// fixed arithmetic, and the weight gradient sums fixed groups of tiles in a fixed order.
// The functions never throw; they return false only if scratch memory could not be had.
#pragma once

#include <cstdint>

#include "../context.h"
#include "conv.h"

namespace lattice {

// Whether the Winograd kernels take this geometry (3x3, stride 1, dilation 1, groups 1, padding <= 2).
bool winogradApplies(const ConvGeometry& g);

// Columns of a transformed filter's panels on this ISA (its products' micro-kernel's NR): the
// filter's layout, which the caller keys a kept filter on.
int winogradFilterPanel(Isa isa);

// Number of floats of a transformed filter on this ISA: 36 * a * roundUp(b, panel), with
// (a, b) = (c, o) forward and (o, c) transposed (see winogradFilter).
int64_t winogradFilterSize(const ConvGeometry& g, bool transposed, Isa isa);

// U = G w G^T for weight [o, c, 3, 3], laid out as the B panels of the products' micro-kernel,
// so that every call reads it as it is (packing it per call cost as much as the products on
// ResNet-18's 4x4 layer: 9.4 MB copied for 32 tiles): U[xi][p][a][j] = (G w G^T)[xi][a][p*panel + j],
// 0 past b. transposed = false: a = c, b = o, for the forward; true: a = o, b = c, of the
// flipped filter, for the input gradient.
void winogradFilter(Context& ctx, const float* weight, const ConvGeometry& g, bool transposed, float* U);

// relu: out = max(conv + bias, 0), applied in the output transform (conv + bias + ReLU fused).
bool winogradForward(Context& ctx, const float* x, const float* U, const float* bias, float* out, const ConvGeometry& g,
                     bool relu = false);
// Ut: winogradFilter(..., transposed = true).
bool winogradBackwardInput(Context& ctx, const float* gradOut, const float* Ut, float* gradInput, const ConvGeometry& g);
bool winogradBackwardWeight(Context& ctx, const float* x, const float* gradOut, float* gradWeight, const ConvGeometry& g);

// Size classes of the algorithm tables: channels <= 16, <= 64, <= 256, larger; the output's
// smaller side <= 8, <= 16, <= 32, larger (conv_direct_table.h), and for Winograd's table
// (conv_algo_table.h) <= 2, <= 4, <= 8, <= 16, <= 32, larger: a ResNet's 2x2 and 4x4 planes get
// classes of their own. A 2x2 output fills a quarter of its 4x4 tile and a 4x4 one all of it: at
// 256 channels and batch 32 Winograd ran 3x faster than direct on 4x4 and slower on 2x2, so one
// class for both gave the 4x4 layer the direct algorithm.
int convChannelClass(int64_t channels);
int convSpatialClass(int64_t side);
int winogradSpatialClass(int64_t side);

// Whether the compiled-in table (conv_algo_table.h) prefers Winograd for this pass of this
// geometry at one thread.
bool winogradPreferred(const ConvGeometry& g, ConvPass pass);

}  // namespace lattice

// Tile transforms of the Winograd F(4x4, 3x3) convolution (kernels/winograd.cc), compiled
// per ISA: simd/<isa>/winograd_<isa>.cc includes winograd_loops_impl.h inside its own
// namespace, where the loops over kWinogradLanes channels become that ISA's vectors
// (AVX-512: one zmm per row, AVX2: two ymm, scalar build: SSE2). Every loop is a fixed
// sequence of adds and multiplies per lane, so each ISA gives the same value per lane
// whatever the tile's position or the thread that runs it.
//
// Layout: the 16 lanes are 16 consecutive channels, contiguous in memory. A tile point
// (row r, column x) of a source sits at src + r*rowStride + x*colStride; Winograd point
// xi = 6*i + j of a destination at dst + xi*xiStride.
#pragma once

#include <cstdint>
#include <cstring>

#include "../cpu.h"

namespace lattice {
namespace simd {

constexpr int kWinogradLanes = 16;

struct WinogradLoops {
  // dst[xi] = (B^T d B)[i][j] for the 6x6 input tile d.
  void (*inputTile)(const float* src, int64_t rowStride, int64_t colStride, float* dst, int64_t xiStride);
  // out[(4*y + x)*16 + lane] = (A^T m A)[y][x] + bias[lane] for the 36 points m (bias may be null),
  // then max(., 0) if relu (the fused conv + bias + ReLU epilogue).
  void (*outputTile)(const float* src, int64_t xiStride, const float* bias, bool relu, float* out);
  // dst[xi] = (A dy A^T)[i][j] for the 4x4 output-gradient tile dy: the adjoint of outputTile,
  // which the weight gradient needs.
  void (*gradTile)(const float* src, int64_t rowStride, int64_t colStride, float* dst, int64_t xiStride);
  // dst[x*dstStride + l] = src[l*laneStride + x] for x < count: `lanes` (1..16) NCHW rows of
  // consecutive channels gathered into channel-innermost vectors, lanes past `lanes` 0.
  void (*packLanes)(const float* src, int64_t laneStride, int64_t lanes, int64_t count, float* dst, int64_t dstStride);
  // dst[l*laneStride + y*rowStride + x] = tile[(4*y + x)*16 + l] for l < lanes, y < ys, x < xs:
  // the inverse gather, an outputTile result stored to NCHW (ys, xs <= 4 at the edges).
  void (*unpackTile)(const float* tile, int64_t lanes, int64_t ys, int64_t xs, float* dst, int64_t laneStride,
                     int64_t rowStride);
  // u[(6*i + j)*16 + l] = (G f_l G^T)[i][j] for 16 filters, in double: f[(3*y + x)*16 + l] is tap (y, x)
  // of filter l. Filter by filter (one lane), the same operations in the same order as on
  // every ISA; the loops over l are what the vector units take.
  void (*filterTransforms)(const double* f, double* u);
};

// Filters per filterTransforms call.
constexpr int kWinogradFilterRun = 16;

namespace scalar {
const WinogradLoops& winogradLoops();
}
#if defined(LATTICE_X86)
namespace avx2 {
const WinogradLoops& winogradLoops();
}
namespace avx512 {
const WinogradLoops& winogradLoops();
}
#endif

inline const WinogradLoops& winogradLoopsFor(Isa isa) {
#if defined(LATTICE_X86)
  if (isa == Isa::Avx512) return avx512::winogradLoops();
  if (isa == Isa::Avx2) return avx2::winogradLoops();
#endif
  (void)isa;
  return scalar::winogradLoops();
}

}  // namespace simd
}  // namespace lattice

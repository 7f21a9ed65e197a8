// Inner loops of the implicit-GEMM convolution (kernels/conv_implicit.cc), AVX-512 fp32 only.
//
// The convolution is a GEMM whose A operand is never built: C[p, j] = sum_t A[p, t] * B[t, j]
// with A[p, t] = rows[p][off[t]], where rows[p] points at output position p's first tap in a
// (padded) input and off[t] is tap t's offset from there, the same for every position. The
// micro-kernel broadcasts A from those scattered addresses (a stride-2 gather costs nothing
// there) and multiplies by vectors of B, which is packed once per call: 64 output channels a
// sliver, B[t * 64 + j]. No im2col columns are written and read back, and the packed operand
// is the weight, packed once for the whole batch (im2col + GEMM packs both every call).
// Tile: 6 positions x 64 channels = 24 accumulators, 4 B vectors and 6 broadcasts per tap.
//
// Every C element is one FMA chain over t in order: the result does not depend on which
// thread runs a tile or how positions are grouped into tiles.
#pragma once

#include <cstdint>

namespace lattice {
namespace simd {

constexpr int kImplicitMr = 6;   // positions per tile
constexpr int kImplicitNr = 64;  // output channels per tile (one packed sliver)

#if defined(LATTICE_X86)
namespace avx512 {
// c[i * ldc + j] (+ c's old value if accumulate) += sum_{t < kc} rows[i][off[t]] * b[t * 64 + j], i < 6, j < 64.
void implicitConvTile(const float* const* rows, const int32_t* off, int64_t kc, const float* b, float* c, int64_t ldc,
                      bool accumulate);
// dst[j * dstStride + i] = epilogue(c[i * ldc + j] + (bias ? bias[j] : 0)) for i < n, j < channels;
// epilogue is max(., 0) when relu, else the identity. dst rows (channels) are dstStride apart,
// positions consecutive.
void implicitConvStoreTransposed(const float* c, int64_t ldc, int64_t n, int64_t channels, const float* bias, bool relu,
                                 float* dst, int64_t dstStride);
// The same for the two column phases of a stride-2 input gradient, whose positions alternate in dst:
// for rows r < rows, dst[rowOffset[r] + j * dstStride + 2i] = even[(r * nEven + i) * ldc + j] (i < nEven)
// and dst[rowOffset[r] + j * dstStride + 2i + 1] = odd[(r * nOdd + i) * ldc + j] (i < nOdd), j < channels,
// nEven - nOdd being 0 or 1. Short rows of equal halves (nEven | 16) share their transposes.
void implicitConvStoreInterleaved(const float* even, const float* odd, int64_t ldc, int64_t rows, int64_t nEven,
                                  int64_t nOdd, int64_t channels, float* dst, const int64_t* rowOffset, int64_t dstStride);
// dst[r * dstStride + c] = src[r * srcStride + c] for r < rows, c < cols (a copy of a block of rows).
void implicitConvCopyRows(const float* src, int64_t srcStride, float* dst, int64_t dstStride, int64_t rows, int64_t cols);
}  // namespace avx512
#endif

}  // namespace simd
}  // namespace lattice

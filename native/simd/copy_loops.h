// The inner loops of the strided copy (kernels/copy_strided.cc), compiled per ISA: transposed
// blocks, contiguous runs and broadcast fills. simd/<isa>/copy_<isa>.cc defines its full W x W
// tile (AVX-512: 16 x 16 floats and 8 x 8 doubles in zmm registers; AVX2: 8 x 8 and 4 x 4 in
// ymm, the first shuffle stage done by 128-bit loads; scalar: plain loops) and its run copy
// (four vectors a step; memcpy on the baseline), and builds the table from copy_loops_impl.h,
// which walks a block tile by tile, copies the ragged edges element by element and fills runs
// with a plain loop the compiler vectorises.
//
// A block is `rows` x `cols`: dst[a * dstStride + b] = src[b * srcStride + a] for a < rows,
// b < cols, so src is read along a (contiguous) and dst written along b (contiguous). The
// elements are moved as bits (4-byte float and int32 alike, 1-byte bool): every ISA gives
// the same bytes.
#pragma once

#include <cstdint>

#include "../cpu.h"

namespace lattice {
namespace simd {

struct CopyLoops {
  void (*transpose1)(const void* src, int64_t srcStride, void* dst, int64_t dstStride, int64_t rows, int64_t cols);
  void (*transpose4)(const void* src, int64_t srcStride, void* dst, int64_t dstStride, int64_t rows, int64_t cols);
  void (*transpose8)(const void* src, int64_t srcStride, void* dst, int64_t dstStride, int64_t rows, int64_t cols);
  // Tile width in elements of 1, 4 and 8 bytes: the caller's blocks are a multiple of it tall.
  int tile1, tile4, tile8;
  // bytes from src to dst (a contiguous run; the two do not overlap)
  void (*copyRun)(const void* src, void* dst, int64_t bytes);
  // dst[0, n) = *value (expand's broadcast runs)
  void (*fill1)(void* dst, const void* value, int64_t n);
  void (*fill4)(void* dst, const void* value, int64_t n);
  void (*fill8)(void* dst, const void* value, int64_t n);

  void transpose(int elemSize, const void* src, int64_t srcStride, void* dst, int64_t dstStride, int64_t rows,
                 int64_t cols) const {
    if (elemSize == 4) transpose4(src, srcStride, dst, dstStride, rows, cols);
    else if (elemSize == 8) transpose8(src, srcStride, dst, dstStride, rows, cols);
    else transpose1(src, srcStride, dst, dstStride, rows, cols);
  }
  int tile(int elemSize) const { return elemSize == 4 ? tile4 : elemSize == 8 ? tile8 : tile1; }
  void fill(int elemSize, void* dst, const void* value, int64_t n) const {
    if (elemSize == 4) fill4(dst, value, n);
    else if (elemSize == 8) fill8(dst, value, n);
    else fill1(dst, value, n);
  }
};

namespace scalar {
const CopyLoops& copyLoops();
}
#if defined(LATTICE_X86)
namespace avx2 {
const CopyLoops& copyLoops();
}
namespace avx512 {
const CopyLoops& copyLoops();
}
#endif

inline const CopyLoops& copyLoopsFor(Isa isa) {
#if defined(LATTICE_X86)
  if (isa == Isa::Avx512) return avx512::copyLoops();
  if (isa == Isa::Avx2) return avx2::copyLoops();
#endif
  (void)isa;
  return scalar::copyLoops();
}

}  // namespace simd
}  // namespace lattice

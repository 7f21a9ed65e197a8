// The 2x2, stride-2 max-pool plane loops and the 3x3, stride-2 interior (kernels/pool.cc), compiled per ISA:
// simd/<isa>/pool_<isa>.cc includes pool_loops_impl.h inside its own namespace, where the
// plain loops over a row's windows become that ISA's vectors (the stride-2 taps are
// de-interleaved with shuffles; the baseline SSE2 build has few). Every window is computed
// by the same comparisons and bit selections on every ISA, so the results are bitwise the
// same whichever runs.
//
// The AVX-512 ISA runs the AVX2 build for float64: GCC 12's AVX-512 code
// for these loops (mask registers for the selects) ran 2-5x slower than its AVX2 code, and
// slower than SSE2 (W3's [64, 32, 26, 26] pool, 1 thread: forward 1.10 ms against AVX2's 0.43
// and SSE2's 0.65; backward 2.18 against 0.56 and 0.70). Its float 2x2 loops and 3x3 interior
// are written in intrinsics instead (simd/avx512/pool_avx512.cc).
#pragma once

#include <cstdint>
#include <type_traits>

#include "../cpu.h"
#include "../kernels/pool.h"

namespace lattice {
namespace simd {

struct PoolLoops {
  // One plane: out = the max of each 2x2 window (maxTap's rule: the last NaN, else the first
  // maximal tap), relu(max) if relu; indices (may be null; never with relu) = its flat position;
  // taps (may be null; never with indices) = its tap code (kMaxPoolTapBlocked where relu and
  // the max is not > 0).
  void (*maxPool2x2F32)(const float* in, float* out, int32_t* indices, uint8_t* taps, bool relu, const PoolGeometry& g);
  void (*maxPool2x2F64)(const double* in, double* out, int32_t* indices, uint8_t* taps, bool relu, const PoolGeometry& g);
  // One plane of the input gradient from the forward's tap codes, written whole: gradOut at each
  // window's max, 0 elsewhere (all four 0 where the code is kMaxPoolTapBlocked).
  void (*maxPool2x2BackwardF32)(const uint8_t* taps, const float* gradOut, float* gradIn, const PoolGeometry& g);
  void (*maxPool2x2BackwardF64)(const uint8_t* taps, const double* gradOut, double* gradIn, const PoolGeometry& g);
  // One plane's 3x3, stride-2, dilation-1 windows that lie wholly inside the input: output rows
  // [y0, y1) x columns [x0, x1) (maxTap's rule; indices may be null). The caller does the border.
  void (*maxPool3x3s2F32)(const float* in, float* out, int32_t* indices, const PoolGeometry& g, int64_t y0, int64_t y1,
                          int64_t x0, int64_t x1);
  void (*maxPool3x3s2F64)(const double* in, double* out, int32_t* indices, const PoolGeometry& g, int64_t y0, int64_t y1,
                          int64_t x0, int64_t x1);
  // The float loop takes border windows too (padding taps skipped, as the generic loop does):
  // the caller then passes the whole plane.
  bool maxPool3x3s2F32WholePlane = false;

  void maxPool2x2(const float* in, float* out, int32_t* indices, uint8_t* taps, bool relu, const PoolGeometry& g) const {
    maxPool2x2F32(in, out, indices, taps, relu, g);
  }
  void maxPool2x2(const double* in, double* out, int32_t* indices, uint8_t* taps, bool relu, const PoolGeometry& g) const {
    maxPool2x2F64(in, out, indices, taps, relu, g);
  }
  void maxPool2x2Backward(const uint8_t* taps, const float* go, float* gi, const PoolGeometry& g) const {
    maxPool2x2BackwardF32(taps, go, gi, g);
  }
  void maxPool2x2Backward(const uint8_t* taps, const double* go, double* gi, const PoolGeometry& g) const {
    maxPool2x2BackwardF64(taps, go, gi, g);
  }
  void maxPool3x3s2(const float* in, float* out, int32_t* indices, const PoolGeometry& g, int64_t y0, int64_t y1, int64_t x0,
                    int64_t x1) const {
    maxPool3x3s2F32(in, out, indices, g, y0, y1, x0, x1);
  }
  void maxPool3x3s2(const double* in, double* out, int32_t* indices, const PoolGeometry& g, int64_t y0, int64_t y1, int64_t x0,
                    int64_t x1) const {
    maxPool3x3s2F64(in, out, indices, g, y0, y1, x0, x1);
  }
  template <typename T>
  bool maxPool3x3s2WholePlane() const { return std::is_same_v<T, float> && maxPool3x3s2F32WholePlane; }
};

namespace scalar {
const PoolLoops& poolLoops();
}
#if defined(LATTICE_X86)
namespace avx2 {
const PoolLoops& poolLoops();
}
namespace avx512 {
const PoolLoops& poolLoops();
}
#endif

inline const PoolLoops& poolLoopsFor(Isa isa) {
#if defined(LATTICE_X86)
  if (isa == Isa::Avx512) return avx512::poolLoops();
  if (isa == Isa::Avx2) return avx2::poolLoops();
#endif
  (void)isa;
  return scalar::poolLoops();
}

}  // namespace simd
}  // namespace lattice

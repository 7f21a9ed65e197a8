// Direct small-channel convolution loops for the avx512 build (see simd/conv_direct_loops.h).
#include <algorithm>

#include "../conv_direct_loops.h"
#include "../in_register.h"
#include "intrinsics.h"

namespace lattice {
namespace simd {
namespace avx512 {
namespace {

struct Vec {
  using R = __m512;
  static constexpr int kLanes = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, R v) { _mm512_storeu_ps(p, v); }
  static R set1(float f) { return _mm512_set1_ps(f); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R max(R a, R b) { return _mm512_max_ps(a, b); }
  // Compress / expand in registers and a masked contiguous store / load (the memory forms of
  // vcompressps are slow on some cores).
  static constexpr bool kLaneOps = true;
  static void storeLanes(float* dst, R v, uint32_t mask) {
    const __mmask16 run = __mmask16((1u << __builtin_popcount(mask)) - 1);
    _mm512_mask_storeu_ps(dst, run, _mm512_maskz_compress_ps(__mmask16(mask), v));
  }
  static R loadLanes(const float* src, uint32_t mask) {
    const __mmask16 run = __mmask16((1u << __builtin_popcount(mask)) - 1);
    return _mm512_maskz_expand_ps(__mmask16(mask), _mm512_maskz_loadu_ps(run, src));
  }
};
// 8 channels x 2 vectors = 16 of the 32 zmm registers accumulate; 3 x 9 for the weight gradient
// (a 3x3 kernel's taps per input channel).
constexpr int kForwardVectors = 2, kForwardBlock = 8, kWeightBlock = 3, kWeightTaps = 9;

}  // namespace

#include "../conv_direct_loops_impl.h"

}  // namespace avx512
}  // namespace simd
}  // namespace lattice

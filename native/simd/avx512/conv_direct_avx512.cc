// Direct small-channel convolution loops for the avx512 build (see simd/conv_direct_loops.h).
#include <algorithm>

#include "../conv_direct_loops.h"
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
};
// 8 channels x 2 vectors = 16 of the 32 zmm registers accumulate; 2 x 12 for the weight gradient.
constexpr int kForwardVectors = 2, kForwardBlock = 8, kWeightBlock = 2, kWeightTaps = 12;

}  // namespace

#include "../conv_direct_loops_impl.h"

}  // namespace avx512
}  // namespace simd
}  // namespace lattice

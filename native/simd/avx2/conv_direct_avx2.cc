// Direct small-channel convolution loops for the avx2 build (see simd/conv_direct_loops.h).
#include <immintrin.h>

#include <algorithm>

#include "../conv_direct_loops.h"
#include "../in_register.h"

namespace lattice {
namespace simd {
namespace avx2 {
namespace {

struct Vec {
  using R = __m256;
  static constexpr bool kLaneOps = false;
  static constexpr int kLanes = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, R v) { _mm256_storeu_ps(p, v); }
  static R set1(float f) { return _mm256_set1_ps(f); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R max(R a, R b) { return _mm256_max_ps(a, b); }
};
// 16 ymm registers: 4 channels x 2 vectors accumulate; 2 x 6 for the weight gradient.
constexpr int kForwardVectors = 2, kForwardBlock = 4, kWeightBlock = 2, kWeightTaps = 6;

}  // namespace

#include "../conv_direct_loops_impl.h"

}  // namespace avx2
}  // namespace simd
}  // namespace lattice

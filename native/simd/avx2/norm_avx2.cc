// Normalisation loops on AVX2 vectors of 8 floats and 4 doubles (see simd/norm_loops.h).
#include <immintrin.h>

#include <cstdint>

#include "../norm_loops.h"

namespace lattice {
namespace simd {
namespace avx2 {

#include "../norm_loops_impl.h"
#include "../norm_loops_f64_impl.h"
#include "../norm_loops_f32_impl.h"

struct Vec4d {
  using T = double;
  using R = __m256d;
  static constexpr int kWidth = 4;
  static constexpr bool kParts = false;
  static R zero() { return _mm256_setzero_pd(); }
  static R set1(double d) { return _mm256_set1_pd(d); }
  static R load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, R v) { _mm256_storeu_pd(p, v); }
  static void storeStream(double* p, R v) { store(p, v); }
  static void fence() {}
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static R sub(R a, R b) { return _mm256_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm256_mul_pd(a, b); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static double hsum(R v) {
    // (l0 + l2) + (l1 + l3)
    const __m128d pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
  }
};

struct Vec8f {
  using T = float;
  using R = __m256;
  static constexpr int kWidth = 8;
  static constexpr bool kParts = false;
  static R zero() { return _mm256_setzero_ps(); }
  static R set1(float f) { return _mm256_set1_ps(f); }
  static R load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, R v) { _mm256_storeu_ps(p, v); }
  static void storeStream(float* p, R v) { store(p, v); }
  static void fence() {}
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R sub(R a, R b) { return _mm256_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static double hsum(R v) {
    // lanes 0-3 plus lanes 4-7 in double, then those 4 lanes
    const __m256d lo = _mm256_cvtps_pd(_mm256_castps256_ps128(v));
    const __m256d hi = _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1));
    return Vec4d::hsum(_mm256_add_pd(lo, hi));
  }
};

const NormLoops<float>& normLoopsF32() {
  static const NormLoops<float> table = f32NormLoops<Vec8f>();
  return table;
}

const NormLoops<double>& normLoopsF64() {
  static const NormLoops<double> table = f64NormLoops<Vec4d>();
  return table;
}

}  // namespace avx2
}  // namespace simd
}  // namespace lattice

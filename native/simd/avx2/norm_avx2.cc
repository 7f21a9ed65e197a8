// Normalisation loops on AVX2 vectors of 4 doubles (see simd/norm_loops.h).
#include <immintrin.h>

#include <cstdint>

#include "../norm_loops.h"

namespace lattice {
namespace simd {
namespace avx2 {

#include "../norm_loops_impl.h"

struct Vec4d {
  using R = __m256d;
  static constexpr int kWidth = 4;
  static R zero() { return _mm256_setzero_pd(); }
  static R set1(double d) { return _mm256_set1_pd(d); }
  static R load(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }
  static R load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(float* p, R v) { _mm_storeu_ps(p, _mm256_cvtpd_ps(v)); }
  static void store(double* p, R v) { _mm256_storeu_pd(p, v); }
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

LATTICE_NORM_DEFINE_TABLES(Vec4d)

}  // namespace avx2
}  // namespace simd
}  // namespace lattice

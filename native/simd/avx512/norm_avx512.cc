// Normalisation loops on AVX-512 vectors of 8 doubles (see simd/norm_loops.h).
// GCC 12 flags the deliberately undefined pass-through operand inside the AVX-512
// intrinsics as "(maybe) uninitialized" once they are inlined; it is not.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cstdint>

#include "../norm_loops.h"

namespace lattice {
namespace simd {
namespace avx512 {

#include "../norm_loops_impl.h"

struct Vec8d {
  using R = __m512d;
  static constexpr int kWidth = 8;
  static R zero() { return _mm512_setzero_pd(); }
  static R set1(double d) { return _mm512_set1_pd(d); }
  static R load(const float* p) { return _mm512_cvtps_pd(_mm256_loadu_ps(p)); }
  static R load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(float* p, R v) { _mm256_storeu_ps(p, _mm512_cvtpd_ps(v)); }
  static void store(double* p, R v) { _mm512_storeu_pd(p, v); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static R sub(R a, R b) { return _mm512_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static double hsum(R v) { return _mm512_reduce_add_pd(v); }
};

LATTICE_NORM_DEFINE_TABLES(Vec8d)

}  // namespace avx512
}  // namespace simd
}  // namespace lattice

// Attention loops on AVX2 vectors of 8 floats and 4 doubles (see simd/attention_loops.h).
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "../attention_loops.h"

namespace lattice {
namespace simd {
namespace avx2 {

#include "../attention_loops_impl.h"

struct AttnVec8f {
  using T = float;
  using R = __m256;
  static constexpr int kChunk = 2;
  static constexpr int kWidth = 8;
  static R zero() { return _mm256_setzero_ps(); }
  static R set1(float v) { return _mm256_set1_ps(v); }
  static R load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, R v) { _mm256_storeu_ps(p, v); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static R sub(R a, R b) { return _mm256_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R max(R a, R b) { return _mm256_max_ps(a, b); }
  static R min(R a, R b) { return _mm256_min_ps(a, b); }
  static float hsum(R v) {
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
  }
  static float hmax(R v) {
    const __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 t = _mm_max_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_max_ss(t, _mm_shuffle_ps(t, t, 1)));
  }
  static R roundNearest(R v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // 2^n built in the exponent field: n is integral and within [-126, 127] after the clamp.
  static R pow2Scale(R p, R n) {
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
  }
  static R zeroWhereBelow(R v, R x, float lo) { return _mm256_and_ps(v, _mm256_cmp_ps(x, _mm256_set1_ps(lo), _CMP_NLT_UQ)); }
  static R exp(R x) { return expByTaylor<AttnVec8f>(x); }
};

struct AttnVec4d {
  using T = double;
  using R = __m256d;
  static constexpr int kChunk = 2;
  static constexpr int kWidth = 4;
  static R zero() { return _mm256_setzero_pd(); }
  static R set1(double v) { return _mm256_set1_pd(v); }
  static R load(const double* p) { return _mm256_loadu_pd(p); }
  static void store(double* p, R v) { _mm256_storeu_pd(p, v); }
  static R add(R a, R b) { return _mm256_add_pd(a, b); }
  static R sub(R a, R b) { return _mm256_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm256_mul_pd(a, b); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_pd(a, b, c); }
  static R max(R a, R b) { return _mm256_max_pd(a, b); }
  static R min(R a, R b) { return _mm256_min_pd(a, b); }
  static double hsum(R v) {
    const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
  }
  static double hmax(R v) {
    const __m128d s = _mm_max_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_max_sd(s, _mm_unpackhi_pd(s, s)));
  }
  static R roundNearest(R v) { return _mm256_round_pd(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // 2^n: adding 1.5 * 2^52 puts the integer n in the low mantissa bits; (n + 1023) << 52 is then
  // the exponent field (n within [-1022, 1023] after the clamp).
  static R pow2Scale(R p, R n) {
    const __m256i t = _mm256_castpd_si256(_mm256_add_pd(n, _mm256_set1_pd(6755399441055744.0)));
    const __m256i bits = _mm256_slli_epi64(_mm256_add_epi64(t, _mm256_set1_epi64x(1023)), 52);
    return _mm256_mul_pd(p, _mm256_castsi256_pd(bits));
  }
  static R zeroWhereBelow(R v, R x, double lo) { return _mm256_and_pd(v, _mm256_cmp_pd(x, _mm256_set1_pd(lo), _CMP_NLT_UQ)); }
  static R exp(R x) { return expByTaylor<AttnVec4d>(x); }
};

const AttentionLoops<float>& attentionLoopsF32() {
  static const AttentionLoops<float> table = attentionLoops<AttnVec8f>();
  return table;
}

const AttentionLoops<double>& attentionLoopsF64() {
  static const AttentionLoops<double> table = attentionLoops<AttnVec4d>();
  return table;
}

}  // namespace avx2
}  // namespace simd
}  // namespace lattice

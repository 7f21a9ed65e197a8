// Attention loops on AVX-512 vectors of 16 floats and 8 doubles (see simd/attention_loops.h).
#include "intrinsics.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "../attention_loops.h"

namespace lattice {
namespace simd {
namespace avx512 {

#include "../attention_loops_impl.h"

struct AttnVec16f {
  using T = float;
  using R = __m512;
  static constexpr int kChunk = 4;
  static constexpr int kWidth = 16;
  static R zero() { return _mm512_setzero_ps(); }
  static R set1(float v) { return _mm512_set1_ps(v); }
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, R v) { _mm512_storeu_ps(p, v); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R sub(R a, R b) { return _mm512_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R max(R a, R b) { return _mm512_max_ps(a, b); }
  static R min(R a, R b) { return _mm512_min_ps(a, b); }
  static float hsum(R v) { return _mm512_reduce_add_ps(v); }
  static float hmax(R v) { return _mm512_reduce_max_ps(v); }
  static R roundNearest(R v) { return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static R pow2Scale(R p, R n) { return _mm512_scalef_ps(p, n); }
  static R zeroWhereBelow(R v, R x, float lo) {
    return _mm512_maskz_mov_ps(~_mm512_cmp_ps_mask(x, _mm512_set1_ps(lo), _CMP_LT_OQ), v);
  }
  static R exp(R x) { return expByTaylor<AttnVec16f>(x); }
};

struct AttnVec8d {
  using T = double;
  using R = __m512d;
  static constexpr int kChunk = 4;
  static constexpr int kWidth = 8;
  static R zero() { return _mm512_setzero_pd(); }
  static R set1(double v) { return _mm512_set1_pd(v); }
  static R load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(double* p, R v) { _mm512_storeu_pd(p, v); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static R sub(R a, R b) { return _mm512_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static R max(R a, R b) { return _mm512_max_pd(a, b); }
  static R min(R a, R b) { return _mm512_min_pd(a, b); }
  static double hsum(R v) { return _mm512_reduce_add_pd(v); }
  static double hmax(R v) { return _mm512_reduce_max_pd(v); }
  static R roundNearest(R v) { return _mm512_roundscale_pd(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static R pow2Scale(R p, R n) { return _mm512_scalef_pd(p, n); }
  static R zeroWhereBelow(R v, R x, double lo) {
    return _mm512_maskz_mov_pd(static_cast<__mmask8>(~_mm512_cmp_pd_mask(x, _mm512_set1_pd(lo), _CMP_LT_OQ)), v);
  }
  static R exp(R x) { return expByTaylor<AttnVec8d>(x); }
};

const AttentionLoops<float>& attentionLoopsF32() {
  static const AttentionLoops<float> table = attentionLoops<AttnVec16f>();
  return table;
}

const AttentionLoops<double>& attentionLoopsF64() {
  static const AttentionLoops<double> table = attentionLoops<AttnVec8d>();
  return table;
}

}  // namespace avx512
}  // namespace simd
}  // namespace lattice

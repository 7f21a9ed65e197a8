// Normalisation loops on AVX-512 vectors of 16 floats and 8 doubles (see simd/norm_loops.h).
#include "intrinsics.h"

#include <cstdint>

#include "../norm_loops.h"

namespace lattice {
namespace simd {
namespace avx512 {

#include "../norm_loops_impl.h"
#include "../norm_loops_f64_impl.h"
#include "../norm_loops_f32_impl.h"

struct Vec8d {
  using T = double;
  using R = __m512d;
  static constexpr int kWidth = 8;
  static constexpr bool kParts = true;
  struct Part;
  static R zero() { return _mm512_setzero_pd(); }
  static R set1(double d) { return _mm512_set1_pd(d); }
  static R load(const double* p) { return _mm512_loadu_pd(p); }
  static void store(double* p, R v) { _mm512_storeu_pd(p, v); }
  static void storeStream(double* p, R v) { _mm512_stream_pd(p, v); }  // p: a line start (normEach)
  static void fence() { _mm_sfence(); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static R sub(R a, R b) { return _mm512_sub_pd(a, b); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_pd(a, b, c); }
  static double hsum(R v) { return _mm512_reduce_add_pd(v); }
  // Lanes [s, 8) of a, then lanes [0, s) of b.
  static R shiftIn(R a, R b, int64_t s) {
    const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
    return _mm512_permutex2var_pd(a, _mm512_add_epi64(lane, _mm512_set1_epi64(s)), b);
  }
};

// Lanes [lo, hi) of a vector: loads fill the others with 0, stores leave them alone.
struct Vec8d::Part : Vec8d {
  __mmask8 mask;
  Part(int64_t lo, int64_t hi) : mask(static_cast<__mmask8>((1u << hi) - (1u << lo))) {}
  R load(const double* p) const { return _mm512_maskz_loadu_pd(mask, p); }
  void store(double* p, R v) const { _mm512_mask_storeu_pd(p, mask, v); }
  void storeStream(double* p, R v) const { store(p, v); }
  // v in this Part's lanes, was elsewhere.
  R merge(R was, R v) const { return _mm512_mask_mov_pd(was, mask, v); }
};

struct Vec16f {
  using T = float;
  using R = __m512;
  static constexpr int kWidth = 16;
  static constexpr bool kParts = true;
  struct Part;
  static R zero() { return _mm512_setzero_ps(); }
  static R set1(float f) { return _mm512_set1_ps(f); }
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, R v) { _mm512_storeu_ps(p, v); }
  static void storeStream(float* p, R v) { _mm512_stream_ps(p, v); }  // p: a line start (normEach)
  // Orders the streaming stores before whatever this thread does next (the pool's join).
  static void fence() { _mm_sfence(); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R sub(R a, R b) { return _mm512_sub_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static double hsum(R v) {
    // lanes 0-7 plus lanes 8-15 in double, then those 8 lanes
    const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
    const __m512d hi = _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1));
    return Vec8d::hsum(_mm512_add_pd(lo, hi));
  }
  // Lanes [s, 16) of a, then lanes [0, s) of b.
  static R shiftIn(R a, R b, int64_t s) {
    const __m512i lane = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    return _mm512_permutex2var_ps(a, _mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int>(s))), b);
  }
};

// Lanes [lo, hi) of a vector: loads fill the others with 0, stores leave them alone.
struct Vec16f::Part : Vec16f {
  __mmask16 mask;
  Part(int64_t lo, int64_t hi) : mask(static_cast<__mmask16>((1u << hi) - (1u << lo))) {}
  R load(const float* p) const { return _mm512_maskz_loadu_ps(mask, p); }
  void store(float* p, R v) const { _mm512_mask_storeu_ps(p, mask, v); }
  void storeStream(float* p, R v) const { store(p, v); }
  // v in this Part's lanes, was elsewhere.
  R merge(R was, R v) const { return _mm512_mask_mov_ps(was, mask, v); }
};

const NormLoops<float>& normLoopsF32() {
  static const NormLoops<float> table = f32NormLoops<Vec16f>();
  return table;
}

const NormLoops<double>& normLoopsF64() {
  static const NormLoops<double> table = f64NormLoops<Vec8d>();
  return table;
}

}  // namespace avx512
}  // namespace simd
}  // namespace lattice

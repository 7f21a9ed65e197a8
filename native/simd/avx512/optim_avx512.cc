// Fused optimizer update loops on AVX-512 (16 floats / 8 doubles) vectors (see simd/optim_loops.h).
// No a*b+c -> FMA contraction: the loops then round exactly where PyTorch's ops and
// the reference kernel do, and native and reference agree bitwise.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma clang fp contract(off)
#endif
#include "intrinsics.h"

#define LATTICE_OPTIM_ISA avx512
#include "../optim_loops.h"

namespace lattice {
namespace simd {
namespace avx512 {

// max(a, b) returns b when either is NaN, as Lane::max does.
struct VecF32 {
  using T = float;
  using R = __m512;
  static constexpr int kWidth = 16;
  static R load(const T* p) { return _mm512_loadu_ps(p); }
  static void store(T* p, R v) { _mm512_storeu_ps(p, v); }
  static R set1(T x) { return _mm512_set1_ps(x); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }
  static R div(R a, R b) { return _mm512_div_ps(a, b); }
  static R sqrt(R a) { return _mm512_sqrt_ps(a); }
  static R max(R a, R b) { return _mm512_max_ps(a, b); }
};

struct VecF64 {
  using T = double;
  using R = __m512d;
  static constexpr int kWidth = 8;
  static R load(const T* p) { return _mm512_loadu_pd(p); }
  static void store(T* p, R v) { _mm512_storeu_pd(p, v); }
  static R set1(T x) { return _mm512_set1_pd(x); }
  static R add(R a, R b) { return _mm512_add_pd(a, b); }
  static R mul(R a, R b) { return _mm512_mul_pd(a, b); }
  static R div(R a, R b) { return _mm512_div_pd(a, b); }
  static R sqrt(R a) { return _mm512_sqrt_pd(a); }
  static R max(R a, R b) { return _mm512_max_pd(a, b); }
};

LATTICE_OPTIM_DEFINE_ENTRY_POINTS()

}  // namespace avx512
}  // namespace simd
}  // namespace lattice

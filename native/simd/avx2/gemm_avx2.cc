// AVX2+FMA GEMM micro-kernels (see simd/gemm_kernels.h for the contract).
//
// Tile 6 x (2 vectors): per k step two B vector loads, six broadcasts of packed A
// and 12 FMAs into 12 accumulators; 12 + 2 + 1 = 15 of the 16 ymm registers.
// Edge tiles (and transposed-C tiles) are computed exactly like full tiles into a
// local MR x NR buffer (holding a copy of the C values when beta != 0) and copied
// out, so the arithmetic per element is the same whatever the tile's position.
#include <immintrin.h>

#include "../gemm_kernels.h"

namespace lattice {
namespace simd {
namespace {

struct Float32x8 {
  using T = float;
  using V = __m256;
  static constexpr int kWidth = 8;
  static V zero() { return _mm256_setzero_ps(); }
  static V set1(T x) { return _mm256_set1_ps(x); }
  static V broadcast(const T* p) { return _mm256_broadcast_ss(p); }
  static V loadAligned(const T* p) { return _mm256_load_ps(p); }
  static V loadu(const T* p) { return _mm256_loadu_ps(p); }
  static void storeu(T* p, V v) { _mm256_storeu_ps(p, v); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
};

struct Float64x4 {
  using T = double;
  using V = __m256d;
  static constexpr int kWidth = 4;
  static V zero() { return _mm256_setzero_pd(); }
  static V set1(T x) { return _mm256_set1_pd(x); }
  static V broadcast(const T* p) { return _mm256_broadcast_sd(p); }
  static V loadAligned(const T* p) { return _mm256_load_pd(p); }
  static V loadu(const T* p) { return _mm256_loadu_pd(p); }
  static void storeu(T* p, V v) { _mm256_storeu_pd(p, v); }
  static V fmadd(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_pd(a, b); }
};

// c[i][.] = alpha*acc[i][.] + beta*c[i][.] for all MR rows and both vectors.
template <typename S, int MR>
inline void storeTile(const typename S::V (&acc)[MR][2], typename S::T* c, int64_t ldc,
                      typename S::T alpha, typename S::T beta) {
  using V = typename S::V;
  constexpr int W = S::kWidth;
  const V va = S::set1(alpha);
  if (beta == 0) {
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      S::storeu(c + i * ldc, S::mul(va, acc[i][0]));
      S::storeu(c + i * ldc + W, S::mul(va, acc[i][1]));
    }
  } else {
    const V vb = S::set1(beta);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const V c0 = S::loadu(c + i * ldc), c1 = S::loadu(c + i * ldc + W);
      S::storeu(c + i * ldc, S::fmadd(va, acc[i][0], S::mul(vb, c0)));
      S::storeu(c + i * ldc + W, S::fmadd(va, acc[i][1], S::mul(vb, c1)));
    }
  }
}

template <typename S, int MR>
void microKernel(int64_t kc, const typename S::T* a, const typename S::T* b,
                 typename S::T* c, int64_t rsC, int64_t csC, typename S::T alpha,
                 typename S::T beta, int mr, int nr) {
  using T = typename S::T;
  using V = typename S::V;
  constexpr int W = S::kWidth, NR = 2 * W;
  V acc[MR][2];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) acc[i][0] = acc[i][1] = S::zero();

#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    const V b0 = S::loadAligned(b), b1 = S::loadAligned(b + W);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const V ai = S::broadcast(a + i);
      acc[i][0] = S::fmadd(ai, b0, acc[i][0]);
      acc[i][1] = S::fmadd(ai, b1, acc[i][1]);
    }
    a += MR;
    b += NR;
  }

  if (csC == 1 && mr == MR && nr == NR) {
    storeTile<S, MR>(acc, c, rsC, alpha, beta);
    return;
  }
  // Edge or transposed tile: gather the live C values, update them with the same
  // vector code, scatter them back.
  alignas(32) T tile[MR * NR] = {};
  if (beta != 0) {
    for (int i = 0; i < mr; ++i) {
      for (int j = 0; j < nr; ++j) tile[i * NR + j] = c[i * rsC + j * csC];
    }
  }
  storeTile<S, MR>(acc, tile, NR, alpha, beta);
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nr; ++j) c[i * rsC + j * csC] = tile[i * NR + j];
  }
}

static_assert(kSgemmAvx2Nr == 2 * Float32x8::kWidth, "fp32 tile is two ymm wide");
static_assert(kDgemmAvx2Nr == 2 * Float64x4::kWidth, "fp64 tile is two ymm wide");

}  // namespace

void sgemmMicroAvx2(int64_t kc, const float* a, const float* b, float* c, int64_t rsC,
                    int64_t csC, float alpha, float beta, int mr, int nr) {
  microKernel<Float32x8, kSgemmAvx2Mr>(kc, a, b, c, rsC, csC, alpha, beta, mr, nr);
}

void dgemmMicroAvx2(int64_t kc, const double* a, const double* b, double* c, int64_t rsC,
                    int64_t csC, double alpha, double beta, int mr, int nr) {
  microKernel<Float64x4, kDgemmAvx2Mr>(kc, a, b, c, rsC, csC, alpha, beta, mr, nr);
}

}  // namespace simd
}  // namespace lattice

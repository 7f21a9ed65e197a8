// AVX2+FMA GEMM micro-kernels and the transposing pack (see simd/gemm_kernels.h).
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
  // Lane i of the mask is on for i < n (n clamped to [0, 8]).
  static __m256i laneMask(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static V maskLoad(const T* p, __m256i m) { return _mm256_maskload_ps(p, m); }
  static void maskStore(T* p, __m256i m, V v) { _mm256_maskstore_ps(p, m, v); }
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
  static __m256i laneMask(int n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static V maskLoad(const T* p, __m256i m) { return _mm256_maskload_pd(p, m); }
  static void maskStore(T* p, __m256i m, V v) { _mm256_maskstore_pd(p, m, v); }
};

// In-register transposes for packing: out[k] = column k of the W x W input.
inline void transpose(__m256 (&r)[8]) {
  __m256 t[8], u[8];
  // Lane-local interleaves: 128-bit half h of u[c] holds rows 0-3 (u[c]) or 4-7
  // (u[4+c]) of column 4h+c.
  for (int p = 0; p < 4; ++p) {
    t[2 * p] = _mm256_unpacklo_ps(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm256_unpackhi_ps(r[2 * p], r[2 * p + 1]);
  }
  for (int g = 0; g < 2; ++g) {
    u[4 * g + 0] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0x44);
    u[4 * g + 1] = _mm256_shuffle_ps(t[4 * g], t[4 * g + 2], 0xEE);
    u[4 * g + 2] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0x44);
    u[4 * g + 3] = _mm256_shuffle_ps(t[4 * g + 1], t[4 * g + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
    r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
  }
}

inline void transpose(__m256d (&r)[4]) {
  const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
  const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
  r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
  r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
  r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
  r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

// dst[k*panel + i] = src[i*ld + k] for i < live, 0 for live <= i < panel, k < kc, by
// W x W blocks transposed in registers and stored as masked panel rows.
template <typename S>
void packTransposed(const typename S::T* src, int64_t ld, int live, int panel, int64_t kc,
                    typename S::T* dst) {
  using V = typename S::V;
  constexpr int W = S::kWidth;
  for (int64_t k0 = 0; k0 < kc; k0 += W) {
    const int width = static_cast<int>(kc - k0 < W ? kc - k0 : W);
    const __m256i loadMask = S::laneMask(width);
    for (int rb = 0; rb < panel; rb += W) {
      V r[W];
      for (int i = 0; i < W; ++i) {
        if (rb + i >= live) {
          r[i] = S::zero();
        } else if (width == W) {
          r[i] = S::loadu(src + (rb + i) * ld + k0);
        } else {
          r[i] = S::maskLoad(src + (rb + i) * ld + k0, loadMask);
        }
      }
      transpose(r);
      const __m256i storeMask = S::laneMask(panel - rb);
      for (int k = 0; k < width; ++k) S::maskStore(dst + (k0 + k) * panel + rb, storeMask, r[k]);
    }
  }
}

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

  // The loop needs 15 of the 16 ymm registers. Left alone, GCC keeps alpha in the
  // 16th and spills an accumulator instead, which puts a store-to-load round trip
  // in every k step (half speed, measured). Parking alpha and beta in memory here
  // and not unrolling k (a second step in flight wants two more B registers) keeps
  // all 12 accumulators in registers.
  asm volatile("" : "+m"(alpha), "+m"(beta));
#pragma GCC unroll 1
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

void sgemmPackTransposedAvx2(const float* src, int64_t ld, int live, int panel, int64_t kc,
                             float* dst) {
  packTransposed<Float32x8>(src, ld, live, panel, kc, dst);
}

void dgemmPackTransposedAvx2(const double* src, int64_t ld, int live, int panel, int64_t kc,
                             double* dst) {
  packTransposed<Float64x4>(src, ld, live, panel, kc, dst);
}

}  // namespace simd
}  // namespace lattice

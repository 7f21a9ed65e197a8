// AVX-512 SGEMM for a narrow op(B) (N <= 12) and a deep K, as dot products along K
// (see simd/gemm_kernels.h, sgemmDotNarrowAvx512).
//
// Why: the register-tile kernels put N on the vector lanes. With N = 10 only 10 of 16
// lanes do work, and every k step needs one broadcast load of A per row: 17 loads per
// 16 FMAs, so the tile runs at the load ports' pace with 10/16 of each FMA useful.
// Here K is on the lanes instead: a vector of 16 consecutive k of one A row meets the
// same 16 k of each op(B) column (op(B) is packed transposed, [N][kpad], zero-padded
// to whole vectors), so all lanes work and two rows share each B load: per 16 k,
// 2 + N loads for 2N FMAs. The price is one horizontal sum per C element at the end,
// done four at a time (fold to 128 bits, then two rounds of hadd).
//
// Each B vector is loaded once for the R rows that use it (see simd/in_register.h).
//
// Each C element is its own lane-wise FMA chain over the k blocks followed by the same
// reduction tree, whichever rows it is computed with, so any row partition gives
// bitwise the same C.
#include "intrinsics.h"

#include "../gemm_kernels.h"
#include "../in_register.h"

namespace lattice {
namespace simd {
namespace {

constexpr int kW = 16;

inline __m128 fold(__m512 v) {
  const __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  return _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
}

// The four lane sums of a, b, c, d.
inline __m128 sum4(__m512 a, __m512 b, __m512 c, __m512 d) {
  return _mm_hadd_ps(_mm_hadd_ps(fold(a), fold(b)), _mm_hadd_ps(fold(c), fold(d)));
}

// The 16 floats of op(B)^T at p, used by R rows' FMAs: kept in a register where R > 1 (see
// simd/in_register.h); with one row, the load folds into its FMA.
template <int R>
inline __m512 loadB(const float* p) {
  const __m512 v = _mm512_load_ps(p);
  if constexpr (R > 1) return inRegister(v);
  return v;
}

// C rows [0, R) x columns [0, N): dot products of R rows of A (stride lda) with the N
// packed columns of bt (stride kpad), K elements each.
template <int N, int R>
void dotRows(int64_t K, const float* a, int64_t lda, const float* bt, int64_t kpad, float* c,
             int64_t ldc, float alpha, float beta) {
  __m512 acc[R][N];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 16
    for (int j = 0; j < N; ++j) acc[r][j] = _mm512_setzero_ps();
  }
  int64_t k = 0;
  for (; k + kW <= K; k += kW) {
    __m512 av[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) av[r] = _mm512_loadu_ps(a + r * lda + k);
#pragma GCC unroll 16
    for (int j = 0; j < N; ++j) {
      const __m512 bv = loadB<R>(bt + j * kpad + k);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) acc[r][j] = _mm512_fmadd_ps(av[r], bv, acc[r][j]);
    }
  }
  if (k < K) {
    // The last K % 16 elements: A with a masked load (never past the row), B is zero-padded.
    const __mmask16 m = static_cast<__mmask16>((1u << (K - k)) - 1);
    __m512 av[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) av[r] = _mm512_maskz_loadu_ps(m, a + r * lda + k);
#pragma GCC unroll 16
    for (int j = 0; j < N; ++j) {
      const __m512 bv = loadB<R>(bt + j * kpad + k);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) acc[r][j] = _mm512_fmadd_ps(av[r], bv, acc[r][j]);
    }
  }
  constexpr int N4 = (N + 3) / 4 * 4;
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    alignas(16) float sums[N4];
#pragma GCC unroll 4
    for (int j = 0; j < N4; j += 4) {
      const __m512 z = _mm512_setzero_ps();
      const __m128 s = sum4(acc[r][j], j + 1 < N ? acc[r][j + 1] : z, j + 2 < N ? acc[r][j + 2] : z,
                            j + 3 < N ? acc[r][j + 3] : z);
      _mm_store_ps(sums + j, s);
    }
    float* row = c + r * ldc;
    for (int j = 0; j < N; ++j) row[j] = beta == 0.0f ? alpha * sums[j] : alpha * sums[j] + beta * row[j];
  }
}

// Rows in groups of four (N <= 6) or two (N <= 12): R*N accumulators, R A vectors and a
// B vector fit the 32 registers, and each B load feeds R FMAs. Leftover rows go through
// the smaller groups, which compute each element exactly as the larger ones do.
template <int N>
void dotNarrow(int64_t rows, int64_t K, const float* a, int64_t lda, const float* bt, int64_t kpad,
               float* c, int64_t ldc, float alpha, float beta) {
  int64_t i = 0;
  if constexpr (N <= 6) {
    for (; i + 4 <= rows; i += 4) dotRows<N, 4>(K, a + i * lda, lda, bt, kpad, c + i * ldc, ldc, alpha, beta);
  }
  for (; i + 2 <= rows; i += 2) dotRows<N, 2>(K, a + i * lda, lda, bt, kpad, c + i * ldc, ldc, alpha, beta);
  for (; i < rows; ++i) dotRows<N, 1>(K, a + i * lda, lda, bt, kpad, c + i * ldc, ldc, alpha, beta);
}

using DotNarrowFn = void (*)(int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t,
                             float, float);

template <int... Ns>
struct DotTable {
  static constexpr DotNarrowFn table[] = {dotNarrow<Ns>...};
};

}  // namespace

void sgemmDotNarrowAvx512(int64_t rows, int64_t N, int64_t K, const float* a, int64_t lda, const float* bt,
                          int64_t kpad, float* c, int64_t ldc, float alpha, float beta) {
  using T = DotTable<1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12>;
  T::table[N - 1](rows, K, a, lda, bt, kpad, c, ldc, alpha, beta);
}

}  // namespace simd
}  // namespace lattice

// AVX-512 loops of the implicit-GEMM convolution (see simd/conv_implicit_kernels.h).
#include "intrinsics.h"

#include <algorithm>
#include <cstdint>

#include "../conv_implicit_kernels.h"

namespace lattice {
namespace simd {
namespace avx512 {

void implicitConvTile(const float* const* rows, const int32_t* off, int64_t kc, const float* b, float* c, int64_t ldc,
                      bool accumulate) {
  constexpr int MR = kImplicitMr;
  __m512 acc[MR][4];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = accumulate ? _mm512_loadu_ps(c + i * ldc + 16 * j) : _mm512_setzero_ps();
  // The row pointers in registers: GCC then addresses each broadcast as [row + off * 4].
  const float* r0 = rows[0];
  const float* r1 = rows[1];
  const float* r2 = rows[2];
  const float* r3 = rows[3];
  const float* r4 = rows[4];
  const float* r5 = rows[5];
  for (int64_t t = 0; t < kc; ++t, b += kImplicitNr) {
    const int64_t o = off[t];
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16), b2 = _mm512_loadu_ps(b + 32),
                 b3 = _mm512_loadu_ps(b + 48);
    const float* const r[MR] = {r0, r1, r2, r3, r4, r5};
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const __m512 a = _mm512_set1_ps(r[i][o]);
      acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
      acc[i][2] = _mm512_fmadd_ps(a, b2, acc[i][2]);
      acc[i][3] = _mm512_fmadd_ps(a, b3, acc[i][3]);
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < 4; ++j) _mm512_storeu_ps(c + i * ldc + 16 * j, acc[i][j]);
}

void implicitConvStoreTransposed(const float* c, int64_t ldc, int64_t n, int64_t channels, const float* bias, bool relu,
                                 float* dst, int64_t dstStride) {
  const __m512 zero = _mm512_setzero_ps();
  for (int64_t j0 = 0; j0 < channels; j0 += 16) {
    const int64_t nj = std::min<int64_t>(16, channels - j0);
    const __mmask16 jLive = firstLanes(nj);
    const __m512 bv = bias ? _mm512_maskz_loadu_ps(jLive, bias + j0) : zero;
    for (int64_t i0 = 0; i0 < n; i0 += 16) {
      const int64_t ni = std::min<int64_t>(16, n - i0);
      __m512 t[16];
      // Rows past n are never stored; they are loaded as zeros only to fill the transpose.
      for (int i = 0; i < 16; ++i)
        t[i] = i < ni ? _mm512_add_ps(_mm512_maskz_loadu_ps(jLive, c + (i0 + i) * ldc + j0), bv) : zero;
      transpose16x16(t);
      const __mmask16 iLive = firstLanes(ni);
      for (int64_t j = 0; j < nj; ++j) {
        const __m512 v = relu ? _mm512_max_ps(t[j], zero) : t[j];
        _mm512_mask_storeu_ps(dst + (j0 + j) * dstStride + i0, iLive, v);
      }
    }
  }
}

namespace {
// t[0..16) = columns j0 .. j0+15 of rows i0 .. i0+15 of c (rows past n read as zeros): t[j] holds
// channel j0 + j at the 16 positions.
inline void loadTransposed(const float* c, int64_t ldc, int64_t i0, int64_t n, int64_t j0, __mmask16 jLive, __m512 (&t)[16]) {
  for (int i = 0; i < 16; ++i) t[i] = i0 + i < n ? _mm512_maskz_loadu_ps(jLive, c + (i0 + i) * ldc + j0) : _mm512_setzero_ps();
  transpose16x16(t);
}
}  // namespace

void implicitConvStoreInterleaved(const float* even, const float* odd, int64_t ldc, int64_t rows, int64_t nEven,
                                  int64_t nOdd, int64_t channels, float* dst, const int64_t* rowOffset, int64_t dstStride) {
  // Lane k of lo takes even[k/2] or odd[k/2] as k is even or odd; hi the same from position 8.
  const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  // Short rows of equal halves share one transpose of 16 positions: 32 / width whole rows.
  const bool shared = nEven == nOdd && nEven <= 8 && 16 % nEven == 0;
  const int64_t width = nEven + nOdd, perVector = shared ? 16 / width : 0;
  for (int64_t j0 = 0; j0 < channels; j0 += 16) {
    const int64_t nj = std::min<int64_t>(16, channels - j0);
    const __mmask16 jLive = firstLanes(nj);
    __m512 e[16], o[16];
    if (shared) {
      for (int64_t p0 = 0; p0 < rows * nEven; p0 += 16) {
        loadTransposed(even, ldc, p0, rows * nEven, j0, jLive, e);
        loadTransposed(odd, ldc, p0, rows * nEven, j0, jLive, o);
        const int64_t r0 = p0 / nEven, live = std::min<int64_t>(16 / nEven, rows - r0);
        for (int64_t j = 0; j < nj; ++j) {
          const __m512 v[2] = {_mm512_permutex2var_ps(e[j], lo, o[j]), _mm512_permutex2var_ps(e[j], hi, o[j])};
          for (int64_t m = 0; m < live; ++m) {
            const int64_t lane = (m % perVector) * width;
            // Lanes [lane, lane + width) land at the row's start; the others are masked off (never touched).
            float* at = dst + rowOffset[r0 + m] + (j0 + j) * dstStride;
            _mm512_mask_storeu_ps(reinterpret_cast<float*>(reinterpret_cast<uintptr_t>(at) - uintptr_t(lane) * sizeof(float)),
                                  __mmask16(((1u << width) - 1) << lane), v[m / perVector]);
          }
        }
      }
      continue;
    }
    for (int64_t r = 0; r < rows; ++r) {
      const float* er = even + r * nEven * ldc;
      const float* od = odd + r * nOdd * ldc;
      for (int64_t i0 = 0; i0 < nEven; i0 += 16) {
        loadTransposed(er, ldc, i0, nEven, j0, jLive, e);
        loadTransposed(od, ldc, i0, nOdd, j0, jLive, o);
        const int64_t x0 = 2 * i0;
        const __mmask16 first = firstLanes(width - x0), second = firstLanes(width - x0 - 16);
        for (int64_t j = 0; j < nj; ++j) {
          float* row = dst + rowOffset[r] + (j0 + j) * dstStride + x0;
          _mm512_mask_storeu_ps(row, first, _mm512_permutex2var_ps(e[j], lo, o[j]));
          if (second) _mm512_mask_storeu_ps(row + 16, second, _mm512_permutex2var_ps(e[j], hi, o[j]));
        }
      }
    }
  }
}

void implicitConvCopyRows(const float* src, int64_t srcStride, float* dst, int64_t dstStride, int64_t rows, int64_t cols) {
  const __mmask16 tail = firstLanes(cols % 16);
  const int64_t whole = cols - cols % 16;
  for (int64_t r = 0; r < rows; ++r, src += srcStride, dst += dstStride) {
    for (int64_t c = 0; c < whole; c += 16) _mm512_storeu_ps(dst + c, _mm512_loadu_ps(src + c));
    if (tail) _mm512_mask_storeu_ps(dst + whole, tail, _mm512_maskz_loadu_ps(tail, src + whole));
  }
}

}  // namespace avx512
}  // namespace simd
}  // namespace lattice

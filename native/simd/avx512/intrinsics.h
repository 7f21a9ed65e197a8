// The AVX-512 intrinsics, for the files of this folder (compiled with AVX-512 flags).
// GCC 12 flags the deliberately undefined pass-through operand inside the AVX-512
// shuffle intrinsics as "(maybe) uninitialized" once they are inlined; it is not. The
// pragmas hold for the rest of the including file.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cstdint>

namespace lattice {
namespace simd {

// Lanes [0, n) of a 16-lane mask, n clamped to [0, 16]: the live lanes of a row's last vector.
inline __mmask16 firstLanes(int64_t n) { return n <= 0 ? __mmask16(0) : n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1); }

// In-register transpose of 8 rows of 8 doubles: out r[k] = column k.
inline __attribute__((always_inline)) void transpose8x8(__m512d (&r)[8]) {
  __m512d a[8];
  // Lane L of a[2p] holds rows 2p,2p+1 of column 2L; a[2p+1] of column 2L+1.
  for (int p = 0; p < 4; ++p) {
    a[2 * p] = _mm512_unpacklo_pd(r[2 * p], r[2 * p + 1]);
    a[2 * p + 1] = _mm512_unpackhi_pd(r[2 * p], r[2 * p + 1]);
  }
  // Column 2L+c gathers lane L of a[c], a[2+c], a[4+c], a[6+c].
  for (int c = 0; c < 2; ++c) {
    const __m512d x0 = _mm512_shuffle_f64x2(a[c], a[2 + c], 0x44);
    const __m512d x1 = _mm512_shuffle_f64x2(a[c], a[2 + c], 0xEE);
    const __m512d y0 = _mm512_shuffle_f64x2(a[4 + c], a[6 + c], 0x44);
    const __m512d y1 = _mm512_shuffle_f64x2(a[4 + c], a[6 + c], 0xEE);
    r[c] = _mm512_shuffle_f64x2(x0, y0, 0x88);
    r[2 + c] = _mm512_shuffle_f64x2(x0, y0, 0xDD);
    r[4 + c] = _mm512_shuffle_f64x2(x1, y1, 0x88);
    r[6 + c] = _mm512_shuffle_f64x2(x1, y1, 0xDD);
  }
}

// In-register transpose of 16 rows of 16 floats: out r[k] = column k (element k of every
// row). Three shuffle stages of 8 * 4 shuffles replace 256 scalar loads and strided stores.
inline __attribute__((always_inline)) void transpose16x16(__m512 (&r)[16]) {
  __m512 a[16], b[16];
  // Stage 1: interleave row pairs: 128-bit lane L of a[2p] holds rows 2p,2p+1 at
  // columns 4L, 4L+1; a[2p+1] the same at columns 4L+2, 4L+3.
  for (int p = 0; p < 8; ++p) {
    a[2 * p] = _mm512_unpacklo_ps(r[2 * p], r[2 * p + 1]);
    a[2 * p + 1] = _mm512_unpackhi_ps(r[2 * p], r[2 * p + 1]);
  }
  // Stage 2: lane L of b[4q+c] holds rows 4q..4q+3 of column 4L+c.
  for (int q = 0; q < 4; ++q) {
    const __m512d lo0 = _mm512_castps_pd(a[4 * q]), lo1 = _mm512_castps_pd(a[4 * q + 2]);
    const __m512d hi0 = _mm512_castps_pd(a[4 * q + 1]), hi1 = _mm512_castps_pd(a[4 * q + 3]);
    b[4 * q + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(lo0, lo1));
    b[4 * q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(lo0, lo1));
    b[4 * q + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(hi0, hi1));
    b[4 * q + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(hi0, hi1));
  }
  // Stage 3: column 4L+c gathers lane L of b[c], b[4+c], b[8+c], b[12+c].
  for (int c = 0; c < 4; ++c) {
    const __m512 x0 = _mm512_shuffle_f32x4(b[c], b[4 + c], 0x44);
    const __m512 x1 = _mm512_shuffle_f32x4(b[c], b[4 + c], 0xEE);
    const __m512 y0 = _mm512_shuffle_f32x4(b[8 + c], b[12 + c], 0x44);
    const __m512 y1 = _mm512_shuffle_f32x4(b[8 + c], b[12 + c], 0xEE);
    r[c] = _mm512_shuffle_f32x4(x0, y0, 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(x0, y0, 0xDD);
    r[8 + c] = _mm512_shuffle_f32x4(x1, y1, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(x1, y1, 0xDD);
  }
}

}  // namespace simd
}  // namespace lattice

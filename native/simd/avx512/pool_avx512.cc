// The 2x2, stride-2 max pool of float planes in AVX-512 intrinsics (see simd/pool_loops.h).
//
// GCC's own AVX-512 code for the plain loops of pool_loops_impl.h ran 2-5x slower than its
// AVX2 code, and the AVX2 code spends rows of 13 or 5 windows (W3's two pools) in its set-up
// and remainder paths. Here a vector is up to 16 windows of one output row: two masked
// loads per input row (masked lanes are never read, so a row's end is never overrun), the
// even and odd columns de-interleaved with one two-source permute each, and the window's
// maximal tap chosen by the rule of windowArgmax2x2 (the last NaN, else the first tap equal
// to the max), so values, indices and gradients are bitwise those of the other ISAs. The 3x3 /
// stride-2 interior (ResNet's stem pool) is here too; the float64 planes keep the AVX2 loops.
#include <algorithm>
#include <cstdint>
#include <limits>

#include "intrinsics.h"

#include "../pool_loops.h"

namespace lattice {
namespace simd {
namespace avx512 {
namespace {

// Up to 16 windows starting at output column x0 of input rows r0 / r1 (taps a b / c d),
// scanned in tap order by maxTap's rule: a tap is taken if it is greater than the best so
// far or is a NaN. That is windowArgmax2x2's choice (the last NaN, else the first maximal
// tap; -0 and +0 tie, so the first of them stays). `at` is the tap taken, 0-3.
struct Windows {
  __m512 a, b, c, d, best;
  __m512i at;
};

inline void take(__m512 v, int tap, Windows& w) {
  const __mmask16 m = _kor_mask16(_mm512_cmp_ps_mask(v, w.best, _CMP_GT_OQ), _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q));
  w.best = _mm512_mask_mov_ps(w.best, m, v);
  w.at = _mm512_mask_mov_epi32(w.at, m, _mm512_set1_epi32(tap));
}

inline Windows windowsAt(const float* r0, const float* r1, int64_t x0, int64_t n) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __mmask16 lo = firstLanes(2 * n), hi = firstLanes(2 * n - 16);
  const float* p0 = r0 + 2 * x0;
  const float* p1 = r1 + 2 * x0;
  const __m512 r0lo = _mm512_maskz_loadu_ps(lo, p0), r0hi = _mm512_maskz_loadu_ps(hi, p0 + 16);
  const __m512 r1lo = _mm512_maskz_loadu_ps(lo, p1), r1hi = _mm512_maskz_loadu_ps(hi, p1 + 16);
  Windows w;
  w.a = _mm512_permutex2var_ps(r0lo, even, r0hi);
  w.b = _mm512_permutex2var_ps(r0lo, odd, r0hi);
  w.c = _mm512_permutex2var_ps(r1lo, even, r1hi);
  w.d = _mm512_permutex2var_ps(r1lo, odd, r1hi);
  w.best = w.a;
  w.at = _mm512_setzero_si512();
  take(w.b, 1, w);
  take(w.c, 2, w);
  take(w.d, 3, w);
  return w;
}

void maxPool2x2F32(const float* in, float* out, int32_t* indices, uint8_t* taps, bool relu, const PoolGeometry& g) {
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i one = _mm512_set1_epi32(1), two = _mm512_set1_epi32(2), rowStep = _mm512_set1_epi32(static_cast<int32_t>(g.w));
  for (int64_t y = 0; y < g.oh; ++y) {
    const float* r0 = in + 2 * y * g.w;
    const float* r1 = r0 + g.w;
    for (int64_t x0 = 0; x0 < g.ow; x0 += 16) {
      const int64_t n = g.ow - x0 < 16 ? g.ow - x0 : 16;
      const Windows w = windowsAt(r0, r1, x0, n);
      __m512 v = w.best;
      // relu as the relu op has it: v < 0 becomes +0, a NaN stays.
      if (relu) v = _mm512_mask_mov_ps(v, _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ), _mm512_setzero_ps());
      const __mmask16 live = firstLanes(n);
      _mm512_mask_storeu_ps(out + y * g.ow + x0, live, v);
      if (taps) {
        // relu's gradient passes where the max is > 0 (not for 0 nor NaN): elsewhere the blocked code.
        const __m512i code = relu ? _mm512_mask_mov_epi32(_mm512_set1_epi32(kMaxPoolTapBlocked),
                                                          _mm512_cmp_ps_mask(w.best, _mm512_setzero_ps(), _CMP_GT_OQ), w.at)
                                  : w.at;
        _mm512_mask_cvtepi32_storeu_epi8(taps + y * g.ow + x0, live, code);
      }
      if (indices) {
        // 2y*w + 2x (+1 for the right column, +w for the lower row)
        const __m512i col = _mm512_slli_epi32(_mm512_add_epi32(lane, _mm512_set1_epi32(static_cast<int32_t>(x0))), 1);
        __m512i at = _mm512_add_epi32(col, _mm512_set1_epi32(static_cast<int32_t>(2 * y * g.w)));
        at = _mm512_add_epi32(at, _mm512_and_si512(w.at, one));
        at = _mm512_mask_add_epi32(at, _mm512_cmpge_epi32_mask(w.at, two), at, rowStep);
        _mm512_mask_storeu_epi32(indices + y * g.ow + x0, live, at);
      }
    }
  }
}

void maxPool2x2BackwardF32(const uint8_t* taps, const float* go, float* gi, const PoolGeometry& g) {
  // Lanes 0-15 of the two halves of [x0 y0 x1 y1 ...]: x from the first source, y from the second.
  const __m512i zipLo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i zipHi = _mm512_add_epi32(zipLo, _mm512_set1_epi32(8));
  for (int64_t y = 0; y < g.oh; ++y) {
    float* g0 = gi + 2 * y * g.w;
    float* g1 = g0 + g.w;
    for (int64_t x0 = 0; x0 < g.ow; x0 += 16) {
      const int64_t n = g.ow - x0 < 16 ? g.ow - x0 : 16;
      const __mmask16 live = firstLanes(n);
      const __m512i at = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(live, taps + y * g.ow + x0));
      const __m512 v = _mm512_maskz_loadu_ps(live, go + y * g.ow + x0);
      // A blocked code (relu) equals no tap: the window's four gradients are 0.
      const __m512 ga = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, _mm512_setzero_si512()), v);
      const __m512 gb = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, _mm512_set1_epi32(1)), v);
      const __m512 gc = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, _mm512_set1_epi32(2)), v);
      const __m512 gd = _mm512_maskz_mov_ps(_mm512_cmpeq_epi32_mask(at, _mm512_set1_epi32(3)), v);
      const __mmask16 lo = firstLanes(2 * n), hi = firstLanes(2 * n - 16);
      _mm512_mask_storeu_ps(g0 + 2 * x0, lo, _mm512_permutex2var_ps(ga, zipLo, gb));
      _mm512_mask_storeu_ps(g0 + 2 * x0 + 16, hi, _mm512_permutex2var_ps(ga, zipHi, gb));
      _mm512_mask_storeu_ps(g1 + 2 * x0, lo, _mm512_permutex2var_ps(gc, zipLo, gd));
      _mm512_mask_storeu_ps(g1 + 2 * x0 + 16, hi, _mm512_permutex2var_ps(gc, zipHi, gd));
    }
    for (int64_t c = 2 * g.ow; c < g.w; ++c) g0[c] = g1[c] = 0.0f;
  }
  for (float* p = gi + 2 * g.oh * g.w; p < gi + g.h * g.w; ++p) *p = 0.0f;
}

// A 3x3 / stride-2 float plane, borders included, up to 16 windows of an output row a
// vector: per input row, two masked loads cover columns c .. c + 2n (c = 2 x0 - padW; lanes
// outside the row, padding, read as -inf and are never touched in memory), and the three taps
// 2i, 2i + 1, 2i + 2 are de-interleaved with one two-source permute each (column c + 32, the
// third tap of lane 15, is put in from memory). As maxTap's generic loop: the best starts at
// -inf on the first tap inside the input, and the taps inside are scanned in row-major order
// (a tap is taken if greater or NaN; a padding tap, -inf, never is), so values and indices are
// bitwise the scalar loops'. ResNet-18's stem pool of [32, 64, 32, 32]: 4.4 ms in the AVX2
// build's loops, whose stride-2 taps GCC did not vectorise, and whose border windows took the
// generic path.
void maxPool3x3s2F32(const float* in, float* out, int32_t* indices, const PoolGeometry& g, int64_t y0, int64_t y1,
                     int64_t x0, int64_t x1) {
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i even = _mm512_slli_epi32(lane, 1);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i third = _mm512_add_epi32(even, _mm512_set1_epi32(2));  // lane 15's index 32 wraps to 0: replaced below
  const __m512 minusInf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  const int32_t w = static_cast<int32_t>(g.w);
  for (int64_t y = y0; y < y1; ++y) {
    const int64_t top = 2 * y - g.padH;
    const int rFirst = top < 0 ? static_cast<int>(-top) : 0;
    const int rEnd = top + 3 > g.h ? static_cast<int>(g.h - top) : 3;
    for (int64_t xo = x0; xo < x1; xo += 16) {
      const int64_t n = x1 - xo < 16 ? x1 - xo : 16;
      const int64_t c = 2 * xo - g.padW;
      // Element j of a row's two vectors is column c + j: loaded where inside the row and j <= 2n.
      const int64_t jLo = c < 0 ? -c : 0, jEnd = std::min<int64_t>(2 * n + 1, g.w - c);
      const uint32_t inside = jEnd <= jLo ? 0u : static_cast<uint32_t>((((uint64_t(1) << jEnd) - 1) >> jLo) << jLo);
      const __mmask16 lo = __mmask16(inside), hi = __mmask16(inside >> 16);
      const bool extra = n == 16 && 32 >= jLo && 32 < g.w - c;
      // The first tap inside the input: row rFirst, column max(0, -(c + 2 lane)) of the window.
      const __m512i firstCol = _mm512_max_epi32(_mm512_setzero_si512(), _mm512_sub_epi32(_mm512_set1_epi32(static_cast<int32_t>(-c)), even));
      __m512i at = _mm512_add_epi32(firstCol, _mm512_set1_epi32(rFirst * w));
      __m512 best = minusInf;
      for (int r = rFirst; r < rEnd; ++r) {
        const float* row = in + (top + r) * g.w + c;
        const __m512 a = _mm512_mask_loadu_ps(minusInf, lo, row), b = _mm512_mask_loadu_ps(minusInf, hi, row + 16);
        __m512 t2 = _mm512_permutex2var_ps(a, third, b);
        t2 = _mm512_mask_mov_ps(t2, __mmask16(0x8000), extra ? _mm512_set1_ps(row[32]) : minusInf);
        const __m512 taps[3] = {_mm512_permutex2var_ps(a, even, b), _mm512_permutex2var_ps(a, odd, b), t2};
        for (int t = 0; t < 3; ++t) {
          const __m512 v = taps[t];
          const __mmask16 m = _kor_mask16(_mm512_cmp_ps_mask(v, best, _CMP_GT_OQ), _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q));
          best = _mm512_mask_mov_ps(best, m, v);
          at = _mm512_mask_mov_epi32(at, m, _mm512_set1_epi32(r * w + t));
        }
      }
      const __mmask16 live = firstLanes(n);
      _mm512_mask_storeu_ps(out + y * g.ow + xo, live, best);
      if (indices) {
        // top * w + c + 2 * lane, plus the tap's offset within the window
        const __m512i base = _mm512_add_epi32(even, _mm512_set1_epi32(static_cast<int32_t>(top * g.w + c)));
        _mm512_mask_storeu_epi32(indices + y * g.ow + xo, live, _mm512_add_epi32(base, at));
      }
    }
  }
}

}  // namespace

const PoolLoops& poolLoops() {
  const PoolLoops& base = avx2::poolLoops();
  static const PoolLoops loops{maxPool2x2F32,        base.maxPool2x2F64,   maxPool2x2BackwardF32,
                               base.maxPool2x2BackwardF64, maxPool3x3s2F32,      base.maxPool3x3s2F64,
                               /*maxPool3x3s2F32WholePlane=*/true};
  return loops;
}

}  // namespace avx512
}  // namespace simd
}  // namespace lattice

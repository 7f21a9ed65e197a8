// The strided copy's transpose tiles in AVX2 (see simd/copy_loops.h). An 8 x 8 tile of 4-byte
// elements: each ymm register is loaded as two 128-bit halves, src rows k and k + 4, so one
// 4 x 4 transpose per 128-bit lane (unpack, then shuffle) leaves whole dst rows: 16 shuffles
// where the textbook 8 x 8 transpose has 24. A 4 x 4 tile of 8-byte elements the same way
// (src rows k and k + 2 per register, one unpack). Bytes move in plain 16 x 16 tiles. Runs are
// copied 128 bytes a step.
#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "../copy_loops.h"

namespace lattice {
namespace simd {
namespace avx2 {

inline void copyRun(const void* src, void* dst, int64_t bytes) {
  const auto* from = static_cast<const char*>(src);
  auto* to = static_cast<char*>(dst);
  int64_t k = 0;
  for (; k + 128 <= bytes; k += 128) {
    const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from + k));
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from + k + 32));
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from + k + 64));
    const __m256i d = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from + k + 96));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(to + k), a);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(to + k + 32), b);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(to + k + 64), c);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(to + k + 96), d);
  }
  for (; k + 32 <= bytes; k += 32)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(to + k), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from + k)));
  std::memcpy(to + k, from + k, static_cast<size_t>(bytes - k));
}

#include "../copy_loops_impl.h"

namespace {

struct Tile4 {
  static constexpr int kWidth = 8;
  static inline __attribute__((always_inline)) void run(const unsigned char* srcBytes, int64_t srcStride,
                                                        unsigned char* dstBytes, int64_t dstStride) {
    const auto* src = reinterpret_cast<const float*>(srcBytes);
    auto* dst = reinterpret_cast<float*>(dstBytes);
    const auto pair = [&](int row, int col) {
      return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(src + row * srcStride + col)),
                                  _mm_loadu_ps(src + (row + 4) * srcStride + col), 1);
    };
    for (int col = 0; col < 8; col += 4) {
      const __m256 r0 = pair(0, col), r1 = pair(1, col), r2 = pair(2, col), r3 = pair(3, col);
      const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
      const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
      _mm256_storeu_ps(dst + (col + 0) * dstStride, _mm256_shuffle_ps(t0, t2, 0x44));
      _mm256_storeu_ps(dst + (col + 1) * dstStride, _mm256_shuffle_ps(t0, t2, 0xEE));
      _mm256_storeu_ps(dst + (col + 2) * dstStride, _mm256_shuffle_ps(t1, t3, 0x44));
      _mm256_storeu_ps(dst + (col + 3) * dstStride, _mm256_shuffle_ps(t1, t3, 0xEE));
    }
  }
};

struct Tile8 {
  static constexpr int kWidth = 4;
  static inline __attribute__((always_inline)) void run(const unsigned char* srcBytes, int64_t srcStride,
                                                        unsigned char* dstBytes, int64_t dstStride) {
    const auto* src = reinterpret_cast<const double*>(srcBytes);
    auto* dst = reinterpret_cast<double*>(dstBytes);
    const auto pair = [&](int row, int col) {
      return _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(src + row * srcStride + col)),
                                  _mm_loadu_pd(src + (row + 2) * srcStride + col), 1);
    };
    for (int col = 0; col < 4; col += 2) {
      const __m256d r0 = pair(0, col), r1 = pair(1, col);
      _mm256_storeu_pd(dst + (col + 0) * dstStride, _mm256_unpacklo_pd(r0, r1));
      _mm256_storeu_pd(dst + (col + 1) * dstStride, _mm256_unpackhi_pd(r0, r1));
    }
  }
};

}  // namespace

const CopyLoops& copyLoops() { return copyLoopsOf<PlainTile<1, 16>, Tile4, Tile8>(); }

}  // namespace avx2
}  // namespace simd
}  // namespace lattice

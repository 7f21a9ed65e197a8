// The strided copy's transpose tiles in AVX-512 (see simd/copy_loops.h): 16 x 16 tiles of 4-byte
// elements (16 zmm loads, transpose16x16 of intrinsics.h, 16 stores: a whole 64-byte line per
// load and per store) and 8 x 8 tiles of 8-byte elements (unpack, then two 128-bit lane
// shuffles). Bytes move in plain 16 x 16 tiles. Runs are copied 256 bytes a step, the tail
// under a byte mask (masked-off bytes are neither read nor written).
#include "intrinsics.h"

#include <cstdint>
#include <cstring>

#include "../copy_loops.h"

namespace lattice {
namespace simd {
namespace avx512 {

inline void copyRun(const void* src, void* dst, int64_t bytes) {
  const auto* from = static_cast<const char*>(src);
  auto* to = static_cast<char*>(dst);
  int64_t k = 0;
  for (; k + 256 <= bytes; k += 256) {
    const __m512i a = _mm512_loadu_si512(from + k), b = _mm512_loadu_si512(from + k + 64);
    const __m512i c = _mm512_loadu_si512(from + k + 128), d = _mm512_loadu_si512(from + k + 192);
    _mm512_storeu_si512(to + k, a);
    _mm512_storeu_si512(to + k + 64, b);
    _mm512_storeu_si512(to + k + 128, c);
    _mm512_storeu_si512(to + k + 192, d);
  }
  for (; k + 64 <= bytes; k += 64) _mm512_storeu_si512(to + k, _mm512_loadu_si512(from + k));
  if (k < bytes) {
    const __mmask64 live = ~uint64_t{0} >> (64 - (bytes - k));
    _mm512_mask_storeu_epi8(to + k, live, _mm512_maskz_loadu_epi8(live, from + k));
  }
}

#include "../copy_loops_impl.h"

namespace {

struct Tile4 {
  static constexpr int kWidth = 16;
  static inline __attribute__((always_inline)) void run(const unsigned char* srcBytes, int64_t srcStride,
                                                        unsigned char* dstBytes, int64_t dstStride) {
    const auto* src = reinterpret_cast<const float*>(srcBytes);
    auto* dst = reinterpret_cast<float*>(dstBytes);
    __m512 r[16];
    for (int k = 0; k < 16; ++k) r[k] = _mm512_loadu_ps(src + k * srcStride);
    transpose16x16(r);
    for (int k = 0; k < 16; ++k) _mm512_storeu_ps(dst + k * dstStride, r[k]);
  }
};

struct Tile8 {
  static constexpr int kWidth = 8;
  static inline __attribute__((always_inline)) void run(const unsigned char* srcBytes, int64_t srcStride,
                                                        unsigned char* dstBytes, int64_t dstStride) {
    const auto* src = reinterpret_cast<const double*>(srcBytes);
    auto* dst = reinterpret_cast<double*>(dstBytes);
    __m512d r[8];
    for (int k = 0; k < 8; ++k) r[k] = _mm512_loadu_pd(src + k * srcStride);
    transpose8x8(r);
    for (int k = 0; k < 8; ++k) _mm512_storeu_pd(dst + k * dstStride, r[k]);
  }
};

}  // namespace

const CopyLoops& copyLoops() { return copyLoopsOf<PlainTile<1, 16>, Tile4, Tile8>(); }

}  // namespace avx512
}  // namespace simd
}  // namespace lattice

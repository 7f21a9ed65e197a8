// Philox4x32-10 (Salmon et al., SC'11; Random123): the block function is in philox_block.h,
// shared with the CUDA kernels.
#include "philox.h"

#include "philox_block.h"

namespace lattice {
namespace {

// Calls emit(i, word) for words 0..count) of the stream from block `offset`.
template <typename Emit>
inline void forEachWord(uint64_t seed, uint64_t offset, int64_t count, Emit emit) {
  uint32_t words[4];
  uint64_t block = offset;
  int64_t i = 0;
  for (; i + 4 <= count; i += 4, ++block) {
    philoxStreamBlock(seed, block, words);
    emit(i, words[0]);
    emit(i + 1, words[1]);
    emit(i + 2, words[2]);
    emit(i + 3, words[3]);
  }
  if (i < count) {
    philoxStreamBlock(seed, block, words);
    for (int64_t j = 0; i + j < count; ++j) emit(i + j, words[j]);
  }
}

}  // namespace

void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]) {
  philoxBlock(counter[0], counter[1], counter[2], counter[3], key[0], key[1], out);
}

void philoxUint32(uint64_t seed, uint64_t offset, uint32_t* out, int64_t n) {
  if (n <= 0) return;
  forEachWord(seed, offset, n, [out](int64_t i, uint32_t word) { out[i] = word; });
}

void philoxUniformF32(uint64_t seed, uint64_t offset, float* out, int64_t n) {
  if (n <= 0) return;
  // 24 bits fill a float's significand; the product is exact, so in [0, 1).
  constexpr float kScale = 1.0f / 16777216.0f;
  forEachWord(seed, offset, n, [out](int64_t i, uint32_t word) {
    out[i] = static_cast<float>(word >> 8) * kScale;
  });
}

void philoxUniformF64(uint64_t seed, uint64_t offset, double* out, int64_t n) {
  if (n <= 0) return;
  // 27 high bits of the even word and 26 of the odd one make 53 exact bits.
  constexpr double kScale = 1.0 / 9007199254740992.0;
  uint32_t high = 0;
  forEachWord(seed, offset, 2 * n, [out, &high](int64_t i, uint32_t word) {
    if ((i & 1) == 0) {
      high = word >> 5;
    } else {
      out[i >> 1] = (static_cast<double>(high) * 67108864.0 + static_cast<double>(word >> 6)) * kScale;
    }
  });
}

}  // namespace lattice

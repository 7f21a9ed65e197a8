// Philox4x32-10 (Salmon et al., SC'11; Random123). One round, with
// M0 = 0xD2511F53, M1 = 0xCD9E8D57 and exact 32x32 -> 64 products:
//   (hi0, lo0) = M0 * c0,  (hi1, lo1) = M1 * c2
//   c' = {hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0}
// Ten rounds; between rounds the key steps by {0x9E3779B9, 0xBB67AE85} mod 2^32.
#include "philox.h"

namespace lattice {
namespace {

constexpr uint32_t kMultiplier0 = 0xD2511F53u;
constexpr uint32_t kMultiplier1 = 0xCD9E8D57u;
constexpr uint32_t kWeyl0 = 0x9E3779B9u;
constexpr uint32_t kWeyl1 = 0xBB67AE85u;
constexpr int kRounds = 10;

inline void philoxBlock(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0,
                        uint32_t k1, uint32_t out[4]) {
  for (int round = 0; round < kRounds; ++round) {
    if (round > 0) {
      k0 += kWeyl0;
      k1 += kWeyl1;
    }
    const uint64_t product0 = static_cast<uint64_t>(kMultiplier0) * c0;
    const uint64_t product1 = static_cast<uint64_t>(kMultiplier1) * c2;
    const uint32_t next0 = static_cast<uint32_t>(product1 >> 32) ^ c1 ^ k0;
    const uint32_t next2 = static_cast<uint32_t>(product0 >> 32) ^ c3 ^ k1;
    c1 = static_cast<uint32_t>(product1);
    c3 = static_cast<uint32_t>(product0);
    c0 = next0;
    c2 = next2;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

inline void streamBlock(uint64_t seed, uint64_t block, uint32_t out[4]) {
  philoxBlock(static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), 0, 0,
              static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), out);
}

// Calls emit(i, word) for words 0..count) of the stream from block `offset`.
template <typename Emit>
inline void forEachWord(uint64_t seed, uint64_t offset, int64_t count, Emit emit) {
  uint32_t words[4];
  uint64_t block = offset;
  int64_t i = 0;
  for (; i + 4 <= count; i += 4, ++block) {
    streamBlock(seed, block, words);
    emit(i, words[0]);
    emit(i + 1, words[1]);
    emit(i + 2, words[2]);
    emit(i + 3, words[3]);
  }
  if (i < count) {
    streamBlock(seed, block, words);
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

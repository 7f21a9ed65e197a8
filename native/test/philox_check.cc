// Prints, as JSON, the Philox words and uniforms that native/kernels/philox.cc
// produces for a few (seed, offset) pairs. test/fixtures/philox_cpp.json is this
// output; test/tensor/philox.test.ts holds the TS stream to it.
#include <cinttypes>
#include <cstdint>
#include <cstdio>

#include "../kernels/philox.h"

namespace {

constexpr int kCount = 8;

struct Case {
  const char* seed;  // decimal, as the TS side reads it
  uint64_t seedValue;
  uint64_t offset;
};

void printCase(const Case& c, bool last) {
  uint32_t words[kCount];
  float singles[kCount];
  double doubles[kCount];
  lattice::philoxUint32(c.seedValue, c.offset, words, kCount);
  lattice::philoxUniformF32(c.seedValue, c.offset, singles, kCount);
  lattice::philoxUniformF64(c.seedValue, c.offset, doubles, kCount);
  // A draw of 6 words ends mid-block: the partial-block path.
  uint32_t tail[6];
  lattice::philoxUint32(c.seedValue, c.offset, tail, 6);

  std::printf("    {\"seed\": \"%s\", \"offset\": %" PRIu64 ",\n", c.seed, c.offset);
  std::printf("     \"uint32\": [");
  for (int i = 0; i < kCount; ++i) std::printf("%s%" PRIu32, i ? ", " : "", words[i]);
  std::printf("],\n     \"uint32First6\": [");
  for (int i = 0; i < 6; ++i) std::printf("%s%" PRIu32, i ? ", " : "", tail[i]);
  // %.17g round-trips a double exactly; a float widened to double is exact.
  std::printf("],\n     \"uniformFloat32\": [");
  for (int i = 0; i < kCount; ++i) std::printf("%s%.17g", i ? ", " : "", static_cast<double>(singles[i]));
  std::printf("],\n     \"uniformFloat64\": [");
  for (int i = 0; i < kCount; ++i) std::printf("%s%.17g", i ? ", " : "", doubles[i]);
  std::printf("]}%s\n", last ? "" : ",");
}

}  // namespace

int main() {
  const Case cases[] = {
      {"0", 0, 0},
      {"0", 0, 5},
      {"42", 42, 0},
      {"42", 42, 5},
      // The default seed has a non-zero high key word; a big offset has a
      // non-zero high counter word.
      {"67280421310721", 67280421310721ull, 0},
      {"18446744073709551615", 18446744073709551615ull, 4294967298ull},
  };
  const int caseCount = sizeof(cases) / sizeof(cases[0]);

  const uint32_t katCounter[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u};
  const uint32_t katKey[2] = {0xa4093822u, 0x299f31d0u};
  uint32_t kat[4];
  lattice::philox4x32_10(katCounter, katKey, kat);

  std::printf("{\n  \"generator\": \"native/test/philox_check.cc\",\n");
  std::printf("  \"katPi\": [%" PRIu32 ", %" PRIu32 ", %" PRIu32 ", %" PRIu32 "],\n", kat[0], kat[1],
              kat[2], kat[3]);
  std::printf("  \"cases\": [\n");
  for (int i = 0; i < caseCount; ++i) printCase(cases[i], i == caseCount - 1);
  std::printf("  ]\n}\n");
  return 0;
}

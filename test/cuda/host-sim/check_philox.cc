// The device's Philox uniforms (native/cuda/philox.cu) against the CPU's (native/kernels/philox.cc),
// bit for bit: the two backends must draw the same numbers from the same seed and offset. Lengths
// not a multiple of a block's four words, offsets past 2^32 blocks (the counter's high word) and
// seeds past 2^32 (the key's high word).
#include "check.h"

#include <cstring>

#include "philox.h"

namespace {

template <typename T>
void run(uint64_t seed, uint64_t offset, int64_t n) {
  std::vector<T> gpu(size_t(n) + 1, T(-1)), cpu(size_t(n) + 1, T(-1));  // one sentinel past the end
  philoxUniform(sizeof(T) == 4 ? DType::F32 : DType::F64, seed, offset, gpu.data(), n);
  if constexpr (sizeof(T) == 4) lattice::philoxUniformF32(seed, offset, cpu.data(), n);
  else lattice::philoxUniformF64(seed, offset, cpu.data(), n);
  bool inRange = true;
  for (int64_t i = 0; i < n; ++i) inRange = inRange && gpu[i] >= T(0) && gpu[i] < T(1);
  char buf[120];
  snprintf(buf, 120, "philox %s seed %llu offset %llu n %ld: the CPU's bits", sizeof(T) == 4 ? "f32" : "f64",
           (unsigned long long)seed, (unsigned long long)offset, n);
  expectTrue(buf, std::memcmp(gpu.data(), cpu.data(), (size_t(n) + 1) * sizeof(T)) == 0 && inRange);
}

}  // namespace

void checkPhilox() {
  for (int64_t n : {1, 3, 4, 1001}) {
    run<float>(0, 0, n);
    run<double>(0, 0, n);
  }
  run<float>(0x123456789abcULL, (uint64_t(1) << 32) + 5, 999);
  run<double>(0x123456789abcULL, (uint64_t(1) << 32) - 2, 1001);
  run<float>(42, 7, 5000);
}

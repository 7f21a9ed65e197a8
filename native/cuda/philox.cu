// Philox4x32-10 uniforms on the device: the same stream as kernels/philox.cc. Block b of
// the stream is philox(counter = {lo32(b), hi32(b), 0, 0}, key = {lo32(seed), hi32(seed)});
// its four words are elements 4b..4b+3 (float32: word >> 8 times 2^-24); float64 element i
// takes words 2i (27 high bits) and 2i+1 (26 high bits).
#include "../kernels/philox_block.h"
#include "common.cuh"

namespace lattice {
namespace cuda {
namespace {

// One thread per 128-bit block: elements 4b.. of the float32 stream.
__global__ void uniformF32(uint64_t seed, uint64_t offset, float* out, int64_t n) {
  LATTICE_CUDA_LOOP(b, (n + 3) / 4) {
    uint32_t w[4];
    philoxStreamBlock(seed, offset + static_cast<uint64_t>(b), w);
    for (int j = 0; j < 4 && 4 * b + j < n; ++j) out[4 * b + j] = static_cast<float>(w[j] >> 8) * (1.0f / 16777216.0f);
  }
}

// One thread per block: two float64 elements (words 0,1 and 2,3).
__global__ void uniformF64(uint64_t seed, uint64_t offset, double* out, int64_t n) {
  LATTICE_CUDA_LOOP(b, (n + 1) / 2) {
    uint32_t w[4];
    philoxStreamBlock(seed, offset + static_cast<uint64_t>(b), w);
    for (int j = 0; j < 2 && 2 * b + j < n; ++j)
      out[2 * b + j] = (static_cast<double>(w[2 * j] >> 5) * 67108864.0 + static_cast<double>(w[2 * j + 1] >> 6)) *
                       (1.0 / 9007199254740992.0);
  }
}

}  // namespace

void philoxUniform(DType t, uint64_t seed, uint64_t offset, void* out, int64_t n) {
  if (n <= 0) return;
  if (t == DType::F32) uniformF32<<<blocksFor((n + 3) / 4), kThreads, 0, stream()>>>(seed, offset, static_cast<float*>(out), n);
  else if (t == DType::F64) uniformF64<<<blocksFor((n + 1) / 2), kThreads, 0, stream()>>>(seed, offset, static_cast<double*>(out), n);
  else throw std::runtime_error("cuda philoxUniform: needs float32 or float64 data");
  checkLaunch("cuda philoxUniform");
}

}  // namespace cuda
}  // namespace lattice

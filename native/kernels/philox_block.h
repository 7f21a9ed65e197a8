// The Philox4x32-10 block function, shared by the CPU kernels (philox.cc) and the CUDA
// kernels (cuda/philox.cu) so that both draw the same words by construction.
// One round, with M0 = 0xD2511F53, M1 = 0xCD9E8D57 and exact 32x32 -> 64 products:
//   (hi0, lo0) = M0 * c0,  (hi1, lo1) = M1 * c2
//   c' = {hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0}
// Ten rounds; between rounds the key steps by {0x9E3779B9, 0xBB67AE85} mod 2^32.
// Stream block b with a 64-bit seed: counter {lo32(b), hi32(b), 0, 0}, key {lo32(seed), hi32(seed)}.
#pragma once

#include <cstdint>

#ifdef __CUDACC__
#define LATTICE_HOST_DEVICE __host__ __device__
#else
#define LATTICE_HOST_DEVICE
#endif

namespace lattice {

LATTICE_HOST_DEVICE inline void philoxBlock(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1,
                                            uint32_t out[4]) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const uint64_t product0 = static_cast<uint64_t>(0xD2511F53u) * c0;
    const uint64_t product1 = static_cast<uint64_t>(0xCD9E8D57u) * c2;
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

LATTICE_HOST_DEVICE inline void philoxStreamBlock(uint64_t seed, uint64_t block, uint32_t out[4]) {
  philoxBlock(static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), 0, 0, static_cast<uint32_t>(seed),
              static_cast<uint32_t>(seed >> 32), out);
}

}  // namespace lattice

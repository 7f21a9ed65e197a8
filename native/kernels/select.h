// Branch-free selection for elementwise kernels. The portable kernels are compiled for
// baseline x86-64 (SSE2, no blend instruction), where `c ? x : y` on floats whose condition
// is data (a ReLU mask, which tap of a pooling window is the max) often becomes a jump; on
// real activations that jump is a coin flip, mispredicted half the time (~15 cycles). A
// select made of integer masks on the values' bits has no jump and vectorises.
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace lattice {
// Internal linkage: the per-ISA translation units (simd/<isa>/pool_<isa>.cc) include this too,
// and an instance compiled with AVX-512 flags must not be the one the linker keeps for all.
namespace {

template <typename T>
using SameSizeUint = std::conditional_t<sizeof(T) == 8, uint64_t,
                                        std::conditional_t<sizeof(T) == 4, uint32_t,
                                                           std::conditional_t<sizeof(T) == 2, uint16_t, uint8_t>>>;

// v where keep, else a value whose bits are all zero (+0 for floats).
template <typename T>
inline T keepIf(bool keep, T v) {
  using U = SameSizeUint<T>;
  U u;
  std::memcpy(&u, &v, sizeof(T));
  u &= static_cast<U>(U(0) - static_cast<U>(keep));
  std::memcpy(&v, &u, sizeof(T));
  return v;
}

// x where pick, else y, with both already loaded.
template <typename T>
inline T selectBits(bool pick, T x, T y) {
  using U = SameSizeUint<T>;
  U ux, uy;
  std::memcpy(&ux, &x, sizeof(T));
  std::memcpy(&uy, &y, sizeof(T));
  const U m = static_cast<U>(U(0) - static_cast<U>(pick));
  const U r = (ux & m) | (uy & ~m);
  T out;
  std::memcpy(&out, &r, sizeof(T));
  return out;
}

}  // namespace
}  // namespace lattice

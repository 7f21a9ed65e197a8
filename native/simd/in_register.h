// inRegister(v): v, held in a register from here on.
//
// Why: GCC folds a vector load into the instruction that uses it as a memory operand, and
// where several FMAs use one loaded vector it folds the load into each of them: R loads of the
// same data where one would do. In a loop that is already near the load ports' limit (one
// 512-bit load a cycle here) that sets the pace: the narrow-N dot GEMM loaded each B vector
// once per row (22 loads per 20 FMAs; 128x256x10: 8.3 -> 6.8 us with one load). An empty asm
// that reads and writes v makes the compiler materialise it once. It emits no instruction.
#pragma once

namespace lattice {
namespace simd {

// (Vectors on x86 only: a scalar build keeps its plain loads, and "v" names x86 registers.)
template <typename V>
inline V inRegister(V v) {
#if defined(__x86_64__) || defined(__i386__)
  if constexpr (sizeof(V) >= 16) __asm__("" : "+v"(v));
#endif
  return v;
}

}  // namespace simd
}  // namespace lattice

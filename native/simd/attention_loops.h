// Inner loops of the fused attention kernel (kernels/attention.cc), compiled per ISA:
// simd/<isa>/attention_<isa>.cc defines a vector trait (AVX-512: 16 floats / 8 doubles,
// AVX2: 8 / 4, "scalar": 16-byte GCC vectors, or 1 element under MSVC) and builds the
// tables from attention_loops_impl.h. Every product
// of the kernel (scores Q Kᵀ, dO Vᵀ, P V, dS K, dSᵀ Q, Pᵀ dO) is one combineRows call on a
// packed tile, so one well-vectorised loop carries the flops. kernels/attention.cc owns the
// tiling, masking and threading and picks the table that ctx.isa allows.
#pragma once

#include <cstdint>

#include "../cpu.h"

namespace lattice {
namespace simd {

template <typename T>
struct AttentionLoops {
  // For each t < count: out[t * outStride + 0..n) (+)= sum_{r<m} c[t * cStride + r] * rows[r * ld + 0..n)
  // (accumulate: add to out, else overwrite). Outputs go four at a time, so each loaded
  // vector of rows feeds four FMAs: one load per FMA would bound the loop by the loads.
  void (*combineRows)(const T* c, int64_t cStride, int64_t count, const T* rows, int64_t ld, int64_t m, int64_t n,
                      T* out, int64_t outStride, bool accumulate);
  // max over x[0..n) (-inf for n == 0; NaN entries are skipped)
  T (*maxOf)(const T* x, int64_t n);
  // x = exp(x - shift) in place (exp(-inf) = 0); returns sum(x)
  T (*expShiftSum)(T* x, int64_t n, T shift);
  // x *= a
  void (*scale)(T* x, int64_t n, T a);
  // sum(a * b)
  T (*dot)(const T* a, const T* b, int64_t n);
};

namespace scalar {
const AttentionLoops<float>& attentionLoopsF32();
const AttentionLoops<double>& attentionLoopsF64();
}  // namespace scalar
#if defined(LATTICE_X86)
namespace avx2 {
const AttentionLoops<float>& attentionLoopsF32();
const AttentionLoops<double>& attentionLoopsF64();
}  // namespace avx2
namespace avx512 {
const AttentionLoops<float>& attentionLoopsF32();
const AttentionLoops<double>& attentionLoopsF64();
}  // namespace avx512
#endif

template <typename T>
const AttentionLoops<T>& attentionLoopsFor(Isa isa);

template <>
inline const AttentionLoops<float>& attentionLoopsFor<float>(Isa isa) {
#if defined(LATTICE_X86)
  if (isa == Isa::Avx512) return avx512::attentionLoopsF32();
  if (isa == Isa::Avx2) return avx2::attentionLoopsF32();
#endif
  (void)isa;
  return scalar::attentionLoopsF32();
}

template <>
inline const AttentionLoops<double>& attentionLoopsFor<double>(Isa isa) {
#if defined(LATTICE_X86)
  if (isa == Isa::Avx512) return avx512::attentionLoopsF64();
  if (isa == Isa::Avx2) return avx2::attentionLoopsF64();
#endif
  (void)isa;
  return scalar::attentionLoopsF64();
}

}  // namespace simd
}  // namespace lattice

// Element loops of the fused normalisation kernels (kernels/norm.cc), compiled per
// ISA: simd/<isa>/norm_<isa>.cc defines traits for a vector of floats and one of doubles
// (AVX-512: 16 and 8 lanes, AVX2: 8 and 4, scalar: 1) and builds the tables from the
// loop bodies of norm_loops_f32_impl.h and norm_loops_f64_impl.h. Each dtype computes in
// its own lanes; reductions within a run accumulate in those lanes and return double.
// kernels/norm.cc owns threading and picks the table that ctx.isa allows.
#pragma once

#include <cstdint>

#include "../cpu.h"

namespace lattice {
namespace simd {

// Loops over one contiguous run of n elements; mu is the group mean (double).
template <typename T>
struct NormLoops {
  // sum(x)
  double (*sum)(const T* x, int64_t n);
  // sum((x - mu)^2)
  double (*sumSquaredDeviation)(const T* x, int64_t n, double mu);
  // y = (x - mu) * rs * w[j] + b[j]   (w, b may be null: 1 and 0)
  void (*normalizeAffine)(const T* x, int64_t n, double mu, double rs, const T* w, const T* b, T* y);
  // y = (x - mu) * scale + shift
  void (*scaleShift)(const T* x, int64_t n, double mu, double scale, double shift, T* y);
  // with g = dy * w[j] (w may be null): *sumG = sum(g), *sumGXc = sum(g * (x - mu))
  void (*gradientSums)(const T* dy, const T* x, int64_t n, double mu, const T* w, double* sumG, double* sumGXc);
  // dx = p * w[j] * dy - q - r * (x - mu)   (w may be null)
  // stream: dx is large and read only later: write it with streaming stores where the ISA
  // has them (whole cache lines bypass the caches and skip the read-for-ownership).
  void (*affineGrad)(const T* dy, const T* x, int64_t n, double mu, const T* w, double p, double q, double r, T* dx,
                     bool stream);
  // affineGrad (skipped when dx is null), and in the same pass the running sums
  // pdw[j] += dy * (x - mu) * rs;  pdb[j] += dy
  void (*affineAndParamGrads)(const T* dy, const T* x, int64_t n, double mu, double rs, const T* w, double p, double q,
                              double r, T* dx, bool stream, T* pdw, T* pdb);
};

namespace scalar {
const NormLoops<float>& normLoopsF32();
const NormLoops<double>& normLoopsF64();
}  // namespace scalar
#if defined(LATTICE_X86)
namespace avx2 {
const NormLoops<float>& normLoopsF32();
const NormLoops<double>& normLoopsF64();
}  // namespace avx2
namespace avx512 {
const NormLoops<float>& normLoopsF32();
const NormLoops<double>& normLoopsF64();
}  // namespace avx512
#endif

template <typename T>
const NormLoops<T>& normLoopsFor(Isa isa);

template <>
inline const NormLoops<float>& normLoopsFor<float>(Isa isa) {
#if defined(LATTICE_X86)
  if (isa == Isa::Avx512) return avx512::normLoopsF32();
  if (isa == Isa::Avx2) return avx2::normLoopsF32();
#endif
  (void)isa;
  return scalar::normLoopsF32();
}

template <>
inline const NormLoops<double>& normLoopsFor<double>(Isa isa) {
#if defined(LATTICE_X86)
  if (isa == Isa::Avx512) return avx512::normLoopsF64();
  if (isa == Isa::Avx2) return avx2::normLoopsF64();
#endif
  (void)isa;
  return scalar::normLoopsF64();
}

}  // namespace simd
}  // namespace lattice

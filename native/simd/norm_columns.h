// Column loops of BatchNorm on short segments (kernels/norm.cc; BatchNorm1d on [N, C] has
// S = 1): x is N rows of W = C*S columns, column j in channel j / S, and every statistic is
// per column, summed down the rows. Each loop takes a block of n adjacent columns (the
// pointers point at its first column; rows lie `stride` elements apart) and walks the rows in
// order with one double accumulator per column, so each column adds its rows in the same
// order whatever the block or the thread. The arithmetic is double per element, as in
// src/backend/reference/norm.ts.
//
// The loops are plain C++ over contiguous columns, written once (norm_columns_impl.h) and
// compiled per ISA (simd/<isa>/norm_columns_<isa>.cc), where the compiler turns the column
// loop into that ISA's vectors: a float widened to double per lane (8 lanes on AVX-512, 4 on
// AVX2, 2 on the baseline). Compiled for the baseline alone they were ~40% of a W4 (f) step's
// BatchNorm time at 1 thread.
#pragma once

#include <cstdint>

#include "../cpu.h"

namespace lattice {
namespace simd {

template <typename T>
struct ColumnLoops {
  // acc[j] = sum_i x[i, j]
  void (*sums)(const T* x, int64_t rows, int64_t stride, int64_t n, double* acc);
  // acc[j] = sum_i (x[i, j] - mu[j])^2
  void (*squaredDeviations)(const T* x, int64_t rows, int64_t stride, int64_t n, const double* mu, double* acc);
  // y[i, j] = (x[i, j] - mu[j]) scale[j] + shift[j]; then max(y, 0) when relu (a NaN stays NaN)
  void (*scaleShift)(const T* x, int64_t rows, int64_t stride, int64_t n, const double* mu, const double* scale,
                     const double* shift, bool relu, T* y);
  // with g = dy where reluOut > 0, else 0 (g = dy when reluOut is null):
  // accG[j] = sum_i g[i, j], accGXc[j] = sum_i g[i, j] (x[i, j] - mu[j])
  void (*gradientSums)(const T* dy, const T* x, const T* reluOut, int64_t rows, int64_t stride, int64_t n,
                       const double* mu, double* accG, double* accGXc);
  // dx[i, j] = p[j] g[i, j] - (q[j] + r[j] (x[i, j] - mu[j])), g as in gradientSums
  void (*affineGrad)(const T* dy, const T* x, const T* reluOut, int64_t rows, int64_t stride, int64_t n,
                     const double* mu, const double* p, const double* q, const double* r, T* dx);
};

#define LATTICE_DECLARE_COLUMN_LOOPS(isa)     \
  namespace isa {                             \
  const ColumnLoops<float>& columnLoopsF32();  \
  const ColumnLoops<double>& columnLoopsF64(); \
  }
LATTICE_DECLARE_COLUMN_LOOPS(scalar)
#if defined(LATTICE_X86)
LATTICE_DECLARE_COLUMN_LOOPS(avx2)
LATTICE_DECLARE_COLUMN_LOOPS(avx512)
#endif
#undef LATTICE_DECLARE_COLUMN_LOOPS

template <typename T>
const ColumnLoops<T>& columnLoopsFor(Isa isa);

template <>
inline const ColumnLoops<float>& columnLoopsFor<float>(Isa isa) {
#if defined(LATTICE_X86)
  if (isa == Isa::Avx512) return avx512::columnLoopsF32();
  if (isa == Isa::Avx2) return avx2::columnLoopsF32();
#endif
  (void)isa;
  return scalar::columnLoopsF32();
}

template <>
inline const ColumnLoops<double>& columnLoopsFor<double>(Isa isa) {
#if defined(LATTICE_X86)
  if (isa == Isa::Avx512) return avx512::columnLoopsF64();
  if (isa == Isa::Avx2) return avx2::columnLoopsF64();
#endif
  (void)isa;
  return scalar::columnLoopsF64();
}

}  // namespace simd
}  // namespace lattice

// Fused normalisation kernels: LayerNorm, BatchNorm, GroupNorm, forward and backward.
// The formulas, once (src/backend/reference/norm.ts holds the same in TS):
//   over a group of M elements, mu = mean(x), var = mean((x - mu)^2), sigma^-1 = 1/sqrt(var + eps),
//   xhat = (x - mu) sigma^-1,  y = xhat * gamma + beta,
//   with g = dy * gamma:  dx = sigma^-1 (g - mean(g) - xhat * mean(g * xhat)),
//                         dgamma = sum(dy * xhat), dbeta = sum(dy)  (summed over what gamma is shared by).
// Statistics are float64 (the saved mean/rstd arrays too), by two passes (mean, then squared deviations);
// within a run float32 data accumulate in float lanes, float64 in double (see simd/norm_loops_f32_impl.h).
// Every reduction has a partition fixed by the shape alone, so results do not depend on the thread count.
#pragma once

#include <cstdint>

#include "../context.h"

namespace lattice {

// x [rows, n]; w, b [n] or null; y [rows, n]; mean, rstd [rows]. relu: y = max(LayerNorm(x), 0), as batchNormForward.
template <typename T>
void layerNormForward(Context& ctx, const T* x, const T* w, const T* b, T* y, double* mean, double* rstd, int64_t rows,
                      int64_t n, double eps, bool relu = false);

// dx [rows, n] or null; dw, db [n] or null (summed over rows). reluOut: as batchNormBackward's.
template <typename T>
void layerNormBackward(Context& ctx, const T* dy, const T* x, const double* mean, const double* rstd, const T* w, T* dx,
                       T* dw, T* db, int64_t rows, int64_t n, const T* reluOut = nullptr);

// x [N, C, S]. training: writes mean, var (biased), invstd [C]; else reads mean, var and writes invstd.
// relu: y = max(BN(x), 0), applied to each run while it is still in cache (BatchNorm then ReLU in one pass;
// a NaN stays NaN, as relu keeps it).
template <typename T>
void batchNormForward(Context& ctx, const T* x, const T* w, const T* b, T* y, double* mean, double* var, double* invstd,
                      int64_t N, int64_t C, int64_t S, double eps, bool training, bool relu = false);

// training: full gradient through the batch statistics; else dx = dy * w * invstd.
// reluOut (or null): the output of a ReLU that followed the BatchNorm (batchNormForward with relu); the
// gradient is then taken through both, dy masked by reluOut > 0 as each run is read, with no masked copy
// of dy in memory.
template <typename T>
void batchNormBackward(Context& ctx, const T* dy, const T* x, const double* mean, const double* invstd, const T* w, T* dx,
                       T* dw, T* db, int64_t N, int64_t C, int64_t S, bool training, const T* reluOut = nullptr);

// x [N, C, S], groups of C/groups channels per sample; w, b [C]; mean, rstd [N*groups].
template <typename T>
void groupNormForward(Context& ctx, const T* x, const T* w, const T* b, T* y, double* mean, double* rstd, int64_t N,
                      int64_t C, int64_t S, int64_t groups, double eps);

template <typename T>
void groupNormBackward(Context& ctx, const T* dy, const T* x, const double* mean, const double* rstd, const T* w, T* dx,
                       T* dw, T* db, int64_t N, int64_t C, int64_t S, int64_t groups);

}  // namespace lattice

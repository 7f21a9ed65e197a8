// Fused tanh gradients: one pass over memory instead of the three (y*y, 1 - ., g * .)
// or four (scalings and products) elementwise ops they replace. A PINN's residual
// runs them on [points, width] tensors several times per layer and step, and each
// separate op streams whole tensors through memory.
#include "tanh_backward.h"

namespace lattice {
namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per thread chunk, as the elementwise kernels

template <typename T>
void tanhBackwardTyped(Context& ctx, const T* a, const T* b, const T* c, T* out, int64_t n) {
  if (c == nullptr) {
    ctx.pool.parallelFor(0, n, kGrain, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) out[i] = a[i] * (T(1) - b[i] * b[i]);
    });
  } else {
    ctx.pool.parallelFor(0, n, kGrain, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) out[i] = T(-2) * a[i] * b[i] * c[i];
    });
  }
}

}  // namespace

void tanhBackwardKernel(Context& ctx, ElemType type, const void* a, const void* b, const void* c, void* out, int64_t n) {
  if (type == ElemType::F32) {
    tanhBackwardTyped(ctx, static_cast<const float*>(a), static_cast<const float*>(b), static_cast<const float*>(c),
                      static_cast<float*>(out), n);
  } else if (type == ElemType::F64) {
    tanhBackwardTyped(ctx, static_cast<const double*>(a), static_cast<const double*>(b), static_cast<const double*>(c),
                      static_cast<double*>(out), n);
  }
}

}  // namespace lattice

// The fused gradient kernels of tanh (see src/ops/tanh-backward.ts for the ops they serve).
//
//   c == nullptr:  out = a * (1 - b*b)     tanh's backward: a the output gradient, b = tanh(x)
//   otherwise:     out = -2 * a * b * c    its derivative in b, times the upstream gradient
//
// All arrays hold n elements of one float type; out may alias an input (elementwise).
#pragma once

#include <cstdint>

#include "../context.h"
#include "elementwise.h"

namespace lattice {

void tanhBackwardKernel(Context& ctx, ElemType type, const void* a, const void* b, const void* c, void* out, int64_t n);

}  // namespace lattice

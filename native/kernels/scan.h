// Cumulative sums and products along one axis of a tensor viewed as [outer, len, inner]:
//   out[o,j,i] = x[o,0,i] op x[o,1,i] op ... op x[o,j,i]      (op: + or *)
//   reverse:     x[o,j,i] op ... op x[o,len-1,i]               (cumsum's gradient, in one pass)
// float32/float64 accumulate in double and round each output once, as PyTorch's CPU kernel
// (at::acc_type<float, false> is double); int32 wraps modulo 2^32 like int32 arithmetic.
// out may be x itself (each element is read before its output is written).
#pragma once

#include <cstdint>

#include "../context.h"
#include "elementwise.h"

namespace lattice {

// type: F32, F64 or I32 (the binding rejects U8).
void scanKernel(Context& ctx, bool isProd, bool reverse, ElemType type, const void* x, void* out, int64_t outer, int64_t len,
                int64_t inner);

}  // namespace lattice

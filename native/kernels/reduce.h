// Reductions along one axis of a tensor viewed as [outer, len, inner].
#pragma once

#include <cstdint>

#include "../context.h"
#include "elementwise.h"

namespace lattice {

// Accumulates in double for every input type, so float32 sums of long rows stay accurate.
void reduceKernel(Context& ctx, ReduceOp op, ElemType type, const void* x, void* out, int64_t outer, int64_t len, int64_t inner);
// First index of the max (or min); a NaN wins. values may be null.
void argReduceKernel(Context& ctx, bool isMax, ElemType type, const void* x, void* values, int32_t* indices,
                     int64_t outer, int64_t len, int64_t inner);
void softmaxKernel(Context& ctx, bool log, ElemType type, const void* x, void* out, int64_t outer, int64_t len, int64_t inner);

}  // namespace lattice

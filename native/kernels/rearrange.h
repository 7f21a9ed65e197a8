// Kernels that move elements without computing on them (any element type, copied as raw bits; out
// must not share memory with x). A tensor is viewed as [outer, len, inner] around one axis:
//   flip:     out[o, j, i] = x[o, len-1-j, i]
//   roll:     out[o, (j + shift) mod len, i] = x[o, j, i]       (0 <= shift < len)
//   triangle: `batch` matrices [rows, cols]; out[b, i, j] = x[b, i, j] where j - i <= diagonal (lower,
//             tril) or j - i >= diagonal (upper, triu), else 0.
#pragma once

#include <cstdint>

#include "../context.h"
#include "elementwise.h"

namespace lattice {

void flipKernel(Context& ctx, ElemType type, const void* x, void* out, int64_t outer, int64_t len, int64_t inner);
void rollKernel(Context& ctx, ElemType type, const void* x, void* out, int64_t outer, int64_t len, int64_t inner, int64_t shift);
void triangleKernel(Context& ctx, bool lower, ElemType type, const void* x, void* out, int64_t batch, int64_t rows, int64_t cols,
                    int64_t diagonal);

}  // namespace lattice

// Sorting along one axis of a tensor viewed as [outer, len, inner] (sort, argsort, topk): each line
// x[o, :, i] is put in stable order, ascending or descending, and its first k entries are written to
// values and indices [outer, k, inner]. NaN sorts as the largest value (PyTorch's rule); -0 and +0 are
// equal. Ties keep their original order, so both backends give the same indices.
#pragma once

#include <cstdint>

#include "../context.h"
#include "elementwise.h"

namespace lattice {

void sortKernel(Context& ctx, ElemType type, const void* x, void* values, int32_t* indices, int64_t outer, int64_t len,
                int64_t inner, int64_t k, bool descending);

}  // namespace lattice

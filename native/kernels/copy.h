// Data movement: strided copies (transpose, permute, slices, cat, expand) and indexing.
#pragma once

#include <cstdint>

#include "../context.h"
#include "elementwise.h"

namespace lattice {

// dst[dstOffset + sum_d i_d dstStrides[d]] = src[srcOffset + sum_d i_d srcStrides[d]] for every index i of shape
// (strides >= 0, src and dst apart; see copy_strided.cc). Large copies run on ctx's pool.
void copyStridedKernel(Context& ctx, ElemType type, const void* src, int64_t srcOffset, const int32_t* srcStrides, void* dst,
                       int64_t dstOffset, const int32_t* dstStrides, const int32_t* shape, int nd);
void gatherKernel(ElemType type, const void* x, const int32_t* index, void* out, int64_t outer, int64_t len, int64_t idxLen, int64_t inner);
void scatterAddKernel(ElemType type, const void* src, const int32_t* index, void* out, int64_t outer, int64_t len, int64_t idxLen, int64_t inner);
void indexSelectKernel(ElemType type, const void* x, const int32_t* index, int64_t n, void* out, int64_t outer, int64_t len, int64_t inner);
void indexAddKernel(ElemType type, const void* src, const int32_t* index, int64_t n, void* out, int64_t outer, int64_t len, int64_t inner);

}  // namespace lattice

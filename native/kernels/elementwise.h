// Elementwise kernels: unary maps, broadcasting binary ops, where, casts.
#pragma once

#include <cstdint>

#include "../context.h"
#include "opcodes.h"

namespace lattice {

// Element types the kernels are instantiated for (mirrors TS dtypes).
enum class ElemType : int { F32, F64, I32, U8 };

void unaryKernel(Context& ctx, UnaryOp op, ElemType type, const void* x, void* out, int64_t n, double p0, double p1);

// shape == nullptr: same-length (or length-1 broadcast) fast path.
// Comparisons and logical ops write uint8 0/1 into out.
void binaryKernel(Context& ctx, BinaryOp op, ElemType type, const void* a, int64_t aLen, const void* b, int64_t bLen,
                  void* out, int64_t n, const int32_t* shape, const int32_t* aStrides, const int32_t* bStrides, int nd);

void whereKernel(Context& ctx, ElemType type, const uint8_t* cond, const void* a, const void* b, void* out, const int32_t* shape,
                 const int32_t* cStrides, const int32_t* aStrides, const int32_t* bStrides, int nd);

void castKernel(ElemType from, const void* src, ElemType to, void* dst, int64_t n);

bool isComparison(BinaryOp op);

}  // namespace lattice

#include "rearrange.h"

#include <algorithm>
#include <cstring>

namespace lattice {
namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per thread chunk, as the elementwise kernels

size_t elemSize(ElemType t) { return t == ElemType::F64 ? 8 : t == ElemType::U8 ? 1 : 4; }

// T is an unsigned integer of the element's size: the bits move unchanged (a NaN's payload too).
template <typename T>
void flipTyped(Context& ctx, const T* x, T* out, int64_t outer, int64_t len, int64_t inner) {
  if (inner == 1) {
    // Reversing the last axis: each row read backwards, which the compiler turns into vector loads and shuffles.
    ctx.pool.parallelFor(0, outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, len)), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* src = x + o * len + (len - 1);
        T* dst = out + o * len;
        for (int64_t j = 0; j < len; ++j) dst[j] = src[-j];
      }
    });
    return;
  }
  // Otherwise whole runs of inner elements move: one memcpy per (o, j).
  const size_t run = static_cast<size_t>(inner) * sizeof(T);
  ctx.pool.parallelFor(0, outer * len, std::max<int64_t>(1, kGrain / inner), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / len, j = r % len;
      std::memcpy(out + r * inner, x + (o * len + (len - 1 - j)) * inner, run);
    }
  });
}

}  // namespace

void flipKernel(Context& ctx, ElemType type, const void* x, void* out, int64_t outer, int64_t len, int64_t inner) {
  switch (type) {
    case ElemType::F64: flipTyped(ctx, static_cast<const uint64_t*>(x), static_cast<uint64_t*>(out), outer, len, inner); break;
    case ElemType::F32:
    case ElemType::I32: flipTyped(ctx, static_cast<const uint32_t*>(x), static_cast<uint32_t*>(out), outer, len, inner); break;
    case ElemType::U8: flipTyped(ctx, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(out), outer, len, inner); break;
  }
}

// Within one o, the entries [o, j, :] for a range of j are contiguous, so a roll is two copies per o:
// x's first len - shift rows land at row shift, its last shift rows at row 0.
void rollKernel(Context& ctx, ElemType type, const void* x, void* out, int64_t outer, int64_t len, int64_t inner, int64_t shift) {
  const size_t row = static_cast<size_t>(inner) * elemSize(type);
  const auto* src = static_cast<const uint8_t*>(x);
  auto* dst = static_cast<uint8_t*>(out);
  const int64_t slice = len * inner;
  ctx.pool.parallelFor(0, outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, slice)), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      const uint8_t* from = src + static_cast<size_t>(o * len) * row;
      uint8_t* to = dst + static_cast<size_t>(o * len) * row;
      std::memcpy(to + static_cast<size_t>(shift) * row, from, static_cast<size_t>(len - shift) * row);
      std::memcpy(to, from + static_cast<size_t>(len - shift) * row, static_cast<size_t>(shift) * row);
    }
  });
}

// Row i keeps columns [0, i + diagonal] (lower) or [i + diagonal, cols) (upper): one copy and at most
// two zero fills per row (a zero of every element type is all zero bits).
void triangleKernel(Context& ctx, bool lower, ElemType type, const void* x, void* out, int64_t batch, int64_t rows, int64_t cols,
                    int64_t diagonal) {
  const size_t size = elemSize(type);
  const auto* src = static_cast<const uint8_t*>(x);
  auto* dst = static_cast<uint8_t*>(out);
  ctx.pool.parallelFor(0, batch * rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, cols)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t i = r % rows;
      const int64_t edge = std::clamp<int64_t>(lower ? i + diagonal + 1 : i + diagonal, 0, cols);
      const int64_t keepFrom = lower ? 0 : edge, keepTo = lower ? edge : cols;
      const size_t base = static_cast<size_t>(r * cols) * size;
      std::memset(dst + base, 0, static_cast<size_t>(keepFrom) * size);
      std::memcpy(dst + base + static_cast<size_t>(keepFrom) * size, src + base + static_cast<size_t>(keepFrom) * size,
                  static_cast<size_t>(keepTo - keepFrom) * size);
      std::memset(dst + base + static_cast<size_t>(keepTo) * size, 0, static_cast<size_t>(cols - keepTo) * size);
    }
  });
}

}  // namespace lattice

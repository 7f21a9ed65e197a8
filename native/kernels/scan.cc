#include "scan.h"

#include <algorithm>
#include <type_traits>

namespace lattice {
namespace {

// Columns of one [len, inner] slice handled together when inner > 1: each step j reads a
// contiguous run of x and adds it to as many accumulators, instead of walking down one
// column with a cache miss per element.
constexpr int64_t kBlock = 256;

template <typename T>
using AccOf = std::conditional_t<std::is_integral_v<T>, uint32_t, double>;

template <typename T, bool kProd>
inline AccOf<T> step(AccOf<T> acc, T v) {
  const auto a = static_cast<AccOf<T>>(v);
  return kProd ? acc * a : acc + a;
}

template <typename T>
inline T fromAcc(AccOf<T> acc) {
  if constexpr (std::is_integral_v<T>) return static_cast<T>(static_cast<int32_t>(acc));
  else return static_cast<T>(acc);
}

template <typename T, bool kProd>
void scanTyped(Context& ctx, bool reverse, const T* x, T* out, int64_t outer, int64_t len, int64_t inner) {
  if (len == 0) return;
  using Acc = AccOf<T>;
  const Acc init = kProd ? Acc(1) : Acc(0);
  // Step s visits position j = s (or len-1-s in reverse) of a line.
  const int64_t first = reverse ? len - 1 : 0, dir = reverse ? -1 : 1;
  if (inner == 1) {
    // One line per row, in order: the dependency chain is the line itself.
    const int64_t grain = std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, len));
    ctx.pool.parallelFor(0, outer, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* src = x + o * len + first;
        T* dst = out + o * len + first;
        Acc acc = init;
        for (int64_t s = 0; s < len; ++s) {
          acc = step<T, kProd>(acc, src[s * dir]);
          dst[s * dir] = fromAcc<T>(acc);
        }
      }
    });
    return;
  }
  const int64_t blocks = (inner + kBlock - 1) / kBlock;
  const int64_t work = std::max<int64_t>(1, len * std::min(inner, kBlock));
  const int64_t grain = std::max<int64_t>(1, (1 << 15) / work);
  ctx.pool.parallelFor(0, outer * blocks, grain, [&](int64_t b, int64_t e) {
    Acc acc[kBlock];
    for (int64_t item = b; item < e; ++item) {
      const int64_t o = item / blocks, i0 = (item % blocks) * kBlock;
      const int64_t n = std::min(kBlock, inner - i0);
      std::fill(acc, acc + n, init);
      const T* src = x + (o * len + first) * inner + i0;
      T* dst = out + (o * len + first) * inner + i0;
      for (int64_t s = 0; s < len; ++s) {
        const T* row = src + s * dir * inner;
        T* to = dst + s * dir * inner;
        for (int64_t k = 0; k < n; ++k) {
          acc[k] = step<T, kProd>(acc[k], row[k]);
          to[k] = fromAcc<T>(acc[k]);
        }
      }
    }
  });
}

template <typename T>
void scanDispatch(Context& ctx, bool isProd, bool reverse, const void* x, void* out, int64_t outer, int64_t len, int64_t inner) {
  if (isProd) scanTyped<T, true>(ctx, reverse, static_cast<const T*>(x), static_cast<T*>(out), outer, len, inner);
  else scanTyped<T, false>(ctx, reverse, static_cast<const T*>(x), static_cast<T*>(out), outer, len, inner);
}

}  // namespace

void scanKernel(Context& ctx, bool isProd, bool reverse, ElemType type, const void* x, void* out, int64_t outer, int64_t len,
                int64_t inner) {
  switch (type) {
    case ElemType::F32: scanDispatch<float>(ctx, isProd, reverse, x, out, outer, len, inner); break;
    case ElemType::F64: scanDispatch<double>(ctx, isProd, reverse, x, out, outer, len, inner); break;
    case ElemType::I32: scanDispatch<int32_t>(ctx, isProd, reverse, x, out, outer, len, inner); break;
    case ElemType::U8: break;
  }
}

}  // namespace lattice

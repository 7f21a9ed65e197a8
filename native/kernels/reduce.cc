#include "reduce.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lattice {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The sum of a contiguous run in eight independent double chains (element j in chain j % 8),
// combined pairwise, then the tail: one chain waited out each add's latency, and a sum over
// a [256, 256] gradient took ~90 us. The order is fixed by len alone.
template <typename T>
double sumContiguous(const T* x, int64_t len) {
  double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t j = 0;
  for (; j + 8 <= len; j += 8) {
    for (int k = 0; k < 8; ++k) a[k] += static_cast<double>(x[j + k]);
  }
  double acc = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
  for (; j < len; ++j) acc += static_cast<double>(x[j]);
  return acc;
}

template <typename T>
double reduceOne(ReduceOp op, const T* x, int64_t len, int64_t inner) {
  switch (op) {
    case ReduceOp::sum:
    case ReduceOp::mean: {
      double acc = 0;
      if (inner == 1) {
        acc = sumContiguous(x, len);
      } else {
        for (int64_t j = 0; j < len; ++j) acc += static_cast<double>(x[j * inner]);
      }
      return op == ReduceOp::mean ? acc / static_cast<double>(len) : acc;
    }
    case ReduceOp::prod: {
      double acc = 1;
      for (int64_t j = 0; j < len; ++j) acc *= static_cast<double>(x[j * inner]);
      return acc;
    }
    case ReduceOp::max:
    case ReduceOp::min: {
      const bool isMax = op == ReduceOp::max;
      double acc = isMax ? -kInf : kInf;
      for (int64_t j = 0; j < len; ++j) {
        const double v = static_cast<double>(x[j * inner]);
        if (v != v) return v;
        if (isMax ? v > acc : v < acc) acc = v;
      }
      return acc;
    }
    case ReduceOp::logsumexp: {
      // logsumexp(x) = m + log(sum exp(x - m)), m = max(x): no overflow.
      double m = -kInf;
      for (int64_t j = 0; j < len; ++j) {
        const double v = static_cast<double>(x[j * inner]);
        if (v > m || v != v) m = v;
      }
      if (std::isinf(m) || m != m) return m;
      double s = 0;
      for (int64_t j = 0; j < len; ++j) s += std::exp(static_cast<double>(x[j * inner]) - m);
      return m + std::log(s);
    }
    default: return 0;
  }
}

// Integer sums and products wrap modulo 2^32, as int32 arithmetic does (and as
// PyTorch's int64 result cast back to int32 would). Accumulating in uint32_t makes
// the wrap defined and exact; a double accumulator loses bits past 2^53 and its
// out-of-range cast back to int is undefined, so the backends disagreed there.
template <typename T>
uint32_t reduceIntWrapped(ReduceOp op, const T* x, int64_t len, int64_t inner) {
  const bool isProd = op == ReduceOp::prod;
  uint32_t acc = isProd ? 1u : 0u;
  for (int64_t j = 0; j < len; ++j) {
    const auto v = static_cast<uint32_t>(static_cast<int32_t>(x[j * inner]));
    acc = isProd ? acc * v : acc + v;
  }
  return acc;
}

// Float sums along a strided dim (inner > 1, e.g. a bias gradient summed over the batch):
// outputs r0..r1 a block of up to 256 at a time, x read row by row. Each output still adds
// its elements in order j = 0..len-1, as one output at a time did, but that walked down a
// column with a cache miss per element: sum over dim 0 of [256, 256] took ~67 us.
template <typename T>
void sumStrided(const T* x, T* out, int64_t r0, int64_t r1, int64_t len, int64_t inner, bool mean) {
  constexpr int64_t kBlock = 256;
  double acc[kBlock];
  for (int64_t r = r0; r < r1;) {
    const int64_t o = r / inner, i0 = r % inner;
    const int64_t n = std::min(std::min(kBlock, inner - i0), r1 - r);
    std::fill(acc, acc + n, 0.0);
    const T* base = x + o * len * inner + i0;
    for (int64_t j = 0; j < len; ++j) {
      const T* row = base + j * inner;
      for (int64_t k = 0; k < n; ++k) acc[k] += static_cast<double>(row[k]);
    }
    for (int64_t k = 0; k < n; ++k) out[r + k] = static_cast<T>(mean ? acc[k] / static_cast<double>(len) : acc[k]);
    r += n;
  }
}

template <typename T>
void reduceTyped(Context& ctx, ReduceOp op, const T* x, T* out, int64_t outer, int64_t len, int64_t inner) {
  const int64_t rows = outer * inner;
  const int64_t grain = std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, len));
  ctx.pool.parallelFor(0, rows, grain, [&](int64_t b, int64_t e) {
    if constexpr (!std::is_integral_v<T>) {
      if ((op == ReduceOp::sum || op == ReduceOp::mean) && inner > 1) {
        sumStrided(x, out, b, e, len, inner, op == ReduceOp::mean);
        return;
      }
    }
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / inner, i = r % inner;
      if constexpr (std::is_integral_v<T>) {
        if (op == ReduceOp::sum || op == ReduceOp::prod) {
          out[r] = static_cast<T>(static_cast<int32_t>(reduceIntWrapped<T>(op, x + o * len * inner + i, len, inner)));
          continue;
        }
      }
      const double v = reduceOne<T>(op, x + o * len * inner + i, len, inner);
      if constexpr (std::is_integral_v<T>) out[r] = static_cast<T>(static_cast<int64_t>(v));
      else out[r] = static_cast<T>(v);
    }
  });
}

template <typename T>
void argReduceTyped(Context& ctx, bool isMax, const T* x, T* values, int32_t* indices, int64_t outer, int64_t len, int64_t inner) {
  const int64_t rows = outer * inner;
  const int64_t grain = std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, len));
  ctx.pool.parallelFor(0, rows, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / inner, i = r % inner;
      const T* row = x + o * len * inner + i;
      T best = row[0];
      int32_t at = 0;
      if (best == best) {
        for (int64_t j = 1; j < len; ++j) {
          const T v = row[j * inner];
          if (v != v) { best = v; at = static_cast<int32_t>(j); break; }
          if (isMax ? v > best : v < best) { best = v; at = static_cast<int32_t>(j); }
        }
      }
      indices[r] = at;
      if (values) values[r] = best;
    }
  });
}

template <typename T>
void softmaxTyped(Context& ctx, bool log, const T* x, T* out, int64_t outer, int64_t len, int64_t inner) {
  const int64_t rows = outer * inner;
  const int64_t grain = std::max<int64_t>(1, (1 << 14) / std::max<int64_t>(1, len));
  ctx.pool.parallelFor(0, rows, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t o = r / inner, i = r % inner;
      const T* row = x + o * len * inner + i;
      T* dst = out + o * len * inner + i;
      double m = -kInf;
      for (int64_t j = 0; j < len; ++j) {
        const double v = row[j * inner];
        if (v > m || v != v) m = v;
      }
      if (m == -kInf) m = 0;
      double s = 0;
      for (int64_t j = 0; j < len; ++j) s += std::exp(static_cast<double>(row[j * inner]) - m);
      const double logS = std::log(s);
      for (int64_t j = 0; j < len; ++j) {
        const double v = row[j * inner];
        dst[j * inner] = static_cast<T>(log ? v - m - logS : std::exp(v - m) / s);
      }
    }
  });
}

}  // namespace

void reduceKernel(Context& ctx, ReduceOp op, ElemType type, const void* x, void* out, int64_t outer, int64_t len, int64_t inner) {
  switch (type) {
    case ElemType::F32: reduceTyped(ctx, op, static_cast<const float*>(x), static_cast<float*>(out), outer, len, inner); break;
    case ElemType::F64: reduceTyped(ctx, op, static_cast<const double*>(x), static_cast<double*>(out), outer, len, inner); break;
    case ElemType::I32: reduceTyped(ctx, op, static_cast<const int32_t*>(x), static_cast<int32_t*>(out), outer, len, inner); break;
    case ElemType::U8: reduceTyped(ctx, op, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(out), outer, len, inner); break;
  }
}

void argReduceKernel(Context& ctx, bool isMax, ElemType type, const void* x, void* values, int32_t* indices,
                     int64_t outer, int64_t len, int64_t inner) {
  switch (type) {
    case ElemType::F32: argReduceTyped(ctx, isMax, static_cast<const float*>(x), static_cast<float*>(values), indices, outer, len, inner); break;
    case ElemType::F64: argReduceTyped(ctx, isMax, static_cast<const double*>(x), static_cast<double*>(values), indices, outer, len, inner); break;
    case ElemType::I32: argReduceTyped(ctx, isMax, static_cast<const int32_t*>(x), static_cast<int32_t*>(values), indices, outer, len, inner); break;
    case ElemType::U8: argReduceTyped(ctx, isMax, static_cast<const uint8_t*>(x), static_cast<uint8_t*>(values), indices, outer, len, inner); break;
  }
}

void softmaxKernel(Context& ctx, bool log, ElemType type, const void* x, void* out, int64_t outer, int64_t len, int64_t inner) {
  if (type == ElemType::F32) softmaxTyped(ctx, log, static_cast<const float*>(x), static_cast<float*>(out), outer, len, inner);
  else softmaxTyped(ctx, log, static_cast<const double*>(x), static_cast<double*>(out), outer, len, inner);
}

}  // namespace lattice

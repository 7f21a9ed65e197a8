// Fused softmax cross-entropy. With l = logsumexp_c x_c, p_c = exp(x_c - l), weights w (ones if
// none), smoothing e and W = sum_c w_c:
//   class index y:  loss = (1-e) w_y (l - x_y) + (e/C) sum_c w_c (l - x_c)
//                   dloss/dx_j = p_j ((1-e) w_y + (e/C) W) - (1-e) w_y [j == y] - (e/C) w_j
//   probabilities:  t'_c = (1-e) t_c + e/C,  loss = sum_c w_c t'_c (l - x_c)
//                   dloss/dx_j = p_j sum_c w_c t'_c - w_j t'_j
// Rows whose target is ignoreIndex give loss 0 and gradient 0. Everything accumulates in double.
#include "losses.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lattice {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

template <typename T>
double rowLogSumExp(const T* row, int64_t classes, int64_t inner) {
  double m = -kInf;
  for (int64_t c = 0; c < classes; ++c) {
    const double v = row[c * inner];
    if (v > m || v != v) m = v;
  }
  if (m != m || std::isinf(m)) return m;
  double s = 0;
  for (int64_t c = 0; c < classes; ++c) s += std::exp(static_cast<double>(row[c * inner]) - m);
  return m + std::log(s);
}

template <typename T>
int64_t rowGrain(const CrossEntropyArgs<T>& a) {
  return std::max<int64_t>(1, (1 << 13) / std::max<int64_t>(1, a.classes));
}

}  // namespace

template <typename T>
void crossEntropyKernel(Context& ctx, const CrossEntropyArgs<T>& a, T* loss, T* logSumExp) {
  const int64_t C = a.classes, inner = a.inner, rows = a.outer * inner;
  const double e = a.labelSmoothing;
  ctx.pool.parallelFor(0, rows, rowGrain(a), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t o = r / inner, i = r % inner;
      const T* row = a.x + o * C * inner + i;
      const double l = rowLogSumExp(row, C, inner);
      logSumExp[r] = static_cast<T>(l);
      double value = 0;
      if (a.target) {
        const int64_t y = a.target[r];
        if (y != a.ignoreIndex) {
          value = (1 - e) * (a.weight ? static_cast<double>(a.weight[y]) : 1.0) * (l - static_cast<double>(row[y * inner]));
          if (e > 0) {
            double smooth = 0;
            for (int64_t c = 0; c < C; ++c)
              smooth += (a.weight ? static_cast<double>(a.weight[c]) : 1.0) * (l - static_cast<double>(row[c * inner]));
            value += e / static_cast<double>(C) * smooth;
          }
        }
      } else {
        const T* t = a.probs + o * C * inner + i;
        for (int64_t c = 0; c < C; ++c) {
          const double tc = (1 - e) * static_cast<double>(t[c * inner]) + e / static_cast<double>(C);
          value += (a.weight ? static_cast<double>(a.weight[c]) : 1.0) * tc * (l - static_cast<double>(row[c * inner]));
        }
      }
      loss[r] = static_cast<T>(value);
    }
  });
}

template <typename T>
void crossEntropyBackwardKernel(Context& ctx, const CrossEntropyArgs<T>& a, const T* logSumExp, const T* gradLoss, T* gradX) {
  const int64_t C = a.classes, inner = a.inner, rows = a.outer * inner;
  const double e = a.labelSmoothing, eC = e / static_cast<double>(C);
  double wSum = 0;
  for (int64_t c = 0; c < C; ++c) wSum += a.weight ? static_cast<double>(a.weight[c]) : 1.0;
  ctx.pool.parallelFor(0, rows, rowGrain(a), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t o = r / inner, i = r % inner;
      const int64_t base = o * C * inner + i;
      const T* row = a.x + base;
      T* g = gradX + base;
      const double gr = gradLoss[r], l = logSumExp[r];
      if (a.target) {
        const int64_t y = a.target[r];
        if (y == a.ignoreIndex) {
          for (int64_t c = 0; c < C; ++c) g[c * inner] = 0;
          continue;
        }
        const double wy = a.weight ? static_cast<double>(a.weight[y]) : 1.0;
        const double pCoef = (1 - e) * wy + eC * wSum;
        for (int64_t c = 0; c < C; ++c) {
          const double p = std::exp(static_cast<double>(row[c * inner]) - l);
          const double wc = a.weight ? static_cast<double>(a.weight[c]) : 1.0;
          g[c * inner] = static_cast<T>(gr * (pCoef * p - (c == y ? (1 - e) * wy : 0.0) - eC * wc));
        }
      } else {
        const T* t = a.probs + base;
        double mass = 0;
        for (int64_t c = 0; c < C; ++c)
          mass += (a.weight ? static_cast<double>(a.weight[c]) : 1.0) * ((1 - e) * static_cast<double>(t[c * inner]) + eC);
        for (int64_t c = 0; c < C; ++c) {
          const double tc = (1 - e) * static_cast<double>(t[c * inner]) + eC;
          const double wc = a.weight ? static_cast<double>(a.weight[c]) : 1.0;
          g[c * inner] = static_cast<T>(gr * (mass * std::exp(static_cast<double>(row[c * inner]) - l) - wc * tc));
        }
      }
    }
  });
}

template void crossEntropyKernel<float>(Context&, const CrossEntropyArgs<float>&, float*, float*);
template void crossEntropyKernel<double>(Context&, const CrossEntropyArgs<double>&, double*, double*);
template void crossEntropyBackwardKernel<float>(Context&, const CrossEntropyArgs<float>&, const float*, const float*, float*);
template void crossEntropyBackwardKernel<double>(Context&, const CrossEntropyArgs<double>&, const double*, const double*, double*);

}  // namespace lattice

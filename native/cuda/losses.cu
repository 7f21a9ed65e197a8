// The fused softmax cross-entropy, forward and backward, one block per row; the formulas
// are in reference/losses.ts (class-index targets with ignoreIndex, probability targets,
// class weights and label smoothing).
#include "reduce.cuh"

namespace lattice {
namespace cuda {
namespace {

template <typename T>
__device__ double rowLogSumExp(const RowView<T>& row, double* shared) {
  double m = -INFINITY;
  for (int64_t j = threadIdx.x; j < row.len; j += blockDim.x) m = extremeOf(m, static_cast<double>(row[j]), false);
  m = blockReduce<double>(m, [](double p, double q) { return extremeOf(p, q, false); }, shared);
  if (m != m || m == INFINITY || m == -INFINITY) return m;
  double s = 0;
  for (int64_t j = threadIdx.x; j < row.len; j += blockDim.x) s += exp(static_cast<double>(row[j]) - m);
  return m + log(blockReduce<double>(s, Plus{}, shared));
}

template <typename T>
__device__ inline double weightOf(const T* w, int64_t c) { return w ? static_cast<double>(w[c]) : 1.0; }

template <typename T>
__global__ void crossEntropyKernel(const T* x, int64_t outer, int64_t classes, int64_t inner, const int32_t* target,
                                   const T* probs, const T* weight, int64_t ignoreIndex, double e, T* loss, T* logSumExp) {
  __shared__ double shared[32];
  for (int64_t r = blockIdx.x; r < outer * inner; r += gridDim.x) {
    const RowView<T> row{x, r, classes, inner};
    const double l = rowLogSumExp(row, shared);
    double value = 0;
    if (target) {
      const int32_t y = target[r];
      if (y != ignoreIndex && (y < 0 || y >= classes)) {
        value = NAN;  // the op checks targets; a raw call with a stray one gets NaN, not a fault
      } else if (y != ignoreIndex) {
        double smooth = 0;
        if (e > 0) {
          for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) smooth += weightOf(weight, c) * (l - static_cast<double>(row[c]));
          smooth = blockReduce<double>(smooth, Plus{}, shared);
        }
        value = (1 - e) * weightOf(weight, y) * (l - static_cast<double>(row[y])) + (e / classes) * smooth;
      }
    } else {
      const RowView<T> t{probs, r, classes, inner};
      for (int64_t c = threadIdx.x; c < classes; c += blockDim.x)
        value += weightOf(weight, c) * ((1 - e) * static_cast<double>(t[c]) + e / classes) * (l - static_cast<double>(row[c]));
      value = blockReduce<double>(value, Plus{}, shared);
    }
    if (threadIdx.x == 0) {
      loss[r] = static_cast<T>(value);
      logSumExp[r] = static_cast<T>(l);
    }
    __syncthreads();
  }
}

template <typename T>
__global__ void crossEntropyBackwardKernel(const T* x, int64_t outer, int64_t classes, int64_t inner, const int32_t* target,
                                           const T* probs, const T* weight, int64_t ignoreIndex, double e,
                                           const T* logSumExp, const T* gradLoss, T* gradX) {
  __shared__ double shared[32];
  for (int64_t r = blockIdx.x; r < outer * inner; r += gridDim.x) {
    const RowView<T> row{x, r, classes, inner};
    T* gx = gradX + row.base();
    const double g = static_cast<double>(gradLoss[r]), l = static_cast<double>(logSumExp[r]);
    if (target) {
      const int32_t y = target[r];
      if (y == ignoreIndex || y < 0 || y >= classes) {
        for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) gx[c * inner] = T(0);
        continue;  // uniform across the block: no barrier is skipped by some threads only
      }
      double wSum = 0;
      for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) wSum += weightOf(weight, c);
      wSum = blockReduce<double>(wSum, Plus{}, shared);
      const double wy = weightOf(weight, y);
      const double pCoef = (1 - e) * wy + (e / classes) * wSum;
      for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
        const double p = exp(static_cast<double>(row[c]) - l);
        gx[c * inner] = static_cast<T>(g * (pCoef * p - (c == y ? (1 - e) * wy : 0.0) - (e / classes) * weightOf(weight, c)));
      }
    } else {
      const RowView<T> t{probs, r, classes, inner};
      double mass = 0;
      for (int64_t c = threadIdx.x; c < classes; c += blockDim.x)
        mass += weightOf(weight, c) * ((1 - e) * static_cast<double>(t[c]) + e / classes);
      mass = blockReduce<double>(mass, Plus{}, shared);
      for (int64_t c = threadIdx.x; c < classes; c += blockDim.x) {
        const double tc = (1 - e) * static_cast<double>(t[c]) + e / classes;
        gx[c * inner] = static_cast<T>(g * (mass * exp(static_cast<double>(row[c]) - l) - weightOf(weight, c) * tc));
      }
    }
    __syncthreads();
  }
}

}  // namespace

void crossEntropy(const CrossEntropyArgs& a, void* loss, void* logSumExp) {
  const int64_t rows = a.outer * a.inner;
  if (rows == 0) return;
  dispatchFloat(a.t, "cuda crossEntropy", [&](auto tag) {
    using T = decltype(tag);
    crossEntropyKernel<T><<<rowBlocks(rows), rowThreads(rows, a.classes), 0, stream()>>>(
        static_cast<const T*>(a.x), a.outer, a.classes, a.inner, a.target, static_cast<const T*>(a.probs),
        static_cast<const T*>(a.weight), a.ignoreIndex, a.labelSmoothing, static_cast<T*>(loss), static_cast<T*>(logSumExp));
  });
  checkLaunch("cuda crossEntropy");
}

void crossEntropyBackward(const CrossEntropyArgs& a, const void* logSumExp, const void* gradLoss, void* gradX) {
  const int64_t rows = a.outer * a.inner;
  if (rows == 0) return;
  dispatchFloat(a.t, "cuda crossEntropyBackward", [&](auto tag) {
    using T = decltype(tag);
    crossEntropyBackwardKernel<T><<<rowBlocks(rows), rowThreads(rows, a.classes), 0, stream()>>>(
        static_cast<const T*>(a.x), a.outer, a.classes, a.inner, a.target, static_cast<const T*>(a.probs),
        static_cast<const T*>(a.weight), a.ignoreIndex, a.labelSmoothing, static_cast<const T*>(logSumExp),
        static_cast<const T*>(gradLoss), static_cast<T*>(gradX));
  });
  checkLaunch("cuda crossEntropyBackward");
}

}  // namespace cuda
}  // namespace lattice

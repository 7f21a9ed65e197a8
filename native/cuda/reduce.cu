// Along-one-axis kernels over x viewed as [outer, len, inner]: reductions, arg-reductions,
// softmax, and the gather/scatter family. Row r = o * inner + i is x[o, :, i]. A reduction
// runs one block per row (32 threads when there are many rows, 256 when few) and
// accumulates floats in double, as the CPU kernels do; int32 sums and products wrap.
#include <cmath>

#include "reduce.cuh"

namespace lattice {
namespace cuda {
namespace {

enum Reduce { kSum, kMean, kProd, kMax, kMin, kLogSumExp };

template <typename T>
__global__ void reduceKernel(int op, const T* x, T* out, int64_t outer, int64_t len, int64_t inner) {
  __shared__ double shared[32];
  const int64_t rows = outer * inner;
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const RowView<T> row{x, r, len, inner};
    double acc;
    if constexpr (!std::is_floating_point<T>::value) {
      // Integers: wrap modulo 2^32 (sum, prod), exact max/min (mean and logsumexp are refused above).
      uint32_t a = op == kProd ? 1u : 0u;
      int32_t m = op == kMax ? INT32_MIN : INT32_MAX;
      for (int64_t j = threadIdx.x; j < len; j += blockDim.x) {
        const int32_t v = static_cast<int32_t>(row[j]);
        if (op == kProd) a *= static_cast<uint32_t>(v);
        else if (op == kMax) m = v > m ? v : m;
        else if (op == kMin) m = v < m ? v : m;
        else a += static_cast<uint32_t>(v);
      }
      if (op == kMax || op == kMin) {
        m = blockReduce<int32_t>(m, [op](int32_t p, int32_t q) { return op == kMax ? (p > q ? p : q) : (p < q ? p : q); },
                                 reinterpret_cast<int32_t*>(shared));
        if (threadIdx.x == 0) out[r] = static_cast<T>(m);
      } else {
        a = blockReduce<uint32_t>(a, [op](uint32_t p, uint32_t q) { return op == kProd ? p * q : p + q; },
                                  reinterpret_cast<uint32_t*>(shared));
        if (threadIdx.x == 0) out[r] = static_cast<T>(static_cast<int32_t>(a));
      }
      __syncthreads();
      continue;
    }
    if (op == kMax || op == kMin || op == kLogSumExp) {
      const bool isMin = op == kMin;
      double m = isMin ? INFINITY : -INFINITY;
      for (int64_t j = threadIdx.x; j < len; j += blockDim.x) m = extremeOf(m, static_cast<double>(row[j]), isMin);
      m = blockReduce<double>(m, [isMin](double p, double q) { return extremeOf(p, q, isMin); }, shared);
      acc = m;
      if (op == kLogSumExp && !(m == INFINITY || m == -INFINITY || m != m)) {
        double s = 0;
        for (int64_t j = threadIdx.x; j < len; j += blockDim.x) s += exp(static_cast<double>(row[j]) - m);
        s = blockReduce<double>(s, Plus{}, shared);
        acc = m + log(s);
      }
    } else if (op == kProd) {
      double p = 1;
      for (int64_t j = threadIdx.x; j < len; j += blockDim.x) p *= static_cast<double>(row[j]);
      acc = blockReduce<double>(p, [](double u, double v) { return u * v; }, shared);
    } else {
      double s = 0;
      for (int64_t j = threadIdx.x; j < len; j += blockDim.x) s += static_cast<double>(row[j]);
      acc = blockReduce<double>(s, Plus{}, shared);
      if (op == kMean) acc /= static_cast<double>(len);
    }
    if (threadIdx.x == 0) out[r] = static_cast<T>(acc);
    __syncthreads();  // shared is reused by the next row
  }
}

// First index of the extreme; a NaN wins (the first one), as reference/reduce.ts.
template <typename T>
__global__ void argReduceKernel(bool isMax, const T* x, T* values, int32_t* indices, int64_t outer, int64_t len, int64_t inner) {
  LATTICE_CUDA_LOOP(r, outer * inner) {
    const RowView<T> row{x, r, len, inner};
    T best = row[0];
    int32_t at = 0;
    if (best == best) {
      for (int64_t j = 1; j < len; ++j) {
        const T v = row[j];
        if (v != v) { best = v; at = static_cast<int32_t>(j); break; }
        if (isMax ? v > best : v < best) { best = v; at = static_cast<int32_t>(j); }
      }
    }
    indices[r] = at;
    if (values) values[r] = best;
  }
}

template <typename T>
__global__ void softmaxKernel(bool logOut, const T* x, T* out, int64_t outer, int64_t len, int64_t inner) {
  __shared__ double shared[32];
  const int64_t rows = outer * inner;
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const RowView<T> row{x, r, len, inner};
    double m = -INFINITY;
    for (int64_t j = threadIdx.x; j < len; j += blockDim.x) m = extremeOf(m, static_cast<double>(row[j]), false);
    m = blockReduce<double>(m, [](double p, double q) { return extremeOf(p, q, false); }, shared);
    if (m == -INFINITY) m = 0;
    double s = 0;
    for (int64_t j = threadIdx.x; j < len; j += blockDim.x) s += exp(static_cast<double>(row[j]) - m);
    s = blockReduce<double>(s, Plus{}, shared);
    const double logS = log(s);
    T* o = out + row.base();
    for (int64_t j = threadIdx.x; j < len; j += blockDim.x) {
      const double v = static_cast<double>(row[j]) - m;
      o[j * inner] = static_cast<T>(logOut ? v - logS : exp(v) / s);
    }
    __syncthreads();
  }
}

template <typename T>
__global__ void gatherKernel(const T* x, const int32_t* index, T* out, int64_t len, int64_t idxLen, int64_t inner, int64_t n) {
  LATTICE_CUDA_LOOP(k, n) {
    const int64_t i = k % inner, o = k / (idxLen * inner), j = index[k];
    // Indices are checked by the op; a stray one from a raw call reads 0 instead of faulting.
    out[k] = j >= 0 && j < len ? x[(o * len + j) * inner + i] : T(0);
  }
}

template <typename T>
__global__ void scatterAddKernel(const T* src, const int32_t* index, T* out, int64_t len, int64_t idxLen, int64_t inner, int64_t n) {
  LATTICE_CUDA_LOOP(k, n) {
    const int64_t i = k % inner, o = k / (idxLen * inner), j = index[k];
    if (j >= 0 && j < len) atomicAdd(out + (o * len + j) * inner + i, src[k]);
  }
}

template <typename T>
__global__ void indexSelectKernel(const T* x, const int32_t* index, int64_t idxLen, T* out, int64_t len, int64_t inner, int64_t n) {
  LATTICE_CUDA_LOOP(k, n) {
    const int64_t i = k % inner, j = (k / inner) % idxLen, o = k / (idxLen * inner), at = index[j];
    out[k] = at >= 0 && at < len ? x[(o * len + at) * inner + i] : T(0);
  }
}

template <typename T>
__global__ void indexAddKernel(const T* src, const int32_t* index, int64_t idxLen, T* out, int64_t len, int64_t inner, int64_t n) {
  LATTICE_CUDA_LOOP(k, n) {
    const int64_t i = k % inner, j = (k / inner) % idxLen, o = k / (idxLen * inner), at = index[j];
    if (at >= 0 && at < len) atomicAdd(out + (o * len + at) * inner + i, src[k]);
  }
}

}  // namespace

void reduce(int op, DType t, const void* x, void* out, int64_t outer, int64_t len, int64_t inner) {
  // ops/reduce.ts casts integers to float32 before a mean or logsumexp; the integer loop below
  // has no such result (it would wrap), so a raw call is refused rather than answered wrongly.
  if ((op == kMean || op == kLogSumExp) && t != DType::F32 && t != DType::F64)
    throw std::runtime_error("cuda reduce: mean and logsumexp need float32 or float64 data");
  const int64_t rows = outer * inner;
  if (rows == 0) return;
  if (len == 0) {
    // The empty reduction's identity, as the CPU kernels (sum 0, prod 1, logsumexp -inf, mean NaN).
    const double id = op == kProd ? 1.0 : op == kLogSumExp ? -INFINITY : op == kMean ? NAN : op == kMax ? -INFINITY : op == kMin ? INFINITY : 0.0;
    fill(t, out, rows, id);
    return;
  }
  dispatch(t, [&](auto tag) {
    using T = decltype(tag);
    reduceKernel<T><<<rowBlocks(rows), rowThreads(rows, len), 0, stream()>>>(op, static_cast<const T*>(x), static_cast<T*>(out), outer, len, inner);
  });
  checkLaunch("cuda reduce");
}

void argReduce(bool isMax, DType t, const void* x, void* values, int32_t* indices, int64_t outer, int64_t len, int64_t inner) {
  const int64_t rows = outer * inner;
  if (rows == 0 || len == 0) return;
  dispatch(t, [&](auto tag) {
    using T = decltype(tag);
    argReduceKernel<T><<<blocksFor(rows), kThreads, 0, stream()>>>(isMax, static_cast<const T*>(x), static_cast<T*>(values),
                                                                   indices, outer, len, inner);
  });
  checkLaunch("cuda argReduce");
}

void softmax(bool log, DType t, const void* x, void* out, int64_t outer, int64_t len, int64_t inner) {
  const int64_t rows = outer * inner;
  if (rows == 0 || len == 0) return;
  dispatchFloat(t, "cuda softmax", [&](auto tag) {
    using T = decltype(tag);
    softmaxKernel<T><<<rowBlocks(rows), rowThreads(rows, len), 0, stream()>>>(log, static_cast<const T*>(x), static_cast<T*>(out), outer, len, inner);
  });
  checkLaunch("cuda softmax");
}

void gather(DType t, const void* x, const int32_t* index, void* out, int64_t outer, int64_t len, int64_t idxLen, int64_t inner) {
  const int64_t n = outer * idxLen * inner;
  if (n == 0) return;
  dispatch(t, [&](auto tag) {
    using T = decltype(tag);
    gatherKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<const T*>(x), index, static_cast<T*>(out), len, idxLen, inner, n);
  });
  checkLaunch("cuda gather");
}

void scatterAdd(DType t, const void* src, const int32_t* index, void* out, int64_t outer, int64_t len, int64_t idxLen, int64_t inner) {
  const int64_t n = outer * idxLen * inner;
  if (n == 0) return;
  dispatchFloat(t, "cuda scatterAdd", [&](auto tag) {
    using T = decltype(tag);
    scatterAddKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<const T*>(src), index, static_cast<T*>(out), len, idxLen, inner, n);
  });
  checkLaunch("cuda scatterAdd");
}

void indexSelect(DType t, const void* x, const int32_t* index, int64_t idxLen, void* out, int64_t outer, int64_t len, int64_t inner) {
  const int64_t n = outer * idxLen * inner;
  if (n == 0) return;
  dispatch(t, [&](auto tag) {
    using T = decltype(tag);
    indexSelectKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<const T*>(x), index, idxLen, static_cast<T*>(out), len, inner, n);
  });
  checkLaunch("cuda indexSelect");
}

void indexAdd(DType t, const void* src, const int32_t* index, int64_t idxLen, void* out, int64_t outer, int64_t len, int64_t inner) {
  const int64_t n = outer * idxLen * inner;
  if (n == 0) return;
  dispatchFloat(t, "cuda indexAdd", [&](auto tag) {
    using T = decltype(tag);
    indexAddKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(static_cast<const T*>(src), index, idxLen, static_cast<T*>(out), len, inner, n);
  });
  checkLaunch("cuda indexAdd");
}

}  // namespace cuda
}  // namespace lattice

// Shared pieces of the .cu files: error checks, the stream, launch sizes, dtype dispatch
// and the strided (broadcasting) index walk.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "api.h"

namespace lattice {
namespace cuda {

// Throws with the kernel's name and CUDA's message; an asynchronous fault from an earlier
// launch surfaces at the next check, which is the most CUDA can tell.
inline void check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) throw std::runtime_error(std::string(what) + ": CUDA error: " + cudaGetErrorString(err));
}
inline void checkLaunch(const char* what) { check(cudaGetLastError(), what); }

cudaStream_t stream();  // runtime.cu

constexpr int kThreads = 256;
inline unsigned blocksFor(int64_t n, int threads = kThreads) {
  const int64_t b = (n + threads - 1) / threads;
  return static_cast<unsigned>(b < 1 ? 1 : (b > 65535LL * 32 ? 65535LL * 32 : b));
}

// Grid-stride loop: launches are capped, so every kernel walks the whole range itself.
#define LATTICE_CUDA_LOOP(i, n) \
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < (n); i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// Calls f(T{}) with T the C++ type of t.
template <typename F>
void dispatch(DType t, F&& f) {
  switch (t) {
    case DType::F32: f(float{}); break;
    case DType::F64: f(double{}); break;
    case DType::I32: f(int32_t{}); break;
    default: f(uint8_t{}); break;
  }
}
template <typename F>
void dispatchFloat(DType t, const char* what, F&& f) {
  if (t == DType::F32) f(float{});
  else if (t == DType::F64) f(double{});
  else throw std::runtime_error(std::string(what) + ": needs float32 or float64 data");
}

// Shape and up to three stride sets, passed to kernels by value.
struct Strided {
  int ndim;
  int32_t shape[kMaxDims];
  int32_t strides[3][kMaxDims];
};

inline Strided makeStrided(int ndim, const int32_t* shape, const int32_t* s0, const int32_t* s1, const int32_t* s2) {
  if (ndim > kMaxDims) throw std::runtime_error("strided kernel: more than 12 dims");
  Strided s{};
  s.ndim = ndim;
  for (int d = 0; d < ndim; ++d) {
    s.shape[d] = shape[d];
    s.strides[0][d] = s0 ? s0[d] : 0;
    s.strides[1][d] = s1 ? s1[d] : 0;
    s.strides[2][d] = s2 ? s2[d] : 0;
  }
  return s;
}

// Offsets of flat (row-major) position i in each of the stride sets.
__device__ inline void stridedOffsets(const Strided& s, int64_t i, int64_t off[3]) {
  off[0] = off[1] = off[2] = 0;
  for (int d = s.ndim - 1; d >= 0; --d) {
    const int64_t size = s.shape[d];
    const int64_t k = i % size;
    i /= size;
    off[0] += k * s.strides[0][d];
    off[1] += k * s.strides[1][d];
    off[2] += k * s.strides[2][d];
  }
}

inline int64_t stridedTotal(const Strided& s) {
  int64_t n = 1;
  for (int d = 0; d < s.ndim; ++d) n *= s.shape[d];
  return n;
}

}  // namespace cuda
}  // namespace lattice

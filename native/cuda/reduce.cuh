// Row views and block reductions shared by reduce.cu and losses.cu.
#pragma once

#include <cmath>

#include "common.cuh"

namespace lattice {
namespace cuda {

// Row r = o * inner + i of x viewed as [outer, len, inner]: element j is x[(o*len + j)*inner + i].
template <typename T>
struct RowView {
  const T* x;
  int64_t r, len, inner;
  __device__ int64_t base() const { return (r / inner) * len * inner + r % inner; }
  __device__ T operator[](int64_t j) const { return x[base() + j * inner]; }
};

struct Plus {
  template <typename A>
  __device__ A operator()(A a, A b) const { return a + b; }
};

// max (or min) where a NaN wins.
__device__ inline double extremeOf(double a, double b, bool isMin) {
  if (a != a || b != b) return NAN;
  return isMin ? (b < a ? b : a) : (b > a ? b : a);
}

// Reduces v over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
template <typename A, typename F>
__device__ A blockReduce(A v, F f, A* shared) {
  for (int o = 16; o > 0; o >>= 1) v = f(v, __shfl_down_sync(0xffffffffu, v, o));
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, warps = blockDim.x >> 5;
  if (warps == 1) return __shfl_sync(0xffffffffu, v, 0);
  __syncthreads();  // the previous use of shared is finished
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  if (threadIdx.x == 0) {
    // At most 32 partials: a serial fold needs no identity element for the idle lanes.
    for (int w = 1; w < warps; ++w) v = f(v, shared[w]);
    shared[0] = v;
  }
  __syncthreads();
  return shared[0];
}

// One block per row: a warp when rows are many or short, 256 threads when few and long.
inline unsigned rowThreads(int64_t rows, int64_t len) { return rows >= 2048 || len <= 64 ? 32u : 256u; }
inline unsigned rowBlocks(int64_t rows) { return static_cast<unsigned>(rows < 65535LL * 16 ? rows : 65535LL * 16); }

}  // namespace cuda
}  // namespace lattice

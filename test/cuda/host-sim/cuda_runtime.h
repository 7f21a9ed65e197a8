// Host simulation of the CUDA features the kernels use (scripts/cuda-host-sim.sh): one std::thread per
// CUDA thread, blocks one after another, __syncthreads a std::barrier, shuffles through a buffer,
// atomicAdd under a mutex, and CUDA's global min/max.
#pragma once
#include <math.h>
#include <barrier>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <type_traits>
#include <thread>
#include <vector>
#define __global__
#define __device__
#define __host__
#define __shared__ static
#define __launch_bounds__(x)
#define __align__(n) __attribute__((aligned(n)))
#define __CUDA_ARCH__ 800  // the TF32 kernel's body is compiled for sm_80 and newer
struct dim3 { unsigned x = 1, y = 1, z = 1; dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {} };
inline thread_local dim3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;
inline std::barrier<>* simBarrier = nullptr;
inline void __syncthreads() { simBarrier->arrive_and_wait(); }
template <class T> T __shfl_down_sync(unsigned, T v, int o) {
  static T buf[1024]; const int t = threadIdx.x; buf[t] = v; __syncthreads();
  const T r = (t & 31) + o < 32 ? buf[t + o] : v; __syncthreads(); return r;
}
template <class T> T __shfl_sync(unsigned, T v, int src) {
  static T buf[1024]; buf[threadIdx.x] = v; __syncthreads();
  const T r = buf[(threadIdx.x & ~31u) + src]; __syncthreads(); return r;
}
template <class A, class B> std::common_type_t<A, B> min(A a, B b) { return b < a ? b : a; }
template <class A, class B> std::common_type_t<A, B> max(A a, B b) { return a < b ? b : a; }
inline std::mutex simAtomic;
template <class T> T atomicAdd(T* p, T v) { std::lock_guard<std::mutex> lock(simAtomic); const T old = *p; *p = old + v; return old; }
typedef int cudaError_t; typedef void* cudaStream_t; constexpr int cudaSuccess = 0;
inline const char* cudaGetErrorString(cudaError_t) { return "sim"; }
inline cudaError_t cudaGetLastError() { return 0; }
// The block's threads are made once per launch and walk the grid's blocks together, a barrier
// between blocks (so a block's __shared__ statics are not overwritten while another still reads them).
template <class K, class... A> void simLaunch(K kernel, dim3 grid, unsigned block, A... args) {
  gridDim = grid; blockDim = dim3(block);
  std::barrier<> bar(block); simBarrier = &bar;
  std::vector<std::thread> ts;
  for (unsigned t = 0; t < block; ++t)
    ts.emplace_back([&, t] {
      threadIdx = dim3(t);
      for (unsigned z = 0; z < grid.z; ++z)
        for (unsigned y = 0; y < grid.y; ++y)
          for (unsigned x = 0; x < grid.x; ++x) {
            blockIdx = dim3(x, y, z);
            kernel(args...);
            bar.arrive_and_wait();
          }
    });
  for (auto& th : ts) th.join();
}

// The host side of the CUDA runtime the simulated kernels call (stream, scratch memory), on malloc; fill is
// elementwise.cu's own kernel.
#include <cstring>
#include <cstdlib>
#include "common.cuh"
#include "cublas.cuh"
namespace lattice { namespace cuda {
cudaStream_t stream() { return nullptr; }
void* allocate(size_t b) { return std::malloc(b ? b : 1); }
void release(void* p) { std::free(p); }
void copyToDevice(void* d, const void* s, size_t b) { std::memcpy(d, s, b); }
// No cuBLAS in the simulation: the built-in GEMM kernels run.
bool cublasGemm(DType, bool, bool, int64_t, int64_t, int64_t, double, const void*, const int32_t*, int64_t, const void*, const int32_t*,
                int64_t, double, void*, const int32_t*, int64_t, int64_t, bool) { return false; }
}}

// cuBLAS, when present: loaded at run time (dlopen), never linked, so the addon builds and
// runs without it (cublas.cu).
#pragma once

#include "api.h"

namespace lattice {
namespace cuda {

// Runs the GEMM of api.h's gemm() through cuBLAS and returns true, or returns false (cuBLAS is
// absent, switched off by LATTICE_CUBLAS=0, or failed to start) for the built-in kernels to run it.
bool cublasGemm(DType t, bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const void* a,
                const int32_t* aOffsets, int64_t lda, const void* b, const int32_t* bOffsets, int64_t ldb, double beta, void* c,
                const int32_t* cOffsets, int64_t ldc, int64_t batch, bool allowTf32);

}  // namespace cuda
}  // namespace lattice

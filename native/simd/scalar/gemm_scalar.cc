// Portable GEMM micro-kernels (see simd/gemm_kernels.h for the contract): plain
// C++ loops over an MR x NR accumulator array that the compiler keeps in
// registers (and may vectorise with the baseline SSE2). Used when the CPU has
// neither AVX2 nor AVX-512, or when LATTICE_ISA=scalar.
#include "../gemm_kernels.h"

namespace lattice {
namespace simd {
namespace {

template <typename T, int MR, int NR>
void microKernel(int64_t kc, const T* a, const T* b, T* c, int64_t rsC, int64_t csC,
                 T alpha, T beta, int mr, int nr) {
  T acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < MR; ++i) {
      const T ai = a[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nr; ++j) {
      T& out = c[i * rsC + j * csC];
      out = beta == 0 ? alpha * acc[i][j] : alpha * acc[i][j] + beta * out;
    }
  }
}

}  // namespace

void sgemmMicroScalar(int64_t kc, const float* a, const float* b, float* c, int64_t rsC,
                      int64_t csC, float alpha, float beta, int mr, int nr) {
  microKernel<float, kSgemmScalarMr, kSgemmScalarNr>(kc, a, b, c, rsC, csC, alpha, beta, mr,
                                                     nr);
}

void dgemmMicroScalar(int64_t kc, const double* a, const double* b, double* c, int64_t rsC,
                      int64_t csC, double alpha, double beta, int mr, int nr) {
  microKernel<double, kDgemmScalarMr, kDgemmScalarNr>(kc, a, b, c, rsC, csC, alpha, beta, mr,
                                                      nr);
}

}  // namespace simd
}  // namespace lattice

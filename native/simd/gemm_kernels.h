// GEMM micro-kernels, one translation unit per ISA (simd/<isa>/gemm_<isa>.cc).
// kernels/gemm.cc owns blocking, packing and threading and calls these only for
// an ISA that ctx.isa allows.
//
// Contract of a micro-kernel for an MR x NR register tile:
//   a: packed micro-panel of op(A), kc columns of MR values: a[k*MR + i]
//   b: packed micro-panel of op(B), kc rows of NR values:    b[k*NR + j]
//      (64-byte aligned, rows past M / columns past N zero-padded)
//   acc[i][j] = sum_{k<kc} a[k*MR+i] * b[k*NR+j], accumulated in k order with FMA
//   (plain multiply-add on scalar), starting from 0;
//   then for i < mr, j < nr, with C element (i, j) at c[i*rsC + j*csC]:
//     C(i,j) = alpha*acc + beta*C(i,j)      (beta == 0: C is not read).
//   csC == 1 is the normal row-major tile (vector stores); rsC == 1 stores the tile
//   transposed, which kernels/gemm.cc uses to compute C^T = op(B)^T op(A)^T when N
//   is too narrow to fill NR lanes.
// Each C element's value depends only on its own row of a and column of b, never on
// where the tile sits, so any partition of C into tiles gives bitwise the same C.
//
// This header only declares. Nothing inline or templated here may be instantiated by
// the ISA translation units: they are compiled with different -m flags, and the
// linker would keep one copy, possibly an AVX-512 one on a CPU without it.
#pragma once

#include <cstdint>

namespace lattice {
namespace simd {

// Packs a panel from a source whose panel index is the slow (row) dimension:
//   dst[k*panel + i] = src[i*ld + k]  for i < live,  0 for live <= i < panel,  k < kc.
// That is op(A) for A stored [M,K] (panel = MR) and op(B) for B stored [N,K]
// (panel = NR). The other two cases are GemmPackRows below.
template <typename T>
using GemmPackTransposed = void (*)(const T* src, int64_t ld, int live, int panel, int64_t kc,
                                    T* dst);

// Packs a panel from a source whose panel index is the fast dimension (op(A) for A stored
// [K, M], op(B) for B stored [K, N]):
//   dst[k*panel + i] = src[k*ld + i]  for i < live,  0 for live <= i < panel,  k < kc.
// AVX-512 copies with masked vectors; the portable copy (kernels/gemm.cc) calls memcpy for
// each 48- or 128-byte row (l4 of a ResNet's input gradient, [4608 x 512]^T packed as
// 12-wide rows: ~1 ms of a 7 ms product).
template <typename T>
using GemmPackRows = void (*)(const T* src, int64_t ld, int live, int panel, int64_t kc, T* dst);

template <typename T>
using GemmMicroKernel = void (*)(int64_t kc, const T* a, const T* b, T* c, int64_t rsC,
                                 int64_t csC, T alpha, T beta, int mr, int nr);

// The same tile with op(A) read in place from row-major A (no packing):
// acc[i][j] = sum_k a[i*lda + k] * b[k*NR + j], for i < MR: all MR rows must be
// readable even when mr < MR (rows past mr are computed and dropped). Worth it when
// a packed A block would be used by only one or two B slivers or when K is tiny.
template <typename T>
using GemmMicroKernelRowsA = void (*)(int64_t kc, const T* a, int64_t lda, const T* b, T* c,
                                      int64_t rsC, int64_t csC, T alpha, T beta, int mr,
                                      int nr);

// The narrow tile (N <= one vector) with op(A) read in place as above and B read in
// place too: b[k*ldb + j] for j < nr, lanes past nr loaded as zero. Packed B is the
// case ldb = NR; row-major B needs no packing at all.
template <typename T>
using GemmMicroKernelRowsAB = void (*)(int64_t kc, const T* a, int64_t lda, const T* b,
                                       int64_t ldb, T* c, int64_t rsC, int64_t csC, T alpha,
                                       T beta, int mr, int nr);

// Register tiles. AVX-512: 32 zmm registers hold 12 rows x 2 vectors of accumulators
// (24), two B vectors and a broadcast A value. AVX2: 16 ymm registers hold 6 x 2
// accumulators (12), two B vectors and a broadcast. Scalar: small enough for 16 xmm.
constexpr int kSgemmAvx512Mr = 12, kSgemmAvx512Nr = 32;
constexpr int kDgemmAvx512Mr = 12, kDgemmAvx512Nr = 16;
// One vector wide, for N <= NR: 16 rows x 1 vector, A read in place.
constexpr int kSgemmAvx512NarrowMr = 16, kSgemmAvx512NarrowNr = 16;
constexpr int kDgemmAvx512NarrowMr = 16, kDgemmAvx512NarrowNr = 8;
constexpr int kSgemmAvx2Mr = 6, kSgemmAvx2Nr = 16;
constexpr int kDgemmAvx2Mr = 6, kDgemmAvx2Nr = 8;
constexpr int kSgemmScalarMr = 4, kSgemmScalarNr = 8;
constexpr int kDgemmScalarMr = 4, kDgemmScalarNr = 4;

void sgemmMicroAvx512(int64_t kc, const float* a, const float* b, float* c, int64_t rsC,
                      int64_t csC, float alpha, float beta, int mr, int nr);
void dgemmMicroAvx512(int64_t kc, const double* a, const double* b, double* c, int64_t rsC,
                      int64_t csC, double alpha, double beta, int mr, int nr);
void sgemmMicroRowsAvx512(int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                          int64_t rsC, int64_t csC, float alpha, float beta, int mr, int nr);
void dgemmMicroRowsAvx512(int64_t kc, const double* a, int64_t lda, const double* b,
                          double* c, int64_t rsC, int64_t csC, double alpha, double beta,
                          int mr, int nr);
// The wide AVX-512 tile's edge: a tile of exactly `rows` rows (1 to MR - 1) for the last,
// short tile of M, so it computes no padding rows (M = 128 in 12-row tiles: 132 rows' work).
// Packed A (a sliver of stride MR, as sgemmMicroAvx512 reads) or row-major A read in place
// (only `rows` rows are read). Each element is the same FMA chain as in the full tile.
GemmMicroKernel<float> sgemmEdgeAvx512(int rows);
GemmMicroKernel<double> dgemmEdgeAvx512(int rows);
GemmMicroKernelRowsA<float> sgemmEdgeRowsAvx512(int rows);
GemmMicroKernelRowsA<double> dgemmEdgeRowsAvx512(int rows);
void sgemmMicroNarrowRowsAvx512(int64_t kc, const float* a, int64_t lda, const float* b,
                                int64_t ldb, float* c, int64_t rsC, int64_t csC, float alpha,
                                float beta, int mr, int nr);
void dgemmMicroNarrowRowsAvx512(int64_t kc, const double* a, int64_t lda, const double* b,
                                int64_t ldb, double* c, int64_t rsC, int64_t csC, double alpha,
                                double beta, int mr, int nr);
// Narrow op(B) (1 <= N <= 12) by dot products along K (simd/avx512/gemm_dot_avx512.cc):
// C[i*ldc + j] = alpha * sum_k a[i*lda + k] * bt[j*kpad + k] + beta * C  for i < rows, j < N,
// with bt = op(B)^T packed [N][kpad], kpad >= K a multiple of 16, zero past K, 64-byte aligned.
// (From N = 13 on, one row per group and 13+ of 16 lanes busy in the register tile: that tile wins.)
constexpr int kSgemmDotMaxN = 12;
void sgemmDotNarrowAvx512(int64_t rows, int64_t N, int64_t K, const float* a, int64_t lda,
                          const float* bt, int64_t kpad, float* c, int64_t ldc, float alpha,
                          float beta);
// Small M (up to kGemmSmallMMaxRows rows), op(A) read in place: the tile for `rows` rows and
// N columns (GemmMicroKernelRowsAB), with B read in place: row-major (b[k*ldb + j]), or with
// transB stored [N, K] (b[j*ldb + k], one vector of columns a tile, transposed in registers).
// Sets *mr to its MR (rows up to 8; two tiles of ceil(rows / 2) for 9 to 16) and *nr to its
// width (up to 16 / MR vectors, no wider than N needs; one with transB). The same FMA chain
// per element as the wide tile.
constexpr int kGemmSmallMMaxRows = 16;
GemmMicroKernelRowsAB<float> sgemmSmallMAvx512(int rows, int64_t N, bool transB, int* mr, int* nr);
GemmMicroKernelRowsAB<double> dgemmSmallMAvx512(int rows, int64_t N, bool transB, int* mr, int* nr);
// Tiny K with a block of op(B) held in registers (simd/avx512/gemm_avx512.cc), for row-major A:
//   C[i*ldc + j] = alpha * sum_k a[i*lda + k] * b[k*ldb + j] + beta * C  for i < rows, j < n,
// n <= nv * W (lanes past n are never read nor written). The same FMA chain per element as the
// micro-kernels. Returns false, writing nothing, unless nv <= kGemmSmallKMaxNv and
// K * nv <= kGemmSmallKMaxVectors.
constexpr int kGemmSmallKMaxNv = 3, kGemmSmallKMaxVectors = 20;
bool sgemmSmallKAvx512(int64_t rows, int64_t n, int64_t K, int nv, const float* a, int64_t lda, const float* b,
                       int64_t ldb, float* c, int64_t ldc, float alpha, float beta);
bool dgemmSmallKAvx512(int64_t rows, int64_t n, int64_t K, int nv, const double* a, int64_t lda, const double* b,
                       int64_t ldb, double* c, int64_t ldc, double alpha, double beta);
void sgemmPackRowsAvx512(const float* src, int64_t ld, int live, int panel, int64_t kc, float* dst);
void dgemmPackRowsAvx512(const double* src, int64_t ld, int live, int panel, int64_t kc, double* dst);
void sgemmPackTransposedAvx512(const float* src, int64_t ld, int live, int panel, int64_t kc,
                               float* dst);
void dgemmPackTransposedAvx512(const double* src, int64_t ld, int live, int panel, int64_t kc,
                               double* dst);
void sgemmMicroAvx2(int64_t kc, const float* a, const float* b, float* c, int64_t rsC,
                    int64_t csC, float alpha, float beta, int mr, int nr);
void dgemmMicroAvx2(int64_t kc, const double* a, const double* b, double* c, int64_t rsC,
                    int64_t csC, double alpha, double beta, int mr, int nr);
void sgemmPackTransposedAvx2(const float* src, int64_t ld, int live, int panel, int64_t kc,
                             float* dst);
void dgemmPackTransposedAvx2(const double* src, int64_t ld, int live, int panel, int64_t kc,
                             double* dst);
void sgemmMicroScalar(int64_t kc, const float* a, const float* b, float* c, int64_t rsC,
                      int64_t csC, float alpha, float beta, int mr, int nr);
void dgemmMicroScalar(int64_t kc, const double* a, const double* b, double* c, int64_t rsC,
                      int64_t csC, double alpha, double beta, int mr, int nr);

}  // namespace simd
}  // namespace lattice

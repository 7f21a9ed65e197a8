// See system_blas.h.
#include "system_blas.h"

#include <algorithm>
#include <limits>
#include <mutex>

#if defined(LATTICE_HAVE_OPENBLAS)
#include <cblas.h>
#endif

#include "system_blas_table.h"

namespace lattice {

int blasSizeClass(int64_t d) {
  // Bounds of the classes: <= 16, <= 64, <= 256, <= 1024, larger.
  if (d <= 16) return 0;
  if (d <= 64) return 1;
  if (d <= 256) return 2;
  if (d <= 1024) return 3;
  return 4;
}

#if defined(LATTICE_HAVE_OPENBLAS)

namespace {

// OpenBLAS keeps its own thread pool; Lattice's pool already splits the product, so each
// call runs on the calling thread only (two pools on the same cores would contend).
void initOnce() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

// Row blocks: about 4 MFLOP each, a power of two up to 8 so that 1, 2, 4 or 8 threads
// share them evenly; fixed by the shape alone.
int64_t rowBlocks(int64_t M, int64_t N, int64_t K) {
  const double flops = 2.0 * double(M) * double(N) * double(K);
  int64_t blocks = 1;
  while (blocks < 8 && M / (blocks * 2) >= 16 && flops / double(blocks * 2) >= 4e6) blocks *= 2;
  return blocks;
}

// Calls call(r0, r1) for each row block, the blocks shared out over the pool.
template <typename Call>
void runBlocks(Context& ctx, int64_t M, int64_t N, int64_t K, const Call& call) {
  initOnce();
  const int64_t blocks = rowBlocks(M, N, K);
  ctx.pool.parallelFor(0, blocks, 1, [&](int64_t b, int64_t e) {
    for (int64_t blk = b; blk < e; ++blk) call(blk * M / blocks, (blk + 1) * M / blocks);
  });
}

// Row r of op(A) starts at A + r*lda (row-major A) or A + r (A stored [K, M]).
template <typename T>
const T* rowOfOpA(const T* A, bool transA, int64_t lda, int64_t r) {
  return transA ? A + r : A + r * lda;
}

}  // namespace

const char* systemBlasName() { return openblas_get_config(); }

bool useSystemBlas(const Context& ctx, int64_t M, int64_t N, int64_t K, int64_t maxLd) {
  if (ctx.gemmPath == GemmPath::Builtin) return false;
  const int64_t limit = std::numeric_limits<int32_t>::max();
  if (std::max({M, N, K, maxLd}) > limit) return false;
  if (ctx.gemmPath == GemmPath::SystemBlas) return true;
  return kSystemBlasWins[blasSizeClass(M)][blasSizeClass(N)][blasSizeClass(K)] != 0;
}

void systemBlasGemm(Context& ctx, bool transA, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                    int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  runBlocks(ctx, M, N, K, [&](int64_t r0, int64_t r1) {
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(r1 - r0), static_cast<blasint>(N), static_cast<blasint>(K), alpha,
                rowOfOpA(A, transA, lda, r0), static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C + r0 * ldc,
                static_cast<blasint>(ldc));
  });
}

void systemBlasGemm(Context& ctx, bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha,
                    const double* A, int64_t lda, const double* B, int64_t ldb, double beta, double* C, int64_t ldc) {
  runBlocks(ctx, M, N, K, [&](int64_t r0, int64_t r1) {
    cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                static_cast<blasint>(r1 - r0), static_cast<blasint>(N), static_cast<blasint>(K), alpha,
                rowOfOpA(A, transA, lda, r0), static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C + r0 * ldc,
                static_cast<blasint>(ldc));
  });
}

#else  // no system BLAS linked

const char* systemBlasName() { return "none"; }

bool useSystemBlas(const Context&, int64_t, int64_t, int64_t, int64_t) { return false; }

void systemBlasGemm(Context&, bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                    float, float*, int64_t) {}
void systemBlasGemm(Context&, bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t, const double*,
                    int64_t, double, double*, int64_t) {}

#endif

}  // namespace lattice

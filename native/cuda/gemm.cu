// Batched GEMM, C = alpha op(A) op(B) + beta C, row-major with leading dimensions, as
// Backend.gemm. A 64x64 tile of C per block of 256 threads, each thread holding a 4x4
// register tile (rows ty + 16i, columns tx + 16j, so that shared-memory reads of one warp
// fall in distinct banks); K advances in steps of 16 through shared memory. Plain FMA in
// the data type (no TF32): results match the CPU to float32 rounding.
#include "common.cuh"

namespace lattice {
namespace cuda {
namespace {

constexpr int kTileM = 64, kTileN = 64, kTileK = 16, kGemmThreads = 256;

// Per-batch offsets travel in the kernel's parameters up to kInlineBatch entries (3 KB of the
// 4 KB parameter space): a copy from pageable host memory would make the host wait for the
// whole stream first. Larger batches copy them into a scratch buffer instead.
constexpr int kInlineBatch = 256;
struct InlineOffsets { int32_t v[3][kInlineBatch]; };

__device__ inline int32_t offsetOf(const InlineOffsets& inl, const int32_t* dev, int batch, int which, int z) {
  return dev ? dev[which * batch + z] : inl.v[which][z];
}

template <typename T>
__global__ void __launch_bounds__(kGemmThreads) gemmKernel(bool transA, bool transB, int M, int N, int K, T alpha,
                                                           const T* A, int lda, const T* B, int ldb, T beta, T* C, int ldc,
                                                           InlineOffsets inl, const int32_t* offsets, int batch) {
  __shared__ T As[kTileK][kTileM + 1];
  __shared__ T Bs[kTileK][kTileN + 1];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
  for (int z = blockIdx.z; z < batch; z += gridDim.z) {
    const T* a = A + offsetOf(inl, offsets, batch, 0, z);
    const T* b = B + offsetOf(inl, offsets, batch, 1, z);
    T* c = C + offsetOf(inl, offsets, batch, 2, z);
    T acc[4][4] = {};
    for (int k0 = 0; k0 < K; k0 += kTileK) {
      for (int l = tid; l < kTileM * kTileK; l += kGemmThreads) {
        // op(A)[m][k]: A stored [M,K], or [K,M] when transposed; the faster index follows memory.
        const int m = transA ? l % kTileM : l / kTileK, k = transA ? l / kTileM : l % kTileK;
        const int gm = m0 + m, gk = k0 + k;
        As[k][m] = gm < M && gk < K ? (transA ? a[static_cast<int64_t>(gk) * lda + gm] : a[static_cast<int64_t>(gm) * lda + gk]) : T(0);
      }
      for (int l = tid; l < kTileN * kTileK; l += kGemmThreads) {
        // op(B)[k][n]: B stored [K,N], or [N,K] when transposed.
        const int n = transB ? l / kTileK : l % kTileN, k = transB ? l % kTileK : l / kTileN;
        const int gn = n0 + n, gk = k0 + k;
        Bs[k][n] = gn < N && gk < K ? (transB ? b[static_cast<int64_t>(gn) * ldb + gk] : b[static_cast<int64_t>(gk) * ldb + gn]) : T(0);
      }
      __syncthreads();
#pragma unroll
      for (int k = 0; k < kTileK; ++k) {
        T av[4], bv[4];
#pragma unroll
        for (int i = 0; i < 4; ++i) av[i] = As[k][ty + 16 * i];
#pragma unroll
        for (int j = 0; j < 4; ++j) bv[j] = Bs[k][tx + 16 * j];
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
          for (int j = 0; j < 4; ++j) acc[i][j] += av[i] * bv[j];
      }
      __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int gm = m0 + ty + 16 * i;
      if (gm >= M) continue;
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int gn = n0 + tx + 16 * j;
        if (gn >= N) continue;
        T* out = c + static_cast<int64_t>(gm) * ldc + gn;
        // beta == 0 never reads C: it may hold garbage (an unfilled output).
        *out = beta == T(0) ? alpha * acc[i][j] : alpha * acc[i][j] + beta * *out;
      }
    }
  }
}

}  // namespace

void gemm(DType t, bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const void* a,
          const int32_t* aOffsets, int64_t lda, const void* b, const int32_t* bOffsets, int64_t ldb, double beta, void* c,
          const int32_t* cOffsets, int64_t ldc, int64_t batch) {
  if (M == 0 || N == 0 || batch == 0) return;
  InlineOffsets inl{};
  int32_t* offsets = nullptr;
  if (batch <= kInlineBatch) {
    for (int64_t z = 0; z < batch; ++z) {
      inl.v[0][z] = aOffsets[z];
      inl.v[1][z] = bOffsets[z];
      inl.v[2][z] = cOffsets[z];
    }
  } else {
    // Packed [a..., b..., c...] in one stream-ordered scratch allocation.
    offsets = static_cast<int32_t*>(allocate(3 * batch * sizeof(int32_t)));
    copyToDevice(offsets, aOffsets, batch * sizeof(int32_t));
    copyToDevice(offsets + batch, bOffsets, batch * sizeof(int32_t));
    copyToDevice(offsets + 2 * batch, cOffsets, batch * sizeof(int32_t));
  }
  const dim3 grid(static_cast<unsigned>((N + kTileN - 1) / kTileN), static_cast<unsigned>((M + kTileM - 1) / kTileM),
                  static_cast<unsigned>(batch < 65535 ? batch : 65535));
  dispatchFloat(t, "cuda gemm", [&](auto tag) {
    using T = decltype(tag);
    gemmKernel<T><<<grid, kGemmThreads, 0, stream()>>>(transA, transB, static_cast<int>(M), static_cast<int>(N), static_cast<int>(K),
                                                       static_cast<T>(alpha), static_cast<const T*>(a), static_cast<int>(lda),
                                                       static_cast<const T*>(b), static_cast<int>(ldb), static_cast<T>(beta),
                                                       static_cast<T*>(c), static_cast<int>(ldc), inl, offsets, static_cast<int>(batch));
  });
  checkLaunch("cuda gemm");
  if (offsets) release(offsets);  // stream-ordered: freed after the kernel has read it
}

}  // namespace cuda
}  // namespace lattice

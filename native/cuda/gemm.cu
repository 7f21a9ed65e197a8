// Batched GEMM, C = alpha op(A) op(B) + beta C, row-major with leading dimensions, as
// Backend.gemm. A 64x64 tile of C per block of 256 threads, each thread holding a 4x4
// register tile (rows ty + 16i, columns tx + 16j, so that shared-memory reads of one warp
// fall in distinct banks); K advances in steps of 16 through shared memory. Plain FMA in
// the data type: results match the CPU to float32 rounding.
//
// Two other engines may run a GEMM instead (api.h GemmEngine): cuBLAS, loaded at run time
// when present (cublas.cu), and, for float32 when the caller allows TF32
// (setFloat32MatmulPrecision('high')), a tensor-core kernel below (wmma, m16n16k8 TF32 with
// float accumulation, sm_80+): each input is rounded to TF32 (10 mantissa bits), so products
// carry a relative error near 2^-11, as PyTorch's allow_tf32.
#include <mma.h>

#include "common.cuh"
#include "cublas.cuh"

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


// TF32 tensor cores: a 64x64 tile of C per block of 4 warps, each warp a 32x32 quarter as 2x2
// wmma fragments of 16x16; K advances by 16 through shared memory, 8 per mma. Leading
// dimensions of the shared tiles (24, 72 floats) keep every fragment pointer 32-byte aligned.
constexpr int kTf32Threads = 128, kLdA = kTileK + 8, kLdB = kTileN + 8, kLdC = kTileN + 8;

__global__ void __launch_bounds__(kTf32Threads) gemmTf32Kernel(bool transA, bool transB, int M, int N, int K, float alpha,
                                                               const float* A, int lda, const float* B, int ldb, float beta,
                                                               float* C, int ldc, InlineOffsets inl, const int32_t* offsets,
                                                               int batch) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  using namespace nvcuda;
  __shared__ __align__(32) float As[kTileM][kLdA];
  __shared__ __align__(32) float Bs[kTileK][kLdB];
  __shared__ __align__(32) float Cs[kTileM][kLdC];
  const int tid = threadIdx.x, warp = tid / 32, wm = warp / 2, wn = warp % 2;
  const int m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
  for (int z = blockIdx.z; z < batch; z += gridDim.z) {
    const float* a = A + offsetOf(inl, offsets, batch, 0, z);
    const float* b = B + offsetOf(inl, offsets, batch, 1, z);
    float* c = C + offsetOf(inl, offsets, batch, 2, z);
    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
      for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);
    for (int k0 = 0; k0 < K; k0 += kTileK) {
      for (int l = tid; l < kTileM * kTileK; l += kTf32Threads) {
        const int m = transA ? l % kTileM : l / kTileK, k = transA ? l / kTileM : l % kTileK;
        const int gm = m0 + m, gk = k0 + k;
        As[m][k] = gm < M && gk < K ? (transA ? a[static_cast<int64_t>(gk) * lda + gm] : a[static_cast<int64_t>(gm) * lda + gk]) : 0.0f;
      }
      for (int l = tid; l < kTileN * kTileK; l += kTf32Threads) {
        const int n = transB ? l / kTileK : l % kTileN, k = transB ? l % kTileK : l / kTileN;
        const int gn = n0 + n, gk = k0 + k;
        Bs[k][n] = gn < N && gk < K ? (transB ? b[static_cast<int64_t>(gn) * ldb + gk] : b[static_cast<int64_t>(gk) * ldb + gn]) : 0.0f;
      }
      __syncthreads();
#pragma unroll
      for (int kk = 0; kk < kTileK; kk += 8) {
        wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> af[2];
        wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> bf[2];
#pragma unroll
        for (int i = 0; i < 2; ++i) {
          wmma::load_matrix_sync(af[i], &As[wm * 32 + i * 16][kk], kLdA);
#pragma unroll
          for (int e = 0; e < af[i].num_elements; ++e) af[i].x[e] = wmma::__float_to_tf32(af[i].x[e]);
        }
#pragma unroll
        for (int j = 0; j < 2; ++j) {
          wmma::load_matrix_sync(bf[j], &Bs[kk][wn * 32 + j * 16], kLdB);
#pragma unroll
          for (int e = 0; e < bf[j].num_elements; ++e) bf[j].x[e] = wmma::__float_to_tf32(bf[j].x[e]);
        }
#pragma unroll
        for (int i = 0; i < 2; ++i)
#pragma unroll
          for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], af[i], bf[j], acc[i][j]);
      }
      __syncthreads();
    }
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
      for (int j = 0; j < 2; ++j)
        wmma::store_matrix_sync(&Cs[wm * 32 + i * 16][wn * 32 + j * 16], acc[i][j], kLdC, wmma::mem_row_major);
    __syncthreads();
    for (int l = tid; l < kTileM * kTileN; l += kTf32Threads) {
      const int m = l / kTileN, n = l % kTileN, gm = m0 + m, gn = n0 + n;
      if (gm >= M || gn >= N) continue;
      float* out = c + static_cast<int64_t>(gm) * ldc + gn;
      *out = beta == 0.0f ? alpha * Cs[m][n] : alpha * Cs[m][n] + beta * *out;
    }
    __syncthreads();  // Cs is reused by the next batch entry
  }
#endif
}

}  // namespace

void gemm(DType t, bool transA, bool transB, int64_t M, int64_t N, int64_t K, double alpha, const void* a,
          const int32_t* aOffsets, int64_t lda, const void* b, const int32_t* bOffsets, int64_t ldb, double beta, void* c,
          const int32_t* cOffsets, int64_t ldc, int64_t batch, bool allowTf32) {
  if (M == 0 || N == 0 || batch == 0) return;
  if (cublasGemm(t, transA, transB, M, N, K, alpha, a, aOffsets, lda, b, bOffsets, ldb, beta, c, cOffsets, ldc, batch, allowTf32)) return;
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
  const bool tf32 = allowTf32 && t == DType::F32 && K > 0;
  if (tf32) {
    gemmTf32Kernel<<<grid, kTf32Threads, 0, stream()>>>(transA, transB, static_cast<int>(M), static_cast<int>(N), static_cast<int>(K),
                                                       static_cast<float>(alpha), static_cast<const float*>(a), static_cast<int>(lda),
                                                       static_cast<const float*>(b), static_cast<int>(ldb), static_cast<float>(beta),
                                                       static_cast<float*>(c), static_cast<int>(ldc), inl, offsets, static_cast<int>(batch));
  } else {
    dispatchFloat(t, "cuda gemm", [&](auto tag) {
      using T = decltype(tag);
      gemmKernel<T><<<grid, kGemmThreads, 0, stream()>>>(transA, transB, static_cast<int>(M), static_cast<int>(N), static_cast<int>(K),
                                                         static_cast<T>(alpha), static_cast<const T*>(a), static_cast<int>(lda),
                                                         static_cast<const T*>(b), static_cast<int>(ldb), static_cast<T>(beta),
                                                         static_cast<T*>(c), static_cast<int>(ldc), inl, offsets, static_cast<int>(batch));
    });
  }
  checkLaunch("cuda gemm");
  if (offsets) release(offsets);  // stream-ordered: freed after the kernel has read it
}

}  // namespace cuda
}  // namespace lattice

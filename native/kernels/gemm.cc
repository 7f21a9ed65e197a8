// Packed, cache-blocked GEMM driver (the BLIS loop nest) over per-ISA micro-kernels.
//
//   for jc in N by NC:                 B block  [KC x NC]  packed once, shared (L3)
//     for pc in K by KC:
//       pack op(B)[pc:pc+KC, jc:jc+NC] into NR-wide slivers  b[k*NR + j]
//       for ic in M by MC:             A block  [MC x KC]  packed per thread (L2)
//         pack op(A)[ic:ic+MC, pc:pc+KC] into MR-tall slivers  a[k*MR + i]
//         for jr in NC by NR:          B sliver [KC x NR]  stays in L1 across ir
//           for ir in MC by MR:
//             C[ir:ir+MR, jr:jr+NR] = alpha * a_sliver @ b_sliver + (pc == 0 ? beta : 1) * C
//
// Packing makes both operands unit-stride and zero-padded to whole tiles, so the
// micro-kernel runs one branch-free loop whatever the transposes and edges are.
//
// Threads split C, never K: either MR-row tiles (each thread packs its own A blocks
// against a B block packed by all threads) or NR-column slivers (each thread packs
// its own B slivers and the A blocks it needs), whichever balances better. Every
// C element is the same FMA chain over the same KC blocks in either case, so the
// result is bitwise independent of the thread count.
#include "gemm.h"

#include <algorithm>
#include <cstdlib>  // TUNING-ONLY
#include <cstring>
#include <new>
#include <vector>

#include "../simd/gemm_kernels.h"

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace lattice {
namespace {

int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
int64_t roundUp(int64_t a, int64_t b) { return ceilDiv(a, b) * b; }

// Register tile, micro-kernel and cache blocking for one ISA and element type.
template <typename T>
struct GemmPlan {
  int mr = 1, nr = 1;
  int64_t mc = 1, kc = 1, nc = 1;
  simd::GemmMicroKernel<T> kernel = nullptr;
  simd::GemmPackTransposed<T> packTransposed = nullptr;
  simd::GemmMicroKernelRowsA<T> kernelRowsA = nullptr;  // optional
};

// Portable packTransposed (see simd/gemm_kernels.h): reads each source row once
// and scatters it down a panel column.
template <typename T>
void packTransposedPortable(const T* src, int64_t ld, int live, int panel, int64_t kc, T* dst) {
  for (int i = 0; i < live; ++i) {
    const T* row = src + i * ld;
    for (int64_t k = 0; k < kc; ++k) dst[k * panel + i] = row[k];
  }
  for (int i = live; i < panel; ++i) {
    for (int64_t k = 0; k < kc; ++k) dst[k * panel + i] = T(0);
  }
}

// Per-core L2 size in bytes, from the OS where it says, else a typical recent x86 core.
int64_t l2CacheBytes() {
  long v = -1;
#if defined(_SC_LEVEL2_CACHE_SIZE)
  v = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
  return v > 0 ? v : 1024 * 1024;
}

// Blocking (why these sizes). The micro-kernel streams an MR x KC sliver of A and a
// KC x NR sliver of B and keeps the MR x NR tile of C in registers; the loop nest
// around it re-reads the packed A block (MC x KC) once per B sliver and the packed
// B block (KC x NC) once per A block.
//  KC: every KC-deep pass does a read-modify-write of the C tile (MR*NR loads and
//      stores for 2*MR*NR*KC flops), so deeper is better while the B sliver can
//      still stream from L2 without evicting the A block: KC*NR*size = L2/16.
//      On Zen 5 (48 KiB L1d, 1 MiB L2) that is KC = 512 for fp32 and fp64; measured
//      at 1024^3 and 2048^3, KC = 512..768 beat L1-sized slivers (KC = 256) by ~8%.
//  MC: the packed A block stays in L2 next to the B sliver stream: MC*KC*size = L2/4
//      (fp32: 120 rows; 96..240 measured within 1%).
//  NC: the packed B block is shared by the threads and streamed from L3 once per
//      A block; 4096 columns bound it to 8 MiB.
template <typename T>
void setBlocking(GemmPlan<T>& plan) {
  const int64_t l2 = std::clamp<int64_t>(l2CacheBytes(), 256 * 1024, 4 * 1024 * 1024);
  const int64_t size = int64_t(sizeof(T));
  plan.kc = std::clamp<int64_t>(l2 / 16 / (plan.nr * size), 128, 1024) / 8 * 8;
  const int64_t mc = (l2 / 4) / (plan.kc * size);
  plan.mc = std::max<int64_t>(plan.mr, mc / plan.mr * plan.mr);
  plan.nc = roundUp(4096, plan.nr);
  if (getenv("GEMM_KC")) plan.kc = atoi(getenv("GEMM_KC"));  // TUNING-ONLY
  if (getenv("GEMM_MC")) plan.mc = atoi(getenv("GEMM_MC"));  // TUNING-ONLY
  if (getenv("GEMM_NC")) plan.nc = atoi(getenv("GEMM_NC"));  // TUNING-ONLY
}

GemmPlan<float> planFor(Isa isa, float) {
  GemmPlan<float> p;
  if (isa == Isa::Avx512) {
    p.mr = simd::kSgemmAvx512Mr, p.nr = simd::kSgemmAvx512Nr, p.kernel = simd::sgemmMicroAvx512;
    p.packTransposed = simd::sgemmPackTransposedAvx512;
    p.kernelRowsA = simd::sgemmMicroRowsAvx512;
  } else if (isa == Isa::Avx2) {
    p.mr = simd::kSgemmAvx2Mr, p.nr = simd::kSgemmAvx2Nr, p.kernel = simd::sgemmMicroAvx2;
  } else {
    p.mr = simd::kSgemmScalarMr, p.nr = simd::kSgemmScalarNr, p.kernel = simd::sgemmMicroScalar;
  }
  if (!p.packTransposed) p.packTransposed = packTransposedPortable<float>;
  setBlocking(p);
  return p;
}

GemmPlan<double> planFor(Isa isa, double) {
  GemmPlan<double> p;
  if (isa == Isa::Avx512) {
    p.mr = simd::kDgemmAvx512Mr, p.nr = simd::kDgemmAvx512Nr, p.kernel = simd::dgemmMicroAvx512;
    p.packTransposed = simd::dgemmPackTransposedAvx512;
    p.kernelRowsA = simd::dgemmMicroRowsAvx512;
  } else if (isa == Isa::Avx2) {
    p.mr = simd::kDgemmAvx2Mr, p.nr = simd::kDgemmAvx2Nr, p.kernel = simd::dgemmMicroAvx2;
  } else {
    p.mr = simd::kDgemmScalarMr, p.nr = simd::kDgemmScalarNr, p.kernel = simd::dgemmMicroScalar;
  }
  if (!p.packTransposed) p.packTransposed = packTransposedPortable<double>;
  setBlocking(p);
  return p;
}

// Pack buffers, 64-byte aligned and reused across calls on the same thread.
// Allocating them per call cost more than the multiply for small and skinny shapes:
// glibc hands blocks of this size back to the OS on free, so every call paid page
// faults again. Each thread that calls gemm keeps one buffer (up to kKeepBytes;
// a larger one is freed at the end of the call) and frees it when it exits.
class PackScratch {
 public:
  ~PackScratch() { release(); }
  // Storage for `bytes`, or nullptr if it cannot be allocated.
  void* reserve(size_t bytes) {
    if (bytes > capacity_) {
      release();
      data_ = ::operator new(bytes, std::align_val_t(64), std::nothrow);
      capacity_ = data_ ? bytes : 0;
    }
    return data_;
  }
  void trim() {
    if (capacity_ > kKeepBytes) release();
  }

 private:
  static constexpr size_t kKeepBytes = size_t(16) << 20;
  void release() {
    ::operator delete(data_, std::align_val_t(64));
    data_ = nullptr;
    capacity_ = 0;
  }
  void* data_ = nullptr;
  size_t capacity_ = 0;
};

thread_local PackScratch packScratch;

// The calling thread's pack buffer for one gemm call.
class ScratchLease {
 public:
  explicit ScratchLease(size_t bytes) : data_(packScratch.reserve(bytes)) {}
  ~ScratchLease() { packScratch.trim(); }
  ScratchLease(const ScratchLease&) = delete;
  ScratchLease& operator=(const ScratchLease&) = delete;
  void* get() const { return data_; }

 private:
  void* data_;
};

// C = beta * C (beta == 0 writes zeros without reading C).
template <typename T>
void scaleC(int64_t M, int64_t N, T beta, T* C, int64_t ldc) {
  if (beta == T(1)) return;
  for (int64_t i = 0; i < M; ++i) {
    T* row = C + i * ldc;
    if (beta == T(0)) {
      std::fill(row, row + N, T(0));
    } else {
      for (int64_t j = 0; j < N; ++j) row[j] *= beta;
    }
  }
}

// Unpacked dot-product loops for problems too small to repay packing.
template <typename T>
void gemmSmall(bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha,
               const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  const int64_t aRow = transA ? 1 : lda, aCol = transA ? lda : 1;
  const int64_t bRow = transB ? 1 : ldb, bCol = transB ? ldb : 1;
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < N; ++j) {
      T sum = 0;
      for (int64_t k = 0; k < K; ++k) sum += A[i * aRow + k * aCol] * B[k * bRow + j * bCol];
      T& c = C[i * ldc + j];
      c = beta == T(0) ? alpha * sum : alpha * sum + beta * c;
    }
  }
}

// Packs rows [i0, i0+rows) x columns [p0, p0+kc) of op(A) into ceil(rows/mr) slivers
// of mr x kc, a[k*mr + i], zero-padding the rows past `rows`.
template <typename T>
void packA(const GemmPlan<T>& plan, bool transA, const T* A, int64_t lda, int64_t i0,
           int64_t rows, int64_t p0, int64_t kc, T* dst) {
  const int mr = plan.mr;
  for (int64_t t = 0; t < rows; t += mr, dst += mr * kc) {
    const int live = static_cast<int>(std::min<int64_t>(mr, rows - t));
    if (!transA) {
      // A[i][k] at A[i*lda + k]: a transpose.
      plan.packTransposed(A + (i0 + t) * lda + p0, lda, live, mr, kc, dst);
    } else {
      // A stored [K, M]: the mr values for one k are contiguous.
      for (int64_t k = 0; k < kc; ++k) {
        const T* src = A + (p0 + k) * lda + i0 + t;
        T* out = dst + k * mr;
        for (int i = 0; i < live; ++i) out[i] = src[i];
        for (int i = live; i < mr; ++i) out[i] = T(0);
      }
    }
  }
}

// Packs slivers [s0, s1) of the B block whose columns start at j0 (cols columns in
// the block) and whose rows are [p0, p0+kc): sliver s at dst + s*nr*kc, b[k*nr + j].
template <typename T>
void packB(const GemmPlan<T>& plan, bool transB, const T* B, int64_t ldb, int64_t j0,
           int64_t cols, int64_t p0, int64_t kc, int64_t s0, int64_t s1, T* dst) {
  const int nr = plan.nr;
  for (int64_t s = s0; s < s1; ++s) {
    T* out = dst + s * nr * kc;
    const int live = static_cast<int>(std::min<int64_t>(nr, cols - s * nr));
    const int64_t j = j0 + s * nr;
    if (!transB) {
      for (int64_t k = 0; k < kc; ++k) {
        const T* src = B + (p0 + k) * ldb + j;
        T* o = out + k * nr;
        for (int c = 0; c < live; ++c) o[c] = src[c];
        for (int c = live; c < nr; ++c) o[c] = T(0);
      }
    } else {
      // B stored [N, K]: column j of op(B) is row j of B, a transpose.
      plan.packTransposed(B + j * ldb + p0, ldb, live, nr, kc, out);
    }
  }
}

// Below this many multiply-adds the packed path's setup costs more than it saves.
constexpr int64_t kSmallMacs = 32 * 1024;
// Each extra thread must bring at least this many flops to pay for a fork/join.
constexpr double kFlopsPerThread = 3e6;

// The blocked loop nest for C element (i, j) at C[i*rsC + j*csC]. Returns false,
// having written nothing, if the pack buffers cannot be allocated.
template <typename T>
bool gemmPacked(Context& ctx, const GemmPlan<T>& plan, bool transA, bool transB, int64_t M,
                int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
                int64_t ldb, T beta, T* C, int64_t rsC, int64_t csC) {
  const int mr = plan.mr, nr = plan.nr;
  // Balanced blocks: K = 784 with KC = 512 becomes 2 x 392, not 512 + 272.
  const int64_t kcMax = ceilDiv(K, ceilDiv(K, plan.kc));
  const int64_t ncMax = roundUp(ceilDiv(N, ceilDiv(N, plan.nc)), nr);
  const int64_t mTiles = ceilDiv(M, mr), nSlivers = ceilDiv(std::min(N, ncMax), nr);

  const double flops = 2.0 * double(M) * double(N) * double(K);
  int threads = static_cast<int>(
      std::min<double>(ctx.pool.size(), std::max(1.0, flops / kFlopsPerThread)));
  threads = static_cast<int>(std::min<int64_t>(threads, std::max(mTiles, nSlivers)));
  // Share of the ideal each split reaches: units / (threads * units of the busiest thread).
  auto balance = [threads](int64_t units) {
    return double(units) / double(threads * ceilDiv(units, threads));
  };
  const bool splitColumns = threads > 1 && balance(nSlivers) > balance(mTiles);
  // Packing A pays for itself by being read once per B sliver; with one or two
  // slivers it is cheaper to read row-major A in place (and K may be tiny).
  const bool aInPlace = plan.kernelRowsA && !transA && ceilDiv(N, nr) <= 2;

  // One B block shared by all threads, then one A block per thread, each starting
  // 64-byte aligned (the kernels load packed B with aligned vector loads).
  const int64_t mcMax = std::min(plan.mc, roundUp(M, mr));
  const int64_t bElems = roundUp(kcMax * ncMax, 16), aElems = roundUp(kcMax * mcMax, 16);
  ScratchLease scratch(size_t(bElems + threads * aElems) * sizeof(T));
  if (!scratch.get()) return false;
  T* const packedB = static_cast<T*>(scratch.get());
  T* const packedA = packedB + bElems;

  for (int64_t jc = 0; jc < N; jc += ncMax) {
    const int64_t nc = std::min(ncMax, N - jc);
    const int64_t slivers = ceilDiv(nc, nr);
    for (int64_t pc = 0; pc < K; pc += kcMax) {
      const int64_t kc = std::min(kcMax, K - pc);
      const T betaHere = pc == 0 ? beta : T(1);  // later K blocks accumulate into C
      T* bp = packedB;

      // C rows [r0, r1) x slivers [s0, s1) of this block, A packed into `ap`.
      auto computeBlock = [&](T* ap, int64_t r0, int64_t r1, int64_t s0, int64_t s1) {
        const int64_t rows = r1 - r0;
        if (rows <= 0 || s1 <= s0) return;
        const int64_t mcHere = roundUp(ceilDiv(rows, ceilDiv(rows, mcMax)), mr);
        for (int64_t ic = r0; ic < r1; ic += mcHere) {
          const int64_t mc = std::min(mcHere, r1 - ic);
          if (!aInPlace) packA(plan, transA, A, lda, ic, mc, pc, kc, ap);
          for (int64_t s = s0; s < s1; ++s) {
            const int live = static_cast<int>(std::min<int64_t>(nr, nc - s * nr));
            const T* bs = bp + s * nr * kc;
            T* cs = C + ic * rsC + (jc + s * nr) * csC;
            for (int64_t t = 0; t < mc; t += mr) {
              const int rowsHere = static_cast<int>(std::min<int64_t>(mr, mc - t));
              if (aInPlace) {
                plan.kernelRowsA(kc, A + (ic + t) * lda + pc, lda, bs, cs + t * rsC, rsC, csC,
                                 alpha, betaHere, rowsHere, live);
              } else {
                plan.kernel(kc, ap + t * kc, bs, cs + t * rsC, rsC, csC, alpha, betaHere,
                            rowsHere, live);
              }
            }
          }
        }
      };
      // Part c of `units` split into `threads` near-equal contiguous ranges.
      auto part = [threads](int64_t units, int64_t c, int64_t* b, int64_t* e) {
        const int64_t base = units / threads, extra = units % threads;
        *b = c * base + std::min<int64_t>(c, extra);
        *e = *b + base + (c < extra ? 1 : 0);
      };

      if (threads == 1) {
        packB(plan, transB, B, ldb, jc, nc, pc, kc, 0, slivers, bp);
        computeBlock(packedA, 0, M, 0, slivers);
      } else if (splitColumns) {
        // Each thread packs and multiplies its own B slivers: one fork/join.
        ctx.pool.parallelFor(0, threads, 1, [&](int64_t cb, int64_t ce) {
          for (int64_t c = cb; c < ce; ++c) {
            int64_t s0, s1;
            part(slivers, c, &s0, &s1);
            packB(plan, transB, B, ldb, jc, nc, pc, kc, s0, s1, bp);
            computeBlock(packedA + c * aElems, 0, M, s0, s1);
          }
        });
      } else {
        // All threads pack the shared B block, then each takes a range of MR tiles.
        const int64_t grain = std::max<int64_t>(1, 16384 / (kc * nr));
        ctx.pool.parallelFor(0, slivers, grain, [&](int64_t sb, int64_t se) {
          packB(plan, transB, B, ldb, jc, nc, pc, kc, sb, se, bp);
        });
        ctx.pool.parallelFor(0, threads, 1, [&](int64_t cb, int64_t ce) {
          for (int64_t c = cb; c < ce; ++c) {
            int64_t t0, t1;
            part(mTiles, c, &t0, &t1);
            computeBlock(packedA + c * aElems, t0 * mr,
                         std::min(M, t1 * mr), 0, slivers);
          }
        });
      }
    }
  }
  return true;
}

// Fraction of a padded tile grid that holds real elements along one dimension.
double tileFill(int64_t n, int tile) { return double(n) / double(roundUp(n, tile)); }

template <typename T>
void gemm(Context& ctx, bool transA, bool transB, int64_t M, int64_t N, int64_t K, T alpha,
          const T* A, int64_t lda, const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0 || alpha == T(0)) {
    scaleC(M, N, beta, C, ldc);
    return;
  }
  if (double(M) * double(N) * double(K) <= double(kSmallMacs)) {
    gemmSmall(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  const GemmPlan<T> plan = planFor(ctx.isa, T(0));
  // A narrow N (say 10 with NR = 32) leaves most vector lanes empty. Computing
  // C^T = op(B)^T op(A)^T instead puts N on the MR side (12 rows) and the long M on
  // the vector side; the tiles are then stored transposed (scalar stores), which
  // pays off once K is deep enough to amortise them. The choice depends on the
  // shape only, so it is the same for every thread count.
  const bool swap = K >= 32 && tileFill(N, plan.mr) * tileFill(M, plan.nr) >
                                   1.15 * tileFill(M, plan.mr) * tileFill(N, plan.nr);
  const bool done =
      swap ? gemmPacked(ctx, plan, !transB, !transA, N, M, K, alpha, B, ldb, A, lda, beta, C,
                        1, ldc)
           : gemmPacked(ctx, plan, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C,
                        ldc, 1);
  if (!done) gemmSmall(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace

void sgemm(Context& ctx, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
           float alpha, const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
           float* C, int64_t ldc) {
  gemm<float>(ctx, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void dgemm(Context& ctx, bool transA, bool transB, int64_t M, int64_t N, int64_t K,
           double alpha, const double* A, int64_t lda, const double* B, int64_t ldb,
           double beta, double* C, int64_t ldc) {
  gemm<double>(ctx, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

}  // namespace lattice

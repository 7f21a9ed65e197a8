// Packed, cache-blocked GEMM driver (the BLIS loop nest) over per-ISA micro-kernels.
//
//   for jc in N by NC:                 B block  [KC x NC]  packed per thread (L3)
//     for pc in K by KC:
//       pack op(B)[pc:pc+KC, jc:jc+NC] into NR-wide slivers  b[k*NR + j]
//       for ic in M by MC:             A block  [MC x KC]  packed per thread (L2)
//         pack op(A)[ic:ic+MC, pc:pc+KC] into MR-tall slivers  a[k*MR + i]
//         for jr in NC by NR:          B sliver [KC x NR]  streamed from L1/L2
//           for ir in MC by MR:
//             C[ir:ir+MR, jr:jr+NR] = alpha * a_sliver @ b_sliver + (pc == 0 ? beta : 1) * C
//
// Packing makes both operands unit-stride and zero-padded to whole tiles, so the
// micro-kernel runs one branch-free loop whatever the transposes and edges are.
// Shape-driven variants (AVX-512 has all of them; other ISAs the last one only):
//  - fp32, N <= 12 with row-major A and 32 <= K <= 4096 (a classifier's 10 outputs): dot
//    products along K against op(B)^T, copied once (gemmDotNarrow);
//  - a tiny K (K * ceil(N / W) <= 20 vectors, or K <= 10 for a wide N): blocks of op(B)
//    held in registers while the rows of A stream past (gemmSmallK);
//  - M <= 16 with row-major A: a tile of 1 to 16 rows reading A and B in place
//    (smallMPlanFor);
//  - row-major A and at most 4 NR slivers per thread: A is read in place (a packed
//    block would be read too few times to repay the transpose);
//  - N <= one vector with row-major A: a one-vector-wide tile (16 x 16 fp32);
//  - otherwise a narrow N runs as C^T = op(B)^T op(A)^T with tiles stored transposed.
// Where A is read in place and its rows are a multiple of 4 KiB apart, each A block is first
// copied to another stride (rowsAlias: such rows share L1 sets).
//
// On AVX-512 the last, short tile of M runs as a tile of exactly its rows (simd::sgemmEdgeAvx512):
// 64 rows took six 12-row tiles, 72 rows' work (64x576x1024: 87 -> 98 GFLOP/s at 1 thread).
//
// Threads split C, never K: each runs the whole nest on its own range of MR-row tiles
// or of NR-column slivers, whichever balances better. Every C element is the same
// FMA chain over the same KC blocks whichever thread computes it, so the result is
// bitwise independent of the thread count. Tiny products (M*N*K <= 32768) skip
// packing altogether.
#include "gemm.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <type_traits>

#include "../simd/gemm_kernels.h"
#include "system_blas.h"

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
  simd::GemmPackRows<T> packRows = nullptr;
  simd::GemmMicroKernelRowsA<T> kernelRowsA = nullptr;  // optional
  simd::GemmMicroKernelRowsAB<T> kernelRowsAB = nullptr;  // the narrow and small-M plans' kernel
  bool rowsABTransposed = false;  // kernelRowsAB reads B stored [N, K] in place (else row-major B)
  // Optional: the last, short tile of M as a tile of exactly its rows (packed A / A in place).
  simd::GemmMicroKernel<T> (*edge)(int rows) = nullptr;
  simd::GemmMicroKernelRowsA<T> (*edgeRowsA)(int rows) = nullptr;
};

// Plan for N <= one vector: a one-vector-wide tile that reads A in place, and row-major
// B in place too, so neither operand is copied (B stored [N, K] is still packed). Empty
// (no kernelRowsAB) where the ISA has none.
template <typename T>
GemmPlan<T> narrowPlanFor(Isa isa, const GemmPlan<T>& wide) {
  GemmPlan<T> p = wide;
  p.kernelRowsA = nullptr;
  p.edge = nullptr, p.edgeRowsA = nullptr;  // the wide tile's
  if (isa != Isa::Avx512) return p;
  if constexpr (std::is_same_v<T, float>) {
    p.mr = simd::kSgemmAvx512NarrowMr, p.nr = simd::kSgemmAvx512NarrowNr;
    p.kernelRowsAB = simd::sgemmMicroNarrowRowsAvx512;
  } else {
    p.mr = simd::kDgemmAvx512NarrowMr, p.nr = simd::kDgemmAvx512NarrowNr;
    p.kernelRowsAB = simd::dgemmMicroNarrowRowsAvx512;
  }
  p.kernel = nullptr;  // only used with A in place (see gemm())
  p.mc = wide.mc / p.mr * p.mr;
  return p;
}

// Plan for a small M (<= kGemmSmallMMaxRows) with row-major A on AVX-512: a tile of exactly M
// rows (two of ceil(M / 2) for 9-16 rows with row-major B) that reads A in place, and B in
// place too, instead of the 12-row tile that would compute 11 dead rows for one (a single
// sample through a Linear layer: 1x784x256 took 68 us against OpenBLAS's 11) after packing all
// of B (16x1024x1024: 620 -> 340 us, OpenBLAS 550). The wide plan's KC is kept, so each element's FMA chain,
// and C, is bitwise what the wide tile gives. Empty (no kernelRowsAB) where the ISA has none.
template <typename T>
GemmPlan<T> smallMPlanFor(Isa isa, const GemmPlan<T>& wide, int64_t M, int64_t N, bool transB) {
  GemmPlan<T> p = wide;
  p.kernelRowsA = nullptr;
  p.edge = nullptr, p.edgeRowsA = nullptr;  // the wide tile's
#if defined(LATTICE_X86)
  if (isa != Isa::Avx512 || M > simd::kGemmSmallMMaxRows) return p;
  const int rows = static_cast<int>(M);
  if constexpr (std::is_same_v<T, float>) {
    p.kernelRowsAB = simd::sgemmSmallMAvx512(rows, N, transB, &p.mr, &p.nr);
  } else {
    p.kernelRowsAB = simd::dgemmSmallMAvx512(rows, N, transB, &p.mr, &p.nr);
  }
  p.rowsABTransposed = transB;
  p.kernel = nullptr;  // only used with A in place (see gemmPacked)
  p.mc = p.mr;
#else
  (void)isa, (void)M, (void)N, (void)transB;
#endif
  return p;
}

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

// Portable packRows (see simd/gemm_kernels.h): a contiguous copy per k.
template <typename T>
void packRowsPortable(const T* src, int64_t ld, int live, int panel, int64_t kc, T* dst) {
  for (int64_t k = 0; k < kc; ++k) {
    T* out = dst + k * panel;
    std::memcpy(out, src + k * ld, size_t(live) * sizeof(T));
    std::fill(out + live, out + panel, T(0));
  }
}

// Per-core L2 size in bytes, from the OS where it says, else a typical recent x86 core.
int64_t queryL2CacheBytes() {
  long v = -1;
#if defined(_SC_LEVEL2_CACHE_SIZE)
  v = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
  return v > 0 ? v : 1024 * 1024;
}

// Asked once per process (glibc answers through CPUID, ~0.4 us here, which is 2% of a
// 128^3 product); a constant after that.
int64_t l2CacheBytes() {
  static const int64_t bytes = queryL2CacheBytes();
  return bytes;
}

// Blocking (why these sizes). The micro-kernel streams an MR x KC sliver of A and a
// KC x NR sliver of B and keeps the MR x NR tile of C in registers; the loop nest
// around it re-reads the packed A block (MC x KC) once per B sliver and the packed
// B block (KC x NC) once per A block.
//  KC: every KC-deep pass does a read-modify-write of the C tile (MR*NR loads and
//      stores for 2*MR*NR*KC flops), and a K split in two passes reads and writes all of
//      C twice, from memory once C is past the caches; so deeper is better while the B
//      sliver can still stream from L2 beside the A block: KC*NR*size = L2/8.
//      On Zen 5 (48 KiB L1d, 1 MiB L2) that is KC = 1024 for fp32 and fp64. Against
//      KC = 512, MC = 120 (4 alternating pairs, 1 thread): 128x784x256 (one K pass
//      instead of two) 206-209 -> 211-217 GFLOP/s, 4096x1024x64 180-192 -> 194-204,
//      2048^3 227-234 -> 230-235; ResNet-18's step at 2 threads 78-80 -> 75-76 ms, at 1
//      thread 132-134 -> 134-137. KC = 256 lost ~8%.
//  MC: the packed A block stays in L2 next to the B sliver stream: MC*KC*size = L2/2
//      (fp32: 120 rows). At L2/4 (60 rows) each B sliver served half as many A slivers
//      per trip from L3: ResNet-18's step at 2 threads took 78-83 ms.
//  NC: the packed B block (one per thread) is streamed from L3 once per A block;
//      kBlockBBytes bounds it (fp32: 2048 columns at KC = 1024; fewer with many
//      threads, see kPackBudgetBytes), which also keeps it within the pack buffer a
//      thread keeps between calls (PackScratch), so large products reuse its pages.
constexpr int64_t kBlockBBytes = int64_t(8) << 20;

template <typename T>
void setBlocking(GemmPlan<T>& plan) {
  const int64_t l2 = std::clamp<int64_t>(l2CacheBytes(), 256 * 1024, 4 * 1024 * 1024);
  const int64_t size = int64_t(sizeof(T));
  plan.kc = std::clamp<int64_t>(l2 / 8 / (plan.nr * size), 128, 1024) / 8 * 8;
  const int64_t mc = (l2 / 2) / (plan.kc * size);
  plan.mc = std::max<int64_t>(plan.mr, mc / plan.mr * plan.mr);
  plan.nc = std::max<int64_t>(plan.nr, kBlockBBytes / (plan.kc * size) / plan.nr * plan.nr);
}

GemmPlan<float> planFor(Isa isa, float) {
  GemmPlan<float> p;
  if (isa == Isa::Avx512) {
    p.mr = simd::kSgemmAvx512Mr, p.nr = simd::kSgemmAvx512Nr, p.kernel = simd::sgemmMicroAvx512;
    p.packTransposed = simd::sgemmPackTransposedAvx512;
    p.packRows = simd::sgemmPackRowsAvx512;
    p.kernelRowsA = simd::sgemmMicroRowsAvx512;
    p.edge = simd::sgemmEdgeAvx512, p.edgeRowsA = simd::sgemmEdgeRowsAvx512;
  } else if (isa == Isa::Avx2) {
    p.mr = simd::kSgemmAvx2Mr, p.nr = simd::kSgemmAvx2Nr, p.kernel = simd::sgemmMicroAvx2;
    p.packTransposed = simd::sgemmPackTransposedAvx2;
  } else {
    p.mr = simd::kSgemmScalarMr, p.nr = simd::kSgemmScalarNr, p.kernel = simd::sgemmMicroScalar;
  }
  if (!p.packTransposed) p.packTransposed = packTransposedPortable<float>;
  if (!p.packRows) p.packRows = packRowsPortable<float>;
  setBlocking(p);
  return p;
}

GemmPlan<double> planFor(Isa isa, double) {
  GemmPlan<double> p;
  if (isa == Isa::Avx512) {
    p.mr = simd::kDgemmAvx512Mr, p.nr = simd::kDgemmAvx512Nr, p.kernel = simd::dgemmMicroAvx512;
    p.packTransposed = simd::dgemmPackTransposedAvx512;
    p.packRows = simd::dgemmPackRowsAvx512;
    p.kernelRowsA = simd::dgemmMicroRowsAvx512;
    p.edge = simd::dgemmEdgeAvx512, p.edgeRowsA = simd::dgemmEdgeRowsAvx512;
  } else if (isa == Isa::Avx2) {
    p.mr = simd::kDgemmAvx2Mr, p.nr = simd::kDgemmAvx2Nr, p.kernel = simd::dgemmMicroAvx2;
    p.packTransposed = simd::dgemmPackTransposedAvx2;
  } else {
    p.mr = simd::kDgemmScalarMr, p.nr = simd::kDgemmScalarNr, p.kernel = simd::dgemmMicroScalar;
  }
  if (!p.packTransposed) p.packTransposed = packTransposedPortable<double>;
  if (!p.packRows) p.packRows = packRowsPortable<double>;
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
      plan.packRows(A + p0 * lda + i0 + t, lda, live, mr, kc, dst);
    }
  }
}

// dst[i*kc + k] = src[i*lda + k] for i < rows, 0 for rows <= i < mr.
template <typename T>
void copyRowsPadded(const T* src, int64_t lda, int rows, int mr, int64_t kc, T* dst) {
  for (int i = 0; i < rows; ++i) std::memcpy(dst + i * kc, src + i * lda, size_t(kc) * sizeof(T));
  std::fill(dst + rows * kc, dst + mr * kc, T(0));
}

// Packs the B block of columns [j0, j0+cols) and rows [p0, p0+kc) of op(B) into
// ceil(cols/nr) slivers, sliver s at dst + s*nr*kc, b[k*nr + j], zero-padded.
template <typename T>
void packB(const GemmPlan<T>& plan, bool transB, const T* B, int64_t ldb, int64_t j0,
           int64_t cols, int64_t p0, int64_t kc, T* dst) {
  const int nr = plan.nr;
  for (int64_t s = 0; s * nr < cols; ++s) {
    T* out = dst + s * nr * kc;
    const int live = static_cast<int>(std::min<int64_t>(nr, cols - s * nr));
    const int64_t j = j0 + s * nr;
    if (!transB) {
      plan.packRows(B + p0 * ldb + j, ldb, live, nr, kc, out);
    } else {
      // B stored [N, K]: column j of op(B) is row j of B, a transpose.
      plan.packTransposed(B + j * ldb + p0, ldb, live, nr, kc, out);
    }
  }
}

// Rows of A read in place whose starts are a multiple of 4 KiB apart (fp32 K = 1024, 2048,
// 3072, ...) all map to the same L1 sets, and a tile's 12 or 16 rows then evict each other
// every few k (64x1024x16: 38 GFLOP/s against 72 at K = 1000; 128x1024x48: 52 against 110).
// Such an A block is first copied to rows a cache line plus a multiple of 4 KiB apart.
template <typename T>
bool rowsAlias(int64_t lda) {
  return (lda * int64_t(sizeof(T))) % 4096 == 0;
}

// The row stride of that copy for kc columns: whole cache lines, never a multiple of 4 KiB.
template <typename T>
int64_t unaliasedLd(int64_t kc) {
  constexpr int64_t line = 64 / int64_t(sizeof(T));
  const int64_t ld = roundUp(kc, line);
  return rowsAlias<T>(ld) ? ld + line : ld;
}

// Below this many multiply-adds the packed path's setup costs more than it saves.
constexpr int64_t kSmallMacs = 2 * 1024;
// Read row-major A in place (no pack) when a thread multiplies it by at most this
// many B slivers.
constexpr int64_t kMaxSliversInPlace = 4;
// Packed B blocks of all threads together stay under this (NC shrinks with threads).
constexpr size_t kPackBudgetBytes = size_t(32) << 20;
// Each extra thread must bring at least this many flops (~10 us of one core) to pay for a
// fork/join: ~2 us while the workers spin between kernels, and a worker that slept past its
// spin costs nothing more, since the caller then runs the unclaimed chunks itself (pool.h).
// At 3e6, 128^3 (4.2 MFLOP) ran on one thread: 42 us; on two 25 us (2 threads, in a loop).
constexpr double kFlopsPerThread = 1e6;

// Threads for an M x N x K product split into `units` pieces: each extra thread must bring
// kFlopsPerThread, and no thread may go without a piece.
int threadsFor(const Context& ctx, int64_t M, int64_t N, int64_t K, int64_t units) {
  const double flops = 2.0 * double(M) * double(N) * double(K);
  const double byWork = std::min<double>(ctx.pool.size(), std::max(1.0, flops / kFlopsPerThread));
  return static_cast<int>(std::min<int64_t>(static_cast<int64_t>(byWork), std::max<int64_t>(1, units)));
}

// One product C = alpha*op(A)op(B) + beta*C with C element (i, j) at C[i*rsC + j*csC],
// and the blocking chosen for it. Everything that could change an element's FMA
// chain (kcMax, the plan) is fixed here, once, from the whole problem.
template <typename T>
struct Problem {
  const GemmPlan<T>* plan;
  bool transA, transB;
  int64_t M, N, K;
  T alpha;
  const T* A;
  int64_t lda;
  const T* B;
  int64_t ldb;
  T beta;
  T* C;
  int64_t rsC, csC;
  int64_t kcMax = 0, ncMax = 0, mcMax = 0;
  bool aInPlace = false;  // read row-major A directly instead of packing it
  bool bInPlace = false;  // read B directly (plans with kernelRowsAB): row-major, or stored [N, K] with transB
};

// Multiplies C rows [r0, r1) by the B block that starts at column jc (nc columns) and
// row pc (kc rows), already packed at bp. `ap` is this thread's A buffer.
template <typename T>
void multiplyBlock(const Problem<T>& p, int64_t jc, int64_t nc, int64_t pc, int64_t kc,
                   const T* bp, T* ap, int64_t r0, int64_t r1) {
  const GemmPlan<T>& plan = *p.plan;
  const int mr = plan.mr, nr = plan.nr;
  const T beta = pc == 0 ? p.beta : T(1);  // later K blocks accumulate into C
  const int64_t rows = r1 - r0;
  if (rows <= 0) return;
  const int64_t mcHere = roundUp(ceilDiv(rows, ceilDiv(rows, p.mcMax)), mr);
  // A in place with aliasing rows: this block of A is read from a copy with a better stride.
  const bool unalias = p.aInPlace && rowsAlias<T>(p.lda);
  for (int64_t ic = r0; ic < r1; ic += mcHere) {
    const int64_t mc = std::min(mcHere, r1 - ic);
    if (!p.aInPlace) packA(plan, p.transA, p.A, p.lda, ic, mc, pc, kc, ap);
    const T* aBlock = p.A + ic * p.lda + pc;
    int64_t ldaBlock = p.lda;
    if (unalias) {
      // Whole tiles of rows, the rows past mc zero, so a short last tile needs no copy of its own.
      ldaBlock = unaliasedLd<T>(kc);
      const int64_t rowsCopied = roundUp(mc, mr);
      for (int64_t i = 0; i < mc; ++i) std::memcpy(ap + i * ldaBlock, aBlock + i * p.lda, size_t(kc) * sizeof(T));
      std::fill(ap + mc * ldaBlock, ap + rowsCopied * ldaBlock, T(0));
      aBlock = ap;
    }
    for (int64_t s = 0; s * nr < nc; ++s) {
      const int live = static_cast<int>(std::min<int64_t>(nr, nc - s * nr));
      const T* bs = !p.bInPlace ? bp + s * nr * kc
                    : p.transB  ? p.B + (jc + s * nr) * p.ldb + pc
                                : p.B + pc * p.ldb + jc + s * nr;
      const int64_t ldbHere = p.bInPlace ? p.ldb : nr;
      T* cs = p.C + ic * p.rsC + (jc + s * nr) * p.csC;
      for (int64_t t = 0; t < mc; t += mr) {
        const int rowsHere = static_cast<int>(std::min<int64_t>(mr, mc - t));
        T* ct = cs + t * p.rsC;
        const bool edge = rowsHere < mr && plan.edge;  // a tile of exactly rowsHere rows
        if (!p.aInPlace) {
          (edge ? plan.edge(rowsHere) : plan.kernel)(kc, ap + t * kc, bs, ct, p.rsC, p.csC, p.alpha, beta, rowsHere, live);
          continue;
        }
        const T* at = aBlock + t * ldaBlock;
        if (edge && !plan.kernelRowsAB) {
          plan.edgeRowsA(rowsHere)(kc, at, ldaBlock, bs, ct, p.rsC, p.csC, p.alpha, beta, rowsHere, live);
          continue;
        }
        // A in place. The kernel reads all mr rows, so a last, short tile reads a copy of its
        // rows padded with zero rows (this thread's A buffer is free in this mode, unless it
        // already holds the unaliased block, whose zero rows serve).
        int64_t ldaHere = ldaBlock;
        if (rowsHere < mr && !unalias) {
          copyRowsPadded(at, p.lda, rowsHere, mr, kc, ap);
          at = ap, ldaHere = kc;
        }
        if (plan.kernelRowsAB) {
          plan.kernelRowsAB(kc, at, ldaHere, bs, ldbHere, ct, p.rsC, p.csC, p.alpha, beta, rowsHere, live);
        } else {
          plan.kernelRowsA(kc, at, ldaHere, bs, ct, p.rsC, p.csC, p.alpha, beta, rowsHere, live);
        }
      }
    }
  }
}

// The whole loop nest on one thread for C rows [m0, m1) x columns [n0, n1), n0 a
// multiple of NR, with this thread's own pack buffers.
template <typename T>
void multiplyRegion(const Problem<T>& p, int64_t m0, int64_t m1, int64_t n0, int64_t n1,
                    T* bp, T* ap) {
  for (int64_t jc = n0; jc < n1; jc += p.ncMax) {
    const int64_t nc = std::min(p.ncMax, n1 - jc);
    for (int64_t pc = 0; pc < p.K; pc += p.kcMax) {
      const int64_t kc = std::min(p.kcMax, p.K - pc);
      if (!p.bInPlace) packB(*p.plan, p.transB, p.B, p.ldb, jc, nc, pc, kc, bp);
      multiplyBlock(p, jc, nc, pc, kc, bp, ap, m0, m1);
    }
  }
}

// Part c of `units` split into `parts` near-equal contiguous ranges.
void splitRange(int64_t units, int parts, int64_t c, int64_t* b, int64_t* e) {
  const int64_t base = units / parts, extra = units % parts;
  *b = c * base + std::min<int64_t>(c, extra);
  *e = *b + base + (c < extra ? 1 : 0);
}

// Runs the product on up to ctx.pool.size() threads. Returns false, having written
// nothing, if the pack buffers cannot be allocated.
template <typename T>
bool gemmPacked(Context& ctx, const GemmPlan<T>& plan, bool transA, bool transB, int64_t M,
                int64_t N, int64_t K, T alpha, const T* A, int64_t lda, const T* B,
                int64_t ldb, T beta, T* C, int64_t rsC, int64_t csC) {
  const int mr = plan.mr, nr = plan.nr;
  Problem<T> p{&plan, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, rsC, csC};
  // Balanced blocks: K = 784 with KC = 512 becomes 2 x 392, not 512 + 272.
  p.kcMax = ceilDiv(K, ceilDiv(K, plan.kc));
  p.ncMax = roundUp(ceilDiv(N, ceilDiv(N, plan.nc)), nr);
  p.mcMax = std::min(plan.mc, roundUp(M, mr));

  // Threads: each runs the whole loop nest on its own block of rows or of columns,
  // packing privately, so a call costs one fork/join (tens of microseconds when
  // the pool sleeps) instead of two per B block. The price is packing the
  // unsplit operand once per thread, a few percent at most where threads are used.
  const int64_t mTiles = ceilDiv(M, mr), nSlivers = ceilDiv(N, nr);
  const int threads = threadsFor(ctx, M, N, K, std::max(mTiles, nSlivers));
  // Share of the ideal each split reaches: units / (threads * units of the busiest
  // thread). On a tie, split the dimension whose split duplicates the smaller pack
  // (rows: every thread packs all of B, K x N; columns: all of A, M x K).
  auto balance = [threads](int64_t units) {
    return double(units) / double(threads * ceilDiv(units, threads));
  };
  const double rowBalance = balance(mTiles), columnBalance = balance(nSlivers);
  const bool splitColumns =
      threads > 1 && (columnBalance > rowBalance || (columnBalance == rowBalance && M < N));
  // A packed block is read once per B sliver; with a few slivers per thread the
  // transpose does not pay for itself, and reading row-major A in place is faster
  // (K may also be tiny). Both kernels run the same FMA chain per element, so this
  // choice, unlike KC, may depend on the thread count.
  const int64_t sliversPerThread = splitColumns ? ceilDiv(nSlivers, threads) : nSlivers;
  // (The narrow and small-M plans have no packed-A kernel: they always read A in place.)
  p.aInPlace = !transA && (plan.kernelRowsAB || (plan.kernelRowsA && sliversPerThread <= kMaxSliversInPlace));
  p.bInPlace = plan.kernelRowsAB && transB == plan.rowsABTransposed;

  // Per thread, a B block and an A block, each 64-byte aligned (the kernels load
  // packed B with aligned vector loads). Many threads get narrower B blocks so that
  // all of them together stay within kPackBudgetBytes (NC does not change results).
  const int64_t ncBudget = int64_t(kPackBudgetBytes / sizeof(T)) / threads / p.kcMax;
  p.ncMax = std::min(p.ncMax, std::max<int64_t>(8 * nr, ncBudget / nr * nr));
  const int64_t ncThread =
      splitColumns ? std::min(p.ncMax, ceilDiv(nSlivers, threads) * nr) : p.ncMax;
  const int64_t bElems = roundUp(p.kcMax * ncThread, 16);
  // (An unaliased copy of A, in place of the packed block, needs padded rows.)
  const int64_t aElems = roundUp(std::max(p.kcMax, unaliasedLd<T>(p.kcMax)) * p.mcMax, 16);
  ScratchLease scratch(size_t(threads * (bElems + aElems)) * sizeof(T));
  if (!scratch.get()) return false;
  T* const buffers = static_cast<T*>(scratch.get());

  auto runPart = [&](int64_t c) {
    T* bp = buffers + c * (bElems + aElems);
    int64_t b, e;
    if (splitColumns) {
      splitRange(nSlivers, threads, c, &b, &e);
      multiplyRegion(p, 0, M, b * nr, std::min(N, e * nr), bp, bp + bElems);
    } else {
      splitRange(mTiles, threads, c, &b, &e);
      multiplyRegion(p, b * mr, std::min(M, e * mr), 0, N, bp, bp + bElems);
    }
  };
  if (threads == 1) {
    runPart(0);
  } else {
    ctx.pool.parallelFor(0, threads, 1, [&](int64_t cb, int64_t ce) {
      for (int64_t c = cb; c < ce; ++c) runPart(c);
    });
  }
  return true;
}

// Narrow N with a deep K, row-major A, fp32 on AVX-512: C as dot products along K
// (simd/avx512/gemm_dot_avx512.cc has why). Below kDotMinK the final horizontal sums
// cost more than the full lanes save; above kDotMaxK the packed op(B)^T (N x K) would
// no longer stay in L2 while every pair of A rows streams over it.
constexpr int64_t kDotMinK = 32, kDotMaxK = 4096;

bool gemmDotNarrow(Context& ctx, bool transB, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                   int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
#if defined(LATTICE_X86)
  // Rows of op(B)^T an odd multiple of 128 bytes apart: at a multiple of 4 KiB (K = 1024) all
  // N rows fall in the same L1 sets and evict each other every k block (128x1024x10: 71 -> 30
  // us for the kernel alone; 128x256x10, 1 KiB apart: 7.7 -> 6.8).
  const int64_t k32 = roundUp(K, 32), kpad = k32 % 64 == 0 ? k32 + 32 : k32;
  ScratchLease scratch(size_t(N * kpad) * sizeof(float));
  if (!scratch.get()) return false;
  float* bt = static_cast<float*>(scratch.get());
  // Row j of op(B)^T is column j of op(B): row j of B stored [N, K], a strided column of B stored [K, N].
  if (transB) {
    for (int64_t j = 0; j < N; ++j) std::memcpy(bt + j * kpad, B + j * ldb, size_t(K) * sizeof(float));
  } else {
    for (int64_t k = 0; k < K; ++k) {
      for (int64_t j = 0; j < N; ++j) bt[j * kpad + k] = B[k * ldb + j];
    }
  }
  for (int64_t j = 0; j < N; ++j) std::fill(bt + j * kpad + K, bt + (j + 1) * kpad, 0.0f);
  auto rows = [&](int64_t r0, int64_t r1) {
    simd::sgemmDotNarrowAvx512(r1 - r0, N, K, A + r0 * lda, lda, bt, kpad, C + r0 * ldc, ldc, alpha, beta);
  };
  const int64_t pairs = ceilDiv(M, 2);
  const int threads = threadsFor(ctx, M, N, K, pairs);
  if (threads <= 1) {
    rows(0, M);
  } else {
    // Whole row pairs per thread, so each row meets the same code whatever the split.
    ctx.pool.parallelFor(0, pairs, ceilDiv(pairs, threads), [&](int64_t p0, int64_t p1) { rows(2 * p0, std::min(M, 2 * p1)); });
  }
  return true;
#else
  (void)ctx, (void)transB, (void)M, (void)N, (void)K, (void)alpha, (void)A, (void)lda, (void)B, (void)ldb, (void)beta,
      (void)C, (void)ldc;
  return false;
#endif
}

// Tiny K on AVX-512 (simd/gemm_kernels.h, sgemmSmallKAvx512): blocks of nv vectors of op(B)
// columns, each held in registers while every row of A passes. A narrow N is one block (nv
// up to 3, K * nv <= 20); a wide one takes blocks of 2 or 3 vectors where K <= 10 (with one
// vector, one broadcast per FMA, the packed path is as fast). Row-major B is read in place;
// B stored [N, K] is copied a block at a time. Returns false where the ISA or the shape does
// not qualify.
#if defined(LATTICE_X86)
template <typename T>
bool gemmSmallK(Context& ctx, bool transB, int64_t M, int64_t N, int64_t K, T alpha, const T* A, int64_t lda,
                const T* B, int64_t ldb, T beta, T* C, int64_t ldc) {
  constexpr int W = 64 / int(sizeof(T));
  if (ctx.isa != Isa::Avx512 || K > simd::kGemmSmallKMaxVectors) return false;
  const int64_t narrow = ceilDiv(N, W);
  const int nv = narrow <= simd::kGemmSmallKMaxNv
                     ? int(narrow)
                     : int(std::min<int64_t>(simd::kGemmSmallKMaxNv, simd::kGemmSmallKMaxVectors / K));
  if (K * nv > simd::kGemmSmallKMaxVectors || (narrow > simd::kGemmSmallKMaxNv && nv < 2)) return false;
  const int64_t width = int64_t(nv) * W, blocks = ceilDiv(N, width);
  // Rows [r0, r1) of C against column block j.
  auto run = [&](int64_t j, int64_t r0, int64_t r1) {
    const int64_t j0 = j * width, n = std::min(width, N - j0);
    const T* b = B + j0;
    int64_t ldbHere = ldb;
    alignas(64) T copy[simd::kGemmSmallKMaxVectors * 16];  // 16: the most lanes of a vector
    if (transB) {
      for (int64_t k = 0; k < K; ++k)
        for (int64_t jj = 0; jj < n; ++jj) copy[k * width + jj] = B[(j0 + jj) * ldb + k];
      b = copy, ldbHere = width;
    }
    if constexpr (std::is_same_v<T, float>) {
      simd::sgemmSmallKAvx512(r1 - r0, n, K, nv, A + r0 * lda, lda, b, ldbHere, C + r0 * ldc + j0, ldc, alpha, beta);
    } else {
      simd::dgemmSmallKAvx512(r1 - r0, n, K, nv, A + r0 * lda, lda, b, ldbHere, C + r0 * ldc + j0, ldc, alpha, beta);
    }
  };
  // Threads take column blocks where there are enough of them, else ranges of rows.
  const int threads = threadsFor(ctx, M, N, K, std::max(M, blocks));
  if (threads <= 1) {
    for (int64_t j = 0; j < blocks; ++j) run(j, 0, M);
  } else if (blocks >= threads) {
    ctx.pool.parallelFor(0, blocks, ceilDiv(blocks, threads), [&](int64_t b0, int64_t b1) {
      for (int64_t j = b0; j < b1; ++j) run(j, 0, M);
    });
  } else {
    ctx.pool.parallelFor(0, M, ceilDiv(M, threads), [&](int64_t r0, int64_t r1) {
      for (int64_t j = 0; j < blocks; ++j) run(j, r0, r1);
    });
  }
  return true;
}
#else
template <typename T>
bool gemmSmallK(Context&, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T, T*, int64_t) {
  return false;
}
#endif

// Most one-vector-wide slivers the narrow plan takes (see gemm()).
constexpr int64_t kNarrowSlivers = 3;

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
  if (useSystemBlas(ctx, M, N, K, std::max({lda, ldb, ldc}))) {
    systemBlasGemm(ctx, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  // Every choice below depends on the shape and ISA only, never on the thread count.
  if constexpr (std::is_same_v<T, float>) {
    if (ctx.isa == Isa::Avx512 && !transA && N <= simd::kSgemmDotMaxN && K >= kDotMinK && K <= kDotMaxK &&
        gemmDotNarrow(ctx, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)) {
      return;
    }
  }
  if (double(M) * double(N) * double(K) <= double(kSmallMacs)) {
    gemmSmall(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  if (!transA && gemmSmallK(ctx, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)) return;
  const GemmPlan<T> plan = planFor(ctx.isa, T(0));
  const GemmPlan<T> few = smallMPlanFor(ctx.isa, plan, M, N, transB);
  if (few.kernelRowsAB && !transA && gemmPacked(ctx, few, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, 1)) {
    return;
  }
  // N = 10 in a 32-wide tile wastes 22 of 32 lanes. With row-major A, a one-vector
  // tile that reads A in place wastes 6 of 16 and needs no transpose at all. Up to
  // kNarrowSlivers such tiles side by side still beat the wide tile where they waste
  // fewer lanes: fp64 N = 20 (a 20-unit layer, as in PINNs) fills 20 of 24 lanes instead
  // of 20 of 32, 0.31 -> 0.25 ms for [10000,20] x [20,20]; at equal waste (fp64 N = 12)
  // the wide tile is faster.
  const GemmPlan<T> narrow = narrowPlanFor(ctx.isa, plan);
  const bool narrowFits = N <= narrow.nr || (N <= kNarrowSlivers * narrow.nr && roundUp(N, narrow.nr) < roundUp(N, plan.nr));
  if (narrow.kernelRowsAB && !transA && narrowFits &&
      gemmPacked(ctx, narrow, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, 1)) {
    return;
  }
  // Otherwise a narrow N is better computed as C^T = op(B)^T op(A)^T: N goes to the
  // MR side (12 rows) and the long M to the vector side; the tiles are then stored
  // transposed (scalar stores), which pays off once K is deep enough.
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

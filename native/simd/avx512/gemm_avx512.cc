// AVX-512 GEMM micro-kernels and the transposing pack (see simd/gemm_kernels.h).
//
// Tile MR x (2 vectors): each k step loads two vectors of packed B (one row of the
// tile's NR columns), broadcasts MR values of A and issues 2*MR FMAs into 2*MR
// accumulator registers. With MR = 12 that is 24 accumulators + 2 B + 1 broadcast =
// 27 of the 32 zmm registers, and 24 independent FMA chains: enough to cover FMA
// latency (4 cycles) x 2 FMA pipes with room to spare. Each broadcast feeds two
// FMAs, so loads stay well under the FMA rate. The narrow tile (16 x 1 vector, for
// N <= 16) has 16 chains and one broadcast per FMA, folded into the FMA's memory
// operand ({1to16}).
// Edge tiles (mr < MR or nr < NR) are written with masked loads/stores, using the
// same arithmetic as full tiles.
// For a tiny K, smallK holds blocks of op(B) in registers instead of a tile of C; for a small
// M, smallMTile runs the micro-kernel on 1-16 rows with B read in place (a B stored [N, K]
// transposed in registers, TransposedRowsB).
#include <algorithm>
#include <type_traits>
#include <utility>

#include "intrinsics.h"

#include "../gemm_kernels.h"

namespace lattice {
namespace simd {
namespace {

struct Float32x16 {
  using T = float;
  using V = __m512;
  using Mask = __mmask16;
  static constexpr int kWidth = 16;
  static V zero() { return _mm512_setzero_ps(); }
  static V set1(T x) { return _mm512_set1_ps(x); }
  static V loadAligned(const T* p) { return _mm512_load_ps(p); }
  static V loadu(const T* p) { return _mm512_loadu_ps(p); }
  static void storeAligned(T* p, V v) { _mm512_store_ps(p, v); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V maskLoad(Mask m, const T* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void maskStore(T* p, Mask m, V v) { _mm512_mask_storeu_ps(p, m, v); }
  static void storeu(T* p, V v) { _mm512_storeu_ps(p, v); }
};

struct Float64x8 {
  using T = double;
  using V = __m512d;
  using Mask = __mmask8;
  static constexpr int kWidth = 8;
  static V zero() { return _mm512_setzero_pd(); }
  static V set1(T x) { return _mm512_set1_pd(x); }
  static V loadAligned(const T* p) { return _mm512_load_pd(p); }
  static V loadu(const T* p) { return _mm512_loadu_pd(p); }
  static void storeAligned(T* p, V v) { _mm512_store_pd(p, v); }
  static V fmadd(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_pd(a, b); }
  static V maskLoad(Mask m, const T* p) { return _mm512_maskz_loadu_pd(m, p); }
  static void maskStore(T* p, Mask m, V v) { _mm512_mask_storeu_pd(p, m, v); }
  static void storeu(T* p, V v) { _mm512_storeu_pd(p, v); }
};

// Lanes [0, n) of one vector, n clamped to [0, width].
template <typename S>
typename S::Mask laneMask(int n) {
  if (n <= 0) return 0;
  if (n >= S::kWidth) return static_cast<typename S::Mask>(~0u);
  return static_cast<typename S::Mask>((1u << n) - 1);
}

// Writes the tile with C element (i, j) at c[i*rsC + j*csC] for any strides (the
// transposed-C case), from the accumulators already stored row by row in `tile`
// (the caller stores them, so that the accumulator array itself never has its address
// taken: once it had, GCC kept every accumulator in memory inside the k loop next to a
// masked load).
template <typename T>
void storeTileStrided(const T* tile, int rowStride, T* c, int64_t rsC, int64_t csC, T alpha,
                      T beta, int mr, int nr) {
  for (int j = 0; j < nr; ++j) {
    for (int i = 0; i < mr; ++i) {
      T& out = c[i * rsC + j * csC];
      const T v = tile[i * rowStride + j];
      out = beta == T(0) ? alpha * v : alpha * v + beta * out;
    }
  }
}

// Where the kernel reads op(A)(i, k) of its tile. Packed: a[k*MR + i]. Rows: straight
// from row-major A, a[i*lda + k], all MR rows readable (the driver copies a short
// edge tile into a padded buffer first).
template <typename T, int MR>
struct PackedA {
  const T* a;
  T at(int i) const { return a[i]; }
  void next() { a += MR; }
};

template <typename T, int MR>
struct RowsA {
  // Row 4q+j is group[q] + j*lda: four base pointers and the strides lda, 3*lda fit in
  // general registers and x86 addressing ([base + lda*4], [base + lda*8],
  // [base + lda3*4]), where 16 separate row pointers would spill.
  // (A small-M tile of 1 to 7 rows ends with one short group.)
  static constexpr int kGroups = (MR + 3) / 4;
  const T* group[kGroups];
  int64_t lda, lda3;
  RowsA(const T* a, int64_t ld) : lda(ld), lda3(3 * ld) {
    for (int q = 0; q < kGroups; ++q) group[q] = a + 4 * q * ld;
  }
  T at(int i) const {
    const T* g = group[i / 4];
    switch (i % 4) {
      case 0: return g[0];
      case 1: return g[lda];
      case 2: return g[2 * lda];
      default: return g[lda3];
    }
  }
  void next() {
    for (int q = 0; q < kGroups; ++q) ++group[q];
  }
};

// Where the kernel reads row k of its B sliver. Packed: NV aligned vectors at b[k*NV*W].
// Rows (the narrow and small-M tiles): straight from B with leading dimension ldb, masked
// loads whose lanes past nr read as zero, as the packed sliver's padding would; row-major
// B then needs no packing at all.
template <typename S, int NV>
struct PackedB {
  const typename S::T* b;
  typename S::V load(int v) const { return S::loadAligned(b + v * S::kWidth); }
  void next() { b += NV * S::kWidth; }
};

template <typename S, int NV>
struct RowsB {
  const typename S::T* b;
  int64_t ldb;
  typename S::Mask mask[NV];
  RowsB(const typename S::T* bb, int64_t ld, int nr) : b(bb), ldb(ld) {
    for (int v = 0; v < NV; ++v) mask[v] = laneMask<S>(nr - v * S::kWidth);
  }
  typename S::V load(int v) const { return S::maskLoad(mask[v], b + v * S::kWidth); }
  void next() { b += ldb; }
};

// In-register transposes for packing (transpose16x16 and transpose8x8 are in intrinsics.h, shared
// with the Winograd transforms and the strided copy). Input: W rows of W elements; output out[k] = column k.
inline __attribute__((always_inline)) void transpose(__m512 (&r)[16]) { transpose16x16(r); }
inline __attribute__((always_inline)) void transpose(__m512d (&r)[8]) { transpose8x8(r); }

// B stored [N, K] read in place as op(B) = B^T (the small-M tile for a Linear layer's weight):
// the sliver's W rows of B are loaded W k-steps at a time and transposed in registers into
// W vectors of op(B) rows, so no packed copy of B is written. NV = 1; rows past nr load as
// zero, as the packed sliver's padding would; masked loads never pass a row's end (kc).
template <typename S>
struct TransposedRowsB {
  using T = typename S::T;
  using V = typename S::V;
  static constexpr int W = S::kWidth;
  const T* b;
  int64_t ldb, left;
  int live, kk = 0;
  V block[W];
  TransposedRowsB(const T* bb, int64_t ld, int nr, int64_t kc) : b(bb), ldb(ld), left(kc), live(nr) { fill(); }
  void fill() {
    const auto m = laneMask<S>(static_cast<int>(left < W ? left : W));
    for (int i = 0; i < W; ++i) block[i] = i < live ? S::maskLoad(m, b + i * ldb) : S::zero();
    transpose(block);
  }
  V load(int) const { return block[kk]; }
  void next() {
    if (++kk < W) return;
    kk = 0;
    b += W;
    left -= W;
    if (left > 0) fill();
  }
};

// The MR x (NV vectors) tile: per k, NV loads of B, MR broadcasts of A and
// MR*NV FMAs into MR*NV accumulators.
template <typename S, int MR, int NV, typename ASource, typename BSource>
void microKernel(int64_t kc, ASource a, BSource b, typename S::T* c, int64_t rsC,
                 int64_t csC, typename S::T alpha, typename S::T beta, int mr, int nr) {
  using T = typename S::T;
  using V = typename S::V;
  constexpr int W = S::kWidth;
  V acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) acc[i][v] = S::zero();
  }

  // The C tile is read (or written) only after the k loop: start pulling it in now.
  if (csC == 1) {
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      if (i < mr) {
        _mm_prefetch(reinterpret_cast<const char*>(c + i * rsC), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(c + i * rsC + NV * W - 1), _MM_HINT_T0);
      }
    }
  }

#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    V bv[NV];
#pragma GCC unroll 16
    for (int v = 0; v < NV; ++v) bv[v] = b.load(v);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const V ai = S::set1(a.at(i));
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) acc[i][v] = S::fmadd(ai, bv[v], acc[i][v]);
    }
    a.next();
    b.next();
  }

  if (csC != 1) {
    alignas(64) T tile[MR][NV * W];
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) S::storeAligned(tile[i] + v * W, acc[i][v]);
    }
    storeTileStrided<T>(&tile[0][0], NV * W, c, rsC, csC, alpha, beta, mr, nr);
    return;
  }
  // C = alpha*acc + beta*C as fma(alpha, acc, beta*C); with beta == 0, alpha*acc.
  // Masks cut the columns past nr, rows past mr are skipped. Whole vectors use plain
  // stores: with every lane on, masked stores to lines not yet in cache still cost
  // more on Zen 5 (1.2-1.5x for a 43264 x 32 fp64 output, K = 9).
  typename S::Mask mask[NV];
  bool whole[NV];
  for (int v = 0; v < NV; ++v) {
    mask[v] = laneMask<S>(nr - v * W);
    whole[v] = nr >= (v + 1) * W;
  }
  const V va = S::set1(alpha);
  const bool readC = beta != 0;
  const V vb = S::set1(beta);
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    if (i < mr) {
#pragma GCC unroll 16
      for (int v = 0; v < NV; ++v) {
        T* out = c + i * rsC + v * W;
        const V value = readC ? S::fmadd(va, acc[i][v], S::mul(vb, S::maskLoad(mask[v], out)))
                              : S::mul(va, acc[i][v]);
        if (whole[v]) {
          S::storeu(out, value);
        } else {
          S::maskStore(out, mask[v], value);
        }
      }
    }
  }
}

// Tiny K: a block of op(B) (K x nv vectors, K * nv <= kGemmSmallKMaxVectors) lives in
// registers while the rows of A stream past it. im2col of a 3x3 conv on one input channel
// is [positions, 9] x [9, out channels] (43264 x 9 x 32 in the bench) or, channels first,
// [out channels, 9] x [9, positions]; the 12 x 32 tile spends its nine k steps between
// its set-up and its 24 stores there and ran at 72 GFLOP/s, where this loop, nine
// broadcasts and 18 FMAs per row of C, runs at ~107. Each element is the tile's FMA chain
// (from zero, k in order, then alpha and beta the same way), so C is bitwise what the
// packed path gives.
template <typename T>
struct LanesOf;
template <>
struct LanesOf<float> {
  using type = Float32x16;
};
template <>
struct LanesOf<double> {
  using type = Float64x8;
};
template <typename T>
using Lanes = typename LanesOf<T>::type;

template <typename T, int K, int NV>
void rowsKernel(int64_t rows, int64_t n, const T* a, int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc, T alpha,
                T beta) {
  using S = Lanes<T>;
  using V = typename S::V;
  using Mask = typename S::Mask;
  constexpr int W = S::kWidth;
  Mask live[NV];
  bool whole[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    live[v] = laneMask<S>(static_cast<int>(n - v * W));
    whole[v] = n >= (v + 1) * W;
  }
  V bv[K][NV];
#pragma GCC unroll 32
  for (int k = 0; k < K; ++k) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[k][v] = S::maskLoad(live[v], b + k * ldb + v * W);
  }
  const bool readC = beta != T(0), scale = alpha != T(1);
  const V va = S::set1(alpha), vb = S::set1(beta);
  for (int64_t i = 0; i < rows; ++i) {
    const T* ai = a + i * lda;
    V acc[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[v] = S::zero();
#pragma GCC unroll 32
    for (int k = 0; k < K; ++k) {
      const V x = S::set1(ai[k]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[v] = S::fmadd(x, bv[k][v], acc[v]);
    }
    T* ci = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      // x * 1 is x exactly, so alpha = 1 skips the multiply and the value is unchanged.
      V value = scale ? S::mul(va, acc[v]) : acc[v];
      if (readC) value = S::fmadd(va, acc[v], S::mul(vb, S::maskLoad(live[v], ci + v * W)));
      if (whole[v]) {
        S::storeu(ci + v * W, value);
      } else {
        S::maskStore(ci + v * W, live[v], value);
      }
    }
  }
}

template <typename T>
using RowsFn = void (*)(int64_t, int64_t, const T*, int64_t, const T*, int64_t, T*, int64_t, T, T);

// table[nv - 1][k - 1] for every (K, NV) with K * NV <= kGemmSmallKMaxVectors.
template <typename T, int NV, int... Ks>
constexpr void fill(RowsFn<T> (&row)[kGemmSmallKMaxVectors], std::integer_sequence<int, Ks...>) {
  ((row[Ks] = (Ks + 1) * NV <= kGemmSmallKMaxVectors ? &rowsKernel<T, (Ks + 1) * NV <= kGemmSmallKMaxVectors ? Ks + 1 : 1, NV> : nullptr), ...);
}

template <typename T>
struct Table {
  RowsFn<T> fn[kGemmSmallKMaxNv][kGemmSmallKMaxVectors] = {};
  constexpr Table() {
    fill<T, 1>(fn[0], std::make_integer_sequence<int, kGemmSmallKMaxVectors>());
    fill<T, 2>(fn[1], std::make_integer_sequence<int, kGemmSmallKMaxVectors>());
    fill<T, 3>(fn[2], std::make_integer_sequence<int, kGemmSmallKMaxVectors>());
  }
};
static_assert(kGemmSmallKMaxNv == 3, "Table fills NV = 1..3");

template <typename T>
bool smallK(int64_t rows, int64_t n, int64_t K, int nv, const T* a, int64_t lda, const T* b, int64_t ldb, T* c,
            int64_t ldc, T alpha, T beta) {
  static constexpr Table<T> table;
  if (n < 1 || K < 1 || nv < 1 || nv > kGemmSmallKMaxNv || K * nv > kGemmSmallKMaxVectors || n > nv * Lanes<T>::kWidth) {
    return false;
  }
  table.fn[nv - 1][K - 1](rows, n, a, lda, b, ldb, c, ldc, alpha, beta);
  return true;
}


// dst[k*panel + i] = src[i*ld + k] for i < live, 0 for live <= i < panel, k < kc:
// W x W blocks are transposed in registers and stored as rows of the panel with
// masked stores (a panel row holds `panel` elements, not a whole vector).
template <typename S>
void packTransposed(const typename S::T* src, int64_t ld, int live, int panel, int64_t kc,
                    typename S::T* dst) {
  using V = typename S::V;
  constexpr int W = S::kWidth;
  int64_t k0 = 0;
  for (; k0 + W <= kc; k0 += W) {
    for (int rb = 0; rb < panel; rb += W) {
      V r[W];
      for (int i = 0; i < W; ++i) {
        r[i] = rb + i < live ? S::loadu(src + (rb + i) * ld + k0) : S::zero();
      }
      transpose(r);
      const auto m = laneMask<S>(panel - rb);
      for (int k = 0; k < W; ++k) S::maskStore(dst + (k0 + k) * panel + rb, m, r[k]);
    }
  }
  if (k0 < kc) {
    // Last kc % W columns: masked loads never touch memory past the row's end.
    const int tail = static_cast<int>(kc - k0);
    const auto loadMask = laneMask<S>(tail);
    for (int rb = 0; rb < panel; rb += W) {
      V r[W];
      for (int i = 0; i < W; ++i) {
        r[i] = rb + i < live ? S::maskLoad(loadMask, src + (rb + i) * ld + k0) : S::zero();
      }
      transpose(r);
      const auto m = laneMask<S>(panel - rb);
      for (int k = 0; k < tail; ++k) S::maskStore(dst + (k0 + k) * panel + rb, m, r[k]);
    }
  }
}

// dst[k*panel + i] = src[k*ld + i] for i < live, 0 up to panel: masked loads never read past
// `live`, masked stores never write past the panel row (one or two vectors a row unrolled).
template <typename S>
void packRows(const typename S::T* src, int64_t ld, int live, int panel, int64_t kc, typename S::T* dst) {
  constexpr int W = S::kWidth;
  const auto l0 = laneMask<S>(live), l1 = laneMask<S>(live - W);
  const auto p0 = laneMask<S>(panel), p1 = laneMask<S>(panel - W);
  if (panel <= W) {
    for (int64_t k = 0; k < kc; ++k) S::maskStore(dst + k * panel, p0, S::maskLoad(l0, src + k * ld));
    return;
  }
  if (panel <= 2 * W) {
    for (int64_t k = 0; k < kc; ++k) {
      S::maskStore(dst + k * panel, p0, S::maskLoad(l0, src + k * ld));
      S::maskStore(dst + k * panel + W, p1, S::maskLoad(l1, src + k * ld + W));
    }
    return;
  }
  for (int64_t k = 0; k < kc; ++k) {
    for (int v = 0; v * W < panel; ++v) {
      S::maskStore(dst + k * panel + v * W, laneMask<S>(panel - v * W), S::maskLoad(laneMask<S>(live - v * W), src + k * ld + v * W));
    }
  }
}

static_assert(kSgemmAvx512Nr == 2 * Float32x16::kWidth, "fp32 tile is two zmm wide");
static_assert(kDgemmAvx512Nr == 2 * Float64x8::kWidth, "fp64 tile is two zmm wide");
static_assert(kSgemmAvx512NarrowNr == Float32x16::kWidth, "narrow fp32 tile is one zmm");
static_assert(kDgemmAvx512NarrowNr == Float64x8::kWidth, "narrow fp64 tile is one zmm");

}  // namespace

void sgemmMicroAvx512(int64_t kc, const float* a, const float* b, float* c, int64_t rsC,
                      int64_t csC, float alpha, float beta, int mr, int nr) {
  using ASource = PackedA<float, kSgemmAvx512Mr>;
  microKernel<Float32x16, kSgemmAvx512Mr, 2>(
      kc, ASource{a}, PackedB<Float32x16, 2>{b}, c, rsC, csC, alpha, beta, mr, nr);
}

void sgemmMicroRowsAvx512(int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                          int64_t rsC, int64_t csC, float alpha, float beta, int mr, int nr) {
  using ASource = RowsA<float, kSgemmAvx512Mr>;
  microKernel<Float32x16, kSgemmAvx512Mr, 2>(
      kc, ASource(a, lda), PackedB<Float32x16, 2>{b}, c, rsC, csC, alpha, beta, mr, nr);
}

void sgemmMicroNarrowRowsAvx512(int64_t kc, const float* a, int64_t lda, const float* b,
                                int64_t ldb, float* c, int64_t rsC, int64_t csC, float alpha,
                                float beta, int mr, int nr) {
  using ASource = RowsA<float, kSgemmAvx512NarrowMr>;
  microKernel<Float32x16, kSgemmAvx512NarrowMr, 1>(
      kc, ASource(a, lda), RowsB<Float32x16, 1>(b, ldb, nr), c, rsC, csC,
      alpha, beta, mr, nr);
}

void dgemmMicroAvx512(int64_t kc, const double* a, const double* b, double* c, int64_t rsC,
                      int64_t csC, double alpha, double beta, int mr, int nr) {
  using ASource = PackedA<double, kDgemmAvx512Mr>;
  microKernel<Float64x8, kDgemmAvx512Mr, 2>(
      kc, ASource{a}, PackedB<Float64x8, 2>{b}, c, rsC, csC, alpha, beta, mr, nr);
}

void dgemmMicroRowsAvx512(int64_t kc, const double* a, int64_t lda, const double* b, double* c,
                          int64_t rsC, int64_t csC, double alpha, double beta, int mr, int nr) {
  using ASource = RowsA<double, kDgemmAvx512Mr>;
  microKernel<Float64x8, kDgemmAvx512Mr, 2>(
      kc, ASource(a, lda), PackedB<Float64x8, 2>{b}, c, rsC, csC, alpha, beta, mr, nr);
}

void dgemmMicroNarrowRowsAvx512(int64_t kc, const double* a, int64_t lda, const double* b,
                                int64_t ldb, double* c, int64_t rsC, int64_t csC, double alpha,
                                double beta, int mr, int nr) {
  using ASource = RowsA<double, kDgemmAvx512NarrowMr>;
  microKernel<Float64x8, kDgemmAvx512NarrowMr, 1>(
      kc, ASource(a, lda), RowsB<Float64x8, 1>(b, ldb, nr), c, rsC, csC,
      alpha, beta, mr, nr);
}

namespace {
template <typename S, int R>
void edgePacked(int64_t kc, const typename S::T* a, const typename S::T* b, typename S::T* c, int64_t rsC, int64_t csC,
                typename S::T alpha, typename S::T beta, int mr, int nr) {
  constexpr int stride = std::is_same_v<typename S::T, float> ? kSgemmAvx512Mr : kDgemmAvx512Mr;
  microKernel<S, R, 2>(kc, PackedA<typename S::T, stride>{a}, PackedB<S, 2>{b}, c, rsC, csC, alpha, beta, mr, nr);
}

template <typename S, int R>
void edgeRows(int64_t kc, const typename S::T* a, int64_t lda, const typename S::T* b, typename S::T* c, int64_t rsC,
              int64_t csC, typename S::T alpha, typename S::T beta, int mr, int nr) {
  microKernel<S, R, 2>(kc, RowsA<typename S::T, R>(a, lda), PackedB<S, 2>{b}, c, rsC, csC, alpha, beta, mr, nr);
}

// K<R>::fn for R = rows in [Lo, Lo + count), else null: one dispatcher for every family of
// tiles that differ only in their height (a table built at compile time, not a switch each).
template <typename F, template <int> class K, int Lo, int... I>
F byRows(int rows, std::integer_sequence<int, I...>) {
  static constexpr F table[] = {K<Lo + I>::fn...};
  return rows >= Lo && rows < Lo + int(sizeof...(I)) ? table[rows - Lo] : nullptr;
}

// Kernel<R> for R = rows, 1 to 11 (the wide tile is 12 rows for both types).
template <typename F, template <int> class K>
F edgeFor(int rows) {
  static_assert(kSgemmAvx512Mr == 12 && kDgemmAvx512Mr == 12, "edge tiles cover 1 to 11 rows");
  return byRows<F, K, 1>(rows, std::make_integer_sequence<int, 11>());
}

template <typename S>
struct EdgePacked {
  template <int R>
  struct K {
    static constexpr GemmMicroKernel<typename S::T> fn = edgePacked<S, R>;
  };
};
template <typename S>
struct EdgeRows {
  template <int R>
  struct K {
    static constexpr GemmMicroKernelRowsA<typename S::T> fn = edgeRows<S, R>;
  };
};
}  // namespace

GemmMicroKernel<float> sgemmEdgeAvx512(int rows) {
  return edgeFor<GemmMicroKernel<float>, EdgePacked<Float32x16>::K>(rows);
}
GemmMicroKernel<double> dgemmEdgeAvx512(int rows) {
  return edgeFor<GemmMicroKernel<double>, EdgePacked<Float64x8>::K>(rows);
}
GemmMicroKernelRowsA<float> sgemmEdgeRowsAvx512(int rows) {
  return edgeFor<GemmMicroKernelRowsA<float>, EdgeRows<Float32x16>::K>(rows);
}
GemmMicroKernelRowsA<double> dgemmEdgeRowsAvx512(int rows) {
  return edgeFor<GemmMicroKernelRowsA<double>, EdgeRows<Float64x8>::K>(rows);
}

bool sgemmSmallKAvx512(int64_t rows, int64_t n, int64_t K, int nv, const float* a, int64_t lda, const float* b,
                       int64_t ldb, float* c, int64_t ldc, float alpha, float beta) {
  return smallK<float>(rows, n, K, nv, a, lda, b, ldb, c, ldc, alpha, beta);
}

bool dgemmSmallKAvx512(int64_t rows, int64_t n, int64_t K, int nv, const double* a, int64_t lda, const double* b,
                       int64_t ldb, double* c, int64_t ldc, double alpha, double beta) {
  return smallK<double>(rows, n, K, nv, a, lda, b, ldb, c, ldc, alpha, beta);
}

namespace {
// The small-M tiles: MR rows (1 to 8; 9 to 16 with B stored [N, K]) of A in place, NV vectors of B rows (in place or a
// packed sliver, ldb = nr), through the same micro-kernel as the wide tile.
template <typename S, int MR>
void smallMTileTransposedB(int64_t kc, const typename S::T* a, int64_t lda, const typename S::T* b, int64_t ldb,
                           typename S::T* c, int64_t rsC, int64_t csC, typename S::T alpha, typename S::T beta, int mr,
                           int nr) {
  microKernel<S, MR, 1>(kc, RowsA<typename S::T, MR>(a, lda), TransposedRowsB<S>(b, ldb, nr, kc), c, rsC, csC, alpha, beta,
                        mr, nr);
}

template <typename S, int MR, int NV>
void smallMTile(int64_t kc, const typename S::T* a, int64_t lda, const typename S::T* b, int64_t ldb, typename S::T* c,
                int64_t rsC, int64_t csC, typename S::T alpha, typename S::T beta, int mr, int nr) {
  microKernel<S, MR, NV>(kc, RowsA<typename S::T, MR>(a, lda), RowsB<S, NV>(b, ldb, nr), c, rsC, csC, alpha, beta, mr, nr);
}

// MR * NV <= 16 accumulators: B rows of up to 16 vectors (one row of a 256-column fp32 B)
// for one row of A, 8 for two, 5 for three, 4 for four, 3 for five, 2 for six to eight; no wider
// than N needs (widths 1-4, 8 or 16). A wide sliver streams B row by row: with 4 vectors a row
// for one row of A, the kernel walked B in 256-byte pieces 1 KiB apart and waited on the cache
// (1x784x256: 27 us, against 11 us for a row at a time).
template <typename S, int MR>
GemmMicroKernelRowsAB<typename S::T> smallMWidth(int64_t N, int* nr) {
  constexpr int maxVectors = 16 / MR;
  const int64_t need = (N + S::kWidth - 1) / S::kWidth;
  const int vectors = need <= 4 ? static_cast<int>(need) : need <= 8 ? 8 : 16;
  int v = std::min(vectors, maxVectors);
  if (v > 4 && v < 8) v = 4;
  *nr = v * S::kWidth;
  switch (v) {
    case 1: return smallMTile<S, MR, 1>;
    case 2: return smallMTile<S, MR, 2>;
    case 3: if constexpr (maxVectors >= 3) return smallMTile<S, MR, 3>; else return nullptr;
    case 4: if constexpr (maxVectors >= 4) return smallMTile<S, MR, 4>; else return nullptr;
    case 8: if constexpr (maxVectors >= 8) return smallMTile<S, MR, 8>; else return nullptr;
    default: if constexpr (maxVectors >= 16) return smallMTile<S, MR, 16>; else return nullptr;
  }
}

// The tile height for `rows` rows: exactly `rows` up to 8 (a 6-row product in an 8-row tile
// spent a quarter of its FMAs on padding: 6x384x384 at 72 GFLOP/s against OpenBLAS's 104), and
// two tiles of ceil(rows / 2) for 9 to 16 (16 rows ran the wide path: 12 + 4 rows of a 12-row
// tile, after packing all of B).
constexpr int smallMRows(int rows) { return rows <= 8 ? rows : (rows + 1) / 2; }

template <typename S, int MR>
GemmMicroKernelRowsAB<typename S::T> smallMFor(bool transB, int64_t N, int* nr) {
  if (transB) {
    *nr = S::kWidth;
    return smallMTileTransposedB<S, MR>;
  }
  return smallMWidth<S, MR>(N, nr);
}

// With B stored [N, K], 9 to 16 rows run as one tile of exactly that height: each vector of B
// columns is transposed in registers once for all rows instead of once per 8-row tile
// (linear 16x784 -> 256: 100 -> 83 us; a 16-row tile for 12 rows spent a quarter of its FMAs on
// padding, 113 -> 130 us). The tile's accumulators and the transposed block fill 25-32 zmm.
template <typename S>
struct TransposedWide {
  template <int R>
  struct K {
    static constexpr GemmMicroKernelRowsAB<typename S::T> fn = smallMTileTransposedB<S, R>;
  };
};

template <typename S>
GemmMicroKernelRowsAB<typename S::T> smallMTransposedWide(int rows, int* mr, int* nr) {
  *mr = std::clamp(rows, 9, 16);
  *nr = S::kWidth;
  return byRows<GemmMicroKernelRowsAB<typename S::T>, TransposedWide<S>::template K, 9>(*mr, std::make_integer_sequence<int, 8>());
}

// smallMFor<S, R> for R = 1 to 8, as a table of choosers.
template <typename S>
struct SmallMChooser {
  using Fn = GemmMicroKernelRowsAB<typename S::T> (*)(bool, int64_t, int*);
  template <int R>
  struct K {
    static constexpr Fn fn = smallMFor<S, R>;
  };
};

template <typename S>
GemmMicroKernelRowsAB<typename S::T> smallM(int rows, int64_t N, bool transB, int* mr, int* nr) {
  if (transB && rows > 8) return smallMTransposedWide<S>(rows, mr, nr);
  *mr = smallMRows(std::clamp(rows, 1, 16));
  const auto choose = byRows<typename SmallMChooser<S>::Fn, SmallMChooser<S>::template K, 1>(*mr, std::make_integer_sequence<int, 8>());
  return choose(transB, N, nr);
}
}  // namespace

GemmMicroKernelRowsAB<float> sgemmSmallMAvx512(int rows, int64_t N, bool transB, int* mr, int* nr) {
  return smallM<Float32x16>(rows, N, transB, mr, nr);
}
GemmMicroKernelRowsAB<double> dgemmSmallMAvx512(int rows, int64_t N, bool transB, int* mr, int* nr) {
  return smallM<Float64x8>(rows, N, transB, mr, nr);
}

void sgemmPackRowsAvx512(const float* src, int64_t ld, int live, int panel, int64_t kc, float* dst) {
  packRows<Float32x16>(src, ld, live, panel, kc, dst);
}

void dgemmPackRowsAvx512(const double* src, int64_t ld, int live, int panel, int64_t kc, double* dst) {
  packRows<Float64x8>(src, ld, live, panel, kc, dst);
}

void sgemmPackTransposedAvx512(const float* src, int64_t ld, int live, int panel, int64_t kc,
                               float* dst) {
  packTransposed<Float32x16>(src, ld, live, panel, kc, dst);
}

void dgemmPackTransposedAvx512(const double* src, int64_t ld, int live, int panel, int64_t kc,
                               double* dst) {
  packTransposed<Float64x8>(src, ld, live, panel, kc, dst);
}

}  // namespace simd
}  // namespace lattice

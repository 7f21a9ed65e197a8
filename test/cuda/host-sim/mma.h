// Host simulation of the wmma fragments the TF32 GEMM kernel uses (m16n16k8, tf32 inputs, float
// accumulation), for scripts/cuda-host-sim.sh. Each thread's fragment holds the whole tile (the
// real layout spreads it over the warp and is opaque to the kernel); the kernel only loads,
// converts each element, multiplies and stores, so that is the same computation. Every thread of
// a warp stores the same values: the overlapping writes agree.
#pragma once
#include <cstdint>
#include <cstring>

namespace nvcuda {
namespace wmma {
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
namespace precision { struct tf32 {}; }
enum layout_t { mem_row_major, mem_col_major };

template <typename Use, int M, int N, int K, typename T, typename Layout = void>
struct fragment;
template <int M, int N, int K>
struct fragment<matrix_a, M, N, K, precision::tf32, row_major> { static constexpr int num_elements = M * K; float x[M * K]; };
template <int M, int N, int K>
struct fragment<matrix_b, M, N, K, precision::tf32, row_major> { static constexpr int num_elements = K * N; float x[K * N]; };
template <int M, int N, int K>
struct fragment<accumulator, M, N, K, float, void> { static constexpr int num_elements = M * N; float x[M * N]; };

template <int M, int N, int K>
void fill_fragment(fragment<accumulator, M, N, K, float, void>& f, float v) { for (float& e : f.x) e = v; }
template <int M, int N, int K>
void load_matrix_sync(fragment<matrix_a, M, N, K, precision::tf32, row_major>& f, const float* p, unsigned ldm) {
  for (int i = 0; i < M; ++i) for (int k = 0; k < K; ++k) f.x[i * K + k] = p[i * ldm + k];
}
template <int M, int N, int K>
void load_matrix_sync(fragment<matrix_b, M, N, K, precision::tf32, row_major>& f, const float* p, unsigned ldm) {
  for (int k = 0; k < K; ++k) for (int j = 0; j < N; ++j) f.x[k * N + j] = p[k * ldm + j];
}
template <int M, int N, int K>
void mma_sync(fragment<accumulator, M, N, K, float, void>& d, const fragment<matrix_a, M, N, K, precision::tf32, row_major>& a,
              const fragment<matrix_b, M, N, K, precision::tf32, row_major>& b, const fragment<accumulator, M, N, K, float, void>& c) {
  float out[M * N];
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j) {
      float s = c.x[i * N + j];
      for (int k = 0; k < K; ++k) s += a.x[i * K + k] * b.x[k * N + j];
      out[i * N + j] = s;
    }
  std::memcpy(d.x, out, sizeof out);
}
template <int M, int N, int K>
void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, float, void>& f, unsigned ldm, layout_t) {
  for (int i = 0; i < M; ++i) for (int j = 0; j < N; ++j) p[i * ldm + j] = f.x[i * N + j];
}
// Round to nearest (ties away from zero) to 10 mantissa bits, as cvt.rna.tf32.f32.
inline float __float_to_tf32(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  if ((u & 0x7f800000u) != 0x7f800000u) u = (u + 0x1000u) & 0xffffe000u;
  std::memcpy(&v, &u, 4);
  return v;
}
}  // namespace wmma
}  // namespace nvcuda

// Attention loops without an ISA extension (see simd/attention_loops.h). Where the compiler has
// GCC's vector extensions (GCC, Clang), lanes are 16-byte vectors, which every 64-bit target has
// without flags (SSE2 on x86-64, NEON on AArch64): this table is what runs on ARM, and one float at
// a time it was slower than the composite path's GEMM. Elsewhere (MSVC) one element at a time.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "../attention_loops.h"

namespace lattice {
namespace simd {
namespace scalar {

#include "../attention_loops_impl.h"

template <typename TT>
struct AttentionLane {
  using T = TT;
  using R = TT;
  static constexpr int kChunk = 4;
  static constexpr int kWidth = 1;
  static R zero() { return R(0); }
  static R set1(T v) { return v; }
  static R load(const T* p) { return *p; }
  static void store(T* p, R v) { *p = v; }
  static R add(R a, R b) { return a + b; }
  static R sub(R a, R b) { return a - b; }
  static R mul(R a, R b) { return a * b; }
  static R fma(R a, R b, R c) { return a * b + c; }
  static R max(R a, R b) { return a > b ? a : b; }
  static T hsum(R v) { return v; }
  static T hmax(R v) { return v; }
  static R exp(R x) { return std::exp(x); }
};

#if defined(__GNUC__)
template <typename TT>
struct AttentionVec16B {
  using T = TT;
  typedef T R __attribute__((vector_size(16)));
  static constexpr int kWidth = 16 / sizeof(T);
  static constexpr int kChunk = 2;  // 4 x 2 accumulators: 16 registers hold them and the loads
  static R zero() { return R{}; }
  static R set1(T v) { return R{} + v; }
  static R load(const T* p) {
    R r;
    std::memcpy(&r, p, sizeof r);
    return r;
  }
  static void store(T* p, R v) { std::memcpy(p, &v, sizeof v); }
  static R add(R a, R b) { return a + b; }
  static R sub(R a, R b) { return a - b; }
  static R mul(R a, R b) { return a * b; }
  static R fma(R a, R b, R c) { return a * b + c; }
  static R max(R a, R b) {
    R r;
    for (int i = 0; i < kWidth; ++i) r[i] = a[i] > b[i] ? a[i] : b[i];
    return r;
  }
  static T hsum(R v) {
    T s = 0;
    for (int i = 0; i < kWidth; ++i) s += v[i];
    return s;
  }
  static T hmax(R v) {
    T m = v[0];
    for (int i = 1; i < kWidth; ++i) m = v[i] > m ? v[i] : m;
    return m;
  }
  static R exp(R x) {
    for (int i = 0; i < kWidth; ++i) x[i] = std::exp(x[i]);
    return x;
  }
};
template <typename T>
using AttentionUnit = AttentionVec16B<T>;
#else
template <typename T>
using AttentionUnit = AttentionLane<T>;
#endif

const AttentionLoops<float>& attentionLoopsF32() {
  static const AttentionLoops<float> table = attentionLoops<AttentionUnit<float>>();
  return table;
}

const AttentionLoops<double>& attentionLoopsF64() {
  static const AttentionLoops<double> table = attentionLoops<AttentionUnit<double>>();
  return table;
}

}  // namespace scalar
}  // namespace simd
}  // namespace lattice

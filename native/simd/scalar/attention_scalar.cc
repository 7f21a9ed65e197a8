// Attention loops one element at a time (see simd/attention_loops.h).
#include <cmath>
#include <cstdint>
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

const AttentionLoops<float>& attentionLoopsF32() {
  static const AttentionLoops<float> table = attentionLoops<AttentionLane<float>>();
  return table;
}

const AttentionLoops<double>& attentionLoopsF64() {
  static const AttentionLoops<double> table = attentionLoops<AttentionLane<double>>();
  return table;
}

}  // namespace scalar
}  // namespace simd
}  // namespace lattice

// Direct small-channel convolution loops for the scalar build (see simd/conv_direct_loops.h):
// 4-lane arrays of floats, which the compiler maps to SSE2 where it has it.
#include <algorithm>

#include "../conv_direct_loops.h"
#include "../in_register.h"

namespace lattice {
namespace simd {
namespace scalar {
namespace {

struct Vec {
  struct R {
    float v[4];
  };
  static constexpr bool kLaneOps = false;
  static constexpr int kLanes = 4;
  static R zero() { return R{{0, 0, 0, 0}}; }
  static R load(const float* p) { return R{{p[0], p[1], p[2], p[3]}}; }
  static void store(float* p, R a) {
    for (int l = 0; l < 4; ++l) p[l] = a.v[l];
  }
  static R set1(float f) { return R{{f, f, f, f}}; }
  static R max(R a, R b) {
    R r;
    for (int l = 0; l < 4; ++l) r.v[l] = a.v[l] > b.v[l] ? a.v[l] : b.v[l];
    return r;
  }
  static R fma(R a, R b, R c) {
    R r;
    for (int l = 0; l < 4; ++l) r.v[l] = a.v[l] * b.v[l] + c.v[l];
    return r;
  }
};
constexpr int kForwardVectors = 2, kForwardBlock = 4, kWeightBlock = 2, kWeightTaps = 6;

}  // namespace

#include "../conv_direct_loops_impl.h"

}  // namespace scalar
}  // namespace simd
}  // namespace lattice

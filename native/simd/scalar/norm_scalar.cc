// Normalisation loops one element at a time (see simd/norm_loops.h).
#include <cstdint>

#include "../norm_loops.h"

namespace lattice {
namespace simd {
namespace scalar {

#include "../norm_loops_impl.h"
#include "../norm_loops_f64_impl.h"
#include "../norm_loops_f32_impl.h"

const NormLoops<float>& normLoopsF32() {
  static const NormLoops<float> table = f32NormLoops<Lane<float>>();
  return table;
}

const NormLoops<double>& normLoopsF64() {
  static const NormLoops<double> table = f64NormLoops<Lane<double>>();
  return table;
}

}  // namespace scalar
}  // namespace simd
}  // namespace lattice

// Winograd F(4x4, 3x3) tile transforms for the avx512 build (see simd/winograd_loops.h).
#include "intrinsics.h"

#include "../winograd_loops.h"

namespace lattice {
namespace simd {
namespace avx512 {

#include "../winograd_loops_impl.h"

}  // namespace avx512
}  // namespace simd
}  // namespace lattice

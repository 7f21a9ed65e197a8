// Winograd F(4x4, 3x3) tile transforms for the avx2 build (see simd/winograd_loops.h).
#include "../winograd_loops.h"

namespace lattice {
namespace simd {
namespace avx2 {

#include "../winograd_loops_impl.h"

}  // namespace avx2
}  // namespace simd
}  // namespace lattice

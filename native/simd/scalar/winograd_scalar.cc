// Winograd F(4x4, 3x3) tile transforms for the scalar build (see simd/winograd_loops.h).
#include "../winograd_loops.h"

namespace lattice {
namespace simd {
namespace scalar {

#include "../winograd_loops_impl.h"

}  // namespace scalar
}  // namespace simd
}  // namespace lattice

// Normalisation loops one element at a time (see simd/norm_loops.h).
#include <cstdint>

#include "../norm_loops.h"

namespace lattice {
namespace simd {
namespace scalar {

#include "../norm_loops_impl.h"

LATTICE_NORM_DEFINE_TABLES(Lane)

}  // namespace scalar
}  // namespace simd
}  // namespace lattice

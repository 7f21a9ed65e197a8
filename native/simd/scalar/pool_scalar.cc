// The 2x2 max-pool plane loops for the scalar build (see simd/pool_loops.h).
#include <algorithm>

#include "../../kernels/select.h"
#include "../pool_loops.h"

namespace lattice {
namespace simd {
namespace scalar {

#include "../pool_loops_impl.h"

}  // namespace scalar
}  // namespace simd
}  // namespace lattice

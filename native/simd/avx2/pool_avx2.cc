// The 2x2 max-pool plane loops for the avx2 build (see simd/pool_loops.h).
#include <algorithm>

#include "../../kernels/select.h"
#include "../pool_loops.h"

namespace lattice {
namespace simd {
namespace avx2 {

#include "../pool_loops_impl.h"

}  // namespace avx2
}  // namespace simd
}  // namespace lattice

// BatchNorm's column loops (simd/norm_columns.h) compiled for the baseline ISA (SSE2 on x86-64).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../norm_columns.h"

namespace lattice {
namespace simd {
namespace scalar {

#include "../norm_columns_impl.h"

}  // namespace scalar
}  // namespace simd
}  // namespace lattice

// BatchNorm's column loops (simd/norm_columns.h) compiled for AVX2 (4 doubles a vector).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../norm_columns.h"

namespace lattice {
namespace simd {
namespace avx2 {

#include "../norm_columns_impl.h"

}  // namespace avx2
}  // namespace simd
}  // namespace lattice

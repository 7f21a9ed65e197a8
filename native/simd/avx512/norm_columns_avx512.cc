// BatchNorm's column loops (simd/norm_columns.h) compiled for AVX-512 (8 doubles a vector).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../norm_columns.h"

namespace lattice {
namespace simd {
namespace avx512 {

#include "../norm_columns_impl.h"

}  // namespace avx512
}  // namespace simd
}  // namespace lattice

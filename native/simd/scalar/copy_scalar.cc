// The strided copy's transpose loops for the baseline ISA (see simd/copy_loops.h): plain
// element moves in 8 x 8 tiles (16 x 16 for bytes), which the compiler unrolls.
#include <cstdint>
#include <cstring>

#include "../copy_loops.h"

namespace lattice {
namespace simd {
namespace scalar {

inline void copyRun(const void* src, void* dst, int64_t bytes) { std::memcpy(dst, src, static_cast<size_t>(bytes)); }

#include "../copy_loops_impl.h"

const CopyLoops& copyLoops() { return copyLoopsOf<PlainTile<1, 16>, PlainTile<4, 8>, PlainTile<8, 8>>(); }

}  // namespace scalar
}  // namespace simd
}  // namespace lattice

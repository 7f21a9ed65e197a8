// Fused optimizer update loops, one lane at a time (see simd/optim_loops.h).
// No a*b+c -> FMA contraction: the loops then round exactly where PyTorch's ops and
// the reference kernel do, and native and reference agree bitwise.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("fp-contract=off")
#elif defined(__clang__)
#pragma clang fp contract(off)
#endif
#define LATTICE_OPTIM_ISA scalar
#include "../optim_loops.h"

namespace lattice {
namespace simd {
namespace scalar {

using VecF32 = Lane<float>;
using VecF64 = Lane<double>;

LATTICE_OPTIM_DEFINE_ENTRY_POINTS()

}  // namespace scalar
}  // namespace simd
}  // namespace lattice

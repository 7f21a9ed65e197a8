// Inner loops of the direct small-channel convolution (kernels/conv_direct.cc), compiled
// per ISA: simd/<isa>/conv_direct_<isa>.cc defines its vector type and includes
// conv_direct_loops_impl.h inside its own namespace.
//
// All three loops walk output rows of one sample and read (or, for the input gradient,
// accumulate into) a zero-padded, column-phase-split copy of the input (see
// kernels/conv_direct.cc): the input value under tap t of output (y, x) sits at
//   padded + y*rowStride + tapOffset[t] + x,
// so every tap of a run of consecutive output pixels is one contiguous vector, whatever
// the stride, padding and dilation. The copy has zeros past each row's end for at least
// kDirectChunk pixels, so the loops never bound-check a read.
//
// Every output element is one fixed sequence of multiply-adds per ISA, independent of the
// thread that runs it.
#pragma once

#include <cstdint>

#include "../cpu.h"

namespace lattice {
namespace simd {

// Pixels of the widest chunk any ISA's loops handle at once (the padding rows are sized for it).
constexpr int64_t kDirectChunk = 32;
// Most output channels any ISA's forward / input-gradient tile holds (the packed weight's block).
constexpr int kDirectMaxBlock = 8;

struct DirectRows {
  const int64_t* tapOffset;  // per tap, its offset in the padded copy
  int64_t taps;
  int64_t rowStride;         // padded-copy offset of one output row
  int64_t oh, ow;            // output rows and columns
};

struct ConvDirectLoops {
  int forwardBlock;   // output channels per forward / input-gradient call (<= kDirectMaxBlock)
  int weightBlock;    // output channels per weight-gradient call
  // out[j][y*ow + x] = bias[j] + sum_t w[t*forwardBlock + j] * padded[y*rowStride + tapOffset[t] + x]
  // for the nOc <= forwardBlock channels j (planes outPlane apart); bias may be null.
  void (*forward)(const DirectRows& r, const float* padded, const float* w, int nOc, const float* bias, float* out,
                  int64_t outPlane);
  // padded[y*rowStride + tapOffset[t] + x] += sum_j w[t*forwardBlock + j] * gradOut[j][y*ow + x]: the adjoint of forward.
  void (*backwardInput)(const DirectRows& r, float* padded, const float* w, int nOc, const float* gradOut,
                        int64_t gradPlane);
  // sums[j*taps + t] = sum over (y, x) of gradOut[j][y*ow + x] * padded[y*rowStride + tapOffset[t] + x]
  // for the nOc <= weightBlock channels j.
  void (*backwardWeight)(const DirectRows& r, const float* padded, const float* gradOut, int64_t gradPlane, int nOc,
                         float* sums);
};

namespace scalar {
const ConvDirectLoops& convDirectLoops();
}
#if defined(LATTICE_X86)
namespace avx2 {
const ConvDirectLoops& convDirectLoops();
}
namespace avx512 {
const ConvDirectLoops& convDirectLoops();
}
#endif

inline const ConvDirectLoops& convDirectLoopsFor(Isa isa) {
#if defined(LATTICE_X86)
  if (isa == Isa::Avx512) return avx512::convDirectLoops();
  if (isa == Isa::Avx2) return avx2::convDirectLoops();
#endif
  (void)isa;
  return scalar::convDirectLoops();
}

}  // namespace simd
}  // namespace lattice

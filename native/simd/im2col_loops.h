// The tap-table copies of im2col and col2im for float planes (kernels/conv.cc), per ISA.
//
// A small output plane (rows under 16 wide: a ResNet's 8x8, 4x4 and 2x2 layers) is copied
// through a table of each tap's source offsets. The generic loops in conv.cc read one element
// per table entry (a compare and a select each); these take up to 16 entries a vector. Both are
// plain copies (im2col) or the same additions in the same order (col2im), so every ISA gives the
// same bits. An ISA without its own loops leaves the pointers null and conv.cc runs the generic ones.
// On AVX-512 (a 2-core EPYC, 1 thread, batch 32) ResNet-18's 8x8 and 4x4 weight gradients took
// 7.9 -> 6.6-7.5 and 7.2 -> 6.2 ms. col2im runs vectors only over runs of consecutive outputs:
// gathers there lost to scalar code.
#pragma once

#include <cstdint>

#include "../cpu.h"

namespace lattice {
namespace simd {

// One copy's shapes: `count` samples of `cg` channels of `plane` (= h * w) elements, sample j's
// channels at in + j * inSample; sample j's columns of cols at cols + j * L, rows ld apart (row
// (ic * taps + t) for channel ic and tap t). off[t * L + l] is tap t's source for output l, or -1.
struct TapCopy {
  int64_t count, inSample, cg, plane, taps, L, ld;
  const int32_t* off;
};

struct Im2colLoops {
  // cols[(ic * taps + t) * ld + j * L + l] = off[t * L + l] >= 0 ? in[j * inSample + ic * plane + off[t * L + l]] : +0.
  void (*gatherTapsF32)(const TapCopy& c, const float* in, float* cols);
  // The adjoint through the inverse table inv[t * plane + p] (the output l whose tap t reads
  // input p, or -1): in[j * inSample + ic * plane + p] (+0 first if zeroFirst) += cols[(ic * taps
  // + t) * ld + j * L + inv[t * plane + p]] for t = 0, 1, ... in turn, skipping -1 (no addition
  // at all: -0 stays -0). Returns false, having written nothing, where it does not take this
  // table (the caller runs the generic loop).
  bool (*scatterTapsF32)(const TapCopy& c, const int32_t* inv, const float* cols, float* in, bool zeroFirst);
};

#if defined(LATTICE_X86)
namespace avx512 {
const Im2colLoops& im2colLoops();
}
#endif

inline const Im2colLoops& im2colLoopsFor(Isa isa) {
  static const Im2colLoops none{nullptr, nullptr};
#if defined(LATTICE_X86)
  if (isa == Isa::Avx512) return avx512::im2colLoops();
#endif
  (void)isa;
  return none;
}

}  // namespace simd
}  // namespace lattice

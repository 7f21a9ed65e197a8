// Inner loops of the direct small-channel convolution (kernels/conv_direct.cc), compiled
// per ISA: simd/<isa>/conv_direct_<isa>.cc defines its vector type and includes
// conv_direct_loops_impl.h inside its own namespace.
//
// All three loops walk a stream of output pixels of one sample and read (or, for the input
// gradient, accumulate into) a zero-padded, column-phase-split copy of the input (see
// kernels/conv_direct.cc): the input value under tap t of stream pixel p of row r sits at
//   padded + r*rowStride + tapOffset[t] + p,
// so every tap of a run of consecutive pixels is one contiguous vector, whatever the stride,
// padding and dilation. A stride-1 convolution is one row whose pixels run over the padded
// width (period = padded width: pixels with p % period >= ow are past a row's end and are
// computed but not stored); a strided one has one row per output row (period = count = ow).
// The copy has room past its end for a whole chunk, so the loops never bound-check a read.
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
  int64_t rows, rowStride;   // stream rows, and the padded-copy offset of one
  int64_t count, period;     // pixels per stream row; pixel p is output column p % period of output row p / period
  int64_t countPad;          // count rounded up to kDirectChunk: the row stride of a widened gradient
  int64_t ow;                // output columns: pixels with p % period >= ow are not stored
  const uint32_t* laneMask;  // per x < period, bit l set where (x + l) % period < ow (for the ISA's lane count)
};

struct ConvDirectLoops {
  int lanes;          // floats per vector
  int forwardBlock;   // output channels per forward / input-gradient call (<= kDirectMaxBlock)
  int weightBlock;    // output channels per weight-gradient call
  // out[j][y*ow + x] = bias[j] + sum_t w[t*forwardBlock + j] * (the tap's input value of output (y, x))
  // for the nOc <= forwardBlock channels j (planes outPlane apart); bias may be null; relu: then max(out, 0).
  void (*forward)(const DirectRows& r, const float* padded, const float* w, int nOc, const float* bias, float* out,
                  int64_t outPlane, bool relu);
  // padded[the tap's input of output (y, x)] += sum_j w[t*forwardBlock + j] * gradOut[j][y*ow + x]: the adjoint of forward.
  // wide: scratch of kDirectMaxBlock * rows * countPad floats.
  void (*backwardInput)(const DirectRows& r, float* padded, const float* w, int nOc, const float* gradOut,
                        int64_t gradPlane, float* wide);
  // partial[(j*taps + t)*lanes + l] += lane l of the sum over outputs (y, x) of gradOut[j][y*ow + x] * the
  // tap's input value there, for the nOc <= weightBlock channels j (partial holds weightBlock channels:
  // each lane sums every lanes-th pixel of the stream).
  void (*backwardWeight)(const DirectRows& r, const float* padded, const float* gradOut, int64_t gradPlane, int nOc,
                         float* partial, float* wide);
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

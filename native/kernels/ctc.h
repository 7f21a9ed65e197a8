// CTC loss and its gradient w.r.t. the log-probabilities, per batch item, in parallel over the batch.
// Definitions in src/backend/reference/ctc.ts (the reference kernel).
#pragma once

#include <cstdint>

#include "../context.h"

namespace lattice {

struct CtcArgs {
  int64_t maxTime, batch, classes;
  const int32_t* targets;        // labels of item n at targets[targetOffsets[n] ...]
  const int32_t* targetOffsets;  // [batch]
  const int32_t* targetLengths;  // [batch]
  const int32_t* inputLengths;   // [batch]
  int64_t blank;
  bool zeroInfinity;
};

// nll[n] = -log p(target_n | logProbs[:, n, :]); grad (may be null) [maxTime, batch, classes] = d nll[n] / d logProbs.
template <typename T>
void ctcLossKernel(Context& ctx, const CtcArgs& a, const T* logProbs, T* nll, T* grad);

}  // namespace lattice

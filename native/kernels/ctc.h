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

// The largest alpha table, T_n * (2 L_n + 1) cells of float64 (2 GiB), one item may need for its
// gradient; src/ops/ctc.ts holds the same bound (CTC_MAX_TABLE_CELLS) and names the sizes.
constexpr int64_t kCtcMaxTableCells = int64_t(1) << 28;

// nll[n] = -log p(target_n | logProbs[:, n, :]); grad (may be null) [maxTime, batch, classes] = d nll[n] / d logProbs.
template <typename T>
void ctcLossKernel(Context& ctx, const CtcArgs& a, const T* logProbs, T* nll, T* grad);

}  // namespace lattice

// Fused softmax cross-entropy over x viewed as [outer, classes, inner]: one loss per row
// r = o*inner + i. Formulas in src/backend/reference/losses.ts (the reference kernel).
#pragma once

#include <cstdint>

#include "../context.h"

namespace lattice {

template <typename T>
struct CrossEntropyArgs {
  const T* x;
  int64_t outer, classes, inner;
  const int32_t* target;  // class indices, or null
  const T* probs;         // class probabilities laid out like x, or null
  const T* weight;        // [classes] or null
  int64_t ignoreIndex;
  double labelSmoothing;
};

// loss[r] and logSumExp[r] for every row.
template <typename T>
void crossEntropyKernel(Context& ctx, const CrossEntropyArgs<T>& a, T* loss, T* logSumExp);

// gradX = gradLoss[r] * dloss_r/dx over every row (overwrites gradX).
template <typename T>
void crossEntropyBackwardKernel(Context& ctx, const CrossEntropyArgs<T>& a, const T* logSumExp, const T* gradLoss, T* gradX);

}  // namespace lattice

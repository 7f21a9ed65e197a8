// Fused scaled dot-product attention (flash-attention style), forward and backward.
// Per batch-head b (q [L, E], k [S, E], v [S, Ev], all row-major):
//   s_ij = scale * q_i . k_j + M_ij   (M: 0, an additive mask, -inf where a bool mask is false
//                                      or, with causal, where j > i)
//   lse_i = log sum_j exp(s_ij),  P_ij = exp(s_ij - lse_i),  out_i = sum_j P_ij v_j
// The forward walks tiles of queries x keys with a running max and sum (online softmax), so
// it holds one tile of scores, never the [L, S] matrix, and saves only lse (float64, [batch, L]).
// The backward recomputes P tile by tile from q, k and lse:
//   D_i = dout_i . out_i,  dP_ij = dout_i . v_j,  dS_ij = P_ij (dP_ij - D_i)
//   dv_j = sum_i P_ij dout_i,  dq_i = scale sum_j dS_ij k_j,  dk_j = scale sum_i dS_ij q_i
// A row that may attend to nothing gives NaN (out and lse), as the composite softmax does.
// Threads: the forward splits (batch-head, query block) tasks; the backward splits batch-heads, or
// with fewer heads than threads key tiles (dk, dv) then query tiles (dq) with the same tile code in
// the same order. Each task sums in a fixed order, so results do not depend on the thread count.
#pragma once

#include <cstdint>

#include "../context.h"

namespace lattice {

enum class AttentionMaskKind { None = 0, Bool = 1, Additive = 2 };

// The mask element of (batch-head b, query i, key j) is values[offsets[b] + i * rowStride + j * colStride]:
// a broadcast mask is read in place with 0 strides (no [batch, L, S] copy). Additive values have
// the data's type; bool values are bytes (nonzero = may attend).
struct AttentionMask {
  AttentionMaskKind kind = AttentionMaskKind::None;
  const void* values = nullptr;
  const int32_t* offsets = nullptr;
  int64_t rowStride = 0, colStride = 0;
};

struct AttentionShape {
  int64_t batch = 0, L = 0, S = 0, E = 0, Ev = 0;
  double scale = 1;
  bool causal = false;
};

// q [batch, L, E], k [batch, S, E], v [batch, S, Ev] -> out [batch, L, Ev], lse [batch, L].
template <typename T>
void attentionForward(Context& ctx, const T* q, const T* k, const T* v, const AttentionMask& mask, T* out, double* lse,
                      const AttentionShape& shape);

// Writes every element of dq, dk, dv.
template <typename T>
void attentionBackward(Context& ctx, const T* q, const T* k, const T* v, const T* out, const T* dout, const double* lse,
                       const AttentionMask& mask, T* dq, T* dk, T* dv, const AttentionShape& shape);

}  // namespace lattice

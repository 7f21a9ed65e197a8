// Fused multi-tensor optimizer updates (SGD, Adam/AdamW, RMSprop): one call
// updates every parameter of a group in place. The formulas are next to the
// element loops in simd/optim_loops.h; src/backend/reference/optim.ts is the
// definition of correct.
#pragma once

#include <cstdint>
#include <vector>

namespace lattice {

struct Context;

struct SgdScalars {
  double lr, momentum, dampening, weightDecay;
  bool nesterov, maximize;
};

// decay multiplies the parameter before the update (AdamW: 1 - lr*wd; Adam: 1).
// weightDecay is Adam's L2 term added to the gradient (0 for AdamW).
struct AdamScalars {
  double beta1, beta2, eps, weightDecay, decay;
  bool maximize;
};

struct RmspropScalars {
  double lr, alpha, eps, weightDecay, momentum;
  bool maximize;
};

// One entry per parameter tensor; every array of entry i has length[i] elements.
// State arrays a slot does not use are empty vectors.
template <typename T>
struct TensorList {
  std::vector<T*> param;
  std::vector<const T*> grad;
  std::vector<T*> state0, state1, state2;
  std::vector<int64_t> length;
};

// fresh[i]: tensor i's momentum buffer is new (set to d, not decayed).
template <typename T>
void sgdStep(Context& ctx, const TensorList<T>& t, const std::vector<uint8_t>& fresh, const SgdScalars& s);

// state0 = m, state1 = v, state2 = vmax (amsgrad) or empty; stepSize[i] = lr/(1-beta1^t_i),
// bias2Sqrt[i] = sqrt(1-beta2^t_i).
template <typename T>
void adamStep(Context& ctx, const TensorList<T>& t, const double* stepSize, const double* bias2Sqrt, const AdamScalars& s);

// state0 = square average, state1 = gradient average (centered) or empty, state2 = momentum buffer or empty.
template <typename T>
void rmspropStep(Context& ctx, const TensorList<T>& t, const RmspropScalars& s);

// Per-tensor p-norms of a list, for clipGradNorm (src/backend/reference/foreach.ts is the
// definition): out[i] = (sum_j |x_i[j]|^p)^(1/p), summed in double; p = infinity gives
// max_j |x_i[j]|; a NaN element gives NaN; an empty tensor gives 0. Every tensor is summed in
// fixed chunks whose partial sums are added in order, whatever the thread count.
template <typename T>
void foreachNorm(Context& ctx, const std::vector<const T*>& x, const std::vector<int64_t>& length, double p, double* out);

// x_i[j] *= scale for every tensor of the list, in place, with scale rounded to T first (as a
// scalar operand of mul_ is).
template <typename T>
void foreachScale(Context& ctx, const std::vector<T*>& x, const std::vector<int64_t>& length, double scale);

namespace simd {
// Per-ISA chunk entry points (simd/<isa>/optim_<isa>.cc).
#define LATTICE_DECLARE_OPTIM_ISA(isa)                                                                      \
  namespace isa {                                                                                            \
  void sgdF32(float* p, const float* g, float* buf, int64_t n, bool fresh, const SgdScalars& s);            \
  void sgdF64(double* p, const double* g, double* buf, int64_t n, bool fresh, const SgdScalars& s);         \
  void adamF32(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, double stepSize,        \
               double bias2Sqrt, const AdamScalars& s);                                                      \
  void adamF64(double* p, const double* g, double* m, double* v, double* vmax, int64_t n, double stepSize,   \
               double bias2Sqrt, const AdamScalars& s);                                                      \
  void rmspropF32(float* p, const float* g, float* sq, float* ga, float* buf, int64_t n,                     \
                  const RmspropScalars& s);                                                                  \
  void rmspropF64(double* p, const double* g, double* sq, double* ga, double* buf, int64_t n,                \
                  const RmspropScalars& s);                                                                  \
  double normPieceF32(const float* x, int64_t n, double p);                                                  \
  double normPieceF64(const double* x, int64_t n, double p);                                                 \
  }
LATTICE_DECLARE_OPTIM_ISA(scalar)
LATTICE_DECLARE_OPTIM_ISA(avx2)
LATTICE_DECLARE_OPTIM_ISA(avx512)
#undef LATTICE_DECLARE_OPTIM_ISA
}  // namespace simd

}  // namespace lattice

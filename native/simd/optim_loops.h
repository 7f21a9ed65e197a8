// Element loops of the fused optimizer updates, written once over a small
// vector-traits type V and compiled per ISA: simd/<isa>/optim_<isa>.cc defines
// LATTICE_OPTIM_ISA and its traits (VecF32, VecF64: AVX-512, AVX2 or plain
// scalars), then includes this header. Everything here lives in that ISA's own
// namespace, so no inline instance built with AVX-512 flags can be merged into
// the scalar build by the linker. kernels/optim.cc owns chunking and threading
// and calls the ISA that ctx.isa allows.
//
// (Plain loops do not vectorise here: with the default -fmath-errno GCC turns
// sqrt into a call, and the flag cannot be changed per function.)
//
// The arithmetic follows PyTorch's float ops step by step; the scalar
// hyper-parameters are rounded to T first, as PyTorch does for a Python float
// against a float tensor. src/backend/reference/optim.ts is the same sequence
// with explicit rounding; the compiler may contract a*b+c into an FMA, so the two
// agree to float rounding, not bitwise.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "../kernels/optim.h"

namespace lattice {
namespace simd {
namespace LATTICE_OPTIM_ISA {

// One lane: the tail of every loop, and the whole loop on the scalar ISA.
template <typename TT>
struct Lane {
  using T = TT;
  using R = TT;
  static constexpr int kWidth = 1;
  static R load(const T* p) { return *p; }
  static void store(T* p, R v) { *p = v; }
  static R set1(T x) { return x; }
  static R add(R a, R b) { return a + b; }
  static R mul(R a, R b) { return a * b; }
  static R div(R a, R b) { return a / b; }
  static R sqrt(R a) { return std::sqrt(a); }
  // max(a, b) with b winning ties and NaN in a (torch.maximum propagates NaN; v is never NaN unless g is).
  static R max(R a, R b) { return a > b ? a : b; }
};

// Runs body<V>(i) over full vectors, then body<Lane<T>>(i) over the tail.
#define LATTICE_OPTIM_LOOP(V, n, BODY)                                   \
  do {                                                                   \
    int64_t i_ = 0;                                                      \
    for (; i_ + V::kWidth <= (n); i_ += V::kWidth) BODY(V, i_);          \
    for (; i_ < (n); ++i_) BODY(Lane<typename V::T>, i_);                \
  } while (0)

// SGD (torch.optim.SGD):
//   d = ±g (+ wd*p)
//   buf = d on the first step, else momentum*buf + (1-dampening)*d
//   d = nesterov ? d + momentum*buf : buf
//   p = p + (-lr)*d
template <typename V, bool kWeightDecay, bool kMomentum, bool kNesterov>
void sgdLoop(typename V::T* __restrict p, const typename V::T* __restrict g, typename V::T* __restrict buf,
             int64_t n, bool fresh, const SgdScalars& s) {
  using T = typename V::T;
  const T sign = s.maximize ? T(-1) : T(1), wd = T(s.weightDecay), negLr = T(-s.lr);
  const T mom = T(s.momentum), damp = T(1.0 - s.dampening);
#define LATTICE_SGD_BODY(W, i)                                                    \
  {                                                                               \
    auto d = W::mul(W::set1(sign), W::load(g + i));                               \
    if (kWeightDecay) d = W::add(d, W::mul(W::set1(wd), W::load(p + i)));         \
    if (kMomentum) {                                                              \
      auto b = fresh ? d : W::add(W::mul(W::load(buf + i), W::set1(mom)), W::mul(W::set1(damp), d)); \
      W::store(buf + i, b);                                                       \
      d = kNesterov ? W::add(d, W::mul(W::set1(mom), b)) : b;                     \
    }                                                                             \
    W::store(p + i, W::add(W::load(p + i), W::mul(W::set1(negLr), d)));          \
  }
  LATTICE_OPTIM_LOOP(V, n, LATTICE_SGD_BODY);
#undef LATTICE_SGD_BODY
}

// Adam / AdamW (torch.optim.Adam, torch.optim.AdamW):
//   g = ±g (+ wd*p: Adam's L2 decay);  p = p*decay (AdamW: decay = 1 - lr*wd, else 1)
//   m = beta1*m + (1-beta1)*g
//   v = beta2*v + (1-beta2)*g*g
//   amsgrad: vmax = max(vmax, v), and vmax replaces v below
//   p = p + (-stepSize) * m / (sqrt(v)/sqrt(1-beta2^t) + eps),   stepSize = lr/(1-beta1^t)
template <typename V, bool kL2, bool kAmsgrad>
void adamLoop(typename V::T* __restrict p, const typename V::T* __restrict g, typename V::T* __restrict m,
              typename V::T* __restrict v, typename V::T* __restrict vmax, int64_t n, double stepSize,
              double bias2Sqrt, const AdamScalars& s) {
  using T = typename V::T;
  const T sign = s.maximize ? T(-1) : T(1), wd = T(s.weightDecay), decay = T(s.decay);
  const T b1 = T(s.beta1), c1 = T(1.0 - s.beta1), b2 = T(s.beta2), c2 = T(1.0 - s.beta2);
  const T eps = T(s.eps), negStep = T(-stepSize), bc2 = T(bias2Sqrt);
#define LATTICE_ADAM_BODY(W, i)                                                   \
  {                                                                               \
    auto gi = W::mul(W::set1(sign), W::load(g + i));                              \
    auto pi = W::load(p + i);                                                     \
    if (kL2) gi = W::add(gi, W::mul(W::set1(wd), pi));                            \
    pi = W::mul(pi, W::set1(decay));                                              \
    const auto mi = W::add(W::mul(W::load(m + i), W::set1(b1)), W::mul(W::set1(c1), gi)); \
    auto vi = W::add(W::mul(W::load(v + i), W::set1(b2)), W::mul(W::mul(W::set1(c2), gi), gi)); \
    W::store(m + i, mi);                                                          \
    W::store(v + i, vi);                                                          \
    if (kAmsgrad) {                                                               \
      vi = W::max(W::load(vmax + i), vi);                                         \
      W::store(vmax + i, vi);                                                     \
    }                                                                             \
    const auto denom = W::add(W::div(W::sqrt(vi), W::set1(bc2)), W::set1(eps));  \
    W::store(p + i, W::add(pi, W::div(W::mul(W::set1(negStep), mi), denom)));     \
  }
  LATTICE_OPTIM_LOOP(V, n, LATTICE_ADAM_BODY);
#undef LATTICE_ADAM_BODY
}

// RMSprop (torch.optim.RMSprop):
//   g = ±g (+ wd*p)
//   sq = alpha*sq + (1-alpha)*g*g
//   centered: ga = alpha*ga + (1-alpha)*g;  avg = sqrt(sq + (-1)*ga*ga)   else avg = sqrt(sq)
//   avg = avg + eps
//   momentum > 0: buf = momentum*buf + g/avg;  p = p + (-lr)*buf
//   else:         p = p + (-lr)*g/avg
template <typename V, bool kWeightDecay, bool kCentered, bool kMomentum>
void rmspropLoop(typename V::T* __restrict p, const typename V::T* __restrict g, typename V::T* __restrict sq,
                 typename V::T* __restrict ga, typename V::T* __restrict buf, int64_t n, const RmspropScalars& s) {
  using T = typename V::T;
  const T sign = s.maximize ? T(-1) : T(1), wd = T(s.weightDecay), negLr = T(-s.lr);
  const T a = T(s.alpha), ca = T(1.0 - s.alpha), eps = T(s.eps), mom = T(s.momentum);
#define LATTICE_RMSPROP_BODY(W, i)                                                \
  {                                                                               \
    auto gi = W::mul(W::set1(sign), W::load(g + i));                              \
    if (kWeightDecay) gi = W::add(gi, W::mul(W::set1(wd), W::load(p + i)));       \
    const auto sqi = W::add(W::mul(W::load(sq + i), W::set1(a)), W::mul(W::mul(W::set1(ca), gi), gi)); \
    W::store(sq + i, sqi);                                                        \
    auto avg = sqi;                                                               \
    if (kCentered) {                                                              \
      const auto gai = W::add(W::mul(W::load(ga + i), W::set1(a)), W::mul(W::set1(ca), gi)); \
      W::store(ga + i, gai);                                                      \
      avg = W::sqrt(W::add(sqi, W::mul(W::mul(W::set1(T(-1)), gai), gai)));       \
    } else {                                                                      \
      avg = W::sqrt(sqi);                                                         \
    }                                                                             \
    avg = W::add(avg, W::set1(eps));                                              \
    if (kMomentum) {                                                              \
      const auto b = W::add(W::mul(W::load(buf + i), W::set1(mom)), W::div(gi, avg)); \
      W::store(buf + i, b);                                                       \
      W::store(p + i, W::add(W::load(p + i), W::mul(W::set1(negLr), b)));        \
    } else {                                                                      \
      W::store(p + i, W::add(W::load(p + i), W::div(W::mul(W::set1(negLr), gi), avg))); \
    }                                                                             \
  }
  LATTICE_OPTIM_LOOP(V, n, LATTICE_RMSPROP_BODY);
#undef LATTICE_RMSPROP_BODY
}

#undef LATTICE_OPTIM_LOOP

// Runtime flags to template instances, once per chunk.
template <typename V>
void sgdChunk(typename V::T* p, const typename V::T* g, typename V::T* buf, int64_t n, bool fresh, const SgdScalars& s) {
  const bool wd = s.weightDecay != 0.0, mom = s.momentum != 0.0;
  if (!mom) {
    wd ? sgdLoop<V, true, false, false>(p, g, buf, n, fresh, s) : sgdLoop<V, false, false, false>(p, g, buf, n, fresh, s);
  } else if (s.nesterov) {
    wd ? sgdLoop<V, true, true, true>(p, g, buf, n, fresh, s) : sgdLoop<V, false, true, true>(p, g, buf, n, fresh, s);
  } else {
    wd ? sgdLoop<V, true, true, false>(p, g, buf, n, fresh, s) : sgdLoop<V, false, true, false>(p, g, buf, n, fresh, s);
  }
}

template <typename V>
void adamChunk(typename V::T* p, const typename V::T* g, typename V::T* m, typename V::T* v, typename V::T* vmax,
               int64_t n, double stepSize, double bias2Sqrt, const AdamScalars& s) {
  const bool l2 = s.weightDecay != 0.0;
  if (vmax) {
    l2 ? adamLoop<V, true, true>(p, g, m, v, vmax, n, stepSize, bias2Sqrt, s)
       : adamLoop<V, false, true>(p, g, m, v, vmax, n, stepSize, bias2Sqrt, s);
  } else {
    l2 ? adamLoop<V, true, false>(p, g, m, v, vmax, n, stepSize, bias2Sqrt, s)
       : adamLoop<V, false, false>(p, g, m, v, vmax, n, stepSize, bias2Sqrt, s);
  }
}

template <typename V>
void rmspropChunk(typename V::T* p, const typename V::T* g, typename V::T* sq, typename V::T* ga, typename V::T* buf,
                  int64_t n, const RmspropScalars& s) {
  const bool wd = s.weightDecay != 0.0;
  if (ga && buf) {
    wd ? rmspropLoop<V, true, true, true>(p, g, sq, ga, buf, n, s) : rmspropLoop<V, false, true, true>(p, g, sq, ga, buf, n, s);
  } else if (ga) {
    wd ? rmspropLoop<V, true, true, false>(p, g, sq, ga, buf, n, s) : rmspropLoop<V, false, true, false>(p, g, sq, ga, buf, n, s);
  } else if (buf) {
    wd ? rmspropLoop<V, true, false, true>(p, g, sq, ga, buf, n, s) : rmspropLoop<V, false, false, true>(p, g, sq, ga, buf, n, s);
  } else {
    wd ? rmspropLoop<V, true, false, false>(p, g, sq, ga, buf, n, s) : rmspropLoop<V, false, false, false>(p, g, sq, ga, buf, n, s);
  }
}

// The p-norm piece of one chunk of foreachNorm (kernels/optim.h): sum |x|^p (finite p), or max |x| (p = infinity), NaN if any
// element is NaN. Eight independent double accumulators: the compiler keeps them in vector
// lanes without reassociating anything, and a fixed order makes the sum reproducible.
template <typename T>
double normPiece(const T* x, int64_t n, double p) {
  if (std::isinf(p)) {
    double m = 0;
    bool nan = false;
    for (int64_t i = 0; i < n; ++i) {
      const double a = std::fabs(static_cast<double>(x[i]));
      nan |= std::isnan(a);
      m = a > m ? a : m;
    }
    return nan ? std::numeric_limits<double>::quiet_NaN() : m;
  }
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  if (p == 2) {
    for (; i + 8 <= n; i += 8)
      for (int j = 0; j < 8; ++j) acc[j] += static_cast<double>(x[i + j]) * static_cast<double>(x[i + j]);
    for (; i < n; ++i) acc[0] += static_cast<double>(x[i]) * static_cast<double>(x[i]);
  } else if (p == 1) {
    for (; i + 8 <= n; i += 8)
      for (int j = 0; j < 8; ++j) acc[j] += std::fabs(static_cast<double>(x[i + j]));
    for (; i < n; ++i) acc[0] += std::fabs(static_cast<double>(x[i]));
  } else {
    for (; i < n; ++i) acc[i & 7] += std::pow(std::fabs(static_cast<double>(x[i])), p);
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

}  // namespace LATTICE_OPTIM_ISA
}  // namespace simd
}  // namespace lattice

// The entry points kernels/optim.h declares, for the ISA file's VecF32 / VecF64;
// the ISA file expands this inside its namespace after defining them.
#define LATTICE_OPTIM_DEFINE_ENTRY_POINTS() \
void sgdF32(float* p, const float* g, float* buf, int64_t n, bool fresh, const SgdScalars& s) {                       \
  sgdChunk<VecF32>(p, g, buf, n, fresh, s);                                                                           \
}                                                                                                                     \
void sgdF64(double* p, const double* g, double* buf, int64_t n, bool fresh, const SgdScalars& s) {                    \
  sgdChunk<VecF64>(p, g, buf, n, fresh, s);                                                                           \
}                                                                                                                     \
void adamF32(float* p, const float* g, float* m, float* v, float* vmax, int64_t n, double stepSize, double bias2Sqrt, \
             const AdamScalars& s) {                                                                                  \
  adamChunk<VecF32>(p, g, m, v, vmax, n, stepSize, bias2Sqrt, s);                                                     \
}                                                                                                                     \
void adamF64(double* p, const double* g, double* m, double* v, double* vmax, int64_t n, double stepSize,              \
             double bias2Sqrt, const AdamScalars& s) {                                                                \
  adamChunk<VecF64>(p, g, m, v, vmax, n, stepSize, bias2Sqrt, s);                                                     \
}                                                                                                                     \
void rmspropF32(float* p, const float* g, float* sq, float* ga, float* buf, int64_t n, const RmspropScalars& s) {     \
  rmspropChunk<VecF32>(p, g, sq, ga, buf, n, s);                                                                      \
}                                                                                                                     \
void rmspropF64(double* p, const double* g, double* sq, double* ga, double* buf, int64_t n, const RmspropScalars& s) {\
  rmspropChunk<VecF64>(p, g, sq, ga, buf, n, s);                                                                      \
}                                                                                                                     \
double normPieceF32(const float* x, int64_t n, double p) { return normPiece(x, n, p); }                               \
double normPieceF64(const double* x, int64_t n, double p) { return normPiece(x, n, p); }

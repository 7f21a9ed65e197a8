// Fused optimizer updates (SGD, Adam/AdamW, RMSprop), one launch per tensor, with the per-element formulas (and the
// float32 rounding points) of reference/optim.ts.
#include <cmath>

#include "common.cuh"

namespace lattice {
namespace cuda {
namespace {

template <typename T>
__global__ void adamKernel(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, T sign, T wd, bool hasWd, T decay, T b1, T c1,
                           T b2, T c2, T eps, T negStep, T bc2) {
  LATTICE_CUDA_LOOP(i, n) {
    T gi = sign * g[i];
    T pi = p[i];
    if (hasWd) gi = gi + wd * pi;
    pi = pi * decay;
    const T mi = m[i] * b1 + c1 * gi;
    T vi = v[i] * b2 + (c2 * gi) * gi;
    m[i] = mi;
    v[i] = vi;
    if (vmax) {
      vi = vmax[i] > vi ? vmax[i] : vi;
      vmax[i] = vi;
    }
    const T denom = sqrt(vi) / bc2 + eps;
    p[i] = pi + (negStep * mi) / denom;
  }
}

template <typename T>
__global__ void sgdKernel(T* p, const T* g, T* buf, int64_t n, T sign, T wd, bool hasWd, T negLr, T mom, bool hasMom, T damp,
                          bool nesterov, bool fresh) {
  LATTICE_CUDA_LOOP(i, n) {
    T d = sign * g[i];
    if (hasWd) d = d + wd * p[i];
    if (hasMom) {
      const T b = fresh ? d : buf[i] * mom + damp * d;
      buf[i] = b;
      d = nesterov ? d + mom * b : b;
    }
    p[i] = p[i] + negLr * d;
  }
}

template <typename T>
__global__ void rmspropKernel(T* p, const T* g, T* sq, T* ga, T* buf, int64_t n, T sign, T wd, bool hasWd, T negLr, T a, T ca,
                              T eps, T mom) {
  LATTICE_CUDA_LOOP(i, n) {
    T gi = sign * g[i];
    if (hasWd) gi = gi + wd * p[i];
    const T sqi = sq[i] * a + (ca * gi) * gi;
    sq[i] = sqi;
    T avg;
    if (ga) {
      const T gai = ga[i] * a + ca * gi;
      ga[i] = gai;
      avg = sqrt(sqi + (-gai) * gai);
    } else {
      avg = sqrt(sqi);
    }
    avg = avg + eps;
    if (buf) {
      const T b = buf[i] * mom + gi / avg;
      buf[i] = b;
      p[i] = p[i] + negLr * b;
    } else {
      p[i] = p[i] + (negLr * gi) / avg;
    }
  }
}

}  // namespace

void rmspropStep(DType t, void* p, const void* g, void* squareAvg, void* gradAvg, void* buf, int64_t n, const RmspropScalars& s) {
  if (n == 0) return;
  dispatchFloat(t, "cuda rmspropStep", [&](auto tag) {
    using T = decltype(tag);
    rmspropKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(
        static_cast<T*>(p), static_cast<const T*>(g), static_cast<T*>(squareAvg), static_cast<T*>(gradAvg), static_cast<T*>(buf), n,
        T(s.maximize ? -1 : 1), T(s.weightDecay), s.weightDecay != 0, T(-s.lr), T(s.alpha), T(1 - s.alpha), T(s.eps), T(s.momentum));
  });
  checkLaunch("cuda rmspropStep");
}

void adamStep(DType t, void* p, const void* g, void* m, void* v, void* vmax, int64_t n, const AdamScalars& s) {
  if (n == 0) return;
  dispatchFloat(t, "cuda adamStep", [&](auto tag) {
    using T = decltype(tag);
    adamKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(
        static_cast<T*>(p), static_cast<const T*>(g), static_cast<T*>(m), static_cast<T*>(v), static_cast<T*>(vmax), n,
        T(s.maximize ? -1 : 1), T(s.weightDecay), s.weightDecay != 0, T(s.decay), T(s.beta1), T(1 - s.beta1), T(s.beta2),
        T(1 - s.beta2), T(s.eps), T(-s.stepSize), T(s.bias2Sqrt));
  });
  checkLaunch("cuda adamStep");
}

void sgdStep(DType t, void* p, const void* g, void* buf, int64_t n, const SgdScalars& s) {
  if (n == 0) return;
  dispatchFloat(t, "cuda sgdStep", [&](auto tag) {
    using T = decltype(tag);
    sgdKernel<T><<<blocksFor(n), kThreads, 0, stream()>>>(
        static_cast<T*>(p), static_cast<const T*>(g), static_cast<T*>(buf), n, T(s.maximize ? -1 : 1), T(s.weightDecay),
        s.weightDecay != 0, T(-s.lr), T(s.momentum), s.momentum != 0, T(1 - s.dampening), s.nesterov, s.fresh);
  });
  checkLaunch("cuda sgdStep");
}

}  // namespace cuda
}  // namespace lattice

// The fused optimizer steps (native/cuda/optim.cu) against a float port of reference/optim.ts, op by op:
// without FMA contraction (the host build here) the kernel's sequence of float operations must give the
// reference's bits exactly. (On a GPU nvcc may contract a*b+c into an FMA: the GPU parity suite compares
// with a tolerance.) Three steps each, so the state buffers carry over.
#include "check.h"

#include <cstring>

namespace {

bool sameBits(const V& a, const V& b) { return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0; }

void adamRef(V& p, const V& g, V& m, V& v, V* vmax, const AdamScalars& s) {
  const float sign = s.maximize ? -1.f : 1.f, wd = float(s.weightDecay), decay = float(s.decay), b1 = float(s.beta1),
              c1 = float(1 - s.beta1), b2 = float(s.beta2), c2 = float(1 - s.beta2), eps = float(s.eps),
              negStep = float(-s.stepSize), bc2 = float(s.bias2Sqrt);
  for (size_t i = 0; i < p.size(); ++i) {
    float gi = sign * g[i], pi = p[i];
    if (s.weightDecay != 0) gi = gi + wd * pi;
    pi = pi * decay;
    const float mi = m[i] * b1 + c1 * gi;
    float vi = v[i] * b2 + (c2 * gi) * gi;
    m[i] = mi, v[i] = vi;
    if (vmax) vi = (*vmax)[i] = (*vmax)[i] > vi ? (*vmax)[i] : vi;
    const float denom = std::sqrt(vi) / bc2 + eps;
    p[i] = pi + (negStep * mi) / denom;
  }
}

void sgdRef(V& p, const V& g, V& buf, const SgdScalars& s) {
  const float sign = s.maximize ? -1.f : 1.f, wd = float(s.weightDecay), negLr = float(-s.lr), mom = float(s.momentum),
              damp = float(1 - s.dampening);
  for (size_t i = 0; i < p.size(); ++i) {
    float d = sign * g[i];
    if (s.weightDecay != 0) d = d + wd * p[i];
    if (s.momentum != 0) {
      const float b = s.fresh ? d : buf[i] * mom + damp * d;
      buf[i] = b;
      d = s.nesterov ? d + mom * b : b;
    }
    p[i] = p[i] + negLr * d;
  }
}

void rmspropRef(V& p, const V& g, V& sq, V* ga, V* buf, const RmspropScalars& s) {
  const float sign = s.maximize ? -1.f : 1.f, wd = float(s.weightDecay), negLr = float(-s.lr), a = float(s.alpha),
              ca = float(1 - s.alpha), eps = float(s.eps), mom = float(s.momentum);
  for (size_t i = 0; i < p.size(); ++i) {
    float gi = sign * g[i];
    if (s.weightDecay != 0) gi = gi + wd * p[i];
    const float sqi = sq[i] * a + (ca * gi) * gi;
    sq[i] = sqi;
    float avg;
    if (ga) {
      const float gai = (*ga)[i] * a + ca * gi;
      (*ga)[i] = gai;
      avg = std::sqrt(sqi + (-gai) * gai);
    } else {
      avg = std::sqrt(sqi);
    }
    avg = avg + eps;
    if (buf) {
      const float b = (*buf)[i] * mom + gi / avg;
      (*buf)[i] = b;
      p[i] = p[i] + negLr * b;
    } else {
      p[i] = p[i] + (negLr * gi) / avg;
    }
  }
}

const int64_t kN = 1500;  // several blocks of 256 threads and a partial one

void adam(const char* name, double wd, bool decoupled, bool amsgrad, bool maximize) {
  V p = randv(kN), m(kN, 0.f), v(kN, 0.f), vmax(kN, 0.f);
  V rp = p, rm = m, rv = v, rvmax = vmax;
  const double lr = 1e-2, b1 = 0.9, b2 = 0.999;
  for (int step = 1; step <= 3; ++step) {
    const V g = randv(kN);
    // As optim/adam.ts passes them: AdamW decays p by 1 - lr*wd and adds no L2 term.
    const AdamScalars s{b1, b2, 1e-8, decoupled ? 0.0 : wd, decoupled ? 1 - lr * wd : 1.0, lr / (1 - std::pow(b1, step)),
                        std::sqrt(1 - std::pow(b2, step)), maximize};
    adamStep(DType::F32, p.data(), g.data(), m.data(), v.data(), amsgrad ? vmax.data() : nullptr, kN, s);
    adamRef(rp, g, rm, rv, amsgrad ? &rvmax : nullptr, s);
  }
  char buf[100];
  snprintf(buf, 100, "adam %s: p, m, v%s bit for bit", name, amsgrad ? ", vmax" : "");
  expectTrue(buf, sameBits(p, rp) && sameBits(m, rm) && sameBits(v, rv) && (!amsgrad || sameBits(vmax, rvmax)));
}

void sgd(const char* name, double momentum, double dampening, double wd, bool nesterov, bool maximize) {
  V p = randv(kN), b(kN, 0.f), rp = p, rb = b;
  for (int step = 1; step <= 3; ++step) {
    const V g = randv(kN);
    const SgdScalars s{0.05, momentum, dampening, wd, nesterov, maximize, step == 1};
    sgdStep(DType::F32, p.data(), g.data(), momentum != 0 ? b.data() : nullptr, kN, s);
    sgdRef(rp, g, rb, s);
  }
  char buf[100];
  snprintf(buf, 100, "sgd %s: p, momentum buffer bit for bit", name);
  expectTrue(buf, sameBits(p, rp) && sameBits(b, rb));
}

void rmsprop(const char* name, bool centered, double momentum, double wd, bool maximize) {
  V p = randv(kN), sq(kN, 0.f), ga(kN, 0.f), b(kN, 0.f), rp = p, rsq = sq, rga = ga, rb = b;
  for (int step = 1; step <= 3; ++step) {
    const V g = randv(kN);
    const RmspropScalars s{0.01, 0.99, 1e-8, wd, momentum, maximize};
    rmspropStep(DType::F32, p.data(), g.data(), sq.data(), centered ? ga.data() : nullptr, momentum != 0 ? b.data() : nullptr, kN, s);
    rmspropRef(rp, g, rsq, centered ? &rga : nullptr, momentum != 0 ? &rb : nullptr, s);
  }
  char buf[100];
  snprintf(buf, 100, "rmsprop %s: p and state bit for bit", name);
  expectTrue(buf, sameBits(p, rp) && sameBits(sq, rsq) && sameBits(ga, rga) && sameBits(b, rb));
}

}  // namespace

void checkOptim() {
  adam("plain", 0, false, false, false);
  adam("L2 weight decay 0.1, maximize", 0.1, false, false, true);
  adam("AdamW decay 0.1, amsgrad", 0.1, true, true, false);
  sgd("plain", 0, 0, 0, false, false);
  sgd("momentum 0.9, dampening 0.1, weight decay 0.01", 0.9, 0.1, 0.01, false, false);
  sgd("nesterov 0.9, maximize", 0.9, 0, 0, true, true);
  rmsprop("plain", false, 0, 0, false);
  rmsprop("centered, momentum 0.9, weight decay 0.01", true, 0.9, 0.01, false);
  rmsprop("maximize", false, 0, 0, true);
}

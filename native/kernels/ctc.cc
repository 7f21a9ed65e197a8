// CTC loss (Graves et al. 2006) by the alpha-beta recursion over the blank-extended target
// l' = (b, l1, b, ..., lL, b) of S = 2L+1 states, one batch item per task of the pool.
//
//   alpha_t(s) = y_t(l'_s) (alpha_{t-1}(s) + alpha_{t-1}(s-1) + [skip(s)] alpha_{t-1}(s-2)),
//   skip(s) = l'_s != blank && l'_s != l'_{s-2};  p = alpha_{T-1}(S-1) + alpha_{T-1}(S-2)
//   beta'_t(s) = sum_{s' in {s, s+1, s+2 if skip(s+2)}} y_{t+1}(l'_{s'}) beta'_{t+1}(s'),  beta'_{T-1}(S-1|S-2) = 1
//   d(-log p)/d logProbs[t,k] = -(1/p) sum_{s: l'_s = k} alpha_t(s) beta'_t(s)  (log-probs as free inputs)
//
// Fast path: the recursion in log space with one shared exponent per frame. Emissions are
// exp(logProbs - m_t) with m_t the frame's max over the target's classes, and each alpha_t (beta'_t)
// is rescaled to sum 1; log p = sum_t (m_t + log c_t) + log(final mass), c_t the scale of frame t.
// Since sum_s alpha_t(s) beta'_t(s) = p at every t, the per-frame occupancies normalise themselves:
// gamma_t(k) = sum_{s: l'_s = k} a_t(s) b_t(s) / sum_s a_t(s) b_t(s) for any scaling of a_t and b_t.
// If a frame's mass underflows (emission ratios beyond double's range, an impossible alignment, or
// NaN), the item is recomputed by the exact log-space recursion with log-add-exp in every cell.
//
// Memory: the backward needs every frame's alpha, a [T][S] table per item (the binding refuses
// items past kCtcMaxTableCells); without a gradient only two rows are kept, O(S) per item.
#include "ctc.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace lattice {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline double logAdd(double a, double b) {
  if (a != a || b != b) return kNaN;
  if (a == -kInf) return b;
  if (b == -kInf) return a;
  const double m = a > b ? a : b;
  return m + std::log1p(std::exp(-std::fabs(a - b)));
}

// Scratch for one batch item; reused across the items a thread handles.
struct Scratch {
  std::vector<int32_t> classes;   // distinct classes of l' (classes[0] = blank)
  std::vector<int32_t> stateCol;  // per state: its column in classes
  std::vector<double> skipMask;   // 1 where skip(s), at s + 2 (two zeros before, two after)
  std::vector<double> emit;       // [T][U] exp(logProbs - m_t) ([1][U] without a gradient)
  std::vector<double> alpha;      // [T][S + 2], two leading zeros per frame ([2][S + 2] without a gradient)
  std::vector<double> beta, betaNext, emitBeta;  // [S + 2], two trailing zeros
  std::vector<double> occupancy;  // [U]
  std::vector<double> logAlpha;   // fallback: [T][S] ([2][S] without a gradient)
  std::vector<double> logBeta, logBetaNext;
};

template <typename T>
class CtcItem {
 public:
  CtcItem(const CtcArgs& a, const T* logProbs, T* grad, int64_t n, Scratch& w)
      : a_(a), lp_(logProbs), grad_(grad), n_(n), w_(w) {
    Tn_ = a.inputLengths[n];
    L_ = a.targetLengths[n];
    S_ = 2 * L_ + 1;
    labels_ = a.targets + a.targetOffsets[n];
  }

  // Returns -log p; fills the gradient rows of this item when grad is non-null.
  double run() {
    zeroGrad();
    if (Tn_ == 0) return L_ == 0 ? 0.0 : finish(-kInf);
    int64_t needed = L_;
    for (int64_t j = 1; j < L_; ++j) needed += labels_[j] == labels_[j - 1];
    if (Tn_ < needed) return finish(-kInf);
    prepareStates();
    double logP;
    if (scaledForward(&logP) && (!grad_ || scaledBackward())) return -logP;
    zeroGrad();
    // The fallback's table is as large as the scaled one: do not hold both.
    std::vector<double>().swap(w_.alpha);
    std::vector<double>().swap(w_.emit);
    return finish(logSpace());
  }

 private:
  int64_t label(int64_t s) const { return s % 2 == 0 ? a_.blank : labels_[(s - 1) / 2]; }
  bool skip(int64_t s) const { return s % 2 == 1 && s >= 2 && label(s) != label(s - 2); }
  double lp(int64_t t, int64_t k) const { return static_cast<double>(lp_[(t * a_.batch + n_) * a_.classes + k]); }
  T* gradRow(int64_t t) const { return grad_ + (t * a_.batch + n_) * a_.classes; }
  // The table row of frame t: every frame's row is kept for the backward, else two alternate.
  int64_t row(int64_t t) const { return grad_ ? t : (t & 1); }
  int64_t rows() const { return grad_ ? Tn_ : std::min<int64_t>(Tn_, 2); }

  void zeroGrad() {
    if (!grad_) return;
    for (int64_t t = 0; t < a_.maxTime; ++t) std::fill(gradRow(t), gradRow(t) + a_.classes, T(0));
  }

  // The loss for log p = logP outside the fast path, with PyTorch's rules for infinite losses.
  double finish(double logP) {
    if (logP == -kInf && a_.zeroInfinity) {
      zeroGrad();
      return 0.0;
    }
    if (!std::isfinite(logP) && grad_)
      for (int64_t t = 0; t < Tn_; ++t) std::fill(gradRow(t), gradRow(t) + a_.classes, static_cast<T>(kNaN));
    return -logP;
  }

  void prepareStates() {
    w_.classes.assign(1, static_cast<int32_t>(a_.blank));
    w_.stateCol.assign(S_, 0);
    for (int64_t s = 1; s < S_; s += 2) {
      const int32_t k = labels_[(s - 1) / 2];
      auto it = std::find(w_.classes.begin(), w_.classes.end(), k);
      w_.stateCol[s] = static_cast<int32_t>(it - w_.classes.begin());
      if (it == w_.classes.end()) w_.classes.push_back(k);
    }
    w_.skipMask.assign(S_ + 4, 0.0);
    for (int64_t s = 0; s < S_; ++s) w_.skipMask[s + 2] = skip(s) ? 1.0 : 0.0;
  }

  bool scaledForward(double* logP) {
    const int64_t U = static_cast<int64_t>(w_.classes.size()), S = S_, W = S + 2;
    w_.emit.resize((grad_ ? Tn_ : 1) * U);
    w_.alpha.assign(rows() * W, 0.0);
    double logScale = 0;
    for (int64_t t = 0; t < Tn_; ++t) {
      double m = -kInf;
      for (int64_t u = 0; u < U; ++u) m = std::max(m, lp(t, w_.classes[u]));
      if (!std::isfinite(m)) return false;
      double* e = &w_.emit[(grad_ ? t : 0) * U];
      for (int64_t u = 0; u < U; ++u) e[u] = std::exp(lp(t, w_.classes[u]) - m);
      double* cur = &w_.alpha[row(t) * W + 2];
      double mass = 0;
      if (t == 0) {
        cur[0] = e[w_.stateCol[0]];
        if (S > 1) cur[1] = e[w_.stateCol[1]];
        mass = cur[0] + (S > 1 ? cur[1] : 0.0);
      } else {
        const double* prev = &w_.alpha[row(t - 1) * W + 2];
        const double* sk = &w_.skipMask[2];
        for (int64_t s = 0; s < S; ++s) {
          const double v = e[w_.stateCol[s]] * (prev[s] + prev[s - 1] + sk[s] * prev[s - 2]);
          cur[s] = v;
          mass += v;
        }
      }
      if (!(mass > 0) || !std::isfinite(mass)) return false;
      const double inv = 1.0 / mass;
      for (int64_t s = 0; s < S; ++s) cur[s] *= inv;
      logScale += m + std::log(mass);
    }
    const double* last = &w_.alpha[row(Tn_ - 1) * W + 2];
    const double endMass = last[S - 1] + (S > 1 ? last[S - 2] : 0.0);
    if (!(endMass > 0)) return false;
    *logP = logScale + std::log(endMass);
    return std::isfinite(*logP);
  }

  bool scaledBackward() {
    const int64_t U = static_cast<int64_t>(w_.classes.size()), S = S_, W = S + 2;
    w_.beta.assign(S + 2, 0.0);
    w_.betaNext.assign(S + 2, 0.0);
    w_.emitBeta.assign(S + 2, 0.0);
    w_.occupancy.assign(U, 0.0);
    double* b = w_.beta.data();
    b[S - 1] = 1;
    if (S > 1) b[S - 2] = 1;
    const double* sk = w_.skipMask.data() + 2;
    for (int64_t t = Tn_ - 1; t >= 0; --t) {
      const double* al = &w_.alpha[t * W + 2];
      std::fill(w_.occupancy.begin(), w_.occupancy.end(), 0.0);
      double z = 0;
      for (int64_t s = 0; s < S; ++s) {
        const double v = al[s] * b[s];
        w_.occupancy[w_.stateCol[s]] += v;
        z += v;
      }
      if (!(z > 0) || !std::isfinite(z)) return false;
      T* g = gradRow(t);
      for (int64_t u = 0; u < U; ++u) g[w_.classes[u]] = static_cast<T>(-w_.occupancy[u] / z);
      if (t == 0) break;
      // beta'_{t-1}(s) = eb(s) + eb(s+1) + skip(s+2) eb(s+2), eb(s) = y_t(l'_s) beta'_t(s); rescaled to sum 1.
      const double* e = &w_.emit[t * U];
      double* eb = w_.emitBeta.data();
      for (int64_t s = 0; s < S; ++s) eb[s] = e[w_.stateCol[s]] * b[s];
      double* bn = w_.betaNext.data();
      double mass = 0;
      for (int64_t s = 0; s < S; ++s) {
        const double v = eb[s] + eb[s + 1] + sk[s + 2] * eb[s + 2];
        bn[s] = v;
        mass += v;
      }
      if (!(mass > 0) || !std::isfinite(mass)) return false;
      const double inv = 1.0 / mass;
      for (int64_t s = 0; s < S; ++s) bn[s] *= inv;
      std::swap(w_.beta, w_.betaNext);
      b = w_.beta.data();
    }
    return true;
  }

  // The exact recursion in log space; returns log p and fills the gradient when p > 0.
  double logSpace() {
    const int64_t S = S_;
    w_.logAlpha.assign(rows() * S, -kInf);
    for (int64_t t = 0; t < Tn_; ++t) {
      double* cur = &w_.logAlpha[row(t) * S];
      for (int64_t s = 0; s < S; ++s) {
        double prev;
        if (t == 0) {
          prev = s <= 1 ? 0.0 : -kInf;
        } else {
          const double* p = &w_.logAlpha[row(t - 1) * S];
          prev = p[s];
          if (s >= 1) prev = logAdd(prev, p[s - 1]);
          if (skip(s)) prev = logAdd(prev, p[s - 2]);
        }
        cur[s] = prev == -kInf ? -kInf : prev + lp(t, label(s));
      }
    }
    const double* last = &w_.logAlpha[row(Tn_ - 1) * S];
    const double logP = S > 1 ? logAdd(last[S - 1], last[S - 2]) : last[S - 1];
    if (!grad_ || !std::isfinite(logP)) return logP;
    w_.logBeta.assign(S, -kInf);
    w_.logBetaNext.assign(S, -kInf);
    w_.logBeta[S - 1] = 0;
    if (S > 1) w_.logBeta[S - 2] = 0;
    const int64_t U = static_cast<int64_t>(w_.classes.size());
    for (int64_t t = Tn_ - 1; t >= 0; --t) {
      const double* al = &w_.logAlpha[t * S];
      w_.occupancy.assign(U, -kInf);
      for (int64_t s = 0; s < S; ++s) w_.occupancy[w_.stateCol[s]] = logAdd(w_.occupancy[w_.stateCol[s]], al[s] + w_.logBeta[s]);
      T* g = gradRow(t);
      for (int64_t u = 0; u < U; ++u) g[w_.classes[u]] = static_cast<T>(-std::exp(w_.occupancy[u] - logP));
      if (t == 0) break;
      for (int64_t s = 0; s < S; ++s) {
        double v = w_.logBeta[s] + lp(t, label(s));
        if (s + 1 < S) v = logAdd(v, w_.logBeta[s + 1] + lp(t, label(s + 1)));
        if (s + 2 < S && skip(s + 2)) v = logAdd(v, w_.logBeta[s + 2] + lp(t, label(s + 2)));
        w_.logBetaNext[s] = v;
      }
      std::swap(w_.logBeta, w_.logBetaNext);
    }
    return logP;
  }

  const CtcArgs& a_;
  const T* lp_;
  T* grad_;
  int64_t n_;
  Scratch& w_;
  int64_t Tn_ = 0, L_ = 0, S_ = 1;
  const int32_t* labels_ = nullptr;
};

}  // namespace

template <typename T>
void ctcLossKernel(Context& ctx, const CtcArgs& a, const T* logProbs, T* nll, T* grad) {
  ctx.pool.parallelFor(0, a.batch, 1, [&](int64_t begin, int64_t end) {
    Scratch scratch;
    for (int64_t n = begin; n < end; ++n) nll[n] = static_cast<T>(CtcItem<T>(a, logProbs, grad, n, scratch).run());
  });
}

template void ctcLossKernel<float>(Context&, const CtcArgs&, const float*, float*, float*);
template void ctcLossKernel<double>(Context&, const CtcArgs&, const double*, double*, double*);

}  // namespace lattice

// The fused softmax cross-entropy (native/cuda/losses.cu) against a double reference derived here:
// per row r the loss is sum_k a_k * (-log p_k) with p = softmax(x_r), where a_k collects the target's
// weight ((1 - e) w_y on the class target, or w_k ((1 - e) t_k + e / C) for probability targets)
// and label smoothing's (e / C) w_k; so dL/dx_c = g (A p_c - a_c) with A = sum_k a_k.
#include "check.h"

namespace {

struct Case {
  const char* name;
  int64_t outer, classes, inner;
  bool probs, weighted;
  double smoothing;
};

void run(const Case& c) {
  const int64_t rows = c.outer * c.inner, n = rows * c.classes;
  V x = randv(n, 3), w = randv(c.classes, 0.3f, 1), t = randv(n), gl = randv(rows), loss(rows), lse(rows), gx(n, 123.f);
  const int64_t ignore = -100;
  std::vector<int32_t> target(rows);
  for (int64_t r = 0; r < rows; ++r) target[r] = int32_t((r * 7 + 3) % c.classes);
  if (!c.probs && rows > 3) target[1] = int32_t(ignore), target[rows - 1] = int32_t(c.classes);  // ignored; out of range
  if (c.probs) {  // each row of t a distribution over the classes
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t o = r / c.inner, i = r % c.inner;
      double s = 0;
      for (int64_t k = 0; k < c.classes; ++k) s += (t[(o * c.classes + k) * c.inner + i] = std::exp(t[(o * c.classes + k) * c.inner + i]));
      for (int64_t k = 0; k < c.classes; ++k) t[(o * c.classes + k) * c.inner + i] /= float(s);
    }
  }
  const CrossEntropyArgs a{DType::F32, x.data(), c.outer, c.classes, c.inner, c.probs ? nullptr : target.data(),
                           c.probs ? t.data() : nullptr, c.weighted ? w.data() : nullptr, ignore, c.smoothing};
  crossEntropy(a, loss.data(), lse.data());
  crossEntropyBackward(a, lse.data(), gl.data(), gx.data());

  std::vector<double> rl(rows), rlse(rows), rg(n);
  const double e = c.smoothing;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t o = r / c.inner, i = r % c.inner;
    auto at = [&](const V& v, int64_t k) { return double(v[(o * c.classes + k) * c.inner + i]); };
    double m = -INFINITY, s = 0;
    for (int64_t k = 0; k < c.classes; ++k) m = std::max(m, at(x, k));
    for (int64_t k = 0; k < c.classes; ++k) s += std::exp(at(x, k) - m);
    const double l = m + std::log(s);
    rlse[r] = l;
    std::vector<double> coef(c.classes, 0.0);
    auto wt = [&](int64_t k) { return c.weighted ? double(w[k]) : 1.0; };
    const int32_t y = target[r];
    if (!c.probs && y == ignore) {
      rl[r] = 0;  // no loss, no gradient
    } else if (!c.probs && (y < 0 || y >= c.classes)) {
      rl[r] = NAN;  // the raw kernel's answer to a stray target; its gradient row is zero
    } else {
      for (int64_t k = 0; k < c.classes; ++k) coef[k] = c.probs ? wt(k) * ((1 - e) * at(t, k) + e / c.classes) : e / c.classes * wt(k);
      if (!c.probs) coef[y] += (1 - e) * wt(y);
      double total = 0, A = 0;
      for (int64_t k = 0; k < c.classes; ++k) total += coef[k] * (l - at(x, k)), A += coef[k];
      rl[r] = total;
      for (int64_t k = 0; k < c.classes; ++k) rg[(o * c.classes + k) * c.inner + i] = gl[r] * (A * std::exp(at(x, k) - l) - coef[k]);
    }
  }
  printf("crossEntropy %s [%ld, %ld, %ld]\n", c.name, c.outer, c.classes, c.inner);
  cmp(" loss", loss, rl);
  cmp(" logSumExp", lse, rlse);
  cmp(" gradX", gx, rg);
}

}  // namespace

void checkLosses() {
  run({"class targets (ignored and stray rows)", 6, 7, 1, false, false, 0});
  run({"class targets, weights, smoothing 0.1, inner 4", 3, 10, 4, false, true, 0.1});
  run({"probability targets, weights, smoothing 0.2", 4, 9, 3, true, true, 0.2});
  run({"1000 classes (several warps a row)", 2, 1000, 1, false, true, 0.05});
  run({"1000 classes, probability targets", 2, 1000, 1, true, false, 0});
}

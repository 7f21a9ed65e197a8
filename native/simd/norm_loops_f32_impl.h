// The float32 bodies of the NormLoops table, in float lanes, twice as many per vector as
// double (see norm_loops_impl.h for the traits and loop shapes they are written over).
//
// Staying exact for data far from zero, like 1e4 + 1e-2 N(0, 1): float lanes only ever
// hold differences from a float value near the data, never x next to a small quantity.
//   sum(x) = n x0 + sum(x - x0), x0 the run's first element.
//   With h = float(mu) and c = mu - h (exact in double, at most half an ulp of mu):
//     x - mu = (x - h) - c, where x - h is exact in float for x within a factor 2 of h
//     (Sterbenz) and c is rounded to float only in elementwise passes;
//     sum (x - mu)^2 = sum d^2 - c (2 sum d - n c) with d = x - h: float sums of d and d^2,
//     then the correction in double.
// Float accumulators sum only within one run; runs and statistics combine in double.
// Like any float32 arithmetic, the squares overflow once |x - mu| passes ~1e19.
#pragma once
// (No includes: this file is expanded inside a namespace after norm_loops_impl.h.)

// mu split as h + c: h = float(mu), lo = float(c).
struct F32Split {
  float h, lo;
  double c;
  explicit F32Split(double mu) : h(static_cast<float>(mu)), lo(static_cast<float>(mu - h)), c(mu - h) {}
};

// x - mu in float lanes, as (x - h) - lo.
template <typename U>
typename U::R f32Centered(const U& u, const float* p, const F32Split& m) {
  return U::sub(U::sub(u.load(p), U::set1(m.h)), U::set1(m.lo));
}

template <typename F>
double f32Sum(const float* x, int64_t n) {
  if (n == 0) return 0.0;
  const float x0 = x[0];
  double s[1];
  normSums<F, 1>(n, x, s, [=](auto u, auto& acc, int64_t i) {
    using U = decltype(u);
    acc[0] = U::add(acc[0], U::sub(u.load(x + i), U::set1(x0)));
  });
  return static_cast<double>(n) * x0 + s[0];
}

template <typename F>
double f32SumSquaredDeviation(const float* x, int64_t n, double mu) {
  const F32Split m(mu);
  double s[2];  // sum d, sum d^2
  normSums<F, 2>(n, x, s, [=](auto u, auto& acc, int64_t i) {
    using U = decltype(u);
    const typename U::R d = U::sub(u.load(x + i), U::set1(m.h));
    acc[0] = U::add(acc[0], d);
    acc[1] = U::fma(d, d, acc[1]);
  });
  return s[1] - m.c * (2.0 * s[0] - static_cast<double>(n) * m.c);
}

template <typename F, bool kW, bool kB>
void f32NormalizeAffineImpl(const float* x, int64_t n, double mu, double rs, const float* w, const float* b, float* y) {
  const F32Split m(mu);
  const float r = static_cast<float>(rs);
  normEach<F>(n, y, [=](auto u, int64_t i) {
    using U = decltype(u);
    typename U::R v = U::mul(f32Centered(u, x + i, m), U::set1(r));
    if (kW && kB) v = U::fma(v, u.load(w + i), u.load(b + i));
    else if (kW) v = U::mul(v, u.load(w + i));
    else if (kB) v = U::add(v, u.load(b + i));
    u.store(y + i, v);
  });
}

template <typename F>
void f32NormalizeAffine(const float* x, int64_t n, double mu, double rs, const float* w, const float* b, float* y) {
  if (w && b) f32NormalizeAffineImpl<F, true, true>(x, n, mu, rs, w, b, y);
  else if (w) f32NormalizeAffineImpl<F, true, false>(x, n, mu, rs, w, b, y);
  else if (b) f32NormalizeAffineImpl<F, false, true>(x, n, mu, rs, w, b, y);
  else f32NormalizeAffineImpl<F, false, false>(x, n, mu, rs, w, b, y);
}

template <typename F>
void f32ScaleShift(const float* x, int64_t n, double mu, double scale, double shift, float* y) {
  const F32Split m(mu);
  const float sc = static_cast<float>(scale), sh = static_cast<float>(shift);
  normEach<F>(n, y, [=](auto u, int64_t i) {
    using U = decltype(u);
    u.store(y + i, U::fma(f32Centered(u, x + i, m), U::set1(sc), U::set1(sh)));
  });
}

template <typename F, bool kW>
void f32GradientSumsImpl(const float* dy, const float* x, int64_t n, double mu, const float* w, double* sumG,
                         double* sumGXc) {
  const F32Split m(mu);
  double s[2];  // sum g, sum g (x - mu)
  normSums<F, 2>(n, x, s, [=](auto u, auto& acc, int64_t i) {
    using U = decltype(u);
    const typename U::R g = kW ? U::mul(u.load(dy + i), u.load(w + i)) : u.load(dy + i);
    acc[0] = U::add(acc[0], g);
    acc[1] = U::fma(g, f32Centered(u, x + i, m), acc[1]);
  });
  *sumG = s[0];
  *sumGXc = s[1];
}

template <typename F>
void f32GradientSums(const float* dy, const float* x, int64_t n, double mu, const float* w, double* sumG,
                     double* sumGXc) {
  if (w) f32GradientSumsImpl<F, true>(dy, x, n, mu, w, sumG, sumGXc);
  else f32GradientSumsImpl<F, false>(dy, x, n, mu, w, sumG, sumGXc);
}

template <typename F, bool kW, bool kStream>
void f32AffineGradImpl(const float* dy, const float* x, int64_t n, double mu, const float* w, double p, double q,
                       double r, float* dx) {
  const F32Split m(mu);
  const float fp = static_cast<float>(p), fq = static_cast<float>(q), fr = static_cast<float>(r);
  // dx = p w dy - (q + r (x - mu))
  normEach<F>(n, dx, [=](auto u, int64_t i) {
    storeAffineGrad<kW, kStream>(u, u.load(dy + i), f32Centered(u, x + i, m), w, fp, fq, fr, dx, i);
  });
  if constexpr (kStream) F::fence();
}

template <typename F>
void f32AffineGrad(const float* dy, const float* x, int64_t n, double mu, const float* w, double p, double q, double r,
                   float* dx, bool stream) {
  if (stream) {
    if (w) f32AffineGradImpl<F, true, true>(dy, x, n, mu, w, p, q, r, dx);
    else f32AffineGradImpl<F, false, true>(dy, x, n, mu, w, p, q, r, dx);
  } else {
    if (w) f32AffineGradImpl<F, true, false>(dy, x, n, mu, w, p, q, r, dx);
    else f32AffineGradImpl<F, false, false>(dy, x, n, mu, w, p, q, r, dx);
  }
}

template <typename F, bool kW, bool kDx, bool kStream>
void f32AffineAndParamGradsImpl(const float* dy, const float* x, int64_t n, double mu, double rs, const float* w,
                                double p, double q, double r, float* dx, float* pdw, float* pdb) {
  const F32Split m(mu);
  const float frs = static_cast<float>(rs);
  const float fp = static_cast<float>(p), fq = static_cast<float>(q), fr = static_cast<float>(r);
  normEach<F>(n, kDx ? dx : pdw, [=](auto u, int64_t i) {
    using U = decltype(u);
    const typename U::R d = u.load(dy + i), xc = f32Centered(u, x + i, m);
    u.store(pdw + i, U::fma(d, U::mul(xc, U::set1(frs)), u.load(pdw + i)));
    u.store(pdb + i, U::add(u.load(pdb + i), d));
    if constexpr (kDx) storeAffineGrad<kW, kStream>(u, d, xc, w, fp, fq, fr, dx, i);
  });
  if constexpr (kDx && kStream) F::fence();
}

template <typename F>
void f32AffineAndParamGrads(const float* dy, const float* x, int64_t n, double mu, double rs, const float* w, double p,
                            double q, double r, float* dx, bool stream, float* pdw, float* pdb) {
  if (!dx) f32AffineAndParamGradsImpl<F, false, false, false>(dy, x, n, mu, rs, w, p, q, r, dx, pdw, pdb);
  else if (stream && w) f32AffineAndParamGradsImpl<F, true, true, true>(dy, x, n, mu, rs, w, p, q, r, dx, pdw, pdb);
  else if (stream) f32AffineAndParamGradsImpl<F, false, true, true>(dy, x, n, mu, rs, w, p, q, r, dx, pdw, pdb);
  else if (w) f32AffineAndParamGradsImpl<F, true, true, false>(dy, x, n, mu, rs, w, p, q, r, dx, pdw, pdb);
  else f32AffineAndParamGradsImpl<F, false, true, false>(dy, x, n, mu, rs, w, p, q, r, dx, pdw, pdb);
}

template <typename F>
NormLoops<float> f32NormLoops() {
  return {f32Sum<F>,          f32SumSquaredDeviation<F>, f32NormalizeAffine<F>, f32ScaleShift<F>,
          f32GradientSums<F>, f32AffineGrad<F>,          f32AffineAndParamGrads<F>};
}

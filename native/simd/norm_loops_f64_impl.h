// The float64 bodies of the NormLoops table, in double lanes (see norm_loops_impl.h for
// the traits and loop shapes they are written over).
#pragma once
// (No includes: this file is expanded inside a namespace after norm_loops_impl.h.)

template <typename V>
double f64Sum(const double* x, int64_t n) {
  double s[1];
  normSums<V, 1>(n, x, s, [=](auto u, auto& acc, int64_t i) {
    using U = decltype(u);
    acc[0] = U::add(acc[0], u.load(x + i));
  });
  return s[0];
}

template <typename V>
double f64SumSquaredDeviation(const double* x, int64_t n, double mu) {
  double s[1];
  normSums<V, 1>(n, x, s, [=](auto u, auto& acc, int64_t i) {
    using U = decltype(u);
    const typename U::R d = U::sub(u.load(x + i), U::set1(mu));
    acc[0] = U::fma(d, d, acc[0]);
  });
  return s[0];
}

template <typename V, bool kW, bool kB>
void f64NormalizeAffineImpl(const double* x, int64_t n, double mu, double rs, const double* w, const double* b,
                            double* y) {
  normEach<V>(n, y, [=](auto u, int64_t i) {
    using U = decltype(u);
    typename U::R v = U::mul(U::sub(u.load(x + i), U::set1(mu)), U::set1(rs));
    if (kW) v = U::mul(v, u.load(w + i));
    if (kB) v = U::add(v, u.load(b + i));
    u.store(y + i, v);
  });
}

template <typename V>
void f64NormalizeAffine(const double* x, int64_t n, double mu, double rs, const double* w, const double* b, double* y) {
  if (w && b) f64NormalizeAffineImpl<V, true, true>(x, n, mu, rs, w, b, y);
  else if (w) f64NormalizeAffineImpl<V, true, false>(x, n, mu, rs, w, b, y);
  else if (b) f64NormalizeAffineImpl<V, false, true>(x, n, mu, rs, w, b, y);
  else f64NormalizeAffineImpl<V, false, false>(x, n, mu, rs, w, b, y);
}

template <typename V>
void f64ScaleShift(const double* x, int64_t n, double mu, double scale, double shift, double* y) {
  normEach<V>(n, y, [=](auto u, int64_t i) {
    using U = decltype(u);
    u.store(y + i, U::fma(U::sub(u.load(x + i), U::set1(mu)), U::set1(scale), U::set1(shift)));
  });
}

template <typename V, bool kW>
void f64GradientSumsImpl(const double* dy, const double* x, int64_t n, double mu, const double* w, double* sumG,
                         double* sumGXc) {
  double s[2];  // sum g, sum g (x - mu)
  normSums<V, 2>(n, x, s, [=](auto u, auto& acc, int64_t i) {
    using U = decltype(u);
    const typename U::R g = kW ? U::mul(u.load(dy + i), u.load(w + i)) : u.load(dy + i);
    acc[0] = U::add(acc[0], g);
    acc[1] = U::fma(g, U::sub(u.load(x + i), U::set1(mu)), acc[1]);
  });
  *sumG = s[0];
  *sumGXc = s[1];
}

template <typename V>
void f64GradientSums(const double* dy, const double* x, int64_t n, double mu, const double* w, double* sumG,
                     double* sumGXc) {
  if (w) f64GradientSumsImpl<V, true>(dy, x, n, mu, w, sumG, sumGXc);
  else f64GradientSumsImpl<V, false>(dy, x, n, mu, w, sumG, sumGXc);
}

template <typename V, bool kW, bool kStream>
void f64AffineGradImpl(const double* dy, const double* x, int64_t n, double mu, const double* w, double p, double q,
                       double r, double* dx) {
  // dx = p w dy - (q + r (x - mu))
  normEach<V>(n, dx, [=](auto u, int64_t i) {
    using U = decltype(u);
    storeAffineGrad<kW, kStream>(u, u.load(dy + i), U::sub(u.load(x + i), U::set1(mu)), w, p, q, r, dx, i);
  });
  if constexpr (kStream) V::fence();
}

template <typename V>
void f64AffineGrad(const double* dy, const double* x, int64_t n, double mu, const double* w, double p, double q,
                   double r, double* dx, bool stream) {
  if (stream) {
    if (w) f64AffineGradImpl<V, true, true>(dy, x, n, mu, w, p, q, r, dx);
    else f64AffineGradImpl<V, false, true>(dy, x, n, mu, w, p, q, r, dx);
  } else {
    if (w) f64AffineGradImpl<V, true, false>(dy, x, n, mu, w, p, q, r, dx);
    else f64AffineGradImpl<V, false, false>(dy, x, n, mu, w, p, q, r, dx);
  }
}

template <typename V, bool kW, bool kDx, bool kStream>
void f64AffineAndParamGradsImpl(const double* dy, const double* x, int64_t n, double mu, double rs, const double* w,
                                double p, double q, double r, double* dx, double* pdw, double* pdb) {
  normEach<V>(n, kDx ? dx : pdw, [=](auto u, int64_t i) {
    using U = decltype(u);
    const typename U::R d = u.load(dy + i), xc = U::sub(u.load(x + i), U::set1(mu));
    u.store(pdw + i, U::fma(U::mul(d, xc), U::set1(rs), u.load(pdw + i)));
    u.store(pdb + i, U::add(u.load(pdb + i), d));
    if constexpr (kDx) storeAffineGrad<kW, kStream>(u, d, xc, w, p, q, r, dx, i);
  });
  if constexpr (kDx && kStream) V::fence();
}

template <typename V>
void f64AffineAndParamGrads(const double* dy, const double* x, int64_t n, double mu, double rs, const double* w,
                            double p, double q, double r, double* dx, bool stream, double* pdw, double* pdb) {
  if (!dx) f64AffineAndParamGradsImpl<V, false, false, false>(dy, x, n, mu, rs, w, p, q, r, dx, pdw, pdb);
  else if (stream && w) f64AffineAndParamGradsImpl<V, true, true, true>(dy, x, n, mu, rs, w, p, q, r, dx, pdw, pdb);
  else if (stream) f64AffineAndParamGradsImpl<V, false, true, true>(dy, x, n, mu, rs, w, p, q, r, dx, pdw, pdb);
  else if (w) f64AffineAndParamGradsImpl<V, true, true, false>(dy, x, n, mu, rs, w, p, q, r, dx, pdw, pdb);
  else f64AffineAndParamGradsImpl<V, false, true, false>(dy, x, n, mu, rs, w, p, q, r, dx, pdw, pdb);
}

template <typename V>
NormLoops<double> f64NormLoops() {
  return {f64Sum<V>,          f64SumSquaredDeviation<V>, f64NormalizeAffine<V>, f64ScaleShift<V>,
          f64GradientSums<V>, f64AffineGrad<V>,          f64AffineAndParamGrads<V>};
}

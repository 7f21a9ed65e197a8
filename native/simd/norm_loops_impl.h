// The bodies of the NormLoops table (see norm_loops.h), written once over a traits
// type V for a vector of V::kWidth doubles:
//   V::R; V::zero(); V::set1(d); V::load(const float*|const double*) (widening);
//   V::store(float*|double*, R) (rounding); V::add, sub, mul; V::fma(a, b, c) = a*b + c;
//   V::hsum(R) (lane sum in a fixed order).
// An ISA file includes this inside namespace lattice::simd::<isa>, after defining V,
// then expands LATTICE_NORM_DEFINE_TABLES(V). The tail of each run goes one element
// at a time through Lane, the scalar traits defined here.
//
// Reductions keep four vector accumulators (independent add chains) and combine them
// as ((a0 + a1) + (a2 + a3)), then the lanes, then the tail: a fixed order for a
// given ISA and length, whatever the thread count.
#pragma once
// (No includes: this file is expanded inside a namespace; the ISA file includes <cstdint> first.)

struct Lane {
  using R = double;
  static constexpr int kWidth = 1;
  static R zero() { return 0.0; }
  static R set1(double d) { return d; }
  static R load(const float* p) { return static_cast<double>(*p); }
  static R load(const double* p) { return *p; }
  static void store(float* p, R v) { *p = static_cast<float>(v); }
  static void store(double* p, R v) { *p = v; }
  static R add(R a, R b) { return a + b; }
  static R sub(R a, R b) { return a - b; }
  static R mul(R a, R b) { return a * b; }
  static R fma(R a, R b, R c) { return a * b + c; }
  static double hsum(R v) { return v; }
};

// Calls BODY(W, i) over vectors of V then over the single-element tail with Lane.
#define LATTICE_NORM_EACH(V, n, BODY)                                   \
  do {                                                                  \
    int64_t i_ = 0;                                                     \
    for (; i_ + V::kWidth <= (n); i_ += V::kWidth) BODY(V, i_);         \
    for (; i_ < (n); ++i_) BODY(Lane, i_);                              \
  } while (0)

template <typename V, typename T>
double normSum(const T* x, int64_t n) {
  typename V::R a0 = V::zero(), a1 = V::zero(), a2 = V::zero(), a3 = V::zero();
  const int64_t W = V::kWidth;
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    a0 = V::add(a0, V::load(x + i));
    a1 = V::add(a1, V::load(x + i + W));
    a2 = V::add(a2, V::load(x + i + 2 * W));
    a3 = V::add(a3, V::load(x + i + 3 * W));
  }
  for (; i + W <= n; i += W) a0 = V::add(a0, V::load(x + i));
  double s = V::hsum(V::add(V::add(a0, a1), V::add(a2, a3)));
  for (; i < n; ++i) s += static_cast<double>(x[i]);
  return s;
}

template <typename V, typename T>
double normSumSquaredDeviation(const T* x, int64_t n, double mu) {
  typename V::R a0 = V::zero(), a1 = V::zero(), a2 = V::zero(), a3 = V::zero();
  const typename V::R m = V::set1(mu);
  const int64_t W = V::kWidth;
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    const typename V::R d0 = V::sub(V::load(x + i), m), d1 = V::sub(V::load(x + i + W), m);
    const typename V::R d2 = V::sub(V::load(x + i + 2 * W), m), d3 = V::sub(V::load(x + i + 3 * W), m);
    a0 = V::fma(d0, d0, a0);
    a1 = V::fma(d1, d1, a1);
    a2 = V::fma(d2, d2, a2);
    a3 = V::fma(d3, d3, a3);
  }
  for (; i + W <= n; i += W) {
    const typename V::R d = V::sub(V::load(x + i), m);
    a0 = V::fma(d, d, a0);
  }
  double s = V::hsum(V::add(V::add(a0, a1), V::add(a2, a3)));
  for (; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - mu;
    s += d * d;
  }
  return s;
}

template <typename V, typename T, bool kW, bool kB>
void normNormalizeAffineImpl(const T* x, int64_t n, double mu, double rs, const T* w, const T* b, T* y) {
#define LATTICE_NORM_BODY(U, i)                                                  \
  {                                                                              \
    typename U::R v = U::mul(U::sub(U::load(x + i), U::set1(mu)), U::set1(rs));  \
    if (kW) v = U::mul(v, U::load(w + i));                                       \
    if (kB) v = U::add(v, U::load(b + i));                                       \
    U::store(y + i, v);                                                          \
  }
  LATTICE_NORM_EACH(V, n, LATTICE_NORM_BODY);
#undef LATTICE_NORM_BODY
}

template <typename V, typename T>
void normNormalizeAffine(const T* x, int64_t n, double mu, double rs, const T* w, const T* b, T* y) {
  if (w && b) normNormalizeAffineImpl<V, T, true, true>(x, n, mu, rs, w, b, y);
  else if (w) normNormalizeAffineImpl<V, T, true, false>(x, n, mu, rs, w, b, y);
  else if (b) normNormalizeAffineImpl<V, T, false, true>(x, n, mu, rs, w, b, y);
  else normNormalizeAffineImpl<V, T, false, false>(x, n, mu, rs, w, b, y);
}

template <typename V, typename T>
void normScaleShift(const T* x, int64_t n, double mu, double scale, double shift, T* y) {
#define LATTICE_NORM_BODY(U, i) \
  U::store(y + i, U::fma(U::sub(U::load(x + i), U::set1(mu)), U::set1(scale), U::set1(shift)));
  LATTICE_NORM_EACH(V, n, LATTICE_NORM_BODY);
#undef LATTICE_NORM_BODY
}

template <typename V, typename T, bool kW>
void normGradientSumsImpl(const T* dy, const T* x, int64_t n, double mu, const T* w, double* sumG, double* sumGXc) {
  typename V::R g0 = V::zero(), g1 = V::zero(), c0 = V::zero(), c1 = V::zero();
  const typename V::R m = V::set1(mu);
  const int64_t W = V::kWidth;
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    typename V::R ga = V::load(dy + i), gb = V::load(dy + i + W);
    if (kW) {
      ga = V::mul(ga, V::load(w + i));
      gb = V::mul(gb, V::load(w + i + W));
    }
    g0 = V::add(g0, ga);
    g1 = V::add(g1, gb);
    c0 = V::fma(ga, V::sub(V::load(x + i), m), c0);
    c1 = V::fma(gb, V::sub(V::load(x + i + W), m), c1);
  }
  for (; i + W <= n; i += W) {
    typename V::R ga = V::load(dy + i);
    if (kW) ga = V::mul(ga, V::load(w + i));
    g0 = V::add(g0, ga);
    c0 = V::fma(ga, V::sub(V::load(x + i), m), c0);
  }
  double s1 = V::hsum(V::add(g0, g1)), s2 = V::hsum(V::add(c0, c1));
  for (; i < n; ++i) {
    const double g = static_cast<double>(dy[i]) * (kW ? static_cast<double>(w[i]) : 1.0);
    s1 += g;
    s2 += g * (static_cast<double>(x[i]) - mu);
  }
  *sumG = s1;
  *sumGXc = s2;
}

template <typename V, typename T>
void normGradientSums(const T* dy, const T* x, int64_t n, double mu, const T* w, double* sumG, double* sumGXc) {
  if (w) normGradientSumsImpl<V, T, true>(dy, x, n, mu, w, sumG, sumGXc);
  else normGradientSumsImpl<V, T, false>(dy, x, n, mu, w, sumG, sumGXc);
}

template <typename V, typename T, bool kW>
void normAffineGradImpl(const T* dy, const T* x, int64_t n, double mu, const T* w, double p, double q, double r, T* dx) {
  // dx = p w dy - (q + r (x - mu))
#define LATTICE_NORM_BODY(U, i)                                                                        \
  {                                                                                                    \
    typename U::R g = U::mul(U::load(dy + i), U::set1(p));                                             \
    if (kW) g = U::mul(g, U::load(w + i));                                                             \
    U::store(dx + i, U::sub(g, U::fma(U::sub(U::load(x + i), U::set1(mu)), U::set1(r), U::set1(q)))); \
  }
  LATTICE_NORM_EACH(V, n, LATTICE_NORM_BODY);
#undef LATTICE_NORM_BODY
}

template <typename V, typename T>
void normAffineGrad(const T* dy, const T* x, int64_t n, double mu, const T* w, double p, double q, double r, T* dx) {
  if (w) normAffineGradImpl<V, T, true>(dy, x, n, mu, w, p, q, r, dx);
  else normAffineGradImpl<V, T, false>(dy, x, n, mu, w, p, q, r, dx);
}

template <typename V, typename T, bool kW>
void normGradientSumsAndParamGradsImpl(const T* dy, const T* x, int64_t n, double mu, double rs, const T* w, double* sumG,
                                       double* sumGXc, double* pdw, double* pdb) {
  typename V::R g0 = V::zero(), c0 = V::zero();
  const typename V::R m = V::set1(mu), r = V::set1(rs);
  const int64_t W = V::kWidth;
  int64_t i = 0;
  for (; i + W <= n; i += W) {
    const typename V::R d = V::load(dy + i), xc = V::sub(V::load(x + i), m);
    const typename V::R g = kW ? V::mul(d, V::load(w + i)) : d;
    g0 = V::add(g0, g);
    c0 = V::fma(g, xc, c0);
    V::store(pdw + i, V::fma(V::mul(d, xc), r, V::load(pdw + i)));
    V::store(pdb + i, V::add(V::load(pdb + i), d));
  }
  double s1 = V::hsum(g0), s2 = V::hsum(c0);
  for (; i < n; ++i) {
    const double d = static_cast<double>(dy[i]), xc = static_cast<double>(x[i]) - mu;
    const double g = kW ? d * static_cast<double>(w[i]) : d;
    s1 += g;
    s2 += g * xc;
    pdw[i] += d * xc * rs;
    pdb[i] += d;
  }
  *sumG = s1;
  *sumGXc = s2;
}

template <typename V, typename T>
void normGradientSumsAndParamGrads(const T* dy, const T* x, int64_t n, double mu, double rs, const T* w, double* sumG,
                                   double* sumGXc, double* pdw, double* pdb) {
  if (w) normGradientSumsAndParamGradsImpl<V, T, true>(dy, x, n, mu, rs, w, sumG, sumGXc, pdw, pdb);
  else normGradientSumsAndParamGradsImpl<V, T, false>(dy, x, n, mu, rs, w, sumG, sumGXc, pdw, pdb);
}

#define LATTICE_NORM_DEFINE_TABLES(V)                                                                          \
  const NormLoops<float>& normLoopsF32() {                                                                     \
    static const NormLoops<float> table{normSum<V, float>, normSumSquaredDeviation<V, float>,                  \
                                        normNormalizeAffine<V, float>, normScaleShift<V, float>,               \
                                        normGradientSums<V, float>, normAffineGrad<V, float>,                  \
                                        normGradientSumsAndParamGrads<V, float>};                                   \
    return table;                                                                                              \
  }                                                                                                            \
  const NormLoops<double>& normLoopsF64() {                                                                    \
    static const NormLoops<double> table{normSum<V, double>, normSumSquaredDeviation<V, double>,               \
                                         normNormalizeAffine<V, double>, normScaleShift<V, double>,            \
                                         normGradientSums<V, double>, normAffineGrad<V, double>,               \
                                         normGradientSumsAndParamGrads<V, double>};                                 \
    return table;                                                                                              \
  }

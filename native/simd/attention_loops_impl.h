// The loop bodies of the AttentionLoops table (see attention_loops.h), written once over a
// vector trait V:
//   V::T; V::R; V::kWidth; zero(); set1(T); load(const T*); store(T*, R); add, sub, mul;
//   fma(a, b, c) = a*b + c; max(a, b) (b where either is NaN); hsum(R), hmax(R) -> T;
//   exp(R): e^x lane-wise, 0 for x = -inf, NaN kept.
// Ends of a run that fill no whole vector go through the scalar lane (std::exp).
// An ISA file includes this inside namespace lattice::simd::<isa> after <cmath>/<cstdint>,
// defines its traits, then builds its tables with attentionLoops<V>().
#pragma once

// The vector exp shared by the ISA traits: x clamped to [lo, hi], n = round(x log2 e),
// r = x - n ln2 (in two parts, exact), e^r by its Taylor series to degree kDegree
// (|r| <= ln2/2: the first omitted term is below half an ulp), scaled by 2^n through
// V::pow2Scale; lanes below lo become 0 (so -inf gives 0), and NaN lanes stay NaN
// (the clamps pass a NaN second operand through).
template <typename V>
inline typename V::R expByTaylor(typename V::R x) {
  using T = typename V::T;
  using R = typename V::R;
  constexpr bool kF32 = sizeof(T) == 4;
  constexpr T lo = kF32 ? T(-87) : T(-708), hi = kF32 ? T(88) : T(709);
  constexpr int kDegree = kF32 ? 8 : 13;
  const R xc = V::min(V::set1(hi), V::max(V::set1(lo), x));
  const R n = V::roundNearest(V::mul(xc, V::set1(T(1.4426950408889634))));
  R r = V::fma(n, V::set1(T(-0.693145751953125)), xc);
  r = V::fma(n, V::set1(T(-1.4286068203094172e-06)), r);
  T coef[kDegree + 1];
  coef[0] = 1;
  for (int i = 1; i <= kDegree; ++i) coef[i] = coef[i - 1] / T(i);
  R p = V::set1(coef[kDegree]);
  for (int i = kDegree - 1; i >= 0; --i) p = V::fma(p, r, V::set1(coef[i]));
  return V::zeroWhereBelow(V::pow2Scale(p, n), x, lo);
}

template <typename V, int K>
inline void combineChunk(const typename V::T* c, const typename V::T* rows, int64_t ld, int64_t m, typename V::T* out,
                         bool accumulate) {
  using R = typename V::R;
  constexpr int W = V::kWidth;
  // Two sets of accumulators (even and odd r) keep 2K FMA chains in flight.
  R a[K], b[K];
  for (int k = 0; k < K; ++k) {
    a[k] = accumulate ? V::load(out + k * W) : V::zero();
    b[k] = V::zero();
  }
  int64_t r = 0;
  for (; r + 1 < m; r += 2) {
    const R c0 = V::set1(c[r]), c1 = V::set1(c[r + 1]);
    const typename V::T* r0 = rows + r * ld;
    const typename V::T* r1 = r0 + ld;
    for (int k = 0; k < K; ++k) {
      a[k] = V::fma(c0, V::load(r0 + k * W), a[k]);
      b[k] = V::fma(c1, V::load(r1 + k * W), b[k]);
    }
  }
  if (r < m) {
    const R c0 = V::set1(c[r]);
    const typename V::T* r0 = rows + r * ld;
    for (int k = 0; k < K; ++k) a[k] = V::fma(c0, V::load(r0 + k * W), a[k]);
  }
  for (int k = 0; k < K; ++k) V::store(out + k * W, V::add(a[k], b[k]));
}

template <typename V>
void combineRowsImpl(const typename V::T* c, const typename V::T* rows, int64_t ld, int64_t m, int64_t n,
                     typename V::T* out, bool accumulate) {
  using T = typename V::T;
  constexpr int W = V::kWidth;
  int64_t j = 0;
  for (; j + 4 * W <= n; j += 4 * W) combineChunk<V, 4>(c, rows + j, ld, m, out + j, accumulate);
  for (; j + W <= n; j += W) combineChunk<V, 1>(c, rows + j, ld, m, out + j, accumulate);
  for (; j < n; ++j) {
    T s = accumulate ? out[j] : T(0);
    for (int64_t r = 0; r < m; ++r) s += c[r] * rows[r * ld + j];
    out[j] = s;
  }
}

template <typename V>
typename V::T maxOfImpl(const typename V::T* x, int64_t n) {
  using T = typename V::T;
  constexpr int W = V::kWidth;
  T best = -std::numeric_limits<T>::infinity();
  int64_t i = 0;
  if (n >= W) {
    typename V::R acc = V::set1(best);
    for (; i + W <= n; i += W) acc = V::max(V::load(x + i), acc);
    best = V::hmax(acc);
  }
  for (; i < n; ++i) best = x[i] > best ? x[i] : best;
  return best;
}

template <typename V>
typename V::T expShiftSumImpl(typename V::T* x, int64_t n, typename V::T shift) {
  using T = typename V::T;
  constexpr int W = V::kWidth;
  int64_t i = 0;
  T sum = 0;
  if (n >= W) {
    typename V::R acc = V::zero();
    const typename V::R s = V::set1(shift);
    for (; i + W <= n; i += W) {
      const typename V::R e = V::exp(V::sub(V::load(x + i), s));
      V::store(x + i, e);
      acc = V::add(acc, e);
    }
    sum = V::hsum(acc);
  }
  for (; i < n; ++i) {
    x[i] = std::exp(x[i] - shift);
    sum += x[i];
  }
  return sum;
}

template <typename V>
void scaleImpl(typename V::T* x, int64_t n, typename V::T a) {
  constexpr int W = V::kWidth;
  int64_t i = 0;
  const typename V::R va = V::set1(a);
  for (; i + W <= n; i += W) V::store(x + i, V::mul(V::load(x + i), va));
  for (; i < n; ++i) x[i] *= a;
}

template <typename V>
typename V::T dotImpl(const typename V::T* a, const typename V::T* b, int64_t n) {
  using T = typename V::T;
  constexpr int W = V::kWidth;
  int64_t i = 0;
  T sum = 0;
  if (n >= W) {
    typename V::R acc = V::zero();
    for (; i + W <= n; i += W) acc = V::fma(V::load(a + i), V::load(b + i), acc);
    sum = V::hsum(acc);
  }
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

template <typename V>
AttentionLoops<typename V::T> attentionLoops() {
  AttentionLoops<typename V::T> t;
  t.combineRows = &combineRowsImpl<V>;
  t.maxOf = &maxOfImpl<V>;
  t.expShiftSum = &expShiftSumImpl<V>;
  t.scale = &scaleImpl<V>;
  t.dot = &dotImpl<V>;
  return t;
}

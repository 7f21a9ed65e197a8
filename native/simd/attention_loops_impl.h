// The loop bodies of the AttentionLoops table (see attention_loops.h), written once over a
// vector trait V:
//   V::T; V::R; V::kWidth; V::kChunk (vectors per output kept in registers: 4 x kChunk
//   accumulators plus kChunk loaded vectors must fit the register file); zero(); set1(T); load(const T*); store(T*, R); add, sub, mul;
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

// Outputs [0, R) x vectors [0, K) of one column chunk, accumulated in registers over r.
template <typename V, int R, int K>
inline void combineTile(const typename V::T* c, int64_t cs, const typename V::T* rows, int64_t ld, int64_t m,
                        typename V::T* out, int64_t os, bool accumulate) {
  using Reg = typename V::R;
  constexpr int W = V::kWidth;
  Reg a[R][K];
  for (int t = 0; t < R; ++t)
    for (int k = 0; k < K; ++k) a[t][k] = accumulate ? V::load(out + t * os + k * W) : V::zero();
  for (int64_t r = 0; r < m; ++r) {
    const typename V::T* row = rows + r * ld;
    Reg x[K];
    for (int k = 0; k < K; ++k) x[k] = V::load(row + k * W);
    for (int t = 0; t < R; ++t) {
      const Reg ct = V::set1(c[t * cs + r]);
      for (int k = 0; k < K; ++k) a[t][k] = V::fma(ct, x[k], a[t][k]);
    }
  }
  for (int t = 0; t < R; ++t)
    for (int k = 0; k < K; ++k) V::store(out + t * os + k * W, a[t][k]);
}

// R outputs over all n columns: chunks of V::kChunk vectors, then single vectors, then a scalar tail.
template <typename V, int R>
void combineRowGroup(const typename V::T* c, int64_t cs, const typename V::T* rows, int64_t ld, int64_t m, int64_t n,
                     typename V::T* out, int64_t os, bool accumulate) {
  using T = typename V::T;
  constexpr int W = V::kWidth, K = V::kChunk;
  int64_t j = 0;
  for (; j + K * W <= n; j += K * W) combineTile<V, R, K>(c, cs, rows + j, ld, m, out + j, os, accumulate);
  for (; j + W <= n; j += W) combineTile<V, R, 1>(c, cs, rows + j, ld, m, out + j, os, accumulate);
  for (; j < n; ++j)
    for (int t = 0; t < R; ++t) {
      T s = accumulate ? out[t * os + j] : T(0);
      for (int64_t r = 0; r < m; ++r) s += c[t * cs + r] * rows[r * ld + j];
      out[t * os + j] = s;
    }
}

template <typename V>
void combineRowsImpl(const typename V::T* c, int64_t cs, int64_t count, const typename V::T* rows, int64_t ld, int64_t m,
                     int64_t n, typename V::T* out, int64_t os, bool accumulate) {
  int64_t t = 0;
  for (; t + 4 <= count; t += 4) combineRowGroup<V, 4>(c + t * cs, cs, rows, ld, m, n, out + t * os, os, accumulate);
  switch (count - t) {
    case 3: combineRowGroup<V, 3>(c + t * cs, cs, rows, ld, m, n, out + t * os, os, accumulate); break;
    case 2: combineRowGroup<V, 2>(c + t * cs, cs, rows, ld, m, n, out + t * os, os, accumulate); break;
    case 1: combineRowGroup<V, 1>(c + t * cs, cs, rows, ld, m, n, out + t * os, os, accumulate); break;
    default: break;
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

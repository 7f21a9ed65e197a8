// What the loop bodies of the NormLoops table (see norm_loops.h) are written over: the
// scalar traits Lane<T> and the two loop shapes, normEach and normSums. The bodies are in
// norm_loops_f64_impl.h (double lanes) and norm_loops_f32_impl.h (float lanes), each
// written once over a traits type V for a vector of V::kWidth elements of V::T:
//   V::T; V::R; V::zero(); V::set1(T); V::load(const T*); V::store(T*, R);
//   V::add, sub, mul; V::fma(a, b, c) = a*b + c; V::hsum(R) (the lanes summed in double,
//   in a fixed order); V::kParts, and where it is true: V::Part(lo, hi), a V whose load
//   and store touch only lanes [lo, hi) (loads give 0 elsewhere) and whose merge(was, v)
//   takes v's lanes [lo, hi) and was's others; V::shiftIn(a, b, s), lanes [s, W) of a then
//   lanes [0, s) of b.
// An ISA file includes the three inside namespace lattice::simd::<isa>, then defines its
// traits. A body is a generic lambda called with a traits object u: V{} for whole vectors,
// a V::Part or Lane<T>{} for the ends of a run (Lane<T>{} for every element on the scalar
// ISA). It loads and stores through u and computes with U = decltype(u). Bodies capture by
// value: an intrinsic store may alias anything, so after each one a by-reference capture
// would reload every pointer and constant it reaches.
//
// Where V::kParts, the loops align their vectors to the 64-byte lines of one array of the
// run (an anchor) rather than to the run's start, so that every whole vector loads or
// stores whole lines of that array and of those laid out like it, and Parts take the ends
// (the first one at a negative i: it touches no lane before the run). Elsewhere vectors
// start at the run's start and the tail goes through Lane.
#pragma once
// (No includes: this file is expanded inside a namespace; the ISA file includes <cstdint> first.)

template <typename TT>
struct Lane {
  using T = TT;
  using R = TT;
  static constexpr int kWidth = 1;
  static constexpr bool kParts = false;
  static R zero() { return R(0); }
  static R set1(T v) { return v; }
  static R load(const T* p) { return *p; }
  static void store(T* p, R v) { *p = v; }
  static void storeStream(T* p, R v) { *p = v; }
  static void fence() {}
  static R add(R a, R b) { return a + b; }
  static R sub(R a, R b) { return a - b; }
  static R mul(R a, R b) { return a * b; }
  static R fma(R a, R b, R c) { return a * b + c; }
  static double hsum(R v) { return v; }
};

// dx = p w dy - (q + r xc) for the vector u at i, with d = dy and xc = x - mu already in
// lanes, stored (or streamed) to dx: the one formula of affineGrad and affineAndParamGrads.
template <bool kW, bool kStream, typename U>
inline __attribute__((always_inline)) void storeAffineGrad(const U& u, typename U::R d, typename U::R xc,
                                                            const typename U::T* w, typename U::T p,
                                                            typename U::T q, typename U::T r, typename U::T* dx,
                                                            int64_t i) {
  typename U::R g = U::mul(d, U::set1(p));
  if constexpr (kW) g = U::mul(g, u.load(w + i));
  const typename U::R v = U::sub(g, U::fma(xc, U::set1(r), U::set1(q)));
  if constexpr (kStream) u.storeStream(dx + i, v);
  else u.store(dx + i, v);
}

// Lanes of the anchor's 64-byte line that lie before it.
template <typename V>
int64_t lanesBeforeLine(const typename V::T* anchor) {
  return static_cast<int64_t>(reinterpret_cast<uintptr_t>(anchor) % 64 / sizeof(typename V::T));
}

// Calls body(u, i) for vectors u that cover [0, n); out is the array the body stores to,
// whose lines the vectors follow. Every lane computes alike, so an element's result does
// not depend on where the vectors fall.
template <typename V, typename Body>
void normEach(int64_t n, const typename V::T* out, Body body) {
  const int64_t W = V::kWidth;
  if constexpr (V::kParts) {
    int64_t i = -lanesBeforeLine<V>(out);
    if (i < 0) body(typename V::Part(-i, i + W < n ? W : n - i), i);
    for (i += i < 0 ? W : 0; i + W <= n; i += W) body(V{}, i);
    if (i < n) body(typename V::Part(0, n - i), i);
  } else {
    int64_t i = 0;
    for (; i + W <= n; i += W) body(V{}, i);
    for (; i < n; ++i) body(Lane<typename V::T>{}, i);
  }
}

// Adds the vector at i into set, or the Part of it within [0, n). Always inlined, so that
// the accumulators of normSums stay in registers.
template <typename V, int kSums, typename Body>
inline __attribute__((always_inline)) void normAddEnd(typename V::R (&set)[kSums], int64_t i, int64_t n,
                                                       const Body& body) {
  const int64_t W = V::kWidth;
  if (i >= 0 && i + W <= n) {
    body(V{}, set, i);
  } else if (i + W > 0 && i < n) {
    const typename V::Part part(i < 0 ? -i : 0, i + W < n ? W : n - i);
    typename V::R lanes[kSums];
    for (int t = 0; t < kSums; ++t) lanes[t] = set[t];
    body(part, lanes, i);
    for (int t = 0; t < kSums; ++t) set[t] = part.merge(set[t], lanes[t]);
  }
}

// normSums where V::kParts: vector m covers [mW - s, mW - s + W), s = the anchor's lanes
// before its line, and adds into set m % 4. Its lanes [s, W) hold elements of set m % 4 and
// its lanes [0, s) elements of set (m - 1) % 4, which shiftIn puts back in place: the sums
// come out as if the vectors started at the run's start.
template <typename V, int kSums, typename Body>
void normSumsByLine(int64_t n, const typename V::T* anchor, double (&out)[kSums], Body body) {
  using R = typename V::R;
  const int64_t W = V::kWidth;
  R acc[4][kSums];
  for (auto& set : acc)
    for (R& a : set) a = V::zero();
  const int64_t s = lanesBeforeLine<V>(anchor);
  int64_t i = -s;
  if (i < 0 || i + 4 * W > n) {
    normAddEnd<V>(acc[0], i, n, body);
    normAddEnd<V>(acc[1], i + W, n, body);
    normAddEnd<V>(acc[2], i + 2 * W, n, body);
    normAddEnd<V>(acc[3], i + 3 * W, n, body);
    i += 4 * W;
  }
  for (; i + 4 * W <= n; i += 4 * W) {
    body(V{}, acc[0], i);
    body(V{}, acc[1], i + W);
    body(V{}, acc[2], i + 2 * W);
    body(V{}, acc[3], i + 3 * W);
  }
  if (i < n) {
    normAddEnd<V>(acc[0], i, n, body);
    normAddEnd<V>(acc[1], i + W, n, body);
    normAddEnd<V>(acc[2], i + 2 * W, n, body);
    normAddEnd<V>(acc[3], i + 3 * W, n, body);
  }
  for (int t = 0; t < kSums; ++t) {
    const R set0 = V::shiftIn(acc[0][t], acc[1][t], s), set1 = V::shiftIn(acc[1][t], acc[2][t], s);
    const R set2 = V::shiftIn(acc[2][t], acc[3][t], s), set3 = V::shiftIn(acc[3][t], acc[0][t], s);
    out[t] = V::hsum(V::add(V::add(set0, set1), V::add(set2, set3)));
  }
}

// normSums without Parts: vectors from the run's start, the tail's terms added one by one
// in double after the sets combine.
template <typename V, int kSums, typename Body>
void normSumsFromStart(int64_t n, double (&out)[kSums], Body body) {
  using R = typename V::R;
  const int64_t W = V::kWidth;
  R acc[4][kSums];
  for (auto& set : acc)
    for (R& a : set) a = V::zero();
  int64_t i = 0;
  for (; i + 4 * W <= n; i += 4 * W) {
    body(V{}, acc[0], i);
    body(V{}, acc[1], i + W);
    body(V{}, acc[2], i + 2 * W);
    body(V{}, acc[3], i + 3 * W);
  }
  if (i + W <= n) body(V{}, acc[0], i), i += W;
  if (i + W <= n) body(V{}, acc[1], i), i += W;
  if (i + W <= n) body(V{}, acc[2], i), i += W;
  for (int t = 0; t < kSums; ++t) {
    out[t] = V::hsum(V::add(V::add(acc[0][t], acc[1][t]), V::add(acc[2][t], acc[3][t])));
  }
  for (; i < n; ++i) {
    typename V::T terms[kSums] = {};
    body(Lane<typename V::T>{}, terms, i);
    for (int t = 0; t < kSums; ++t) out[t] += static_cast<double>(terms[t]);
  }
}

// out[s] = the sum over [0, n) of the terms that body(u, acc, i) adds into acc[s] for the
// vector u at i; the vectors follow the lines of anchor, an array of the run. The order is
// fixed by n alone, whatever the thread count and wherever the arrays lie: element i goes to lane i % W of accumulator set (i / W) % 4 (four independent
// add chains), each lane adds its elements in increasing i, and the sets combine as
// ((a0 + a1) + (a2 + a3)), then the lanes in double.
template <typename V, int kSums, typename Body>
void normSums(int64_t n, const typename V::T* anchor, double (&out)[kSums], Body body) {
  if constexpr (V::kParts) normSumsByLine<V>(n, anchor, out, body);
  else normSumsFromStart<V>(n, out, body);
}

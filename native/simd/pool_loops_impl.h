// Bodies of the 2x2 and 3x3/2 max-pool plane loops (see pool_loops.h). Included inside namespace
// lattice::simd::<isa> by each ISA's translation unit (after kernels/select.h), so that
// everything here is compiled with that unit's -m flags and has its own symbols.

namespace {

// The max of a 2x2 window (taps a b / c d in row-major order) by maxTap's rule, as a tap
// number 0-3: the last NaN if there is one, else the first tap equal to the max. Written
// with comparisons combined as integers (no select on data), since on real activations
// "which tap" is unpredictable and a jump on it costs more than the window's arithmetic;
// the old tap-by-tap maxTap ran the 2x2 pool of [64, 32, 26, 26] in ~5.5 ms, this in < 1.
template <typename T>
inline int windowArgmax2x2(T a, T b, T c, T d) {
  const T m = std::max(std::max(a, b), std::max(c, d));  // any value when a NaN is present: unused then
  const int ea = a == m, eb = b == m, ec = c == m;
  const int first = (1 - ea) * (1 + (1 - eb) * (1 + (1 - ec)));  // 0 if a is the max, else 1 if b, ...
  const int nb = b != b, nc = c != c, nd = d != d;
  const int lastNan = std::max(std::max(3 * nd, 2 * nc), nb);
  const int anyNan = (a != a) | nb | nc | nd;
  return first + anyNan * (lastNan - first);
}

// relu(v) as the relu op has it (v < 0 ? 0 : v: a NaN stays NaN), without a jump.
template <typename T>
inline T reluBits(T v) {
  return keepIf(!(v < T(0)), v);
}

// The common 2x2 window, stride 2, no padding, dilation or ceil-mode overhang, unrolled:
// the general loop spent most of its time on loop bounds for 4 taps (~6 ms for
// [64, 32, 26, 26]). kIndices: the max's flat position; kTaps: its tap code for
// maxPool2x2Backward (kMaxPoolTapBlocked where kRelu and the max is not > 0, as relu's
// gradient rule has it: not for 0 nor NaN). kRelu: out = relu(max), the ReLU of a
// Conv2d-ReLU-MaxPool2d block applied to the 4x smaller output.
template <bool kIndices, bool kTaps, bool kRelu, typename T>
void maxPool2x2Rows(const T* in, T* out, int32_t* indices, uint8_t* taps, const PoolGeometry& g) {
  for (int64_t y = 0; y < g.oh; ++y) {
    const T* r0 = in + 2 * y * g.w;
    const T* r1 = r0 + g.w;
    const int64_t base = 2 * y * g.w;
    for (int64_t xo = 0; xo < g.ow; ++xo) {
      const int64_t c = 2 * xo;
      const T t0 = r0[c], t1 = r0[c + 1], t2 = r1[c], t3 = r1[c + 1];
      const int at = windowArgmax2x2(t0, t1, t2, t3);
      const T m = selectBits(at == 0, t0, selectBits(at == 1, t1, selectBits(at == 2, t2, t3)));
      out[y * g.ow + xo] = kRelu ? reluBits(m) : m;
      if constexpr (kIndices) indices[y * g.ow + xo] = static_cast<int32_t>(base + c + (at & 1) + (at >> 1) * g.w);
      if constexpr (kTaps) taps[y * g.ow + xo] = static_cast<uint8_t>(kRelu ? selectBits(m > T(0), at, int(kMaxPoolTapBlocked)) : at);
    }
  }
}

// Separate loops rather than a test per window, so that each vectorises.
template <typename T>
void maxPool2x2Plane(const T* in, T* out, int32_t* indices, uint8_t* taps, bool relu, const PoolGeometry& g) {
  if (indices) maxPool2x2Rows<true, false, false>(in, out, indices, taps, g);
  else if (taps && relu) maxPool2x2Rows<false, true, true>(in, out, indices, taps, g);
  else if (taps) maxPool2x2Rows<false, true, false>(in, out, indices, taps, g);
  else if (relu) maxPool2x2Rows<false, false, true>(in, out, indices, taps, g);
  else maxPool2x2Rows<false, false, false>(in, out, indices, taps, g);
}

// The 2x2 / stride 2 backward from the forward's tap codes: all four input gradients of a
// window are written at once (gy at the max, 0 elsewhere; a blocked code matches no tap), as
// are the rows and columns no window covers. So gradIn is written once, in order, with no zero
// fill before it and no scatter through an index array after it.
template <typename T>
void maxPool2x2BackwardPlane(const uint8_t* taps, const T* go, T* gi, const PoolGeometry& g) {
  for (int64_t y = 0; y < g.oh; ++y) {
    T* g0 = gi + 2 * y * g.w;
    T* g1 = g0 + g.w;
    for (int64_t xo = 0; xo < g.ow; ++xo) {
      const int64_t c = 2 * xo;
      const int at = taps[y * g.ow + xo];
      const T v = go[y * g.ow + xo];
      g0[c] = keepIf(at == 0, v);
      g0[c + 1] = keepIf(at == 1, v);
      g1[c] = keepIf(at == 2, v);
      g1[c + 1] = keepIf(at == 3, v);
    }
    for (int64_t c = 2 * g.ow; c < g.w; ++c) g0[c] = g1[c] = T(0);
  }
  std::fill(gi + 2 * g.oh * g.w, gi + g.h * g.w, T(0));
}

// The 3x3, stride-2 window (ResNet's stem pool) on the outputs whose whole window is inside
// the input: rows [y0, y1) and columns [x0, x1) of the output, top-left tap at input
// (2y - padH, 2x - padW). The taps are scanned in row-major order by maxTap's rule (a tap is
// taken if it is greater than the best so far or is a NaN), each output's chain of 8 selects
// independent of its neighbours', so the loop over a row vectorises. The border outputs are
// pool.cc's (its generic loop gives these outputs the same values and indices).
template <bool kIndices, typename T>
void maxPool3x3s2Rows(const T* in, T* out, int32_t* indices, const PoolGeometry& g, int64_t y0, int64_t y1, int64_t x0,
                      int64_t x1) {
  for (int64_t y = y0; y < y1; ++y) {
    const int64_t top = 2 * y - g.padH;
    const T* r0 = in + top * g.w;
    const T* r1 = r0 + g.w;
    const T* r2 = r1 + g.w;
    const int32_t rowBase = static_cast<int32_t>(top * g.w - g.padW);
    const int32_t w = static_cast<int32_t>(g.w);
    for (int64_t xo = x0; xo < x1; ++xo) {
      const int64_t c = 2 * xo - g.padW;
      const int32_t p = rowBase + static_cast<int32_t>(2 * xo);
      T best = r0[c];
      int32_t at = p;
      auto tap = [&](T v, int32_t pos) {
        const bool take = (v > best) | (v != v);
        best = selectBits(take, v, best);
        at = selectBits(take, pos, at);
      };
      tap(r0[c + 1], p + 1);
      tap(r0[c + 2], p + 2);
      tap(r1[c], p + w);
      tap(r1[c + 1], p + w + 1);
      tap(r1[c + 2], p + w + 2);
      tap(r2[c], p + 2 * w);
      tap(r2[c + 1], p + 2 * w + 1);
      tap(r2[c + 2], p + 2 * w + 2);
      out[y * g.ow + xo] = best;
      if constexpr (kIndices) indices[y * g.ow + xo] = at;
    }
  }
}

template <typename T>
void maxPool3x3s2Interior(const T* in, T* out, int32_t* indices, const PoolGeometry& g, int64_t y0, int64_t y1, int64_t x0,
                          int64_t x1) {
  if (indices) maxPool3x3s2Rows<true>(in, out, indices, g, y0, y1, x0, x1);
  else maxPool3x3s2Rows<false>(in, out, indices, g, y0, y1, x0, x1);
}

}  // namespace

const PoolLoops& poolLoops() {
  static const PoolLoops loops{maxPool2x2Plane<float>, maxPool2x2Plane<double>, maxPool2x2BackwardPlane<float>,
                               maxPool2x2BackwardPlane<double>, maxPool3x3s2Interior<float>, maxPool3x3s2Interior<double>};
  return loops;
}

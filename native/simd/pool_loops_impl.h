// Bodies of the 2x2 max-pool plane loops (see pool_loops.h). Included inside namespace
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
// [64, 32, 26, 26]). indices may be null (maxPool2x2Backward needs none). kRelu: out =
// relu(max), the ReLU of a Conv2d-ReLU-MaxPool2d block applied to the 4x smaller output.
template <bool kIndices, bool kRelu, typename T>
void maxPool2x2Rows(const T* in, T* out, int32_t* indices, const PoolGeometry& g) {
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
    }
  }
}

// Separate loops rather than a test per window, so that each vectorises.
template <typename T>
void maxPool2x2Plane(const T* in, T* out, int32_t* indices, bool relu, const PoolGeometry& g) {
  if (indices) maxPool2x2Rows<true, false>(in, out, indices, g);
  else if (relu) maxPool2x2Rows<false, true>(in, out, indices, g);
  else maxPool2x2Rows<false, false>(in, out, indices, g);
}

// The 2x2 / stride 2 backward without indices: each window's max position is found again
// from x by the forward's own rule (windowArgmax2x2), and all four of its
// input gradients are written at once (gy at the max, 0 elsewhere), as are the rows and
// columns no window covers. So gradIn is written once, in order, with no zero fill before
// it and no scatter through an index array after it, and the forward need not store indices.
template <bool kRelu, typename T>
void maxPool2x2BackwardRows(const T* in, const T* go, T* gi, const PoolGeometry& g) {
  for (int64_t y = 0; y < g.oh; ++y) {
    const T* r0 = in + 2 * y * g.w;
    const T* r1 = r0 + g.w;
    T* g0 = gi + 2 * y * g.w;
    T* g1 = g0 + g.w;
    for (int64_t xo = 0; xo < g.ow; ++xo) {
      const int64_t c = 2 * xo;
      const T t0 = r0[c], t1 = r0[c + 1], t2 = r1[c], t3 = r1[c + 1];
      const int at = windowArgmax2x2(t0, t1, t2, t3);
      T v = go[y * g.ow + xo];
      if constexpr (kRelu) {
        // relu's gradient rule: it passes where the pooled max is > 0 (not for 0 nor NaN), that
        // is where some tap is > 0 and none is NaN (cheaper than selecting the max first).
        const bool positive = (t0 > T(0)) | (t1 > T(0)) | (t2 > T(0)) | (t3 > T(0));
        const bool nan = (t0 != t0) | (t1 != t1) | (t2 != t2) | (t3 != t3);
        v = keepIf(positive & !nan, v);
      }
      g0[c] = keepIf(at == 0, v);
      g0[c + 1] = keepIf(at == 1, v);
      g1[c] = keepIf(at == 2, v);
      g1[c + 1] = keepIf(at == 3, v);
    }
    for (int64_t c = 2 * g.ow; c < g.w; ++c) g0[c] = g1[c] = T(0);
  }
  std::fill(gi + 2 * g.oh * g.w, gi + g.h * g.w, T(0));
}

template <typename T>
void maxPool2x2BackwardPlane(const T* in, const T* go, T* gi, bool relu, const PoolGeometry& g) {
  if (relu) maxPool2x2BackwardRows<true>(in, go, gi, g);
  else maxPool2x2BackwardRows<false>(in, go, gi, g);
}

}  // namespace

const PoolLoops& poolLoops() {
  static const PoolLoops loops{maxPool2x2Plane<float>, maxPool2x2Plane<double>, maxPool2x2BackwardPlane<float>,
                               maxPool2x2BackwardPlane<double>};
  return loops;
}

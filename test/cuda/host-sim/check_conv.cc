// conv2d and its two backward passes (conv.cu: im2col / col2im around the FP32 GEMM; conv.cu never asks for
// TF32) against a double-precision port of src/backend/reference/conv.ts: the forward and both adjoints visit
// the same (output, tap) pairs. Outputs start as NaN so that an element a pass fails to write shows up.
#include "check.h"

using D = std::vector<double>;

// Symmetric padding by default; padH/padW are the top/left pads and an explicit oh/ow implies the bottom/right
// ones (ConvGeometry in src/backend/backend.ts), which is how asymmetric 'same' padding arrives.
static ConvShape shape(int64_t n, int64_t c, int64_t h, int64_t w, int64_t o, int64_t kh, int64_t kw, int64_t s, int64_t ph, int64_t pw,
                       int64_t d, int64_t groups, int64_t oh = 0, int64_t ow = 0) {
  if (!oh) oh = (h + 2 * ph - d * (kh - 1) - 1) / s + 1;
  if (!ow) ow = (w + 2 * pw - d * (kw - 1) - 1) / s + 1;
  return {n, c, h, w, o, oh, ow, kh, kw, s, s, ph, pw, d, d, groups};
}

template <class F> static void forEachTap(const ConvShape& g, F visit) {
  const int64_t cg = g.c / g.groups, og = g.o / g.groups;
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t oc = 0; oc < g.o; ++oc)
      for (int64_t y = 0; y < g.oh; ++y)
        for (int64_t x = 0; x < g.ow; ++x)
          for (int64_t ic = 0; ic < cg; ++ic)
            for (int64_t ky = 0; ky < g.kh; ++ky) {
              const int64_t iy = y * g.strideH - g.padH + ky * g.dilationH;
              if (iy < 0 || iy >= g.h) continue;
              for (int64_t kx = 0; kx < g.kw; ++kx) {
                const int64_t ix = x * g.strideW - g.padW + kx * g.dilationW;
                if (ix < 0 || ix >= g.w) continue;
                visit(((b * g.c + oc / og * cg + ic) * g.h + iy) * g.w + ix, ((oc * cg + ic) * g.kh + ky) * g.kw + kx,
                      ((b * g.o + oc) * g.oh + y) * g.ow + x);
              }
            }
}

template <class T> static void run(DType t, const char* what, const ConvShape& g, bool withBias, double tol) {
  const size_t nx = g.n * g.c * g.h * g.w, nw = g.o * (g.c / g.groups) * g.kh * g.kw, ny = g.n * g.o * g.oh * g.ow;
  auto rnd = [](size_t n) { V v = randv(n); return std::vector<T>(v.begin(), v.end()); };
  std::vector<T> x = rnd(nx), w = rnd(nw), b = rnd(g.o), gy = rnd(ny), y(ny, NAN), gx(nx, NAN), gw(nw, NAN);
  conv2d(t, x.data(), w.data(), withBias ? b.data() : nullptr, y.data(), g);
  conv2dBackwardInput(t, gy.data(), w.data(), gx.data(), g);
  conv2dBackwardWeight(t, x.data(), gy.data(), gw.data(), g);
  D ry(ny, 0), rgx(nx, 0), rgw(nw, 0);
  forEachTap(g, [&](int64_t xi, int64_t wi, int64_t oi) { ry[oi] += double(x[xi]) * w[wi]; rgx[xi] += double(gy[oi]) * w[wi]; rgw[wi] += double(gy[oi]) * x[xi]; });
  if (withBias) for (size_t i = 0; i < ny; ++i) ry[i] += b[i / (g.oh * g.ow) % g.o];
  printf("conv2d %s%s: n%ld c%ld %ldx%ld -> o%ld %ldx%ld\n", what, withBias ? " +bias" : "", g.n, g.c, g.h, g.w, g.o, g.oh, g.ow);
  auto c = [&](const char* label, const std::vector<T>& a, const D& r) { cmp(label, V(a.begin(), a.end()), r, tol); };
  c(" out", y, ry); c(" gradInput", gx, rgx); c(" gradWeight", gw, rgw);
}

void checkConv() {
  const double tol = 1e-5;  // float32 sums of up to a few hundred products of size ~1, against double
  //                          n  c  h  w  o kh kw s ph pw d groups
  run<float>(DType::F32, "3x3 p1", shape(2, 3, 8, 7, 4, 3, 3, 1, 1, 1, 1, 1), true, tol);
  run<float>(DType::F32, "3x3 p1", shape(2, 3, 8, 7, 4, 3, 3, 1, 1, 1, 1, 1), false, tol);
  run<float>(DType::F32, "3x3 s2 p1 odd", shape(3, 2, 9, 7, 3, 3, 3, 2, 1, 1, 1, 1), true, tol);
  run<float>(DType::F32, "3x3 dilation 2 p2", shape(2, 2, 9, 9, 3, 3, 3, 1, 2, 2, 2, 1), false, tol);
  run<float>(DType::F32, "3x3 s2 dilation 2 p1", shape(2, 3, 9, 8, 2, 3, 3, 2, 1, 1, 2, 1), true, tol);
  run<float>(DType::F32, "3x3 p1 groups 2", shape(2, 4, 6, 6, 6, 3, 3, 1, 1, 1, 1, 2), true, tol);
  run<float>(DType::F32, "3x3 p1 depthwise", shape(2, 4, 5, 7, 4, 3, 3, 1, 1, 1, 1, 4), false, tol);
  run<float>(DType::F32, "1x1", shape(2, 5, 5, 4, 3, 1, 1, 1, 0, 0, 1, 1), true, tol);
  // 'same' for a 2x4 kernel: pads top 0 / bottom 1, left 1 / right 2.
  run<float>(DType::F32, "2x4 same (asymmetric pads)", shape(2, 3, 6, 5, 4, 2, 4, 1, 0, 1, 1, 1, 6, 5), true, tol);
  // float64 (cmp rounds the results to float32, so this checks the indexing).
  run<double>(DType::F64, "float64 3x3 s2 p1 groups 2", shape(2, 4, 7, 6, 4, 3, 3, 2, 1, 1, 1, 2), true, 1e-7);
}

// Pooling (pool.cu) against double-precision ports of src/backend/reference/pool.ts. Outputs start as NaN so
// that an element a kernel fails to write shows up.
#include "check.h"

using D = std::vector<double>;

// PyTorch's pooled size (poolGeometry in src/ops/pool.ts): ceil mode adds a last, overhanging window when it
// starts inside the input or its left padding. PoolShape carries only the result.
static int64_t pooled(int64_t n, int64_t k, int64_t pad, int64_t s, int64_t d, bool ceil) {
  int64_t out = (n + 2 * pad - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s + 1;
  if (ceil && (out - 1) * s >= n + pad) out--;
  return out;
}
static PoolShape shape(int64_t planes, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                       int64_t dh, int64_t dw, bool ceil) {
  return {planes, h, w, pooled(h, kh, ph, sh, dh, ceil), pooled(w, kw, pw, sw, dw, ceil), kh, kw, sh, sw, ph, pw, dh, dw};
}

template <class T>
static void maxRef(const std::vector<T>& x, const PoolShape& g, D& out, std::vector<int32_t>& idx) {
  out.assign(g.planes * g.oh * g.ow, 0); idx.assign(out.size(), 0);
  for (int64_t p = 0; p < g.planes; ++p)
    for (int64_t y = 0; y < g.oh; ++y)
      for (int64_t xo = 0; xo < g.ow; ++xo) {
        int64_t y0 = y * g.strideH - g.padH, x0 = xo * g.strideW - g.padW;
        const int64_t y1 = std::min(y0 + (g.kh - 1) * g.dilationH + 1, g.h), x1 = std::min(x0 + (g.kw - 1) * g.dilationW + 1, g.w);
        while (y0 < 0) y0 += g.dilationH;
        while (x0 < 0) x0 += g.dilationW;
        double best = -INFINITY; int64_t at = y0 * g.w + x0;
        for (int64_t iy = y0; iy < y1; iy += g.dilationH)
          for (int64_t ix = x0; ix < x1; ix += g.dilationW) {
            const double v = x[p * g.h * g.w + iy * g.w + ix];
            if (v > best || v != v) { best = v; at = iy * g.w + ix; }
          }
        const int64_t o = (p * g.oh + y) * g.ow + xo; out[o] = best; idx[o] = int32_t(at);
      }
}

// The window clipped to the input and its divisor (avgWindow in reference/pool.ts).
struct Win { int64_t y0, y1, x0, x1; double d; };
static Win avgWin(const PoolShape& g, int64_t y, int64_t xo, bool cip, int64_t divisor) {
  int64_t y0 = y * g.strideH - g.padH, x0 = xo * g.strideW - g.padW;
  int64_t y1 = std::min(y0 + g.kh, g.h + g.padH), x1 = std::min(x0 + g.kw, g.w + g.padW);
  const int64_t padded = (y1 - y0) * (x1 - x0);
  y0 = std::max<int64_t>(y0, 0); x0 = std::max<int64_t>(x0, 0); y1 = std::min(y1, g.h); x1 = std::min(x1, g.w);
  return {y0, y1, x0, x1, divisor > 0 ? double(divisor) : cip ? double(padded) : double((y1 - y0) * (x1 - x0))};
}
// Forward (out = window sums / d) and backward (gx += gy / d over the window) in one walk.
template <class T>
static void avgRef(const std::vector<T>& x, const std::vector<T>& gy, const PoolShape& g, bool cip, int64_t divisor, D& out, D& gx) {
  out.assign(g.planes * g.oh * g.ow, 0); gx.assign(x.size(), 0);
  for (int64_t p = 0; p < g.planes; ++p)
    for (int64_t y = 0; y < g.oh; ++y)
      for (int64_t xo = 0; xo < g.ow; ++xo) {
        const Win w = avgWin(g, y, xo, cip, divisor); const int64_t o = (p * g.oh + y) * g.ow + xo; double s = 0;
        for (int64_t iy = w.y0; iy < w.y1; ++iy)
          for (int64_t ix = w.x0; ix < w.x1; ++ix) { s += x[(p * g.h + iy) * g.w + ix]; gx[(p * g.h + iy) * g.w + ix] += gy[o] / w.d; }
        out[o] = w.y0 < w.y1 && w.x0 < w.x1 ? s / w.d : 0;
      }
}

// Ties (values on a grid of 0.5), NaNs side by side (each NaN replaces the running max, so a window holding
// both reports the later one, as PyTorch's CPU kernel), and a -inf in the max-pool input.
static V poolInput(size_t n) {
  V x = randv(n, 2); for (auto& v : x) v = std::round(v * 2) / 2;
  x[n / 3] = x[n / 3 + 1] = NAN; x[n / 2] = -INFINITY; return x;
}

static void maxCase(const char* what, const PoolShape& g) {
  const size_t n = g.planes * g.h * g.w, m = g.planes * g.oh * g.ow;
  V x = poolInput(n), gy = randv(m), out(m, NAN), gx(n, NAN); std::vector<int32_t> idx(m, -7), ri; D r, rgx(n, 0);
  maxPool2d(DType::F32, x.data(), out.data(), idx.data(), g);
  maxPool2dBackward(DType::F32, gy.data(), idx.data(), gx.data(), g);
  maxRef(x, g, r, ri);
  for (size_t o = 0; o < m; ++o) if (ri[o] >= 0 && ri[o] < g.h * g.w) rgx[(o / (g.oh * g.ow)) * g.h * g.w + ri[o]] += gy[o];
  printf("maxPool2d %s: %ldx%ld -> %ldx%ld\n", what, g.h, g.w, g.oh, g.ow);
  cmp(" out", out, r); expectTrue(" indices (first max, NaN wins)", idx == ri); cmp(" grad", gx, rgx);
}

static void avgCase(const char* what, const PoolShape& g, bool cip, int64_t divisor) {
  const size_t n = g.planes * g.h * g.w, m = g.planes * g.oh * g.ow;
  V x = randv(n), gy = randv(m), out(m, NAN), gx(n, NAN); D r, rgx;
  avgPool2d(DType::F32, x.data(), out.data(), g, cip, divisor);
  avgPool2dBackward(DType::F32, gy.data(), gx.data(), g, cip, divisor);
  avgRef(x, gy, g, cip, divisor, r, rgx);
  printf("avgPool2d %s: %ldx%ld -> %ldx%ld countIncludePad=%d divisor=%ld\n", what, g.h, g.w, g.oh, g.ow, cip, divisor);
  cmp(" out", out, r); cmp(" grad", gx, rgx);
}

// Window i along n -> m is [floor(i n / m), ceil((i + 1) n / m)).
static void adaptiveCase(int64_t planes, int64_t h, int64_t w, int64_t oh, int64_t ow) {
  V x = randv(planes * h * w), gy = randv(planes * oh * ow), out(gy.size(), NAN), gx(x.size(), NAN);
  D r(out.size(), 0), rgx(x.size(), 0);
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo) {
        const int64_t y0 = y * h / oh, y1 = ((y + 1) * h + oh - 1) / oh, x0 = xo * w / ow, x1 = ((xo + 1) * w + ow - 1) / ow;
        const double cnt = double((y1 - y0) * (x1 - x0)); const int64_t o = (p * oh + y) * ow + xo;
        for (int64_t iy = y0; iy < y1; ++iy)
          for (int64_t ix = x0; ix < x1; ++ix) { r[o] += x[(p * h + iy) * w + ix] / cnt; rgx[(p * h + iy) * w + ix] += gy[o] / cnt; }
      }
  adaptiveAvgPool2d(DType::F32, x.data(), out.data(), planes, h, w, oh, ow);
  adaptiveAvgPool2dBackward(DType::F32, gy.data(), gx.data(), planes, h, w, oh, ow);
  printf("adaptiveAvgPool2d %ldx%ld -> %ldx%ld\n", h, w, oh, ow);
  cmp(" out", out, r); cmp(" grad", gx, rgx);
}

// float64 kernels: the same code at T = double (cmpd rounds the results to float32, so this checks the indexing).
static void f64Case(const PoolShape& g) {
  const size_t n = g.planes * g.h * g.w, m = g.planes * g.oh * g.ow;
  V xf = poolInput(n), gf = randv(m); std::vector<double> x(xf.begin(), xf.end()), gy(gf.begin(), gf.end()), out(m, NAN), gx(n, NAN);
  std::vector<int32_t> idx(m), ri; D r, rgx;
  maxPool2d(DType::F64, x.data(), out.data(), idx.data(), g); maxRef(x, g, r, ri);
  printf("pool float64: %ldx%ld -> %ldx%ld\n", g.h, g.w, g.oh, g.ow);
  cmpd(" maxPool2d out", out, r, 1e-7); expectTrue(" maxPool2d indices", idx == ri);
  for (auto& v : x) if (!std::isfinite(v)) v = 0;
  avgPool2d(DType::F64, x.data(), out.data(), g, false, 0); avgPool2dBackward(DType::F64, gy.data(), gx.data(), g, false, 0);
  avgRef(x, gy, g, false, 0, r, rgx);
  cmpd(" avgPool2d out", out, r, 1e-7); cmpd(" avgPool2d grad", gx, rgx, 1e-7);
}

void checkPool() {
  //          planes h  w kh kw sh sw ph pw dh dw ceil
  maxCase("k2 s2", shape(3, 8, 6, 2, 2, 2, 2, 0, 0, 1, 1, false));
  maxCase("k3 s2 p1 ceil (overhang)", shape(2, 8, 7, 3, 3, 2, 2, 1, 1, 1, 1, true));
  maxCase("k3 s2 p1 odd", shape(2, 9, 7, 3, 3, 2, 2, 1, 1, 1, 1, false));
  maxCase("k2x3 s1x2 p1 dilation 2x1 ceil", shape(2, 7, 9, 2, 3, 1, 2, 1, 1, 2, 1, true));
  maxCase("k3 s1 p1 dilation 2", shape(2, 6, 5, 3, 3, 1, 1, 1, 1, 2, 2, false));
  const PoolShape k3 = shape(2, 8, 7, 3, 3, 2, 2, 1, 1, 1, 1, true), odd = shape(2, 7, 5, 3, 2, 2, 1, 1, 0, 1, 1, false);
  avgCase("k2 s2", shape(3, 8, 6, 2, 2, 2, 2, 0, 0, 1, 1, false), false, 0);
  for (bool cip : {false, true}) { avgCase("k3 s2 p1 ceil", k3, cip, 0); avgCase("k3x2 s2x1 p1x0", odd, cip, 0); }
  avgCase("k3 s2 p1 ceil", k3, false, 5);
  adaptiveCase(3, 7, 7, 3, 3); adaptiveCase(2, 3, 3, 5, 5); adaptiveCase(2, 7, 3, 3, 5); adaptiveCase(2, 6, 8, 3, 4);
  f64Case(shape(2, 8, 7, 3, 3, 2, 2, 1, 1, 1, 1, true));
}

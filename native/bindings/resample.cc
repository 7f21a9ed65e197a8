// Bindings of the resampling kernels (native/kernels/resample.h):
//   resample2d(x, out, planes, h, w, oh, ow, rowIndex Int32Array[oh*ky], rowWeight Float64Array[oh*ky], ky,
//              colIndex Int32Array[ow*kx], colWeight Float64Array[ow*kx], kx)
//   resample2dBackward(gradOut, gradIn, planes, h, w, oh, ow, ...the same taps)
//   gridSample2d(x, grid, out, geometry Int32Array [n, c, h, w, oh, ow], nearest, border, alignCorners)
//   gridSample2dBackward(gradOut, x, grid, gradX | null, gradGrid | null, geometry, nearest, border, alignCorners)
#include <string>

#include "../args.h"
#include "../kernels/resample.h"
#include "bindings.h"

namespace lattice {
namespace {

// Taps along one dim: lengths out * taps, every index in [0, in) (the kernel reads at them).
ResampleTaps tapsArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* dim, int64_t in, int64_t out) {
  Napi::Env env = info.Env();
  const std::string d(dim);
  ArrayArg index = arrayArgOf(info, i, fn, (d + "Index").c_str(), ElemType::I32);
  ArrayArg weight = arrayArgOf(info, i + 1, fn, (d + "Weight").c_str(), ElemType::F64);
  const int64_t taps = intArg(info, i + 2, fn, (d == "row" ? "ky" : "kx"), 1, 64);
  const int64_t n = checkedProduct(env, {out, taps}, fn, (d + " taps").c_str());
  requireLength(env, index, n, fn, (d + "Index").c_str());
  requireLength(env, weight, n, fn, (d + "Weight").c_str());
  const auto* idx = static_cast<const int32_t*>(index.data);
  for (int64_t k = 0; k < n; ++k)
    if (idx[k] < 0 || idx[k] >= in)
      throwRange(env, std::string(fn) + ": " + d + "Index[" + std::to_string(k) + "] = " + std::to_string(idx[k]) +
                          " is outside [0, " + std::to_string(in) + ")");
  return {taps, idx, static_cast<const double*>(weight.data)};
}

template <bool Backward>
void Resample(const Napi::CallbackInfo& info) {
  const char* fn = Backward ? "resample2dBackward" : "resample2d";
  Napi::Env env = info.Env();
  ArrayArg src = arrayArg(info, 0, fn, Backward ? "gradOut" : "x"), dst = arrayArg(info, 1, fn, Backward ? "gradIn" : "out");
  const int64_t planes = intArg(info, 2, fn, "planes"), h = intArg(info, 3, fn, "h"), w = intArg(info, 4, fn, "w");
  const int64_t oh = intArg(info, 5, fn, "oh"), ow = intArg(info, 6, fn, "ow");
  const ResampleTaps rows = tapsArg(info, 7, fn, "row", h, oh), cols = tapsArg(info, 10, fn, "col", w, ow);
  requireFloat(env, src, fn, Backward ? "gradOut" : "x");
  requireSameType(env, src, dst, fn, Backward ? "gradOut" : "x", Backward ? "gradIn" : "out");
  const int64_t inputs = checkedProduct(env, {planes, h, w}, fn, "the input"), outputs = checkedProduct(env, {planes, oh, ow}, fn, "the output");
  requireLength(env, src, Backward ? outputs : inputs, fn, Backward ? "gradOut" : "x");
  requireLength(env, dst, Backward ? inputs : outputs, fn, Backward ? "gradIn" : "out");
  requireDisjoint(env, dst, src, fn, Backward ? "gradIn" : "out", Backward ? "gradOut" : "x");
  Context& ctx = ctxOf(info);
  if (src.type == ElemType::F32) {
    auto* s = static_cast<const float*>(src.data);
    auto* d = static_cast<float*>(dst.data);
    if (Backward) resample2dBackward(ctx, s, d, planes, h, w, oh, ow, rows, cols);
    else resample2d(ctx, s, d, planes, h, w, oh, ow, rows, cols);
  } else {
    auto* s = static_cast<const double*>(src.data);
    auto* d = static_cast<double*>(dst.data);
    if (Backward) resample2dBackward(ctx, s, d, planes, h, w, oh, ow, rows, cols);
    else resample2d(ctx, s, d, planes, h, w, oh, ow, rows, cols);
  }
}

GridSampleGeometry geometryArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  Napi::Env env = info.Env();
  ArrayArg geometry = arrayArgOf(info, i, fn, "geometry", ElemType::I32);
  if (geometry.length != 6) throwRange(env, std::string(fn) + ": geometry must hold 6 ints [n, c, h, w, oh, ow], got " + std::to_string(geometry.length));
  const auto* v = static_cast<const int32_t*>(geometry.data);
  static const char* const names[6] = {"n", "c", "h", "w", "oh", "ow"};
  for (int k = 0; k < 6; ++k)
    if (v[k] < 0) throwRange(env, std::string(fn) + ": geometry " + names[k] + " must be >= 0, got " + std::to_string(v[k]));
  return {v[0], v[1], v[2], v[3], v[4], v[5], boolArg(info, i + 1, fn, "nearest"), boolArg(info, i + 2, fn, "border"),
          boolArg(info, i + 3, fn, "alignCorners")};
}

void GridSample(const Napi::CallbackInfo& info) {
  const char* fn = "gridSample2d";
  Napi::Env env = info.Env();
  ArrayArg x = arrayArg(info, 0, fn, "x"), grid = arrayArg(info, 1, fn, "grid"), out = arrayArg(info, 2, fn, "out");
  const GridSampleGeometry g = geometryArg(info, 3, fn);
  requireFloat(env, x, fn, "x");
  requireSameType(env, x, grid, fn, "x", "grid");
  requireSameType(env, x, out, fn, "x", "out");
  requireLength(env, x, checkedProduct(env, {g.n, g.c, g.h, g.w}, fn, "x"), fn, "x");
  requireLength(env, grid, checkedProduct(env, {g.n, g.oh, g.ow, 2}, fn, "grid"), fn, "grid");
  requireLength(env, out, checkedProduct(env, {g.n, g.c, g.oh, g.ow}, fn, "out"), fn, "out");
  requireDisjoint(env, out, x, fn, "out", "x");
  requireDisjoint(env, out, grid, fn, "out", "grid");
  Context& ctx = ctxOf(info);
  if (x.type == ElemType::F32)
    gridSample2d(ctx, static_cast<const float*>(x.data), static_cast<const float*>(grid.data), static_cast<float*>(out.data), g);
  else
    gridSample2d(ctx, static_cast<const double*>(x.data), static_cast<const double*>(grid.data), static_cast<double*>(out.data), g);
}

void GridSampleBackward(const Napi::CallbackInfo& info) {
  const char* fn = "gridSample2dBackward";
  Napi::Env env = info.Env();
  ArrayArg gy = arrayArg(info, 0, fn, "gradOut"), x = arrayArg(info, 1, fn, "x"), grid = arrayArg(info, 2, fn, "grid");
  const bool wantX = !isNullish(info, 3), wantGrid = !isNullish(info, 4);
  ArrayArg gx, gg;
  if (wantX) gx = arrayArg(info, 3, fn, "gradX");
  if (wantGrid) gg = arrayArg(info, 4, fn, "gradGrid");
  const GridSampleGeometry g = geometryArg(info, 5, fn);
  requireFloat(env, x, fn, "x");
  requireSameType(env, x, gy, fn, "x", "gradOut");
  requireSameType(env, x, grid, fn, "x", "grid");
  const int64_t xs = checkedProduct(env, {g.n, g.c, g.h, g.w}, fn, "x"), gs = checkedProduct(env, {g.n, g.oh, g.ow, 2}, fn, "grid");
  requireLength(env, x, xs, fn, "x");
  requireLength(env, grid, gs, fn, "grid");
  requireLength(env, gy, checkedProduct(env, {g.n, g.c, g.oh, g.ow}, fn, "gradOut"), fn, "gradOut");
  auto checkGradient = [&](const ArrayArg& a, const char* name, int64_t length) {
    requireSameType(env, x, a, fn, "x", name);
    requireLength(env, a, length, fn, name);
    requireDisjoint(env, a, x, fn, name, "x");
    requireDisjoint(env, a, grid, fn, name, "grid");
    requireDisjoint(env, a, gy, fn, name, "gradOut");
  };
  if (wantX) checkGradient(gx, "gradX", xs);
  if (wantGrid) checkGradient(gg, "gradGrid", gs);
  if (wantX && wantGrid) requireDisjoint(env, gx, gg, fn, "gradX", "gradGrid");
  Context& ctx = ctxOf(info);
  if (x.type == ElemType::F32)
    gridSample2dBackward(ctx, static_cast<const float*>(gy.data), static_cast<const float*>(x.data), static_cast<const float*>(grid.data),
                         wantX ? static_cast<float*>(gx.data) : nullptr, wantGrid ? static_cast<float*>(gg.data) : nullptr, g);
  else
    gridSample2dBackward(ctx, static_cast<const double*>(gy.data), static_cast<const double*>(x.data), static_cast<const double*>(grid.data),
                         wantX ? static_cast<double*>(gx.data) : nullptr, wantGrid ? static_cast<double*>(gg.data) : nullptr, g);
}

}  // namespace

void registerResampleBindings(Napi::Env env, Napi::Object exports) {
  exportBinding(env, exports, "resample2d", Resample<false>);
  exportBinding(env, exports, "resample2dBackward", Resample<true>);
  exportBinding(env, exports, "gridSample2d", GridSample);
  exportBinding(env, exports, "gridSample2dBackward", GridSampleBackward);
}

}  // namespace lattice

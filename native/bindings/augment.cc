// Bindings of the image-batch augmentation kernels (native/kernels/augment.h):
//   cropFlip2d(x, out, geometry [n, c, h, w, oh, ow] Int32Array, top Int32Array[n], left Int32Array[n],
//              flip Uint8Array[n] | null, reflect, fill)
//   affine2d(x, out, n, c, h, w, matrices Float64Array[6n], nearest, fill Float64Array[c])
//   erase2d(x, out, n, c, h, w, boxes Int32Array[4n], values Float64Array[c])
#include <string>

#include "../args.h"
#include "../kernels/augment.h"
#include "bindings.h"

namespace lattice {
namespace {

void requireFloatPair(Napi::Env env, const ArrayArg& x, const ArrayArg& out, const char* fn) {
  if (x.type != ElemType::F32 && x.type != ElemType::F64) throwType(env, std::string(fn) + ": x must be a Float32Array or Float64Array");
  if (x.type != out.type)
    throwType(env, std::string(fn) + ": x is a " + typeName(x.type) + " but out is a " + typeName(out.type));
}

void requireDisjoint(Napi::Env env, const ArrayArg& out, const ArrayArg& in, const char* fn) {
  const auto* o = static_cast<const uint8_t*>(out.data);
  const auto* i = static_cast<const uint8_t*>(in.data);
  if (out.byteLength > 0 && in.byteLength > 0 && o < i + in.byteLength && i < o + out.byteLength)
    throwRange(env, std::string(fn) + ": out must not share memory with x");
}

// The four leading size arguments n, c, h, w at info[i..i+3].
struct Sizes { int64_t n, c, h, w; };
Sizes sizesArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  return {intArg(info, i, fn, "n"), intArg(info, i + 1, fn, "c"), intArg(info, i + 2, fn, "h"), intArg(info, i + 3, fn, "w")};
}

void CropFlip2d(const Napi::CallbackInfo& info) {
  const char* fn = "cropFlip2d";
  Napi::Env env = info.Env();
  ArrayArg x = arrayArg(info, 0, fn, "x"), out = arrayArg(info, 1, fn, "out");
  ArrayArg geometry = arrayArgOf(info, 2, fn, "geometry", ElemType::I32);
  if (geometry.length != 6) throwRange(env, std::string(fn) + ": geometry must hold 6 ints [n, c, h, w, oh, ow], got " + std::to_string(geometry.length));
  const auto* v = static_cast<const int32_t*>(geometry.data);
  static const char* const names[6] = {"n", "c", "h", "w", "oh", "ow"};
  for (int k = 0; k < 6; ++k)
    if (v[k] < 0) throwRange(env, std::string(fn) + ": geometry " + names[k] + " must be >= 0, got " + std::to_string(v[k]));
  const CropGeometry g{v[0], v[1], v[2], v[3], v[4], v[5]};
  ArrayArg top = arrayArgOf(info, 3, fn, "top", ElemType::I32), left = arrayArgOf(info, 4, fn, "left", ElemType::I32);
  const bool hasFlip = !isNullish(info, 5);
  ArrayArg flip;
  if (hasFlip) flip = arrayArgOf(info, 5, fn, "flip", ElemType::U8);
  const bool reflect = boolArg(info, 6, fn, "reflect");
  const double fill = numberArg(info, 7, fn, "fill");
  requireFloatPair(env, x, out, fn);
  requireLength(env, x, checkedProduct(env, {g.n, g.c, g.h, g.w}, fn, "x"), fn, "x");
  const int64_t outputs = checkedProduct(env, {g.n, g.c, g.oh, g.ow}, fn, "out");
  requireLength(env, out, outputs, fn, "out");
  requireLength(env, top, g.n, fn, "top");
  requireLength(env, left, g.n, fn, "left");
  if (hasFlip) requireLength(env, flip, g.n, fn, "flip");
  // Every output pixel reads the image (directly or mirrored), so an empty image cannot feed a non-empty output.
  if (outputs > 0 && (g.h == 0 || g.w == 0)) throwRange(env, std::string(fn) + ": cannot crop an empty image into a non-empty one");
  requireDisjoint(env, out, x, fn);
  Context& ctx = ctxOf(info);
  const auto* t = static_cast<const int32_t*>(top.data);
  const auto* l = static_cast<const int32_t*>(left.data);
  const auto* f = hasFlip ? static_cast<const uint8_t*>(flip.data) : nullptr;
  if (x.type == ElemType::F32)
    cropFlip2d(ctx, static_cast<const float*>(x.data), static_cast<float*>(out.data), g, t, l, f, reflect, fill);
  else
    cropFlip2d(ctx, static_cast<const double*>(x.data), static_cast<double*>(out.data), g, t, l, f, reflect, fill);
}

void Affine2d(const Napi::CallbackInfo& info) {
  const char* fn = "affine2d";
  Napi::Env env = info.Env();
  ArrayArg x = arrayArg(info, 0, fn, "x"), out = arrayArg(info, 1, fn, "out");
  const Sizes s = sizesArg(info, 2, fn);
  ArrayArg matrices = arrayArgOf(info, 6, fn, "matrices", ElemType::F64);
  const bool nearest = boolArg(info, 7, fn, "nearest");
  ArrayArg fill = arrayArgOf(info, 8, fn, "fill", ElemType::F64);
  requireFloatPair(env, x, out, fn);
  const int64_t total = checkedProduct(env, {s.n, s.c, s.h, s.w}, fn, "x");
  requireLength(env, x, total, fn, "x");
  requireLength(env, out, total, fn, "out");
  requireLength(env, matrices, checkedProduct(env, {s.n, 6}, fn, "matrices"), fn, "matrices");
  requireLength(env, fill, s.c, fn, "fill");
  requireDisjoint(env, out, x, fn);
  Context& ctx = ctxOf(info);
  const auto* m = static_cast<const double*>(matrices.data);
  const auto* f = static_cast<const double*>(fill.data);
  if (x.type == ElemType::F32)
    affine2d(ctx, static_cast<const float*>(x.data), static_cast<float*>(out.data), s.n, s.c, s.h, s.w, m, nearest, f);
  else
    affine2d(ctx, static_cast<const double*>(x.data), static_cast<double*>(out.data), s.n, s.c, s.h, s.w, m, nearest, f);
}

void Erase2d(const Napi::CallbackInfo& info) {
  const char* fn = "erase2d";
  Napi::Env env = info.Env();
  ArrayArg x = arrayArg(info, 0, fn, "x"), out = arrayArg(info, 1, fn, "out");
  const Sizes s = sizesArg(info, 2, fn);
  ArrayArg boxes = arrayArgOf(info, 6, fn, "boxes", ElemType::I32);
  ArrayArg values = arrayArgOf(info, 7, fn, "values", ElemType::F64);
  requireFloatPair(env, x, out, fn);
  const int64_t total = checkedProduct(env, {s.n, s.c, s.h, s.w}, fn, "x");
  requireLength(env, x, total, fn, "x");
  requireLength(env, out, total, fn, "out");
  requireLength(env, boxes, 4 * s.n, fn, "boxes");
  requireLength(env, values, s.c, fn, "values");
  const auto* bx = static_cast<const int32_t*>(boxes.data);
  // Boxes are clipped by the kernel; negative sizes are a caller's bug, so name them.
  for (int64_t b = 0; b < s.n; ++b)
    if (bx[4 * b + 2] < 0 || bx[4 * b + 3] < 0)
      throwRange(env, std::string(fn) + ": box " + std::to_string(b) + " has a negative size " + std::to_string(bx[4 * b + 2]) + "x" +
                          std::to_string(bx[4 * b + 3]));
  requireDisjoint(env, out, x, fn);
  Context& ctx = ctxOf(info);
  const auto* vals = static_cast<const double*>(values.data);
  if (x.type == ElemType::F32)
    erase2d(ctx, static_cast<const float*>(x.data), static_cast<float*>(out.data), s.n, s.c, s.h, s.w, bx, vals);
  else
    erase2d(ctx, static_cast<const double*>(x.data), static_cast<double*>(out.data), s.n, s.c, s.h, s.w, bx, vals);
}

}  // namespace

void registerAugmentBindings(Napi::Env env, Napi::Object exports) {
  exportBinding(env, exports, "cropFlip2d", CropFlip2d);
  exportBinding(env, exports, "affine2d", Affine2d);
  exportBinding(env, exports, "erase2d", Erase2d);
}

}  // namespace lattice

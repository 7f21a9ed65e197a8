// Bindings of the pooling kernels. Max/avg pooling take the geometry as one Int32Array of
// 13 ints in PoolGeometry's field order:
//   [planes, h, w, oh, ow, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW]
#include <string>

#include "../args.h"
#include "../kernels/pool.h"
#include "bindings.h"

namespace lattice {
namespace {

int64_t planeElements(Napi::Env env, int64_t planes, int64_t h, int64_t w, const char* fn, const char* what) {
  const double p = static_cast<double>(planes) * static_cast<double>(h) * static_cast<double>(w);
  if (p > static_cast<double>(INT32_MAX)) throwRange(env, std::string(fn) + ": " + what + " would have more than 2^31-1 elements");
  return static_cast<int64_t>(p);
}

PoolGeometry geometryArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  Napi::Env env = info.Env();
  ArrayArg a = arrayArgOf(info, i, fn, "geometry", ElemType::I32);
  if (a.length != 13) throwRange(env, std::string(fn) + ": geometry must hold 13 ints, got " + std::to_string(a.length));
  const auto* v = static_cast<const int32_t*>(a.data);
  static const char* const names[13] = {"planes", "h", "w", "oh", "ow", "kh", "kw", "strideH", "strideW", "padH", "padW",
                                        "dilationH", "dilationW"};
  static constexpr int32_t minimum[13] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1};
  for (int k = 0; k < 13; ++k)
    if (v[k] < minimum[k])
      throwRange(env, std::string(fn) + ": geometry " + names[k] + " must be >= " + std::to_string(minimum[k]) + ", got " +
                          std::to_string(v[k]));
  return PoolGeometry{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12]};
}

// Checks a max pool's gradOut ([planes, oh, ow]) and gradInput ([planes, h, w]): one float type, their
// lengths, no overlap. Returns the windows, gradOut's length (that of the indices or tap codes too).
int64_t requireMaxPoolGradients(Napi::Env env, const ArrayArg& go, const ArrayArg& gi, const PoolGeometry& g, const char* fn) {
  requireFloat(env, go, fn, "gradOut");
  requireSameType(env, go, gi, fn, "gradOut", "gradInput");
  const int64_t windows = planeElements(env, g.planes, g.oh, g.ow, fn, "gradOut");
  requireLength(env, go, windows, fn, "gradOut");
  requireLength(env, gi, planeElements(env, g.planes, g.h, g.w, fn, "gradInput"), fn, "gradInput");
  requireDisjoint(env, gi, go, fn, "gradInput", "gradOut");
  return windows;
}

// maxPool2d(x, out, indices, geometry, relu?, taps?); indices may be null for a 2x2 stride-2 window, and then taps
// (a Uint8Array of out's length, or null) gets each window's tap code for maxPool2x2Backward; relu (out = relu(max))
// only without indices
void MaxPool2d(const Napi::CallbackInfo& info) {
  const char* fn = "maxPool2d";
  Napi::Env env = info.Env();
  ArrayArg x = arrayArg(info, 0, fn, "x"), out = arrayArg(info, 1, fn, "out");
  const bool noIndices = isNullish(info, 2);
  ArrayArg idx = noIndices ? ArrayArg{} : arrayArgOf(info, 2, fn, "indices", ElemType::I32);
  const PoolGeometry g = geometryArg(info, 3, fn);
  requireFloat(env, x, fn, "x");
  requireSameType(env, x, out, fn, "x", "out");
  requireLength(env, x, planeElements(env, g.planes, g.h, g.w, fn, "x"), fn, "x");
  const int64_t n = planeElements(env, g.planes, g.oh, g.ow, fn, "out");
  requireLength(env, out, n, fn, "out");
  if (noIndices && !isMaxPool2x2(g)) throwType(env, std::string(fn) + ": indices may be null only for a 2x2 window with stride 2 and no padding or dilation");
  if (!noIndices) requireLength(env, idx, n, fn, "indices");
  const bool relu = !isNullish(info, 4) && boolArg(info, 4, fn, "relu");
  if (relu && !noIndices) throwType(env, std::string(fn) + ": relu needs indices null (the 2x2 stride-2 path)");
  const bool noTaps = isNullish(info, 5);
  ArrayArg taps = noTaps ? ArrayArg{} : arrayArgOf(info, 5, fn, "taps", ElemType::U8);
  if (!noTaps && !noIndices) throwType(env, std::string(fn) + ": taps needs indices null (the 2x2 stride-2 path)");
  if (!noTaps) {
    requireLength(env, taps, n, fn, "taps");
    requireDisjoint(env, taps, x, fn, "taps", "x");
    requireDisjoint(env, taps, out, fn, "taps", "out");
  }
  requireDisjoint(env, out, x, fn, "out", "x");
  Context& ctx = ctxOf(info);
  uint8_t* codes = static_cast<uint8_t*>(taps.data);
  if (x.type == ElemType::F32)
    maxPool2dForward(ctx, static_cast<const float*>(x.data), static_cast<float*>(out.data), static_cast<int32_t*>(idx.data), g, relu, codes);
  else
    maxPool2dForward(ctx, static_cast<const double*>(x.data), static_cast<double*>(out.data), static_cast<int32_t*>(idx.data), g, relu, codes);
}

// maxPool2dBackward(gradOut, indices, gradInput, geometry)
void MaxPool2dBackward(const Napi::CallbackInfo& info) {
  const char* fn = "maxPool2dBackward";
  Napi::Env env = info.Env();
  ArrayArg go = arrayArg(info, 0, fn, "gradOut");
  ArrayArg idx = arrayArgOf(info, 1, fn, "indices", ElemType::I32);
  ArrayArg gi = arrayArg(info, 2, fn, "gradInput");
  const PoolGeometry g = geometryArg(info, 3, fn);
  requireLength(env, idx, requireMaxPoolGradients(env, go, gi, g, fn), fn, "indices");
  Context& ctx = ctxOf(info);
  if (go.type == ElemType::F32)
    maxPool2dBackward(ctx, static_cast<const float*>(go.data), static_cast<const int32_t*>(idx.data), static_cast<float*>(gi.data), g);
  else
    maxPool2dBackward(ctx, static_cast<const double*>(go.data), static_cast<const int32_t*>(idx.data), static_cast<double*>(gi.data), g);
}

// maxPool2x2Backward(taps, gradOut, gradInput, geometry): a 2x2 stride-2 geometry only; taps: the codes maxPool2d
// wrote (a code above 3, relu's block, gives the window no gradient)
void MaxPool2x2Backward(const Napi::CallbackInfo& info) {
  const char* fn = "maxPool2x2Backward";
  Napi::Env env = info.Env();
  ArrayArg taps = arrayArgOf(info, 0, fn, "taps", ElemType::U8);
  ArrayArg go = arrayArg(info, 1, fn, "gradOut"), gi = arrayArg(info, 2, fn, "gradInput");
  const PoolGeometry g = geometryArg(info, 3, fn);
  if (!isMaxPool2x2(g)) throwRange(env, std::string(fn) + ": the geometry must be a 2x2 window with stride 2, no padding, dilation or ceil-mode overhang");
  requireLength(env, taps, requireMaxPoolGradients(env, go, gi, g, fn), fn, "taps");
  requireDisjoint(env, gi, taps, fn, "gradInput", "taps");
  const uint8_t* codes = static_cast<const uint8_t*>(taps.data);
  Context& ctx = ctxOf(info);
  if (go.type == ElemType::F32)
    maxPool2x2Backward(ctx, codes, static_cast<const float*>(go.data), static_cast<float*>(gi.data), g);
  else
    maxPool2x2Backward(ctx, codes, static_cast<const double*>(go.data), static_cast<double*>(gi.data), g);
}

// avgPool2d(x, out, geometry, countIncludePad, divisor) and avgPool2dBackward(gradOut, gradInput, geometry, countIncludePad, divisor)
void AvgPool(const Napi::CallbackInfo& info, bool backward) {
  const char* fn = backward ? "avgPool2dBackward" : "avgPool2d";
  Napi::Env env = info.Env();
  ArrayArg src = arrayArg(info, 0, fn, backward ? "gradOut" : "x"), dst = arrayArg(info, 1, fn, backward ? "gradInput" : "out");
  const PoolGeometry g = geometryArg(info, 2, fn);
  const bool countIncludePad = boolArg(info, 3, fn, "countIncludePad");
  const int64_t divisor = intArg(info, 4, fn, "divisor");
  requireFloat(env, src, fn, backward ? "gradOut" : "x");
  requireSameType(env, src, dst, fn, backward ? "gradOut" : "x", backward ? "gradInput" : "out");
  const int64_t inputs = planeElements(env, g.planes, g.h, g.w, fn, "the input");
  const int64_t outputs = planeElements(env, g.planes, g.oh, g.ow, fn, "the output");
  requireLength(env, src, backward ? outputs : inputs, fn, backward ? "gradOut" : "x");
  requireLength(env, dst, backward ? inputs : outputs, fn, backward ? "gradInput" : "out");
  requireDisjoint(env, dst, src, fn, backward ? "gradInput" : "out", backward ? "gradOut" : "x");
  Context& ctx = ctxOf(info);
  if (src.type == ElemType::F32) {
    const auto* s = static_cast<const float*>(src.data);
    auto* d = static_cast<float*>(dst.data);
    backward ? avgPool2dBackward(ctx, s, d, g, countIncludePad, divisor) : avgPool2dForward(ctx, s, d, g, countIncludePad, divisor);
  } else {
    const auto* s = static_cast<const double*>(src.data);
    auto* d = static_cast<double*>(dst.data);
    backward ? avgPool2dBackward(ctx, s, d, g, countIncludePad, divisor) : avgPool2dForward(ctx, s, d, g, countIncludePad, divisor);
  }
}

void AvgPool2d(const Napi::CallbackInfo& info) { AvgPool(info, false); }
void AvgPool2dBackward(const Napi::CallbackInfo& info) { AvgPool(info, true); }

// adaptiveAvgPool2d(x, out, planes, h, w, oh, ow) and adaptiveAvgPool2dBackward(gradOut, gradInput, planes, h, w, oh, ow)
void AdaptiveAvgPool(const Napi::CallbackInfo& info, bool backward) {
  const char* fn = backward ? "adaptiveAvgPool2dBackward" : "adaptiveAvgPool2d";
  Napi::Env env = info.Env();
  ArrayArg src = arrayArg(info, 0, fn, backward ? "gradOut" : "x"), dst = arrayArg(info, 1, fn, backward ? "gradInput" : "out");
  const int64_t planes = intArg(info, 2, fn, "planes"), h = intArg(info, 3, fn, "h"), w = intArg(info, 4, fn, "w");
  const int64_t oh = intArg(info, 5, fn, "oh"), ow = intArg(info, 6, fn, "ow");
  requireFloat(env, src, fn, backward ? "gradOut" : "x");
  requireSameType(env, src, dst, fn, backward ? "gradOut" : "x", backward ? "gradInput" : "out");
  const int64_t inputs = planeElements(env, planes, h, w, fn, "the input");
  const int64_t outputs = planeElements(env, planes, oh, ow, fn, "the output");
  if (outputs > 0 && (h == 0 || w == 0)) throwRange(env, std::string(fn) + ": cannot pool an empty plane into a non-empty one");
  requireLength(env, src, backward ? outputs : inputs, fn, backward ? "gradOut" : "x");
  requireLength(env, dst, backward ? inputs : outputs, fn, backward ? "gradInput" : "out");
  requireDisjoint(env, dst, src, fn, backward ? "gradInput" : "out", backward ? "gradOut" : "x");
  Context& ctx = ctxOf(info);
  if (src.type == ElemType::F32) {
    const auto* s = static_cast<const float*>(src.data);
    auto* d = static_cast<float*>(dst.data);
    backward ? adaptiveAvgPool2dBackward(ctx, s, d, planes, h, w, oh, ow) : adaptiveAvgPool2dForward(ctx, s, d, planes, h, w, oh, ow);
  } else {
    const auto* s = static_cast<const double*>(src.data);
    auto* d = static_cast<double*>(dst.data);
    backward ? adaptiveAvgPool2dBackward(ctx, s, d, planes, h, w, oh, ow) : adaptiveAvgPool2dForward(ctx, s, d, planes, h, w, oh, ow);
  }
}

void AdaptiveAvgPool2d(const Napi::CallbackInfo& info) { AdaptiveAvgPool(info, false); }
void AdaptiveAvgPool2dBackward(const Napi::CallbackInfo& info) { AdaptiveAvgPool(info, true); }

}  // namespace

void registerPoolBindings(Napi::Env env, Napi::Object exports) {
  exportBinding(env, exports, "maxPool2d", MaxPool2d);
  exportBinding(env, exports, "maxPool2dBackward", MaxPool2dBackward);
  exportBinding(env, exports, "maxPool2x2Backward", MaxPool2x2Backward);
  exportBinding(env, exports, "avgPool2d", AvgPool2d);
  exportBinding(env, exports, "avgPool2dBackward", AvgPool2dBackward);
  exportBinding(env, exports, "adaptiveAvgPool2d", AdaptiveAvgPool2d);
  exportBinding(env, exports, "adaptiveAvgPool2dBackward", AdaptiveAvgPool2dBackward);
}

}  // namespace lattice

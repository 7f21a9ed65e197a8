// Bindings of the convolution kernels: conv2d, conv2dBackwardInput, conv2dBackwardWeight.
// The geometry travels as one Int32Array of 16 ints in ConvGeometry's field order:
//   [n, c, h, w, o, oh, ow, kh, kw, strideH, strideW, padH, padW, dilationH, dilationW, groups]
#include <string>

#include "../args.h"
#include "../kernels/conv.h"
#include "../kernels/conv_direct.h"
#include "../kernels/winograd.h"
#include "../kernels/conv_implicit.h"
#include "bindings.h"

namespace lattice {
namespace {

// Elements of a product of int32 sizes, rejecting totals over INT32_MAX (computed in double: no wrap-around).
int64_t elementCount(Napi::Env env, std::initializer_list<int64_t> sizes, const char* fn, const char* what) {
  double p = 1;
  for (int64_t s : sizes) p *= static_cast<double>(s);
  if (p > static_cast<double>(INT32_MAX)) throwRange(env, std::string(fn) + ": " + what + " would have more than 2^31-1 elements");
  return static_cast<int64_t>(p);
}

ConvGeometry geometryArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  Napi::Env env = info.Env();
  ArrayArg a = arrayArgOf(info, i, fn, "geometry", ElemType::I32);
  if (a.length != 16) throwRange(env, std::string(fn) + ": geometry must hold 16 ints, got " + std::to_string(a.length));
  const auto* v = static_cast<const int32_t*>(a.data);
  static const char* const names[16] = {"n", "c", "h", "w", "o", "oh", "ow", "kh", "kw", "strideH", "strideW", "padH", "padW",
                                  "dilationH", "dilationW", "groups"};
  static constexpr int32_t minimum[16] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1};
  for (int k = 0; k < 16; ++k)
    if (v[k] < minimum[k])
      throwRange(env, std::string(fn) + ": geometry " + names[k] + " must be >= " + std::to_string(minimum[k]) + ", got " +
                          std::to_string(v[k]));
  ConvGeometry g{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]};
  if (g.c % g.groups != 0 || g.o % g.groups != 0)
    throwRange(env, std::string(fn) + ": channels c=" + std::to_string(g.c) + " and o=" + std::to_string(g.o) +
                        " must be divisible by groups=" + std::to_string(g.groups));
  return g;
}

struct ConvLengths { int64_t x, weight, out; };

ConvLengths lengthsOf(Napi::Env env, const ConvGeometry& g, const char* fn) {
  return {elementCount(env, {g.n, g.c, g.h, g.w}, fn, "x"),
          elementCount(env, {g.o, g.c / g.groups, g.kh, g.kw}, fn, "weight"),
          elementCount(env, {g.n, g.o, g.oh, g.ow}, fn, "out")};
}

[[noreturn]] void outOfMemory(Napi::Env env, const char* fn) {
  throwRange(env, std::string(fn) + ": could not allocate the convolution's scratch buffers");
}

// Optional trailing `relu` flag at position i (absent or null: false).
bool reluArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  return info.Length() > i && !isNullish(info, i) && boolArg(info, i, fn, "relu");
}

// conv2d(x, weight, bias | null, out, geometry[, relu])
void Conv2d(const Napi::CallbackInfo& info) {
  const char* fn = "conv2d";
  Napi::Env env = info.Env();
  ArrayArg x = arrayArg(info, 0, fn, "x"), w = arrayArg(info, 1, fn, "weight");
  const bool hasBias = !isNullish(info, 2);
  ArrayArg bias;
  if (hasBias) bias = arrayArg(info, 2, fn, "bias");
  ArrayArg out = arrayArg(info, 3, fn, "out");
  const ConvGeometry g = geometryArg(info, 4, fn);
  requireFloat(env, x, fn, "x");
  requireSameType(env, x, w, fn, "x", "weight");
  requireSameType(env, x, out, fn, "x", "out");
  const ConvLengths n = lengthsOf(env, g, fn);
  requireLength(env, x, n.x, fn, "x");
  requireLength(env, w, n.weight, fn, "weight");
  requireLength(env, out, n.out, fn, "out");
  if (hasBias) {
    requireSameType(env, x, bias, fn, "x", "bias");
    requireLength(env, bias, g.o, fn, "bias");
    requireDisjoint(env, out, bias, fn, "out", "bias");
  }
  requireDisjoint(env, out, x, fn, "out", "x");
  requireDisjoint(env, out, w, fn, "out", "weight");
  Context& ctx = ctxOf(info);
  const bool relu = reluArg(info, 5, fn);
  const bool ok = x.type == ElemType::F32
      ? conv2dForward(ctx, static_cast<const float*>(x.data), static_cast<const float*>(w.data),
                      hasBias ? static_cast<const float*>(bias.data) : nullptr, static_cast<float*>(out.data), g, relu)
      : conv2dForward(ctx, static_cast<const double*>(x.data), static_cast<const double*>(w.data),
                      hasBias ? static_cast<const double*>(bias.data) : nullptr, static_cast<double*>(out.data), g, relu);
  if (!ok) outOfMemory(env, fn);
}

// conv2dBackwardInput(gradOut, weight, gradInput, geometry)
void Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dBackwardInput";
  Napi::Env env = info.Env();
  ArrayArg go = arrayArg(info, 0, fn, "gradOut"), w = arrayArg(info, 1, fn, "weight"), gi = arrayArg(info, 2, fn, "gradInput");
  const ConvGeometry g = geometryArg(info, 3, fn);
  requireFloat(env, go, fn, "gradOut");
  requireSameType(env, go, w, fn, "gradOut", "weight");
  requireSameType(env, go, gi, fn, "gradOut", "gradInput");
  const ConvLengths n = lengthsOf(env, g, fn);
  requireLength(env, go, n.out, fn, "gradOut");
  requireLength(env, w, n.weight, fn, "weight");
  requireLength(env, gi, n.x, fn, "gradInput");
  requireDisjoint(env, gi, go, fn, "gradInput", "gradOut");
  requireDisjoint(env, gi, w, fn, "gradInput", "weight");
  Context& ctx = ctxOf(info);
  const bool ok = go.type == ElemType::F32
      ? conv2dBackwardInput(ctx, static_cast<const float*>(go.data), static_cast<const float*>(w.data), static_cast<float*>(gi.data), g)
      : conv2dBackwardInput(ctx, static_cast<const double*>(go.data), static_cast<const double*>(w.data), static_cast<double*>(gi.data), g);
  if (!ok) outOfMemory(env, fn);
}

// conv2dBackwardWeight(x, gradOut, gradWeight, geometry)
void Conv2dBackwardWeight(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dBackwardWeight";
  Napi::Env env = info.Env();
  ArrayArg x = arrayArg(info, 0, fn, "x"), go = arrayArg(info, 1, fn, "gradOut"), gw = arrayArg(info, 2, fn, "gradWeight");
  const ConvGeometry g = geometryArg(info, 3, fn);
  requireFloat(env, x, fn, "x");
  requireSameType(env, x, go, fn, "x", "gradOut");
  requireSameType(env, x, gw, fn, "x", "gradWeight");
  const ConvLengths n = lengthsOf(env, g, fn);
  requireLength(env, x, n.x, fn, "x");
  requireLength(env, go, n.out, fn, "gradOut");
  requireLength(env, gw, n.weight, fn, "gradWeight");
  requireDisjoint(env, gw, x, fn, "gradWeight", "x");
  requireDisjoint(env, gw, go, fn, "gradWeight", "gradOut");
  Context& ctx = ctxOf(info);
  const bool ok = x.type == ElemType::F32
      ? conv2dBackwardWeight(ctx, static_cast<const float*>(x.data), static_cast<const float*>(go.data), static_cast<float*>(gw.data), g)
      : conv2dBackwardWeight(ctx, static_cast<const double*>(x.data), static_cast<const double*>(go.data), static_cast<double*>(gw.data), g);
  if (!ok) outOfMemory(env, fn);
}

// ---------------------------------------------------------------- Winograd F(4x4, 3x3), float32

// The geometry, checked to be one the Winograd kernels take.
ConvGeometry winogradGeometryArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  const ConvGeometry g = geometryArg(info, i, fn);
  if (!winogradApplies(g))
    throwRange(info.Env(), std::string(fn) + ": Winograd needs a 3x3 kernel, stride 1, dilation 1, groups 1 and a non-empty batch, "
                               "channels and output; got kernel " + std::to_string(g.kh) + "x" + std::to_string(g.kw) +
                               ", stride " + std::to_string(g.strideH) + "x" + std::to_string(g.strideW) + ", dilation " +
                               std::to_string(g.dilationH) + "x" + std::to_string(g.dilationW) + ", groups " +
                               std::to_string(g.groups) + ", n=" + std::to_string(g.n) + ", c=" + std::to_string(g.c) +
                               ", o=" + std::to_string(g.o) + ", output " + std::to_string(g.oh) + "x" + std::to_string(g.ow));
  return g;
}

ArrayArg f32Arg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  return arrayArgOf(info, i, fn, name, ElemType::F32);
}

// conv2dWinogradFilter(weight, U, geometry, transposed): U = G w G^T (see kernels/winograd.h).
void Conv2dWinogradFilter(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dWinogradFilter";
  Napi::Env env = info.Env();
  ArrayArg w = f32Arg(info, 0, fn, "weight"), u = f32Arg(info, 1, fn, "U");
  const ConvGeometry g = winogradGeometryArg(info, 2, fn);
  const bool transposed = boolArg(info, 3, fn, "transposed");
  requireLength(env, w, lengthsOf(env, g, fn).weight, fn, "weight");
  elementCount(env, {36, g.c, g.o}, fn, "U");  // throws where the sizes overflow
  requireLength(env, u, winogradFilterSize(g, transposed, ctxOf(info).isa), fn, "U");
  requireDisjoint(env, u, w, fn, "U", "weight");
  winogradFilter(ctxOf(info), static_cast<const float*>(w.data), g, transposed, static_cast<float*>(u.data));
}

// conv2dWinograd(x, U, bias | null, out, geometry[, relu])
void Conv2dWinograd(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dWinograd";
  Napi::Env env = info.Env();
  ArrayArg x = f32Arg(info, 0, fn, "x"), u = f32Arg(info, 1, fn, "U");
  const bool hasBias = !isNullish(info, 2);
  ArrayArg bias;
  if (hasBias) bias = f32Arg(info, 2, fn, "bias");
  ArrayArg out = f32Arg(info, 3, fn, "out");
  const ConvGeometry g = winogradGeometryArg(info, 4, fn);
  const ConvLengths n = lengthsOf(env, g, fn);
  requireLength(env, x, n.x, fn, "x");
  requireLength(env, u, winogradFilterSize(g, false, ctxOf(info).isa), fn, "U");
  requireLength(env, out, n.out, fn, "out");
  if (hasBias) {
    requireLength(env, bias, g.o, fn, "bias");
    requireDisjoint(env, out, bias, fn, "out", "bias");
  }
  requireDisjoint(env, out, x, fn, "out", "x");
  requireDisjoint(env, out, u, fn, "out", "U");
  if (!winogradForward(ctxOf(info), static_cast<const float*>(x.data), static_cast<const float*>(u.data),
                       hasBias ? static_cast<const float*>(bias.data) : nullptr, static_cast<float*>(out.data), g,
                       reluArg(info, 5, fn)))
    outOfMemory(env, fn);
}

// Arguments 0..2 of a gradient binding: two float32 inputs and a float32 output of the given
// lengths, the output disjoint from both.
struct Operands { ArrayArg a, b, out; };
Operands gradientOperands(const Napi::CallbackInfo& info, const char* fn, const char* const names[3], const int64_t lengths[3]) {
  Napi::Env env = info.Env();
  Operands r{f32Arg(info, 0, fn, names[0]), f32Arg(info, 1, fn, names[1]), f32Arg(info, 2, fn, names[2])};
  requireLength(env, r.a, lengths[0], fn, names[0]);
  requireLength(env, r.b, lengths[1], fn, names[1]);
  requireLength(env, r.out, lengths[2], fn, names[2]);
  requireDisjoint(env, r.out, r.a, fn, names[2], names[0]);
  requireDisjoint(env, r.out, r.b, fn, names[2], names[1]);
  return r;
}

// A float32 gradient binding's operands checked for geometry g (an input gradient: gradOut, weight,
// gradInput; a weight gradient: x, gradOut, gradWeight), then kernel(ctx, a, b, out, g) on them.
using F32GradientKernel = bool (*)(Context&, const float*, const float*, float*, const ConvGeometry&);
void runF32Gradient(const Napi::CallbackInfo& info, const char* fn, const ConvGeometry& g, bool inputGradient,
                    F32GradientKernel kernel) {
  static const char* const inputNames[3] = {"gradOut", "weight", "gradInput"};
  static const char* const weightNames[3] = {"x", "gradOut", "gradWeight"};
  const ConvLengths n = lengthsOf(info.Env(), g, fn);
  const int64_t inputLengths[3] = {n.out, n.weight, n.x}, weightLengths[3] = {n.x, n.out, n.weight};
  const Operands a = gradientOperands(info, fn, inputGradient ? inputNames : weightNames, inputGradient ? inputLengths : weightLengths);
  if (!kernel(ctxOf(info), static_cast<const float*>(a.a.data), static_cast<const float*>(a.b.data), static_cast<float*>(a.out.data), g))
    outOfMemory(info.Env(), fn);
}

// conv2dWinogradBackwardInput(gradOut, Ut, gradInput, geometry); Ut from conv2dWinogradFilter(..., true)
void Conv2dWinogradBackwardInput(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dWinogradBackwardInput";
  static const char* const names[3] = {"gradOut", "Ut", "gradInput"};
  const ConvGeometry g = winogradGeometryArg(info, 3, fn);
  const ConvLengths n = lengthsOf(info.Env(), g, fn);
  const int64_t lengths[3] = {n.out, winogradFilterSize(g, true, ctxOf(info).isa), n.x};
  const Operands a = gradientOperands(info, fn, names, lengths);
  if (!winogradBackwardInput(ctxOf(info), static_cast<const float*>(a.a.data), static_cast<const float*>(a.b.data),
                             static_cast<float*>(a.out.data), g))
    outOfMemory(info.Env(), fn);
}

// conv2dWinogradBackwardWeight(x, gradOut, gradWeight, geometry)
void Conv2dWinogradBackwardWeight(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dWinogradBackwardWeight";
  const ConvGeometry g = winogradGeometryArg(info, 3, fn);
  runF32Gradient(info, fn, g, false, winogradBackwardWeight);
}

// conv2dWinogradFilterLayout(geometry, transposed) -> [floats, panel]: the length of U (or Ut) on the
// current ISA, and its panel width, which the caller keys a kept filter on.
Napi::Value Conv2dWinogradFilterLayout(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dWinogradFilterLayout";
  const ConvGeometry g = winogradGeometryArg(info, 0, fn);
  const bool transposed = boolArg(info, 1, fn, "transposed");
  elementCount(info.Env(), {36, g.c, g.o}, fn, "U");  // throws where the sizes overflow
  const Isa isa = ctxOf(info).isa;
  Napi::Array r = Napi::Array::New(info.Env(), 2);
  r.Set(uint32_t(0), Napi::Number::New(info.Env(), double(winogradFilterSize(g, transposed, isa))));
  r.Set(uint32_t(1), Napi::Number::New(info.Env(), double(winogradFilterPanel(isa))));
  return r;
}

// conv2dWinogradPreferred(geometry, pass) -> boolean: the compiled-in table's choice for pass 0 (forward),
// 1 (input gradient) or 2 (weight gradient); false where Winograd does not apply.
Napi::Value Conv2dWinogradPreferred(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dWinogradPreferred";
  const ConvGeometry g = geometryArg(info, 0, fn);
  return Napi::Boolean::New(info.Env(), winogradPreferred(g, ConvPass(intArg(info, 1, fn, "pass", 0, 2))));
}

// ---------------------------------------------------------------- direct, few input channels, float32

// The geometry, checked to be one the direct small-channel kernels take.
ConvGeometry directSmallCGeometryArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  const ConvGeometry g = geometryArg(info, i, fn);
  if (!directSmallCApplies(g))
    throwRange(info.Env(), std::string(fn) + ": the direct small-channel kernels need groups 1, 1.." +
                               std::to_string(kDirectSmallCMaxChannels) + " input channels and a non-empty batch and output; got groups " +
                               std::to_string(g.groups) + ", c=" + std::to_string(g.c) + ", n=" + std::to_string(g.n) +
                               ", o=" + std::to_string(g.o) + ", output " + std::to_string(g.oh) + "x" + std::to_string(g.ow));
  return g;
}

// The float32 operands of a forward binding (x, weight, bias | null, out, geometry[, relu]) for geometry g, checked.
struct F32Forward {
  const float *x, *w, *bias;
  float* out;
  bool relu;
};
F32Forward f32ForwardArgs(const Napi::CallbackInfo& info, const ConvGeometry& g, const char* fn) {
  Napi::Env env = info.Env();
  const ConvLengths n = lengthsOf(env, g, fn);
  const ArrayArg x = f32Arg(info, 0, fn, "x"), w = f32Arg(info, 1, fn, "weight"), out = f32Arg(info, 3, fn, "out");
  requireLength(env, x, n.x, fn, "x");
  requireLength(env, w, n.weight, fn, "weight");
  requireLength(env, out, n.out, fn, "out");
  requireDisjoint(env, out, x, fn, "out", "x");
  requireDisjoint(env, out, w, fn, "out", "weight");
  const float* bias = nullptr;
  if (!isNullish(info, 2)) {
    const ArrayArg b = f32Arg(info, 2, fn, "bias");
    requireLength(env, b, g.o, fn, "bias");
    requireDisjoint(env, out, b, fn, "out", "bias");
    bias = static_cast<const float*>(b.data);
  }
  return {static_cast<const float*>(x.data), static_cast<const float*>(w.data), bias, static_cast<float*>(out.data),
          reluArg(info, 5, fn)};
}

// conv2dDirectSmallC(x, weight, bias | null, out, geometry[, relu])
void Conv2dDirectSmallC(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dDirectSmallC";
  const ConvGeometry g = directSmallCGeometryArg(info, 4, fn);
  const F32Forward a = f32ForwardArgs(info, g, fn);
  if (!directSmallCForward(ctxOf(info), a.x, a.w, a.bias, a.out, g, a.relu)) outOfMemory(info.Env(), fn);
}

// conv2dDirectSmallCBackwardInput(gradOut, weight, gradInput, geometry)
void Conv2dDirectSmallCBackwardInput(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dDirectSmallCBackwardInput";
  const ConvGeometry g = directSmallCGeometryArg(info, 3, fn);
  runF32Gradient(info, fn, g, true, directSmallCBackwardInput);
}

// conv2dDirectSmallCBackwardWeight(x, gradOut, gradWeight, geometry)
void Conv2dDirectSmallCBackwardWeight(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dDirectSmallCBackwardWeight";
  const ConvGeometry g = directSmallCGeometryArg(info, 3, fn);
  runF32Gradient(info, fn, g, false, directSmallCBackwardWeight);
}

// conv2dDirectSmallCPreferred(geometry, pass) -> boolean: the compiled-in table's choice for pass 0 (forward),
// 1 (input gradient) or 2 (weight gradient); false where the kernels do not apply.
Napi::Value Conv2dDirectSmallCPreferred(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dDirectSmallCPreferred";
  const ConvGeometry g = geometryArg(info, 0, fn);
  return Napi::Boolean::New(info.Env(), directSmallCPreferred(g, ConvPass(intArg(info, 1, fn, "pass", 0, 2))));
}

// ---------------------------------------------------------------- implicit GEMM, float32, AVX-512

// The geometry, checked to be one the implicit-GEMM kernels take on this ISA.
ConvGeometry implicitGeometryArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  const ConvGeometry g = geometryArg(info, i, fn);
  if (!implicitConvApplies(ctxOf(info), g))
    throwRange(info.Env(), std::string(fn) + ": the implicit-GEMM kernels need AVX-512, groups 1 and a non-empty batch and output; got ISA " +
                               isaName(ctxOf(info).isa) + ", groups " + std::to_string(g.groups) + ", n=" + std::to_string(g.n) +
                               ", o=" + std::to_string(g.o) + ", output " + std::to_string(g.oh) + "x" + std::to_string(g.ow));
  return g;
}

// conv2dImplicit(x, weight, bias | null, out, geometry[, relu])
void Conv2dImplicit(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dImplicit";
  const ConvGeometry g = implicitGeometryArg(info, 4, fn);
  const F32Forward a = f32ForwardArgs(info, g, fn);
  if (!implicitConvForward(ctxOf(info), a.x, a.w, a.bias, a.out, g, a.relu)) outOfMemory(info.Env(), fn);
}

// conv2dImplicitBackwardInput(gradOut, weight, gradInput, geometry): strideW 1 or 2.
void Conv2dImplicitBackwardInput(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dImplicitBackwardInput";
  const ConvGeometry g = implicitGeometryArg(info, 3, fn);
  if (g.strideW > 2) throwRange(info.Env(), std::string(fn) + ": strideW must be 1 or 2, got " + std::to_string(g.strideW));
  runF32Gradient(info, fn, g, true, implicitConvBackwardInput);
}

// conv2dImplicitBackwardWeight(x, gradOut, gradWeight, geometry)
void Conv2dImplicitBackwardWeight(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dImplicitBackwardWeight";
  const ConvGeometry g = implicitGeometryArg(info, 3, fn);
  runF32Gradient(info, fn, g, false, implicitConvBackwardWeight);
}

// conv2dImplicitPreferred(geometry, pass) -> boolean: whether the implicit-GEMM kernels are the measured
// choice for pass 0 (forward), 1 (input gradient) or 2 (weight gradient); false where they do not apply.
Napi::Value Conv2dImplicitPreferred(const Napi::CallbackInfo& info) {
  const char* fn = "conv2dImplicitPreferred";
  const ConvGeometry g = geometryArg(info, 0, fn);
  return Napi::Boolean::New(info.Env(), implicitConvPreferred(ctxOf(info), g, ConvPass(intArg(info, 1, fn, "pass", 0, 2))));
}

// conv2dImplicitApplies(geometry) -> boolean: whether the implicit-GEMM kernels can run it on the current ISA.
Napi::Value Conv2dImplicitApplies(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), implicitConvApplies(ctxOf(info), geometryArg(info, 0, "conv2dImplicitApplies")));
}

}  // namespace

void registerConvBindings(Napi::Env env, Napi::Object exports) {
  exportBinding(env, exports, "conv2d", Conv2d);
  exportBinding(env, exports, "conv2dBackwardInput", Conv2dBackwardInput);
  exportBinding(env, exports, "conv2dBackwardWeight", Conv2dBackwardWeight);
  exportBinding(env, exports, "conv2dImplicit", Conv2dImplicit);
  exportBinding(env, exports, "conv2dImplicitBackwardInput", Conv2dImplicitBackwardInput);
  exportBinding(env, exports, "conv2dImplicitBackwardWeight", Conv2dImplicitBackwardWeight);
  exportBinding(env, exports, "conv2dImplicitPreferred", Conv2dImplicitPreferred);
  exportBinding(env, exports, "conv2dImplicitApplies", Conv2dImplicitApplies);
  exportBinding(env, exports, "conv2dWinogradFilter", Conv2dWinogradFilter);
  exportBinding(env, exports, "conv2dWinograd", Conv2dWinograd);
  exportBinding(env, exports, "conv2dWinogradBackwardInput", Conv2dWinogradBackwardInput);
  exportBinding(env, exports, "conv2dWinogradBackwardWeight", Conv2dWinogradBackwardWeight);
  exportBinding(env, exports, "conv2dWinogradPreferred", Conv2dWinogradPreferred);
  exportBinding(env, exports, "conv2dWinogradFilterLayout", Conv2dWinogradFilterLayout);
  exportBinding(env, exports, "conv2dDirectSmallC", Conv2dDirectSmallC);
  exportBinding(env, exports, "conv2dDirectSmallCBackwardInput", Conv2dDirectSmallCBackwardInput);
  exportBinding(env, exports, "conv2dDirectSmallCBackwardWeight", Conv2dDirectSmallCBackwardWeight);
  exportBinding(env, exports, "conv2dDirectSmallCPreferred", Conv2dDirectSmallCPreferred);
}

}  // namespace lattice

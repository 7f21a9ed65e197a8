// Bindings of the fused normalisation kernels (kernels/norm.h): layerNorm, batchNorm and
// groupNorm, forward and backward. Data arrays are Float32Array or Float64Array, all of one
// type; saved statistics are always Float64Array; optional arrays may be null.
#include <cmath>
#include <string>

#include "../args.h"
#include "../kernels/norm.h"
#include "bindings.h"

namespace lattice {
namespace {

struct Arrays {
  Napi::Env env;
  const char* fn;
  ElemType type = ElemType::F32;
  bool typed = false;

  // A data array (x, y, dy, ...): float, the same type as the first one seen, `want` elements.
  ArrayArg data(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t want) {
    ArrayArg a = arrayArg(info, i, fn, name);
    if (a.type != ElemType::F32 && a.type != ElemType::F64)
      throwType(env, std::string(fn) + ": " + name + " must be a Float32Array or Float64Array, got a " + typeName(a.type));
    if (!typed) {
      type = a.type;
      typed = true;
    } else if (a.type != type) {
      throwType(env, std::string(fn) + ": " + name + " is a " + typeName(a.type) + " but x is a " + typeName(type));
    }
    requireLength(env, a, want, fn, name);
    return a;
  }

  // An optional data array: null/undefined gives an empty ArrayArg (data == nullptr).
  ArrayArg optional(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t want) {
    if (isNullish(info, i)) return ArrayArg{};
    return data(info, i, name, want);
  }

  ArrayArg stats(const Napi::CallbackInfo& info, size_t i, const char* name, int64_t want) {
    ArrayArg a = arrayArgOf(info, i, fn, name, ElemType::F64);
    requireLength(env, a, want, fn, name);
    return a;
  }
};

template <typename T>
T* ptr(const ArrayArg& a) {
  return static_cast<T*>(a.data);
}

double epsArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  const double eps = numberArg(info, i, fn, "eps");
  if (!(eps >= 0) || !std::isfinite(eps)) throwRange(info.Env(), std::string(fn) + ": eps must be a finite number >= 0");
  return eps;
}

// layerNormForward(x, weight, bias, y, mean, rstd, rows, n, eps, relu?)
void LayerNormForward(const Napi::CallbackInfo& info) {
  const char* fn = "layerNormForward";
  Napi::Env env = info.Env();
  const int64_t rows = intArg(info, 6, fn, "rows"), n = intArg(info, 7, fn, "n");
  const int64_t total = checkedProduct(env, {rows, n}, fn, "x");
  const double eps = epsArg(info, 8, fn);
  const bool relu = isNullish(info, 9) ? false : boolArg(info, 9, fn, "relu");
  Arrays A{env, fn};
  ArrayArg x = A.data(info, 0, "x", total), w = A.optional(info, 1, "weight", n), b = A.optional(info, 2, "bias", n);
  ArrayArg y = A.data(info, 3, "y", total);
  ArrayArg mean = A.stats(info, 4, "mean", rows), rstd = A.stats(info, 5, "rstd", rows);
  if (A.type == ElemType::F32)
    layerNormForward<float>(ctxOf(info), ptr<float>(x), ptr<float>(w), ptr<float>(b), ptr<float>(y), ptr<double>(mean),
                            ptr<double>(rstd), rows, n, eps, relu);
  else
    layerNormForward<double>(ctxOf(info), ptr<double>(x), ptr<double>(w), ptr<double>(b), ptr<double>(y), ptr<double>(mean),
                             ptr<double>(rstd), rows, n, eps, relu);
}

// layerNormBackward(dy, x, mean, rstd, weight, dx, dweight, dbias, rows, n, reluOutput?)
void LayerNormBackward(const Napi::CallbackInfo& info) {
  const char* fn = "layerNormBackward";
  Napi::Env env = info.Env();
  const int64_t rows = intArg(info, 8, fn, "rows"), n = intArg(info, 9, fn, "n");
  const int64_t total = checkedProduct(env, {rows, n}, fn, "x");
  Arrays A{env, fn};
  ArrayArg x = A.data(info, 1, "x", total), dy = A.data(info, 0, "dy", total);
  ArrayArg mean = A.stats(info, 2, "mean", rows), rstd = A.stats(info, 3, "rstd", rows);
  ArrayArg w = A.optional(info, 4, "weight", n), dx = A.optional(info, 5, "dx", total);
  ArrayArg dw = A.optional(info, 6, "dweight", n), db = A.optional(info, 7, "dbias", n);
  ArrayArg reluOut = A.optional(info, 10, "reluOutput", total);
  if (dx.data && reluOut.data) requireDisjoint(env, dx, reluOut, fn, "dx", "reluOutput");
  if (A.type == ElemType::F32)
    layerNormBackward<float>(ctxOf(info), ptr<float>(dy), ptr<float>(x), ptr<double>(mean), ptr<double>(rstd), ptr<float>(w),
                             ptr<float>(dx), ptr<float>(dw), ptr<float>(db), rows, n, ptr<float>(reluOut));
  else
    layerNormBackward<double>(ctxOf(info), ptr<double>(dy), ptr<double>(x), ptr<double>(mean), ptr<double>(rstd),
                              ptr<double>(w), ptr<double>(dx), ptr<double>(dw), ptr<double>(db), rows, n, ptr<double>(reluOut));
}

// batchNormForward(x, weight, bias, y, mean, variance, invstd, N, C, S, eps, training, relu?)
void BatchNormForward(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormForward";
  Napi::Env env = info.Env();
  const int64_t N = intArg(info, 7, fn, "N"), C = intArg(info, 8, fn, "C"), S = intArg(info, 9, fn, "S");
  const int64_t total = checkedProduct(env, {N, C, S}, fn, "x");
  const double eps = epsArg(info, 10, fn);
  const bool training = boolArg(info, 11, fn, "training");
  const bool relu = isNullish(info, 12) ? false : boolArg(info, 12, fn, "relu");
  Arrays A{env, fn};
  ArrayArg x = A.data(info, 0, "x", total), w = A.optional(info, 1, "weight", C), b = A.optional(info, 2, "bias", C);
  ArrayArg y = A.data(info, 3, "y", total);
  ArrayArg mean = A.stats(info, 4, "mean", C), var = A.stats(info, 5, "variance", C), invstd = A.stats(info, 6, "invstd", C);
  if (A.type == ElemType::F32)
    batchNormForward<float>(ctxOf(info), ptr<float>(x), ptr<float>(w), ptr<float>(b), ptr<float>(y), ptr<double>(mean),
                            ptr<double>(var), ptr<double>(invstd), N, C, S, eps, training, relu);
  else
    batchNormForward<double>(ctxOf(info), ptr<double>(x), ptr<double>(w), ptr<double>(b), ptr<double>(y), ptr<double>(mean),
                             ptr<double>(var), ptr<double>(invstd), N, C, S, eps, training, relu);
}

// batchNormBackward(dy, x, mean, invstd, weight, dx, dweight, dbias, N, C, S, training, reluOutput?)
void BatchNormBackward(const Napi::CallbackInfo& info) {
  const char* fn = "batchNormBackward";
  Napi::Env env = info.Env();
  const int64_t N = intArg(info, 8, fn, "N"), C = intArg(info, 9, fn, "C"), S = intArg(info, 10, fn, "S");
  const int64_t total = checkedProduct(env, {N, C, S}, fn, "x");
  const bool training = boolArg(info, 11, fn, "training");
  Arrays A{env, fn};
  ArrayArg x = A.data(info, 1, "x", total), dy = A.data(info, 0, "dy", total);
  ArrayArg mean = A.stats(info, 2, "mean", C), invstd = A.stats(info, 3, "invstd", C);
  ArrayArg w = A.optional(info, 4, "weight", C), dx = A.optional(info, 5, "dx", total);
  ArrayArg dw = A.optional(info, 6, "dweight", C), db = A.optional(info, 7, "dbias", C);
  ArrayArg reluOut = A.optional(info, 12, "reluOutput", total);
  if (dx.data && reluOut.data) requireDisjoint(env, dx, reluOut, fn, "dx", "reluOutput");
  if (A.type == ElemType::F32)
    batchNormBackward<float>(ctxOf(info), ptr<float>(dy), ptr<float>(x), ptr<double>(mean), ptr<double>(invstd), ptr<float>(w),
                             ptr<float>(dx), ptr<float>(dw), ptr<float>(db), N, C, S, training, ptr<float>(reluOut));
  else
    batchNormBackward<double>(ctxOf(info), ptr<double>(dy), ptr<double>(x), ptr<double>(mean), ptr<double>(invstd),
                              ptr<double>(w), ptr<double>(dx), ptr<double>(dw), ptr<double>(db), N, C, S, training,
                              ptr<double>(reluOut));
}

int64_t groupsArg(const Napi::CallbackInfo& info, size_t i, const char* fn, int64_t C) {
  const int64_t groups = intArg(info, i, fn, "groups", 1);
  if (C % groups != 0)
    throwRange(info.Env(), std::string(fn) + ": C=" + std::to_string(C) + " must be divisible by groups=" + std::to_string(groups));
  return groups;
}

// groupNormForward(x, weight, bias, y, mean, rstd, N, C, S, groups, eps)
void GroupNormForward(const Napi::CallbackInfo& info) {
  const char* fn = "groupNormForward";
  Napi::Env env = info.Env();
  const int64_t N = intArg(info, 6, fn, "N"), C = intArg(info, 7, fn, "C"), S = intArg(info, 8, fn, "S");
  const int64_t total = checkedProduct(env, {N, C, S}, fn, "x");
  const int64_t groups = groupsArg(info, 9, fn, C);
  const int64_t statCount = checkedProduct(env, {N, groups}, fn, "mean");
  const double eps = epsArg(info, 10, fn);
  Arrays A{env, fn};
  ArrayArg x = A.data(info, 0, "x", total), w = A.optional(info, 1, "weight", C), b = A.optional(info, 2, "bias", C);
  ArrayArg y = A.data(info, 3, "y", total);
  ArrayArg mean = A.stats(info, 4, "mean", statCount), rstd = A.stats(info, 5, "rstd", statCount);
  if (A.type == ElemType::F32)
    groupNormForward<float>(ctxOf(info), ptr<float>(x), ptr<float>(w), ptr<float>(b), ptr<float>(y), ptr<double>(mean),
                            ptr<double>(rstd), N, C, S, groups, eps);
  else
    groupNormForward<double>(ctxOf(info), ptr<double>(x), ptr<double>(w), ptr<double>(b), ptr<double>(y), ptr<double>(mean),
                             ptr<double>(rstd), N, C, S, groups, eps);
}

// groupNormBackward(dy, x, mean, rstd, weight, dx, dweight, dbias, N, C, S, groups)
void GroupNormBackward(const Napi::CallbackInfo& info) {
  const char* fn = "groupNormBackward";
  Napi::Env env = info.Env();
  const int64_t N = intArg(info, 8, fn, "N"), C = intArg(info, 9, fn, "C"), S = intArg(info, 10, fn, "S");
  const int64_t total = checkedProduct(env, {N, C, S}, fn, "x");
  const int64_t groups = groupsArg(info, 11, fn, C);
  const int64_t statCount = checkedProduct(env, {N, groups}, fn, "mean");
  Arrays A{env, fn};
  ArrayArg x = A.data(info, 1, "x", total), dy = A.data(info, 0, "dy", total);
  ArrayArg mean = A.stats(info, 2, "mean", statCount), rstd = A.stats(info, 3, "rstd", statCount);
  ArrayArg w = A.optional(info, 4, "weight", C), dx = A.optional(info, 5, "dx", total);
  ArrayArg dw = A.optional(info, 6, "dweight", C), db = A.optional(info, 7, "dbias", C);
  if (A.type == ElemType::F32)
    groupNormBackward<float>(ctxOf(info), ptr<float>(dy), ptr<float>(x), ptr<double>(mean), ptr<double>(rstd), ptr<float>(w),
                             ptr<float>(dx), ptr<float>(dw), ptr<float>(db), N, C, S, groups);
  else
    groupNormBackward<double>(ctxOf(info), ptr<double>(dy), ptr<double>(x), ptr<double>(mean), ptr<double>(rstd),
                              ptr<double>(w), ptr<double>(dx), ptr<double>(dw), ptr<double>(db), N, C, S, groups);
}

}  // namespace

void registerNormBindings(Napi::Env env, Napi::Object exports) {
  exportBinding(env, exports, "layerNormForward", LayerNormForward);
  exportBinding(env, exports, "layerNormBackward", LayerNormBackward);
  exportBinding(env, exports, "batchNormForward", BatchNormForward);
  exportBinding(env, exports, "batchNormBackward", BatchNormBackward);
  exportBinding(env, exports, "groupNormForward", GroupNormForward);
  exportBinding(env, exports, "groupNormBackward", GroupNormBackward);
}

}  // namespace lattice

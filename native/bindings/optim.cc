// Bindings of the fused optimizer updates (kernels/optim.h). Each takes JS arrays
// of typed arrays, one entry per parameter tensor, checks that every list has the
// same count, element type and per-tensor lengths as `params`, and that no state
// array overlaps its parameter, then makes one kernel call.
#include <string>

#include "../args.h"
#include "../kernels/optim.h"
#include "bindings.h"

namespace lattice {
namespace {

struct ListArg {
  std::vector<ArrayArg> items;
  bool present = false;
};

// A JS array of typed arrays (or null/undefined when `optional`).
ListArg listArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, bool optional) {
  Napi::Env env = info.Env();
  ListArg out;
  if (isNullish(info, i)) {
    if (!optional) throwType(env, std::string(fn) + ": " + name + " must be an array of typed arrays");
    return out;
  }
  if (!info[i].IsArray()) throwType(env, std::string(fn) + ": " + name + " must be an array of typed arrays");
  Napi::Array a = info[i].As<Napi::Array>();
  const uint32_t n = a.Length();
  out.items.resize(n);
  out.present = true;
  for (uint32_t k = 0; k < n; ++k) {
    Napi::Value v = a.Get(k);
    const std::string what = std::string(name) + "[" + std::to_string(k) + "]";
    if (!v.IsTypedArray()) throwType(env, std::string(fn) + ": " + what + " must be a typed array");
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    ArrayArg& r = out.items[k];
    switch (ta.TypedArrayType()) {
      case napi_float32_array: r.type = ElemType::F32; break;
      case napi_float64_array: r.type = ElemType::F64; break;
      default: throwType(env, std::string(fn) + ": " + what + " must be a Float32Array or Float64Array");
    }
    r.length = static_cast<int64_t>(ta.ElementLength());
    r.byteLength = ta.ByteLength();
    Napi::ArrayBuffer buffer = ta.ArrayBuffer();
    if (r.length > 0 && buffer.Data() == nullptr) throwType(env, std::string(fn) + ": " + what + " has a detached buffer");
    r.data = static_cast<uint8_t*>(buffer.Data()) + ta.ByteOffset();
  }
  return out;
}

// Checks `list` against params: same count, element type and lengths, no overlap with its parameter.
void requireMatches(Napi::Env env, const ListArg& params, const ListArg& list, const char* fn, const char* name) {
  if (!list.present) return;
  if (list.items.size() != params.items.size())
    throwRange(env, std::string(fn) + ": " + name + " has " + std::to_string(list.items.size()) + " arrays but params has " +
                        std::to_string(params.items.size()));
  for (size_t k = 0; k < list.items.size(); ++k) {
    const ArrayArg &p = params.items[k], &a = list.items[k];
    const std::string what = std::string(name) + "[" + std::to_string(k) + "]";
    if (a.type != p.type)
      throwType(env, std::string(fn) + ": " + what + " is a " + typeName(a.type) + " but params[" + std::to_string(k) + "] is a " + typeName(p.type));
    if (a.length != p.length)
      throwRange(env, std::string(fn) + ": " + what + " has " + std::to_string(a.length) + " elements but params[" +
                          std::to_string(k) + "] has " + std::to_string(p.length));
    if (overlaps(a, p)) throwRange(env, std::string(fn) + ": " + what + " overlaps params[" + std::to_string(k) + "]");
  }
}

ListArg paramsArg(const Napi::CallbackInfo& info, const char* fn) {
  ListArg params = listArg(info, 0, fn, "params", false);
  for (size_t k = 1; k < params.items.size(); ++k)
    if (params.items[k].type != params.items[0].type)
      throwType(info.Env(), std::string(fn) + ": params[" + std::to_string(k) + "] is a " + typeName(params.items[k].type) +
                                " but params[0] is a " + typeName(params.items[0].type) + "; one call updates one dtype");
  return params;
}

// A per-tensor scalar array with one entry per parameter.
const double* perTensorArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, size_t count) {
  ArrayArg a = arrayArgOf(info, i, fn, name, ElemType::F64);
  requireLength(info.Env(), a, static_cast<int64_t>(count), fn, name);
  return static_cast<const double*>(a.data);
}

template <typename T>
TensorList<T> tensorList(const ListArg& params, const ListArg& grads, const ListArg& s0, const ListArg& s1, const ListArg& s2) {
  TensorList<T> t;
  for (size_t k = 0; k < params.items.size(); ++k) {
    t.param.push_back(static_cast<T*>(params.items[k].data));
    t.grad.push_back(static_cast<const T*>(grads.items[k].data));
    t.length.push_back(params.items[k].length);
    if (s0.present) t.state0.push_back(static_cast<T*>(s0.items[k].data));
    if (s1.present) t.state1.push_back(static_cast<T*>(s1.items[k].data));
    if (s2.present) t.state2.push_back(static_cast<T*>(s2.items[k].data));
  }
  return t;
}

bool isF64(const ListArg& params) { return !params.items.empty() && params.items[0].type == ElemType::F64; }

// sgdStep(params, grads, momentumBuffers|null, fresh: Uint8Array|null, lr, momentum, dampening, weightDecay, nesterov, maximize)
void SgdStep(const Napi::CallbackInfo& info) {
  const char* fn = "sgdStep";
  Napi::Env env = info.Env();
  ListArg params = paramsArg(info, fn);
  ListArg grads = listArg(info, 1, fn, "grads", false), bufs = listArg(info, 2, fn, "momentumBuffers", true);
  requireMatches(env, params, grads, fn, "grads");
  requireMatches(env, params, bufs, fn, "momentumBuffers");
  std::vector<uint8_t> fresh;
  if (!isNullish(info, 3)) {
    ArrayArg f = arrayArgOf(info, 3, fn, "fresh", ElemType::U8);
    requireLength(env, f, static_cast<int64_t>(params.items.size()), fn, "fresh");
    fresh.assign(static_cast<const uint8_t*>(f.data), static_cast<const uint8_t*>(f.data) + f.length);
  }
  SgdScalars s{numberArg(info, 4, fn, "lr"), numberArg(info, 5, fn, "momentum"), numberArg(info, 6, fn, "dampening"),
               numberArg(info, 7, fn, "weightDecay"), boolArg(info, 8, fn, "nesterov"), boolArg(info, 9, fn, "maximize")};
  if (s.momentum != 0.0 && !bufs.present) throwType(env, "sgdStep: momentumBuffers are required when momentum is not 0");
  const ListArg none;
  if (isF64(params)) sgdStep(ctxOf(info), tensorList<double>(params, grads, bufs, none, none), fresh, s);
  else sgdStep(ctxOf(info), tensorList<float>(params, grads, bufs, none, none), fresh, s);
}

// adamStep(params, grads, expAvg, expAvgSq, maxExpAvgSq|null, stepSize: Float64Array, bias2Sqrt: Float64Array,
//          beta1, beta2, eps, weightDecay, decay, maximize)
void AdamStep(const Napi::CallbackInfo& info) {
  const char* fn = "adamStep";
  Napi::Env env = info.Env();
  ListArg params = paramsArg(info, fn);
  ListArg grads = listArg(info, 1, fn, "grads", false), m = listArg(info, 2, fn, "expAvg", false);
  ListArg v = listArg(info, 3, fn, "expAvgSq", false), vmax = listArg(info, 4, fn, "maxExpAvgSq", true);
  requireMatches(env, params, grads, fn, "grads");
  requireMatches(env, params, m, fn, "expAvg");
  requireMatches(env, params, v, fn, "expAvgSq");
  requireMatches(env, params, vmax, fn, "maxExpAvgSq");
  const double* stepSize = perTensorArg(info, 5, fn, "stepSize", params.items.size());
  const double* bias2Sqrt = perTensorArg(info, 6, fn, "bias2Sqrt", params.items.size());
  AdamScalars s{numberArg(info, 7, fn, "beta1"), numberArg(info, 8, fn, "beta2"), numberArg(info, 9, fn, "eps"),
                numberArg(info, 10, fn, "weightDecay"), numberArg(info, 11, fn, "decay"), boolArg(info, 12, fn, "maximize")};
  if (isF64(params)) adamStep(ctxOf(info), tensorList<double>(params, grads, m, v, vmax), stepSize, bias2Sqrt, s);
  else adamStep(ctxOf(info), tensorList<float>(params, grads, m, v, vmax), stepSize, bias2Sqrt, s);
}

// rmspropStep(params, grads, squareAvg, gradAvg|null, momentumBuffers|null, lr, alpha, eps, weightDecay, momentum, maximize)
void RmspropStep(const Napi::CallbackInfo& info) {
  const char* fn = "rmspropStep";
  Napi::Env env = info.Env();
  ListArg params = paramsArg(info, fn);
  ListArg grads = listArg(info, 1, fn, "grads", false), sq = listArg(info, 2, fn, "squareAvg", false);
  ListArg ga = listArg(info, 3, fn, "gradAvg", true), bufs = listArg(info, 4, fn, "momentumBuffers", true);
  requireMatches(env, params, grads, fn, "grads");
  requireMatches(env, params, sq, fn, "squareAvg");
  requireMatches(env, params, ga, fn, "gradAvg");
  requireMatches(env, params, bufs, fn, "momentumBuffers");
  RmspropScalars s{numberArg(info, 5, fn, "lr"), numberArg(info, 6, fn, "alpha"), numberArg(info, 7, fn, "eps"),
                   numberArg(info, 8, fn, "weightDecay"), numberArg(info, 9, fn, "momentum"), boolArg(info, 10, fn, "maximize")};
  if (s.momentum > 0.0 && !bufs.present) throwType(env, "rmspropStep: momentumBuffers are required when momentum > 0");
  if (isF64(params)) rmspropStep(ctxOf(info), tensorList<double>(params, grads, sq, ga, bufs), s);
  else rmspropStep(ctxOf(info), tensorList<float>(params, grads, sq, ga, bufs), s);
}

// The arrays and lengths of a one-dtype list, typed.
template <typename T>
void typedList(const ListArg& list, std::vector<T*>* data, std::vector<int64_t>* length) {
  for (const ArrayArg& a : list.items) {
    data->push_back(static_cast<T*>(a.data));
    length->push_back(a.length);
  }
}

// foreachNorm(arrays, p, out: Float64Array): out[i] = the p-norm of arrays[i] (p > 0 or Infinity).
void ForeachNorm(const Napi::CallbackInfo& info) {
  const char* fn = "foreachNorm";
  Napi::Env env = info.Env();
  ListArg arrays = paramsArg(info, fn);
  const double p = numberArg(info, 1, fn, "p");
  if (!(p > 0)) throwRange(env, std::string(fn) + ": p must be > 0 or Infinity, got " + std::to_string(p));
  ArrayArg out = arrayArgOf(info, 2, fn, "out", ElemType::F64);
  requireLength(env, out, static_cast<int64_t>(arrays.items.size()), fn, "out");
  std::vector<int64_t> length;
  if (isF64(arrays)) {
    std::vector<const double*> x;
    typedList(arrays, &x, &length);
    foreachNorm(ctxOf(info), x, length, p, static_cast<double*>(out.data));
  } else {
    std::vector<const float*> x;
    typedList(arrays, &x, &length);
    foreachNorm(ctxOf(info), x, length, p, static_cast<double*>(out.data));
  }
}

// foreachScale(arrays, scale): every array multiplied by scale in place.
void ForeachScale(const Napi::CallbackInfo& info) {
  const char* fn = "foreachScale";
  ListArg arrays = paramsArg(info, fn);
  const double scale = numberArg(info, 1, fn, "scale");
  std::vector<int64_t> length;
  if (isF64(arrays)) {
    std::vector<double*> x;
    typedList(arrays, &x, &length);
    foreachScale(ctxOf(info), x, length, scale);
  } else {
    std::vector<float*> x;
    typedList(arrays, &x, &length);
    foreachScale(ctxOf(info), x, length, scale);
  }
}

}  // namespace

void registerOptimBindings(Napi::Env env, Napi::Object exports) {
  exportBinding(env, exports, "sgdStep", SgdStep);
  exportBinding(env, exports, "adamStep", AdamStep);
  exportBinding(env, exports, "rmspropStep", RmspropStep);
  exportBinding(env, exports, "foreachNorm", ForeachNorm);
  exportBinding(env, exports, "foreachScale", ForeachScale);
}

}  // namespace lattice

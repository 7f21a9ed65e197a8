// Argument checking for the bindings: every malformed call becomes a JS error
// naming the function and the argument; nothing reaches a kernel unchecked.
#pragma once

#include <napi.h>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>

#include "kernels/elementwise.h"

namespace lattice {

struct ArrayArg {
  void* data = nullptr;
  int64_t length = 0;
  ElemType type = ElemType::F32;
  size_t byteLength = 0;
};

[[noreturn]] inline void throwType(Napi::Env env, const std::string& msg) { throw Napi::TypeError::New(env, msg); }
[[noreturn]] inline void throwRange(Napi::Env env, const std::string& msg) { throw Napi::RangeError::New(env, msg); }

inline const char* typeName(ElemType t) {
  switch (t) {
    case ElemType::F32: return "Float32Array";
    case ElemType::F64: return "Float64Array";
    case ElemType::I32: return "Int32Array";
    default: return "Uint8Array";
  }
}

// One napi_get_typedarray_info call per argument: node-addon-api's TypedArray
// accessors each repeat it, which made argument checks most of a tiny op's cost.
inline ArrayArg arrayArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  Napi::Env env = info.Env();
  bool isTyped = false;
  if (i >= info.Length() || napi_is_typedarray(env, info[i], &isTyped) != napi_ok || !isTyped)
    throwType(env, std::string(fn) + ": " + name + " must be a typed array");
  napi_typedarray_type type;
  size_t length = 0, byteOffset = 0;
  void* data = nullptr;
  napi_value arrayBuffer;
  if (napi_get_typedarray_info(env, info[i], &type, &length, &data, &arrayBuffer, &byteOffset) != napi_ok)
    throwType(env, std::string(fn) + ": " + name + " could not be read as a typed array");
  ArrayArg a;
  size_t elementSize = 4;
  switch (type) {
    case napi_float32_array: a.type = ElemType::F32; break;
    case napi_float64_array: a.type = ElemType::F64; elementSize = 8; break;
    case napi_int32_array: a.type = ElemType::I32; break;
    case napi_uint8_array: a.type = ElemType::U8; elementSize = 1; break;
    default: throwType(env, std::string(fn) + ": " + name + " must be a Float32Array, Float64Array, Int32Array or Uint8Array");
  }
  // A detached buffer reads as length 0, which could silently pass a length check
  // against another empty operand; name it instead.
  if (length == 0) {
    bool detached = false;
    if (napi_is_detached_arraybuffer(env, arrayBuffer, &detached) == napi_ok && detached)
      throwType(env, std::string(fn) + ": " + name + " has a detached buffer");
  }
  if (length > 0 && data == nullptr) throwType(env, std::string(fn) + ": " + name + " has a detached buffer");
  a.length = static_cast<int64_t>(length);
  a.byteLength = length * elementSize;
  a.data = data;
  return a;
}

inline ArrayArg arrayArgOf(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, ElemType want) {
  ArrayArg a = arrayArg(info, i, fn, name);
  if (a.type != want)
    throwType(info.Env(), std::string(fn) + ": " + name + " must be a " + typeName(want) + ", got a " + typeName(a.type));
  return a;
}

inline bool isNullish(const Napi::CallbackInfo& info, size_t i) {
  return i >= info.Length() || info[i].IsNull() || info[i].IsUndefined();
}

inline int64_t intArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t lo = 0,
                      int64_t hi = INT32_MAX) {
  Napi::Env env = info.Env();
  if (i >= info.Length() || !info[i].IsNumber()) throwType(env, std::string(fn) + ": " + name + " must be a number");
  const double v = info[i].As<Napi::Number>().DoubleValue();
  if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi)) || v != static_cast<double>(static_cast<int64_t>(v)))
    throwRange(env, std::string(fn) + ": " + name + " must be an integer in [" + std::to_string(lo) + ", " +
                        std::to_string(hi) + "], got " + std::to_string(v));
  return static_cast<int64_t>(v);
}

inline double numberArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber()) throwType(info.Env(), std::string(fn) + ": " + name + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

inline bool boolArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  if (i >= info.Length() || !info[i].IsBoolean()) throwType(info.Env(), std::string(fn) + ": " + name + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

inline std::string wholeNumber(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

// The product of sizes that each fit in int32: three of them can overflow int64
// (2^22 * 2^21 * 2^21 wraps to 0) and slip past a length check, so multiply in
// double (exact below 2^53, monotonic above) and reject anything over INT32_MAX.
inline int64_t checkedProduct(Napi::Env env, std::initializer_list<int64_t> sizes, const char* fn, const char* what) {
  double p = 1;
  for (int64_t s : sizes) p *= static_cast<double>(s);
  if (p > static_cast<double>(INT32_MAX))
    throwRange(env, std::string(fn) + ": " + what + " is " + wholeNumber(p) + " elements, more than 2^31-1");
  return static_cast<int64_t>(p);
}

// Number of elements of an int32 shape array, rejecting negative sizes and totals over INT32_MAX.
inline int64_t shapeTotal(Napi::Env env, const ArrayArg& shape, const char* fn) {
  const auto* s = static_cast<const int32_t*>(shape.data);
  double p = 1;
  for (int64_t d = 0; d < shape.length; ++d) {
    if (s[d] < 0) throwRange(env, std::string(fn) + ": shape has a negative size " + std::to_string(s[d]));
    p *= static_cast<double>(s[d]);
  }
  if (p > static_cast<double>(INT32_MAX))
    throwRange(env, std::string(fn) + ": shape has " + wholeNumber(p) + " elements, more than 2^31-1");
  return static_cast<int64_t>(p);
}

// Shared checks of the bindings: dtype families, equal types, and no aliasing between outputs and inputs.
inline void requireFloat(Napi::Env env, const ArrayArg& a, const char* fn, const char* name) {
  if (a.type != ElemType::F32 && a.type != ElemType::F64) throwType(env, std::string(fn) + ": " + name + " must be a Float32Array or Float64Array");
}

inline void requireSameType(Napi::Env env, const ArrayArg& a, const ArrayArg& b, const char* fn, const char* an, const char* bn) {
  if (a.type != b.type)
    throwType(env, std::string(fn) + ": " + an + " is a " + typeName(a.type) + " but " + bn + " is a " + typeName(b.type));
}

inline bool overlaps(const ArrayArg& a, const ArrayArg& b) {
  const auto* a0 = static_cast<const uint8_t*>(a.data);
  const auto* b0 = static_cast<const uint8_t*>(b.data);
  return a.byteLength > 0 && b.byteLength > 0 && a0 < b0 + b.byteLength && b0 < a0 + a.byteLength;
}

inline void requireDisjoint(Napi::Env env, const ArrayArg& out, const ArrayArg& in, const char* fn, const char* outName, const char* inName) {
  if (overlaps(out, in)) throwRange(env, std::string(fn) + ": " + outName + " must not share memory with " + inName);
}

inline void requireLength(Napi::Env env, const ArrayArg& a, int64_t want, const char* fn, const char* name) {
  if (a.length != want)
    throwRange(env, std::string(fn) + ": " + name + " has " + std::to_string(a.length) + " elements, expected " + std::to_string(want));
}

// Checks that every index reached by offset + sum(i_d * strides_d) over `shape` lies in [0, length).
inline void requireStridedFits(Napi::Env env, const ArrayArg& shape, const ArrayArg& strides, int64_t offset, int64_t length,
                               const char* fn, const char* name) {
  const auto* s = static_cast<const int32_t*>(shape.data);
  const auto* st = static_cast<const int32_t*>(strides.data);
  if (strides.length != shape.length) throwRange(env, std::string(fn) + ": " + name + " strides and shape differ in rank");
  // With the total capped at INT32_MAX, sum((s_d - 1) * st_d) stays below 2^62: no overflow in hi.
  const int64_t total = shapeTotal(env, shape, fn);
  int64_t hi = offset;
  for (int64_t d = 0; d < shape.length; ++d) {
    if (st[d] < 0) throwRange(env, std::string(fn) + ": negative stride for " + name);
    if (s[d] > 0) hi += static_cast<int64_t>(s[d] - 1) * st[d];
  }
  if (total > 0 && (offset < 0 || hi >= length))
    throwRange(env, std::string(fn) + ": " + name + " reaches element " + std::to_string(hi) + " of " + std::to_string(length));
}

}  // namespace lattice

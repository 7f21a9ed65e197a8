// Bindings of the scan, order and rearrangement kernels (kernels/scan.h, sort.h, rearrange.h):
//   scan(isProd, reverse, x, out, outer, len, inner)
//   sort(x, values, indices, outer, len, inner, k, descending)
//   flip(x, out, outer, len, inner)
//   roll(x, out, outer, len, inner, shift)
//   triangle(lower, x, out, batch, rows, cols, diagonal)
#include <string>

#include "../args.h"
#include "../kernels/rearrange.h"
#include "../kernels/scan.h"
#include "../kernels/sort.h"
#include "bindings.h"

namespace lattice {
namespace {

struct Axis {
  int64_t outer, len, inner;
};

// outer, len, inner from info[i..i+2]; their product must stay below 2^31.
Axis axisArgs(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  Axis a{intArg(info, i, fn, "outer"), intArg(info, i + 1, fn, "len"), intArg(info, i + 2, fn, "inner")};
  checkedProduct(info.Env(), {a.outer, a.len, a.inner}, fn, "outer*len*inner");
  return a;
}

void Scan(const Napi::CallbackInfo& info) {
  const char* fn = "scan";
  Napi::Env env = info.Env();
  const bool isProd = boolArg(info, 0, fn, "isProd"), reverse = boolArg(info, 1, fn, "reverse");
  ArrayArg x = arrayArg(info, 2, fn, "x"), out = arrayArg(info, 3, fn, "out");
  if (x.type == ElemType::U8) throwType(env, "scan: x must be a Float32Array, Float64Array or Int32Array");
  requireSameType(env, x, out, fn, "x", "out");
  const Axis a = axisArgs(info, 4, fn);
  requireLength(env, x, a.outer * a.len * a.inner, fn, "x");
  requireLength(env, out, x.length, fn, "out");
  // out may be x itself, but not a shifted view of it: a later element would be read after it was written.
  if (out.data != x.data) requireDisjoint(env, out, x, fn, "out", "x");
  scanKernel(ctxOf(info), isProd, reverse, x.type, x.data, out.data, a.outer, a.len, a.inner);
}

void Sort(const Napi::CallbackInfo& info) {
  const char* fn = "sort";
  Napi::Env env = info.Env();
  ArrayArg x = arrayArg(info, 0, fn, "x"), values = arrayArg(info, 1, fn, "values");
  ArrayArg indices = arrayArgOf(info, 2, fn, "indices", ElemType::I32);
  requireSameType(env, x, values, fn, "x", "values");
  const Axis a = axisArgs(info, 3, fn);
  const int64_t k = intArg(info, 6, fn, "k", 0, a.len);
  const bool descending = boolArg(info, 7, fn, "descending");
  requireLength(env, x, a.outer * a.len * a.inner, fn, "x");
  requireLength(env, values, a.outer * k * a.inner, fn, "values");
  requireLength(env, indices, a.outer * k * a.inner, fn, "indices");
  requireDisjoint(env, values, x, fn, "values", "x");
  requireDisjoint(env, indices, x, fn, "indices", "x");
  requireDisjoint(env, indices, values, fn, "indices", "values");
  sortKernel(ctxOf(info), x.type, x.data, values.data, static_cast<int32_t*>(indices.data), a.outer, a.len, a.inner, k, descending);
}

void Flip(const Napi::CallbackInfo& info) {
  const char* fn = "flip";
  Napi::Env env = info.Env();
  ArrayArg x = arrayArg(info, 0, fn, "x"), out = arrayArg(info, 1, fn, "out");
  requireSameType(env, x, out, fn, "x", "out");
  const Axis a = axisArgs(info, 2, fn);
  requireLength(env, x, a.outer * a.len * a.inner, fn, "x");
  requireLength(env, out, x.length, fn, "out");
  requireDisjoint(env, out, x, fn, "out", "x");
  flipKernel(ctxOf(info), x.type, x.data, out.data, a.outer, a.len, a.inner);
}

void Roll(const Napi::CallbackInfo& info) {
  const char* fn = "roll";
  Napi::Env env = info.Env();
  ArrayArg x = arrayArg(info, 0, fn, "x"), out = arrayArg(info, 1, fn, "out");
  requireSameType(env, x, out, fn, "x", "out");
  const Axis a = axisArgs(info, 2, fn);
  if (a.len == 0) throwRange(env, "roll: len must be positive");
  const int64_t shift = intArg(info, 5, fn, "shift", 0, a.len - 1);
  requireLength(env, x, a.outer * a.len * a.inner, fn, "x");
  requireLength(env, out, x.length, fn, "out");
  requireDisjoint(env, out, x, fn, "out", "x");
  rollKernel(ctxOf(info), x.type, x.data, out.data, a.outer, a.len, a.inner, shift);
}

void Triangle(const Napi::CallbackInfo& info) {
  const char* fn = "triangle";
  Napi::Env env = info.Env();
  const bool lower = boolArg(info, 0, fn, "lower");
  ArrayArg x = arrayArg(info, 1, fn, "x"), out = arrayArg(info, 2, fn, "out");
  requireSameType(env, x, out, fn, "x", "out");
  const int64_t batch = intArg(info, 3, fn, "batch"), rows = intArg(info, 4, fn, "rows"), cols = intArg(info, 5, fn, "cols");
  const int64_t diagonal = intArg(info, 6, fn, "diagonal", INT32_MIN, INT32_MAX);
  checkedProduct(env, {batch, rows, cols}, fn, "batch*rows*cols");
  requireLength(env, x, batch * rows * cols, fn, "x");
  requireLength(env, out, x.length, fn, "out");
  requireDisjoint(env, out, x, fn, "out", "x");
  triangleKernel(ctxOf(info), lower, x.type, x.data, out.data, batch, rows, cols, diagonal);
}

}  // namespace

void registerScanOrderBindings(Napi::Env env, Napi::Object exports) {
  exportBinding(env, exports, "scan", Scan);
  exportBinding(env, exports, "sort", Sort);
  exportBinding(env, exports, "flip", Flip);
  exportBinding(env, exports, "roll", Roll);
  exportBinding(env, exports, "triangle", Triangle);
}

}  // namespace lattice

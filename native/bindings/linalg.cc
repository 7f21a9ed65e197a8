// Bindings of the linear-algebra kernels (kernels/linalg.h):
//   cholesky(a, out, info, batch, n, upper)
//   triangularSolve(a, b, out, batch, n, k, upper, left, unitriangular)
//   luFactor(a, lu, pivots, info, batch, n)
//   luSolve(lu, pivots, b, out, batch, n, k)
//   qr(a, q | null, r, batch, m, n, complete)
//   eigh(a, values, vectors | null, info, batch, n, upper)
//   svd(a, u | null, s, vh | null, info, batch, m, n, full)
// Float arrays share one type; info and pivots are Int32Arrays; outputs may not overlap inputs.
#include <algorithm>
#include <string>

#include "../args.h"
#include "../kernels/linalg.h"
#include "bindings.h"

namespace lattice {
namespace {

ArrayArg floatArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, const ArrayArg* like) {
  ArrayArg a = arrayArg(info, i, fn, name);
  requireFloat(info.Env(), a, fn, name);
  if (like) requireSameType(info.Env(), *like, a, fn, "a", name);
  return a;
}

void Cholesky(const Napi::CallbackInfo& info) {
  const char* fn = "cholesky";
  Napi::Env env = info.Env();
  ArrayArg a = floatArg(info, 0, fn, "a", nullptr), out = floatArg(info, 1, fn, "out", &a);
  ArrayArg status = arrayArgOf(info, 2, fn, "info", ElemType::I32);
  const int64_t batch = intArg(info, 3, fn, "batch"), n = intArg(info, 4, fn, "n");
  const bool upper = boolArg(info, 5, fn, "upper");
  requireLength(env, a, checkedProduct(env, {batch, n, n}, fn, "batch*n*n"), fn, "a");
  requireLength(env, out, a.length, fn, "out");
  requireLength(env, status, batch, fn, "info");
  requireDisjoint(env, out, a, fn, "out", "a");
  choleskyKernel(ctxOf(info), a.type, a.data, out.data, static_cast<int32_t*>(status.data), batch, n, upper);
}

void TriangularSolve(const Napi::CallbackInfo& info) {
  const char* fn = "triangularSolve";
  Napi::Env env = info.Env();
  ArrayArg a = floatArg(info, 0, fn, "a", nullptr), b = floatArg(info, 1, fn, "b", &a), out = floatArg(info, 2, fn, "out", &a);
  const int64_t batch = intArg(info, 3, fn, "batch"), n = intArg(info, 4, fn, "n"), k = intArg(info, 5, fn, "k");
  const bool upper = boolArg(info, 6, fn, "upper"), left = boolArg(info, 7, fn, "left"), unit = boolArg(info, 8, fn, "unitriangular");
  requireLength(env, a, checkedProduct(env, {batch, n, n}, fn, "batch*n*n"), fn, "a");
  requireLength(env, b, checkedProduct(env, {batch, n, k}, fn, "batch*n*k"), fn, "b");
  requireLength(env, out, b.length, fn, "out");
  requireDisjoint(env, out, a, fn, "out", "a");
  requireDisjoint(env, out, b, fn, "out", "b");
  triangularSolveKernel(ctxOf(info), a.type, a.data, b.data, out.data, batch, n, k, upper, left, unit);
}

void LuFactor(const Napi::CallbackInfo& info) {
  const char* fn = "luFactor";
  Napi::Env env = info.Env();
  ArrayArg a = floatArg(info, 0, fn, "a", nullptr), lu = floatArg(info, 1, fn, "lu", &a);
  ArrayArg pivots = arrayArgOf(info, 2, fn, "pivots", ElemType::I32), status = arrayArgOf(info, 3, fn, "info", ElemType::I32);
  const int64_t batch = intArg(info, 4, fn, "batch"), n = intArg(info, 5, fn, "n");
  requireLength(env, a, checkedProduct(env, {batch, n, n}, fn, "batch*n*n"), fn, "a");
  requireLength(env, lu, a.length, fn, "lu");
  requireLength(env, pivots, checkedProduct(env, {batch, n}, fn, "batch*n"), fn, "pivots");
  requireLength(env, status, batch, fn, "info");
  requireDisjoint(env, lu, a, fn, "lu", "a");
  requireDisjoint(env, pivots, status, fn, "pivots", "info");
  luFactorKernel(ctxOf(info), a.type, a.data, lu.data, static_cast<int32_t*>(pivots.data), static_cast<int32_t*>(status.data), batch, n);
}

void LuSolve(const Napi::CallbackInfo& info) {
  const char* fn = "luSolve";
  Napi::Env env = info.Env();
  ArrayArg lu = floatArg(info, 0, fn, "lu", nullptr);
  ArrayArg pivots = arrayArgOf(info, 1, fn, "pivots", ElemType::I32);
  ArrayArg b = floatArg(info, 2, fn, "b", &lu), out = floatArg(info, 3, fn, "out", &lu);
  const int64_t batch = intArg(info, 4, fn, "batch"), n = intArg(info, 5, fn, "n"), k = intArg(info, 6, fn, "k");
  requireLength(env, lu, checkedProduct(env, {batch, n, n}, fn, "batch*n*n"), fn, "lu");
  requireLength(env, pivots, checkedProduct(env, {batch, n}, fn, "batch*n"), fn, "pivots");
  requireLength(env, b, checkedProduct(env, {batch, n, k}, fn, "batch*n*k"), fn, "b");
  requireLength(env, out, b.length, fn, "out");
  requireDisjoint(env, out, lu, fn, "out", "lu");
  requireDisjoint(env, out, b, fn, "out", "b");
  // A pivot is a row index: one out of range would swap memory outside out.
  const auto* piv = static_cast<const int32_t*>(pivots.data);
  for (int64_t i = 0; i < pivots.length; ++i)
    if (piv[i] < 0 || piv[i] >= n)
      throwRange(env, std::string(fn) + ": pivots[" + std::to_string(i) + "] is " + std::to_string(piv[i]) + ", outside [0, " + std::to_string(n) + ")");
  luSolveKernel(ctxOf(info), lu.type, lu.data, piv, b.data, out.data, batch, n, k);
}

void Qr(const Napi::CallbackInfo& info) {
  const char* fn = "qr";
  Napi::Env env = info.Env();
  ArrayArg a = floatArg(info, 0, fn, "a", nullptr), r = floatArg(info, 2, fn, "r", &a);
  const int64_t batch = intArg(info, 3, fn, "batch"), m = intArg(info, 4, fn, "m"), n = intArg(info, 5, fn, "n");
  const bool complete = boolArg(info, 6, fn, "complete");
  const int64_t kq = complete ? m : std::min(m, n);
  requireLength(env, a, checkedProduct(env, {batch, m, n}, fn, "batch*m*n"), fn, "a");
  requireLength(env, r, checkedProduct(env, {batch, kq, n}, fn, "batch*rows*n"), fn, "r");
  requireDisjoint(env, r, a, fn, "r", "a");
  void* q = nullptr;
  const bool wantQ = !isNullish(info, 1);
  if (wantQ) {
    ArrayArg qa = floatArg(info, 1, fn, "q", &a);
    requireLength(env, qa, checkedProduct(env, {batch, m, kq}, fn, "batch*m*cols"), fn, "q");
    requireDisjoint(env, qa, a, fn, "q", "a");
    requireDisjoint(env, qa, r, fn, "q", "r");
    q = qa.data;
  }
  qrKernel(ctxOf(info), a.type, a.data, q, wantQ, r.data, batch, m, n, complete);
}

void Eigh(const Napi::CallbackInfo& info) {
  const char* fn = "eigh";
  Napi::Env env = info.Env();
  ArrayArg a = floatArg(info, 0, fn, "a", nullptr), values = floatArg(info, 1, fn, "values", &a);
  ArrayArg status = arrayArgOf(info, 3, fn, "info", ElemType::I32);
  const int64_t batch = intArg(info, 4, fn, "batch"), n = intArg(info, 5, fn, "n");
  const bool upper = boolArg(info, 6, fn, "upper");
  requireLength(env, a, checkedProduct(env, {batch, n, n}, fn, "batch*n*n"), fn, "a");
  requireLength(env, values, checkedProduct(env, {batch, n}, fn, "batch*n"), fn, "values");
  requireLength(env, status, batch, fn, "info");
  requireDisjoint(env, values, a, fn, "values", "a");
  void* vectors = nullptr;
  const bool wantVectors = !isNullish(info, 2);
  if (wantVectors) {
    ArrayArg va = floatArg(info, 2, fn, "vectors", &a);
    requireLength(env, va, a.length, fn, "vectors");
    requireDisjoint(env, va, a, fn, "vectors", "a");
    requireDisjoint(env, va, values, fn, "vectors", "values");
    vectors = va.data;
  }
  eighKernel(ctxOf(info), a.type, a.data, values.data, vectors, wantVectors, static_cast<int32_t*>(status.data), batch, n, upper);
}

void Svd(const Napi::CallbackInfo& info) {
  const char* fn = "svd";
  Napi::Env env = info.Env();
  ArrayArg a = floatArg(info, 0, fn, "a", nullptr), s = floatArg(info, 2, fn, "s", &a);
  ArrayArg status = arrayArgOf(info, 4, fn, "info", ElemType::I32);
  const int64_t batch = intArg(info, 5, fn, "batch"), m = intArg(info, 6, fn, "m"), n = intArg(info, 7, fn, "n");
  const bool full = boolArg(info, 8, fn, "full");
  const int64_t k = std::min(m, n);
  requireLength(env, a, checkedProduct(env, {batch, m, n}, fn, "batch*m*n"), fn, "a");
  requireLength(env, s, checkedProduct(env, {batch, k}, fn, "batch*k"), fn, "s");
  requireLength(env, status, batch, fn, "info");
  requireDisjoint(env, s, a, fn, "s", "a");
  if (isNullish(info, 1) != isNullish(info, 3)) throwType(env, "svd: u and vh must both be arrays or both be null");
  void* u = nullptr;
  void* vh = nullptr;
  const bool wantVectors = !isNullish(info, 1);
  if (wantVectors) {
    ArrayArg ua = floatArg(info, 1, fn, "u", &a), va = floatArg(info, 3, fn, "vh", &a);
    requireLength(env, ua, checkedProduct(env, {batch, m, full ? m : k}, fn, "batch*m*cols"), fn, "u");
    requireLength(env, va, checkedProduct(env, {batch, full ? n : k, n}, fn, "batch*rows*n"), fn, "vh");
    requireDisjoint(env, ua, a, fn, "u", "a");
    requireDisjoint(env, va, a, fn, "vh", "a");
    requireDisjoint(env, ua, s, fn, "u", "s");
    requireDisjoint(env, va, s, fn, "vh", "s");
    requireDisjoint(env, ua, va, fn, "u", "vh");
    u = ua.data;
    vh = va.data;
  }
  svdKernel(ctxOf(info), a.type, a.data, u, s.data, vh, wantVectors, static_cast<int32_t*>(status.data), batch, m, n, full);
}

}  // namespace

void registerLinalgBindings(Napi::Env env, Napi::Object exports) {
  exportBinding(env, exports, "cholesky", Cholesky);
  exportBinding(env, exports, "triangularSolve", TriangularSolve);
  exportBinding(env, exports, "luFactor", LuFactor);
  exportBinding(env, exports, "luSolve", LuSolve);
  exportBinding(env, exports, "qr", Qr);
  exportBinding(env, exports, "eigh", Eigh);
  exportBinding(env, exports, "svd", Svd);
}

}  // namespace lattice

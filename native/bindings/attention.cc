// Bindings of the fused attention kernels (kernels/attention.h):
//   attentionForward(q, k, v, mask, maskOffsets, maskRowStride, maskColStride, out, lse,
//                    batch, L, S, E, Ev, scale, causal)
//   attentionBackward(q, k, v, out, dout, lse, mask, maskOffsets, maskRowStride, maskColStride,
//                     dq, dk, dv, batch, L, S, E, Ev, scale, causal)
// Data arrays are all Float32Array or all Float64Array; lse is a Float64Array [batch * L];
// mask is null, a Uint8Array (bool) or an array of the data's type, read at
// maskOffsets[b] (Int32Array [batch]) + i * maskRowStride + j * maskColStride.
#include <cmath>
#include <string>

#include "../args.h"
#include "../kernels/attention.h"
#include "bindings.h"

namespace lattice {
namespace {

struct Geometry {
  AttentionShape shape;
  int64_t qSize, kSize, vSize, oSize;
};

Geometry geometryArgs(const Napi::CallbackInfo& info, size_t at, const char* fn) {
  Napi::Env env = info.Env();
  Geometry g;
  AttentionShape& s = g.shape;
  s.batch = intArg(info, at, fn, "batch");
  s.L = intArg(info, at + 1, fn, "L");
  s.S = intArg(info, at + 2, fn, "S");
  s.E = intArg(info, at + 3, fn, "E");
  s.Ev = intArg(info, at + 4, fn, "Ev");
  s.scale = numberArg(info, at + 5, fn, "scale");
  if (!std::isfinite(s.scale)) throwRange(env, std::string(fn) + ": scale must be finite");
  s.causal = boolArg(info, at + 6, fn, "causal");
  g.qSize = checkedProduct(env, {s.batch, s.L, s.E}, fn, "q");
  g.kSize = checkedProduct(env, {s.batch, s.S, s.E}, fn, "k");
  g.vSize = checkedProduct(env, {s.batch, s.S, s.Ev}, fn, "v");
  g.oSize = checkedProduct(env, {s.batch, s.L, s.Ev}, fn, "out");
  return g;
}

ArrayArg dataArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t want,
                 const ArrayArg* like) {
  ArrayArg a = arrayArg(info, i, fn, name);
  requireFloat(info.Env(), a, fn, name);
  if (like) requireSameType(info.Env(), a, *like, fn, name, "q");
  requireLength(info.Env(), a, want, fn, name);
  return a;
}

// The mask arguments at [at, at + 4): checks that every element the kernel reads lies inside.
AttentionMask maskArgs(const Napi::CallbackInfo& info, size_t at, const char* fn, const ArrayArg& q, const AttentionShape& s) {
  Napi::Env env = info.Env();
  AttentionMask m;
  if (isNullish(info, at)) return m;
  ArrayArg values = arrayArg(info, at, fn, "mask");
  if (values.type == ElemType::U8) m.kind = AttentionMaskKind::Bool;
  else if (values.type == q.type) m.kind = AttentionMaskKind::Additive;
  else throwType(env, std::string(fn) + ": mask must be a Uint8Array (bool) or a " + typeName(q.type) + " like q, got a " + typeName(values.type));
  ArrayArg offsets = arrayArgOf(info, at + 1, fn, "maskOffsets", ElemType::I32);
  requireLength(env, offsets, s.batch, fn, "maskOffsets");
  m.rowStride = intArg(info, at + 2, fn, "maskRowStride");
  m.colStride = intArg(info, at + 3, fn, "maskColStride");
  const auto* off = static_cast<const int32_t*>(offsets.data);
  const int64_t span = (s.L > 0 ? (s.L - 1) * m.rowStride : 0) + (s.S > 0 ? (s.S - 1) * m.colStride : 0);
  if (s.L > 0 && s.S > 0)
    for (int64_t b = 0; b < s.batch; ++b)
      if (off[b] < 0 || off[b] + span >= values.length)
        throwRange(env, std::string(fn) + ": the mask of batch-head " + std::to_string(b) + " reaches element " +
                            std::to_string(static_cast<int64_t>(off[b]) + span) + " of " + std::to_string(values.length));
  m.values = values.data;
  m.offsets = off;
  return m;
}

template <typename T>
T* ptr(const ArrayArg& a) {
  return static_cast<T*>(a.data);
}

void AttentionForward(const Napi::CallbackInfo& info) {
  const char* fn = "attentionForward";
  Napi::Env env = info.Env();
  const Geometry g = geometryArgs(info, 9, fn);
  const AttentionShape& s = g.shape;
  ArrayArg q = dataArg(info, 0, fn, "q", g.qSize, nullptr);
  ArrayArg k = dataArg(info, 1, fn, "k", g.kSize, &q), v = dataArg(info, 2, fn, "v", g.vSize, &q);
  const AttentionMask mask = maskArgs(info, 3, fn, q, s);
  ArrayArg out = dataArg(info, 7, fn, "out", g.oSize, &q);
  ArrayArg lse = arrayArgOf(info, 8, fn, "lse", ElemType::F64);
  requireLength(env, lse, s.batch * s.L, fn, "lse");
  for (const auto& [in, name] : {std::pair{&q, "q"}, {&k, "k"}, {&v, "v"}}) requireDisjoint(env, out, *in, fn, "out", name);
  if (q.type == ElemType::F32)
    attentionForward<float>(ctxOf(info), ptr<float>(q), ptr<float>(k), ptr<float>(v), mask, ptr<float>(out), ptr<double>(lse), s);
  else
    attentionForward<double>(ctxOf(info), ptr<double>(q), ptr<double>(k), ptr<double>(v), mask, ptr<double>(out), ptr<double>(lse), s);
}

void AttentionBackward(const Napi::CallbackInfo& info) {
  const char* fn = "attentionBackward";
  Napi::Env env = info.Env();
  const Geometry g = geometryArgs(info, 13, fn);
  const AttentionShape& s = g.shape;
  ArrayArg q = dataArg(info, 0, fn, "q", g.qSize, nullptr);
  ArrayArg k = dataArg(info, 1, fn, "k", g.kSize, &q), v = dataArg(info, 2, fn, "v", g.vSize, &q);
  ArrayArg out = dataArg(info, 3, fn, "out", g.oSize, &q), dout = dataArg(info, 4, fn, "dout", g.oSize, &q);
  ArrayArg lse = arrayArgOf(info, 5, fn, "lse", ElemType::F64);
  requireLength(env, lse, s.batch * s.L, fn, "lse");
  const AttentionMask mask = maskArgs(info, 6, fn, q, s);
  ArrayArg dq = dataArg(info, 10, fn, "dq", g.qSize, &q), dk = dataArg(info, 11, fn, "dk", g.kSize, &q);
  ArrayArg dv = dataArg(info, 12, fn, "dv", g.vSize, &q);
  const std::pair<const ArrayArg*, const char*> ins[] = {{&q, "q"}, {&k, "k"}, {&v, "v"}, {&out, "out"}, {&dout, "dout"}};
  const std::pair<const ArrayArg*, const char*> outs[] = {{&dq, "dq"}, {&dk, "dk"}, {&dv, "dv"}};
  for (const auto& [o, oName] : outs) {
    for (const auto& [in, inName] : ins) requireDisjoint(env, *o, *in, fn, oName, inName);
    for (const auto& [o2, o2Name] : outs)
      if (o != o2) requireDisjoint(env, *o, *o2, fn, oName, o2Name);
  }
  if (q.type == ElemType::F32)
    attentionBackward<float>(ctxOf(info), ptr<float>(q), ptr<float>(k), ptr<float>(v), ptr<float>(out), ptr<float>(dout),
                             ptr<double>(lse), mask, ptr<float>(dq), ptr<float>(dk), ptr<float>(dv), s);
  else
    attentionBackward<double>(ctxOf(info), ptr<double>(q), ptr<double>(k), ptr<double>(v), ptr<double>(out),
                              ptr<double>(dout), ptr<double>(lse), mask, ptr<double>(dq), ptr<double>(dk), ptr<double>(dv), s);
}

}  // namespace

void registerAttentionBindings(Napi::Env env, Napi::Object exports) {
  exportBinding(env, exports, "attentionForward", AttentionForward);
  exportBinding(env, exports, "attentionBackward", AttentionBackward);
}

}  // namespace lattice

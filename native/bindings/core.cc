// Bindings of the core kernels (elementwise, reductions, softmax, GEMM, copies, indexing, RNG).
#include "bindings.h"

#include <cstdlib>
#include <string>

#include "../args.h"
#include "../context.h"
#include "../kernels/copy.h"
#include "../kernels/elementwise.h"
#include "../kernels/gemm.h"
#include "../kernels/opcodes.h"
#include "../kernels/philox.h"
#include "../kernels/reduce.h"
#include "../kernels/system_blas.h"
#ifdef LATTICE_HAVE_CUDA
#include "../cuda/api.h"
#endif

namespace lattice {
namespace {

template <typename Op>
Op opArg(const Napi::CallbackInfo& info, size_t i, const char* fn, Op count) {
  return static_cast<Op>(intArg(info, i, fn, "op", 0, static_cast<int64_t>(count) - 1));
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Context& ctx = ctxOf(info);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("isa", isaName(ctx.isa));
  o.Set("bestIsa", isaName(ctx.bestIsa));
  o.Set("threads", ctx.pool.size());
  o.Set("blas", systemBlasName());
  o.Set("gemmPath", ctx.gemmPath == GemmPath::Auto ? "auto" : ctx.gemmPath == GemmPath::Builtin ? "builtin" : "blas");
#ifdef LATTICE_HAVE_CUDA
  const cuda::Probe& probe = cuda::probe();
  o.Set("cuda", probe.available);
  o.Set("cudaReason", probe.available ? std::string() : probe.reason);
#else
  o.Set("cuda", false);
  o.Set("cudaReason", "this addon was built without CUDA (build from source with LATTICE_CUDA=1 where nvcc is installed)");
#endif
  return o;
}

Napi::Value OpNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  auto list = [&](std::initializer_list<const char*> names) {
    Napi::Array a = Napi::Array::New(env, names.size());
    uint32_t i = 0;
    for (const char* n : names) a.Set(i++, n);
    return a;
  };
#define LATTICE_NAME(name) #name,
  o.Set("unary", list({LATTICE_UNARY_OPS(LATTICE_NAME)}));
  o.Set("binary", list({LATTICE_BINARY_OPS(LATTICE_NAME)}));
  o.Set("reduce", list({LATTICE_REDUCE_OPS(LATTICE_NAME)}));
#undef LATTICE_NAME
  return o;
}

void SetIsa(const Napi::CallbackInfo& info) {
  Context& ctx = ctxOf(info);
  if (info.Length() < 1 || !info[0].IsString()) throwType(info.Env(), "setIsa: isa must be a string");
  const std::string name = info[0].As<Napi::String>();
  Isa isa;
  if (!parseIsa(name.c_str(), &isa)) throwRange(info.Env(), "setIsa: unknown isa '" + name + "' (expected scalar, avx2 or avx512)");
  if (static_cast<int>(isa) > static_cast<int>(ctx.bestIsa))
    throwRange(info.Env(), "setIsa: this CPU does not support " + name + " (best: " + isaName(ctx.bestIsa) + ")");
  ctx.isa = isa;
}

void SetGemmPath(const Napi::CallbackInfo& info) {
  Context& ctx = ctxOf(info);
  if (info.Length() < 1 || !info[0].IsString()) throwType(info.Env(), "setGemmPath: path must be a string");
  const std::string name = info[0].As<Napi::String>();
  if (name == "auto") ctx.gemmPath = GemmPath::Auto;
  else if (name == "builtin") ctx.gemmPath = GemmPath::Builtin;
  else if (name == "blas") {
    if (std::string(systemBlasName()) == "none")
      throwRange(info.Env(), "setGemmPath: 'blas' needs a system BLAS, and this addon was built without one (blas: none)");
    ctx.gemmPath = GemmPath::SystemBlas;
  } else {
    throwRange(info.Env(), "setGemmPath: unknown path '" + name + "' (expected auto, builtin or blas)");
  }
}

// Where an ArrayBuffer's memory starts within its 4 KiB page (the allocator places large
// buffers on page boundaries with it; see src/tensor/dtype.ts). Only the offset leaves here.
Napi::Value PageOffset(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsArrayBuffer()) throwType(info.Env(), "pageOffset: buffer must be an ArrayBuffer");
  const uintptr_t p = reinterpret_cast<uintptr_t>(info[0].As<Napi::ArrayBuffer>().Data());
  return Napi::Number::New(info.Env(), static_cast<double>(p % 4096));
}

void SetNumThreads(const Napi::CallbackInfo& info) {
  ctxOf(info).pool.resize(static_cast<int>(intArg(info, 0, "setNumThreads", "n", 1, 1024)));
}

void Unary(const Napi::CallbackInfo& info) {
  const char* fn = "unary";
  Napi::Env env = info.Env();
  const UnaryOp op = opArg(info, 0, fn, UnaryOp::Count);
  ArrayArg x = arrayArg(info, 1, fn, "x"), out = arrayArg(info, 2, fn, "out");
  requireSameType(env, x, out, fn, "x", "out");
  requireLength(env, out, x.length, fn, "out");
  unaryKernel(ctxOf(info), op, x.type, x.data, out.data, x.length, numberArg(info, 3, fn, "p0"), numberArg(info, 4, fn, "p1"));
}

void Binary(const Napi::CallbackInfo& info) {
  const char* fn = "binary";
  Napi::Env env = info.Env();
  const BinaryOp op = opArg(info, 0, fn, BinaryOp::Count);
  ArrayArg a = arrayArg(info, 1, fn, "a"), b = arrayArg(info, 2, fn, "b"), out = arrayArg(info, 3, fn, "out");
  requireSameType(env, a, b, fn, "a", "b");
  if (isComparison(op)) {
    if (out.type != ElemType::U8) throwType(env, "binary: out must be a Uint8Array for a comparison");
  } else {
    requireSameType(env, a, out, fn, "a", "out");
  }
  if (isNullish(info, 4)) {
    const int64_t n = out.length;
    if ((a.length != n && a.length != 1) || (b.length != n && b.length != 1) || (n > 0 && (a.length == 0 || b.length == 0)))
      throwRange(env, "binary: a has " + std::to_string(a.length) + " and b " + std::to_string(b.length) +
                          " elements; each must have out's " + std::to_string(n) + " or 1");
    binaryKernel(ctxOf(info), op, a.type, a.data, a.length, b.data, b.length, out.data, n, nullptr, nullptr, nullptr, 0);
    return;
  }
  ArrayArg shape = arrayArgOf(info, 4, fn, "shape", ElemType::I32);
  ArrayArg as = arrayArgOf(info, 5, fn, "aStrides", ElemType::I32), bs = arrayArgOf(info, 6, fn, "bStrides", ElemType::I32);
  requireStridedFits(env, shape, as, 0, a.length, fn, "a");
  requireStridedFits(env, shape, bs, 0, b.length, fn, "b");
  const int64_t total = shapeTotal(env, shape, fn);
  requireLength(env, out, total, fn, "out");
  binaryKernel(ctxOf(info), op, a.type, a.data, a.length, b.data, b.length, out.data, total,
               static_cast<const int32_t*>(shape.data), static_cast<const int32_t*>(as.data),
               static_cast<const int32_t*>(bs.data), static_cast<int>(shape.length));
}

void Where(const Napi::CallbackInfo& info) {
  const char* fn = "where";
  Napi::Env env = info.Env();
  ArrayArg cond = arrayArgOf(info, 0, fn, "cond", ElemType::U8);
  ArrayArg a = arrayArg(info, 1, fn, "a"), b = arrayArg(info, 2, fn, "b"), out = arrayArg(info, 3, fn, "out");
  requireSameType(env, a, b, fn, "a", "b");
  requireSameType(env, a, out, fn, "a", "out");
  ArrayArg shape = arrayArgOf(info, 4, fn, "shape", ElemType::I32);
  ArrayArg cs = arrayArgOf(info, 5, fn, "condStrides", ElemType::I32);
  ArrayArg as = arrayArgOf(info, 6, fn, "aStrides", ElemType::I32), bs = arrayArgOf(info, 7, fn, "bStrides", ElemType::I32);
  requireStridedFits(env, shape, cs, 0, cond.length, fn, "cond");
  requireStridedFits(env, shape, as, 0, a.length, fn, "a");
  requireStridedFits(env, shape, bs, 0, b.length, fn, "b");
  const int64_t total = shapeTotal(env, shape, fn);
  requireLength(env, out, total, fn, "out");
  whereKernel(ctxOf(info), a.type, static_cast<const uint8_t*>(cond.data), a.data, b.data, out.data, static_cast<const int32_t*>(shape.data),
              static_cast<const int32_t*>(cs.data), static_cast<const int32_t*>(as.data), static_cast<const int32_t*>(bs.data),
              static_cast<int>(shape.length));
}

struct AxisDims { int64_t outer, len, inner; };

AxisDims axisArgs(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  AxisDims d{intArg(info, i, fn, "outer"), intArg(info, i + 1, fn, "len"), intArg(info, i + 2, fn, "inner")};
  checkedProduct(info.Env(), {d.outer, d.len, d.inner}, fn, "outer*len*inner");
  return d;
}

void Reduce(const Napi::CallbackInfo& info) {
  const char* fn = "reduce";
  Napi::Env env = info.Env();
  const ReduceOp op = opArg(info, 0, fn, ReduceOp::Count);
  ArrayArg x = arrayArg(info, 1, fn, "x"), out = arrayArg(info, 2, fn, "out");
  requireSameType(env, x, out, fn, "x", "out");
  const AxisDims d = axisArgs(info, 3, fn);
  requireLength(env, x, d.outer * d.len * d.inner, fn, "x");
  requireLength(env, out, d.outer * d.inner, fn, "out");
  reduceKernel(ctxOf(info), op, x.type, x.data, out.data, d.outer, d.len, d.inner);
}

void ArgReduce(const Napi::CallbackInfo& info) {
  const char* fn = "argReduce";
  Napi::Env env = info.Env();
  const bool isMax = boolArg(info, 0, fn, "isMax");
  ArrayArg x = arrayArg(info, 1, fn, "x");
  ArrayArg values;
  const bool hasValues = !isNullish(info, 2);
  if (hasValues) {
    values = arrayArg(info, 2, fn, "values");
    requireSameType(env, x, values, fn, "x", "values");
  }
  ArrayArg indices = arrayArgOf(info, 3, fn, "indices", ElemType::I32);
  const AxisDims d = axisArgs(info, 4, fn);
  if (d.len == 0) throwRange(env, "argReduce: cannot reduce an empty dimension");
  requireLength(env, x, d.outer * d.len * d.inner, fn, "x");
  requireLength(env, indices, d.outer * d.inner, fn, "indices");
  if (hasValues) requireLength(env, values, d.outer * d.inner, fn, "values");
  argReduceKernel(ctxOf(info), isMax, x.type, x.data, hasValues ? values.data : nullptr,
                  static_cast<int32_t*>(indices.data), d.outer, d.len, d.inner);
}

void Softmax(const Napi::CallbackInfo& info) {
  const char* fn = "softmax";
  Napi::Env env = info.Env();
  const bool log = boolArg(info, 0, fn, "log");
  ArrayArg x = arrayArg(info, 1, fn, "x"), out = arrayArg(info, 2, fn, "out");
  if (x.type != ElemType::F32 && x.type != ElemType::F64) throwType(env, "softmax: x must be a Float32Array or Float64Array");
  requireSameType(env, x, out, fn, "x", "out");
  const AxisDims d = axisArgs(info, 3, fn);
  requireLength(env, x, d.outer * d.len * d.inner, fn, "x");
  requireLength(env, out, x.length, fn, "out");
  softmaxKernel(ctxOf(info), log, x.type, x.data, out.data, d.outer, d.len, d.inner);
}

// Checks one operand of a batched GEMM: every batch entry's rows x cols block with leading dim ld fits.
void requireMatrixFits(Napi::Env env, const ArrayArg& m, const ArrayArg& offsets, int64_t rows, int64_t cols, int64_t ld,
                       const char* name) {
  if (rows == 0 || cols == 0) return;
  if (ld < cols) throwRange(env, std::string("gemm: leading dimension of ") + name + " (" + std::to_string(ld) + ") is below its row length " + std::to_string(cols));
  const auto* off = static_cast<const int32_t*>(offsets.data);
  for (int64_t p = 0; p < offsets.length; ++p) {
    const int64_t last = static_cast<int64_t>(off[p]) + (rows - 1) * ld + cols - 1;
    if (off[p] < 0 || last >= m.length)
      throwRange(env, std::string("gemm: ") + name + " batch entry " + std::to_string(p) + " reaches element " +
                          std::to_string(last) + " of " + std::to_string(m.length));
  }
}

void Gemm(const Napi::CallbackInfo& info) {
  const char* fn = "gemm";
  Napi::Env env = info.Env();
  const bool transA = boolArg(info, 0, fn, "transA"), transB = boolArg(info, 1, fn, "transB");
  const int64_t M = intArg(info, 2, fn, "M"), N = intArg(info, 3, fn, "N"), K = intArg(info, 4, fn, "K");
  const double alpha = numberArg(info, 5, fn, "alpha");
  ArrayArg a = arrayArg(info, 6, fn, "a");
  ArrayArg aOff = arrayArgOf(info, 7, fn, "aOffsets", ElemType::I32);
  const int64_t lda = intArg(info, 8, fn, "lda");
  ArrayArg b = arrayArg(info, 9, fn, "b");
  ArrayArg bOff = arrayArgOf(info, 10, fn, "bOffsets", ElemType::I32);
  const int64_t ldb = intArg(info, 11, fn, "ldb");
  const double beta = numberArg(info, 12, fn, "beta");
  ArrayArg c = arrayArg(info, 13, fn, "c");
  ArrayArg cOff = arrayArgOf(info, 14, fn, "cOffsets", ElemType::I32);
  const int64_t ldc = intArg(info, 15, fn, "ldc");
  if (a.type != ElemType::F32 && a.type != ElemType::F64) throwType(env, "gemm: a must be a Float32Array or Float64Array");
  requireSameType(env, a, b, fn, "a", "b");
  requireSameType(env, a, c, fn, "a", "c");
  if (aOff.length != cOff.length || bOff.length != cOff.length) throwRange(env, "gemm: aOffsets, bOffsets and cOffsets differ in length");
  requireMatrixFits(env, a, aOff, transA ? K : M, transA ? M : K, lda, "a");
  requireMatrixFits(env, b, bOff, transB ? N : K, transB ? K : N, ldb, "b");
  requireMatrixFits(env, c, cOff, M, N, ldc, "c");
  if (M > 0 && N > 0 && (overlaps(c, a) || overlaps(c, b))) throwRange(env, "gemm: the output c must not share memory with a or b");
  Context& ctx = ctxOf(info);
  const auto* ao = static_cast<const int32_t*>(aOff.data);
  const auto* bo = static_cast<const int32_t*>(bOff.data);
  const auto* co = static_cast<const int32_t*>(cOff.data);
  for (int64_t p = 0; p < cOff.length; ++p) {
    if (a.type == ElemType::F32)
      sgemm(ctx, transA, transB, M, N, K, static_cast<float>(alpha), static_cast<const float*>(a.data) + ao[p], lda,
            static_cast<const float*>(b.data) + bo[p], ldb, static_cast<float>(beta), static_cast<float*>(c.data) + co[p], ldc);
    else
      dgemm(ctx, transA, transB, M, N, K, alpha, static_cast<const double*>(a.data) + ao[p], lda,
            static_cast<const double*>(b.data) + bo[p], ldb, beta, static_cast<double*>(c.data) + co[p], ldc);
  }
}

void CopyStrided(const Napi::CallbackInfo& info) {
  const char* fn = "copyStrided";
  Napi::Env env = info.Env();
  ArrayArg src = arrayArg(info, 0, fn, "src");
  const int64_t srcOffset = intArg(info, 1, fn, "srcOffset");
  ArrayArg srcStrides = arrayArgOf(info, 2, fn, "srcStrides", ElemType::I32);
  ArrayArg dst = arrayArg(info, 3, fn, "dst");
  const int64_t dstOffset = intArg(info, 4, fn, "dstOffset");
  ArrayArg dstStrides = arrayArgOf(info, 5, fn, "dstStrides", ElemType::I32);
  ArrayArg shape = arrayArgOf(info, 6, fn, "shape", ElemType::I32);
  requireSameType(env, src, dst, fn, "src", "dst");
  requireStridedFits(env, shape, srcStrides, srcOffset, src.length, fn, "src");
  requireStridedFits(env, shape, dstStrides, dstOffset, dst.length, fn, "dst");
  if (overlaps(src, dst)) throwRange(env, "copyStrided: src and dst must not share memory");
  copyStridedKernel(ctxOf(info), src.type, src.data, srcOffset, static_cast<const int32_t*>(srcStrides.data), dst.data,
                    dstOffset, static_cast<const int32_t*>(dstStrides.data), static_cast<const int32_t*>(shape.data),
                    static_cast<int>(shape.length));
}

void Cast(const Napi::CallbackInfo& info) {
  ArrayArg src = arrayArg(info, 0, "cast", "src"), dst = arrayArg(info, 1, "cast", "dst");
  requireLength(info.Env(), dst, src.length, "cast", "dst");
  castKernel(src.type, src.data, dst.type, dst.data, src.length);
}

void requireIndices(Napi::Env env, const ArrayArg& index, int64_t len, const char* fn) {
  const auto* idx = static_cast<const int32_t*>(index.data);
  for (int64_t k = 0; k < index.length; ++k)
    if (idx[k] < 0 || idx[k] >= len)
      throwRange(env, std::string(fn) + ": index " + std::to_string(idx[k]) + " is out of range for a dimension of size " + std::to_string(len));
}

// gather(x, index, out, outer, len, idxLen, inner) and scatterAdd(src, index, out, outer, len, idxLen, inner)
void GatherOrScatter(const Napi::CallbackInfo& info, bool scatter) {
  const char* fn = scatter ? "scatterAdd" : "gather";
  Napi::Env env = info.Env();
  ArrayArg x = arrayArg(info, 0, fn, scatter ? "src" : "x");
  ArrayArg index = arrayArgOf(info, 1, fn, "index", ElemType::I32);
  ArrayArg out = arrayArg(info, 2, fn, "out");
  requireSameType(env, x, out, fn, scatter ? "src" : "x", "out");
  const int64_t outer = intArg(info, 3, fn, "outer"), len = intArg(info, 4, fn, "len"), idxLen = intArg(info, 5, fn, "idxLen"),
                inner = intArg(info, 6, fn, "inner");
  if (scatter && x.type != ElemType::F32 && x.type != ElemType::F64) throwType(env, "scatterAdd: src must be a float array");
  checkedProduct(env, {outer, idxLen, inner}, fn, "outer*idxLen*inner");
  checkedProduct(env, {outer, len, inner}, fn, "outer*len*inner");
  requireLength(env, index, outer * idxLen * inner, fn, "index");
  requireLength(env, scatter ? x : out, outer * idxLen * inner, fn, scatter ? "src" : "out");
  requireLength(env, scatter ? out : x, outer * len * inner, fn, scatter ? "out" : "x");
  requireIndices(env, index, len, fn);
  if (scatter) scatterAddKernel(x.type, x.data, static_cast<const int32_t*>(index.data), out.data, outer, len, idxLen, inner);
  else gatherKernel(x.type, x.data, static_cast<const int32_t*>(index.data), out.data, outer, len, idxLen, inner);
}

void Gather(const Napi::CallbackInfo& info) { GatherOrScatter(info, false); }
void ScatterAdd(const Napi::CallbackInfo& info) { GatherOrScatter(info, true); }

// indexSelect(x, index, out, outer, len, inner) and indexAdd(src, index, out, outer, len, inner)
void IndexSelectOrAdd(const Napi::CallbackInfo& info, bool add) {
  const char* fn = add ? "indexAdd" : "indexSelect";
  Napi::Env env = info.Env();
  ArrayArg x = arrayArg(info, 0, fn, add ? "src" : "x");
  ArrayArg index = arrayArgOf(info, 1, fn, "index", ElemType::I32);
  ArrayArg out = arrayArg(info, 2, fn, "out");
  requireSameType(env, x, out, fn, add ? "src" : "x", "out");
  const int64_t outer = intArg(info, 3, fn, "outer"), len = intArg(info, 4, fn, "len"), inner = intArg(info, 5, fn, "inner");
  if (add && x.type != ElemType::F32 && x.type != ElemType::F64) throwType(env, "indexAdd: src must be a float array");
  checkedProduct(env, {outer, index.length, inner}, fn, "outer*index.length*inner");
  checkedProduct(env, {outer, len, inner}, fn, "outer*len*inner");
  requireLength(env, add ? x : out, outer * index.length * inner, fn, add ? "src" : "out");
  requireLength(env, add ? out : x, outer * len * inner, fn, add ? "out" : "x");
  requireIndices(env, index, len, fn);
  if (add) indexAddKernel(x.type, x.data, static_cast<const int32_t*>(index.data), index.length, out.data, outer, len, inner);
  else indexSelectKernel(x.type, x.data, static_cast<const int32_t*>(index.data), index.length, out.data, outer, len, inner);
}

void IndexSelect(const Napi::CallbackInfo& info) { IndexSelectOrAdd(info, false); }
void IndexAdd(const Napi::CallbackInfo& info) { IndexSelectOrAdd(info, true); }

// philoxUniform(seedLo, seedHi, offsetLo, offsetHi, out): 64-bit values travel as two uint32 halves.
void PhiloxUniform(const Napi::CallbackInfo& info) {
  const char* fn = "philoxUniform";
  auto u32 = [&](size_t i, const char* name) { return static_cast<uint64_t>(intArg(info, i, fn, name, 0, UINT32_MAX)); };
  const uint64_t seed = u32(0, "seedLo") | (u32(1, "seedHi") << 32);
  const uint64_t offset = u32(2, "offsetLo") | (u32(3, "offsetHi") << 32);
  ArrayArg out = arrayArg(info, 4, fn, "out");
  if (out.type == ElemType::F32) philoxUniformF32(seed, offset, static_cast<float*>(out.data), out.length);
  else if (out.type == ElemType::F64) philoxUniformF64(seed, offset, static_cast<double*>(out.data), out.length);
  else throwType(info.Env(), "philoxUniform: out must be a Float32Array or Float64Array");
}

}  // namespace

void registerCoreBindings(Napi::Env env, Napi::Object exports) {
  exportBinding(env, exports, "info", Info);
  exportBinding(env, exports, "opNames", OpNames);
  exportBinding(env, exports, "setIsa", SetIsa);
  exportBinding(env, exports, "setGemmPath", SetGemmPath);
  exportBinding(env, exports, "pageOffset", PageOffset);
  exportBinding(env, exports, "setNumThreads", SetNumThreads);
  exportBinding(env, exports, "unary", Unary);
  exportBinding(env, exports, "binary", Binary);
  exportBinding(env, exports, "where", Where);
  exportBinding(env, exports, "reduce", Reduce);
  exportBinding(env, exports, "argReduce", ArgReduce);
  exportBinding(env, exports, "softmax", Softmax);
  exportBinding(env, exports, "gemm", Gemm);
  exportBinding(env, exports, "copyStrided", CopyStrided);
  exportBinding(env, exports, "cast", Cast);
  exportBinding(env, exports, "gather", Gather);
  exportBinding(env, exports, "scatterAdd", ScatterAdd);
  exportBinding(env, exports, "indexSelect", IndexSelect);
  exportBinding(env, exports, "indexAdd", IndexAdd);
  exportBinding(env, exports, "philoxUniform", PhiloxUniform);
}

}  // namespace lattice

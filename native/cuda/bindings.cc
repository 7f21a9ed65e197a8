// N-API bindings of the CUDA kernels (compiled by the C++ compiler; the kernels sit behind
// api.h). Device memory is never handed to JS as a pointer: JS holds integer handles into
// this addon instance's table, and every binding checks each handle, its dtype and that
// the elements the kernel will touch lie inside its allocation, so that a bad call from JS
// becomes a JS error, never an out-of-bounds access on the device.
#include <napi.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "../args.h"
#include "../bindings/bindings.h"
#include "api.h"
#include "bindings.h"

namespace lattice {
namespace {

struct DeviceBuffer {
  void* ptr;
  int64_t length;
  cuda::DType type;
};

// One per addon instance (thread or process), deleted by the environment's cleanup hook.
struct CudaState {
  std::unordered_map<uint32_t, DeviceBuffer> buffers;
  uint32_t nextId = 1;
  size_t liveBytes = 0;
  ~CudaState() {
    for (auto& kv : buffers) {
      try {
        cuda::release(kv.second.ptr);
      } catch (...) {
        // The process is ending or the device is lost: nothing left to tell.
      }
    }
  }
};

CudaState& stateOf(const Napi::CallbackInfo& info) {
  Context& ctx = ctxOf(info);
  return *static_cast<CudaState*>(ctx.cuda);
}

const char* dtypeName(cuda::DType t) {
  switch (t) {
    case cuda::DType::F32: return "float32";
    case cuda::DType::F64: return "float64";
    case cuda::DType::I32: return "int32";
    default: return "bool";
  }
}

DeviceBuffer& handleArg(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  const int64_t id = intArg(info, i, fn, name, 1, UINT32_MAX);
  auto& table = stateOf(info).buffers;
  auto it = table.find(static_cast<uint32_t>(id));
  if (it == table.end()) throwRange(info.Env(), std::string(fn) + ": " + name + " is not a live cuda buffer (handle " + std::to_string(id) + ")");
  return it->second;
}

DeviceBuffer* optionalHandle(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name) {
  return isNullish(info, i) ? nullptr : &handleArg(info, i, fn, name);
}

void need(Napi::Env env, const DeviceBuffer& b, int64_t n, const char* fn, const char* name) {
  if (b.length < n)
    throwRange(env, std::string(fn) + ": " + name + " holds " + std::to_string(b.length) + " elements, needs " + std::to_string(n));
}

void needType(Napi::Env env, const DeviceBuffer& b, cuda::DType t, const char* fn, const char* name) {
  if (b.type != t) throwType(env, std::string(fn) + ": " + name + " is " + dtypeName(b.type) + ", expected " + dtypeName(t));
}

void needFloat(Napi::Env env, const DeviceBuffer& b, const char* fn, const char* name) {
  if (b.type != cuda::DType::F32 && b.type != cuda::DType::F64)
    throwType(env, std::string(fn) + ": " + name + " must be float32 or float64, got " + dtypeName(b.type));
}

// A host int32 array (shape, strides, offsets) of exactly `n` entries when n >= 0.
const int32_t* hostInts(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, int64_t n, int64_t* length = nullptr) {
  ArrayArg a = arrayArgOf(info, i, fn, name, ElemType::I32);
  if (n >= 0 && a.length != n) throwRange(info.Env(), std::string(fn) + ": " + name + " must have " + std::to_string(n) + " entries");
  if (length) *length = a.length;
  return static_cast<const int32_t*>(a.data);
}

// The lowest and highest element offsets a strided walk over `shape` reaches from `offset`.
void checkStridedRange(Napi::Env env, const DeviceBuffer& b, int64_t offset, const int32_t* shape, const int32_t* strides, int ndim,
                       const char* fn, const char* name) {
  int64_t lo = offset, hi = offset;
  for (int d = 0; d < ndim; ++d) {
    if (shape[d] < 0) throwRange(env, std::string(fn) + ": shape has a negative size");
    if (shape[d] == 0) return;  // nothing is touched
    const int64_t span = static_cast<int64_t>(shape[d] - 1) * strides[d];
    if (span < 0) lo += span; else hi += span;
  }
  if (lo < 0 || hi >= b.length)
    throwRange(env, std::string(fn) + ": the strided walk over " + name + " reaches elements [" + std::to_string(lo) + ", " +
                        std::to_string(hi) + "] of " + std::to_string(b.length));
}

int64_t shapeCount(Napi::Env env, const int32_t* shape, int ndim, const char* fn) {
  if (ndim > cuda::kMaxDims) throwRange(env, std::string(fn) + ": at most 12 dims on cuda, got " + std::to_string(ndim));
  double p = 1;
  for (int d = 0; d < ndim; ++d) {
    if (shape[d] < 0) throwRange(env, std::string(fn) + ": shape has a negative size");
    p *= shape[d];
  }
  if (p > static_cast<double>(INT32_MAX)) throwRange(env, std::string(fn) + ": shape has more than 2^31-1 elements");
  return static_cast<int64_t>(p);
}

cuda::DType dtypeArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  return static_cast<cuda::DType>(intArg(info, i, fn, "dtype", 0, 3));
}

// ---- device, memory, copies -------------------------------------------------------------

Napi::Value Info(const Napi::CallbackInfo& info) {
  const cuda::Probe& p = cuda::probe();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("built", true);
  o.Set("available", p.available);
  o.Set("reason", p.available ? std::string() : p.reason);
  o.Set("devices", p.devices);
  o.Set("name", p.name);
  o.Set("capability", p.devices ? std::to_string(p.major) + "." + std::to_string(p.minor) : std::string());
  o.Set("totalBytes", static_cast<double>(p.totalBytes));
  o.Set("runtimeVersion", p.runtimeVersion);
  o.Set("driverVersion", p.driverVersion);
  // Which GEMM runs matmul (cuBLAS is looked for only where a device can be used).
  if (p.available) {
    const cuda::GemmEngine& g = cuda::gemmEngine();
    o.Set("gemm", g.cublas ? "cublas" : "builtin");
    o.Set("gemmDetail", g.detail);
  } else {
    o.Set("gemm", "none");
    o.Set("gemmDetail", p.reason);
  }
  return o;
}

Napi::Value Alloc(const Napi::CallbackInfo& info) {
  const cuda::DType t = dtypeArg(info, 0, "cudaAlloc");
  const int64_t n = intArg(info, 1, "cudaAlloc", "length", 0, INT32_MAX);
  CudaState& s = stateOf(info);
  const size_t bytes = static_cast<size_t>(n) * cuda::dtypeBytes(t);
  void* p = cuda::allocate(bytes);
  uint32_t id = s.nextId++;
  while (id == 0 || s.buffers.count(id)) id = s.nextId++;  // after 2^32 allocations the ids wrap
  s.buffers[id] = DeviceBuffer{p, n, t};
  s.liveBytes += bytes;
  return Napi::Number::New(info.Env(), id);
}

void Free(const Napi::CallbackInfo& info) {
  DeviceBuffer& b = handleArg(info, 0, "cudaFree", "buffer");
  const uint32_t id = static_cast<uint32_t>(info[0].As<Napi::Number>().Int64Value());
  CudaState& s = stateOf(info);
  void* ptr = b.ptr;
  s.liveBytes -= static_cast<size_t>(b.length) * cuda::dtypeBytes(b.type);
  s.buffers.erase(id);  // first: a failing release must not leave a handle to freed memory
  cuda::release(ptr);
}

void checkHostMatches(const Napi::CallbackInfo& info, const DeviceBuffer& b, const ArrayArg& h, const char* fn) {
  if (static_cast<int>(h.type) != static_cast<int>(b.type) || h.length != b.length)
    throwRange(info.Env(), std::string(fn) + ": the host array (" + typeName(h.type) + " of " + std::to_string(h.length) +
                               ") does not match the cuda buffer (" + dtypeName(b.type) + " of " + std::to_string(b.length) + ")");
}

void Upload(const Napi::CallbackInfo& info) {
  DeviceBuffer& b = handleArg(info, 0, "cudaUpload", "dst");
  ArrayArg h = arrayArg(info, 1, "cudaUpload", "src");
  checkHostMatches(info, b, h, "cudaUpload");
  cuda::copyToDevice(b.ptr, h.data, h.byteLength);
}

void Download(const Napi::CallbackInfo& info) {
  DeviceBuffer& b = handleArg(info, 0, "cudaDownload", "src");
  ArrayArg h = arrayArg(info, 1, "cudaDownload", "dst");
  checkHostMatches(info, b, h, "cudaDownload");
  cuda::copyToHost(h.data, b.ptr, h.byteLength);
}

void Copy(const Napi::CallbackInfo& info) {
  DeviceBuffer& src = handleArg(info, 0, "cudaCopy", "src");
  DeviceBuffer& dst = handleArg(info, 1, "cudaCopy", "dst");
  if (src.type != dst.type || src.length != dst.length) throwRange(info.Env(), "cudaCopy: src and dst differ in dtype or length");
  cuda::copyDeviceToDevice(dst.ptr, src.ptr, static_cast<size_t>(src.length) * cuda::dtypeBytes(src.type));
}

void Fill(const Napi::CallbackInfo& info) {
  DeviceBuffer& b = handleArg(info, 0, "cudaFill", "out");
  cuda::fill(b.type, b.ptr, b.length, numberArg(info, 1, "cudaFill", "value"));
}

Napi::Value Memory(const Napi::CallbackInfo& info) {
  const cuda::PoolStats p = cuda::poolStats();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("liveBytes", static_cast<double>(stateOf(info).liveBytes));
  o.Set("buffers", static_cast<double>(stateOf(info).buffers.size()));
  o.Set("reservedBytes", static_cast<double>(p.reservedBytes));
  o.Set("usedBytes", static_cast<double>(p.usedBytes));
  o.Set("freeDeviceBytes", static_cast<double>(p.freeDeviceBytes));
  o.Set("totalDeviceBytes", static_cast<double>(p.totalDeviceBytes));
  return o;
}

void EmptyCache(const Napi::CallbackInfo&) { cuda::trimCache(); }
void Synchronize(const Napi::CallbackInfo&) { cuda::synchronize(); }

// ---- kernels: Backend's signatures with handles in place of device arrays ----------------

void Unary(const Napi::CallbackInfo& info) {
  const char* fn = "cudaUnary";
  const int op = static_cast<int>(intArg(info, 0, fn, "op", 0, 27));
  DeviceBuffer& x = handleArg(info, 1, fn, "x");
  DeviceBuffer& out = handleArg(info, 2, fn, "out");
  needType(info.Env(), out, x.type, fn, "out");
  need(info.Env(), out, x.length, fn, "out");
  cuda::unary(op, x.type, x.ptr, out.ptr, x.length, numberArg(info, 3, fn, "p0"), numberArg(info, 4, fn, "p1"));
}

void Binary(const Napi::CallbackInfo& info) {
  const char* fn = "cudaBinary";
  Napi::Env env = info.Env();
  const int op = static_cast<int>(intArg(info, 0, fn, "op", 0, 14));
  DeviceBuffer& a = handleArg(info, 1, fn, "a");
  DeviceBuffer& b = handleArg(info, 2, fn, "b");
  DeviceBuffer& out = handleArg(info, 3, fn, "out");
  needType(env, b, a.type, fn, "b");
  const bool comparison = op >= 7;
  needType(env, out, comparison ? cuda::DType::U8 : a.type, fn, "out");
  if (isNullish(info, 4)) {
    const int64_t n = out.length;
    if ((a.length != n && a.length != 1) || (b.length != n && b.length != 1))
      throwRange(env, std::string(fn) + ": a and b must have out's length or length 1");
    cuda::binary(op, a.type, out.type, a.ptr, a.length, b.ptr, b.length, out.ptr, n, 0, nullptr, nullptr, nullptr);
    return;
  }
  int64_t ndim = 0;
  const int32_t* shape = hostInts(info, 4, fn, "shape", -1, &ndim);
  const int64_t n = shapeCount(env, shape, static_cast<int>(ndim), fn);
  const int32_t* as = hostInts(info, 5, fn, "aStrides", ndim);
  const int32_t* bs = hostInts(info, 6, fn, "bStrides", ndim);
  need(env, out, n, fn, "out");
  checkStridedRange(env, a, 0, shape, as, static_cast<int>(ndim), fn, "a");
  checkStridedRange(env, b, 0, shape, bs, static_cast<int>(ndim), fn, "b");
  cuda::binary(op, a.type, out.type, a.ptr, a.length, b.ptr, b.length, out.ptr, n, static_cast<int>(ndim), shape, as, bs);
}

void Where(const Napi::CallbackInfo& info) {
  const char* fn = "cudaWhere";
  Napi::Env env = info.Env();
  DeviceBuffer& c = handleArg(info, 0, fn, "cond");
  DeviceBuffer& a = handleArg(info, 1, fn, "a");
  DeviceBuffer& b = handleArg(info, 2, fn, "b");
  DeviceBuffer& out = handleArg(info, 3, fn, "out");
  needType(env, c, cuda::DType::U8, fn, "cond");
  needType(env, b, a.type, fn, "b");
  needType(env, out, a.type, fn, "out");
  int64_t ndim = 0;
  const int32_t* shape = hostInts(info, 4, fn, "shape", -1, &ndim);
  const int nd = static_cast<int>(ndim);
  const int64_t n = shapeCount(env, shape, nd, fn);
  const int32_t* cs = hostInts(info, 5, fn, "condStrides", ndim);
  const int32_t* as = hostInts(info, 6, fn, "aStrides", ndim);
  const int32_t* bs = hostInts(info, 7, fn, "bStrides", ndim);
  need(env, out, n, fn, "out");
  checkStridedRange(env, c, 0, shape, cs, nd, fn, "cond");
  checkStridedRange(env, a, 0, shape, as, nd, fn, "a");
  checkStridedRange(env, b, 0, shape, bs, nd, fn, "b");
  cuda::where(a.type, static_cast<const uint8_t*>(c.ptr), a.ptr, b.ptr, out.ptr, nd, shape, cs, as, bs);
}

void CopyStrided(const Napi::CallbackInfo& info) {
  const char* fn = "cudaCopyStrided";
  Napi::Env env = info.Env();
  DeviceBuffer& src = handleArg(info, 0, fn, "src");
  const int64_t srcOffset = intArg(info, 1, fn, "srcOffset");
  DeviceBuffer& dst = handleArg(info, 3, fn, "dst");
  const int64_t dstOffset = intArg(info, 4, fn, "dstOffset");
  needType(env, dst, src.type, fn, "dst");
  int64_t ndim = 0;
  const int32_t* shape = hostInts(info, 6, fn, "shape", -1, &ndim);
  const int nd = static_cast<int>(ndim);
  shapeCount(env, shape, nd, fn);
  const int32_t* ss = hostInts(info, 2, fn, "srcStrides", ndim);
  const int32_t* ds = hostInts(info, 5, fn, "dstStrides", ndim);
  checkStridedRange(env, src, srcOffset, shape, ss, nd, fn, "src");
  checkStridedRange(env, dst, dstOffset, shape, ds, nd, fn, "dst");
  cuda::copyStrided(src.type, src.ptr, srcOffset, ss, dst.ptr, dstOffset, ds, nd, shape);
}

void Cast(const Napi::CallbackInfo& info) {
  DeviceBuffer& src = handleArg(info, 0, "cudaCast", "src");
  DeviceBuffer& dst = handleArg(info, 1, "cudaCast", "dst");
  need(info.Env(), dst, src.length, "cudaCast", "dst");
  cuda::cast(src.type, src.ptr, dst.type, dst.ptr, src.length);
}

void Reduce(const Napi::CallbackInfo& info) {
  const char* fn = "cudaReduce";
  const int op = static_cast<int>(intArg(info, 0, fn, "op", 0, 5));
  DeviceBuffer& x = handleArg(info, 1, fn, "x");
  DeviceBuffer& out = handleArg(info, 2, fn, "out");
  const int64_t outer = intArg(info, 3, fn, "outer"), len = intArg(info, 4, fn, "len"), inner = intArg(info, 5, fn, "inner");
  needType(info.Env(), out, x.type, fn, "out");
  need(info.Env(), x, checkedProduct(info.Env(), {outer, len, inner}, fn, "x"), fn, "x");
  need(info.Env(), out, checkedProduct(info.Env(), {outer, inner}, fn, "out"), fn, "out");
  cuda::reduce(op, x.type, x.ptr, out.ptr, outer, len, inner);
}

void ArgReduce(const Napi::CallbackInfo& info) {
  const char* fn = "cudaArgReduce";
  Napi::Env env = info.Env();
  const bool isMax = boolArg(info, 0, fn, "isMax");
  DeviceBuffer& x = handleArg(info, 1, fn, "x");
  DeviceBuffer* values = optionalHandle(info, 2, fn, "values");
  DeviceBuffer& idx = handleArg(info, 3, fn, "indices");
  const int64_t outer = intArg(info, 4, fn, "outer"), len = intArg(info, 5, fn, "len"), inner = intArg(info, 6, fn, "inner");
  const int64_t rows = checkedProduct(env, {outer, inner}, fn, "indices");
  need(env, x, checkedProduct(env, {outer, len, inner}, fn, "x"), fn, "x");
  needType(env, idx, cuda::DType::I32, fn, "indices");
  need(env, idx, rows, fn, "indices");
  if (values) {
    needType(env, *values, x.type, fn, "values");
    need(env, *values, rows, fn, "values");
  }
  if (len == 0 && rows > 0) throwRange(env, std::string(fn) + ": len must be positive");
  cuda::argReduce(isMax, x.type, x.ptr, values ? values->ptr : nullptr, static_cast<int32_t*>(idx.ptr), outer, len, inner);
}

void Softmax(const Napi::CallbackInfo& info) {
  const char* fn = "cudaSoftmax";
  const bool log = boolArg(info, 0, fn, "log");
  DeviceBuffer& x = handleArg(info, 1, fn, "x");
  DeviceBuffer& out = handleArg(info, 2, fn, "out");
  const int64_t outer = intArg(info, 3, fn, "outer"), len = intArg(info, 4, fn, "len"), inner = intArg(info, 5, fn, "inner");
  needFloat(info.Env(), x, fn, "x");
  needType(info.Env(), out, x.type, fn, "out");
  const int64_t n = checkedProduct(info.Env(), {outer, len, inner}, fn, "x");
  need(info.Env(), x, n, fn, "x");
  need(info.Env(), out, n, fn, "out");
  cuda::softmax(log, x.type, x.ptr, out.ptr, outer, len, inner);
}

// gather / scatterAdd: index and out (src) are [outer, idxLen, inner], x (out) [outer, len, inner].
void GatherLike(const Napi::CallbackInfo& info, bool scatter) {
  const char* fn = scatter ? "cudaScatterAdd" : "cudaGather";
  Napi::Env env = info.Env();
  DeviceBuffer& a = handleArg(info, 0, fn, scatter ? "src" : "x");
  DeviceBuffer& index = handleArg(info, 1, fn, "index");
  DeviceBuffer& b = handleArg(info, 2, fn, "out");
  const int64_t outer = intArg(info, 3, fn, "outer"), len = intArg(info, 4, fn, "len");
  const int64_t idxLen = intArg(info, 5, fn, "idxLen"), inner = intArg(info, 6, fn, "inner");
  needType(env, index, cuda::DType::I32, fn, "index");
  needType(env, b, a.type, fn, "out");
  const int64_t small = checkedProduct(env, {outer, idxLen, inner}, fn, "index");
  const int64_t big = checkedProduct(env, {outer, len, inner}, fn, "the indexed tensor");
  need(env, index, small, fn, "index");
  need(env, scatter ? a : b, small, fn, scatter ? "src" : "out");
  need(env, scatter ? b : a, big, fn, scatter ? "out" : "x");
  if (scatter) {
    needFloat(env, a, fn, "src");
    cuda::scatterAdd(a.type, a.ptr, static_cast<const int32_t*>(index.ptr), b.ptr, outer, len, idxLen, inner);
  } else {
    cuda::gather(a.type, a.ptr, static_cast<const int32_t*>(index.ptr), b.ptr, outer, len, idxLen, inner);
  }
}
void Gather(const Napi::CallbackInfo& info) { GatherLike(info, false); }
void ScatterAdd(const Napi::CallbackInfo& info) { GatherLike(info, true); }

// indexSelect / indexAdd: out (src) is [outer, idxLen, inner] with idxLen = index's length.
void IndexLike(const Napi::CallbackInfo& info, bool add) {
  const char* fn = add ? "cudaIndexAdd" : "cudaIndexSelect";
  Napi::Env env = info.Env();
  DeviceBuffer& a = handleArg(info, 0, fn, add ? "src" : "x");
  DeviceBuffer& index = handleArg(info, 1, fn, "index");
  DeviceBuffer& b = handleArg(info, 2, fn, "out");
  const int64_t outer = intArg(info, 3, fn, "outer"), len = intArg(info, 4, fn, "len"), inner = intArg(info, 5, fn, "inner");
  needType(env, index, cuda::DType::I32, fn, "index");
  needType(env, b, a.type, fn, "out");
  const int64_t idxLen = index.length;
  const int64_t small = checkedProduct(env, {outer, idxLen, inner}, fn, "the selection");
  const int64_t big = checkedProduct(env, {outer, len, inner}, fn, "the indexed tensor");
  need(env, add ? a : b, small, fn, add ? "src" : "out");
  need(env, add ? b : a, big, fn, add ? "out" : "x");
  if (add) {
    needFloat(env, a, fn, "src");
    cuda::indexAdd(a.type, a.ptr, static_cast<const int32_t*>(index.ptr), idxLen, b.ptr, outer, len, inner);
  } else {
    cuda::indexSelect(a.type, a.ptr, static_cast<const int32_t*>(index.ptr), idxLen, b.ptr, outer, len, inner);
  }
}
void IndexSelect(const Napi::CallbackInfo& info) { IndexLike(info, false); }
void IndexAdd(const Napi::CallbackInfo& info) { IndexLike(info, true); }

cuda::CrossEntropyArgs crossEntropyArgs(const Napi::CallbackInfo& info, const char* fn) {
  Napi::Env env = info.Env();
  DeviceBuffer& x = handleArg(info, 0, fn, "x");
  needFloat(env, x, fn, "x");
  cuda::CrossEntropyArgs a{};
  a.t = x.type;
  a.x = x.ptr;
  a.outer = intArg(info, 1, fn, "outer");
  a.classes = intArg(info, 2, fn, "classes", 1);
  a.inner = intArg(info, 3, fn, "inner");
  need(env, x, checkedProduct(env, {a.outer, a.classes, a.inner}, fn, "x"), fn, "x");
  const int64_t rows = a.outer * a.inner;
  DeviceBuffer* target = optionalHandle(info, 4, fn, "target");
  DeviceBuffer* probs = optionalHandle(info, 5, fn, "probs");
  DeviceBuffer* weight = optionalHandle(info, 6, fn, "weight");
  if ((target == nullptr) == (probs == nullptr)) throwType(env, std::string(fn) + ": exactly one of target and probs must be given");
  if (target) {
    needType(env, *target, cuda::DType::I32, fn, "target");
    need(env, *target, rows, fn, "target");
    a.target = static_cast<const int32_t*>(target->ptr);
  }
  if (probs) {
    needType(env, *probs, x.type, fn, "probs");
    need(env, *probs, x.length, fn, "probs");
    a.probs = probs->ptr;
  }
  if (weight) {
    needType(env, *weight, x.type, fn, "weight");
    need(env, *weight, a.classes, fn, "weight");
    a.weight = weight->ptr;
  }
  a.ignoreIndex = static_cast<int64_t>(numberArg(info, 7, fn, "ignoreIndex"));
  a.labelSmoothing = numberArg(info, 8, fn, "labelSmoothing");
  return a;
}

DeviceBuffer& rowsOut(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, const cuda::CrossEntropyArgs& a) {
  DeviceBuffer& b = handleArg(info, i, fn, name);
  needType(info.Env(), b, a.t, fn, name);
  need(info.Env(), b, a.outer * a.inner, fn, name);
  return b;
}

void CrossEntropy(const Napi::CallbackInfo& info) {
  const char* fn = "cudaCrossEntropy";
  const cuda::CrossEntropyArgs a = crossEntropyArgs(info, fn);
  DeviceBuffer& loss = rowsOut(info, 9, fn, "loss", a);
  DeviceBuffer& lse = rowsOut(info, 10, fn, "logSumExp", a);
  cuda::crossEntropy(a, loss.ptr, lse.ptr);
}

void CrossEntropyBackward(const Napi::CallbackInfo& info) {
  const char* fn = "cudaCrossEntropyBackward";
  const cuda::CrossEntropyArgs a = crossEntropyArgs(info, fn);
  DeviceBuffer& lse = rowsOut(info, 9, fn, "logSumExp", a);
  DeviceBuffer& gradLoss = rowsOut(info, 10, fn, "gradLoss", a);
  DeviceBuffer& gradX = handleArg(info, 11, fn, "gradX");
  needType(info.Env(), gradX, a.t, fn, "gradX");
  need(info.Env(), gradX, a.outer * a.classes * a.inner, fn, "gradX");
  cuda::crossEntropyBackward(a, lse.ptr, gradLoss.ptr, gradX.ptr);
}

void Gemm(const Napi::CallbackInfo& info) {
  const char* fn = "cudaGemm";
  Napi::Env env = info.Env();
  const bool transA = boolArg(info, 0, fn, "transA"), transB = boolArg(info, 1, fn, "transB");
  const int64_t M = intArg(info, 2, fn, "M"), N = intArg(info, 3, fn, "N"), K = intArg(info, 4, fn, "K");
  const double alpha = numberArg(info, 5, fn, "alpha");
  DeviceBuffer& a = handleArg(info, 6, fn, "a");
  int64_t batch = 0;
  const int32_t* aOff = hostInts(info, 7, fn, "aOffsets", -1, &batch);
  const int64_t lda = intArg(info, 8, fn, "lda");
  DeviceBuffer& b = handleArg(info, 9, fn, "b");
  const int32_t* bOff = hostInts(info, 10, fn, "bOffsets", batch);
  const int64_t ldb = intArg(info, 11, fn, "ldb");
  const double beta = numberArg(info, 12, fn, "beta");
  DeviceBuffer& c = handleArg(info, 13, fn, "c");
  const int32_t* cOff = hostInts(info, 14, fn, "cOffsets", batch);
  const int64_t ldc = intArg(info, 15, fn, "ldc");
  // Optional: whether float32 may use TF32 tensor cores (setFloat32MatmulPrecision); exact FP32 when absent.
  const bool allowTf32 = !isNullish(info, 16) && boolArg(info, 16, fn, "allowTf32");
  needFloat(env, a, fn, "a");
  needType(env, b, a.type, fn, "b");
  needType(env, c, a.type, fn, "c");
  // Each operand's last element per batch entry lies inside its buffer.
  const int64_t aRows = transA ? K : M, aCols = transA ? M : K, bRows = transB ? N : K, bCols = transB ? K : N;
  if (lda < std::max<int64_t>(aCols, 1) || ldb < std::max<int64_t>(bCols, 1) || ldc < std::max<int64_t>(N, 1))
    throwRange(env, std::string(fn) + ": a leading dimension is smaller than its row");
  for (int64_t z = 0; z < batch; ++z) {
    if (aOff[z] < 0 || bOff[z] < 0 || cOff[z] < 0) throwRange(env, std::string(fn) + ": negative offset");
    if (M > 0 && K > 0 && aOff[z] + (aRows - 1) * lda + aCols > a.length) throwRange(env, std::string(fn) + ": a is too short for its offsets");
    if (N > 0 && K > 0 && bOff[z] + (bRows - 1) * ldb + bCols > b.length) throwRange(env, std::string(fn) + ": b is too short for its offsets");
    if (M > 0 && N > 0 && cOff[z] + (M - 1) * ldc + N > c.length) throwRange(env, std::string(fn) + ": c is too short for its offsets");
  }
  cuda::gemm(a.type, transA, transB, M, N, K, alpha, a.ptr, aOff, lda, b.ptr, bOff, ldb, beta, c.ptr, cOff, ldc, batch, allowTf32);
}

// A JS array of handles, all float of one dtype; lengths[i] set from the first list.
std::vector<DeviceBuffer*> handleList(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, size_t count,
                                      const std::vector<DeviceBuffer*>* like) {
  Napi::Env env = info.Env();
  if (i >= info.Length() || !info[i].IsArray()) throwType(env, std::string(fn) + ": " + name + " must be an array of cuda buffers");
  Napi::Array arr = info[i].As<Napi::Array>();
  if (like && arr.Length() != count) throwRange(env, std::string(fn) + ": " + name + " must have one entry per parameter");
  std::vector<DeviceBuffer*> out;
  auto& table = stateOf(info).buffers;
  for (uint32_t k = 0; k < arr.Length(); ++k) {
    Napi::Value v = arr.Get(k);
    if (!v.IsNumber()) throwType(env, std::string(fn) + ": " + name + "[" + std::to_string(k) + "] must be a cuda buffer handle");
    auto it = table.find(static_cast<uint32_t>(v.As<Napi::Number>().Int64Value()));
    if (it == table.end()) throwRange(env, std::string(fn) + ": " + name + "[" + std::to_string(k) + "] is not a live cuda buffer");
    DeviceBuffer* b = &it->second;
    needFloat(env, *b, fn, name);
    if (like) {
      needType(env, *b, (*like)[k]->type, fn, name);
      need(env, *b, (*like)[k]->length, fn, name);
    }
    out.push_back(b);
  }
  return out;
}

double optionNumber(Napi::Object o, const char* key, const char* fn) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(fn) + ": options." + key + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}
bool optionBool(Napi::Object o, const char* key) { return o.Get(key).ToBoolean().Value(); }

void AdamStep(const Napi::CallbackInfo& info) {
  const char* fn = "cudaAdamStep";
  Napi::Env env = info.Env();
  auto params = handleList(info, 0, fn, "params", 0, nullptr);
  auto grads = handleList(info, 1, fn, "grads", params.size(), &params);
  auto m = handleList(info, 2, fn, "expAvg", params.size(), &params);
  auto v = handleList(info, 3, fn, "expAvgSq", params.size(), &params);
  std::vector<DeviceBuffer*> vmax;
  if (!isNullish(info, 4)) vmax = handleList(info, 4, fn, "maxExpAvgSq", params.size(), &params);
  ArrayArg step = arrayArgOf(info, 5, fn, "stepSize", ElemType::F64);
  ArrayArg bias2 = arrayArgOf(info, 6, fn, "bias2Sqrt", ElemType::F64);
  if (step.length != static_cast<int64_t>(params.size()) || bias2.length != static_cast<int64_t>(params.size()))
    throwRange(env, std::string(fn) + ": stepSize and bias2Sqrt need one entry per parameter");
  if (info.Length() < 8 || !info[7].IsObject()) throwType(env, std::string(fn) + ": options must be an object");
  Napi::Object o = info[7].As<Napi::Object>();
  cuda::AdamScalars s{optionNumber(o, "beta1", fn), optionNumber(o, "beta2", fn), optionNumber(o, "eps", fn),
                      optionNumber(o, "weightDecay", fn), optionNumber(o, "decay", fn), 0, 0, optionBool(o, "maximize")};
  for (size_t k = 0; k < params.size(); ++k) {
    s.stepSize = static_cast<const double*>(step.data)[k];
    s.bias2Sqrt = static_cast<const double*>(bias2.data)[k];
    DeviceBuffer* p = params[k];
    cuda::adamStep(p->type, p->ptr, grads[k]->ptr, m[k]->ptr, v[k]->ptr, vmax.empty() ? nullptr : vmax[k]->ptr, p->length, s);
  }
}

void SgdStep(const Napi::CallbackInfo& info) {
  const char* fn = "cudaSgdStep";
  Napi::Env env = info.Env();
  auto params = handleList(info, 0, fn, "params", 0, nullptr);
  auto grads = handleList(info, 1, fn, "grads", params.size(), &params);
  std::vector<DeviceBuffer*> bufs;
  if (!isNullish(info, 2)) bufs = handleList(info, 2, fn, "momentumBuffers", params.size(), &params);
  const uint8_t* fresh = nullptr;
  if (!isNullish(info, 3)) {
    ArrayArg f = arrayArgOf(info, 3, fn, "fresh", ElemType::U8);
    if (f.length != static_cast<int64_t>(params.size())) throwRange(env, std::string(fn) + ": fresh needs one entry per parameter");
    fresh = static_cast<const uint8_t*>(f.data);
  }
  if (info.Length() < 5 || !info[4].IsObject()) throwType(env, std::string(fn) + ": options must be an object");
  Napi::Object o = info[4].As<Napi::Object>();
  cuda::SgdScalars s{optionNumber(o, "lr", fn), optionNumber(o, "momentum", fn), optionNumber(o, "dampening", fn),
                     optionNumber(o, "weightDecay", fn), optionBool(o, "nesterov"), optionBool(o, "maximize"), false};
  if (s.momentum != 0 && bufs.empty()) throwType(env, std::string(fn) + ": momentumBuffers are needed when momentum != 0");
  for (size_t k = 0; k < params.size(); ++k) {
    s.fresh = fresh != nullptr && fresh[k] != 0;
    DeviceBuffer* p = params[k];
    cuda::sgdStep(p->type, p->ptr, grads[k]->ptr, bufs.empty() ? nullptr : bufs[k]->ptr, p->length, s);
  }
}

// An integer field of a geometry object, in [lo, INT32_MAX].
int64_t fieldArg(Napi::Object o, const char* key, const char* fn, int64_t lo) {
  Napi::Value v = o.Get(key);
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1.0;
  if (!v.IsNumber() || !(d >= static_cast<double>(lo) && d <= static_cast<double>(INT32_MAX)) || d != static_cast<double>(static_cast<int64_t>(d)))
    throw Napi::RangeError::New(o.Env(), std::string(fn) + ": geometry." + key + " must be an integer >= " + std::to_string(lo));
  return static_cast<int64_t>(d);
}

Napi::Object geometryArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  if (i >= info.Length() || !info[i].IsObject()) throwType(info.Env(), std::string(fn) + ": geometry must be an object");
  return info[i].As<Napi::Object>();
}

cuda::ConvShape convShapeArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  Napi::Object o = geometryArg(info, i, fn);
  cuda::ConvShape g{fieldArg(o, "n", fn, 0), fieldArg(o, "c", fn, 1), fieldArg(o, "h", fn, 0), fieldArg(o, "w", fn, 0),
                    fieldArg(o, "o", fn, 1), fieldArg(o, "oh", fn, 0), fieldArg(o, "ow", fn, 0), fieldArg(o, "kh", fn, 1),
                    fieldArg(o, "kw", fn, 1), fieldArg(o, "strideH", fn, 1), fieldArg(o, "strideW", fn, 1), fieldArg(o, "padH", fn, 0),
                    fieldArg(o, "padW", fn, 0), fieldArg(o, "dilationH", fn, 1), fieldArg(o, "dilationW", fn, 1),
                    fieldArg(o, "groups", fn, 1)};
  if (g.c % g.groups || g.o % g.groups) throwRange(info.Env(), std::string(fn) + ": groups must divide c and o");
  checkedProduct(info.Env(), {g.n, g.c, g.h, g.w}, fn, "x");
  checkedProduct(info.Env(), {g.n, g.o, g.oh, g.ow}, fn, "out");
  checkedProduct(info.Env(), {g.n, g.c, g.kh * g.kw, g.oh * g.ow}, fn, "the im2col matrix");
  return g;
}

// The buffers of a convolution: x-like [n,c,h,w], weight [o, c/groups, kh, kw], out-like [n,o,oh,ow].
void checkConvBuffers(Napi::Env env, const cuda::ConvShape& g, const DeviceBuffer* x, const DeviceBuffer& w, const DeviceBuffer* y,
                      const char* fn, cuda::DType t) {
  needType(env, w, t, fn, "weight");
  need(env, w, g.o * (g.c / g.groups) * g.kh * g.kw, fn, "weight");
  if (x) { needType(env, *x, t, fn, "input"); need(env, *x, g.n * g.c * g.h * g.w, fn, "input"); }
  if (y) { needType(env, *y, t, fn, "output"); need(env, *y, g.n * g.o * g.oh * g.ow, fn, "output"); }
}

void Conv2d(const Napi::CallbackInfo& info) {
  const char* fn = "cudaConv2d";
  DeviceBuffer& x = handleArg(info, 0, fn, "x");
  DeviceBuffer& w = handleArg(info, 1, fn, "weight");
  DeviceBuffer* bias = optionalHandle(info, 2, fn, "bias");
  DeviceBuffer& out = handleArg(info, 3, fn, "out");
  const cuda::ConvShape g = convShapeArg(info, 4, fn);
  needFloat(info.Env(), x, fn, "x");
  checkConvBuffers(info.Env(), g, &x, w, &out, fn, x.type);
  if (bias) { needType(info.Env(), *bias, x.type, fn, "bias"); need(info.Env(), *bias, g.o, fn, "bias"); }
  cuda::conv2d(x.type, x.ptr, w.ptr, bias ? bias->ptr : nullptr, out.ptr, g);
}

void Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  const char* fn = "cudaConv2dBackwardInput";
  DeviceBuffer& gy = handleArg(info, 0, fn, "gradOut");
  DeviceBuffer& w = handleArg(info, 1, fn, "weight");
  DeviceBuffer& gx = handleArg(info, 2, fn, "gradInput");
  const cuda::ConvShape g = convShapeArg(info, 3, fn);
  needFloat(info.Env(), gy, fn, "gradOut");
  checkConvBuffers(info.Env(), g, &gx, w, &gy, fn, gy.type);
  cuda::conv2dBackwardInput(gy.type, gy.ptr, w.ptr, gx.ptr, g);
}

void Conv2dBackwardWeight(const Napi::CallbackInfo& info) {
  const char* fn = "cudaConv2dBackwardWeight";
  DeviceBuffer& x = handleArg(info, 0, fn, "x");
  DeviceBuffer& gy = handleArg(info, 1, fn, "gradOut");
  DeviceBuffer& gw = handleArg(info, 2, fn, "gradWeight");
  const cuda::ConvShape g = convShapeArg(info, 3, fn);
  needFloat(info.Env(), x, fn, "x");
  checkConvBuffers(info.Env(), g, &x, gw, &gy, fn, x.type);
  cuda::conv2dBackwardWeight(x.type, x.ptr, gy.ptr, gw.ptr, g);
}

cuda::PoolShape poolShapeArg(const Napi::CallbackInfo& info, size_t i, const char* fn) {
  Napi::Object o = geometryArg(info, i, fn);
  cuda::PoolShape g{fieldArg(o, "planes", fn, 0), fieldArg(o, "h", fn, 0), fieldArg(o, "w", fn, 0), fieldArg(o, "oh", fn, 0),
                    fieldArg(o, "ow", fn, 0), fieldArg(o, "kh", fn, 1), fieldArg(o, "kw", fn, 1), fieldArg(o, "strideH", fn, 1),
                    fieldArg(o, "strideW", fn, 1), fieldArg(o, "padH", fn, 0), fieldArg(o, "padW", fn, 0),
                    fieldArg(o, "dilationH", fn, 1), fieldArg(o, "dilationW", fn, 1)};
  checkedProduct(info.Env(), {g.planes, g.h, g.w}, fn, "the input");
  checkedProduct(info.Env(), {g.planes, g.oh, g.ow}, fn, "the output");
  // A window that starts past the input reads nothing there; one wholly in the padding is refused.
  if (g.padH >= g.kh * g.dilationH || g.padW >= g.kw * g.dilationW) throwRange(info.Env(), std::string(fn) + ": padding must be smaller than the window");
  return g;
}

void checkPoolBuffers(Napi::Env env, const cuda::PoolShape& g, const DeviceBuffer& in, const DeviceBuffer& out, const char* fn) {
  needFloat(env, in, fn, "input");
  needType(env, out, in.type, fn, "output");
  need(env, in, g.planes * g.h * g.w, fn, "input");
  need(env, out, g.planes * g.oh * g.ow, fn, "output");
}

void MaxPool2d(const Napi::CallbackInfo& info) {
  const char* fn = "cudaMaxPool2d";
  DeviceBuffer& x = handleArg(info, 0, fn, "x");
  DeviceBuffer& out = handleArg(info, 1, fn, "out");
  DeviceBuffer& idx = handleArg(info, 2, fn, "indices");
  const cuda::PoolShape g = poolShapeArg(info, 3, fn);
  checkPoolBuffers(info.Env(), g, x, out, fn);
  needType(info.Env(), idx, cuda::DType::I32, fn, "indices");
  need(info.Env(), idx, g.planes * g.oh * g.ow, fn, "indices");
  cuda::maxPool2d(x.type, x.ptr, out.ptr, static_cast<int32_t*>(idx.ptr), g);
}

void MaxPool2dBackward(const Napi::CallbackInfo& info) {
  const char* fn = "cudaMaxPool2dBackward";
  DeviceBuffer& gy = handleArg(info, 0, fn, "gradOut");
  DeviceBuffer& idx = handleArg(info, 1, fn, "indices");
  DeviceBuffer& gx = handleArg(info, 2, fn, "gradInput");
  const cuda::PoolShape g = poolShapeArg(info, 3, fn);
  checkPoolBuffers(info.Env(), g, gx, gy, fn);
  needType(info.Env(), idx, cuda::DType::I32, fn, "indices");
  need(info.Env(), idx, g.planes * g.oh * g.ow, fn, "indices");
  cuda::maxPool2dBackward(gy.type, gy.ptr, static_cast<const int32_t*>(idx.ptr), gx.ptr, g);
}

void AvgPool2d(const Napi::CallbackInfo& info) {
  const char* fn = "cudaAvgPool2d";
  DeviceBuffer& x = handleArg(info, 0, fn, "x");
  DeviceBuffer& out = handleArg(info, 1, fn, "out");
  const cuda::PoolShape g = poolShapeArg(info, 2, fn);
  checkPoolBuffers(info.Env(), g, x, out, fn);
  cuda::avgPool2d(x.type, x.ptr, out.ptr, g, boolArg(info, 3, fn, "countIncludePad"), intArg(info, 4, fn, "divisor"));
}

void AvgPool2dBackward(const Napi::CallbackInfo& info) {
  const char* fn = "cudaAvgPool2dBackward";
  DeviceBuffer& gy = handleArg(info, 0, fn, "gradOut");
  DeviceBuffer& gx = handleArg(info, 1, fn, "gradInput");
  const cuda::PoolShape g = poolShapeArg(info, 2, fn);
  checkPoolBuffers(info.Env(), g, gx, gy, fn);
  cuda::avgPool2dBackward(gy.type, gy.ptr, gx.ptr, g, boolArg(info, 3, fn, "countIncludePad"), intArg(info, 4, fn, "divisor"));
}

// Adaptive average pooling: (x|gradOut, out|gradInput, planes, h, w, oh, ow); output sizes >= 1 when the input is not empty.
void AdaptiveAvgLike(const Napi::CallbackInfo& info, bool backward) {
  const char* fn = backward ? "cudaAdaptiveAvgPool2dBackward" : "cudaAdaptiveAvgPool2d";
  Napi::Env env = info.Env();
  DeviceBuffer& a = handleArg(info, 0, fn, backward ? "gradOut" : "x");
  DeviceBuffer& b = handleArg(info, 1, fn, backward ? "gradInput" : "out");
  const int64_t planes = intArg(info, 2, fn, "planes"), h = intArg(info, 3, fn, "h"), w = intArg(info, 4, fn, "w");
  const int64_t oh = intArg(info, 5, fn, "oh", 1), ow = intArg(info, 6, fn, "ow", 1);
  needFloat(env, a, fn, "input");
  needType(env, b, a.type, fn, "output");
  const int64_t big = checkedProduct(env, {planes, h, w}, fn, "the input"), small = checkedProduct(env, {planes, oh, ow}, fn, "the output");
  need(env, backward ? b : a, big, fn, backward ? "gradInput" : "x");
  need(env, backward ? a : b, small, fn, backward ? "gradOut" : "out");
  if (backward) cuda::adaptiveAvgPool2dBackward(a.type, a.ptr, b.ptr, planes, h, w, oh, ow);
  else cuda::adaptiveAvgPool2d(a.type, a.ptr, b.ptr, planes, h, w, oh, ow);
}
void AdaptiveAvgPool2d(const Napi::CallbackInfo& info) { AdaptiveAvgLike(info, false); }
void AdaptiveAvgPool2dBackward(const Napi::CallbackInfo& info) { AdaptiveAvgLike(info, true); }

void RmspropStep(const Napi::CallbackInfo& info) {
  const char* fn = "cudaRmspropStep";
  Napi::Env env = info.Env();
  auto params = handleList(info, 0, fn, "params", 0, nullptr);
  auto grads = handleList(info, 1, fn, "grads", params.size(), &params);
  auto sq = handleList(info, 2, fn, "squareAvg", params.size(), &params);
  std::vector<DeviceBuffer*> ga, bufs;
  if (!isNullish(info, 3)) ga = handleList(info, 3, fn, "gradAvg", params.size(), &params);
  if (!isNullish(info, 4)) bufs = handleList(info, 4, fn, "momentumBuffers", params.size(), &params);
  if (info.Length() < 6 || !info[5].IsObject()) throwType(env, std::string(fn) + ": options must be an object");
  Napi::Object o = info[5].As<Napi::Object>();
  const cuda::RmspropScalars s{optionNumber(o, "lr", fn), optionNumber(o, "alpha", fn), optionNumber(o, "eps", fn),
                               optionNumber(o, "weightDecay", fn), optionNumber(o, "momentum", fn), optionBool(o, "maximize")};
  if (s.momentum > 0 && bufs.empty()) throwType(env, std::string(fn) + ": momentumBuffers are needed when momentum > 0");
  for (size_t k = 0; k < params.size(); ++k) {
    DeviceBuffer* p = params[k];
    cuda::rmspropStep(p->type, p->ptr, grads[k]->ptr, sq[k]->ptr, ga.empty() ? nullptr : ga[k]->ptr,
                      s.momentum > 0 ? bufs[k]->ptr : nullptr, p->length, s);
  }
}

void PhiloxUniform(const Napi::CallbackInfo& info) {
  const char* fn = "cudaPhiloxUniform";
  const uint64_t seed = static_cast<uint64_t>(intArg(info, 0, fn, "seedLo", 0, UINT32_MAX)) |
                        (static_cast<uint64_t>(intArg(info, 1, fn, "seedHi", 0, UINT32_MAX)) << 32);
  const uint64_t offset = static_cast<uint64_t>(intArg(info, 2, fn, "offsetLo", 0, UINT32_MAX)) |
                          (static_cast<uint64_t>(intArg(info, 3, fn, "offsetHi", 0, UINT32_MAX)) << 32);
  DeviceBuffer& out = handleArg(info, 4, fn, "out");
  needFloat(info.Env(), out, fn, "out");
  cuda::philoxUniform(out.type, seed, offset, out.ptr, out.length);
}


// ---- normalisation and CTC ---------------------------------------------------------------

// A float buffer of dtype t holding at least n elements, or null when the argument is null/undefined and optional.
DeviceBuffer* floatBuffer(const Napi::CallbackInfo& info, size_t i, const char* fn, const char* name, cuda::DType t, int64_t n,
                          bool optional) {
  DeviceBuffer* b = optional ? optionalHandle(info, i, fn, name) : &handleArg(info, i, fn, name);
  if (!b) return nullptr;
  needType(info.Env(), *b, t, fn, name);
  need(info.Env(), *b, n, fn, name);
  return b;
}
void* ptrOf(DeviceBuffer* b) { return b ? b->ptr : nullptr; }
double* statsOf(DeviceBuffer* b) { return static_cast<double*>(b->ptr); }

// The [N, C, S] sizes of BatchNorm/GroupNorm from arguments i, i+1, i+2; returns N*C*S.
int64_t ncsArgs(const Napi::CallbackInfo& info, size_t i, const char* fn, int64_t& N, int64_t& C, int64_t& S) {
  N = intArg(info, i, fn, "N");
  C = intArg(info, i + 1, fn, "C");
  S = intArg(info, i + 2, fn, "S");
  return checkedProduct(info.Env(), {N, C, S}, fn, "x");
}

void LayerNormForward(const Napi::CallbackInfo& info) {
  const char* fn = "cudaLayerNormForward";
  DeviceBuffer& x = handleArg(info, 0, fn, "x");
  needFloat(info.Env(), x, fn, "x");
  const int64_t rows = intArg(info, 6, fn, "rows"), n = intArg(info, 7, fn, "n");
  const int64_t total = checkedProduct(info.Env(), {rows, n}, fn, "x");
  need(info.Env(), x, total, fn, "x");
  DeviceBuffer* w = floatBuffer(info, 1, fn, "weight", x.type, n, true);
  DeviceBuffer* b = floatBuffer(info, 2, fn, "bias", x.type, n, true);
  DeviceBuffer* y = floatBuffer(info, 3, fn, "y", x.type, total, false);
  DeviceBuffer* mean = floatBuffer(info, 4, fn, "mean", cuda::DType::F64, rows, false);
  DeviceBuffer* rstd = floatBuffer(info, 5, fn, "rstd", cuda::DType::F64, rows, false);
  const double eps = numberArg(info, 8, fn, "eps");
  const bool relu = !isNullish(info, 9) && boolArg(info, 9, fn, "relu");
  cuda::layerNormForward(x.type, x.ptr, ptrOf(w), ptrOf(b), y->ptr, statsOf(mean), statsOf(rstd), rows, n, eps, relu);
}

void LayerNormBackward(const Napi::CallbackInfo& info) {
  const char* fn = "cudaLayerNormBackward";
  DeviceBuffer& dy = handleArg(info, 0, fn, "dy");
  needFloat(info.Env(), dy, fn, "dy");
  const int64_t rows = intArg(info, 8, fn, "rows"), n = intArg(info, 9, fn, "n");
  const int64_t total = checkedProduct(info.Env(), {rows, n}, fn, "x");
  const cuda::DType t = dy.type;
  need(info.Env(), dy, total, fn, "dy");
  DeviceBuffer* x = floatBuffer(info, 1, fn, "x", t, total, false);
  DeviceBuffer* mean = floatBuffer(info, 2, fn, "mean", cuda::DType::F64, rows, false);
  DeviceBuffer* rstd = floatBuffer(info, 3, fn, "rstd", cuda::DType::F64, rows, false);
  DeviceBuffer* w = floatBuffer(info, 4, fn, "weight", t, n, true);
  DeviceBuffer* dx = floatBuffer(info, 5, fn, "dx", t, total, true);
  DeviceBuffer* dw = floatBuffer(info, 6, fn, "dweight", t, n, true);
  DeviceBuffer* db = floatBuffer(info, 7, fn, "dbias", t, n, true);
  DeviceBuffer* out = floatBuffer(info, 10, fn, "reluOutput", t, total, true);
  cuda::layerNormBackward(t, dy.ptr, x->ptr, statsOf(mean), statsOf(rstd), ptrOf(w), ptrOf(dx), ptrOf(dw), ptrOf(db), rows, n, ptrOf(out));
}

void BatchNormForward(const Napi::CallbackInfo& info) {
  const char* fn = "cudaBatchNormForward";
  DeviceBuffer& x = handleArg(info, 0, fn, "x");
  needFloat(info.Env(), x, fn, "x");
  int64_t N, C, S;
  const int64_t total = ncsArgs(info, 7, fn, N, C, S);
  need(info.Env(), x, total, fn, "x");
  DeviceBuffer* w = floatBuffer(info, 1, fn, "weight", x.type, C, true);
  DeviceBuffer* b = floatBuffer(info, 2, fn, "bias", x.type, C, true);
  DeviceBuffer* y = floatBuffer(info, 3, fn, "y", x.type, total, false);
  DeviceBuffer* mean = floatBuffer(info, 4, fn, "mean", cuda::DType::F64, C, false);
  DeviceBuffer* var = floatBuffer(info, 5, fn, "variance", cuda::DType::F64, C, false);
  DeviceBuffer* invstd = floatBuffer(info, 6, fn, "invstd", cuda::DType::F64, C, false);
  const double eps = numberArg(info, 10, fn, "eps");
  const bool training = boolArg(info, 11, fn, "training");
  const bool relu = !isNullish(info, 12) && boolArg(info, 12, fn, "relu");
  cuda::batchNormForward(x.type, x.ptr, ptrOf(w), ptrOf(b), y->ptr, statsOf(mean), statsOf(var), statsOf(invstd), N, C, S, eps, training, relu);
}

void BatchNormBackward(const Napi::CallbackInfo& info) {
  const char* fn = "cudaBatchNormBackward";
  DeviceBuffer& dy = handleArg(info, 0, fn, "dy");
  needFloat(info.Env(), dy, fn, "dy");
  const cuda::DType t = dy.type;
  int64_t N, C, S;
  const int64_t total = ncsArgs(info, 8, fn, N, C, S);
  need(info.Env(), dy, total, fn, "dy");
  DeviceBuffer* x = floatBuffer(info, 1, fn, "x", t, total, false);
  DeviceBuffer* mean = floatBuffer(info, 2, fn, "mean", cuda::DType::F64, C, false);
  DeviceBuffer* invstd = floatBuffer(info, 3, fn, "invstd", cuda::DType::F64, C, false);
  DeviceBuffer* w = floatBuffer(info, 4, fn, "weight", t, C, true);
  DeviceBuffer* dx = floatBuffer(info, 5, fn, "dx", t, total, true);
  DeviceBuffer* dw = floatBuffer(info, 6, fn, "dweight", t, C, true);
  DeviceBuffer* db = floatBuffer(info, 7, fn, "dbias", t, C, true);
  const bool training = boolArg(info, 11, fn, "training");
  DeviceBuffer* out = floatBuffer(info, 12, fn, "reluOutput", t, total, true);
  cuda::batchNormBackward(t, dy.ptr, x->ptr, statsOf(mean), statsOf(invstd), ptrOf(w), ptrOf(dx), ptrOf(dw), ptrOf(db), N, C, S, training,
                          ptrOf(out));
}

int64_t groupsArg(const Napi::CallbackInfo& info, size_t i, const char* fn, int64_t C) {
  const int64_t groups = intArg(info, i, fn, "groups", 1);
  if (C % groups) throwRange(info.Env(), std::string(fn) + ": groups (" + std::to_string(groups) + ") must divide C (" + std::to_string(C) + ")");
  return groups;
}

void GroupNormForward(const Napi::CallbackInfo& info) {
  const char* fn = "cudaGroupNormForward";
  DeviceBuffer& x = handleArg(info, 0, fn, "x");
  needFloat(info.Env(), x, fn, "x");
  int64_t N, C, S;
  const int64_t total = ncsArgs(info, 6, fn, N, C, S);
  const int64_t groups = groupsArg(info, 9, fn, C);
  need(info.Env(), x, total, fn, "x");
  DeviceBuffer* w = floatBuffer(info, 1, fn, "weight", x.type, C, true);
  DeviceBuffer* b = floatBuffer(info, 2, fn, "bias", x.type, C, true);
  DeviceBuffer* y = floatBuffer(info, 3, fn, "y", x.type, total, false);
  const int64_t rows = checkedProduct(info.Env(), {N, groups}, fn, "the statistics");
  DeviceBuffer* mean = floatBuffer(info, 4, fn, "mean", cuda::DType::F64, rows, false);
  DeviceBuffer* rstd = floatBuffer(info, 5, fn, "rstd", cuda::DType::F64, rows, false);
  cuda::groupNormForward(x.type, x.ptr, ptrOf(w), ptrOf(b), y->ptr, statsOf(mean), statsOf(rstd), N, C, S, groups, numberArg(info, 10, fn, "eps"));
}

void GroupNormBackward(const Napi::CallbackInfo& info) {
  const char* fn = "cudaGroupNormBackward";
  DeviceBuffer& dy = handleArg(info, 0, fn, "dy");
  needFloat(info.Env(), dy, fn, "dy");
  const cuda::DType t = dy.type;
  int64_t N, C, S;
  const int64_t total = ncsArgs(info, 8, fn, N, C, S);
  const int64_t groups = groupsArg(info, 11, fn, C);
  need(info.Env(), dy, total, fn, "dy");
  const int64_t rows = checkedProduct(info.Env(), {N, groups}, fn, "the statistics");
  DeviceBuffer* x = floatBuffer(info, 1, fn, "x", t, total, false);
  DeviceBuffer* mean = floatBuffer(info, 2, fn, "mean", cuda::DType::F64, rows, false);
  DeviceBuffer* rstd = floatBuffer(info, 3, fn, "rstd", cuda::DType::F64, rows, false);
  DeviceBuffer* w = floatBuffer(info, 4, fn, "weight", t, C, true);
  DeviceBuffer* dx = floatBuffer(info, 5, fn, "dx", t, total, true);
  DeviceBuffer* dw = floatBuffer(info, 6, fn, "dweight", t, C, true);
  DeviceBuffer* db = floatBuffer(info, 7, fn, "dbias", t, C, true);
  cuda::groupNormBackward(t, dy.ptr, x->ptr, statsOf(mean), statsOf(rstd), ptrOf(w), ptrOf(dx), ptrOf(dw), ptrOf(db), N, C, S, groups);
}

// (logProbs, maxTime, batch, classes, targets, targetOffsets, targetLengths, inputLengths, blank, zeroInfinity, nll, grad|null):
// the labels and lengths are host Int32Arrays, checked here so that the kernel reads inside logProbs only.
void CtcLoss(const Napi::CallbackInfo& info) {
  const char* fn = "cudaCtcLoss";
  Napi::Env env = info.Env();
  DeviceBuffer& lp = handleArg(info, 0, fn, "logProbs");
  needFloat(env, lp, fn, "logProbs");
  cuda::CtcShape c{};
  c.t = lp.type;
  c.maxTime = intArg(info, 1, fn, "maxTime");
  c.batch = intArg(info, 2, fn, "batch");
  c.classes = intArg(info, 3, fn, "classes", 1);
  const int64_t total = checkedProduct(env, {c.maxTime, c.batch, c.classes}, fn, "logProbs");
  need(env, lp, total, fn, "logProbs");
  c.targets = hostInts(info, 4, fn, "targets", -1, &c.targetsLength);
  c.targetOffsets = hostInts(info, 5, fn, "targetOffsets", c.batch);
  c.targetLengths = hostInts(info, 6, fn, "targetLengths", c.batch);
  c.inputLengths = hostInts(info, 7, fn, "inputLengths", c.batch);
  c.blank = intArg(info, 8, fn, "blank", 0, c.classes - 1);
  c.zeroInfinity = boolArg(info, 9, fn, "zeroInfinity");
  DeviceBuffer* nll = floatBuffer(info, 10, fn, "nll", c.t, c.batch, false);
  DeviceBuffer* grad = floatBuffer(info, 11, fn, "grad", c.t, total, true);
  for (int64_t n = 0; n < c.batch; ++n) {
    const int64_t off = c.targetOffsets[n], L = c.targetLengths[n], T = c.inputLengths[n];
    const std::string item = std::string(fn) + ": item " + std::to_string(n);
    if (T < 0 || T > c.maxTime) throwRange(env, item + " has inputLength " + std::to_string(T) + " outside [0, maxTime]");
    if (L < 0 || off < 0 || off + L > c.targetsLength) throwRange(env, item + "'s labels lie outside targets");
    // Each gradient cell has one writer: a label equal to the blank would make two.
    for (int64_t j = 0; j < L; ++j)
      if (c.targets[off + j] < 0 || c.targets[off + j] >= c.classes || c.targets[off + j] == c.blank)
        throwRange(env, item + " holds label " + std::to_string(c.targets[off + j]) + ", not a non-blank class");
    if (grad && T * (2 * L + 1) > (int64_t(1) << 28)) throwRange(env, item + " needs an alpha table of more than 2^28 cells");
  }
  cuda::ctcLoss(c, lp.ptr, nll->ptr, ptrOf(grad));
}

}  // namespace

void registerCudaBindings(Napi::Env env, Napi::Object exports) {
  Context& ctx = *env.GetInstanceData<Context>();
  auto* state = new CudaState();
  ctx.cuda = state;
  env.AddCleanupHook([state]() { delete state; });
  exportBinding(env, exports, "cudaInfo", Info);
  exportBinding(env, exports, "cudaAlloc", Alloc);
  exportBinding(env, exports, "cudaFree", Free);
  exportBinding(env, exports, "cudaUpload", Upload);
  exportBinding(env, exports, "cudaDownload", Download);
  exportBinding(env, exports, "cudaCopy", Copy);
  exportBinding(env, exports, "cudaFill", Fill);
  exportBinding(env, exports, "cudaMemory", Memory);
  exportBinding(env, exports, "cudaEmptyCache", EmptyCache);
  exportBinding(env, exports, "cudaSynchronize", Synchronize);
  exportBinding(env, exports, "cudaUnary", Unary);
  exportBinding(env, exports, "cudaBinary", Binary);
  exportBinding(env, exports, "cudaWhere", Where);
  exportBinding(env, exports, "cudaCopyStrided", CopyStrided);
  exportBinding(env, exports, "cudaCast", Cast);
  exportBinding(env, exports, "cudaReduce", Reduce);
  exportBinding(env, exports, "cudaArgReduce", ArgReduce);
  exportBinding(env, exports, "cudaSoftmax", Softmax);
  exportBinding(env, exports, "cudaGather", Gather);
  exportBinding(env, exports, "cudaScatterAdd", ScatterAdd);
  exportBinding(env, exports, "cudaIndexSelect", IndexSelect);
  exportBinding(env, exports, "cudaIndexAdd", IndexAdd);
  exportBinding(env, exports, "cudaCrossEntropy", CrossEntropy);
  exportBinding(env, exports, "cudaCrossEntropyBackward", CrossEntropyBackward);
  exportBinding(env, exports, "cudaGemm", Gemm);
  exportBinding(env, exports, "cudaAdamStep", AdamStep);
  exportBinding(env, exports, "cudaSgdStep", SgdStep);
  exportBinding(env, exports, "cudaRmspropStep", RmspropStep);
  exportBinding(env, exports, "cudaPhiloxUniform", PhiloxUniform);
  exportBinding(env, exports, "cudaConv2d", Conv2d);
  exportBinding(env, exports, "cudaConv2dBackwardInput", Conv2dBackwardInput);
  exportBinding(env, exports, "cudaConv2dBackwardWeight", Conv2dBackwardWeight);
  exportBinding(env, exports, "cudaMaxPool2d", MaxPool2d);
  exportBinding(env, exports, "cudaMaxPool2dBackward", MaxPool2dBackward);
  exportBinding(env, exports, "cudaAvgPool2d", AvgPool2d);
  exportBinding(env, exports, "cudaAvgPool2dBackward", AvgPool2dBackward);
  exportBinding(env, exports, "cudaAdaptiveAvgPool2d", AdaptiveAvgPool2d);
  exportBinding(env, exports, "cudaAdaptiveAvgPool2dBackward", AdaptiveAvgPool2dBackward);
  exportBinding(env, exports, "cudaLayerNormForward", LayerNormForward);
  exportBinding(env, exports, "cudaLayerNormBackward", LayerNormBackward);
  exportBinding(env, exports, "cudaBatchNormForward", BatchNormForward);
  exportBinding(env, exports, "cudaBatchNormBackward", BatchNormBackward);
  exportBinding(env, exports, "cudaGroupNormForward", GroupNormForward);
  exportBinding(env, exports, "cudaGroupNormBackward", GroupNormBackward);
  exportBinding(env, exports, "cudaCtcLoss", CtcLoss);
}

}  // namespace lattice

// Binding of the fused tanh gradient kernels (kernels/tanh_backward.h):
// tanhBackward(a, b, c | null, out), all float arrays of one type and length.
#include "../args.h"
#include "../kernels/tanh_backward.h"
#include "bindings.h"

namespace lattice {
namespace {

void TanhBackward(const Napi::CallbackInfo& info) {
  const char* fn = "tanhBackward";
  Napi::Env env = info.Env();
  ArrayArg a = arrayArg(info, 0, fn, "a"), b = arrayArg(info, 1, fn, "b"), out = arrayArg(info, 3, fn, "out");
  requireFloat(env, a, fn, "a");
  requireSameType(env, a, b, fn, "a", "b");
  requireSameType(env, a, out, fn, "a", "out");
  requireLength(env, b, a.length, fn, "b");
  requireLength(env, out, a.length, fn, "out");
  const void* c = nullptr;
  if (!isNullish(info, 2)) {
    ArrayArg ca = arrayArg(info, 2, fn, "c");
    requireSameType(env, a, ca, fn, "a", "c");
    requireLength(env, ca, a.length, fn, "c");
    c = ca.data;
  }
  tanhBackwardKernel(ctxOf(info), a.type, a.data, b.data, c, out.data, a.length);
}

}  // namespace

void registerTanhBackwardBindings(Napi::Env env, Napi::Object exports) {
  exportBinding(env, exports, "tanhBackward", TanhBackward);
}

}  // namespace lattice

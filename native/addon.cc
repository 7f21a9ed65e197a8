// The addon's entry point: per-environment state and one registration line per kernel family.
#include <napi.h>

#include <cstdlib>
#include <thread>

#include "bindings/bindings.h"
#ifdef LATTICE_HAVE_CUDA
#include "cuda/bindings.h"
#endif
#include "context.h"
#include "cpu.h"

namespace lattice {

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  const Isa best = detectIsa();
  Isa chosen = best;
  if (const char* forced = std::getenv("LATTICE_ISA")) {
    Isa parsed;
    if (parseIsa(forced, &parsed) && static_cast<int>(parsed) <= static_cast<int>(best)) chosen = parsed;
  }
  const unsigned cores = std::thread::hardware_concurrency();
  // The addon instance owns its context; N-API deletes it when this environment (thread or process) ends.
  env.SetInstanceData(new Context(cores > 0 ? static_cast<int>(cores) : 1, chosen, best));
  registerCoreBindings(env, exports);
#ifdef LATTICE_HAVE_CUDA
  registerCudaBindings(env, exports);  // only in a LATTICE_CUDA build (native/cuda)
#endif
  registerNormBindings(env, exports);
  registerOptimBindings(env, exports);
  registerLossBindings(env, exports);
  registerConvBindings(env, exports);
  registerPoolBindings(env, exports);
  registerAugmentBindings(env, exports);
  registerAttentionBindings(env, exports);
  registerResampleBindings(env, exports);
  registerTanhBackwardBindings(env, exports);
  registerScanOrderBindings(env, exports);
  registerLinalgBindings(env, exports);
  return exports;
}

}  // namespace lattice

static Napi::Object InitLattice(Napi::Env env, Napi::Object exports) { return lattice::Init(env, exports); }

NODE_API_MODULE(lattice, InitLattice)

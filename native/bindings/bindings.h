// One register function per kernel family; addon.cc calls each once.
// A binding checks its arguments (native/args.h) and calls one kernel.
#pragma once

#include <napi.h>

#include <exception>
#include <new>
#include <string>
#include <type_traits>

#include "../context.h"

namespace lattice {

inline Context& ctxOf(const Napi::CallbackInfo& info) { return *info.Env().GetInstanceData<Context>(); }

// Registers a binding under `name`, wrapped so that no C++ exception crosses N-API:
// node-addon-api turns only Napi::Error into a JS exception, and anything else (a
// std::bad_alloc from a kernel's workspace, a std::length_error from a vector, either
// rethrown by the pool from a worker) would reach std::terminate and abort the process.
// Every binding is registered through here, so the guard lives in one place.
template <typename Result>
void exportBinding(Napi::Env env, Napi::Object exports, const char* name, Result (*fn)(const Napi::CallbackInfo&)) {
  auto guarded = [fn, name](const Napi::CallbackInfo& info) -> Napi::Value {
    try {
      if constexpr (std::is_void_v<Result>) {
        fn(info);
        return info.Env().Undefined();
      } else {
        return fn(info);
      }
    } catch (const Napi::Error&) {
      throw;
    } catch (const std::bad_alloc&) {
      throw Napi::RangeError::New(info.Env(), std::string(name) + ": out of memory: the native kernel could not allocate its workspace for these sizes");
    } catch (const std::exception& e) {
      throw Napi::Error::New(info.Env(), std::string(name) + ": native error: " + e.what());
    }
  };
  exports.Set(name, Napi::Function::New(env, guarded, name));
}

void registerCoreBindings(Napi::Env env, Napi::Object exports);
void registerNormBindings(Napi::Env env, Napi::Object exports);
void registerOptimBindings(Napi::Env env, Napi::Object exports);
void registerLossBindings(Napi::Env env, Napi::Object exports);
void registerConvBindings(Napi::Env env, Napi::Object exports);
void registerPoolBindings(Napi::Env env, Napi::Object exports);
void registerAugmentBindings(Napi::Env env, Napi::Object exports);
void registerAttentionBindings(Napi::Env env, Napi::Object exports);
void registerResampleBindings(Napi::Env env, Napi::Object exports);
void registerTanhBackwardBindings(Napi::Env env, Napi::Object exports);
void registerScanOrderBindings(Napi::Env env, Napi::Object exports);
void registerLinalgBindings(Napi::Env env, Napi::Object exports);

}  // namespace lattice

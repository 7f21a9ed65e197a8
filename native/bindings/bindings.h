// One register function per kernel family; addon.cc calls each once.
// A binding checks its arguments (native/args.h) and calls one kernel.
#pragma once

#include <napi.h>

#include "../context.h"

namespace lattice {

inline Context& ctxOf(const Napi::CallbackInfo& info) { return *info.Env().GetInstanceData<Context>(); }

void registerCoreBindings(Napi::Env env, Napi::Object exports);
void registerNormBindings(Napi::Env env, Napi::Object exports);
void registerOptimBindings(Napi::Env env, Napi::Object exports);
void registerLossBindings(Napi::Env env, Napi::Object exports);
void registerConvBindings(Napi::Env env, Napi::Object exports);
void registerPoolBindings(Napi::Env env, Napi::Object exports);
void registerAugmentBindings(Napi::Env env, Napi::Object exports);

}  // namespace lattice

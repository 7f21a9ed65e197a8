// Registration of the CUDA bindings (native/cuda/bindings.cc), called by addon.cc only in a
// build with LATTICE_CUDA; cudaAvailable() feeds info().cuda in either build.
#pragma once

#include <napi.h>

#include <string>

namespace lattice {

void registerCudaBindings(Napi::Env env, Napi::Object exports);

}  // namespace lattice

// Per-addon-instance state handed to every kernel: the pool and the chosen ISA.
#pragma once

#include "cpu.h"
#include "pool.h"

namespace lattice {

// Which GEMM runs matmul: the measured per-shape choice, or one side forced (see
// kernels/system_blas.h; SystemBlas falls back to Builtin where no BLAS is linked).
enum class GemmPath { Auto, Builtin, SystemBlas };

struct Context {
  ThreadPool pool;
  Isa isa;
  Isa bestIsa;
  GemmPath gemmPath = GemmPath::Auto;
  // The CUDA bindings' per-instance handle table (native/cuda/bindings.cc); null without CUDA.
  void* cuda = nullptr;
  Context(int threads, Isa chosen, Isa best) : pool(threads), isa(chosen), bestIsa(best) {}
};

}  // namespace lattice

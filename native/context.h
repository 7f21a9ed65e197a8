// Per-addon-instance state handed to every kernel: the pool and the chosen ISA.
#pragma once

#include "cpu.h"
#include "pool.h"

namespace lattice {

struct Context {
  ThreadPool pool;
  Isa isa;
  Isa bestIsa;
  Context(int threads, Isa chosen, Isa best) : pool(threads), isa(chosen), bestIsa(best) {}
};

}  // namespace lattice

// CPU feature detection: which SIMD translation units may run on this machine.
#pragma once

namespace lattice {

enum class Isa : int { Scalar = 0, Avx2 = 1, Avx512 = 2 };

// The best ISA this CPU and OS support (checks CPUID and XCR0 for saved AVX state).
Isa detectIsa();
const char* isaName(Isa isa);
// Parses "scalar" | "avx2" | "avx512"; returns false for anything else.
bool parseIsa(const char* name, Isa* out);

}  // namespace lattice

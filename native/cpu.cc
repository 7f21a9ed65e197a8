#include "cpu.h"

#include <cstring>
#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace lattice {

#if defined(__x86_64__) || defined(_M_X64)
static unsigned long long readXcr0() {
  unsigned int eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}
#endif

Isa detectIsa() {
#if defined(__x86_64__) || defined(_M_X64)
  unsigned int a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return Isa::Scalar;
  const bool osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, avx = (c >> 28) & 1;
  if (!osxsave || !avx) return Isa::Scalar;
  const unsigned long long xcr0 = readXcr0();
  const bool ymmSaved = (xcr0 & 0x6) == 0x6;
  const bool zmmSaved = (xcr0 & 0xe6) == 0xe6;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return Isa::Scalar;
  const bool avx2 = (b >> 5) & 1;
  const bool avx512f = (b >> 16) & 1, avx512dq = (b >> 17) & 1, avx512bw = (b >> 30) & 1,
             avx512vl = (b >> 31) & 1;
  if (zmmSaved && avx512f && avx512dq && avx512bw && avx512vl && fma) return Isa::Avx512;
  if (ymmSaved && avx2 && fma) return Isa::Avx2;
#endif
  return Isa::Scalar;
}

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    default: return "scalar";
  }
}

bool parseIsa(const char* name, Isa* out) {
  if (std::strcmp(name, "scalar") == 0) { *out = Isa::Scalar; return true; }
  if (std::strcmp(name, "avx2") == 0) { *out = Isa::Avx2; return true; }
  if (std::strcmp(name, "avx512") == 0) { *out = Isa::Avx512; return true; }
  return false;
}

}  // namespace lattice

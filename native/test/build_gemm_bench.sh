#!/usr/bin/env bash
# Builds the standalone GEMM check/benchmark with the addon's per-ISA flags:
# baseline -O3 for the driver, pool and CPU detection; the AVX2 and AVX-512
# micro-kernels in their own translation units with their own flags.
#   native/test/build_gemm_bench.sh [output]   (default: build/gemm_bench)
set -euo pipefail
native="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$native/../build/gemm_bench}"
obj="$(mktemp -d)"
trap 'rm -rf "$obj"' EXIT
mkdir -p "$(dirname "$out")"
cxx="${CXX:-g++}"
flags=(-std=c++17 -O3 -Wall -Wextra -pthread)
"$cxx" "${flags[@]}" -c "$native/simd/scalar/gemm_scalar.cc" -o "$obj/gemm_scalar.o"
"$cxx" "${flags[@]}" -mavx2 -mfma -c "$native/simd/avx2/gemm_avx2.cc" -o "$obj/gemm_avx2.o"
"$cxx" "${flags[@]}" -mavx512f -mavx512bw -mavx512dq -mavx512vl -mfma \
  -c "$native/simd/avx512/gemm_avx512.cc" -o "$obj/gemm_avx512.o"
for src in kernels/gemm.cc pool.cc cpu.cc test/gemm_bench.cc; do
  "$cxx" "${flags[@]}" -c "$native/$src" -o "$obj/$(basename "$src" .cc).o"
done
"$cxx" "${flags[@]}" "$obj"/*.o -o "$out"
echo "built $out"

#!/usr/bin/env bash
# Runs the CUDA kernels (native/cuda/*.cu but the runtime and cuBLAS loader: elementwise, reductions,
# losses, GEMM with the TF32 wmma kernel whose fragments test/cuda/host-sim/mma.h models, convolution,
# pooling, norms, optimizers, CTC, Philox) on the host, without a GPU: each launch runs its blocks one
# after another with one std::thread per CUDA thread, __syncthreads is a std::barrier, the warp
# shuffles go through a shared buffer and atomicAdd takes a mutex (test/cuda/host-sim/cuda_runtime.h).
# The kernels' indexing, reductions, barriers, the CTC recursion and the GEMM tiling are checked
# against plain double-precision references (test/cuda/host-sim/main.cc, check_*.cc), and the Philox
# streams against the CPU's (native/kernels/philox.cc), bit for bit.
# It says nothing about speed, warp-level timing or the device's math library; the GPU parity
# suite (scripts/cuda-check.sh) remains the check of the kernels on a GPU.
# Needs g++ with C++20 (<barrier>, GCC 11+) and perl. Run: bash scripts/cuda-host-sim.sh
set -euo pipefail
cd "$(dirname "$0")/.."
sim=test/cuda/host-sim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
kernels="norm ctc gemm losses optim philox pool reduce conv elementwise"
for f in $kernels; do
  # kernel<T><<<grid, block, 0, stream()>>>(args) -> simLaunch(kernel<T>, grid, block, args)
  perl -0pe 's/(\w+(?:<[^<>;]*>)?)<<<(.*?), 0, stream\(\)>>>\(/simLaunch($1, $2, /gs' "native/cuda/$f.cu" > "$work/$f.cc"
done
g++ -std=c++20 -O1 -pthread -I"$sim" -Inative/cuda -Inative/kernels -o "$work/sim" "$sim"/*.cc native/kernels/philox.cc \
  $(for f in $kernels; do echo "$work/$f.cc"; done)
"$work/sim"

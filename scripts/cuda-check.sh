#!/usr/bin/env bash
# The one script for a session with a GPU (issue #24): builds the addon with CUDA, runs the
# CUDA parity suite (every case of test/cuda/cases.ts on cpu and cuda, worst error per op
# family), prints backendInfo(), and benches W1 SGEMM (FP32 and TF32; with cuBLAS where it
# loads, then the built-in kernels again with LATTICE_CUBLAS=0), W6 conv, a W3 CNN step, the
# norms and CTC on cuda and on the CPU (and on PyTorch CUDA where python3 imports torch with a
# GPU). Sized for under 8
# minutes on an H100 machine with 16 cores, the build (sm_90 only, -j16) included.
#
# The device machine has CUDA, CMake, ninja and PyTorch but maybe no Node.js and no network,
# so the Node side travels with the working tree, prepared here first:
#   scripts/cuda-check.sh prepare     # on this machine: writes .cuda-check/ (about 25 MB, git-ignored)
# then, with the device tool, carrying that folder:
#   run(command: "bash scripts/cuda-check.sh", carry: [".cuda-check"], timeout_s: 540)
# Results land in $OUT (parity.json, bench.json, torch.json, log) when $OUT is set.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
kit=$root/.cuda-check

prepare() {
  set -e
  rm -rf "$kit" && mkdir -p "$kit/napi" "$kit/node_modules"
  local node_bin node_inc
  node_bin=$(readlink -f "$(command -v node)")
  node_inc=$(dirname "$node_bin")/../include/node
  # Node's own binary (it links only libc and libstdc++), compressed: the tree may carry 64 MiB.
  xz -T0 -6 -c "$node_bin" > "$kit/node.xz"
  # The N-API headers (all the addon includes from Node) and the two packages the build and the loader need.
  cp "$node_inc"/node_api.h "$node_inc"/node_api_types.h "$node_inc"/js_native_api.h "$node_inc"/js_native_api_types.h "$kit/napi/"
  cp -rL node_modules/node-addon-api node_modules/node-gyp-build "$kit/node_modules/"
  # The parity runner and the bench, bundled with the library (no tsx or vitest needed there).
  for name in cuda-parity cuda-bench; do
    npx esbuild "scripts/$name.ts" --bundle --platform=node --format=esm --target=node18 --log-level=warning \
      --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
      --outfile="$kit/$name.mjs"
  done
  du -sh "$kit"
  echo "prepared $kit: carry it (carry: [\".cuda-check\"]) and run: bash scripts/cuda-check.sh"
}

if [ "${1:-}" = prepare ]; then prepare; exit; fi

out=${OUT:-$root/.cuda-check/out}
mkdir -p "$out"
exec > >(tee "$out/log") 2>&1
t0=$(date +%s)
stage() { echo; echo "== $1 ($(( $(date +%s) - t0 )) s)"; }

stage "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>/dev/null || echo "nvidia-smi: none"
nvcc --version 2>/dev/null | tail -1
[ -d "$kit" ] || { echo "no $kit: run 'scripts/cuda-check.sh prepare' on a machine with Node first, and carry .cuda-check"; exit 1; }
# Always the carried Node (the one the bundles were made and tested with); xz or Python's lzma unpacks it.
mkdir -p /tmp/lattice-node
if command -v xz >/dev/null; then xz -dc "$kit/node.xz" > /tmp/lattice-node/node
else python3 -c "import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], 'wb'))" "$kit/node.xz" /tmp/lattice-node/node
fi
chmod +x /tmp/lattice-node/node && export PATH=/tmp/lattice-node:$PATH
node --version || { echo "the carried node does not run here"; exit 1; }
# A dangling link (a worktree's node_modules pointing elsewhere) travels as a link: replace it.
if [ ! -e node_modules ]; then rm -f node_modules; cp -r "$kit/node_modules" node_modules; fi

stage "build with CUDA (LATTICE_CUDA_ARCHS=${LATTICE_CUDA_ARCHS:-90-real})"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DLATTICE_CUDA=ON -DLATTICE_BLAS=OFF \
  -DLATTICE_CUDA_ARCHS="${LATTICE_CUDA_ARCHS:-90-real}" -DCMAKE_JS_INC="$kit/napi" \
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$root/build/Release" > "$out/cmake.log" 2>&1 || { tail -30 "$out/cmake.log"; exit 1; }
cmake --build build -j "${CUDA_CHECK_JOBS:-16}" >> "$out/cmake.log" 2>&1 || { grep -B2 -A12 -m3 "error" "$out/cmake.log"; exit 1; }
grep -i "warning" "$out/cmake.log" | head -20
ls -la build/Release/lattice.node

stage "cuBLAS"
# The addon opens libcublas at run time (native/cuda/cublas.cu). Where it is on neither the loader's
# path nor /usr/local/cuda/lib64, a pip-installed one (PyTorch's nvidia-cublas wheel) is named instead.
if [ -z "${LATTICE_CUBLAS:-}" ] && ! ldconfig -p 2>/dev/null | grep -q 'libcublas\.so' && ! ls /usr/local/cuda/lib64/libcublas.so* >/dev/null 2>&1; then
  pip_cublas=$(python3 -c "import glob, nvidia.cublas as m; print(sorted(glob.glob(list(m.__path__)[0] + '/lib/libcublas.so.*'))[0])" 2>/dev/null)
  [ -n "$pip_cublas" ] && export LATTICE_CUBLAS=$pip_cublas
fi
echo "cuBLAS: ${LATTICE_CUBLAS:-the default search}"

stage "parity suite (cpu vs cuda)"
node "$kit/cuda-parity.mjs" --json "$out/parity.json"
parity=$?

stage "bench (cuda and cpu, same process)"
timeout 240 node "$kit/cuda-bench.mjs" --json "$out/bench.json" || echo "bench stopped: exit $?"

stage "GEMM with the built-in kernels (LATTICE_CUBLAS=0)"
LATTICE_CUBLAS=0 timeout 60 node "$kit/cuda-bench.mjs" --gemm-only --json "$out/bench-builtin-gemm.json" || echo "bench stopped: exit $?"

stage "PyTorch CUDA peer"
timeout 90 python3 - "$out/torch.json" <<'PY' || echo "no PyTorch CUDA run"
import json, sys, time
import torch
if not torch.cuda.is_available():
    print("PyTorch sees no GPU"); sys.exit(0)
torch.backends.cuda.matmul.allow_tf32 = False  # plain FP32, as Lattice's GEMM
torch.backends.cudnn.allow_tf32 = False
dev = "cuda"
def bench(fn, reps=20, warm=3):
    for _ in range(warm): fn()
    torch.cuda.synchronize(); ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); torch.cuda.synchronize(); ts.append((time.perf_counter() - t) * 1e3)
    return sorted(ts)[len(ts) // 2]
rows = []
for M, K, N in [(1024,) * 3, (2048,) * 3, (4096,) * 3, (128, 784, 256), (128, 256, 10), (43264, 9, 32), (7744, 288, 64)]:
    a, b = torch.randn(M, K, device=dev), torch.randn(K, N, device=dev)
    ms = bench(lambda: a @ b); rows.append(dict(workload=f"W1 SGEMM {M}x{K} @ {K}x{N}", ms=ms, gflops=2*M*N*K/ms/1e6))
x = torch.randn(32, 64, 32, 32, device=dev, requires_grad=True); w = torch.randn(64, 64, 3, 3, device=dev, requires_grad=True)
fl = 2 * 32 * 64 * 32 * 32 * 64 * 9
ms = bench(lambda: torch.nn.functional.conv2d(x, w, padding=1)); rows.append(dict(workload="W6 conv2d forward", ms=ms, gflops=fl/ms/1e6))
ms = bench(lambda: torch.nn.functional.conv2d(x, w, padding=1).sum().backward()); rows.append(dict(workload="W6 conv2d forward+backward", ms=ms, gflops=3*fl/ms/1e6))
m = torch.nn.Sequential(torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(),
    torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(1600, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)).to(dev)
opt = torch.optim.Adam(m.parameters(), lr=1e-3); xb = torch.rand(64, 1, 28, 28, device=dev); yb = torch.randint(0, 10, (64,), device=dev)
def step():
    opt.zero_grad(); torch.nn.functional.cross_entropy(m(xb), yb).backward(); opt.step()
rows.append(dict(workload="W3 CNN training step (batch 64, Adam)", ms=bench(step, 30)))
torch.backends.cuda.matmul.allow_tf32 = True
for M, K, N in [(1024,) * 3, (2048,) * 3, (4096,) * 3]:
    a, b = torch.randn(M, K, device=dev), torch.randn(K, N, device=dev)
    ms = bench(lambda: a @ b); rows.append(dict(workload=f"W1 SGEMM {M}x{K} @ {K}x{N} TF32", ms=ms, gflops=2*M*N*K/ms/1e6))
torch.backends.cuda.matmul.allow_tf32 = False
xb = torch.randn(64, 64, 32, 32, device=dev, requires_grad=True); bn = torch.nn.BatchNorm2d(64).to(dev); gn = torch.nn.GroupNorm(8, 64).to(dev)
rows.append(dict(workload="BatchNorm2d [64,64,32,32] forward+backward", ms=bench(lambda: bn(xb).sum().backward())))
xl = torch.randn(4096, 1024, device=dev, requires_grad=True); ln = torch.nn.LayerNorm(1024).to(dev)
rows.append(dict(workload="LayerNorm [4096,1024] forward+backward", ms=bench(lambda: ln(xl).sum().backward())))
rows.append(dict(workload="GroupNorm(8) [64,64,32,32] forward+backward", ms=bench(lambda: gn(xb).sum().backward())))
lg = torch.randn(200, 32, 30, device=dev, requires_grad=True); tg = torch.randint(1, 30, (32, 50), device=dev)
il = torch.full((32,), 200, dtype=torch.long); tl = torch.full((32,), 50, dtype=torch.long)
rows.append(dict(workload="ctcLoss T=200 N=32 C=30 L=50 forward+backward",
    ms=bench(lambda: torch.nn.functional.ctc_loss(lg.log_softmax(2), tg, il, tl).backward())))
print(f"PyTorch {torch.__version__} on {torch.cuda.get_device_name()} (TF32 off except the TF32 rows):")
for r in rows: print(f"{r['workload']:44} torch {r['ms']:10.3f} ms" + (f"  {r['gflops']:7.0f} GFLOP/s" if 'gflops' in r else ""))
json.dump(dict(torch=torch.__version__, device=torch.cuda.get_device_name(), rows=rows), open(sys.argv[1], "w"), indent=1)
PY

stage "done"
exit $parity

#!/usr/bin/env bash
# Sets up the Python peers of `npm run bench` in a cached venv outside the repository
# (never part of `npm install` or `npm test`):
#   - PyTorch 2.x (the CPU-only wheel pip serves; oneDNN, fused Adam, torch.compile)
#   - TensorFlow 2.x (tensorflow-cpu; oneDNN) -- its libtensorflow_cc also feeds bench/setup/tfjs-node.sh
#   - numpy (bundled OpenBLAS)
# and, where root with apt is available, Debian's python3-torch 1.13 (run by /usr/bin/python3), the
# pthread OpenBLAS it should link, and libjemalloc2 (the "tuned malloc" runs preload it).
#
# Usage: bash bench/setup/python-peers.sh [--no-apt]
# Cache: $LATTICE_BENCH_CACHE (default ~/.cache/lattice-bench); the venv is $LATTICE_BENCH_CACHE/venv.
# Re-running is cheap: a venv that already imports both libraries is kept.
set -uo pipefail
cache="${LATTICE_BENCH_CACHE:-$HOME/.cache/lattice-bench}"
venv="$cache/venv"
mkdir -p "$cache"

if [ "${1:-}" != "--no-apt" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  for p in python3-torch libopenblas0-pthread libjemalloc2 python3-venv; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
  if [ ${#need[@]} -gt 0 ]; then
    echo "python-peers: apt-get install ${need[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
      { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1; } ||
      echo "python-peers: apt-get could not install ${need[*]}; PyTorch 1.13 / jemalloc rows will be missing" >&2
  fi
fi

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import torch, tensorflow, numpy' >/dev/null 2>&1; then
  echo "python-peers: $venv ready" >&2
  exit 0
fi

# Prefer Debian's python3 (its venv module is installed above); any python3 >= 3.10 with venv works.
py=/usr/bin/python3
[ -x "$py" ] && "$py" -c 'import venv, ensurepip' >/dev/null 2>&1 || py=python3
rm -rf "$venv"
"$py" -m venv "$venv" || { echo "python-peers: cannot create a venv with $py" >&2; exit 1; }
"$venv/bin/python" -m pip install --quiet --retries 1 --upgrade pip >/dev/null 2>&1 || true
# torch: the CPU-only 2.x wheel; tensorflow-cpu 2.x. One resolver pass so numpy satisfies both.
if ! "$venv/bin/python" -m pip install --quiet --retries 1 'torch>=2.1' 'tensorflow-cpu>=2.16' numpy; then
  echo "python-peers: pip install failed" >&2
  exit 1
fi
"$venv/bin/python" -c 'import torch, tensorflow as tf, numpy; print("python-peers: torch", torch.__version__, "tensorflow", tf.__version__, "numpy", numpy.__version__)' >&2

#!/usr/bin/env bash
# Sets up the TensorFlow.js peers of `npm run bench` in a cache outside the repository
# ($LATTICE_BENCH_CACHE/tfjs, default ~/.cache/lattice-bench/tfjs; ~850 MB):
#   @tensorflow/tfjs, @tensorflow/tfjs-backend-wasm and @tensorflow/tfjs-node, all 4.22.0.
#
# tfjs-node's own install downloads libtensorflow, which cannot work offline. Instead it is
# installed with --ignore-scripts and given TensorFlow's own libraries from the tensorflow-cpu
# wheel (pip serves it): libtensorflow_cc.so.2 and libtensorflow_framework.so.2 go to the
# package's deps/lib (libtensorflow.so.2 / libtensorflow.so link to libtensorflow_cc.so.2,
# libtensorflow_framework.so to its .so.2), the C API headers to deps/include, and the binding
# is built from source with node-pre-gyp against this Node's headers. tf.getBackend() then
# says 'tensorflow' (the wheel's TF 2.x C API under tfjs-node 4.22's binding).
#
# Usage: bash bench/setup/tfjs-node.sh        (cheap when the cache is ready: it only checks)
# Exit status 0 when tfjs-node loads; non-zero (with the reason on stderr) otherwise.
set -uo pipefail
TFJS_VERSION=4.22.0
cache="${LATTICE_BENCH_CACHE:-$HOME/.cache/lattice-bench}"
dir="$cache/tfjs"
pkg="$dir/node_modules/@tensorflow/tfjs-node"
say() { echo "tfjs-node: $*" >&2; }

check() {
  (cd "$dir" && node -e "
    const tf = require('@tensorflow/tfjs-node');
    tf.setBackend('tensorflow');
    const v = tf.version;
    console.error('tfjs-node: tf.getBackend() = ' + tf.getBackend() + ', tfjs-node ' + v['tfjs-node'] + ', TensorFlow C API ' + (v['tfjs-node'] && tf.backend().binding ? tf.backend().binding.TF_Version : '?'));
    if (tf.getBackend() !== 'tensorflow') process.exit(1);
  ") 2>&1 | grep -v -E '^(Platform node|Hi there|cpu backend|=====)' >&2
  return "${PIPESTATUS[0]}"
}

if [ -f "$dir/.ready" ] && check; then exit 0; fi
mkdir -p "$dir" "$cache/wheels" || exit 1

# 1. The npm packages, scripts off (the tfjs-node install script is the part that downloads).
if [ ! -f "$pkg/package.json" ] || [ ! -d "$dir/node_modules/@tensorflow/tfjs-backend-wasm" ]; then
  cat > "$dir/package.json" <<JSON
{ "name": "lattice-bench-tfjs", "private": true, "version": "0.0.0",
  "dependencies": { "@tensorflow/tfjs": "$TFJS_VERSION", "@tensorflow/tfjs-backend-wasm": "$TFJS_VERSION",
                    "@tensorflow/tfjs-node": "$TFJS_VERSION", "node-gyp": "^10.0.0" } }
JSON
  (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2) || { say "npm install failed"; exit 1; }
fi

# 2. TensorFlow's libraries and C headers from the tensorflow-cpu wheel.
wheel=$(ls "$cache"/wheels/tensorflow_cpu-*.whl 2>/dev/null | tail -1)
if [ -z "$wheel" ]; then
  py=$(command -v python3 || echo /usr/bin/python3)
  "$py" -m pip download --quiet --retries 1 --no-deps --only-binary=:all: -d "$cache/wheels" tensorflow-cpu >&2 ||
    { say "pip download tensorflow-cpu failed (no wheel for this machine?)"; exit 1; }
  wheel=$(ls "$cache"/wheels/tensorflow_cpu-*.whl 2>/dev/null | tail -1)
fi
[ -n "$wheel" ] || { say "no tensorflow-cpu wheel"; exit 1; }
say "libraries from $(basename "$wheel")"
rm -rf "$pkg/deps" "$dir/wheel" && mkdir -p "$pkg/deps/lib" "$pkg/deps/include" "$dir/wheel"
(cd "$dir/wheel" && python3 -m zipfile -e "$wheel" . 2>/dev/null) ||
  (cd "$dir/wheel" && unzip -q "$wheel") || { say "cannot unpack $wheel"; exit 1; }
tfroot="$dir/wheel/tensorflow"
cp "$tfroot/libtensorflow_cc.so.2" "$tfroot/libtensorflow_framework.so.2" "$pkg/deps/lib/" || { say "wheel lacks libtensorflow_cc.so.2"; exit 1; }
(cd "$pkg/deps/lib" && ln -sf libtensorflow_cc.so.2 libtensorflow.so.2 && ln -sf libtensorflow_cc.so.2 libtensorflow.so &&
  ln -sf libtensorflow_framework.so.2 libtensorflow_framework.so)
inc="$tfroot/include"
(cd "$inc" && {
  find tensorflow/c -name '*.h'
  find tensorflow/core/platform tsl/platform -name 'ctstring*.h'
  ls xla/tsl/c/tsl_status.h 2>/dev/null
} | while read -r f; do mkdir -p "$pkg/deps/include/$(dirname "$f")" && cp "$f" "$pkg/deps/include/$f"; done)
rm -rf "$dir/wheel"

# 3. The binding, from source, against this Node's headers.
nodedir=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
say "building the binding (node-pre-gyp --build-from-source, nodedir $nodedir)"
(cd "$pkg" && PATH="$dir/node_modules/.bin:$PATH" npm_config_nodedir="$nodedir" \
  "$dir/node_modules/.bin/node-pre-gyp" install --build-from-source --nodedir="$nodedir" >"$dir/build.log" 2>&1) ||
  { say "binding build failed; see $dir/build.log"; tail -5 "$dir/build.log" >&2; exit 1; }
if check; then touch "$dir/.ready"; exit 0; fi
say "built, but tf.getBackend() is not 'tensorflow'"
exit 1

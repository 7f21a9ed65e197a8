// TensorFlow.js as a worker of bench/run.ts (protocol: bench/lib/worker.mjs).
//
//   node peers/tfjs_worker.mjs --backend node|wasm|cpu
//
// The packages come from the bench cache that bench/setup/tfjs-node.sh fills
// ($LATTICE_BENCH_CACHE/tfjs, default ~/.cache/lattice-bench/tfjs), else from bench/node_modules.
// tfjs-node runs TensorFlow's C API (oneDNN) in-process: its threads follow TF_NUM_INTRAOP_THREADS
// and TF_NUM_INTEROP_THREADS, which bench/run.ts sets. wasm runs one thread in Node and has no
// Conv2DBackpropFilter (it cannot train a conv layer: "unsupported", with TF.js's own error).
// Images are NHWC. Every case returns what it computed (the output, the loss, the gradients).

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fashionBatches } from '../lib/fashion.mjs';
import { serve } from '../lib/worker.mjs';

const argv = process.argv.slice(2);
const backendName = argv[argv.indexOf('--backend') + 1] ?? 'wasm';
const cache = join(process.env.LATTICE_BENCH_CACHE ?? join(homedir(), '.cache', 'lattice-bench'), 'tfjs');
const GEMM = [[128, 128, 128], [256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [2048, 2048, 2048],
  [128, 784, 256], [128, 256, 10], [43264, 9, 32], [7744, 288, 64]];
const GEMM_QUICK = [[128, 128, 128], [1024, 1024, 1024], [128, 784, 256], [7744, 288, 64]];

function load(name) {
  const from = existsSync(join(cache, 'node_modules', name)) ? join(cache, 'package.json') : import.meta.url;
  try {
    return createRequire(from)(name);
  } catch (err) {
    throw new Error(`${String(err?.message ?? err).split('\n')[0]} (set it up: bash bench/setup/tfjs-node.sh)`);
  }
}

let tf;
async function info() {
  if (backendName === 'node') {
    tf = load('@tensorflow/tfjs-node');
  } else {
    tf = load('@tensorflow/tfjs');
    if (backendName === 'wasm') load('@tensorflow/tfjs-backend-wasm');
  }
  if (!(await tf.setBackend(backendName === 'node' ? 'tensorflow' : backendName))) throw new Error(`tf.setBackend('${backendName}') failed`);
  await tf.ready();
  const out = { peer: `tfjs-${backendName}`, library: 'TensorFlow.js', version: tf.version.tfjs, family: 'tfjs', backend: tf.getBackend() };
  if (backendName === 'node') out.tensorflow = tf.backend().binding?.TF_Version ?? null;
  if (backendName === 'wasm') out.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return out;
}

const release = (r) => {
  if (r && typeof r.dispose === 'function') r.dispose();
  else if (Array.isArray(r)) r.forEach(release);
};

let seed = 0;
function uniform(shape, fanIn) {
  const b = 1 / Math.sqrt(fanIn);
  return tf.variable(tf.randomUniform(shape, -b, b, 'float32', seed++));
}

function missingKernel(fn) {
  try { tf.tidy(fn); return null; } catch (err) { return String(err?.message ?? err).split('\n')[0]; }
}

function trainStep(forward, params, batch, inputShape) {
  const batches = fashionBatches(batch).map(({ x, y }) => ({
    x: tf.tensor(x, [batch, ...inputShape]), y: tf.tidy(() => tf.oneHot(tf.tensor1d(y, 'int32'), 10)),
  }));
  const opt = tf.train.adam(1e-3);
  let i = -1;
  const fn = () => {
    i = (i + 1) % batches.length;
    const { x, y } = batches[i];
    return opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(x)), true, params);
  };
  return { fn, dispose: () => { opt.dispose(); batches.forEach((b) => { b.x.dispose(); b.y.dispose(); }); } };
}

const MAKERS = {
  gemm(quick) {
    const cases = {};
    const held = [];
    for (const [m, k, n] of quick ? GEMM_QUICK : GEMM) {
      if (backendName === 'cpu' && m * k * n > 512 ** 3) { cases[`${m}x${k}x${n}`] = { unsupported: 'tfjs cpu: seconds per call' }; continue; }
      const a = tf.randomNormal([m, k], 0, 1, 'float32', 1), b = tf.randomNormal([k, n], 0, 1, 'float32', 2);
      held.push(a, b);
      cases[`${m}x${k}x${n}`] = { fn: () => tf.matMul(a, b), flops: 2 * m * k * n };
    }
    return { cases, teardown: () => held.forEach((t) => t.dispose()) };
  },
  mlp() {
    const p = [uniform([784, 256], 784), uniform([256], 784), uniform([256, 256], 256), uniform([256], 256), uniform([256, 10], 256), uniform([10], 256)];
    const forward = (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, p[0]), p[1])), p[2]), p[3])), p[4]), p[5]);
    const s = trainStep(forward, p, 128, [784]);
    return { cases: { step: { fn: s.fn, note: 'optimizer.minimize, tf.train.adam' } }, teardown: () => { s.dispose(); p.forEach((v) => v.dispose()); } };
  },
  cnn() {
    const p = [uniform([3, 3, 1, 32], 9), uniform([32], 9), uniform([3, 3, 32, 64], 288), uniform([64], 288),
      uniform([1600, 128], 1600), uniform([128], 1600), uniform([128, 10], 128), uniform([10], 128)];
    const forward = (x) => {
      let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, p[0], 1, 'valid'), p[1])), 2, 2, 'valid');
      h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, p[2], 1, 'valid'), p[3])), 2, 2, 'valid');
      return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.reshape(h, [h.shape[0], 1600]), p[4]), p[5])), p[6]), p[7]);
    };
    const x0 = tf.tensor(fashionBatches(64, 1)[0].x, [64, 28, 28, 1]);
    const cases = { forward: { fn: () => tf.tidy(() => forward(x0)), note: 'NHWC' } };
    const missing = missingKernel(() => tf.grad((w) => tf.conv2d(tf.ones([1, 4, 4, 2]), w, 1, 'valid').sum())(tf.ones([3, 3, 2, 2])));
    let s = null;
    if (missing) cases.step = { unsupported: missing };
    else if (backendName === 'cpu') cases.step = { unsupported: 'tfjs cpu: tens of seconds per step' };
    else { s = trainStep(forward, p, 64, [28, 28, 1]); cases.step = { fn: s.fn, note: 'NHWC, tf.train.adam' }; }
    return { cases, teardown: () => { s?.dispose(); x0.dispose(); p.forEach((v) => v.dispose()); } };
  },
  conv() {
    const x = tf.randomNormal([32, 32, 32, 64], 0, 1, 'float32', 3);
    const w = tf.randomNormal([3, 3, 64, 64], 0, 1 / 24, 'float32', 4);
    const b = tf.zeros([64]);
    const dy = tf.randomNormal([32, 32, 32, 64], 0, 1, 'float32', 5);
    const flops = 2 * 32 * 64 * 32 * 32 * 64 * 9;
    const conv = (xx, ww, bb) => tf.add(tf.conv2d(xx, ww, 1, 'same'), bb);
    const cases = { forward: { fn: () => tf.tidy(() => conv(x, w, b)), flops, note: 'NHWC' } };
    const missing = missingKernel(() => tf.grads((a, c) => tf.conv2d(a, c, 1, 'valid').sum())([tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 2])]));
    if (missing) cases.forward_backward = { unsupported: missing };
    else if (backendName === 'cpu') cases.forward_backward = { unsupported: 'tfjs cpu: minutes per call' };
    else {
      const vg = tf.valueAndGrads((xx, ww, bb) => conv(xx, ww, bb));
      cases.forward_backward = {
        fn: () => { const { value, grads } = vg([x, w, b], dy); return [value, ...grads]; },
        flops: 3 * flops, note: 'NHWC, output returned',
      };
    }
    return { cases, teardown: () => [x, w, b, dy].forEach((t) => t.dispose()) };
  },
  overhead() {
    const a = tf.randomNormal([8], 0, 1, 'float32', 1), b = tf.randomNormal([8], 0, 1, 'float32', 2);
    const chain = (y0, bb) => { let y = y0; for (let i = 0; i < 1000; i++) y = tf.add(y, bb); return y; };
    const g = tf.valueAndGrads((y0, bb) => chain(y0, bb));
    return {
      cases: {
        add_8: { fn: () => tf.add(a, b), unit: 'us' },
        chain1000_forward: { fn: () => tf.tidy(() => chain(a, b)), unit: 'us', perCall: 1000 },
        chain1000_forward_backward: { fn: () => { const { value, grads } = g([a, b]); return [value, ...grads]; }, unit: 'us', perCall: 1000, note: 'tf.valueAndGrads' },
      },
      teardown: () => { a.dispose(); b.dispose(); },
    };
  },
};

serve({ info, release, makeCases: (workload, quick) => (MAKERS[workload] ? MAKERS[workload](quick) : {}) });

// TensorFlow.js peer for Lattice's benchmark (../shared/BENCH.md).
//
//   node tfjs_bench.mjs <workload> --backend cpu|wasm|node [--reps R] [--quick] [--steps N] [--full]
//
// workloads: gemm (W1), mlp (W2), cnn (W3), conv (W6), overhead (W9).
// Prints exactly one JSON object on stdout; progress goes to stderr.
//
// The cpu and wasm backends run every kernel synchronously inside the op
// call, so timing an op call times its kernel. wasm runs one thread in Node
// and has no Conv2DBackpropFilter (conv training is reported "unsupported").
// The cpu backend is pure JavaScript and very slow for convolutions: its
// repetitions are capped by a time budget, and the slowest cases
// (2048^3 GEMM, conv forward+backward) only run with --full.

import { performance } from 'node:perf_hooks';
import {
  finite,
  parseCli,
  permutation,
  skippedResult,
  timeMs,
  timingResult,
  unsupportedResult,
  valueResult,
} from '../lib/stats.mjs';
import { loadFashionMnist } from '../lib/fashion.mjs';

// tfjs prints advice banners with console.log; stdout is reserved for JSON.
const writeJson = (obj) => process.stdout.write(JSON.stringify(finite(obj)) + '\n');
console.log = console.error;
console.info = console.error;
console.warn = console.error;
const log = (...a) => console.error(...a);

const WORKLOADS = ['gemm', 'mlp', 'cnn', 'conv', 'overhead'];
const GEMM_SHAPES = [
  [128, 128, 128],
  [256, 256, 256],
  [512, 512, 512],
  [1024, 1024, 1024],
  [2048, 2048, 2048],
  [128, 784, 256],
  [128, 256, 10],
  [43264, 9, 32],
  [7744, 288, 64],
];

const cli = parseCli(process.argv.slice(2), {
  flags: ['backend', 'reps', 'steps', 'budget'],
  switches: ['quick', 'full'],
});
const workload = cli._[0];
const backendName = cli.backend ?? 'wasm';
const reps = cli.reps ? Number(cli.reps) : 5;
const quick = Boolean(cli.quick);
const full = Boolean(cli.full);
// Per-case time budget (ms) that caps repetitions of slow cases.
const budgetMs = cli.budget ? Number(cli.budget) * 1000 : quick ? 10000 : 60000;
if (!WORKLOADS.includes(workload) || !['cpu', 'wasm', 'node'].includes(backendName) || !(reps >= 1)) {
  console.error(
    `usage: node tfjs_bench.mjs <${WORKLOADS.join('|')}> --backend cpu|wasm|node [--reps R] [--quick] [--steps N] [--full] [--budget SECONDS]`,
  );
  process.exit(2);
}
const peer = `tfjs-${backendName}`;

async function loadTf() {
  if (backendName === 'node') {
    // Optional dependency: its install script downloads libtensorflow, which
    // fails offline, and npm then leaves it out.
    const tf = await import('@tensorflow/tfjs-node');
    return tf.default ?? tf;
  }
  const tf = await import('@tensorflow/tfjs');
  if (backendName === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  return tf;
}

let tf;
try {
  tf = await loadTf();
  const ok = await tf.setBackend(backendName === 'node' ? 'tensorflow' : backendName);
  if (!ok) throw new Error(`tf.setBackend('${backendName}') returned false`);
  await tf.ready();
} catch (err) {
  writeJson({ peer, workload, unavailable: true, reason: String(err?.message ?? err).split('\n')[0], results: [] });
  process.exit(0);
}

async function backendInfo() {
  const info = { backend: tf.getBackend() };
  if (backendName === 'wasm') {
    info.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    info.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  }
  return info;
}

// ------------------------------------------------------------------ helpers

/** PyTorch's default Linear/Conv init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
let seedCounter = 0;
function uniformInit(shape, fanIn) {
  const bound = 1 / Math.sqrt(fanIn);
  const init = tf.randomUniform(shape, -bound, bound, 'float32', seedCounter++);
  const v = tf.variable(init); // the variable holds its own reference to the data
  init.dispose();
  return v;
}

const timeOpts = (extra = {}) => ({ reps, budgetMs, ...extra });

function timed(caseName, fn, extra = {}, opts = {}) {
  const t = timeMs(fn, timeOpts(opts));
  const res = timingResult(caseName, t.samples, 'ms', { inner: t.inner, ...extra });
  if (t.capped) Object.assign(res, { capped: true, requested_reps: t.requestedReps });
  return res;
}

function tryKernel(fn) {
  try {
    tf.tidy(fn);
    return null;
  } catch (err) {
    return String(err?.message ?? err).split('\n')[0];
  }
}

// ------------------------------------------------------------------ W1

function benchGemm() {
  const results = [];
  for (const [m, k, n] of GEMM_SHAPES) {
    const caseName = `${m}x${k}x${n}`;
    const big = m * k * n;
    if (quick && big > 1024 ** 3) continue;
    if (backendName === 'cpu' && big > 1024 ** 3 && !full) {
      results.push(skippedResult(caseName, 'tfjs cpu: ~20 s per 2048^3 call; pass --full'));
      continue;
    }
    const a = tf.randomNormal([m, k], 0, 1, 'float32', 1);
    const b = tf.randomNormal([k, n], 0, 1, 'float32', 2);
    const res = timed(caseName, () => tf.matMul(a, b).dispose(), { shape: { M: m, K: k, N: n } });
    Object.assign(res, rateFrom(2 * m * n * k, res));
    log(`${peer} ${caseName}: ${res.median.toFixed(3)} ms ${res.gflops.median.toFixed(1)} GFLOP/s`);
    a.dispose();
    b.dispose();
    results.push(res);
  }
  return results;
}

// ------------------------------------------------------------------ W2 / W3 training

/** A model as { params, forward(x) }, written with plain ops. */
function mlpModel() {
  const w1 = uniformInit([784, 256], 784);
  const b1 = uniformInit([256], 784);
  const w2 = uniformInit([256, 256], 256);
  const b2 = uniformInit([256], 256);
  const w3 = uniformInit([256, 10], 256);
  const b3 = uniformInit([10], 256);
  return {
    params: [w1, b1, w2, b2, w3, b3],
    forward: (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2)), w3), b3),
  };
}

/** NHWC (the only layout tfjs cpu/wasm convolve in); weights [kh, kw, in, out]. */
function cnnModel() {
  const c1 = uniformInit([3, 3, 1, 32], 9);
  const c1b = uniformInit([32], 9);
  const c2 = uniformInit([3, 3, 32, 64], 288);
  const c2b = uniformInit([64], 288);
  const f1 = uniformInit([1600, 128], 1600);
  const f1b = uniformInit([128], 1600);
  const f2 = uniformInit([128, 10], 128);
  const f2b = uniformInit([10], 128);
  return {
    params: [c1, c1b, c2, c2b, f1, f1b, f2, f2b],
    forward: (x) => {
      let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, c1, 1, 'valid'), c1b)), 2, 2, 'valid');
      h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, c2, 1, 'valid'), c2b)), 2, 2, 'valid');
      h = tf.reshape(h, [h.shape[0], 1600]);
      return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(h, f1), f1b)), f2), f2b);
    },
  };
}

function testAccuracy(model, testX, testY, inputShape, batch = 1000) {
  let correct = 0;
  for (let i = 0; i < testY.length; i += batch) {
    const n = Math.min(batch, testY.length - i);
    const pred = tf.tidy(() => {
      const x = tf.tensor(testX.subarray(i * 784, (i + n) * 784), [n, ...inputShape]);
      return model.forward(x).argMax(1).dataSync();
    });
    for (let j = 0; j < n; j++) if (pred[j] === testY[i + j]) correct++;
  }
  return (100 * correct) / testY.length;
}

/**
 * One seeded shuffled pass (last partial batch kept), Adam 1e-3, softmax
 * cross-entropy (mean). Step time = forward + loss + backward + Adam update
 * on an already built batch; epoch time covers the whole loop including
 * batch gathering. The first `skip` steps are warm-up, excluded from the
 * step statistics. maxSteps < steps per epoch gives a partial epoch whose
 * epoch time is extrapolated and labelled so.
 */
function train(name, model, data, { batch, inputShape, maxSteps, skip = 3 }) {
  const { trainX, trainY, nTrain } = data;
  const opt = tf.train.adam(1e-3);
  const perm = permutation(nTrain, 0);
  const fullSteps = Math.ceil(nTrain / batch);
  const steps = Math.min(fullSteps, maxSteps ?? fullSteps);
  const stepMs = [];
  let lastLoss = NaN;
  const xbuf = new Float32Array(batch * 784);
  const ybuf = new Int32Array(batch);
  const tEpoch = performance.now();
  for (let s = 0; s < steps; s++) {
    const n = Math.min(batch, nTrain - s * batch);
    for (let j = 0; j < n; j++) {
      const src = perm[s * batch + j];
      xbuf.set(trainX.subarray(src * 784, (src + 1) * 784), j * 784);
      ybuf[j] = trainY[src];
    }
    const xb = tf.tensor(xbuf.subarray(0, n * 784), [n, ...inputShape]);
    const yb = tf.tidy(() => tf.oneHot(tf.tensor1d(ybuf.subarray(0, n), 'int32'), 10));
    const t0 = performance.now();
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.forward(xb)), true, model.params);
    lastLoss = loss.dataSync()[0];
    stepMs.push(performance.now() - t0);
    loss.dispose();
    xb.dispose();
    yb.dispose();
    if (s === 0 || (s + 1) % 50 === 0) log(`${name} step ${s + 1}/${steps}: ${stepMs[s].toFixed(1)} ms, loss ${lastLoss.toFixed(4)}`);
  }
  const epochS = (performance.now() - tEpoch) / 1000;
  opt.dispose();
  log(`${name}: ${tf.memory().numTensors} live tensors after training`);
  const timedSteps = stepMs.length > skip ? stepMs.slice(skip) : stepMs;
  return { stepMs: timedSteps, epochS, steps, fullSteps, lastLoss };
}

function trainingResults(name, model, data, { batch, inputShape, maxSteps }) {
  const r = train(name, model, data, { batch, inputShape, maxSteps });
  const step = timingResult('step', r.stepMs, 'ms', { batch, steps_timed: r.stepMs.length });
  const results = [step];
  const acc = testAccuracy(model, data.testX, data.testY, inputShape);
  if (r.steps === r.fullSteps) {
    results.push(valueResult('epoch', r.epochS, 's', { steps: r.steps }));
    results.push(valueResult('test_accuracy', acc, '%', { after: '1 epoch' }));
  } else {
    results.push(
      valueResult('epoch_extrapolated', (step.median * r.fullSteps) / 1000, 's', {
        extrapolated: true,
        from_steps: r.steps,
        full_steps: r.fullSteps,
        note: 'median step time x steps per epoch (partial run)',
      }),
    );
    results.push(valueResult('test_accuracy_partial', acc, '%', { after: `${r.steps} steps` }));
  }
  results.push(valueResult('final_train_loss', r.lastLoss, 'nats'));
  log(`${name}: step ${step.median.toFixed(2)} ms, acc ${acc.toFixed(2)}%`);
  return results;
}

function benchMlp() {
  const data = loadFashionMnist();
  const defaultQuick = backendName === 'cpu' ? 20 : 50;
  const maxSteps = cli.steps ? Number(cli.steps) : quick ? defaultQuick : undefined;
  return trainingResults(`${peer} mlp`, mlpModel(), data, { batch: 128, inputShape: [784], maxSteps });
}

function benchCnn() {
  const model = cnnModel();
  const batch = 64;
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 7);
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10));
  const results = [];
  const fwd = timed('forward', () => tf.tidy(() => model.forward(x)).dispose(), { batch, layout: 'NHWC' });
  log(`${peer} cnn forward: ${fwd.median.toFixed(2)} ms`);
  results.push(fwd);

  const missing = tryKernel(() => tf.grad((w) => tf.conv2d(tf.ones([1, 4, 4, 2]), w, 1, 'valid').sum())(tf.ones([3, 3, 2, 2])));
  if (missing) {
    results.push(unsupportedResult('step', missing, { batch }));
    results.push(unsupportedResult('epoch', 'training cannot run', { batch }));
    results.push(unsupportedResult('test_accuracy', 'training cannot run'));
    return results;
  }
  if (backendName === 'cpu') {
    // Tens of seconds per step: time a few synthetic steps, extrapolate the epoch.
    const opt = tf.train.adam(1e-3);
    const stepReps = cli.steps ? Number(cli.steps) : quick ? 1 : 2;
    const samples = [];
    for (let s = 0; s < stepReps; s++) {
      const t0 = performance.now();
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)), false, model.params);
      samples.push(performance.now() - t0);
      log(`${peer} cnn step ${s + 1}/${stepReps}: ${samples[s].toFixed(0)} ms`);
    }
    const step = timingResult('step', samples, 'ms', {
      batch,
      capped: true,
      note: `tfjs cpu: ${stepReps} step(s), no warm-up (each step takes tens of seconds)`,
    });
    results.push(step);
    results.push(
      valueResult('epoch_extrapolated', (step.median * Math.ceil(60000 / batch)) / 1000, 's', {
        extrapolated: true,
        from_steps: stepReps,
        full_steps: Math.ceil(60000 / batch),
      }),
    );
    results.push(skippedResult('test_accuracy', 'a full epoch on tfjs cpu takes hours'));
    return results;
  }
  // A backend that can train (tfjs-node): the real epoch, like the other peers.
  const data = loadFashionMnist();
  const maxSteps = cli.steps ? Number(cli.steps) : quick ? 50 : undefined;
  return results.concat(trainingResults(`${peer} cnn`, cnnModel(), data, { batch, inputShape: [28, 28, 1], maxSteps }));
}

// ------------------------------------------------------------------ W6

function benchConv() {
  const [N, C, H, W, K] = [32, 64, 32, 32, 3];
  const x = tf.randomNormal([N, H, W, C], 0, 1, 'float32', 3);
  const w = tf.randomNormal([K, K, C, C], 0, 0.05, 'float32', 4);
  const b = tf.zeros([C]);
  const dy = tf.randomNormal([N, H, W, C], 0, 1, 'float32', 5);
  const flops = 2 * N * C * H * W * C * K * K;
  const shape = { N, Cin: C, Cout: C, H, W, K, padding: 1, layout: 'NHWC', bias: true };
  const conv = (xx, ww, bb) => tf.add(tf.conv2d(xx, ww, 1, 'same'), bb);
  const fwd = timed('forward', () => tf.tidy(() => conv(x, w, b)).dispose(), { shape }, { minReps: 2 });
  Object.assign(fwd, rateFrom(flops, fwd));
  log(`${peer} conv forward: ${fwd.median.toFixed(2)} ms ${fwd.gflops.median.toFixed(1)} GFLOP/s`);
  const results = [fwd];
  const missing = tryKernel(() => tf.grads((a, c) => tf.conv2d(a, c, 1, 'valid').sum())([tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 2])]));
  if (missing) {
    results.push(unsupportedResult('forward_backward', missing, { shape }));
  } else if (backendName === 'cpu' && !full) {
    results.push(skippedResult('forward_backward', 'tfjs cpu: ~300 s per call; pass --full', { shape }));
  } else {
    const grads = tf.grads((xx, ww, bb) => conv(xx, ww, bb));
    const fb = timed('forward_backward', () => tf.tidy(() => grads([x, w, b], dy)).forEach((g) => g.dispose()), {
      shape,
      note: 'grads for input, weight and bias; flops counted as 3x forward',
    });
    Object.assign(fb, rateFrom(3 * flops, fb));
    log(`${peer} conv forward+backward: ${fb.median.toFixed(2)} ms`);
    results.push(fb);
  }
  return results;
}

function rateFrom(flops, res) {
  return {
    flops,
    gflops: {
      min: flops / (res.max * 1e-3) / 1e9,
      median: flops / (res.median * 1e-3) / 1e9,
      max: flops / (res.min * 1e-3) / 1e9,
    },
  };
}

// ------------------------------------------------------------------ W9

function benchOverhead() {
  const a = tf.randomNormal([8], 0, 1, 'float32', 1);
  const b = tf.randomNormal([8], 0, 1, 'float32', 2);
  const toUs = (res) => ({ ...res, unit: 'us', min: res.min * 1e3, median: res.median * 1e3, max: res.max * 1e3 });
  const results = [];
  results.push(toUs(timed('add_8', () => tf.add(a, b).dispose(), { note: 'tf.add of two [8] float32, result disposed' })));

  const chain = 1000;
  const perOp = (res) => ({ ...res, min: res.min / chain, median: res.median / chain, max: res.max / chain });
  const fwd = timed('chain1000_forward', () =>
    tf.tidy(() => {
      let y = a;
      for (let i = 0; i < chain; i++) y = tf.add(y, b);
      return y;
    }).dispose(),
  );
  results.push(toUs(perOp({ ...fwd, note: 'y = y + b, 1000 times, [8], no tape; per op' })));
  const g = tf.grads((aa, bb) => {
    let y = aa;
    for (let i = 0; i < chain; i++) y = tf.add(y, bb);
    return y;
  });
  const fb = timed('chain1000_forward_backward', () => tf.tidy(() => g([a, b])).forEach((t) => t.dispose()));
  results.push(toUs(perOp({ ...fb, note: 'tf.grads over the 1000-add chain (forward + backward); per op' })));
  log(`${peer} overhead: ` + results.map((r) => `${r.case} ${r.median.toFixed(2)} us`).join(', '));
  return results;
}

// ------------------------------------------------------------------ main

const benches = { gemm: benchGemm, mlp: benchMlp, cnn: benchCnn, conv: benchConv, overhead: benchOverhead };
const t0 = performance.now();
const results = benches[workload]();
writeJson({
  peer,
  version: tf.version.tfjs ?? tf.version['tfjs-core'],
  blas: null,
  backend: await backendInfo(),
  threads: 1,
  workload,
  quick,
  full,
  machine: { node: process.version, platform: process.platform, arch: process.arch },
  wall_s: (performance.now() - t0) / 1000,
  results,
});

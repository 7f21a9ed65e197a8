// Timing and reporting helpers shared by the JavaScript peers (tfjs). They
// produce the same result objects as bench/peers/_common.py, so every peer
// prints one JSON object of the same shape:
//   { peer, version, threads, workload, quick, results: [{ case, unit, min, median, max, reps, ...extra }] }

import { performance } from 'node:perf_hooks';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summary(samples) {
  return {
    min: Math.min(...samples),
    median: median(samples),
    max: Math.max(...samples),
    reps: samples.length,
  };
}

export function timingResult(caseName, samples, unit = 'ms', extra = {}) {
  return { case: caseName, unit, ...summary(samples), ...extra };
}

/** One measured value (accuracy, epoch time): min = median = max, reps = 1. */
export function valueResult(caseName, value, unit, extra = {}) {
  return { case: caseName, unit, min: value, median: value, max: value, reps: 1, ...extra };
}

/** A case this peer cannot run (missing kernel) or that was skipped. */
export function unsupportedResult(caseName, reason, extra = {}) {
  return { case: caseName, unit: null, unsupported: true, reason, ...extra };
}

export function skippedResult(caseName, reason, extra = {}) {
  return { case: caseName, unit: null, skipped: true, reason, ...extra };
}

const rate = (flops, ms) => flops / (ms * 1e-3) / 1e9;

/** GFLOP/s derived from ms samples ("max" comes from the fastest rep). */
export function gflopsExtra(flops, samples) {
  return {
    flops,
    gflops: {
      min: rate(flops, Math.max(...samples)),
      median: rate(flops, median(samples)),
      max: rate(flops, Math.min(...samples)),
    },
  };
}

/**
 * Time `fn` (synchronous) and return per-call ms, one sample per repetition.
 * Warm-up runs for at least `warmup` calls and `warmupMs` (the JIT needs
 * thousands of calls before a microsecond op settles); a call slower than a
 * second is its own warm-up. Cheap calls are repeated `inner` times per
 * repetition so a repetition lasts about `minRepMs`. Slow calls get fewer
 * repetitions so the case fits in `budgetMs` (never fewer than `minReps`);
 * `capped` says when that happened.
 */
export function timeMs(
  fn,
  { reps = 5, warmup = 2, warmupMs = 200, minRepMs = 20, budgetMs = 30000, minReps = 1 } = {},
) {
  let t0 = performance.now();
  fn();
  let single = performance.now() - t0;
  if (single < 1000) {
    const until = t0 + warmupMs;
    let calls = 1;
    let batch = 1;
    while (calls < warmup || performance.now() < until) {
      const tb = performance.now();
      for (let i = 0; i < batch; i++) fn();
      single = (performance.now() - tb) / batch;
      calls += batch;
      batch = Math.min(batch * 2, 100000);
    }
  }
  let inner = 1;
  if (single < minRepMs) inner = Math.max(1, Math.min(100000, Math.floor(minRepMs / Math.max(single, 1e-6))));
  let n = reps;
  let capped = false;
  if (single * inner * reps > budgetMs) {
    n = Math.max(minReps, Math.floor(budgetMs / (single * inner)));
    capped = n < reps;
  }
  const samples = [];
  for (let r = 0; r < n; r++) {
    t0 = performance.now();
    for (let i = 0; i < inner; i++) fn();
    samples.push((performance.now() - t0) / inner);
  }
  return { samples, inner, capped, requestedReps: reps };
}

/** Seeded 32-bit PRNG (mulberry32): same shuffles on every run. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher-Yates permutation of 0..n-1 from a seeded generator. */
export function permutation(n, seed = 0) {
  const rand = mulberry32(seed);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Minimal CLI: positional workload, --flag value, --switch. */
export function parseCli(argv, { flags = [], switches = [] } = {}) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      out._.push(a);
      continue;
    }
    const [name, inline] = a.slice(2).split('=', 2);
    if (switches.includes(name)) out[name] = true;
    else if (flags.includes(name)) out[name] = inline ?? argv[++i];
    else throw new Error(`unknown option --${name}`);
  }
  return out;
}

/** JSON has no NaN/Infinity: write null, and the original as <key>_nonfinite. */
export function finite(x) {
  if (typeof x === 'number') return Number.isFinite(x) ? x : null;
  if (Array.isArray(x)) return x.map(finite);
  if (x && typeof x === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(x)) {
      out[k] = finite(v);
      if (typeof v === 'number' && !Number.isFinite(v)) out[`${k}_nonfinite`] = String(v);
    }
    return out;
  }
  return x;
}

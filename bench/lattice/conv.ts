// W6: Conv2d N=32, 64 -> 64 channels, 32x32, 3x3, padding 1 (NCHW, with bias): forward ms and
// forward+backward ms (grads for input, weight and bias), with GFLOP/s, at 1 and 2 threads
// (or --threads N), beside PyTorch (bench/peers/torch_bench.py conv, run by Debian's
// /usr/bin/python3) in the same run. For scale it also times the GEMM that the forward pass
// reduces to, W[64, 576] @ cols[576, 1024] for each of the 32 images, as one batched matmul.
// Prints one JSON object: { workload: 'W6', results: [...], ratios: [...] }.
//
//   npx tsx bench/lattice/conv.ts [--threads N] [--reps R] [--no-torch]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { backendInfo, backward, conv2d, detach, manualSeed, matmul, mul, noGrad, randn, setNumThreads, type Tensor } from './lattice';
// @ts-expect-error plain ESM helper shared with the JS peers
import { gflopsExtra, timingResult } from '../lib/stats.mjs';

const N = 32, C = 64, O = 64, H = 32, W = 32, K = 3;
const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const reps = Math.max(5, Number(opt('--reps') ?? 7));
const threadList = opt('--threads') ? [Number(opt('--threads'))] : [1, 2];
const withTorch = !argv.includes('--no-torch');
const FLOPS = 2 * N * O * C * K * K * H * W;
const shape = { N, Cin: C, Cout: O, H, W, K, padding: 1, layout: 'NCHW', bias: true };

/** Wall-clock ms per call: 2 untimed warm-up calls, then `reps` timed ones. */
function time(fn: () => void): number[] {
  fn();
  fn();
  const samples: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

manualSeed(0);
const x = randn([N, C, H, W]);
// Methods added by module augmentation are not in dist's typings: use the functions.
const weight = detach(mul(randn([O, C, K, K]), 1 / 24)).requiresGrad_();
const bias = detach(mul(randn([O]), 0.1)).requiresGrad_();
const xg = detach(x).requiresGrad_();
const gy = randn([N, O, H, W]);
const gemmA = randn([O, C * K * K]);
const gemmB = randn([N, C * K * K, H * W]);

type Result = Record<string, unknown> & { case: string; median: number; threads: number; peer: string };
const results: Result[] = [];

function latticeAt(threads: number): void {
  setNumThreads(threads);
  const forward = (): void => noGrad(() => conv2d(x, weight, bias, { padding: 1 }).dispose());
  const forwardBackward = (): void => {
    for (const t of [xg, weight, bias]) { t.grad?.dispose(); t.grad = null; }
    const y: Tensor = conv2d(xg, weight, bias, { padding: 1 });
    backward(y, gy);
    y.dispose();
  };
  const gemm = (): void => noGrad(() => matmul(gemmA, gemmB).dispose());
  const extra = { peer: 'lattice', threads, isa: backendInfo().isa, shape };
  const f = time(forward), fb = time(forwardBackward), g = time(gemm);
  results.push({ ...timingResult('forward', f, 'ms', extra), ...gflopsExtra(FLOPS, f) });
  results.push({ ...timingResult('forward_backward', fb, 'ms', { ...extra, note: 'grads for input, weight and bias; flops counted as 3x forward' }), ...gflopsExtra(3 * FLOPS, fb) });
  results.push({ ...timingResult('gemm_equivalent', g, 'ms', { ...extra, note: '[64,576] @ [32,576,1024]: the forward pass without im2col' }), ...gflopsExtra(FLOPS, g) });
}

function torchAt(threads: number): void {
  const script = fileURLToPath(new URL('../peers/torch_bench.py', import.meta.url));
  const run = spawnSync('/usr/bin/python3', [script, 'conv', '--threads', String(threads), '--reps', String(reps)], { encoding: 'utf8' });
  if (run.status !== 0) {
    results.push({ case: 'torch', peer: 'pytorch', threads, median: NaN, unsupported: true, reason: (run.stderr || run.error?.message || 'failed').trim().split('\n').slice(-3).join(' ') });
    return;
  }
  const report = JSON.parse(run.stdout) as { results: Result[]; blas?: unknown };
  for (const r of report.results) results.push({ ...r, peer: 'pytorch', threads });
}

for (const threads of threadList) {
  latticeAt(threads);
  if (withTorch) torchAt(threads);
}

const ratios = [];
for (const threads of threadList) {
  for (const name of ['forward', 'forward_backward']) {
    const mine = results.find((r) => r.peer === 'lattice' && r.threads === threads && r.case === name);
    const torch = results.find((r) => r.peer === 'pytorch' && r.threads === threads && r.case === name);
    if (mine && torch) ratios.push({ case: name, threads, torch_median_over_lattice_median: torch.median / mine.median });
  }
}

console.log(JSON.stringify({ peer: 'lattice', workload: 'W6', isa: backendInfo().isa, reps, results, ratios }));

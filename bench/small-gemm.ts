/**
 * The built-in GEMM against the linked system BLAS for products of few rows, one thread: a
 * Linear layer (weight stored [out, in], so op(B) = Wᵀ) on 1, 4 and 16 samples, and plain
 * row-major products of 3 to 128 rows (the last ones with a narrow N or K = 1024). The README's "Backends" figures come from here.
 *
 *   npm run build:native && npx tsx bench/small-gemm.ts
 *
 * Needs an addon that links a system BLAS (a source build with libopenblas-dev installed). OpenBLAS runs the
 * kernel it picks for this CPU, as on a user's machine (OPENBLAS_CORETYPE is dropped; bench/lib/openblas-own-kernel.ts).
 */
import type { Tensor } from '../src/index';
import { runWithOpenBlasOwnKernel } from './lib/openblas-own-kernel';

runWithOpenBlasOwnKernel(import.meta.url);
const { linear } = await import('../src/ops/linear');
const L = await import('../src/index');

if (L.backendInfo().blas === 'none') {
  console.error('small-gemm: this addon links no system BLAS (backendInfo().blas is none)');
  process.exit(1);
}
L.setNumThreads(1);
L.manualSeed(0);

/** Median µs of one call over 21 samples, each >= ~2 ms of calls. */
function time(path: 'builtin' | 'blas', fn: () => Tensor, flops: number): number {
  L.setGemmPath(path);
  const inner = Math.max(1, Math.round(4e7 / flops));
  for (let i = 0; i < 3 * inner; i++) fn().dispose();
  const s: number[] = [];
  for (let r = 0; r < 21; r++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) fn().dispose();
    s.push(((performance.now() - t0) / inner) * 1000);
  }
  return s.sort((a, b) => a - b)[10];
}

const rows: [string, number, () => Tensor][] = [];
for (const [m, k, n] of [[1, 784, 256], [4, 784, 256], [16, 784, 256], [1, 4096, 1000]]) {
  const x = L.randn([m, k]), w = L.randn([n, k]);
  rows.push([`linear [${m}, ${k}] -> ${n}`, 2 * m * k * n, () => linear(x, w)]);
}
for (const [m, k, n] of [[3, 512, 512], [6, 384, 384], [12, 300, 500], [16, 256, 256], [16, 1024, 1024], [24, 384, 24],
  // A narrow N (a classifier's 10 outputs), and rows a multiple of 4 KiB apart (K = 1024).
  [128, 256, 10], [128, 1024, 10], [64, 1024, 16], [128, 1024, 48]]) {
  const a = L.randn([m, k]), b = L.randn([k, n]);
  rows.push([`matmul ${m}x${k}x${n}`, 2 * m * k * n, () => L.matmul(a, b)]);
}
console.log(`1 thread; BLAS: ${L.backendInfo().blas}\n\n| product | built-in µs | BLAS µs | built-in GFLOP/s | BLAS GFLOP/s |\n| --- | ---: | ---: | ---: | ---: |`);
for (const [name, flops, fn] of rows) {
  const b = time('builtin', fn, flops), s = time('blas', fn, flops);
  console.log(`| ${name} | ${b.toFixed(1)} | ${s.toFixed(1)} | ${(flops / b / 1e3).toFixed(1)} | ${(flops / s / 1e3).toFixed(1)} |`);
}
L.setGemmPath('auto');

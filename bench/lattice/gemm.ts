// W1: SGEMM GFLOP/s on square and training shapes, through the public matmul.
import { manualSeed, matmul, randn } from './lattice';
import { parseArgs, report, time, timingResult } from './common';

const args = parseArgs();
manualSeed(0);
const shapes: [number, number, number][] = [
  [128, 128, 128], [256, 256, 256], [512, 512, 512], [1024, 1024, 1024],
  ...(args.quick ? [] : [[2048, 2048, 2048] as [number, number, number]]),
  [128, 784, 256], [128, 256, 10], [43264, 9, 32], [7744, 288, 64],
];
const results = [];
for (const [M, K, N] of shapes) {
  const a = randn([M, K]), b = randn([K, N]);
  const flops = 2 * M * N * K;
  // time() repeats a small product inside each sample (>= 20 ms), as the peers' timer does.
  const samples = time(() => matmul(a, b).dispose(), args.reps);
  const gf = (ms: number) => flops / (ms * 1e6);
  results.push(timingResult(`${M}x${K}x${N}`, samples, 'ms', {
    shape: { M, K, N }, flops,
    gflops: { min: gf(Math.max(...samples)), median: gf([...samples].sort((x, y) => x - y)[samples.length >> 1]), max: gf(Math.min(...samples)) },
  }));
}
report('gemm', args, results);

// W9: per-op overhead on tiny tensors, with PyTorch's case names (bench/peers/torch_bench.py).
import { add, ones, randn, sum } from './lattice';
import { parseArgs, report, time, timingResult } from './common';

const args = parseArgs();
const a = randn([8]), b = randn([8]);
const perCall = (n: number) => (ms: number) => (ms * 1000) / n;
const adds = 100_000;
const addSamples = time(() => { for (let i = 0; i < adds; i++) add(a, b); }, args.reps).map(perCall(adds));

const ag = randn([8], { requiresGrad: true }), bg = randn([8], { requiresGrad: true });
const iters = 10_000;
const asbSamples = time(() => {
  for (let i = 0; i < iters; i++) { ag.grad = null; bg.grad = null; sum(add(ag, bg)).backward(); }
}, args.reps).map(perCall(iters));

const chain = 1000;
const ones8 = ones([8]);
const fwd: number[] = [], bwd: number[] = [];
for (let r = 0; r < Math.max(args.reps, 10) + 3; r++) {
  ag.grad = null; bg.grad = null;
  const t0 = performance.now();
  let y = ag;
  for (let i = 0; i < chain; i++) y = add(y, bg);
  const t1 = performance.now();
  y.backward(ones8);
  const t2 = performance.now();
  if (r >= 3) { fwd.push(((t1 - t0) * 1000) / chain); bwd.push(((t2 - t1) * 1000) / chain); }
}
report('overhead', args, [
  timingResult('add_8', addSamples, 'us'),
  timingResult('add_sum_backward_8', asbSamples, 'us'),
  timingResult('chain1000_forward', fwd, 'us'),
  timingResult('chain1000_backward', bwd, 'us'),
]);

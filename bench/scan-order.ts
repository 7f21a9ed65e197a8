/**
 * `npx tsx bench/scan-order.ts [--rounds 5] [--threads 2]`
 *
 * A quick comparison of the scan and order ops on [1024, 1024] float32: Lattice's native backend vs
 * PyTorch (the CPU torch of ~/.cache/lattice-bench/venv, or LATTICE_BENCH_PYTHON), both at the same
 * thread count, in alternating rounds (Lattice, then PyTorch, R times) so that other load on the
 * machine hits both. Each figure is the median over rounds of a round's median time per call (each
 * sample repeats the call for at least 20 ms). clone and narrow are memory-copy baselines for the ops
 * built without a kernel of their own (roll: strided block copies; tril/triu: where with a mask).
 */
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as L from '../src/index';
import { median, timeCall as timeWith } from './lib/timing';

const timeCall = (f: () => unknown): number => timeWith(f, { warmup: 3 });
import { argsort, sort, topk } from '../src/ops/order';
import { flip, roll, tril, triu } from '../src/ops/rearrange';
import { cumprod, cumsum } from '../src/ops/scan';

const argv = process.argv.slice(2);
const value = (name: string, fallback: number): number => { const i = argv.indexOf(name); return i >= 0 ? Number(argv[i + 1]) : fallback; };
const rounds = value('--rounds', 5);
const threads = value('--threads', 2);
const python = process.env.LATTICE_BENCH_PYTHON ?? join(homedir(), '.cache/lattice-bench/venv/bin/python');

const N = 1024;
L.setNumThreads(threads);
L.manualSeed(1);
const x = L.randn([N, N]);
const xs = x.mul(0.001).add(1);  // cumprod stays finite

// Lattice op and the PyTorch expression of the same thing (x: [N, N] float32 randn, xs: for cumprod).
const OPS: [string, () => unknown, string][] = [
  ['cumsum dim -1', () => cumsum(x, -1), 'torch.cumsum(x, -1)'],
  ['cumsum dim 0', () => cumsum(x, 0), 'torch.cumsum(x, 0)'],
  ['cumprod dim -1', () => cumprod(xs, -1), 'torch.cumprod(xs, -1)'],
  ['sort dim -1', () => sort(x, -1), 'torch.sort(x, -1)'],
  ['sort dim -1 stable', () => sort(x, -1, { stable: true }), 'torch.sort(x, dim=-1, stable=True)'],
  ['sort dim 0', () => sort(x, 0), 'torch.sort(x, 0)'],
  ['argsort dim -1', () => argsort(x, -1), 'torch.argsort(x, -1)'],
  ['topk k=10 dim -1', () => topk(x, 10), 'torch.topk(x, 10)'],
  ['flip dim -1', () => flip(x, -1), 'torch.flip(x, [-1])'],
  ['flip dim 0', () => flip(x, 0), 'torch.flip(x, [0])'],
  ['roll (3, 5) dims (0, 1)', () => roll(x, [3, 5], [0, 1]), 'torch.roll(x, (3, 5), (0, 1))'],
  ['tril', () => tril(x), 'torch.tril(x)'],
  ['triu 1', () => triu(x, 1), 'torch.triu(x, 1)'],
  ['clone (copy baseline)', () => x.clone(), 'x.clone()'],
  ['narrow (strided-copy baseline)', () => x.narrow(1, 0, N - 1), 'x.narrow(1, 0, 1023).contiguous()'],
];



const PEERS = join(dirname(fileURLToPath(import.meta.url)), 'peers');

const TORCH = `
import json, statistics, sys, torch
sys.path.insert(0, ${JSON.stringify(PEERS)})
from _common import time_ms  # the peers' shared timing
torch.set_num_threads(${threads})
torch.manual_seed(1)
x = torch.randn(${N}, ${N})
xs = x * 0.001 + 1
ops = json.loads(sys.argv[1])
def time_call(f):
    samples, _ = time_ms(f, reps=7, warmup=3, min_rep_s=0.02)
    return statistics.median(samples)
print(json.dumps({name: time_call(eval("lambda: " + expr)) for name, expr in ops}))
`;

function torchRound(): Record<string, number> | null {
  const r = spawnSync(python, ['-c', TORCH, JSON.stringify(OPS.map(([name, , expr]) => [name, expr]))], { encoding: 'utf8' });
  if (r.status !== 0) { process.stderr.write(`PyTorch not measured: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}\n`); return null; }
  return JSON.parse(r.stdout) as Record<string, number>;
}

const lattice: Record<string, number[]> = {}, torch: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, f] of OPS) (lattice[name] ??= []).push(timeCall(f));
  const t = torchRound();
  if (t) for (const [name] of OPS) (torch[name] ??= []).push(t[name]);
  process.stderr.write(`round ${round + 1}/${rounds} done\n`);
}

const info = L.backendInfo();
console.log(`[${N}, ${N}] float32, ${threads} threads, median of ${rounds} rounds (Lattice ${info.backend} ${info.isa}; PyTorch ${python})\n`);
console.log('| op | Lattice ms | PyTorch ms | Lattice / PyTorch |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name] of OPS) {
  const l = median(lattice[name]), t = torch[name] ? median(torch[name]) : NaN;
  console.log(`| ${name} | ${l.toFixed(3)} | ${Number.isNaN(t) ? 'n/a' : t.toFixed(3)} | ${Number.isNaN(t) ? 'n/a' : (l / t).toFixed(2)} |`);
}

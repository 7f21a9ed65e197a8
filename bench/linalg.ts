/**
 * `npx tsx bench/linalg.ts [--rounds 5] [--threads 2]`
 *
 * A quick comparison of the linalg decompositions on float32: a batch of 64 matrices 64x64 and one
 * 256x256, Lattice's native backend vs PyTorch (the CPU torch of ~/.cache/lattice-bench/venv, or
 * LATTICE_BENCH_PYTHON), both at the same thread count, in alternating rounds (Lattice, then PyTorch,
 * R times) so that other load on the machine hits both. Each figure is the median over rounds of a
 * round's median time per call (each sample repeats the call for at least 20 ms). Inputs: A normal,
 * SPD = A Aᵀ + n I (cholesky), A + n I with one right-hand side (solve), A + Aᵀ (eigh), A (svd).
 * PyTorch also runs at 1 thread: on a busy 2-core machine its OpenMP threads at 2 can cost more than
 * they save, and the 1-thread column shows what its kernels themselves take.
 */
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as L from '../src/index';
import { median, timeCall as timeWith } from './lib/timing';

const timeCall = (f: () => unknown): number => timeWith(f, { warmup: 2 });
import { cholesky, eigh, solve, svd } from '../src/ops/linalg';

const argv = process.argv.slice(2);
const value = (name: string, fallback: number): number => { const i = argv.indexOf(name); return i >= 0 ? Number(argv[i + 1]) : fallback; };
const rounds = value('--rounds', 5);
const threads = value('--threads', 2);
const python = process.env.LATTICE_BENCH_PYTHON ?? join(homedir(), '.cache/lattice-bench/venv/bin/python');

L.setNumThreads(threads);
L.manualSeed(1);
const SIZES: [string, number[]][] = [['64 x [64,64]', [64, 64, 64]], ['[256,256]', [256, 256]]];
const inputs = SIZES.map(([, shape]) => {
  const n = shape[shape.length - 1];
  const a = L.randn(shape);
  const eye = L.eye(n).mul(n);
  return {
    a, spd: a.matmul(L.transpose(a, -2, -1)).add(eye), dominant: a.add(eye), sym: a.add(L.transpose(a, -2, -1)),
    b: L.randn([...shape.slice(0, -1), 1]),
  };
});

type Inputs = (typeof inputs)[number];
// Lattice op and the PyTorch expression of the same thing.
const OPS: [string, (x: Inputs) => unknown, string][] = [
  ['cholesky', (x) => cholesky(x.spd), 'torch.linalg.cholesky(x["spd"])'],
  ['solve (1 rhs)', (x) => solve(x.dominant, x.b), 'torch.linalg.solve(x["dominant"], x["b"])'],
  ['eigh', (x) => eigh(x.sym), 'torch.linalg.eigh(x["sym"])'],
  ['svd', (x) => svd(x.a), 'torch.linalg.svd(x["a"])'],
];



const PEERS = join(dirname(fileURLToPath(import.meta.url)), 'peers');

const TORCH = `
import json, statistics, sys, torch
sys.path.insert(0, ${JSON.stringify(PEERS)})
from _common import time_ms  # the peers' shared timing
torch.set_num_threads(int(sys.argv[3]))
torch.manual_seed(1)
def make(shape):
    n = shape[-1]
    a = torch.randn(*shape)
    eye = torch.eye(n) * n
    return {"a": a, "spd": a @ a.mT + eye, "dominant": a + eye, "sym": a + a.mT, "b": torch.randn(*shape[:-1], 1)}
sizes = json.loads(sys.argv[1])
ops = json.loads(sys.argv[2])
def time_call(f):
    samples, _ = time_ms(f, reps=7, warmup=2, min_rep_s=0.02)
    return statistics.median(samples)
out = {}
for label, shape in sizes:
    x = make(shape)
    for name, expr in ops:
        out[name + " " + label] = time_call(eval("lambda: " + expr))
print(json.dumps(out))
`;

function torchRound(torchThreads: number): Record<string, number> | null {
  const r = spawnSync(python, ['-c', TORCH, JSON.stringify(SIZES), JSON.stringify(OPS.map(([name, , expr]) => [name, expr])), String(torchThreads)],
    { encoding: 'utf8' });
  if (r.status !== 0) { process.stderr.write(`PyTorch not measured: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}\n`); return null; }
  return JSON.parse(r.stdout) as Record<string, number>;
}

const keys = SIZES.flatMap(([label]) => OPS.map(([name]) => `${name} ${label}`));
const lattice: Record<string, number[]> = {}, torch: Record<string, number[]> = {}, torch1: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  SIZES.forEach(([label], i) => { for (const [name, f] of OPS) (lattice[`${name} ${label}`] ??= []).push(timeCall(() => f(inputs[i]))); });
  const t = torchRound(threads);
  if (t) for (const k of keys) (torch[k] ??= []).push(t[k]);
  const t1 = torchRound(1);
  if (t1) for (const k of keys) (torch1[k] ??= []).push(t1[k]);
  process.stderr.write(`round ${round + 1}/${rounds} done\n`);
}

const info = L.backendInfo();
console.log(`float32, ${threads} threads, median of ${rounds} rounds (Lattice ${info.backend} ${info.isa}; PyTorch ${python})\n`);
console.log(`| op | Lattice ms | PyTorch ms (${threads} threads) | Lattice / PyTorch | PyTorch ms (1 thread) |`);
console.log('| --- | ---: | ---: | ---: | ---: |');
const ms = (v: number[] | undefined): string => (v ? median(v).toFixed(3) : 'n/a');
for (const k of keys) {
  const l = median(lattice[k]), t = torch[k] ? median(torch[k]) : NaN;
  console.log(`| ${k} | ${l.toFixed(3)} | ${ms(torch[k])} | ${Number.isNaN(t) ? 'n/a' : (l / t).toFixed(2)} | ${ms(torch1[k])} |`);
}

/**
 * `npx tsx bench/linalg.ts [--rounds 5] [--threads 2]`
 *
 * A quick comparison of the linalg decompositions on float32: a batch of 64 matrices 64x64, one
 * 256x256 and one 512x512, Lattice's native backend vs PyTorch (the CPU torch of ~/.cache/lattice-bench/venv, or
 * LATTICE_BENCH_PYTHON), both at the same thread count, in alternating rounds (Lattice, then PyTorch,
 * R times) so that other load on the machine hits both. Each figure is the median over rounds of a
 * round's median time per call (each sample repeats the call for at least 20 ms). Inputs: A normal,
 * SPD = A Aᵀ + n I (cholesky), A + n I with one right-hand side (solve) and alone (inv), its lower
 * triangle with n right-hand sides (solveTriangular), A + Aᵀ (eigh), A (qr, svd). Lattice's CPU ms
 * column is the process's CPU time (user + system, all threads) per call over the same calls: on a
 * shared machine it tells a slow wall time caused by other load from one caused by the kernel.
 * PyTorch also runs at 1 thread: on a busy 2-core machine its OpenMP threads at 2 can cost more than
 * they save, and the 1-thread column shows what its kernels themselves take.
 */
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as L from '../src/index';
import { median, timeCall as timeWith } from './lib/timing';

import { cholesky, eigh, inv, qr, solve, solveTriangular, svd } from '../src/ops/linalg';

/** Wall ms per call (timing.ts's median) and process CPU ms per call over every call made. */
function timeCall(f: () => unknown): { wall: number; cpu: number } {
  let calls = 0;
  const cpu0 = process.cpuUsage();
  const wall = timeWith(() => { calls++; return f(); }, { warmup: 2 });
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 / calls };
}

const argv = process.argv.slice(2);
const value = (name: string, fallback: number): number => { const i = argv.indexOf(name); return i >= 0 ? Number(argv[i + 1]) : fallback; };
const rounds = value('--rounds', 5);
const threads = value('--threads', 2);
const python = process.env.LATTICE_BENCH_PYTHON ?? join(homedir(), '.cache/lattice-bench/venv/bin/python');

L.setNumThreads(threads);
L.manualSeed(1);
const SIZES: [string, number[]][] = [['64 x [64,64]', [64, 64, 64]], ['[256,256]', [256, 256]], ['[512,512]', [512, 512]]];
const inputs = SIZES.map(([, shape]) => {
  const n = shape[shape.length - 1];
  const a = L.randn(shape);
  const eye = L.eye(n).mul(n);
  const dominant = a.add(eye);
  return {
    a, spd: a.matmul(L.transpose(a, -2, -1)).add(eye), dominant, lower: L.tril(dominant), sym: a.add(L.transpose(a, -2, -1)),
    b: L.randn([...shape.slice(0, -1), 1]), bn: L.randn(shape),
  };
});

type Inputs = (typeof inputs)[number];
// Lattice op and the PyTorch expression of the same thing.
const OPS: [string, (x: Inputs) => unknown, string][] = [
  ['cholesky', (x) => cholesky(x.spd), 'torch.linalg.cholesky(x["spd"])'],
  ['solve (1 rhs)', (x) => solve(x.dominant, x.b), 'torch.linalg.solve(x["dominant"], x["b"])'],
  ['solveTriangular (n rhs)', (x) => solveTriangular(x.lower, x.bn, { upper: false }), 'torch.linalg.solve_triangular(x["lower"], x["bn"], upper=False)'],
  ['inv', (x) => inv(x.dominant), 'torch.linalg.inv(x["dominant"])'],
  ['qr', (x) => qr(x.a), 'torch.linalg.qr(x["a"])'],
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
    dominant = a + eye
    return {"a": a, "spd": a @ a.mT + eye, "dominant": dominant, "lower": torch.tril(dominant), "sym": a + a.mT,
            "b": torch.randn(*shape[:-1], 1), "bn": torch.randn(*shape)}
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
const lattice: Record<string, number[]> = {}, latticeCpu: Record<string, number[]> = {}, torch: Record<string, number[]> = {}, torch1: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  SIZES.forEach(([label], i) => {
    for (const [name, f] of OPS) {
      const t = timeCall(() => f(inputs[i]));
      (lattice[`${name} ${label}`] ??= []).push(t.wall);
      (latticeCpu[`${name} ${label}`] ??= []).push(t.cpu);
    }
  });
  const t = torchRound(threads);
  if (t) for (const k of keys) (torch[k] ??= []).push(t[k]);
  const t1 = torchRound(1);
  if (t1) for (const k of keys) (torch1[k] ??= []).push(t1[k]);
  process.stderr.write(`round ${round + 1}/${rounds} done\n`);
}

const info = L.backendInfo();
console.log(`float32, ${threads} threads, median of ${rounds} rounds (Lattice ${info.backend} ${info.isa}; PyTorch ${python})\n`);
console.log(`| op | Lattice ms | Lattice CPU ms | PyTorch ms (${threads} threads) | Lattice / PyTorch | PyTorch ms (1 thread) |`);
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
const ms = (v: number[] | undefined): string => (v ? median(v).toFixed(3) : 'n/a');
for (const k of keys) {
  const l = median(lattice[k]), t = torch[k] ? median(torch[k]) : NaN;
  console.log(`| ${k} | ${l.toFixed(3)} | ${ms(latticeCpu[k])} | ${ms(torch[k])} | ${Number.isNaN(t) ? 'n/a' : (l / t).toFixed(2)} | ${ms(torch1[k])} |`);
}

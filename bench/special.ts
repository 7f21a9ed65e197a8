/**
 * `npx tsx bench/special.ts [--rounds 3] [--threads 1] [--n 1000000]`
 *
 * torch.special's functions with their own kernels (lgamma, digamma, polygamma, erfc, erfcx,
 * erfinv, ndtri, logNdtr, i0, i0e, i1, i1e), on n float64 and float32
 * values in each function's domain: Lattice's native backend vs PyTorch (the CPU torch of
 * ~/.cache/lattice-bench/venv, or LATTICE_BENCH_PYTHON), both at the same thread count, in
 * alternating rounds (Lattice, then PyTorch) so that other load hits both. Each figure is the median
 * over rounds of a round's median wall time per call; Lattice's process CPU time per call (user +
 * system, over the round's calls) is printed beside it, since the machine may be shared.
 */
import { spawnSync } from 'node:child_process';
import { homedir, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as L from '../src/index';
import * as S from '../src/ops/special';
import { median, timeCall } from './lib/timing';

const argv = process.argv.slice(2);
const value = (name: string, fallback: number): number => { const i = argv.indexOf(name); return i >= 0 ? Number(argv[i + 1]) : fallback; };
const rounds = value('--rounds', 3);
const threads = value('--threads', 1);
const n = value('--n', 1_000_000);
const python = process.env.LATTICE_BENCH_PYTHON ?? join(homedir(), '.cache/lattice-bench/venv/bin/python');
const DTYPES = ['float64', 'float32'] as const;

// name, the input (an expression in u = uniform [0, 1) and z = standard normal, the same in both), Lattice, PyTorch.
const OPS: [string, string, (x: L.Tensor) => L.Tensor, string][] = [
  ['lgamma', 'z * 20', S.lgamma, 'torch.lgamma(x)'],
  ['digamma', 'z * 20', S.digamma, 'torch.digamma(x)'],
  ['polygamma(1)', 'u * 20 + 0.1', (x) => S.polygamma(1, x), 'torch.polygamma(1, x)'],
  ['polygamma(3)', 'u * 20 + 0.1', (x) => S.polygamma(3, x), 'torch.polygamma(3, x)'],
  ['erfc', 'z * 3', S.erfc, 'torch.special.erfc(x)'],
  ['erfcx', 'z * 10', S.erfcx, 'torch.special.erfcx(x)'],
  ['erfinv', 'u * 1.98 - 0.99', S.erfinv, 'torch.special.erfinv(x)'],
  ['ndtri', 'u * 0.98 + 0.01', S.ndtri, 'torch.special.ndtri(x)'],
  ['logNdtr', 'z * 10', S.logNdtr, 'torch.special.log_ndtr(x)'],
  ['i0', 'z * 10', S.i0, 'torch.special.i0(x)'],
  ['i0e', 'z * 10', S.i0e, 'torch.special.i0e(x)'],
  ['i1', 'z * 10', S.i1, 'torch.special.i1(x)'],
  ['i1e', 'z * 10', S.i1e, 'torch.special.i1e(x)'],
];

L.setNumThreads(threads);
L.manualSeed(1);
const u64 = L.rand([n], { dtype: 'float64' }), z64 = L.randn([n], { dtype: 'float64' });
const inputs = new Map<string, L.Tensor>();
for (const [name, expr] of OPS) {
  const at = Function('u', 'z', `return ${expr}`) as (u: number, z: number) => number;
  for (const dt of DTYPES) {
    const x = L.tensor(Float64Array.from(u64.values, (u, i) => at(u, z64.values[i])), { dtype: 'float64' });
    inputs.set(`${name} ${dt}`, x.to(dt));
  }
}

/** Median wall ms per call, and the process CPU ms per call over the same calls. */
function measure(f: () => unknown): { wall: number; cpu: number } {
  let calls = 0;
  const before = process.cpuUsage();
  const wall = timeCall(() => { calls++; return f(); }, { warmup: 1, samples: 3, minMs: 1 });
  const used = process.cpuUsage(before);
  return { wall, cpu: (used.user + used.system) / 1000 / calls };
}

const PEERS = join(dirname(fileURLToPath(import.meta.url)), 'peers');
const TORCH = `
import json, statistics, sys, torch
sys.path.insert(0, ${JSON.stringify(PEERS)})
from _common import time_ms
torch.set_num_threads(${threads})
torch.manual_seed(1)
u64, z64 = torch.rand(${n}, dtype=torch.float64), torch.randn(${n}, dtype=torch.float64)
out = {}
for name, expr, call in json.loads(sys.argv[1]):
    for dt in (torch.float64, torch.float32):
        x = eval(expr, {'u': u64, 'z': z64}).to(dt)
        samples, _ = time_ms(eval('lambda: ' + call, {'torch': torch, 'x': x}), reps=3, warmup=1, min_rep_s=0.001)
        out[name + ' ' + str(dt).split('.')[-1]] = statistics.median(samples)
print(json.dumps(out))
`;

function torchRound(): Record<string, number> | null {
  const r = spawnSync(python, ['-c', TORCH, JSON.stringify(OPS.map(([name, expr, , call]) => [name, expr, call]))], { encoding: 'utf8' });
  if (r.status !== 0) { process.stderr.write(`PyTorch not measured: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}\n`); return null; }
  return JSON.parse(r.stdout) as Record<string, number>;
}

const wall: Record<string, number[]> = {}, cpu: Record<string, number[]> = {}, torch: Record<string, number[]> = {};
for (let round = 0; round < rounds; round++) {
  for (const [name, , f] of OPS) {
    for (const dt of DTYPES) {
      const key = `${name} ${dt}`, x = inputs.get(key)!;
      const m = measure(() => L.tidy(() => { f(x); }));
      (wall[key] ??= []).push(m.wall);
      (cpu[key] ??= []).push(m.cpu);
    }
  }
  const t = torchRound();
  if (t) for (const key of Object.keys(wall)) (torch[key] ??= []).push(t[key]);
  process.stderr.write(`round ${round + 1}/${rounds} done\n`);
}

const info = L.backendInfo();
console.log(`${n} values, ${threads} thread(s), median of ${rounds} rounds (Lattice ${info.backend} ${info.isa}; PyTorch ${python}); load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}\n`);
console.log('| function | dtype | Lattice ms (wall) | Lattice ms (CPU) | PyTorch ms | Lattice / PyTorch |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const key of Object.keys(wall)) {
  const [name, dt] = [key.slice(0, key.lastIndexOf(' ')), key.slice(key.lastIndexOf(' ') + 1)];
  const l = median(wall[key]), c = median(cpu[key]), t = torch[key] ? median(torch[key]) : NaN;
  console.log(`| ${name} | ${dt} | ${l.toFixed(1)} | ${c.toFixed(1)} | ${Number.isNaN(t) ? 'n/a' : t.toFixed(1)} | ${Number.isNaN(t) ? 'n/a' : (l / t).toFixed(2)} |`);
}

/**
 * `npx tsx bench/pinn-burgers.ts [--points 10000] [--threads 1,2] [--rounds 3] [--adam 10] [--lbfgs 10] [--dtype float64] [--python PATH]`
 *
 * The Burgers PINN of Raissi et al. (2019) -- 8 hidden tanh layers of 20, N collocation points,
 * residual u_t + u u_x - (0.01/pi) u_xx through grad(createGraph) -- timed per Adam step and per
 * L-BFGS iteration (strong Wolfe, full batch) on Lattice and on PyTorch 2.x
 * (peers/pinn_burgers_torch.py, torch.autograd.grad(create_graph=True)) with the same network,
 * points and dtype, in the same run: per thread count and round, both back to back in alternating
 * order. Wall and process-CPU milliseconds are both reported (on a shared machine the CPU time is
 * the steadier figure). Lattice runs with a 2 GiB buffer pool, as the examples. Writes bench/results/pinn-burgers-<date>.json and .md.
 * The PyTorch interpreter: --python, else $PINN_TORCH_PYTHON, else the bench venv (bench/lib/pool.ts), else python3.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendInfo, emptyCache, manualSeed, optim, pinn, setNumThreads, tidy } from '../src/index';
import { VENV_PYTHON } from './lib/pool';
import { startRecord } from './lib/record';

const record = startRecord('pinn-bench');

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const value = (name: string, fallback: string): string => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : fallback; };
const points = Number(value('points', '10000'));
const threadList = value('threads', '1,2').split(',').map(Number);
const rounds = Number(value('rounds', '3'));
const adamSteps = Number(value('adam', '10'));
const lbfgsIters = Number(value('lbfgs', '10'));
const dtype = value('dtype', 'float64') as 'float32' | 'float64';
const python = value('python', process.env.PINN_TORCH_PYTHON ?? (existsSync(VENV_PYTHON) ? VENV_PYTHON : 'python3'));
const nu = 0.01 / Math.PI;

interface Sample { adamMs: number; adamCpuMs: number; lbfgsIterMs: number; lbfgsIterCpuMs: number; evalsPerIter: number }

const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** One Lattice round: a fresh network, adamSteps Adam steps, then one L-BFGS step of lbfgsIters iterations. */
function latticeRound(threads: number, seed: number): Sample {
  setNumThreads(threads);
  manualSeed(seed);
  const omega = new pinn.TimeSpace(new pinn.Interval(0, 1), new pinn.Interval(-1, 1));
  const net = pinn.mlp([2, 20, 20, 20, 20, 20, 20, 20, 20, 1], { normalize: omega, dtype });
  const pde = pinn.residual(omega.sampleInterior(points, { seed: 1, dtype }), (u, x) => {
    const ux = pinn.partial(u, x, { dim: 0 }), ut = pinn.partial(u, x, { dim: 1 }), uxx = pinn.partial(u, x, { dim: 0, order: 2 });
    return ut.add(u.mul(ux)).sub(uxx.mul(nu));
  });
  const params = net.parameters();
  const adam = new optim.Adam(params, { lr: 1e-3 });
  const adamStep = (): void => tidy(() => {
    adam.zeroGrad();
    pde.loss(net).backward();
    adam.step();
  });
  for (let i = 0; i < 3; i++) adamStep(); // warm-up, as the peer
  let t0 = performance.now(), c0 = cpuMs();
  for (let i = 0; i < adamSteps; i++) adamStep();
  const adamMs = (performance.now() - t0) / adamSteps, adamCpuMs = (cpuMs() - c0) / adamSteps;
  const lbfgs = new optim.LBFGS(params, { lr: 1, maxIter: lbfgsIters, maxEval: lbfgsIters * 5, historySize: 50, toleranceGrad: 0, toleranceChange: 0, lineSearchFn: 'strongWolfe' });
  let evals = 0;
  const closure = (): number => tidy(() => {
    lbfgs.zeroGrad();
    const l = pde.loss(net);
    l.backward();
    evals++;
    return l.item();
  });
  t0 = performance.now();
  c0 = cpuMs();
  lbfgs.step(closure);
  const iters = Math.max(1, (lbfgs.state.get(params[0])?.nIter as number) ?? 1);
  return { adamMs, adamCpuMs, lbfgsIterMs: (performance.now() - t0) / iters, lbfgsIterCpuMs: (cpuMs() - c0) / iters, evalsPerIter: evals / iters };
}

function torchRound(threads: number, seed: number): (Sample & { version: string }) | { error: string } {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  const r = spawnSync(python, [join(here, 'peers', 'pinn_burgers_torch.py'), '--threads', String(threads), '--points', String(points), '--dtype', dtype,
    '--adam', String(adamSteps), '--lbfgs', String(lbfgsIters), '--repeats', '1', '--seed', String(seed)], { env, encoding: 'utf8', timeout: 900_000 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const j = JSON.parse(line);
    return { adamMs: j.adamMs[0], adamCpuMs: j.adamCpuMs[0], lbfgsIterMs: j.lbfgsIterMs[0], lbfgsIterCpuMs: j.lbfgsIterCpuMs[0], evalsPerIter: j.evalsPerIter[0], version: j.version };
  } catch {
    return { error: `${python}: ${(r.stderr ?? String(r.error ?? '')).trim().split('\n').pop()}` };
  }
}

const stats = (xs: number[]): { min: number; median: number; max: number } => {
  const s = xs.slice().sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1] };
};

// As the examples: a pool that keeps a whole step's intermediates (~700 MB at 10,000 float64 points).
emptyCache({ limitBytes: 2 ** 31 });
const info = backendInfo();
process.stderr.write(`pinn-burgers bench: ${points} points, ${dtype}, ${rounds} rounds, Adam ${adamSteps} steps, L-BFGS ${lbfgsIters} iterations; load ${loadavg()[0].toFixed(1)}\n`);
const results: Record<string, unknown>[] = [];
let torchVersion = 'unavailable';
for (const threads of threadList) {
  const lat: Sample[] = [], tor: Sample[] = [];
  let torchError: string | null = null;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['lattice', 'torch'] : ['torch', 'lattice'];
    for (const who of order) {
      if (who === 'lattice') lat.push(latticeRound(threads, r));
      else if (!torchError) {
        const t = torchRound(threads, r);
        if ('error' in t) torchError = t.error;
        else {
          tor.push(t);
          torchVersion = t.version;
        }
      }
    }
    process.stderr.write(`  threads ${threads} round ${r + 1}: lattice ${lat[lat.length - 1].adamMs.toFixed(1)} ms/Adam step${tor.length ? `, torch ${tor[tor.length - 1].adamMs.toFixed(1)}` : ''}\n`);
  }
  results.push({ threads, lattice: lat, torch: tor, torchError });
}

const md: string[] = [];
md.push(`Burgers PINN (Raissi et al. 2019): 2-20x8-1 tanh, ${points} points, ${dtype}, residual through grad(createGraph). Lattice ${info.backend} (${info.isa}) vs PyTorch ${torchVersion}; ms per Adam step and per L-BFGS iteration (strong Wolfe), median [min-max] of ${rounds} rounds; load average at the end ${loadavg()[0].toFixed(1)} (shared machine).`);
md.push('');
md.push('| threads | measure | Lattice wall | PyTorch wall | Lattice CPU | PyTorch CPU | PyTorch / Lattice (CPU) | evals/iter L, P |');
md.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
const f = (s: { min: number; median: number; max: number }): string => `${s.median.toFixed(1)} [${s.min.toFixed(1)}-${s.max.toFixed(1)}]`;
for (const r of results) {
  const lat = r.lattice as Sample[], tor = r.torch as Sample[];
  for (const [label, wall, cpu] of [['Adam step', 'adamMs', 'adamCpuMs'], ['L-BFGS iteration', 'lbfgsIterMs', 'lbfgsIterCpuMs']] as const) {
    const lw = stats(lat.map((s) => s[wall])), lc = stats(lat.map((s) => s[cpu]));
    const tw = tor.length ? stats(tor.map((s) => s[wall])) : null, tc = tor.length ? stats(tor.map((s) => s[cpu])) : null;
    const evals = label === 'Adam step' ? '' : `${stats(lat.map((s) => s.evalsPerIter)).median.toFixed(2)}, ${tor.length ? stats(tor.map((s) => s.evalsPerIter)).median.toFixed(2) : '-'}`;
    md.push(`| ${r.threads} | ${label} | ${f(lw)} | ${tw ? f(tw) : String(r.torchError ?? '-')} | ${f(lc)} | ${tc ? f(tc) : '-'} | ${tc ? (tc.median / lc.median).toFixed(2) : '-'} | ${evals} |`);
  }
}
const table = md.join('\n');
console.log(table);
const outDir = join(here, 'results');
mkdirSync(outDir, { recursive: true });
const stem = join(outDir, `pinn-burgers-${new Date().toISOString().slice(0, 10)}`);
writeFileSync(`${stem}.json`, JSON.stringify({ points, dtype, rounds, adamSteps, lbfgsIters, backend: info, torchVersion, python, loadavg: loadavg(), results }, null, 1));
writeFileSync(`${stem}.md`, `${table}\n`);
process.stderr.write(`wrote ${stem}.json and .md\n`);
record.save({ points, dtype, rounds, adamSteps, lbfgsIters, torchVersion, results }, table);

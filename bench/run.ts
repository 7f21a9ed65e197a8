/**
 * `npm run bench [-- --only gemm,overhead] [--quick] [--reps N] [--render results/X.json] [--out /tmp/stem]`: runs each
 * workload on Lattice and on every peer present, in one run, and writes
 * bench/results/<date>.json and .md with min/median/max and ratios
 * (peer median / Lattice median: above 1 means Lattice is faster).
 */
import { spawnSync } from 'node:child_process';
import { buildSync } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const quick = flag('--quick');
const reps = value('--reps') ?? '5';

interface Result { case: string; unit: string | null; min?: number; median?: number; max?: number; gflops?: { median: number }; unsupported?: boolean; skipped?: boolean; reason?: string; [k: string]: unknown }
interface Run { peer: string; threads: number; workload: string; results: Result[]; error?: string; blas?: unknown }

/** Each workload: the Lattice script and the peer commands, per thread count. */
const WORKLOADS: Record<string, { lattice: string; threads: number[]; peers: (t: number) => [string, string[], NodeJS.ProcessEnv?][] }> = {
  gemm: {
    lattice: 'lattice/gemm.ts', threads: [1, 2],
    peers: (t) => [
      ['/usr/bin/python3', ['peers/torch_bench.py', 'gemm', '--threads', String(t)]],
      ['python3', ['peers/numpy_gemm.py', 'gemm', '--threads', String(t)], { OPENBLAS_CORETYPE: undefined, OPENBLAS_L2_SIZE: undefined }],
      ...(t === 1 ? [['node', ['peers/tfjs_bench.mjs', 'gemm', '--backend', 'wasm']] as [string, string[]]] : []),
    ],
  },
  overhead: {
    lattice: 'lattice/overhead.ts', threads: [1],
    peers: () => [['/usr/bin/python3', ['peers/torch_bench.py', 'overhead', '--threads', '1']], ['node', ['peers/tfjs_bench.mjs', 'overhead', '--backend', 'wasm']]],
  },
  conv: {
    lattice: 'lattice/conv.ts', threads: [1, 2],
    peers: (t) => [['/usr/bin/python3', ['peers/torch_bench.py', 'conv', '--threads', String(t)]], ...(t === 1 ? [['node', ['peers/tfjs_bench.mjs', 'conv', '--backend', 'wasm']] as [string, string[]]] : [])],
  },
  norms: { lattice: 'lattice/norms.ts', threads: [1, 2], peers: (t) => [['/usr/bin/python3', ['peers/torch_bench.py', 'norms', '--threads', String(t)]]] },
  adam: { lattice: 'lattice/optim.ts', threads: [1, 2], peers: (t) => [['/usr/bin/python3', ['peers/torch_bench.py', 'adam', '--threads', String(t)]]] },
  ctc: { lattice: 'lattice/ctc.ts', threads: [1, 2], peers: (t) => [['/usr/bin/python3', ['peers/torch_bench.py', 'ctc', '--threads', String(t)]]] },
  mlp: { lattice: 'lattice/mlp.ts', threads: [1], peers: () => [['/usr/bin/python3', ['peers/torch_bench.py', 'mlp', '--threads', '1']], ['node', ['peers/tfjs_bench.mjs', 'mlp', '--backend', 'wasm', '--quick']]] },
  cnn: { lattice: 'lattice/cnn.ts', threads: [1, 2], peers: (t) => [['/usr/bin/python3', ['peers/torch_bench.py', 'cnn', '--threads', String(t)]]] },
  deep: { lattice: 'lattice/deep.ts', threads: [1], peers: () => [['/usr/bin/python3', ['peers/torch_bench.py', 'deep', '--threads', '1']]] },
  memory: { lattice: 'lattice/memory.ts', threads: [1], peers: () => [['/usr/bin/python3', ['peers/torch_bench.py', 'memory', '--threads', '1']]] },
};

/**
 * The Lattice scripts run as plain JavaScript, as a user's compiled program would: running them through
 * the tsx loader adds ~130 MB of RSS and loader overhead that PyTorch's and tfjs's runs do not pay.
 */
function compiled(script: string): string {
  // Next to its source, so paths the script resolves from import.meta.url stay right.
  const outfile = join(here, dirname(script), `.${basename(script, '.ts')}.build.mjs`);
  buildSync({
    entryPoints: [join(here, script)], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node18',
    external: ['vega', 'vega-lite', 'node-gyp-build', 'cli-progress', 'commander'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
  return outfile;
}

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Run | { error: string } {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(env ?? {})) if (v === undefined) delete fullEnv[k]; else fullEnv[k] = v;
  const r = spawnSync(cmd, args, { cwd: here, env: fullEnv, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 30 * 60_000 });
  const line = (r.stdout ?? '').trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (r.status !== 0 || !line) return { error: `${cmd} ${args.join(' ')}: exit ${r.status} ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
  return JSON.parse(line) as Run;
}

// The Lattice scripts import the built bundle.
if (!argv.includes('--render')) spawnSync('npm', ['run', 'build:ts'], { cwd: join(here, '..'), stdio: 'inherit' });

const only = value('--only')?.split(',') ?? Object.keys(WORKLOADS);
const saved = value('--render');
const runs: Run[] = saved ? (JSON.parse(readFileSync(saved, 'utf8')) as { runs: Run[] }).runs : [];
const errors: string[] = saved ? (JSON.parse(readFileSync(saved, 'utf8')) as { errors: string[] }).errors : [];
for (const name of saved ? [] : only) {
  const w = WORKLOADS[name];
  if (!w) { errors.push(`unknown workload ${name}`); continue; }
  if (!existsSync(join(here, w.lattice))) { errors.push(`${name}: ${w.lattice} not written yet`); continue; }
  for (const t of w.threads) {
    const extra = [...(quick ? ['--quick'] : []), '--reps', reps];
    // Lattice runs, like numpy, with OpenBLAS choosing its own kernel (an addon built where
    // OpenBLAS was found uses it for the shapes bench/blas-table.ts measured it faster).
    const jobs: [string, string[], NodeJS.ProcessEnv?][] = [[process.execPath, [compiled(w.lattice), '--threads', String(t), ...extra], { OPENBLAS_CORETYPE: undefined, OPENBLAS_L2_SIZE: undefined }], ...w.peers(t).map(([c, a, e]) => [c, [...a, ...extra], e] as [string, string[], NodeJS.ProcessEnv?])];
    for (const [cmd, args, env] of jobs) {
      process.stderr.write(`bench: ${name} ${t}T ${cmd} ${args.join(' ')}\n`);
      const r = run(cmd, args, env);
      if ('error' in r && !('results' in r)) errors.push(r.error as string);
      else runs.push({ ...(r as Run), workload: name, threads: t });
    }
  }
}

function fmt(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

// Table: one row per (workload, threads, case); Lattice's median and each peer's with the ratio.
const lines: string[] = [];
const cpu = cpus()[0]?.model ?? 'unknown CPU';
lines.push(`# Lattice bench, ${new Date().toISOString().slice(0, 10)}`, '', `Machine: ${cpu}, ${cpus().length} cores, Node ${process.version}. Medians of ${reps} runs after warm-up; ratio = peer median / Lattice median (above 1: Lattice faster; for GFLOP/s and accuracy, Lattice / peer).`, '');
lines.push('| workload | threads | case | Lattice | peer | peer value | ratio |', '| --- | --- | --- | --- | --- | --- | --- |');
for (const name of only) {
  for (const lat of runs.filter((r) => r.workload === name && r.peer.startsWith('lattice'))) {
    // Some Lattice scripts also time other thread counts or an inline peer: keep only their own rows for this run.
    const own = lat.results.filter((res) => (res.peer === undefined || String(res.peer).startsWith('lattice')) && (res.threads === undefined || res.threads === lat.threads));
    for (const res of own) {
      const mine = res.gflops?.median ?? res.median;
      const unit = res.gflops ? 'GFLOP/s' : res.unit ?? '';
      const higherIsBetter = !!res.gflops || unit === '%';
      const peers = runs.filter((r) => r.workload === name && r.threads === lat.threads && !r.peer.startsWith('lattice'));
      if (peers.length === 0) lines.push(`| ${name} | ${lat.threads} | ${res.case} | ${fmt(mine)} ${unit} | — | — | — |`);
      for (const p of peers) {
        const theirs = p.results.find((x) => x.case === res.case);
        const v = theirs?.gflops?.median ?? theirs?.median;
        const ratio = v === undefined || mine === undefined ? undefined : higherIsBetter ? mine / v : v / mine;
        const note = theirs?.unsupported ? 'unsupported' : theirs?.skipped ? 'skipped' : fmt(v);
        lines.push(`| ${name} | ${lat.threads} | ${res.case} | ${fmt(mine)} ${unit} | ${p.peer} | ${note} | ${ratio === undefined ? '—' : fmt(ratio) + 'x'} |`);
      }
    }
  }
}
if (errors.length) lines.push('', 'Not run:', ...errors.map((e) => `- ${e}`));
const stamp = new Date().toISOString().slice(0, 10);
// --out STEM writes STEM.json and STEM.md instead (a partial run should not replace the day's full table).
const outStem = value('--out') ?? join(here, 'results', stamp);
mkdirSync(dirname(outStem), { recursive: true });
writeFileSync(`${outStem}.json`, JSON.stringify({ date: stamp, machine: { cpu, cores: cpus().length, node: process.version }, runs, errors }, null, 1));
writeFileSync(`${outStem}.md`, lines.join('\n') + '\n');
console.log(lines.join('\n'));

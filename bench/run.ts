/**
 * `npm run bench [-- --quick] [--only gemm,conv] [--rounds 3] [--threads 1,2] [--out STEM] [--render X.json]`
 *
 * Runs the workloads of docs/bench-workloads.md on Lattice and on every peer present (PyTorch 2.x
 * with and without torch.compile, TensorFlow, PyTorch 1.13, numpy/OpenBLAS, tfjs-node, tfjs-wasm),
 * each a long-lived worker process pinned to N threads. Per row: warm-up, then R rounds in which
 * every peer and Lattice run back to back in a shuffled order. Writes bench/results/<date>.json
 * and .md and latest.json / latest.md (quick: quick-latest.*; a partial run, --only or --peers:
 * <date>-<part>.json and .md only); the schema is in bench/README.md. A full run then runs W10
 * (bench/w10-memory.ts: peak RSS in whole processes), which writes its own figures record.
 * Peers are set up by bench/setup/python-peers.sh and bench/setup/tfjs-node.sh (cached outside
 * the repository); a missing peer is reported, never an error.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLatticeScript } from './lib/bundle';
import { CACHE, fairEnv, peerSpecs, Worker, type PeerSpec } from './lib/pool';
import { buildRows, renderMarkdown, SCHEMA, type Measured, type Meta, type Round } from './lib/report';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(name);
const value = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };

const quick = flag('--quick');
const rounds = Number(value('--rounds') ?? 3);
const samplesPerRound = Number(value('--samples') ?? 3);
const ALL = ['gemm', 'mlp', 'cnn', 'deep', 'ctc', 'conv', 'adam', 'norms', 'overhead', 'resnet18'];
// A sample lasts at least 20 ms (the workers' default), longer where one call's time swings with
// the memory traffic of other tenants: W4 streams 48 MB of weights, gradients and momentum a step,
// and single 30-50 ms steps at 2 threads varied by +-15% between samples. Every participant gets
// the same minimum.
const MIN_SAMPLE_MS: Record<string, number> = { deep: 100 };
const QUICK = ['gemm', 'overhead', 'mlp', 'cnn'];  // cheap first: the --budget guard cuts the tail
const workloads = value('--only')?.split(',') ?? (quick ? QUICK : ALL);
const threadList = (value('--threads') ?? (quick ? '1' : '1,2')).split(',').map(Number);
const peerFilter = value('--peers')?.split(',');
// A guard, not a target: past it the remaining workloads are listed as not run.
const budgetS = Number(value('--budget') ?? (quick ? 170 : 1150));
const log = (s: string): void => { process.stderr.write(`bench: ${s}\n`); };

/**
 * bench/probe/fma.c, built into the cache and run 3 times (the best run counts; each is checked).
 * `before` is an earlier probe of the same run: the run probes at its start and its end, and a
 * burst of another job can only lower a figure, so the best of both is kept.
 */
function peakProbe(threads: number, before: Record<string, unknown> | null = null): Record<string, unknown> | null {
  const bin = join(CACHE, 'fma-probe');
  mkdirSync(CACHE, { recursive: true });
  const src = join(here, 'probe', 'fma.c');
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    const cc = spawnSync('cc', ['-O2', '-pthread', '-o', bin, src, '-lm'], { encoding: 'utf8' });
    if (cc.status !== 0) { log(`peak probe: cannot compile (${(cc.stderr || cc.error?.message || '').trim().split('\n')[0]})`); return null; }
  }
  type ProbeRun = Record<string, Record<string, number | string>> & { check?: string };
  const runs: ProbeRun[] = ((before?.raw as ProbeRun[] | undefined) ?? []).slice();
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(bin, [String(threads)], { encoding: 'utf8', timeout: 120_000 });
    try { runs.push(JSON.parse(r.stdout) as ProbeRun); } catch { /* a run that printed no JSON is left out */ }
  }
  if (runs.length === 0) return null;
  const best = (isa: string, key: string): number => Math.max(...runs.map((r) => Number(r[isa]?.[key] ?? 0)));
  const out: Record<string, unknown> = { raw: runs, runs: runs.length, check: runs.every((r) => r.check === 'pass') ? 'pass' : 'FAIL' };
  for (const isa of ['avx2', 'avx512']) {
    if (!runs[0][isa]) continue;
    out[isa] = {
      // per CPU-second: FLOPs over the probe threads' own CPU time (other jobs on a shared machine
      // take wall time, not CPU time, from them); per_core: over wall time, 1 thread and all threads.
      per_cpu_second: best(isa, 'per_cpu_second'), per_cpu_second_all: best(isa, `per_cpu_second_${threads}t`),
      per_core: best(isa, 'per_core'), per_core_2t: best(isa, `per_core_${threads}t`), check: runs.every((r) => r[isa].check === 'pass') ? 'pass' : 'FAIL',
      wrong_lanes: runs.reduce((s, r) => s + Number(r[isa].wrong_lanes), 0), all_runs_1t: runs.map((r) => r[isa].per_cpu_second ?? r[isa].per_core),
    };
  }
  // The machine's fp32 peak per core: the best checked rate per CPU-second of any ISA (AVX2 and
  // AVX-512 reach the same here: two 256-bit FMA ports or one 512-bit).
  const checked = (['avx512', 'avx2'] as const).filter((k) => (out[k] as { check?: string } | undefined)?.check === 'pass');
  const rate = (k: string): number => (out[k] as { per_cpu_second: number }).per_cpu_second;
  const widest = checked.sort((a, b) => rate(b) - rate(a))[0];
  out.isa = widest ?? null;
  out.per_core_gflops = widest ? rate(widest) : null;
  return out;
}

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; }
  return a;
}

async function runThreads(threads: number, latticeWorker: string, meta: Meta, measured: Measured[], t0: number): Promise<void> {
  const { specs, missing } = peerSpecs(threads, { quick, compile: !flag('--no-compile'), here, tfjs: !flag('--no-tfjs') });
  for (const m of missing) if (!meta.missing.includes(m)) meta.missing.push(m);
  const all: PeerSpec[] = [{ id: 'lattice', cmd: process.execPath, args: [latticeWorker, '--threads', String(threads)], malloc: 'default', family: 'lattice' },
    ...specs.filter((s) => !peerFilter || peerFilter.includes(s.id))];
  const logDir = mkdtempSync(join(tmpdir(), 'lattice-bench-'));
  const workers: Worker[] = [];
  for (const spec of all) {
    // Started one at a time: start-up is not timed, but it should not overlap another's.
    const w = new Worker(spec, threads, fairEnv(threads, spec.malloc), here, join(logDir, `${spec.id}-${threads}.log`));
    try {
      const info = await w.ready();
      const name = `${String(info.peer ?? spec.id)}${spec.malloc === 'jemalloc' ? '+jemalloc' : ''}`;
      meta.peers.push({ id: spec.id, threads, name, available: true, info });
      workers.push(w);
      log(`${threads}T ${name} ready`);
    } catch (e) {
      meta.peers.push({ id: spec.id, threads, name: spec.id, available: false, reason: (e as Error).message });
      log(`${threads}T ${spec.id} unavailable: ${(e as Error).message}`);
      await w.quit();
    }
  }
  if (!workers.some((w) => w.spec.id === 'lattice')) { meta.errors.push(`${threads}T: the Lattice worker did not start`); }
  for (const workload of workloads) {
    if ((performance.now() - t0) / 1000 > budgetS) { meta.errors.push(`${workload} ${threads}T: not run (past the --budget of ${budgetS} s)`); continue; }
    const cases = new Map<string, Measured>();
    const has = new Map<string, Worker[]>();
    for (const w of workers) {
      let ans: Record<string, unknown>;
      try { ans = await w.request({ cmd: 'setup', workload, quick }, 300_000); } catch (e) { meta.errors.push(`${workload} ${threads}T ${w.spec.id}: ${(e as Error).message}`); continue; }
      if (ans.error) { meta.errors.push(`${workload} ${threads}T ${w.spec.id}: setup: ${String(ans.error)}`); continue; }
      for (const c of ans.cases as { case: string; unit: string; flops: number | null; per_call: number; note: string | null }[]) {
        if (!cases.has(c.case)) cases.set(c.case, { workload, case: c.case, threads, unit: c.unit, flops: c.flops ?? null, perCall: c.per_call ?? 1, peers: {}, orders: [] });
        cases.get(c.case)!.peers[w.spec.id] = { rounds: [], note: c.note };
        has.set(c.case, [...(has.get(c.case) ?? []), w]);
      }
      for (const u of ans.unsupported as { case: string; reason: string }[]) {
        if (!cases.has(u.case)) cases.set(u.case, { workload, case: u.case, threads, unit: 'ms', flops: null, perCall: 1, peers: {}, orders: [] });
        cases.get(u.case)!.peers[w.spec.id] = { rounds: [], unsupported: u.reason };
      }
    }
    for (const [name, m] of cases) {
      let runners = has.get(name) ?? [];
      if (!runners.some((w) => w.spec.id === 'lattice')) continue;  // a peer-only case has nothing to compare
      // Warm-up: every participant, once, before any round.
      for (const w of runners) {
        const ans: Record<string, unknown> = await w.request({ cmd: 'time', case: name, reps: 1, warm: true, min_sample_ms: MIN_SAMPLE_MS[workload] }, w.spec.compile ? 900_000 : 300_000).catch((e: Error) => ({ error: e.message }));
        if (ans.error) { m.peers[w.spec.id].error = String(ans.error); log(`${workload}/${name} ${threads}T ${w.spec.id}: ${String(ans.error)}`); }
        await w.settle();
      }
      runners = runners.filter((w) => !m.peers[w.spec.id].error);
      for (let r = 0; r < rounds; r++) {
        const order = shuffle(runners);
        m.orders.push(order.map((w) => w.spec.id));
        for (const w of order) {
          const ans: Record<string, unknown> = await w.request({ cmd: 'time', case: name, reps: samplesPerRound }).catch((e: Error) => ({ error: e.message }));
          await w.settle();  // its idle spin must not take a core from the next participant
          if (ans.error) { m.peers[w.spec.id].error = String(ans.error); continue; }
          const samples = (ans.samples as number[]).map((s) => s / m.perCall);
          const round: Round = { ms: [...samples].sort((a, b) => a - b)[samples.length >> 1], cpu_s: Number(ans.cpu_s), wall_s: Number(ans.wall_s), samples, inner: Number(ans.inner) };
          m.peers[w.spec.id].rounds.push(round);
        }
      }
      const lat = m.peers.lattice?.rounds ?? [];
      log(`${workload}/${name} ${threads}T: Lattice ${lat.length ? lat.map((x) => x.ms.toPrecision(3)).join(' ') : '—'} ms; ` +
        runners.filter((w) => w.spec.id !== 'lattice').map((w) => `${w.spec.id} ${m.peers[w.spec.id].rounds.map((x) => x.ms.toPrecision(3)).join(' ')}`).join('; '));
      measured.push(m);
    }
    for (const w of workers) await w.request({ cmd: 'teardown' }, 120_000).catch(() => undefined);
  }
  for (const w of workers) await w.quit();
}

async function main(): Promise<void> {
  const rendering = value('--render');
  let measured: Measured[];
  let meta: Meta;
  const stamp = new Date().toISOString().slice(0, 10);
  if (rendering) {
    ({ measured, meta } = JSON.parse(readFileSync(rendering, 'utf8')) as { measured: Measured[]; meta: Meta });
  } else {
    const t0 = performance.now();
    const load0 = loadavg();
    const latticeWorker = bundleLatticeScript(join(here, 'lattice', 'worker.ts'), log);
    const maxT = Math.max(...threadList);
    log('fp32 peak probe');
    const peak = peakProbe(maxT);
    meta = {
      date: stamp, mode: quick ? 'quick' : 'full', rounds, duration_s: 0, ...(value('--only') ? { only: workloads } : {}),
      machine: { cpu: cpus()[0]?.model ?? 'unknown CPU', cores: cpus().length, node: process.version, cache: CACHE },
      peak, peers: [], missing: [], errors: [], load: { start: load0, end: [] },
    };
    measured = [];
    for (const t of threadList) await runThreads(t, latticeWorker, meta, measured, t0);
    log('fp32 peak probe (again: the best of both counts)');
    meta.peak = peakProbe(maxT, peak);
    meta.load.end = loadavg();
    meta.duration_s = (performance.now() - t0) / 1000;
  }
  const names: Record<string, string> = {};
  const families: Record<string, string> = {};
  for (const p of meta.peers) { names[p.id] = p.name; families[p.id] = p.id; }
  const rows = buildRows(measured, names, families);
  const md = renderMarkdown(rows, meta);
  // --render rewrites the rendered run's own files unless --out says otherwise. A partial run
  // (--only, --peers) is named for its part, so it never overwrites the day's full run.
  const part = [value('--only')?.replace(/,/g, '+'), peerFilter ? `peers-${peerFilter.join('+')}` : undefined, value('--only') || peerFilter ? `${threadList.join('+')}T` : undefined]
    .filter(Boolean).join('-');
  const stem = value('--out') ?? (rendering ? rendering.replace(/\.json$/, '') : join(here, 'results', quick ? 'quick-latest' : part ? `${stamp}-${part}` : stamp));
  mkdirSync(dirname(stem), { recursive: true });
  const json = JSON.stringify({ schema: SCHEMA, meta, rows, measured }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1);
  writeFileSync(`${stem}.json`, json);
  writeFileSync(`${stem}.md`, md);
  if (!quick && !value('--out') && !rendering && !value('--only') && !peerFilter) {
    writeFileSync(join(here, 'results', 'latest.json'), json);
    writeFileSync(join(here, 'results', 'latest.md'), md);
    // W10 (peak RSS through W2's epoch) measures whole processes, not calls in rounds: its own
    // script and figures record, run with every full run so the README's W10 block is as fresh.
    log('W10: bench/w10-memory.ts');
    const w10 = spawnSync(process.execPath, [...process.execArgv, join(here, 'w10-memory.ts')], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (w10.status !== 0) log('W10 failed (above); bench/results/figures/w10-memory.json keeps the last record');
  }
  console.log(quick ? md : md.split('\n## Every peer')[0]);
  log(`wrote ${stem}.json and .md`);
}

await main();

// Strided copies (the copyStrided kernel behind narrow, transpose/permute, cat and expand), Lattice
// vs PyTorch, at 1 and 2 threads (torch.set_num_threads matched). Lattice's views are copies, so
// PyTorch's side materialises each view too (.contiguous(), or .clone() where the view is already
// contiguous: see peers/copy_torch.py); both sides copy the same bytes into a fresh result.
//
// Peers, alternating case by case and round by round so that load hits all alike:
//   lattice         the public op (narrow, transpose, ...): allocation, checks and the kernel, the
//                   result disposed after each call (its buffer goes back to the pool for the next)
//   lattice-kernel  the same copyStrided calls replayed straight on the backend into a kept
//                   output: the kernel alone
//   torch           PyTorch 2.x in a worker process (the venv of bench/setup/python-peers.sh)
// Each row: the median wall time of a call over rounds x calls samples, and CPU / wall of each
// side over --util-ms of back-to-back calls (process CPU time, all threads: near the thread count
// when the threads were busy; over one short call the CPU clock misses other threads' running time).
//
//   npx tsx bench/copy.ts [--rounds 5] [--calls 40] [--threads 1,2] [--dtype float32]
//                         [--only narrow0,transpose] [--no-torch] [--pause 300] [--util-ms 200] [--json out.json]
// (--pause: milliseconds between PyTorch's calls and Lattice's, for PyTorch's threads to stop spinning)
//
// --step: the end-to-end effect instead. A TransformerEncoderLayer(256, 8, dimFeedforward 1024,
// dropout 0, sequence-first [L=128, N=32, 256] as PyTorch's default) training step (forward, MSE
// loss, backward, AdamW), median wall time of --steps steps after 3 warm-up steps, and the
// share of it inside copyStrided (every transpose/permute/narrow/cat/expand of the step).
//
//   npx tsx bench/copy.ts --step [--steps 20] [--threads 1,2]
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import * as L from '../src/index';
import { median } from './lib/median';
import { backend } from '../src/backend/index';
import type { Backend } from '../src/backend/backend';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '5'));
const calls = Number(arg('calls', '40'));
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const dtype = arg('dtype', 'float32') as 'float32' | 'float64';
const only = arg('only', '') ? arg('only', '').split(',') : null;
const withTorch = !argv.includes('--no-torch');
const pauseMs = Number(arg('pause', '300'));
const utilMs = Number(arg('util-ms', '200'));
const python = `${homedir()}/.cache/lattice-bench/venv/bin/python`;
const torchScript = new URL('./peers/copy_torch.py', import.meta.url).pathname;

interface Case {
  id: string;
  what: string;
  shapes: number[][];
  /** PyTorch's case name and argument (peers/copy_torch.py). */
  torch: { case: string; arg: unknown };
  run: (xs: L.Tensor[]) => L.Tensor;
}

const CASES: Case[] = [
  { id: 'narrow0', what: 'narrow([1024,1024], 0, 256, 512)', shapes: [[1024, 1024]],
    torch: { case: 'narrow', arg: [0, 256, 512] }, run: ([x]) => L.narrow(x, 0, 256, 512) },
  { id: 'narrow1', what: 'narrow([1024,1024], 1, 256, 512)', shapes: [[1024, 1024]],
    torch: { case: 'narrow', arg: [1, 256, 512] }, run: ([x]) => L.narrow(x, 1, 256, 512) },
  { id: 'transpose', what: 'transpose([1024,1024], 0, 1)', shapes: [[1024, 1024]],
    torch: { case: 'permute', arg: [1, 0] }, run: ([x]) => L.transpose(x, 0, 1) },
  { id: 'transpose-odd', what: 'transpose([1000,1001], 0, 1)', shapes: [[1000, 1001]],
    torch: { case: 'permute', arg: [1, 0] }, run: ([x]) => L.transpose(x, 0, 1) },
  { id: 'transpose-batched', what: 'transpose([256,128,64], -1, -2) (K^T per head)', shapes: [[256, 128, 64]],
    torch: { case: 'permute', arg: [0, 2, 1] }, run: ([x]) => L.transpose(x, -1, -2) },
  { id: 'permute-heads', what: 'permute([32,128,8,64], [0,2,1,3]) (split heads)', shapes: [[32, 128, 8, 64]],
    torch: { case: 'permute', arg: [0, 2, 1, 3] }, run: ([x]) => L.permute(x, [0, 2, 1, 3]) },
  { id: 'permute-large', what: 'permute([32,128,64,64], [0,2,1,3])', shapes: [[32, 128, 64, 64]],
    torch: { case: 'permute', arg: [0, 2, 1, 3] }, run: ([x]) => L.permute(x, [0, 2, 1, 3]) },
  { id: 'cat0', what: 'cat([512,1024] x2, 0)', shapes: [[512, 1024], [512, 1024]],
    torch: { case: 'cat', arg: 0 }, run: (xs) => L.cat(xs, 0) },
  { id: 'cat1', what: 'cat([1024,512] x2, 1)', shapes: [[1024, 512], [1024, 512]],
    torch: { case: 'cat', arg: 1 }, run: (xs) => L.cat(xs, 1) },
  { id: 'expand-rows', what: 'expand([1,1024], [1024,1024])', shapes: [[1, 1024]],
    torch: { case: 'expand', arg: [1024, 1024] }, run: ([x]) => L.expand(x, [1024, 1024]) },
  { id: 'expand-cols', what: 'expand([1024,1], [1024,1024])', shapes: [[1024, 1]],
    torch: { case: 'expand', arg: [1024, 1024] }, run: ([x]) => L.expand(x, [1024, 1024]) },
  { id: 'clone', what: 'clone([1024,1024]) (no strided copy: a typed-array set)', shapes: [[1024, 1024]],
    torch: { case: 'clone', arg: null }, run: ([x]) => L.clone(x) },
];

type CopyArgs = Parameters<Backend['copyStrided']>;

/** The copyStrided calls `fn` makes, with their small arrays copied (kernelInts views are reused). */
function recordCopies(fn: () => L.Tensor): { out: L.Tensor; copies: CopyArgs[] } {
  const table = backend() as unknown as { copyStrided: Backend['copyStrided'] };
  const original = table.copyStrided;
  const copies: CopyArgs[] = [];
  table.copyStrided = (src, so, ss, dst, dO, ds, shape) => {
    copies.push([src, so, Int32Array.from(ss), dst, dO, Int32Array.from(ds), Int32Array.from(shape)]);
    original(src, so, ss, dst, dO, ds, shape);
  };
  try {
    return { out: fn(), copies };
  } finally {
    table.copyStrided = original;
  }
}

function torchWorker(): { run: <T>(cmd: object) => Promise<T>; close: () => void } {
  const child = spawn(python, [torchScript], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    run: async <T>(cmd: object): Promise<T> => {
      child.stdin!.write(`${JSON.stringify(cmd)}\n`);
      const next = await lines.next();
      if (next.done) throw new Error('bench/copy: the PyTorch worker exited');
      return JSON.parse(next.value as string) as T;
    },
    close: () => child.stdin!.end(),
  };
}

/** Median step time and the median time inside copyStrided per step, at each thread count. */
function trainingSteps(): void {
  const steps = Number(arg('steps', '20'));
  const [L0, N, E] = [128, 32, 256];
  L.manualSeed(0);
  const layer = new L.nn.TransformerEncoderLayer(E, 8, { dimFeedforward: 1024, dropout: 0 });
  const opt = new L.optim.AdamW(layer.parameters(), { lr: 1e-4 });
  const x = L.randn([L0, N, E]), target = L.randn([L0, N, E]);
  const table = backend() as unknown as { copyStrided: Backend['copyStrided'] };
  const original = table.copyStrided;
  let inCopy = 0, copies = 0;
  table.copyStrided = (...a) => {
    const t0 = performance.now();
    original(...a);
    inCopy += performance.now() - t0;
    copies++;
  };
  const step = (): void => {
    L.tidy(() => {
      opt.zeroGrad();
      L.mseLoss(layer.call(x), target).backward();
      opt.step();
    });
  };
  const lines: string[] = [];
  for (const threads of threadCounts) {
    L.setNumThreads(threads);
    for (let w = 0; w < 3; w++) step();
    const wall: number[] = [], copy: number[] = [];
    let calls = 0;
    for (let i = 0; i < steps; i++) {
      inCopy = 0;
      copies = 0;
      const t0 = performance.now();
      step();
      wall.push(performance.now() - t0);
      copy.push(inCopy);
      calls = copies;
    }
    lines.push(`| ${threads} | ${fmt(median(wall))} | ${fmt(median(copy))} | ${calls} | ${((100 * median(copy)) / median(wall)).toFixed(1)}% |`);
    console.error(lines[lines.length - 1]);
  }
  table.copyStrided = original;
  const info = L.backendInfo();
  console.log(`TransformerEncoderLayer(${E}, 8, dimFeedforward 1024) training step on [${L0}, ${N}, ${E}] float32; Lattice ${info.backend}/${info.isa}; `
    + `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores; median of ${steps} steps\n\n`
    + '| threads | step ms | in copyStrided ms | copyStrided calls | share |\n| --- | --- | --- | --- | --- |\n' + lines.join('\n'));
}

const fmt = (x: number | undefined): string => (x === undefined ? '-' : x < 1 ? x.toFixed(3) : x.toFixed(2));

interface Row { id: string; threads: number; peer: string; ms: number; cpuMs: number; samples: number; cpuPerWall?: number }

/** CPU time over wall time of back-to-back calls for utilMs. */
function cpuPerWall(fn: () => void): number {
  const c0 = process.cpuUsage(), t0 = performance.now();
  while (performance.now() - t0 < utilMs) fn();
  const wall = performance.now() - t0, c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / wall;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const cases = CASES.filter((c) => !only || only.includes(c.id));
  const torch = withTorch ? torchWorker() : null;
  let torchVersion = '';
  const load0 = loadavg()[0];
  const rows: Row[] = [];
  L.manualSeed(0);
  const inputs = new Map(cases.map((c) => [c.id, c.shapes.map((s) => L.randn(s, { dtype }))]));
  for (const threads of threadCounts) {
    L.setNumThreads(threads);
    const samples = new Map<string, { ms: number[]; cpu: number[] }>();
    const add = (key: string, ms: number, cpu: number): void => {
      if (!samples.has(key)) samples.set(key, { ms: [], cpu: [] });
      samples.get(key)!.ms.push(ms);
      samples.get(key)!.cpu.push(cpu);
    };
    const util = new Map<string, number>();
    for (let r = 0; r < rounds; r++) {
      for (const c of cases) {
        const xs = inputs.get(c.id)!;
        for (let w = 0; w < 3; w++) c.run(xs).dispose();  // warm-up: pooled buffers, JIT
        for (let i = 0; i < calls; i++) {
          const c0 = process.cpuUsage(), t0 = performance.now();
          const y = c.run(xs);
          const t1 = performance.now(), c1 = process.cpuUsage(c0);
          y.dispose();
          add(`${c.id}|lattice`, t1 - t0, (c1.user + c1.system) / 1000);
        }
        const { out, copies } = recordCopies(() => c.run(xs));
        if (copies.length > 0) {
          const kernel = backend().copyStrided;
          for (let i = 0; i < calls; i++) {
            const c0 = process.cpuUsage(), t0 = performance.now();
            for (const a of copies) kernel(...a);
            const t1 = performance.now(), c1 = process.cpuUsage(c0);
            add(`${c.id}|lattice-kernel`, t1 - t0, (c1.user + c1.system) / 1000);
          }
        }
        out.dispose();
        if (r === 0) util.set(`${c.id}|lattice`, cpuPerWall(() => c.run(xs).dispose()));
        if (torch) {
          const cmd = { case: c.torch.case, arg: c.torch.arg, shapes: c.shapes, threads, dtype };
          const t = await torch.run<{ ms: number[]; cpuMs: number[]; torch: string }>({ ...cmd, calls });
          if (r === 0) util.set(`${c.id}|torch`, (await torch.run<{ cpuPerWall: number }>({ ...cmd, utilMs })).cpuPerWall);
          // PyTorch's OpenMP threads spin-wait after a parallel region (libgomp's default wait
          // policy): run on, Lattice's next calls would find both cores taken.
          await sleep(pauseMs);
          torchVersion = t.torch;
          t.ms.forEach((ms, i) => add(`${c.id}|torch`, ms, t.cpuMs[i]));
        }
      }
    }
    for (const c of cases) {
      for (const peer of ['lattice', 'lattice-kernel', 'torch']) {
        const s = samples.get(`${c.id}|${peer}`);
        if (!s) continue;
        rows.push({ id: c.id, threads, peer, ms: median(s.ms), cpuMs: median(s.cpu), samples: s.ms.length, cpuPerWall: util.get(`${c.id}|${peer}`) });
      }
      const line = rows.filter((x) => x.id === c.id && x.threads === threads)
        .map((x) => `${x.peer} ${fmt(x.ms)} ms${x.cpuPerWall === undefined ? '' : ` (CPU/wall ${x.cpuPerWall.toFixed(2)})`}`);
      console.error(`${c.id} ${threads}T: ${line.join(', ')}`);
    }
  }
  torch?.close();
  const info = L.backendInfo();
  const header = `${dtype}; Lattice ${info.backend}/${info.isa}${torchVersion ? `; PyTorch ${torchVersion}` : ''}; `
    + `load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${cpus().length} cores; median of ${rounds} rounds x ${calls} calls`;
  const table = ['| case | threads | lattice ms | lattice CPU/wall | kernel ms | torch ms | torch CPU/wall | lattice / torch |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const c of cases) {
    for (const threads of threadCounts) {
      const get = (peer: string): Row | undefined => rows.find((x) => x.id === c.id && x.threads === threads && x.peer === peer);
      const lat = get('lattice')!, ker = get('lattice-kernel'), tor = get('torch');
      const ratio = (r: Row | undefined): string => (r?.cpuPerWall === undefined ? '-' : r.cpuPerWall.toFixed(2));
      table.push(`| ${c.what} | ${threads} | ${fmt(lat.ms)} | ${ratio(lat)} | ${fmt(ker?.ms)} | ${fmt(tor?.ms)} | ${ratio(tor)} | ${tor ? (lat.ms / tor.ms).toFixed(2) + 'x' : '-'} |`);
    }
  }
  console.log(`${header}\n\n${table.join('\n')}`);
  const json = arg('json', '');
  if (json) writeFileSync(json, JSON.stringify({ dtype, rounds, calls, backend: info, torch: torchVersion, rows }, null, 2));
}

if (argv.includes('--step')) trainingSteps();
else void main();

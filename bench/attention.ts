// Scaled dot-product attention, float32, q = k = v shapes [B, H, L, D]: Lattice's fused kernel vs
// its composite path (matmul, softmax, matmul: materialises [B, H, L, L]) vs PyTorch's
// F.scaled_dot_product_attention, forward (no tape / no_grad) and forward+backward, at 1 and 2
// threads. The three alternate call by call (PyTorch in a worker process fed over a pipe), so
// load hits all alike; each row reports the median wall time and the median CPU time of a call.
// Peak memory, measured apart from the timing: Lattice's live tensor bytes (memory().numBytes,
// sampled at every kernel call) above what existed before the call; PyTorch's peak resident
// set above the resident set before the call, in a fresh process.
//
//   npx tsx bench/attention.ts [--reps 5] [--lengths 512,1024] [--batch 8] [--heads 8] [--dim 64]
//                              [--threads 1,2] [--causal] [--no-torch] [--json out.json]
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { backendInfo, memory, nn, randn, setNumThreads, tidy, type Tensor } from '../src/index';
import { backend } from '../src/backend/index';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const reps = Number(arg('reps', '5'));
const lengths = arg('lengths', '512,1024').split(',').map(Number);
const threadCounts = arg('threads', '1,2').split(',').map(Number);
const [B, H, D] = [Number(arg('batch', '8')), Number(arg('heads', '8')), Number(arg('dim', '64'))];
const causal = argv.includes('--causal');
const python = `${homedir()}/.cache/lattice-bench/venv/bin/python`;
const torchScript = new URL('./peers/attention_torch.py', import.meta.url).pathname;
const withTorch = !argv.includes('--no-torch');

type Mode = 'fwd' | 'fwdbwd';
type Path = 'fused' | 'composite';

/** One call of the Lattice side; intermediates are disposed by tidy. */
function latticeCall(q: Tensor, k: Tensor, v: Tensor, g: Tensor, mode: Mode, path: Path): void {
  tidy(() => {
    const fused = path === 'fused';
    if (mode === 'fwd') {
      nn.functional.scaledDotProductAttention(q, k, v, { isCausal: causal, fused });
      return;
    }
    const [a, b, c] = [q, k, v].map((t) => t.detach().requiresGrad_());
    nn.functional.scaledDotProductAttention(a, b, c, { isCausal: causal, fused }).backward(g);
  });
}

/** Peak live tensor bytes above the starting count while fn runs (sampled at every kernel call). */
function peakTensorBytes(fn: () => void): number {
  const table = backend() as unknown as Record<string, unknown>;
  const originals = Object.entries(table).filter(([, f]) => typeof f === 'function');
  const start = memory().numBytes;
  let peak = start;
  for (const [name, f] of originals) {
    table[name] = (...xs: unknown[]) => {
      peak = Math.max(peak, memory().numBytes);
      const r = (f as (...a: unknown[]) => unknown)(...xs);
      peak = Math.max(peak, memory().numBytes);
      return r;
    };
  }
  try {
    fn();
  } finally {
    for (const [name, f] of originals) table[name] = f;
  }
  return peak - start;
}

/** A PyTorch worker answering one timed call per command line. */
function torchWorker(): { run: (cmd: object) => Promise<{ ms: number; cpuMs: number }>; close: () => void } {
  const child = spawn(python, [torchScript, 'serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    run: async (cmd) => {
      child.stdin!.write(`${JSON.stringify(cmd)}\n`);
      const next = await lines.next();
      if (next.done) throw new Error('bench/attention: the PyTorch worker exited');
      return JSON.parse(next.value as string) as { ms: number; cpuMs: number };
    },
    close: () => child.stdin!.end(),
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmtMs = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(1));
const fmtMiB = (x: number | undefined): string => (x === undefined ? '-' : (x / 2 ** 20).toFixed(1));

interface Row { L: number; mode: Mode; threads: number; peer: string; ms: number; cpuMs: number; peakBytes?: number }

async function main(): Promise<void> {
  const rows: Row[] = [];
  const torch = withTorch ? torchWorker() : null;
  const load0 = loadavg()[0];
  for (const L of lengths) {
    const [q, k, v, g] = [0, 1, 2, 3].map(() => randn([B, H, L, D]));
    for (const threads of threadCounts) {
      setNumThreads(threads);
      for (const mode of ['fwd', 'fwdbwd'] as const) {
        const samples: Record<string, { ms: number[]; cpu: number[] }> = {};
        const add = (peer: string, ms: number, cpu: number): void => {
          (samples[peer] ??= { ms: [], cpu: [] }).ms.push(ms);
          samples[peer].cpu.push(cpu);
        };
        for (const path of ['fused', 'composite'] as const) latticeCall(q, k, v, g, mode, path);  // warm-up
        for (let r = 0; r < reps; r++) {
          for (const path of ['fused', 'composite'] as const) {
            const c0 = process.cpuUsage(), t0 = performance.now();
            latticeCall(q, k, v, g, mode, path);
            const t1 = performance.now(), c1 = process.cpuUsage(c0);
            add(`lattice-${path}`, t1 - t0, (c1.user + c1.system) / 1000);
          }
          if (torch) {
            const t = await torch.run({ B, H, L, D, threads, mode, causal });
            add('torch', t.ms, t.cpuMs);
          }
        }
        for (const [peer, s] of Object.entries(samples)) rows.push({ L, mode, threads, peer, ms: median(s.ms), cpuMs: median(s.cpu) });
        // Peak memory, once per case (single-threaded runs only: it does not depend on the thread count).
        if (threads === threadCounts[0]) {
          for (const path of ['fused', 'composite'] as const) {
            const row = rows.find((x) => x.L === L && x.mode === mode && x.threads === threads && x.peer === `lattice-${path}`)!;
            row.peakBytes = peakTensorBytes(() => latticeCall(q, k, v, g, mode, path));
          }
          if (torch) {
            const out = spawnSync(python, [torchScript, 'peak', String(B), String(H), String(L), String(D), mode, causal ? '1' : '0', String(threads)], { encoding: 'utf8' });
            const row = rows.find((x) => x.L === L && x.mode === mode && x.threads === threads && x.peer === 'torch')!;
            if (out.status === 0) row.peakBytes = (JSON.parse(out.stdout.trim()) as { peakBytes: number }).peakBytes;
          }
        }
        for (const row of rows.filter((x) => x.L === L && x.mode === mode && x.threads === threads)) {
          console.error(`L=${L} ${mode} ${threads}T ${row.peer}: ${fmtMs(row.ms)} ms (cpu ${fmtMs(row.cpuMs)} ms) peak ${fmtMiB(row.peakBytes)} MiB`);
        }
      }
    }
  }
  torch?.close();
  const info = backendInfo();
  const header = `B=${B} H=${H} D=${D} float32${causal ? ' causal' : ''}; Lattice ${info.backend}/${info.isa}; load average ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)} on ${cpus().length} cores; median of ${reps}`;
  const table = ['| L=S | pass | threads | peer | ms (median) | CPU ms | peak MiB | vs fused |', '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const row of rows) {
    const fused = rows.find((x) => x.L === row.L && x.mode === row.mode && x.threads === row.threads && x.peer === 'lattice-fused')!;
    table.push(`| ${row.L} | ${row.mode === 'fwd' ? 'forward' : 'forward+backward'} | ${row.threads} | ${row.peer} | ${fmtMs(row.ms)} | ${fmtMs(row.cpuMs)} | ${fmtMiB(row.peakBytes)} | ${(row.ms / fused.ms).toFixed(2)}x |`);
  }
  console.log(`${header}\n\n${table.join('\n')}`);
  const json = arg('json', '');
  if (json) writeFileSync(json, JSON.stringify({ B, H, D, causal, reps, backend: info, rows }, null, 2));
}

void main();

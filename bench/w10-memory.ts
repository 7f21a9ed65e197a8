/**
 * W10: memory during W2's epoch (docs/bench-workloads.md): the process's peak RSS, before the epoch
 * (data loaded, model built) and after it, and Lattice's live tensor count after every step,
 * against PyTorch 2.x (the bench's venv) and PyTorch 1.13 (Debian), each in a fresh process,
 * in alternating order over the rounds. Writes bench/results/figures/w10-memory.json for the
 * README.
 *
 *   npx tsx bench/w10-memory.ts [--rounds 3] [--threads 1]
 *
 * Lattice runs as bundled plain JavaScript over dist/ (bench/lib/bundle.ts), as a user's program
 * would; every process gets the bench's fair environment (threads pinned, glibc malloc).
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleLatticeScript } from './lib/bundle';
import { DEBIAN_PYTHON, VENV_PYTHON, fairEnv, pythonHas } from './lib/pool';
import { startRecord } from './lib/record';

const record = startRecord('w10-memory');
const here = dirname(fileURLToPath(import.meta.url));
const value = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(value('rounds', '3'));
const threads = Number(value('threads', '1'));

interface Result { case: string; median?: number; min?: number; max?: number; first?: number; last?: number; unsupported?: boolean }
interface Participant { id: string; cmd: string; args: string[] }

const participants: Participant[] = [{ id: 'lattice', cmd: process.execPath, args: [bundleLatticeScript(join(here, 'lattice', 'memory.ts')), '--threads', String(threads)] }];
for (const [id, python] of [['pytorch-2.x', VENV_PYTHON], ['pytorch-1.13', DEBIAN_PYTHON]] as const) {
  if (!pythonHas(python, 'torch')) {
    process.stderr.write(`w10-memory: ${python} has no torch; ${id} left out (bench/setup/python-peers.sh installs the peers)\n`);
    continue;
  }
  participants.push({ id, cmd: python, args: [join(here, 'peers', 'torch_bench.py'), 'memory', '--threads', String(threads)] });
}

/** One fresh process of `p`: its results by case, and the version it reports. */
function runOnce(p: Participant): { version: string; results: Map<string, Result> } {
  const r = spawnSync(p.cmd, p.args, { env: fairEnv(threads, 'default'), encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let parsed: { version: string; results: Result[] };
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`w10-memory: ${p.id} printed no result (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
  }
  return { version: parsed.version, results: new Map(parsed.results.map((x) => [x.case, x])) };
}

const samples = new Map<string, { version: string; runs: Map<string, Result>[] }>();
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? participants : [...participants].reverse();
  for (const p of order) {
    const { version, results } = runOnce(p);
    const s = samples.get(p.id) ?? { version, runs: [] };
    s.runs.push(results);
    samples.set(p.id, s);
    process.stderr.write(`  round ${r + 1} ${p.id}: peak RSS ${results.get('peak_rss')?.median?.toFixed(1)} MB\n`);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[]): string => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;
const figures: Record<string, unknown> = { rounds, threads, participants: {} };
const md: string[] = [
  `W2's MLP (784-256-256-10, Adam, batch 128) for one epoch of Fashion-MNIST (469 steps), ${threads} thread, ` +
    `each participant in a fresh process, ${rounds} rounds in alternating order; peak RSS is getrusage's high-water mark ` +
    '(MB, median and min–max); "before the epoch" is after loading the 70,000 images as float32 and building the model.',
  '',
  '| participant | peak RSS | before the epoch | added by the epoch | live tensors after each step |',
  '| --- | --- | --- | --- | --- |',
];
for (const p of participants) {
  const s = samples.get(p.id)!;
  const get = (c: string): number[] => s.runs.map((m) => m.get(c)?.median ?? NaN);
  const peak = get('peak_rss'), before = get('peak_rss_before_epoch'), delta = get('peak_rss_epoch_delta');
  const live = s.runs.map((m) => m.get('live_tensors_per_step')).filter((x): x is Result => !!x && !x.unsupported);
  const liveText = live.length ? `${Math.min(...live.map((x) => x.min!))}–${Math.max(...live.map((x) => x.max!))} (flat: ${live.every((x) => x.min === x.max) ? 'yes' : 'no'})` : 'no counter';
  (figures.participants as Record<string, unknown>)[p.id] = { version: s.version, peak, before, delta, live: live.map((x) => ({ min: x.min, max: x.max })) };
  md.push(`| ${p.id === 'lattice' ? 'Lattice' : 'PyTorch'} ${s.version} | ${spread(peak)} | ${spread(before)} | ${spread(delta)} | ${liveText} |`);
}
md.push('', `Load average at the end: ${loadavg()[0].toFixed(2)}.`);
const table = md.join('\n');
console.log(table);
record.save(figures, table);

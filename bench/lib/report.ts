/**
 * Turns the interleaved rounds of bench/run.ts into rows (median, min–max, spread, CPU/wall,
 * flags, the best peer and Lattice's ratio to it) and renders them as Markdown. The JSON
 * schema it writes is described in bench/README.md ("Results").
 */

import { verdict } from './verdict.mjs';
import { WORKLOAD_IDS } from './workload-ids.mjs';

export const SCHEMA = 'lattice-bench/2';
/** A row whose round-to-round spread (max − min) / median exceeds this is flagged. */
export const SPREAD_FLAG = 0.25;
/** A 1-thread row whose CPU time ÷ wall time exceeds this is flagged (it used more than one core). */
export const CPU_WALL_FLAG = 1.15;
/** Default and tuned malloc "differ" when their medians differ by more than this. */
export const MALLOC_DIFF = 0.1;

/** One timed request of one peer in one round: per-call ms (median of its samples), CPU and wall seconds. */
export interface Round { ms: number; cpu_s: number; wall_s: number; samples: number[]; inner: number }

export interface Measured {
  workload: string; case: string; threads: number; unit: string; flops: number | null; perCall: number;
  peers: Record<string, { rounds: Round[]; unsupported?: string; error?: string; note?: string | null }>;
  /** The shuffled order of each round (peer ids). */
  orders: string[][];
}

export interface Stat {
  median: number; min: number; max: number; spread: number; values: number[]; cpu_wall: number; ms_median: number; flags: string[]; note?: string | null;
}

export interface Row {
  workload: string; id: string; case: string; threads: number; unit: string; better: 'lower' | 'higher';
  lattice: Stat | null;
  peers: Record<string, Stat | { unsupported: string } | { error: string }>;
  best: { peer: string; name: string } & Stat | null;
  /** Best peer's time ÷ Lattice's time (above 1: Lattice faster), median and min–max over rounds. */
  ratio: { median: number; min: number; max: number } | null;
  lattice_behind: boolean | null;
  flags: string[];
  malloc: { family: string; default: number; jemalloc: number; change: number; separate: boolean }[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function displayUnit(m: Pick<Measured, 'unit' | 'flops'>): { unit: string; better: 'lower' | 'higher'; conv: (ms: number) => number } {
  if (m.flops) return { unit: 'GFLOP/s', better: 'higher', conv: (ms) => m.flops! / (ms * 1e6) };
  if (m.unit === 'us') return { unit: 'µs', better: 'lower', conv: (ms) => ms * 1e3 };
  return { unit: 'ms', better: 'lower', conv: (ms) => ms };
}

function stat(rounds: Round[], conv: (ms: number) => number, threads: number, note?: string | null): Stat {
  const values = rounds.map((r) => conv(r.ms));
  const med = median(values);
  const min = Math.min(...values), max = Math.max(...values);
  const cpu = rounds.reduce((s, r) => s + r.cpu_s, 0), wall = rounds.reduce((s, r) => s + r.wall_s, 0);
  const flags: string[] = [];
  const spread = (max - min) / med;
  if (spread > SPREAD_FLAG) flags.push(`spread ${(100 * spread).toFixed(0)}%`);
  const cpuWall = wall > 0 ? cpu / wall : NaN;
  if (threads === 1 && cpuWall > CPU_WALL_FLAG) flags.push(`CPU/wall ${cpuWall.toFixed(2)} at 1 thread`);
  return { median: med, min, max, spread, values, cpu_wall: cpuWall, ms_median: median(rounds.map((r) => r.ms)), flags, note };
}

/** Rows from the measurements; `names` maps a peer id to its versioned label (e.g. pytorch-2.13+jemalloc). */
export function buildRows(measured: Measured[], names: Record<string, string>, families: Record<string, string>): Row[] {
  return measured.map((m) => {
    const { unit, better, conv } = displayUnit(m);
    const peers: Row['peers'] = {};
    let lattice: Stat | null = null;
    for (const [id, p] of Object.entries(m.peers)) {
      if (p.unsupported) peers[id] = { unsupported: p.unsupported };
      else if (p.error || p.rounds.length === 0) peers[id] = { error: p.error ?? 'no rounds' };
      else if (id === 'lattice') lattice = stat(p.rounds, conv, m.threads, p.note);
      else peers[id] = stat(p.rounds, conv, m.threads, p.note);
    }
    // The best peer: the fastest median time among the peers that ran (Lattice is not a peer).
    let bestId: string | null = null;
    for (const [id, s] of Object.entries(peers)) {
      if (!('median' in s)) continue;
      if (bestId === null || s.ms_median < (peers[bestId] as Stat).ms_median) bestId = id;
    }
    const best = bestId ? { peer: bestId, name: names[bestId] ?? bestId, ...(peers[bestId] as Stat) } : null;
    let ratio: Row['ratio'] = null;
    if (lattice && bestId) {
      // Per round: the best peer's time over Lattice's in the same round (they ran back to back).
      const lat = m.peers.lattice.rounds, peer = m.peers[bestId].rounds;
      const rs = lat.slice(0, Math.min(lat.length, peer.length)).map((r, i) => peer[i].ms / r.ms);
      ratio = { median: median(rs), min: Math.min(...rs), max: Math.max(...rs) };
    }
    const flags = [...(lattice?.flags.map((f) => `Lattice: ${f}`) ?? [])];
    for (const [id, s] of Object.entries(peers)) if ('flags' in s) flags.push(...s.flags.map((f) => `${names[id] ?? id}: ${f}`));
    // Default vs tuned malloc, per Python family, where both ran.
    const malloc: Row['malloc'] = [];
    for (const [id, s] of Object.entries(peers)) {
      if (id.endsWith('+jemalloc') || !('median' in s)) continue;
      const tuned = peers[`${id}+jemalloc`];
      if (tuned && 'median' in tuned) {
        malloc.push({
          family: families[id] ?? id, default: s.median, jemalloc: tuned.median, change: tuned.ms_median / s.ms_median - 1,
          // Their rounds' ranges do not overlap: the difference is not the machine's noise.
          separate: tuned.min > s.max || s.min > tuned.max,
        });
      }
    }
    return {
      workload: m.workload, id: WORKLOAD_IDS[m.workload] ?? m.workload, case: m.case, threads: m.threads, unit, better,
      lattice, peers, best, ratio, lattice_behind: ratio ? ratio.median < 1 : null, flags, malloc,
    };
  });
}

export function fmt(x: number | undefined | null): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 0.095 ? x.toFixed(2) : x.toPrecision(2);
}

const range = (s: { min: number; max: number }): string => `${fmt(s.min)}–${fmt(s.max)}`;
const cell = (s: Stat): string => `${fmt(s.median)} (${range(s)})${s.flags.length ? ' ⚠' : ''}`;

export interface Meta {
  date: string; mode: 'full' | 'quick'; rounds: number; duration_s: number; machine: Record<string, unknown>;
  peak: Record<string, unknown> | null; peers: { id: string; threads: number; name: string; available: boolean; reason?: string; info?: Record<string, unknown> }[];
  missing: string[]; errors: string[]; load: { start: number[]; end: number[] };
}

/** GEMM as a fraction of the checked FMA peak (per core × threads), for the W1 rows. */
function peakFraction(row: Row, peak: Meta['peak']): string {
  const perCore = Number((peak as { per_core_gflops?: number } | null)?.per_core_gflops);
  if (row.workload !== 'gemm' || !row.lattice || !Number.isFinite(perCore)) return '';
  const pct = Math.round((100 * row.lattice.median) / (perCore * row.threads));
  // Above 100% the probe under-measured the peak (it should not: its rate is per CPU-second).
  return ` · ${pct}% of peak${pct > 100 ? ' (above the probe: check it)' : ''}`;
}

export function renderMarkdown(rows: Row[], meta: Meta): string {
  const m = meta.machine as { cpu?: string; cores?: number; node?: string };
  const names = Object.fromEntries(meta.peers.map((p) => [p.id, p.name]));
  const L: string[] = [];
  L.push(`# Lattice bench (${meta.mode}), ${meta.date}`, '');
  L.push(`Machine: ${m.cpu ?? '?'}, ${m.cores ?? '?'} cores, Node ${m.node ?? '?'}; load average ${meta.load.start.map(fmt).join(' / ')} at the start, ${meta.load.end.map(fmt).join(' / ')} at the end (a load above 0.5 per core means other jobs shared the CPUs: read ratios with their spread). Run time ${fmt(meta.duration_s)} s.`, '');
  // How much of a core the 1-thread runs got: well below 1 means other jobs shared the CPUs.
  const oneT = rows.filter((r) => r.threads === 1).flatMap((r) => [r.lattice, ...Object.values(r.peers)]).filter((x): x is Stat => !!x && 'cpu_wall' in x && Number.isFinite(x.cpu_wall)).map((x) => x.cpu_wall);
  if (oneT.length) {
    const share = median(oneT);
    L.push(share < 0.8
      ? `**The machine was loaded**: the median 1-thread run got ${fmt(share)} of a core (CPU time ÷ wall time). Absolute figures are low and spreads wide; ratios from the same rounds are what this run can say. Re-run on a quiet machine for the README.`
      : `The 1-thread runs got ${fmt(share)} of a core (median CPU time ÷ wall time): the machine was quiet enough.`, '');
  }
  L.push('**Method.** Every peer is a long-lived process. Per row: a warm-up of each peer (≥ 2 calls and 150 ms, up to 20 calls within 1 s: JITs compile over the first calls), then ' +
    `${meta.rounds} rounds; in each round every peer and Lattice run the case back to back in a shuffled order (3 samples of ≥ 20 ms each, ≥ 100 ms for W4; a round's figure is their median), each after the last one's threads stopped spinning. ` +
    `Cells: median over rounds (min–max). ⚠ marks a spread above ${SPREAD_FLAG * 100}% or a 1-thread run whose CPU time ÷ wall time exceeds ${CPU_WALL_FLAG}. ` +
    'Ratio = best peer time ÷ Lattice time from the same rounds (above 1: Lattice faster), median (min–max).', '');
  L.push('**Fair settings.** Same shapes, dtype (float32), model and work per timed unit on every side; every case returns what it computed (the output, the loss, the gradients), so TensorFlow\'s graph pruning cannot skip work. ' +
    'Threads pinned to N for every process (OpenMP, OpenBLAS, MKL, torch.set_num_threads, TensorFlow intra-op = N and inter-op = 1, tfjs-node through TF_NUM_INTRAOP_THREADS, Lattice setNumThreads); tfjs-wasm runs one thread. ' +
    '`OPENBLAS_CORETYPE` and `OPENBLAS_L2_SIZE` unset for every process. Python peers run with glibc malloc and with Debian\'s jemalloc preloaded (`+jemalloc`); the best of either is the "best peer". ' +
    'PyTorch 2.x: oneDNN, `fused=True` Adam/AdamW; `-compile` rows are `torch.compile`d models. TensorFlow: `tf.function`, NHWC. tfjs-node: TensorFlow\'s C API built offline (bench/setup/tfjs-node.sh).', '');
  type IsaPeak = { per_cpu_second?: number; per_cpu_second_all?: number; per_core?: number; per_core_2t?: number; check?: string; wrong_lanes?: number };
  const pk = meta.peak as Record<string, IsaPeak> & { per_core_gflops?: number; check?: string; isa?: string } | null;
  if (pk) {
    const isas = ['avx2', 'avx512'].filter((k) => pk[k]).map((k) => `${k.toUpperCase()} ${fmt(pk[k].per_cpu_second)} GFLOP/s per core-second at 1 thread, ${fmt(pk[k].per_cpu_second_all)} with every core busy (wall-clock: ${fmt(pk[k].per_core)} and ${fmt(pk[k].per_core_2t)} per core; check: ${pk[k].check}, ${pk[k].wrong_lanes} wrong lanes)`);
    L.push(`**fp32 peak** (bench/probe/fma.c: 12 independent FMA chains per thread, every lane checked against its exact closed form; the rate per CPU-second of the probe's own threads, which other jobs cannot lower): ${isas.join('; ')}. GEMM rows give Lattice's share of ${fmt(pk.per_core_gflops)} GFLOP/s × threads.`, '');
  }
  L.push('## Lattice against the best peer', '');
  L.push('| id | case | T | unit | Lattice | best peer | best peer value | ratio (best peer ÷ Lattice) | |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const ratio = r.ratio ? `${fmt(r.ratio.median)}x (${fmt(r.ratio.min)}–${fmt(r.ratio.max)})` : '—';
    const v = verdict(r);
    L.push(`| ${r.id} | ${r.case} | ${r.threads} | ${r.unit} | ${r.lattice ? cell(r.lattice) + peakFraction(r, meta.peak) : '—'} | ${r.best?.name ?? '—'} | ${r.best ? cell(r.best) : '—'} | ${ratio} | ${v === 'Lattice behind' ? `**${v}**` : v ?? ''} |`);
  }
  const behind = rows.filter((r) => r.ratio && r.ratio.max < 1);
  L.push('');
  L.push(behind.length ? `**Where Lattice is behind** (every round slower than the best peer): ${behind.map((r) => `${r.id} ${r.case} ${r.threads}T (${fmt(r.ratio!.median)}x vs ${r.best!.name})`).join('; ')}.` : '**Lattice is behind on no row** in every round.', '');
  // Every peer, every row.
  const ids = [...new Set(rows.flatMap((r) => Object.keys(r.peers)))];
  L.push('## Every peer', '', `Median (min–max) over rounds; CPU time ÷ wall time in brackets.`, '');
  L.push(`| id | case | T | unit | Lattice | ${ids.map((i) => names[i] ?? i).join(' | ')} |`, `| --- | --- | --- | --- | --- | ${ids.map(() => '---').join(' | ')} |`);
  const full = (s: Stat | { unsupported: string } | { error: string } | undefined | null): string => {
    if (!s) return '';
    if ('unsupported' in s) return 'unsupported';
    if ('error' in s) return 'failed';
    return `${cell(s)} [${fmt(s.cpu_wall)}]`;
  };
  for (const r of rows) L.push(`| ${r.id} | ${r.case} | ${r.threads} | ${r.unit} | ${full(r.lattice)} | ${ids.map((i) => full(r.peers[i])).join(' | ')} |`);
  const diffs = rows.flatMap((r) => r.malloc.filter((d) => Math.abs(d.change) > MALLOC_DIFF && d.separate).map((d) => `${r.id} ${r.case} ${r.threads}T ${names[d.family] ?? d.family}: ${fmt(d.default)} → ${fmt(d.jemalloc)} ${r.unit} with jemalloc (time ${d.change > 0 ? '+' : ''}${(100 * d.change).toFixed(0)}%)`));
  L.push('', '## Default vs tuned malloc', '', diffs.length ? `Where they differ by more than ${MALLOC_DIFF * 100}% and their rounds' ranges do not overlap (both figures are in "Every peer"):` : `No row differs by more than ${MALLOC_DIFF * 100}% with non-overlapping ranges between glibc malloc and jemalloc (both figures are in "Every peer").`, ...diffs.map((d) => `- ${d}`));
  const flagged = rows.flatMap((r) => r.flags.map((f) => `${r.id} ${r.case} ${r.threads}T — ${f}`));
  if (flagged.length) L.push('', '## Flags', '', ...flagged.map((f) => `- ${f}`));
  const unsupported = rows.flatMap((r) => Object.entries(r.peers).filter(([, s]) => 'unsupported' in s || 'error' in s).map(([i, s]) => `${r.id} ${r.case} ${r.threads}T ${names[i] ?? i}: ${'unsupported' in s ? s.unsupported : (s as { error: string }).error}`));
  if (unsupported.length) L.push('', '## Not run', '', ...unsupported.map((u) => `- ${u}`));
  L.push('', '## Peers', '');
  for (const p of meta.peers) {
    const i = p.info ?? {};
    const extra = ['version', 'backend', 'tensorflow', 'cpu_capability', 'isa'].filter((k) => i[k] !== undefined && i[k] !== null).map((k) => `${k} ${String(i[k])}`);
    const blas = (i.blas as { corename?: string; version?: string; torch_BLAS_INFO?: string } | null | undefined);
    // PyTorch names its own BLAS (2.x wheels: MKL); an OpenBLAS mapped by numpy is not what torch.mm runs.
    // Debian's torch says 'generic' (it links libblas.so.3): the OpenBLAS mapped in is the one it runs.
    if (blas?.torch_BLAS_INFO === 'mkl') extra.push('BLAS MKL');
    else if (blas?.corename) extra.push(`OpenBLAS ${blas.version ?? ''} kernel ${blas.corename}`);
    if (i.onednn) extra.push(`oneDNN ${String(i.onednn)}`);
    if (i.ld_preload) extra.push(`LD_PRELOAD ${String(i.ld_preload)}`);
    L.push(`- ${p.name} (${p.threads}T): ${p.available ? extra.join(', ') : `unavailable — ${p.reason}`}`);
  }
  for (const x of meta.missing) L.push(`- missing: ${x}`);
  if (meta.errors.length) L.push('', '## Errors', '', ...meta.errors.map((e) => `- ${e}`));
  return L.join('\n') + '\n';
}

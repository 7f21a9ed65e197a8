#!/usr/bin/env node
// Writes the README's figures from measurements, so that none is typed by hand:
// - between <!-- figures:main-job --> and <!-- /figures:main-job -->: the `npm start` run
//   (the `summary` record that `lattice train` appends to its metrics.jsonl);
// - between <!-- figures:bench --> and <!-- /figures:bench -->: the latest bench results JSON
//   (bench/results/*.json, written by `npm run bench`).
//
//   node scripts/readme-figures.mjs [--bench <results.json>] [--run <run folder>] [--check]
//
// Defaults: bench/results/latest.json when it is a full run of schema lattice-bench/2, else the
// newest full results file of the older schema (newest commit touching it; an uncommitted file
// counts as newest) that has the workloads of the table; and the newest runs/<folder>
// whose summary is the default `npm start` configuration. --check writes nothing and exits
// with 1 when the README is not what the inputs give (the script's test uses it).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const args = { check: false, bench: undefined, run: undefined, readme: join(root, 'README.md') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') args.check = true;
    else if (a === '--bench' || a === '--run' || a === '--readme') {
      if (argv[i + 1] === undefined) throw new Error(`readme-figures: ${a} needs a path`);
      args[a.slice(2)] = argv[++i];
    } else throw new Error(`readme-figures: unknown argument '${a}' (expected --bench <json>, --run <dir>, --readme <file>, --check)`);
  }
  return args;
}

// ---------- inputs ----------

/** Commit time of the last commit touching a file; files with uncommitted changes count as newest. */
function fileAge(file) {
  try {
    const dirty = execFileSync('git', ['status', '--porcelain', '--', file], { cwd: root, encoding: 'utf8' }).trim();
    if (dirty) return Number.MAX_SAFE_INTEGER - 1 + statSync(file).mtimeMs / 1e15;
    const t = execFileSync('git', ['log', '-1', '--format=%ct', '--', file], { cwd: root, encoding: 'utf8' }).trim();
    if (t) return Number(t);
  } catch {
    // not a git checkout: fall back to the file time
  }
  return statSync(file).mtimeMs / 1000;
}

const TABLE_WORKLOADS = ['gemm', 'mlp', 'cnn'];

function latestBench() {
  const dir = join(root, 'bench', 'results');
  // Schema lattice-bench/2 keeps the last full run in latest.json (bench/README.md, "Results").
  const latest = join(dir, 'latest.json');
  if (existsSync(latest)) {
    const json = JSON.parse(readFileSync(latest, 'utf8'));
    if (json.schema === 'lattice-bench/2' && json.meta?.mode === 'full') return latest;
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => join(dir, f));
  files.sort((a, b) => fileAge(b) - fileAge(a));
  for (const file of files) {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const lattice = (json.runs ?? []).filter((r) => r.peer === 'lattice' && !r.quick);
    if (TABLE_WORKLOADS.every((w) => lattice.some((r) => r.workload === w))) return file;
  }
  throw new Error(`readme-figures: no results file in ${dir} has full Lattice runs of ${TABLE_WORKLOADS.join(', ')}; run \`npm run bench\``);
}

function summaryOf(runDir) {
  const file = join(runDir, 'metrics.jsonl');
  if (!existsSync(file)) return null;
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].includes('"summary"')) continue;
    const record = JSON.parse(lines[i]);
    if (record.type === 'summary') return record;
  }
  return null;
}

/** The newest run folder whose summary is `npm start`'s defaults (cnn, 2 epochs, batch 128, seed 0). */
function latestStartRun() {
  const dir = join(root, 'runs');
  const runs = existsSync(dir) ? readdirSync(dir).map((d) => join(dir, d)).filter((d) => statSync(d).isDirectory()) : [];
  runs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  for (const run of runs) {
    const s = summaryOf(run);
    if (s && s.model === 'cnn' && s.epochs === 2 && s.batchSize === 128 && s.seed === 0) return run;
  }
  throw new Error(`readme-figures: no run folder in ${dir} has the summary of a default \`npm start\` run; run \`npm start\``);
}

// ---------- bench results ----------

/**
 * Every result with its peer, threads and workload resolved (a result may override its run's
 * peer/threads). A peer's figure from its own run wins over the same figure measured inside
 * another peer's run (some Lattice scripts time PyTorch in-process for an A/B); then the first wins.
 */
function flatten(bench) {
  const out = new Map();
  for (const ownRunOnly of [true, false]) {
    for (const run of bench.runs ?? []) {
      for (const r of run.results ?? []) {
        const peer = r.peer ?? run.peer;
        if (ownRunOnly !== (peer === run.peer)) continue;
        const threads = r.threads ?? run.threads ?? 1;
        const key = `${peer}|${run.workload}|${threads}|${r.case}`;
        if (!out.has(key)) out.set(key, { ...r, peer, threads, workload: run.workload, quick: run.quick === true });
      }
    }
  }
  return out;
}

function sig(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(2);
}

const UNIT = { ms: ' ms', s: ' s', us: ' µs', MB: ' MB', '%': '%' };

function value(results, peer, part, threads) {
  const r = results.get(`${peer}|${part.workload}|${threads}|${part.case}`);
  if (!r) return null;
  if (part.metric === 'gflops') return r.gflops?.median ?? null;
  return typeof r.median === 'number' ? r.median : null;
}

// The table: each row is one or more parts (workload, case) at one or more thread counts.
// higher: a larger value is better (GFLOP/s, accuracy); otherwise a smaller one (time, memory).
const ROWS = [
  { label: 'W1 SGEMM 1024³ (GFLOP/s)', threads: [1, 2], parts: [{ workload: 'gemm', case: '1024x1024x1024', metric: 'gflops', higher: true }] },
  { label: 'W1 SGEMM 2048³ (GFLOP/s)', threads: [1, 2], parts: [{ workload: 'gemm', case: '2048x2048x2048', metric: 'gflops', higher: true }] },
  { label: 'W1 (128x784)@(784x256) (GFLOP/s)', threads: [1, 2], parts: [{ workload: 'gemm', case: '128x784x256', metric: 'gflops', higher: true }] },
  { label: 'W1 (128x256)@(256x10) (GFLOP/s)', threads: [1, 2], parts: [{ workload: 'gemm', case: '128x256x10', metric: 'gflops', higher: true }] },
  { label: 'W1 (43264x9)@(9x32) (GFLOP/s)', threads: [1, 2], parts: [{ workload: 'gemm', case: '43264x9x32', metric: 'gflops', higher: true }] },
  { label: 'W1 (7744x288)@(288x64) (GFLOP/s)', threads: [1, 2], parts: [{ workload: 'gemm', case: '7744x288x64', metric: 'gflops', higher: true }] },
  { label: 'W2 MLP step / epoch', threads: [1], parts: [{ workload: 'mlp', case: 'step' }, { workload: 'mlp', case: 'epoch' }] },
  { label: 'W2 test accuracy after 1 epoch', threads: [1], parts: [{ workload: 'mlp', case: 'test_accuracy', higher: true, noRatio: true }] },
  { label: 'W3 CNN step / epoch', threads: [1], parts: [{ workload: 'cnn', case: 'step' }, { workload: 'cnn', case: 'epoch' }] },
  { label: 'W3 CNN step / epoch', threads: [2], parts: [{ workload: 'cnn', case: 'step' }, { workload: 'cnn', case: 'epoch' }] },
  { label: 'W3 test accuracy after 1 epoch', threads: [1], parts: [{ workload: 'cnn', case: 'test_accuracy', higher: true, noRatio: true }] },
  { label: 'W5 CTC forward+backward', threads: [1, 2], parts: [{ workload: 'ctc', case: 'forward_backward' }] },
  { label: 'W6 conv 64→64 fwd / fwd+bwd (GFLOP/s)', threads: [1], parts: [{ workload: 'conv', case: 'forward', metric: 'gflops', higher: true }, { workload: 'conv', case: 'forward_backward', metric: 'gflops', higher: true }] },
  { label: 'W6 conv 64→64 fwd / fwd+bwd (GFLOP/s)', threads: [2], parts: [{ workload: 'conv', case: 'forward', metric: 'gflops', higher: true }, { workload: 'conv', case: 'forward_backward', metric: 'gflops', higher: true }] },
  { label: 'W7 Adam / AdamW step, 10M params', threads: [1], parts: [{ workload: 'adam', case: 'adam' }, { workload: 'adam', case: 'adamw' }] },
  { label: 'W8 LayerNorm fwd+bwd [4096,1024]', threads: [1, 2], parts: [{ workload: 'norms', case: 'layernorm.forward_backward' }] },
  { label: 'W8 BatchNorm2d fwd+bwd [32,64,32,32]', threads: [1, 2], parts: [{ workload: 'norms', case: 'batchnorm2d.forward_backward' }] },
  { label: 'W9 one add of [8] tensors', threads: [1], parts: [{ workload: 'overhead', case: 'add_8' }] },
  { label: 'W9 chain of 1000 adds, per op fwd / bwd', threads: [1], parts: [{ workload: 'overhead', case: 'chain1000_forward' }, { workload: 'overhead', case: 'chain1000_backward' }] },
  { label: 'W4 64-layer MLP ms/step: (c) pre-norm residual / (d) + clipping', threads: [1], parts: [{ workload: 'deep', case: 'c.step', bare: true }, { workload: 'deep', case: 'd.step', bare: true }] },
  { label: 'W4 ms/step: (e) + stochastic depth / (f) BatchNorm1d', threads: [1], parts: [{ workload: 'deep', case: 'e.step', bare: true }, { workload: 'deep', case: 'f.step', bare: true }] },
  { label: 'W10 peak RSS during W2\'s epoch', threads: [1], parts: [{ workload: 'memory', case: 'peak_rss' }] },
];

function unitOf(results, part, threads) {
  if (part.metric === 'gflops' || part.bare) return '';
  const r = results.get(`lattice|${part.workload}|${threads}|${part.case}`);
  return UNIT[r?.unit] ?? (r?.unit ? ` ${r.unit}` : '');
}

function benchBlock(benchFile) {
  const bench = JSON.parse(readFileSync(benchFile, 'utf8'));
  const results = flatten(bench);
  const peerMeta = (peer) => (bench.runs ?? []).find((r) => r.peer === peer);
  const torch = peerMeta('pytorch'), numpy = peerMeta('numpy'), tfjs = peerMeta('tfjs-wasm');
  const lines = [];
  const m = bench.machine ?? {};
  const peers = [
    torch && `PyTorch ${torch.version}${torch.blas?.version ? ` (OpenBLAS ${torch.blas.version})` : ''}`,
    numpy && `numpy ${numpy.version}${numpy.blas?.version ? ` (OpenBLAS ${numpy.blas.version})` : ''}`,
    tfjs && `TensorFlow.js ${tfjs.version} (wasm)`,
  ].filter(Boolean);
  lines.push(`Run of ${bench.date} (\`${relative(root, benchFile)}\`, full table in the \`.md\` beside it): ${m.cpu ?? 'unknown CPU'}, ` +
    `${m.cores ?? '?'} cores, Node ${m.node ?? '?'}; peers ${peers.join(', ')}, all in the same run. Medians of the repetitions; ` +
    'ratios above 1 mean Lattice is faster (or, for GFLOP/s, higher). The machine is shared and noisy: only same-run ratios mean anything.');
  lines.push('');
  lines.push('| workload | threads | Lattice | PyTorch | numpy (OpenBLAS) | Lattice vs PyTorch |');
  lines.push('| --- | --- | --- | --- | --- | --- |');
  const levels = [];
  for (const row of ROWS) {
    const cells = { lattice: [], pytorch: [], numpy: [], ratio: [] };
    for (const t of row.threads) {
      for (const part of row.parts) {
        const unit = unitOf(results, part, t);
        const l = value(results, 'lattice', part, t);
        const p = value(results, 'pytorch', part, t);
        const n = value(results, 'numpy', part, t);
        cells.lattice.push(l === null ? '–' : sig(l) + unit);
        cells.pytorch.push(p === null ? '–' : sig(p) + unit);
        cells.numpy.push(n === null ? null : sig(n));
        if (!part.noRatio && l !== null && p !== null && l > 0 && p > 0) {
          const ratio = part.higher ? l / p : p / l;
          cells.ratio.push(`${ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(1) : ratio.toFixed(2)}x`);
          if (ratio < 1.05) levels.push(`${row.label.replace(/ \(GFLOP\/s\)$/, '')} at ${t} thread${t > 1 ? 's' : ''}${row.parts.length > 1 ? ` (${part.case})` : ''}: ${ratio.toFixed(2)}x`);
        }
      }
    }
    // A peer with no figure in the whole row gets an empty cell; a missing one beside others, a dash.
    const join = (xs) => (xs.every((x) => x === null) ? '' : xs.map((x) => x ?? '–').join(' / '));
    lines.push(`| ${row.label} | ${row.threads.join(' / ')} | ${join(cells.lattice)} | ${join(cells.pytorch)} | ${join(cells.numpy)} | ${join(cells.ratio)} |`);
  }
  lines.push('');
  lines.push(levels.length
    ? `Where PyTorch is ahead or level (ratio below 1.05) in this run: ${levels.join('; ')}.`
    : 'In this run PyTorch is not ahead or level (ratio below 1.05) in any row.');
  const w4 = ['a', 'b', 'c', 'd', 'e', 'f'].map((v) => {
    const l = value(results, 'lattice', { workload: 'deep', case: `${v}.test_accuracy` }, 1);
    const p = value(results, 'pytorch', { workload: 'deep', case: `${v}.test_accuracy` }, 1);
    return l === null ? null : `(${v}) ${sig(l)}%${p === null ? '' : ` (PyTorch ${sig(p)}%)`}`;
  }).filter(Boolean);
  if (w4.length) lines.push('', `W4 test accuracy after the 64-layer MLP's SGD steps, per variant: ${w4.join(', ')}.`);
  if (tfjs) {
    const g = value(results, 'tfjs-wasm', { workload: 'gemm', case: '1024x1024x1024', metric: 'gflops' }, 1);
    const s = value(results, 'tfjs-wasm', { workload: 'mlp', case: 'step' }, 1);
    const c = value(results, 'tfjs-wasm', { workload: 'conv', case: 'forward', metric: 'gflops' }, 1);
    const a = value(results, 'tfjs-wasm', { workload: 'overhead', case: 'add_8' }, 1);
    lines.push('', `tfjs-wasm (1 thread) in the same run: SGEMM 1024³ ${sig(g)} GFLOP/s, MLP step ${sig(s)} ms, ` +
      `conv forward ${sig(c)} GFLOP/s, add of [8] tensors ${sig(a)} µs.`);
  }
  return lines.join('\n');
}

// Schema lattice-bench/2: one row per (workload, case, threads) with Lattice's figure, the best
// peer's and the ratio per round (best peer time / Lattice time; above 1, Lattice is faster).
function benchBlockV2(benchFile) {
  const bench = JSON.parse(readFileSync(benchFile, 'utf8'));
  const meta = bench.meta ?? {};
  const m = meta.machine ?? {};
  const peers = [...new Set((meta.peers ?? []).filter((p) => p.available && p.id !== 'lattice').map((p) => p.name ?? p.id))];
  const load = meta.load?.start && meta.load?.end
    ? ` Load average ${sig(meta.load.start[0])} at the start and ${sig(meta.load.end[0])} at the end.` : '';
  const peak = meta.peak?.per_core_gflops ? ` Measured fp32 peak: ${sig(meta.peak.per_core_gflops)} GFLOP/s per core (${meta.peak.isa}).` : '';
  const fmt = (v, unit) => (typeof v === 'number' ? `${sig(v)} ${unit}` : '–');
  const lines = [
    `${meta.mode === 'full' ? 'Run' : `A ${meta.mode} run`} of ${meta.date} (\`${relative(root, benchFile)}\`, the full table in the \`.md\` beside it): ` +
      `${m.cpu ?? 'unknown CPU'}, ${m.cores ?? '?'} cores, Node ${m.node ?? '?'}, ${meta.rounds ?? '?'} interleaved rounds; peers ${peers.join(', ')}.${load}${peak} ` +
      'Ratio: the best peer\'s time over Lattice\'s, median over rounds (above 1, Lattice is faster).',
    '',
    '| workload | case | threads | Lattice | best peer | its figure | ratio |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const behind = [];
  for (const r of bench.rows ?? []) {
    const ratio = r.ratio?.median;
    lines.push(`| ${r.id} ${r.workload} | ${r.case} | ${r.threads} | ${fmt(r.lattice?.median, r.unit)} | ${r.best?.name ?? '–'} | ` +
      `${fmt(r.best?.median, r.unit)} | ${typeof ratio === 'number' ? `${ratio.toFixed(2)}x` : '–'} |`);
    if (r.lattice_behind) behind.push(`${r.id} ${r.case} at ${r.threads} thread${r.threads > 1 ? 's' : ''} (${r.best?.name}: ${ratio.toFixed(2)}x)`);
  }
  lines.push('', behind.length ? `Where a peer is ahead in this run: ${behind.join('; ')}.` : 'In this run no peer is ahead of Lattice in any row.');
  return lines.join('\n');
}

// ---------- the main job ----------

function mainJobBlock(runDir) {
  const s = summaryOf(runDir);
  const date = new Date(statSync(join(runDir, 'metrics.jsonl')).mtimeMs).toISOString().slice(0, 10);
  const machine = [s.cpu, s.cores && `${s.cores} cores`, `${s.isa}`, `${s.threads} threads`].filter(Boolean).join(', ');
  // Older summaries have no load figure; a busy machine stretches the time, so say how busy it was.
  const load = typeof s.loadAverage === 'number'
    ? ` The 1-minute load average was ${s.loadAverage.toFixed(1)} on ${s.cores} cores when it finished${s.loadAverage > s.cores ? ', so the time is longer than on an idle machine' : ''}.`
    : '';
  return `On the development machine (${machine}) \`npm start\` reached ` +
    `**${(100 * s.testAccuracy).toFixed(2)}% test accuracy in ${s.seconds.toFixed(1)} s**, data loading ` +
    `included (run of ${date}, ${s.parameters.toLocaleString('en-US')} parameters, backend ${s.backend}).${load}`;
}

// ---------- README ----------

function replaceBlock(text, name, body) {
  const begin = `<!-- figures:${name} -->`;
  const end = `<!-- /figures:${name} -->`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`readme-figures: README.md has no ${begin} ... ${end} block`);
  return `${text.slice(0, i + begin.length)}\n${body}\n${text.slice(j)}`;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const benchFile = args.bench ?? latestBench();
  const runDir = args.run ?? latestStartRun();
  if (!summaryOf(runDir)) throw new Error(`readme-figures: ${join(runDir, 'metrics.jsonl')} has no summary record (written by \`lattice train\`)`);
  const before = readFileSync(args.readme, 'utf8');
  let after = replaceBlock(before, 'main-job', mainJobBlock(runDir));
  const schema = JSON.parse(readFileSync(benchFile, 'utf8')).schema;
  after = replaceBlock(after, 'bench', schema === 'lattice-bench/2' ? benchBlockV2(benchFile) : benchBlock(benchFile));
  console.log(`readme-figures: bench ${relative(root, benchFile)}, run ${relative(root, runDir)}`);
  if (args.check) {
    if (after !== before) {
      console.error('readme-figures: README.md differs from what the inputs give; run `node scripts/readme-figures.mjs`');
      process.exit(1);
    }
    console.log('readme-figures: README.md is up to date');
  } else if (after !== before) {
    writeFileSync(args.readme, after);
    console.log('readme-figures: README.md updated');
  } else {
    console.log('readme-figures: README.md already up to date');
  }
}

try {
  main();
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
}

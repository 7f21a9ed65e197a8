#!/usr/bin/env node
// Writes the README's figures from measurements, so that none is typed by hand:
// - between <!-- figures:main-job --> and <!-- /figures:main-job -->: the `npm start` run
//   (the `summary` record that `lattice train` appends to its metrics.jsonl);
// - between <!-- figures:bench --> and <!-- /figures:bench -->: bench/results/latest.json, the last
//   full `npm run bench` (schema lattice-bench/2): per row Lattice against the best peer, the ratio
//   with its min-max and the bench's own verdict (bench/lib/verdict.mjs), the run's load and peak;
// - between <!-- figures:NAME --> and <!-- /figures:NAME --> for any other NAME: the record
//   bench/results/figures/NAME.json (schema lattice-figures/1) that an example or a bench wrote
//   through bench/lib/record.ts: a provenance line (command, date, machine, threads, load, CPU and
//   wall seconds) and the record's own Markdown. A block whose record is missing is an error.
//
//   node scripts/readme-figures.mjs [--bench <results.json>] [--run <run folder>] [--figures <dir>] [--check]
//
// Defaults: bench/results/latest.json (an older schema is refused); the newest runs/<folder>
// whose summary is the default `npm start` configuration; bench/results/figures. --check writes
// nothing and exits with 1 when the README is not what the inputs give (the script's test uses it).
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verdict } from '../bench/lib/verdict.mjs';
import { WORKLOAD_IDS } from '../bench/lib/workload-ids.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const args = { check: false, bench: undefined, run: undefined, figures: join(root, 'bench', 'results', 'figures'), readme: join(root, 'README.md') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') args.check = true;
    else if (a === '--bench' || a === '--run' || a === '--readme' || a === '--figures') {
      if (argv[i + 1] === undefined) throw new Error(`readme-figures: ${a} needs a path`);
      args[a.slice(2)] = argv[++i];
    } else throw new Error(`readme-figures: unknown argument '${a}' (expected --bench <json>, --run <dir>, --figures <dir>, --readme <file>, --check)`);
  }
  return args;
}

// ---------- inputs ----------

const SCHEMA = 'lattice-bench/2';

/** bench/results/latest.json: the last full run (bench/README.md, "Results"); nothing older is read. */
function latestBench() {
  const latest = join(root, 'bench', 'results', 'latest.json');
  if (!existsSync(latest)) throw new Error(`readme-figures: ${relative(root, latest)} does not exist; run \`npm run bench\` (a full run writes it)`);
  return latest;
}

function readBench(benchFile) {
  const bench = JSON.parse(readFileSync(benchFile, 'utf8'));
  if (bench.schema !== SCHEMA) {
    throw new Error(`readme-figures: ${benchFile} has schema ${JSON.stringify(bench.schema ?? null)}, expected '${SCHEMA}' (written by \`npm run bench\`)`);
  }
  if (!Array.isArray(bench.rows) || !bench.meta) throw new Error(`readme-figures: ${benchFile} has no meta or rows[]`);
  return bench;
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

// ---------- bench results (schema lattice-bench/2) ----------

// Numbers as bench/lib/report.ts prints them, so the README and latest.md agree digit for digit.
function sig(x) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 0.095 ? x.toFixed(2) : x.toPrecision(2);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A load average above this per core means other jobs shared the CPUs (bench/lib/report.ts says the same). */
const LOADED_PER_CORE = 0.5;
/** A median 1-thread CPU ÷ wall below this means the runs did not get a whole core (bench/lib/report.ts uses the same rule). */
const LOADED_CORE_SHARE = 0.8;

/**
 * Whether a run shared its CPUs, and the words for it: `share` is CPU time ÷ wall time of 1-thread
 * work (null when there is none), `start`/`end` the 1-minute load averages, `shareOf` what the share
 * was measured on.
 */
function loadCaveat({ start, end, cores, share, shareOf, ownThreads = 0 }) {
  const hasLoad = typeof start === 'number' && typeof end === 'number' && typeof cores === 'number';
  const loadText = hasLoad ? `1-minute load average ${sig(start)} at the start and ${sig(end)} at the end on ${cores} cores` : 'no load average recorded';
  const shareText = share === null ? '' : `; ${shareOf} got ${sig(share)} of a core, CPU time ÷ wall time`;
  // The CPU share decides where there is one: the load average counts the run's own
  // processes (and the minute before it started), so it reads high on a quiet machine too.
  // Without a share, the run's own threads (ownThreads, when known) are taken off the load average.
  const loaded = share !== null ? share < LOADED_CORE_SHARE : hasLoad && (Math.max(start, end) - ownThreads) / cores > LOADED_PER_CORE;
  return { loaded, text: `${loadText}${shareText}` };
}

/** The run's load caveat, from meta.load and the rows' CPU ÷ wall figures. */
function loadLine(bench) {
  const { meta } = bench;
  const oneT = bench.rows.filter((r) => r.threads === 1)
    .flatMap((r) => [r.lattice, ...Object.values(r.peers ?? {})])
    .map((s) => s?.cpu_wall).filter((x) => typeof x === 'number' && Number.isFinite(x));
  const { loaded, text } = loadCaveat({
    start: meta.load?.start?.[0], end: meta.load?.end?.[0], cores: meta.machine?.cores,
    share: oneT.length ? median(oneT) : null, shareOf: 'the median 1-thread run',
  });
  return loaded
    ? `**This run was made on a loaded machine** (${text}): other jobs shared the CPUs, so absolute figures are low and ` +
      'spreads wide; the ratios, paired per round, are what this run can say. Re-run `npm run bench` on a quiet machine before quoting absolute figures.'
    : `The machine was quiet enough (${text}).`;
}

function peakLine(meta) {
  const pk = meta.peak;
  if (!pk || typeof pk.per_core_gflops !== 'number') return 'This run has no checked fp32 peak (bench/probe/fma.c did not run).';
  return `Checked fp32 peak (bench/probe/fma.c, every lane checked against its closed form: ${pk.check ?? '?'}): ` +
    `${sig(pk.per_core_gflops)} GFLOP/s per core-second (${pk.isa ?? '?'}); W1 rows give Lattice's share of it × threads.`;
}

const cell = (s) => (s && typeof s.median === 'number' ? `${sig(s.median)} (${sig(s.min)}–${sig(s.max)})${s.flags?.length ? ' ⚠' : ''}` : '–');

function benchBlock(benchFile) {
  const bench = readBench(benchFile);
  const { meta, rows } = bench;
  const m = meta.machine ?? {};
  // The peers that have a figure in some row (a partial run starts every peer, and most serve none of its workloads).
  const measuredIds = new Set(rows.flatMap((r) => Object.keys(r.peers ?? {})));
  const peers = [...new Set((meta.peers ?? []).filter((p) => p.available && p.id !== 'lattice' && measuredIds.has(p.id)).map((p) => p.name ?? p.id))];
  const lines = [
    `${meta.only ? `A run of ${meta.only.map((w) => WORKLOAD_IDS[w] ?? w).join(', ')} only (\`--only ${meta.only.join(',')}\`)` : meta.mode === 'full' ? 'Full run' : `A ${meta.mode} run`} of ${meta.date} (\`${relative(root, benchFile)}\`; every peer's figures, flags and settings ` +
      `in the \`.md\` beside it): ${m.cpu ?? 'unknown CPU'}, ${m.cores ?? '?'} cores, Node ${m.node ?? '?'}, ${meta.rounds ?? '?'} interleaved rounds, ` +
      `${sig(meta.duration_s)} s. Peers: ${peers.join(', ') || 'none'}.` +
      (meta.missing?.length ? ` Not installed: ${meta.missing.join('; ')}.` : ''),
    '',
    loadLine(bench),
    '',
    `${peakLine(meta)} Each row: Lattice against the best peer of that row (the fastest median of any peer), median over rounds (min–max); ` +
      '⚠ marks a spread above 25% or a 1-thread run above 1.15 CPU ÷ wall. Ratio: the best peer\'s time ÷ Lattice\'s in the same round ' +
      '(above 1, Lattice is faster), median (min–max). Verdict: "Lattice behind" when every round says so, "Lattice ahead" when every round says so, ' +
      'else "level (within spread)".',
    '',
    '| workload | case | threads | unit | Lattice | best peer | best peer\'s figure | ratio (min–max) | verdict |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const perCore = meta.peak?.per_core_gflops;
  const count = { 'Lattice behind': [], 'level (within spread)': [], 'Lattice ahead': [] };
  for (const r of rows) {
    const v = verdict(r);
    const ratio = r.ratio ? `${sig(r.ratio.median)}x (${sig(r.ratio.min)}–${sig(r.ratio.max)})` : '–';
    const share = r.workload === 'gemm' && r.lattice && typeof perCore === 'number'
      ? ` · ${Math.round((100 * r.lattice.median) / (perCore * r.threads))}% of peak` : '';
    lines.push(`| ${r.id} ${r.workload} | ${r.case} | ${r.threads} | ${r.unit} | ${cell(r.lattice)}${share} | ${r.best?.name ?? '–'} | ` +
      `${cell(r.best)} | ${ratio} | ${v === 'Lattice behind' ? `**${v}**` : v ?? 'no ratio'} |`);
    if (v) count[v].push(`${r.id} ${r.case} ${r.threads}T (${sig(r.ratio.median)}x vs ${r.best?.name})`);
  }
  const rated = Object.values(count).reduce((n, xs) => n + xs.length, 0);
  lines.push('');
  lines.push(count['Lattice behind'].length
    ? `**Lattice behind** in ${count['Lattice behind'].length} of ${rated} rows: ${count['Lattice behind'].join('; ')}.`
    : `Lattice is behind the best peer in every round on none of the ${rated} rows.`);
  lines.push('');
  lines.push(count['Lattice ahead'].length
    ? `Lattice ahead in ${count['Lattice ahead'].length} of ${rated} rows: ${count['Lattice ahead'].join('; ')}. Level within spread: ${count['level (within spread)'].length}.`
    : `Lattice is ahead in every round on none of the ${rated} rows. Level within spread: ${count['level (within spread)'].length}.`);
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

// ---------- example and bench records (schema lattice-figures/1, bench/lib/record.ts) ----------

const RECORD_SCHEMA = 'lattice-figures/1';
/** Blocks this script fills from other inputs; every other figures block is a record's, or a bench run's. */
const OWN_BLOCKS = new Set(['main-job', 'bench']);
/** A block `bench-NAME` shows the bench run bench/results/NAME.json (a partial run saved with --out, e.g. W12). */
const BENCH_BLOCK = /^bench-(.+)$/;

/** The names of the README's figures blocks, in order. */
function blockNames(text) {
  return [...text.matchAll(/<!-- figures:([a-z0-9-]+) -->/g)].map((m) => m[1]);
}

function readRecord(dir, name) {
  const file = join(dir, `${name}.json`);
  if (!existsSync(file)) {
    throw new Error(`readme-figures: README.md has a <!-- figures:${name} --> block but its record ${relative(root, file)} does not exist; ` +
      `run the example or bench that writes it (its header names ${name}.json; bench/lib/record.ts writes it)`);
  }
  const record = JSON.parse(readFileSync(file, 'utf8'));
  if (record.schema !== RECORD_SCHEMA || record.name !== name || typeof record.markdown !== 'string') {
    throw new Error(`readme-figures: ${relative(root, file)} is not a ${RECORD_SCHEMA} record named '${name}' with its markdown (written by bench/lib/record.ts)`);
  }
  return { record, file };
}

/** The provenance line of a record, then its Markdown. */
function recordBlock(dir, name) {
  const { record: r, file } = readRecord(dir, name);
  const m = r.machine ?? {};
  const seconds = (x) => (typeof x === 'number' ? `${sig(x)} s` : '? s');
  // CPU ÷ wall says how much of a core a 1-thread run got; with more threads it says nothing alone.
  const share = r.threads === 1 && r.wallSeconds > 0 ? r.cpuSeconds / r.wallSeconds : null;
  const { loaded, text } = loadCaveat({ start: r.load?.start?.[0], end: r.load?.end?.[0], cores: m.cores, share, shareOf: 'the run', ownThreads: r.threads ?? 0 });
  const provenance = `\`${r.command}\`, run of ${r.date.slice(0, 10)} (\`${relative(root, file)}\`): ${m.cpu ?? 'unknown CPU'}, ${m.cores ?? '?'} cores, ` +
    `Node ${m.node ?? '?'}, ${m.backend ?? '?'} backend (${m.isa ?? '?'}), ${r.threads} thread${r.threads === 1 ? '' : 's'}; ` +
    `${seconds(r.wallSeconds)} wall, ${seconds(r.cpuSeconds)} CPU. ` +
    (loaded
      ? `**Made on a loaded machine** (${text}): other jobs shared the CPUs, so its times are longer than on a quiet machine.`
      : `The machine was quiet enough (${text}).`);
  return `${provenance}\n\n${r.markdown}`;
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
  after = replaceBlock(after, 'bench', benchBlock(benchFile));
  const benchRuns = blockNames(before).filter((n) => BENCH_BLOCK.test(n));
  for (const name of benchRuns) {
    const file = join(dirname(benchFile), `${name.match(BENCH_BLOCK)[1]}.json`);
    if (!existsSync(file)) throw new Error(`readme-figures: README.md has a <!-- figures:${name} --> block but ${relative(root, file)} does not exist; run \`npm run bench -- --only ... --out ${relative(root, file).replace(/\.json$/, '')}\``);
    after = replaceBlock(after, name, benchBlock(file));
  }
  const records = blockNames(before).filter((n) => !OWN_BLOCKS.has(n) && !BENCH_BLOCK.test(n));
  for (const name of records) after = replaceBlock(after, name, recordBlock(args.figures, name));
  console.log(`readme-figures: bench ${relative(root, benchFile)}, run ${relative(root, runDir)}, records: ${records.join(', ') || 'none'}`);
  // A record the README does not show is not an error (a new script may not have its section yet), but say so.
  const unused = existsSync(args.figures)
    ? readdirSync(args.figures).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).filter((n) => !records.includes(n))
    : [];
  if (unused.length) console.log(`readme-figures: records with no block in README.md: ${unused.join(', ')} (add <!-- figures:NAME --><!-- /figures:NAME --> where they belong)`);
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

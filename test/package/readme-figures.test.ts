// scripts/readme-figures.mjs writes the README's figures from a bench results JSON (schema
// lattice-bench/2) and an `npm start` run's metrics.jsonl summary, between marker comments, and
// --check catches a README whose figures were edited by hand. The examples' and benches' records
// (bench/lib/record.ts, schema lattice-figures/1) fill the other blocks, each under its provenance line.
// Runs on small inline fixtures in a temp folder.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../src/index';
import { TRAIN_DEFAULTS, trainCommand } from '../../src/cli/train';
import { verdict } from '../../bench/lib/verdict.mjs';
import { startRecord } from '../../bench/lib/record';

const script = join(__dirname, '..', '..', 'scripts', 'readme-figures.mjs');

type Stat = { median: number; min: number; max: number; spread: number; values: number[]; cpu_wall: number; flags: string[] };
const stat = (median: number, min = median, max = median, cpuWall = 1, flags: string[] = []): Stat =>
  ({ median, min, max, spread: (max - min) / median, values: [min, median, max], cpu_wall: cpuWall, flags });

/** A small lattice-bench/2 run: one row per verdict, on a machine as loaded as `load` says. */
function benchV2(load: { start: number[]; end: number[] }, cpuWall: number, peak: object | null) {
  const best = (peer: string, name: string, s: Stat) => ({ peer, name, ...s });
  return {
    schema: 'lattice-bench/2',
    meta: {
      date: '2026-12-06', mode: 'full', rounds: 3, duration_s: 1069.2, machine: { cpu: 'Test CPU', cores: 2, node: 'v20.0.0' }, load, peak,
      peers: [
        { id: 'tensorflow', threads: 1, name: 'tensorflow-2.21', available: true },
        { id: 'pytorch2', threads: 1, name: 'pytorch-2.13', available: true },
        { id: 'pytorch2', threads: 2, name: 'pytorch-2.13', available: true },
        { id: 'tfjs-node', threads: 1, name: 'tfjs-node', available: false, reason: 'not set up' },
      ],
      missing: [], errors: [],
    },
    rows: [
      { workload: 'cnn', id: 'W3', case: 'step', threads: 1, unit: 'ms', better: 'lower', lattice: stat(41.4, 40.9, 44.8, cpuWall),
        peers: { tensorflow: stat(27.6, 25.9, 32.1, cpuWall) }, best: best('tensorflow', 'tensorflow-2.21', stat(27.6, 25.9, 32.1, cpuWall)),
        ratio: { median: 0.67, min: 0.63, max: 0.72 }, lattice_behind: true, flags: [], malloc: [] },
      { workload: 'gemm', id: 'W1', case: '1024x1024x1024', threads: 2, unit: 'GFLOP/s', better: 'higher', lattice: stat(62, 61.6, 68.4, 1.8),
        peers: { pytorch2: stat(65.4, 51.6, 66.4, 1.9, ['spread 23%']) }, best: best('pytorch2', 'pytorch-2.13', stat(65.4, 51.6, 66.4, 1.9, ['spread 23%'])),
        ratio: { median: 0.95, min: 0.9, max: 1.19 }, lattice_behind: true, flags: [], malloc: [] },
      { workload: 'overhead', id: 'W9', case: 'add_8', threads: 1, unit: 'µs', better: 'lower', lattice: stat(0.47, 0.46, 0.57, cpuWall),
        peers: { pytorch2: stat(1.3, 1.25, 2.14, cpuWall) }, best: best('pytorch2', 'pytorch-2.13', stat(1.3, 1.25, 2.14, cpuWall)),
        ratio: { median: 2.69, min: 2.29, max: 4.52 }, lattice_behind: false, flags: [], malloc: [] },
    ],
  };
}

const LOADED = { start: [11.22, 11.7, 13.9], end: [9.39, 10.5, 11.4] };
const PEAK = { isa: 'avx2', per_core_gflops: 116.8, check: 'pass' };

function fixture(bench: object = benchV2(LOADED, 0.54, PEAK), extraBlocks = '') {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-figures-'));
  const figures = join(dir, 'figures');
  mkdirSync(figures);
  const benchFile = join(dir, 'latest.json');
  writeFileSync(benchFile, JSON.stringify(bench));
  const run = join(dir, 'runs', '2026-12-01T10-00-00-000Z');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'metrics.jsonl'), [
    JSON.stringify({ type: 'epoch', epoch: 1, valAccuracy: 0.9 }),
    JSON.stringify({ type: 'summary', model: 'cnn', epochs: 2, batchSize: 128, seed: 0, testAccuracy: 0.9071, testLoss: 0.26, seconds: 75.14, parameters: 421642, cpu: "Test CPU", cores: 2, loadAverage: 5.5, backend: 'native', isa: 'avx512', threads: 2 }),
  ].join('\n') + '\n');
  const readme = join(dir, 'README.md');
  writeFileSync(readme, `# T\n\n<!-- figures:main-job -->\nold\n<!-- /figures:main-job -->\n\ntext\n\n<!-- figures:bench -->\n<!-- /figures:bench -->\n${extraBlocks}\nend\n`);
  const runScript = (...extra: string[]) => spawnSync(process.execPath, [script, '--bench', benchFile, '--run', run, '--readme', readme, '--figures', figures, ...extra], { encoding: 'utf8' });
  return { readme, runScript, figures };
}

describe('scripts/readme-figures.mjs', () => {
  it('writes the main-job headline and the bench table (best peer per row, ratio min-max, verdict) between the markers, and nothing else', () => {
    const { readme, runScript } = fixture();
    const r = runScript();
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(readme, 'utf8');
    expect(text).toContain('**90.71% test accuracy in 75.1 s**');
    expect(text).toContain('421,642 parameters');
    expect(text).toContain('(Test CPU, 2 cores, avx512, 2 threads)');
    expect(text).toContain('The 1-minute load average was 5.5 on 2 cores when it finished, so the time is longer than on an idle machine.');
    expect(text).not.toContain('\nold\n');
    expect(text).toContain('Full run of 2026-12-06 (`');
    expect(text).toContain('Test CPU, 2 cores, Node v20.0.0, 3 interleaved rounds, 1069 s. Peers: tensorflow-2.21, pytorch-2.13.');
    expect(text).toContain('| W3 cnn | step | 1 | ms | 41.4 (40.9–44.8) | tensorflow-2.21 | 27.6 (25.9–32.1) | 0.67x (0.63–0.72) | **Lattice behind** |');
    // behind by the median but not in every round: level; a flagged peer figure carries ⚠; W1 gives the share of peak × threads
    expect(text).toContain('| W1 gemm | 1024x1024x1024 | 2 | GFLOP/s | 62.0 (61.6–68.4) · 27% of peak | pytorch-2.13 | 65.4 (51.6–66.4) ⚠ | 0.95x (0.90–1.19) | level (within spread) |');
    expect(text).toContain('| W9 overhead | add_8 | 1 | µs | 0.47 (0.46–0.57) | pytorch-2.13 | 1.30 (1.25–2.14) | 2.69x (2.29–4.52) | Lattice ahead |');
    expect(text).toContain('**Lattice behind** in 1 of 3 rows: W3 step 1T (0.67x vs tensorflow-2.21).');
    expect(text).toContain('Lattice ahead in 1 of 3 rows: W9 add_8 1T (2.69x vs pytorch-2.13). Level within spread: 1.');
    expect(text).toContain('Checked fp32 peak (bench/probe/fma.c, every lane checked against its closed form: pass): 117 GFLOP/s per core-second (avx2)');
    // the load caveat comes from the run's meta (load averages) and its rows (CPU ÷ wall), not from the script
    expect(text).toContain('**This run was made on a loaded machine** (1-minute load average 11.2 at the start and 9.39 at the end on 2 cores; ' +
      'the median 1-thread run got 0.54 of a core, CPU time ÷ wall time)');
    expect(text).not.toMatch(/1\.13|PyTorch 1/);
    expect(text.startsWith('# T\n\n<!-- figures:main-job -->\n')).toBe(true);
    expect(text.endsWith('<!-- /figures:bench -->\n\nend\n')).toBe(true);
    expect(runScript('--check').status).toBe(0);
  });

  it('says the machine was quiet when the meta and the rows say so, and when the run has no checked peak', () => {
    const { readme, runScript } = fixture(benchV2({ start: [0.4, 0.3, 0.2], end: [0.6, 0.4, 0.3] }, 0.99, null));
    const r = runScript();
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(readme, 'utf8');
    expect(text).toContain('The machine was quiet enough (1-minute load average 0.40 at the start and 0.60 at the end on 2 cores; the median 1-thread run got 0.99 of a core, CPU time ÷ wall time).');
    expect(text).not.toContain('loaded machine');
    expect(text).toContain('This run has no checked fp32 peak');
    expect(text).not.toContain('% of peak');
  });

  it('--check fails on a hand-edited figure; a README without markers and an older bench schema are refused', () => {
    const { readme, runScript } = fixture();
    runScript();
    writeFileSync(readme, readFileSync(readme, 'utf8').replace('0.67x (0.63–0.72)', '1.80x (0.63–0.72)'));
    const check = runScript('--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toMatch(/README\.md differs from what the inputs give/);
    writeFileSync(readme, '# no markers\n');
    const refused = runScript();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/has no <!-- figures:main-job --> \.\.\. <!-- \/figures:main-job --> block/);
    const old = fixture({ date: '2026-11-27', runs: [{ peer: 'pytorch', version: '1.13.0', workload: 'gemm', results: [] }] });
    const r = old.runScript();
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/has schema null, expected 'lattice-bench\/2'/);
  });

  it('the verdict is the bench\'s own: bench/lib/verdict.mjs gives the verdict column of bench/results/latest.md for every row of latest.json', () => {
    expect(verdict({ lattice_behind: true, ratio: { median: 0.9, min: 0.8, max: 0.99 } })).toBe('Lattice behind');
    expect(verdict({ lattice_behind: true, ratio: { median: 0.9, min: 0.8, max: 1 } })).toBe('level (within spread)');
    expect(verdict({ lattice_behind: false, ratio: { median: 1.2, min: 1, max: 1.3 } })).toBe('level (within spread)');
    expect(verdict({ lattice_behind: false, ratio: { median: 1.2, min: 1.01, max: 1.3 } })).toBe('Lattice ahead');
    expect(verdict({ lattice_behind: null, ratio: null })).toBeNull();
    const results = join(__dirname, '..', '..', 'bench', 'results');
    const latest = JSON.parse(readFileSync(join(results, 'latest.json'), 'utf8')) as { rows: Parameters<typeof verdict>[0][] };
    const md = readFileSync(join(results, 'latest.md'), 'utf8');
    const table = md.slice(md.indexOf('## Lattice against the best peer'), md.indexOf('## Every peer'));
    const column = table.split('\n').filter((l) => /^\| W\d/.test(l)).map((l) => l.split(' | ').pop()!.replace(/ \|$/, '').replace(/\*\*/g, '').trim());
    expect(column.length).toBe(latest.rows.length);
    expect(latest.rows.map((r) => verdict(r) ?? '')).toEqual(column);
  });

  it('fills a bench-NAME block from the partial run bench/results/NAME.json beside the bench file, named by its workloads, and refuses a missing one', () => {
    const { readme, runScript } = fixture(undefined, '\n<!-- figures:bench-part -->\n<!-- /figures:bench-part -->\n');
    const part = benchV2({ start: [0.4, 0.3, 0.2], end: [0.6, 0.4, 0.3] }, 0.99, PEAK);
    (part.meta as Record<string, unknown>).only = ['convlayers'];
    part.rows = [{ ...part.rows[2], workload: 'convlayers', id: 'W12', case: 'l2a 3x3/2 64>128 @16 forward' }];
    const partFile = join(readme, '..', 'part.json');
    const missing = runScript();
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/<!-- figures:bench-part --> block but .*part\.json does not exist/);
    writeFileSync(partFile, JSON.stringify(part));
    const r = runScript();
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(readme, 'utf8');
    const block = text.slice(text.indexOf('<!-- figures:bench-part -->'), text.indexOf('<!-- /figures:bench-part -->'));
    expect(block).toContain('A run of W12 only (`--only convlayers`) of 2026-12-06');
    expect(block).toContain('| W12 convlayers | l2a 3x3/2 64>128 @16 forward | 1 | µs |');
    expect(block).toContain('The machine was quiet enough');
    // the full run's block is still the full run's
    expect(text.slice(0, text.indexOf('<!-- /figures:bench -->'))).toContain('Full run of 2026-12-06');
    expect(runScript('--check').status).toBe(0);
  });

  it('fills a block per record under its provenance line, says when the run shared its CPUs, and refuses a block without its record', () => {
    const blocks = '\n<!-- figures:demo -->\nhand-typed 42\n<!-- /figures:demo -->\n\n<!-- figures:busy -->\n<!-- /figures:busy -->\n';
    const { readme, runScript, figures } = fixture(undefined, blocks);
    const record = (name: string, cpuSeconds: number, load: number[]) => writeFileSync(join(figures, `${name}.json`), JSON.stringify({
      schema: 'lattice-figures/1', name, command: `LATTICE_NUM_THREADS=1 npx tsx examples/${name}.ts`, date: '2026-12-06T23:00:00.000Z',
      machine: { cpu: 'Test CPU', cores: 2, node: 'v20.0.0', backend: 'native', isa: 'avx512' }, threads: 1,
      load: { start: load, end: load }, cpuSeconds, wallSeconds: 100, figures: { x: 1 }, markdown: `| a | b |\n| --- | --- |\n| ${name} | 1 |`,
    }));
    record('demo', 97, [0.3, 0.3, 0.3]);
    const missing = runScript();
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/has a <!-- figures:busy --> block but its record .*busy\.json does not exist/);
    record('busy', 31, [6, 5, 4]);
    record('unshown', 50, [1, 1, 1]);
    const r = runScript();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('records with no block in README.md: unshown');
    const text = readFileSync(readme, 'utf8');
    expect(text).not.toContain('hand-typed 42');
    expect(text).toContain('<!-- figures:demo -->\n`LATTICE_NUM_THREADS=1 npx tsx examples/demo.ts`, run of 2026-12-06 (`');
    expect(text).toContain('): Test CPU, 2 cores, Node v20.0.0, native backend (avx512), 1 thread; 100 s wall, 97.0 s CPU. ' +
      'The machine was quiet enough (1-minute load average 0.30 at the start and 0.30 at the end on 2 cores; the run got 0.97 of a core, CPU time ÷ wall time).\n\n| a | b |\n| --- | --- |\n| demo | 1 |\n<!-- /figures:demo -->');
    expect(text).toContain('31.0 s CPU. **Made on a loaded machine** (1-minute load average 6.00 at the start and 6.00 at the end on 2 cores; the run got 0.31 of a core');
    expect(runScript('--check').status).toBe(0);
    writeFileSync(readme, text.replace('| demo | 1 |', '| demo | 2 |'));
    expect(runScript('--check').status).toBe(1);
  });

  it('bench/lib/record.ts writes the record the script reads: command, clocks, load, machine, figures and Markdown', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-record-'));
    const before = process.env.LATTICE_FIGURES_DIR;
    process.env.LATTICE_FIGURES_DIR = dir;
    try {
      const run = startRecord('unit-test');
      let x = 0;
      for (let i = 0; i < 1e6; i++) x += Math.sqrt(i);
      const file = run.save({ x }, '| a |\n| --- |\n| 1 |\n');
      expect(file).toBe(join(dir, 'unit-test.json'));
      const r = JSON.parse(readFileSync(file, 'utf8'));
      expect(r).toMatchObject({ schema: 'lattice-figures/1', name: 'unit-test', figures: { x }, markdown: '| a |\n| --- |\n| 1 |', machine: { backend: 'native' } });
      expect(r.command).toMatch(/^(LATTICE_NUM_THREADS=\S+ )?npx tsx /);
      expect(Number.isNaN(Date.parse(r.date))).toBe(false);
      expect(r.load.start).toHaveLength(3);
      expect(r.load.end).toHaveLength(3);
      expect(r.cpuSeconds).toBeGreaterThan(0);
      expect(r.wallSeconds).toBeGreaterThan(0);
      expect(r.threads).toBeGreaterThan(0);
      expect(r.machine.cores).toBeGreaterThan(0);
    } finally {
      if (before === undefined) delete process.env.LATTICE_FIGURES_DIR; else process.env.LATTICE_FIGURES_DIR = before;
    }
    expect(() => startRecord('Bad Name')).toThrow(/must be lowercase letters, digits and '-'/);
  });

  it('lattice train ends metrics.jsonl with the summary record the script reads', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lattice-summary-')), 'run');
    const summary = await trainCommand({ ...TRAIN_DEFAULTS, model: 'mlp', epochs: 1, trainLimit: 256, testLimit: 100, out, progress: false }, () => {});
    const last = JSON.parse(readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').pop()!);
    expect(last).toMatchObject({ type: 'summary', model: 'mlp', epochs: 1, batchSize: 128, seed: 0, testAccuracy: summary.testAccuracy, seconds: summary.seconds, backend: 'native' });
    expect(last.parameters).toBeGreaterThan(0);
    expect(last.cores).toBeGreaterThan(0);
    expect(typeof last.loadAverage).toBe('number');
  });
});

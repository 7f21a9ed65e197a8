// scripts/readme-figures.mjs writes the README's figures from a bench results JSON and an
// `npm start` run's metrics.jsonl summary, between marker comments, and --check catches a README
// whose figures were edited by hand. Runs on small fixtures in a temp folder.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../src/index';
import { TRAIN_DEFAULTS, trainCommand } from '../../src/cli/train';

const script = join(__dirname, '..', '..', 'scripts', 'readme-figures.mjs');

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-figures-'));
  const bench = join(dir, 'bench.json');
  const gemm = (peer: string, threads: number, gflops: number) => ({
    peer, threads, workload: 'gemm', quick: false,
    results: [{ case: '1024x1024x1024', unit: 'ms', median: 2 * 1024 ** 3 / gflops / 1e6, gflops: { median: gflops } }],
  });
  writeFileSync(bench, JSON.stringify({
    date: '2026-12-01', machine: { cpu: 'Test CPU', cores: 2, node: 'v20.0.0' },
    runs: [
      gemm('lattice', 1, 180), gemm('pytorch', 1, 90), gemm('numpy', 1, 200), gemm('lattice', 2, 350), gemm('pytorch', 2, 175),
      { peer: 'lattice', threads: 1, workload: 'mlp', quick: false, results: [{ case: 'step', unit: 'ms', median: 1.5 }, { case: 'epoch', unit: 's', median: 0.8 }] },
      { peer: 'pytorch', version: '1.13.0', threads: 1, workload: 'mlp', quick: false, results: [{ case: 'step', unit: 'ms', median: 3 }, { case: 'epoch', unit: 's', median: 1.2 }] },
    ],
  }));
  const run = join(dir, 'runs', '2026-12-01T10-00-00-000Z');
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'metrics.jsonl'), [
    JSON.stringify({ type: 'epoch', epoch: 1, valAccuracy: 0.9 }),
    JSON.stringify({ type: 'summary', model: 'cnn', epochs: 2, batchSize: 128, seed: 0, testAccuracy: 0.9071, testLoss: 0.26, seconds: 75.14, parameters: 421642, cpu: "Test CPU", cores: 2, loadAverage: 5.5, backend: 'native', isa: 'avx512', threads: 2 }),
  ].join('\n') + '\n');
  const readme = join(dir, 'README.md');
  writeFileSync(readme, '# T\n\n<!-- figures:main-job -->\nold\n<!-- /figures:main-job -->\n\ntext\n\n<!-- figures:bench -->\n<!-- /figures:bench -->\n\nend\n');
  const runScript = (...extra: string[]) => spawnSync(process.execPath, [script, '--bench', bench, '--run', run, '--readme', readme, ...extra], { encoding: 'utf8' });
  return { readme, runScript };
}

describe('scripts/readme-figures.mjs', () => {
  it('writes the main-job headline and the bench table between the markers, and nothing else', () => {
    const { readme, runScript } = fixture();
    const r = runScript();
    expect(r.status, r.stderr).toBe(0);
    const text = readFileSync(readme, 'utf8');
    expect(text).toContain('**90.71% test accuracy in 75.1 s**');
    expect(text).toContain('421,642 parameters');
    expect(text).toContain('(Test CPU, 2 cores, avx512, 2 threads)');
    expect(text).toContain('The 1-minute load average was 5.5 on 2 cores when it finished, so the time is longer than on an idle machine.');
    expect(text).not.toContain('\nold\n');
    expect(text).toMatch(/\| W1 SGEMM 1024³ \(GFLOP\/s\) \| 1 \/ 2 \| 180 \/ 350 \| 90\.0 \/ 175 \| 200 \/ – \| 2\.0x \/ 2\.0x \|/);
    expect(text).toMatch(/\| W2 MLP step \/ epoch \| 1 \| 1\.50 ms \/ 0\.80 s \| 3\.00 ms \/ 1\.20 s \|  \| 2\.0x \/ 1\.5x \|/);
    expect(text).toContain('Run of 2026-12-01');
    expect(text.startsWith('# T\n\n<!-- figures:main-job -->\n')).toBe(true);
    expect(text.endsWith('<!-- /figures:bench -->\n\nend\n')).toBe(true);
    expect(runScript('--check').status).toBe(0);
  });

  it('--check fails on a hand-edited figure; a README without markers is refused', () => {
    const { readme, runScript } = fixture();
    runScript();
    writeFileSync(readme, readFileSync(readme, 'utf8').replace('90.71%', '91.0%'));
    const check = runScript('--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toMatch(/README\.md differs from what the inputs give/);
    writeFileSync(readme, '# no markers\n');
    const refused = runScript();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/has no <!-- figures:main-job --> \.\.\. <!-- \/figures:main-job --> block/);
  });

  it('reads the bench schema lattice-bench/2 (rows with the best peer and per-round ratios)', () => {
    const { readme, runScript } = fixture();
    const v2 = join(mkdtempSync(join(tmpdir(), 'lattice-figures-v2-')), 'latest.json');
    const stat = (median: number) => ({ median, min: median, max: median, spread: 0, values: [median] });
    writeFileSync(v2, JSON.stringify({
      schema: 'lattice-bench/2',
      meta: { date: '2026-12-06', mode: 'full', rounds: 3, machine: { cpu: 'Test CPU', cores: 2, node: 'v20.0.0' }, load: { start: [1.5, 1, 1], end: [2.5, 1, 1] },
        peak: { isa: 'avx512', per_core_gflops: 115 }, peers: [{ id: 'pytorch2', threads: 1, name: 'pytorch-2.13', available: true }, { id: 'tf', threads: 1, name: 'tensorflow', available: false }] },
      rows: [
        { workload: 'gemm', id: 'W1', case: '1024x1024x1024', threads: 1, unit: 'GFLOP/s', better: 'higher', lattice: stat(110), best: { peer: 'pytorch2', name: 'pytorch-2.13', ...stat(100) }, ratio: { median: 1.1 }, lattice_behind: false },
        { workload: 'cnn', id: 'W3', case: 'step', threads: 2, unit: 'ms', better: 'lower', lattice: stat(13), best: { peer: 'pytorch2', name: 'pytorch-2.13', ...stat(11.7) }, ratio: { median: 0.9 }, lattice_behind: true },
      ],
    }));
    const r = runScript('--bench', v2); // a later --bench wins over the fixture's
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(readme, 'utf8')).toContain('| W1 gemm | 1024x1024x1024 | 1 | 110 GFLOP/s | pytorch-2.13 | 100 GFLOP/s | 1.10x |');
    const text = readFileSync(readme, 'utf8');
    expect(text).toContain('| W3 cnn | step | 2 | 13.0 ms | pytorch-2.13 | 11.7 ms | 0.90x |');
    expect(text).toContain('peers pytorch-2.13. Load average 1.50 at the start and 2.50 at the end. Measured fp32 peak: 115 GFLOP/s per core (avx512).');
    expect(text).toContain('Where a peer is ahead in this run: W3 step at 2 threads (pytorch-2.13: 0.90x).');
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

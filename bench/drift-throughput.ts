// Updates per second of every drift detector on a seeded Bernoulli(0.1) error
// stream (10^6 values; KSWIN, which runs a KS test per update, 10^5).
// Best of 5 runs after a warm-up; numbers depend on machine load. Run: npx tsx bench/drift-throughput.ts [--json out.json]
// Writes bench/results/figures/drift-throughput.json (the README's figures).
import { writeFileSync } from 'node:fs';
import { startRecord } from './lib/record';
import { createDetector, DETECTOR_NAMES, type DetectorName } from '../src/drift/index';
import { bernoulliStream } from './drift-delay';

const record = startRecord('drift-throughput');
const rows: { detector: string; updatesPerSecond: number; values: number }[] = [];
// ADWIN also with clock 1 (a cut check after every value): its worst case.
const cases: [DetectorName, object, string][] = DETECTOR_NAMES.map((n) => [n, {}, n]);
cases.splice(2, 0, ['ADWIN', { clock: 1 }, 'ADWIN (clock 1)']);
for (const [name, options, label] of cases) {
  const n = name === 'KSWIN' ? 100_000 : 1_000_000;
  const xs = Float64Array.from(bernoulliStream(3, n, 0.1));
  let best = Infinity, drifts = 0;
  for (let run = 0; run < 6; run++) {
    const d = createDetector(name, options);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) if (d.update(xs[i]).drift) drifts++;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (run > 0) best = Math.min(best, seconds);
  }
  rows.push({ detector: label, updatesPerSecond: n / best, values: n });
  // drifts is read so the loop cannot be dropped as dead code.
  if (drifts < 0) console.log(drifts);
}
const table = ['| detector | updates/s (best of 5) |', '| --- | --- |', ...rows.map((r) => `| ${r.detector} | ${(r.updatesPerSecond / 1e6).toFixed(2)} M |`)].join('\n');
console.log(table);
record.save(rows, table);
const i = process.argv.indexOf('--json');
if (i > 0) writeFileSync(process.argv[i + 1], JSON.stringify(rows, null, 2));

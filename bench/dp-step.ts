// DP-SGD step vs plain step on the W3 CNN (conv(1→32,3)-ReLU-maxpool2-conv(32→64,3)-ReLU-maxpool2-
// flatten-linear(1600→128)-ReLU-linear(128→10)), batch 256, Adam 1e-3, in one process: the two
// steps alternate rep by rep so machine load hits both alike. The DP step is privacy.makePrivate's
// step(): per-sample clipping (ghost or materialised norms, chosen per layer by measurement on the
// first batch), Gaussian noise, accounting.
//
//   LATTICE_NUM_THREADS=1 npx tsx bench/dp-step.ts [--reps R] [--batch B] [--mode auto|ghost|materialize] [--json out.json]
// Writes bench/results/figures/dp-step.json (the README's figures).
import { writeFileSync } from 'node:fs';
import { startRecord } from './lib/record';
import { crossEntropy, manualSeed, nn, optim, privacy, rand, randint, tidy, backendInfo } from '../src/index';
import { data } from '../src/index';

const record = startRecord('dp-step');
const argv = process.argv.slice(2);
const arg = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const reps = Number(arg('reps', '10'));
const batch = Number(arg('batch', '256'));
const mode = arg('mode', 'auto') as 'auto' | 'ghost' | 'materialize';

function cnnModel(): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(32, 64, 3), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(1600, 128), new nn.ReLU(), new nn.Linear(128, 10),
  );
}

manualSeed(0);
const x = rand([batch, 1, 28, 28]);
const y = randint(0, 10, [batch]);
const plainModel = cnnModel();
const plainOpt = new optim.Adam(plainModel.parameters(), { lr: 1e-3 });
const plainStep = (): void => tidy(() => {
  plainOpt.zeroGrad();
  crossEntropy(plainModel.call(x), y).backward();
  plainOpt.step();
});

manualSeed(0);
const dpModel = cnnModel();
const dataset = new data.TensorDataset(x, y);
const priv = privacy.makePrivate(dpModel, new optim.Adam(dpModel.parameters(), { lr: 1e-3 }), new data.DataLoader(dataset, { batchSize: batch }),
  { noiseMultiplier: 1.0, maxGradNorm: 1.0, normMode: mode });
const dpStep = (): void => { priv.step(x, y, (o, t) => crossEntropy(o, t)); };

// Warm-up (the DP optimizer measures its per-layer norm choice on its first batch).
for (let i = 0; i < 3; i++) { plainStep(); dpStep(); }
const plain: number[] = [], dp: number[] = [];
for (let r = 0; r < reps; r++) {
  let t = performance.now(); plainStep(); plain.push(performance.now() - t);
  t = performance.now(); dpStep(); dp.push(performance.now() - t);
}
const med = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)];
const modes = [...priv.optimizer.modes].map(([m, k]) => `${m.constructor.name}:${k}`).join(' ');
const result = {
  workload: 'W3 CNN DP-SGD step vs plain step', batch, reps, threads: backendInfo().threads, normMode: mode, chosen: modes,
  plainMs: { min: Math.min(...plain), median: med(plain), max: Math.max(...plain) },
  dpMs: { min: Math.min(...dp), median: med(dp), max: Math.max(...dp) },
  ratio: med(dp) / med(plain),
  /** Minima are the least disturbed by other load on a shared machine. */
  ratioOfMinima: Math.min(...dp) / Math.min(...plain),
};
console.log(JSON.stringify(result, null, 1));
console.log(`| W3 DP-SGD step (batch ${batch}, ${mode}: ${modes}) | plain ${result.plainMs.median.toFixed(1)} ms | DP ${result.dpMs.median.toFixed(1)} ms | ratio ${result.ratio.toFixed(2)}x (minima ${result.ratioOfMinima.toFixed(2)}x) |`);
const out = arg('json', '');
if (out) writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
const ms = (s: { median: number; min: number; max: number }): string => `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
record.save(result, [
  `Batch ${batch}, Adam, ${reps} alternating reps after 3 warm-up steps; norms chosen per layer (${mode}): ${modes}.`,
  '',
  '| step | ms, median (min–max) |',
  '| --- | --- |',
  `| plain | ${ms(result.plainMs)} |`,
  `| DP-SGD | ${ms(result.dpMs)} |`,
  `| **DP ÷ plain** | **${result.ratio.toFixed(2)}x** of the medians, ${result.ratioOfMinima.toFixed(2)}x of the minima |`,
].join('\n'));

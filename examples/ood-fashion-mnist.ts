// Out-of-distribution detection on Fashion-MNIST: train on classes 0-7, then ask whether each test
// input comes from those classes, with four scores side by side.
//
// In distribution: the test images of classes 0-7. OOD sets: (1) the held-out classes 8-9 (Bag,
// Ankle boot), a near-OOD split made with data.holdOutClasses; (2) the 0-7 test images rotated by 90°;
// (3) the 0-7 test images inverted (1 - x). (No MNIST digits are available offline here.)
// The model: a 784-256-128-8 ReLU MLP, Adam, a few epochs. The scores (higher = in distribution):
// maximum softmax probability (the baseline), energy, ODIN (T = 1000, input perturbation eps) and
// Mahalanobis on the 128-d penultimate features with a tied covariance. Also the calibration of the
// in-distribution predictions: ECE over 15 bins and a reliability diagram in the report.
//
// Run: LATTICE_NUM_THREADS=1 npx tsx examples/ood-fashion-mnist.ts [--epochs 3] [--seed 0] [--eps 0.002] [--out runs/ood-fashion-mnist]
// Writes <out>/report.html and bench/results/figures/ood-fashion-mnist.json (the README's figures).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  PhiloxStream, crossEntropy, data, manualSeed, nn, noGrad, ood, optim, tensor, tidy, train, type Tensor,
} from '../src/index';
import { startRecord } from '../bench/lib/record';

export interface OodExampleOptions {
  epochs?: number;
  seed?: number;
  /** ODIN's input perturbation (default 0.002). */
  epsilon?: number;
  log?: (line: string) => void;
}

export type ScoreName = 'MSP' | 'energy' | 'ODIN' | 'Mahalanobis';
export const SCORE_NAMES: readonly ScoreName[] = ['MSP', 'energy', 'ODIN', 'Mahalanobis'];

export interface OodExampleResult {
  testAccuracy: number;
  calibration: ood.CalibrationReport;
  /** Per OOD set, per score. */
  metrics: Record<string, Record<ScoreName, ood.OodReport>>;
  seconds: number;
}

function take(x: Tensor, idx: Int32Array): Tensor {
  return x.indexSelect(0, tensor(idx));
}

/**
 * Trains the 8-class model and evaluates the four scores on the three OOD sets.
 * @example `const { metrics } = runOodExample({ epochs: 3 }); metrics['classes 8-9'].energy.auroc`
 */
export function runOodExample(opts: OodExampleOptions = {}): OodExampleResult {
  const started = performance.now();
  const epochs = opts.epochs ?? 3, seed = opts.seed ?? 0, epsilon = opts.epsilon ?? 0.002;
  const log = opts.log ?? (() => {});
  manualSeed(seed);
  const fm = data.loadFashionMnist();
  const trainSplit = data.holdOutClasses(fm.train.labels, [8, 9]);
  const testSplit = data.holdOutClasses(fm.test.labels, [8, 9]);
  const xTrain = take(fm.train.images, trainSplit.kept), yTrain = take(fm.train.labels, trainSplit.kept);
  const xIn = take(fm.test.images, testSplit.kept), yIn = take(fm.test.labels, testSplit.kept);
  const oodSets: Record<string, Tensor> = {
    'classes 8-9': take(fm.test.images, testSplit.heldOut),
    'rotated 90°': data.hflip(xIn.transpose(2, 3)),
    'inverted': noGrad(() => xIn.neg().add(1)),
  };

  const body = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 128), new nn.ReLU());
  const head = new nn.Linear(128, 8);
  const model = new nn.Sequential(body, head);
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const n = xTrain.shape[0], batch = 128;
  const shuffler = new PhiloxStream(seed + 1);
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = data.randomSplit(new data.TensorDataset(yTrain), [n], { generator: shuffler })[0].indices;
    let lossSum = 0, steps = 0;
    for (let at = 0; at + batch <= n; at += batch) {
      lossSum += tidy(() => {
        const idx = order.subarray(at, at + batch);
        optimizer.zeroGrad();
        const loss = crossEntropy(model.call(take(xTrain, idx)), take(yTrain, idx));
        loss.backward();
        optimizer.step();
        return loss.item();
      });
      steps++;
    }
    log(`epoch ${epoch + 1}: train loss ${(lossSum / steps).toFixed(4)}`);
  }
  model.eval();

  // Logits and features in chunks, without the graph.
  const chunked = (x: Tensor, fn: (xb: Tensor) => Tensor): Float64Array => {
    const parts: Float64Array[] = [];
    for (let i = 0; i < x.shape[0]; i += 1000) {
      tidy(() => { parts.push(Float64Array.from(fn(x.narrow(0, i, Math.min(1000, x.shape[0] - i))).values)); });
    }
    const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const features = (x: Tensor): Tensor => {
    const f = chunked(x, (xb) => noGrad(() => body.call(xb)));
    return tensor(f, { dtype: 'float64' }).reshape([x.shape[0], 128]).to('float32');
  };
  const mahalanobis = new ood.MahalanobisDetector().fit(features(xTrain), yTrain);
  const scoresOf = (x: Tensor): Record<ScoreName, Float64Array> => ({
    MSP: chunked(x, (xb) => ood.mspScore(noGrad(() => model.call(xb)))),
    energy: chunked(x, (xb) => ood.energyScore(noGrad(() => model.call(xb)))),
    ODIN: chunked(x, (xb) => ood.odinScore((v) => model.call(v), xb, { temperature: 1000, epsilon })),
    Mahalanobis: Float64Array.from(mahalanobis.score(features(x)).values),
  });

  const inScores = scoresOf(xIn);
  const predicted = chunked(xIn, (xb) => noGrad(() => model.call(xb).argmax(1)));
  const correct: number[] = Array.from(predicted, (p, i) => (p === yIn.values[i] ? 1 : 0));
  const testAccuracy = correct.reduce((s, c) => s + c, 0) / correct.length;
  const calibration = ood.expectedCalibrationError(inScores.MSP, correct, { bins: 15 });
  log(`test accuracy on classes 0-7: ${(100 * testAccuracy).toFixed(2)}%, ECE ${(100 * calibration.ece).toFixed(2)}%`);
  const metrics: OodExampleResult['metrics'] = {};
  for (const [name, x] of Object.entries(oodSets)) {
    const outScores = scoresOf(x);
    metrics[name] = Object.fromEntries(SCORE_NAMES.map((s) => [s, ood.detectionMetrics(inScores[s], outScores[s])])) as Record<ScoreName, ood.OodReport>;
  }
  return { testAccuracy, calibration, metrics, seconds: (performance.now() - started) / 1000 };
}

/** The Markdown table of one OOD set. */
export function oodTable(set: string, rows: Record<ScoreName, ood.OodReport>): string {
  const pct = (v: number): string => (100 * v).toFixed(1);
  const msp = rows.MSP.auroc;
  return [`OOD set: ${set}`, '| score | AUROC % | vs MSP (points) | AUPR-In % | AUPR-Out % | FPR@95TPR % |', '| --- | --- | --- | --- | --- | --- |',
    ...SCORE_NAMES.map((s) => { const r = rows[s]; return `| ${s} | ${pct(r.auroc)} | ${s === 'MSP' ? '—' : `${r.auroc >= msp ? '+' : ''}${(100 * (r.auroc - msp)).toFixed(1)}`} | ${pct(r.auprIn)} | ${pct(r.auprOut)} | ${pct(r.fpr95)} |`; })].join('\n');
}

function reliabilitySpec(cal: ood.CalibrationReport): Record<string, unknown> {
  const bins = cal.bins.filter((b) => b.count > 0).map((b) => ({ mid: (b.lower + b.upper) / 2, accuracy: b.accuracy, confidence: b.confidence, count: b.count }));
  return {
    width: 320, height: 320,
    layer: [
      { data: { values: bins }, mark: { type: 'bar', opacity: 0.8 }, encoding: { x: { field: 'mid', type: 'quantitative', bin: { step: 1 / 15, extent: [0, 1] }, title: 'confidence (max softmax)' }, y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, title: 'accuracy in bin' } } },
      { data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }, mark: { type: 'line', color: 'gray', strokeDash: [4, 4] }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
    ],
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const arg = (name: string, fallback: string): string => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : fallback; };
  const out = arg('out', 'runs/ood-fashion-mnist');
  const record = startRecord('ood-fashion-mnist');
  const epochs = Number(arg('epochs', '3')), epsilon = Number(arg('eps', '0.002'));
  const r = runOodExample({ epochs, seed: Number(arg('seed', '0')), epsilon, log: console.log });
  const tables = Object.entries(r.metrics).map(([set, rows]) => oodTable(set, rows));
  console.log(`\n${tables.join('\n\n')}\n\nECE (15 bins) of the in-distribution predictions: ${(100 * r.calibration.ece).toFixed(2)}%, MCE ${(100 * r.calibration.mce).toFixed(2)}%`);
  console.log(`total ${r.seconds.toFixed(0)} s`);
  mkdirSync(out, { recursive: true });
  await train.writeReport(join(out, 'report.html'), {
    title: 'OOD detection: Fashion-MNIST 0-7 vs held-out classes, rotations, inversions', steps: [], epochs: [],
    facts: [['test accuracy (0-7)', `${(100 * r.testAccuracy).toFixed(2)}%`], ['ECE (15 bins)', `${(100 * r.calibration.ece).toFixed(2)}%`], ['time', `${r.seconds.toFixed(0)} s`]],
    notes: tables.map((t, i) => [Object.keys(r.metrics)[i], t] as [string, string]),
    extraCharts: [['Reliability diagram (in-distribution test set)', reliabilitySpec(r.calibration)]],
  });
  console.log(`report: ${join(out, 'report.html')}`);
  // The README's summary: AUROC % of every score on every OOD set.
  const sets = Object.keys(r.metrics);
  const label = (s: ScoreName): string => (s === 'ODIN' ? `ODIN (T 1000, ε ${epsilon})` : s);
  record.save({ epochs, epsilon, testAccuracy: r.testAccuracy, ece: r.calibration.ece, mce: r.calibration.mce, metrics: r.metrics }, [
    `The MLP trained on classes 0-7 for ${epochs} epochs reached ${(100 * r.testAccuracy).toFixed(1)}% test accuracy on them, ECE ${(100 * r.calibration.ece).toFixed(1)}% (15 bins). AUROC %:`,
    '',
    `| score | ${sets.join(' | ')} |`,
    `| --- | ${sets.map(() => '---').join(' | ')} |`,
    ...SCORE_NAMES.map((s) => `| ${label(s)} | ${sets.map((set) => (100 * r.metrics[set][s].auroc).toFixed(1)).join(' | ')} |`),
  ].join('\n'));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();

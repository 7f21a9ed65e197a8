// Concept drift on a Fashion-MNIST stream: a small CNN is trained on the first
// segment, then served on a stream that drifts (a gradual rotation, then an abrupt
// swap of two labels, then a return to the original data). Every detector of
// `drift` watches the per-sample error stream; the table gives each one's detection
// delays, false alarms on the stationary stretches, and the accuracy over the
// stream without adaptation and with it (DriftMonitor: reset the optimizer, then
// retrain on the labeled samples that arrived after the detection). Unlabeled shift
// tests (MMD and per-feature KS on the penultimate-layer embeddings) run alongside.
// Run: LATTICE_NUM_THREADS=1 npx tsx examples/drift-stream.ts [--out runs/drift-stream]
// Writes <out>/report.html (the stream with every detection marked, accuracy over the
// stream) and <out>/metrics.jsonl (every drift event), and bench/results/figures/drift-stream.json
// (the README's figures).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as L from '../src/index';
import { createDetector, DETECTOR_NAMES, type DetectorName } from '../src/drift/index';
import { DriftMonitor } from '../src/train/drift-monitor';
import { startRecord } from '../bench/lib/record';

const { nn, optim, data, train } = L;

export interface DriftStreamOptions {
  /** Training samples (the first segment's concept) and epochs. */
  trainSamples?: number;
  epochs?: number;
  /** Samples per stream segment (4 segments: stationary, rotation ramp, label swap, recovery). */
  segment?: number;
  /** Largest rotation of the ramp, degrees. */
  maxAngle?: number;
  /** The two classes whose labels are swapped. */
  swap?: [number, number];
  detectors?: DetectorName[];
  /** Samples served per prediction batch. */
  chunk?: number;
  /** DriftMonitor's retrain: labeled samples to wait for after a drift, and passes over them. */
  retrainAfter?: number;
  retrainEpochs?: number;
  /** Samples of the moving accuracy used for "recovered". */
  accuracyWindow?: number;
  /** Folder for report.html and metrics.jsonl (null: write nothing). */
  out?: string | null;
  seed?: number;
  log?: (line: string) => void;
}

export interface DetectorRow {
  detector: string;
  /** Delay (samples) from each change point to the first detection at or after it, null when none before the next change. */
  delays: { rotation: number | null; swap: number | null; recovery: number | null };
  /** Detections on the stationary stretches of the frozen model's error stream. */
  falseAlarms: number;
  /** Accuracy over the whole stream and on the swap segment, with adaptation driven by this detector. */
  adaptedAccuracy: number;
  adaptedSwapAccuracy: number;
  /** Samples after the swap until the moving accuracy is back within 5 points of its pre-swap level (null: not in the segment). */
  recovery: number | null;
  drifts: number;
}

export interface DriftStreamResult {
  rows: DetectorRow[];
  /** Unlabeled tests: delay to the rotation, and false alarms on the `unshiftedSamples` whose inputs match the reference. */
  shiftTests: { test: string; delays: { rotation: number | null; swap: null; recovery: null }; falseAlarms: number; unshiftedSamples: number }[];
  frozenAccuracy: number;
  frozenSwapAccuracy: number;
  segmentAccuracy: number[];
  stationarySamples: number;
  seconds: number;
}

/** The small CNN: `features` gives the penultimate 64-d embedding, `head` the 10 logits. */
function buildCnn() {
  const features = new nn.Sequential(
    new nn.Conv2d(1, 8, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(8, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(16 * 7 * 7, 64), new nn.ReLU(),
  );
  const head = new nn.Linear(64, 10);
  return { features, head, model: new nn.Sequential(features, head) };
}

/** Which of the four segments position i is in, and how the sample there is changed. */
function conditions(i: number, segment: number, maxAngle: number) {
  const s = Math.min(3, Math.floor(i / segment));
  const angle = s === 1 ? maxAngle * (i - segment) / segment : s === 2 ? maxAngle : 0;
  return { segment: s, angle, swapped: s === 2 };
}

export async function runDriftStream(opts: DriftStreamOptions = {}): Promise<DriftStreamResult> {
  const started = performance.now();
  const trainSamples = opts.trainSamples ?? 12_000, epochs = opts.epochs ?? 2, segment = opts.segment ?? 3000;
  const maxAngle = opts.maxAngle ?? 30, [ca, cb] = opts.swap ?? [1, 9], chunk = opts.chunk ?? 50;
  const names = opts.detectors ?? DETECTOR_NAMES, window = opts.accuracyWindow ?? 500;
  const log = opts.log ?? console.log;
  const out = opts.out === undefined ? 'runs/drift-stream' : opts.out;
  const total = 4 * segment;
  L.manualSeed(opts.seed ?? 0);

  const fm = data.loadFashionMnist();
  if (trainSamples + total > fm.train.images.shape[0]) throw new L.ArgumentError(`drift-stream: ${trainSamples} training + ${total} stream samples exceed the ${fm.train.images.shape[0]} available`);
  const trainX = fm.train.images.narrow(0, 0, trainSamples).contiguous(), trainY = fm.train.labels.narrow(0, 0, trainSamples).contiguous();
  const streamX = fm.train.images.narrow(0, trainSamples, total).contiguous(), streamY = fm.train.labels.narrow(0, trainSamples, total).contiguous();

  // 1. Train on the first concept.
  const { features, head, model } = buildCnn();
  const optimizer = new optim.Adam(model.parameters(), { lr: 2e-3 });
  const loader = new data.DataLoader(new data.TensorDataset(trainX, trainY), { batchSize: 64, shuffle: true, seed: opts.seed ?? 0 });
  await train.fit(model, { optimizer, loss: L.crossEntropy, trainData: loader, epochs });
  // The model has no buffers (no BatchNorm), so its parameters are its whole state.
  const trainedParams = model.parameters().map((p) => p.values.slice());
  const trainedOptimizer = optimizer.stateDict();
  log(`trained on ${trainSamples} samples for ${epochs} epochs (${((performance.now() - started) / 1000).toFixed(1)} s)`);

  /** The stream's chunk at [start, start + n): drifted images and labels. */
  const chunkAt = (start: number, n: number): [L.Tensor, L.Tensor] => {
    const x = streamX.narrow(0, start, n).contiguous();
    const angles = Array.from({ length: n }, (_, k) => conditions(start + k, segment, maxAngle).angle);
    const rotated = angles.some((a) => a !== 0) ? data.rotate(x, angles) : x;
    const labels = Int32Array.from(streamY.narrow(0, start, n).contiguous().values as Int32Array, (y, k) => {
      if (!conditions(start + k, segment, maxAngle).swapped) return y;
      return y === ca ? cb : y === cb ? ca : y;
    });
    return [rotated, L.Tensor.fromData(labels, [n], 'int32')];
  };

  // 2. The frozen model: its error stream (the same for every detector) and its embeddings.
  const frozenErrors = new Uint8Array(total);
  const frozenMonitor = new DriftMonitor({
    detectors: Object.fromEntries(names.map((n) => [n, createDetector(n)])),
    shiftTest: { referenceSize: 300, windowSize: 300, every: 250, numPermutations: 100, alpha: 0.01 },
    ...(out ? { logPath: join(out, 'metrics.jsonl') } : {}),
  });
  if (out) { mkdirSync(out, { recursive: true }); writeFileSync(join(out, 'metrics.jsonl'), ''); }
  const ksMonitor = new DriftMonitor({ detectors: createDetector('ADWIN'), shiftTest: { test: 'ks', referenceSize: 300, windowSize: 300, every: 250, alpha: 0.01 } });
  model.eval();
  for (let start = 0; start < total; start += chunk) {
    const n = Math.min(chunk, total - start);
    const [x, y] = chunkAt(start, n);
    L.tidy(() => L.noGrad(() => {
      const z = features.call(x);
      const pred = head.call(z).argmax(1);
      for (let k = 0; k < n; k++) frozenErrors[start + k] = pred.values[k] === y.values[k] ? 0 : 1;
      frozenMonitor.update(frozenErrors.subarray(start, start + n));
      frozenMonitor.observeEmbeddings(z);
      ksMonitor.observeEmbeddings(z);
    }));
  }
  const accuracy = (errors: ArrayLike<number>, from: number, to: number) => { let c = 0; for (let i = from; i < to; i++) c += 1 - errors[i]; return c / (to - from); };
  const segmentAccuracy = [0, 1, 2, 3].map((s) => accuracy(frozenErrors, s * segment, (s + 1) * segment));
  log(`frozen model accuracy per segment: ${segmentAccuracy.map((a) => a.toFixed(3)).join(' / ')}`);

  // Change points and the stationary stretches of the frozen stream: all of segment 0, and the
  // second halves of the swap and recovery segments (the data no longer change there).
  const changes = { rotation: segment, swap: 2 * segment, recovery: 3 * segment };
  const stationary: [number, number][] = [[0, segment], [2.5 * segment, 3 * segment], [3.5 * segment, 4 * segment]];
  const stationarySamples = stationary.reduce((s, [a, b]) => s + b - a, 0);
  const delaysOf = (positions: number[]) => {
    // Event positions count values seen, so the sample at 0-based index i has position i + 1.
    const first = (from: number, to: number) => { const p = positions.find((q) => q - 1 >= from && q - 1 < to); return p === undefined ? null : p - from; };
    return { rotation: first(changes.rotation, changes.swap), swap: first(changes.swap, changes.recovery), recovery: first(changes.recovery, total) };
  };
  const alarmsOf = (positions: number[]) => positions.filter((p) => stationary.some(([a, b]) => p - 1 >= a && p - 1 < b)).length;
  // The shift tests compare inputs with a fixed reference (the start of segment 0): the swap changes no
  // input, and the rotated stretch differs from the reference throughout, so only segment 0 and the
  // second half of the recovery segment (original data again) count for their false alarms.
  const unshifted: [number, number][] = [[0, segment], [3.5 * segment, 4 * segment]];
  const shiftTests = [frozenMonitor, ksMonitor].map((m, i) => {
    const at = m.events.filter((e) => e.kind === 'shift').map((e) => e.position);
    return {
      test: i === 0 ? 'MMD on embeddings (unlabeled)' : 'KS per feature on embeddings (unlabeled)',
      delays: { rotation: delaysOf(at).rotation, swap: null, recovery: null },
      falseAlarms: at.filter((p) => unshifted.some(([a, b]) => p - 1 >= a && p - 1 < b)).length,
      unshiftedSamples: unshifted.reduce((n, [a, b]) => n + b - a, 0),
    };
  });

  // 3. One adapted run per detector: DriftMonitor resets Adam and retrains on the samples after the detection.
  const rows: DetectorRow[] = [];
  const curves: { position: number; accuracy: number; run: string }[] = [];
  const movingAccuracy = (errors: ArrayLike<number>, run: string) => {
    let wrong = 0;
    for (let i = 0; i < total; i++) {
      wrong += errors[i];
      if (i >= window) wrong -= errors[i - window];
      if ((i + 1) % 100 === 0) curves.push({ position: i + 1, accuracy: 1 - wrong / Math.min(i + 1, window), run });
    }
  };
  movingAccuracy(frozenErrors, 'no adaptation');
  for (const name of names) {
    model.parameters().forEach((p, i) => { p.values.set(trainedParams[i]); p.storage.version++; });
    optimizer.loadStateDict(trainedOptimizer);
    const monitor = new DriftMonitor({
      detectors: { [name]: createDetector(name) }, policies: ['alert', 'resetOptimizer', 'retrain'],
      model, optimizer, loss: L.crossEntropy, windowSize: 1000, retrainAfter: opts.retrainAfter ?? 500, retrainEpochs: opts.retrainEpochs ?? 3, retrainBatchSize: 50,
    });
    const errors = new Uint8Array(total);
    for (let start = 0; start < total; start += chunk) {
      const n = Math.min(chunk, total - start);
      const [x, y] = chunkAt(start, n);
      model.eval();
      const pred = L.tidy(() => L.noGrad(() => model.call(x).argmax(1)));
      for (let k = 0; k < n; k++) errors[start + k] = pred.values[k] === y.values[k] ? 0 : 1;
      pred.dispose();
      monitor.update(errors.subarray(start, start + n));
      monitor.observe(x, y);  // the labels arrive after the prediction (prequential)
    }
    monitor.dispose();
    movingAccuracy(errors, `adapted (${name})`);
    // Recovered: the moving accuracy is back within 5 points of its level just before the swap.
    const before = accuracy(errors, changes.swap - window, changes.swap);
    let recovery: number | null = null;
    for (let i = changes.swap + window; i <= changes.recovery; i++) {
      if (accuracy(errors, i - window, i) >= before - 0.05) { recovery = i - changes.swap; break; }
    }
    const at = frozenMonitor.events.filter((e) => e.kind === 'drift' && e.detector === name).map((e) => e.position);
    rows.push({
      detector: name, delays: delaysOf(at), falseAlarms: alarmsOf(at),
      adaptedAccuracy: accuracy(errors, 0, total), adaptedSwapAccuracy: accuracy(errors, changes.swap, changes.recovery),
      recovery, drifts: monitor.events.filter((e) => e.kind === 'drift').length,
    });
    log(`${name}: ${monitor.events.filter((e) => e.kind === 'drift').length} drifts, adapted accuracy ${rows[rows.length - 1].adaptedAccuracy.toFixed(3)}`);
  }

  const result: DriftStreamResult = {
    rows, shiftTests, frozenAccuracy: accuracy(frozenErrors, 0, total), frozenSwapAccuracy: segmentAccuracy[2],
    segmentAccuracy, stationarySamples, seconds: (performance.now() - started) / 1000,
  };
  const table = formatTable(result, segment);
  log(table);
  if (out) {
    await frozenMonitor.writeReport(join(out, 'report.html'), {
      title: 'Concept drift on a Fashion-MNIST stream',
      facts: [
        ['stream', `${total} samples: stationary | rotation 0→${maxAngle}° | labels ${ca}↔${cb} swapped at ${maxAngle}° | original data`],
        ['model', `small CNN trained on ${trainSamples} samples, ${epochs} epochs`],
        ['frozen accuracy per segment', segmentAccuracy.map((a) => a.toFixed(3)).join(' / ')],
        ['time', `${result.seconds.toFixed(1)} s`],
      ],
      extraCharts: [['Moving accuracy (500 samples) with and without adaptation', {
        width: 640, height: 280, data: { values: curves }, mark: { type: 'line', strokeWidth: 1.2 },
        encoding: { x: { field: 'position', type: 'quantitative', title: 'stream position' }, y: { field: 'accuracy', type: 'quantitative', scale: { zero: false } }, color: { field: 'run', type: 'nominal', title: null } },
      }]],
    });
    writeFileSync(join(out, 'table.md'), table + '\n');
    writeFileSync(join(out, 'result.json'), JSON.stringify(result, null, 2));
  }
  frozenMonitor.dispose();
  ksMonitor.dispose();
  return result;
}

export function formatTable(r: DriftStreamResult, segment: number): string {
  const d = (v: number | null) => (v === null ? '—' : String(v));
  const lines = [
    `| detector | delay: rotation ramp (gradual) | delay: label swap | delay: recovery | false alarms (${r.stationarySamples} stationary) | accuracy, adapted | swap-segment accuracy, adapted | recovered after swap (samples) |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.rows.map((x) => `| ${x.detector} | ${d(x.delays.rotation)} | ${d(x.delays.swap)} | ${d(x.delays.recovery)} | ${x.falseAlarms} | ${x.adaptedAccuracy.toFixed(3)} | ${x.adaptedSwapAccuracy.toFixed(3)} | ${x.recovery === null ? `not within ${segment}` : x.recovery} |`),
    ...r.shiftTests.map((x) => `| ${x.test} | ${d(x.delays.rotation)} | n/a (inputs unchanged) | n/a | ${x.falseAlarms} (of ${x.unshiftedSamples} unshifted) | — | — | — |`),
    `| no adaptation | | | | | ${r.frozenAccuracy.toFixed(3)} | ${r.frozenSwapAccuracy.toFixed(3)} | — |`,
  ];
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : fallback; };
  const record = startRecord('drift-stream');
  const segment = Number(arg('--segment', '3000')), maxAngle = 30;
  const result = await runDriftStream({ out: arg('--out', 'runs/drift-stream'), trainSamples: Number(arg('--train', '12000')), epochs: Number(arg('--epochs', '2')), segment, maxAngle });
  // The angle the ramp had reached when each unlabeled test first fired.
  const angles = result.shiftTests.map((t) => (t.delays.rotation === null ? 'never' : `${((maxAngle * t.delays.rotation) / segment).toFixed(1)}°`));
  record.save(result, `The frozen model's accuracy per segment: ${result.segmentAccuracy.map((a) => a.toFixed(3)).join(' / ')}. ` +
    `The unlabeled tests on the embeddings fire when the rotation has reached ${angles[0]} (MMD) and ${angles[1]} (KS), before any label arrives.\n\n` +
    formatTable(result, segment));
}

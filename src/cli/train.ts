/** `lattice train`: trains a model on Fashion-MNIST and writes a run folder. */
import { existsSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { backendInfo, setNumThreads } from '../backend/index';
import { manualSeed } from '../backend/philox';
import { DataLoader, markLoaderOwned, releaseBatch } from '../data/loader';
import { tidy } from '../tensor/tidy';
import { Subset, TensorDataset } from '../data/dataset';
import { loadFashionMnist } from '../data/fashion-mnist';
import { randomCrop, randomHorizontalFlip } from '../data/augment';
import { ArgumentError } from '../errors';
import { crossEntropy } from '../losses/index';
import * as optim from '../optim/index';
import type { Tensor } from '../tensor/tensor';
import { GradientMonitor } from '../train/callbacks/gradient-monitor';
import { MetricsLogger } from '../train/callbacks/metrics-logger';
import { ProgressBar } from '../train/callbacks/progress';
import { WeightAveraging } from '../train/callbacks/weight-averaging';
import { saveCheckpoint } from '../train/checkpoint';
import { evaluate } from '../train/evaluate';
import { fit, NonFiniteError } from '../train/fit';
import { writeReport } from '../train/report';
import type { Batch, Callback, StepLogs, TrainContext } from '../train/types';
import { buildModel, MODEL_NAMES } from './models';
import { checkChoice, checkOutDir, checkPositiveInt, checkPositiveNumber, makeOutDir } from './validate';

export interface TrainOptions {
  model: string;
  epochs: number;
  batchSize: number;
  optimizer: 'adam' | 'adamw' | 'sgd';
  lr?: number;
  weightDecay?: number;
  clipGradNorm?: number;
  /** Batches whose gradients are summed per optimizer step (default 1). */
  accumulate?: number;
  /** Keep an EMA of the weights and buffers with this decay per step, and end with it (train.WeightAveraging). */
  ema?: number;
  augment: boolean;
  seed: number;
  out?: string;
  /** Use only the first N training / test examples (for quick runs and tests). */
  trainLimit?: number;
  testLimit?: number;
  threads?: number;
  dataDir?: string;
  progress: boolean;
}

export const TRAIN_DEFAULTS: TrainOptions = {
  model: 'cnn', epochs: 2, batchSize: 128, optimizer: 'adamw', augment: false, seed: 0, progress: true,
};

/** Every flag, before any side effect (banner, data load, run folder). */
function check(opts: TrainOptions): void {
  const cmd = 'lattice train';
  if (!(MODEL_NAMES as readonly string[]).includes(opts.model)) throw new ArgumentError(`${cmd}: unknown model '${opts.model}' (choose ${MODEL_NAMES.join(', ')})`);
  for (const [flag, v] of [['--epochs', opts.epochs], ['--batch-size', opts.batchSize], ['--train-limit', opts.trainLimit], ['--test-limit', opts.testLimit], ['--threads', opts.threads], ['--accumulate', opts.accumulate]] as const) checkPositiveInt(cmd, flag, v);
  checkChoice(cmd, '--optimizer', opts.optimizer, ['adam', 'adamw', 'sgd']);
  checkPositiveNumber(cmd, '--lr', opts.lr);
  checkPositiveNumber(cmd, '--clip-grad-norm', opts.clipGradNorm);
  if (opts.ema !== undefined && !(opts.ema > 0 && opts.ema < 1)) throw new ArgumentError(`${cmd}: --ema must be a decay in (0, 1), got ${opts.ema}`);
  if (opts.weightDecay !== undefined && !(Number.isFinite(opts.weightDecay) && opts.weightDecay >= 0)) throw new ArgumentError(`${cmd}: --weight-decay must be a non-negative number, got ${opts.weightDecay}`);
  if (!Number.isInteger(opts.seed)) throw new ArgumentError(`${cmd}: --seed must be an integer, got ${opts.seed}`);
  if (opts.dataDir !== undefined && !(existsSync(opts.dataDir) && statSync(opts.dataDir).isDirectory())) throw new ArgumentError(`${cmd}: --data-dir ${opts.dataDir} is not a folder`);
  if (opts.out !== undefined) checkOutDir(cmd, '--out', opts.out);
}

function firstN(n: number | undefined, total: number): Int32Array {
  return Int32Array.from({ length: Math.min(n ?? total, total) }, (_, i) => i);
}

/** Augments each training batch (flip and padded crop), drawing from the global Philox stream. */
async function* augmented(source: AsyncIterable<Batch>): AsyncGenerator<Batch> {
  for await (const batch of source) {
    const [x, y] = batch as [Tensor, Tensor];
    const out = markLoaderOwned(tidy(() => [randomCrop(randomHorizontalFlip(x), 28, { padding: 2 }), y] as Batch));
    releaseBatch(x);
    yield out;
  }
}

/** Records every step's logs for the report. */
class StepRecorder implements Callback {
  readonly steps: StepLogs[] = [];
  onBatchEnd(_ctx: TrainContext, logs: StepLogs): void {
    this.steps.push(logs);
  }
}

export interface TrainSummary {
  testAccuracy: number;
  testLoss: number;
  seconds: number;
  runDir: string;
  healthSummary: string;
}

/**
 * Runs the whole job; returns the figures it printed.
 * @example `await trainCommand({ ...TRAIN_DEFAULTS, epochs: 1 })`
 */
export async function trainCommand(opts: TrainOptions, log: (line: string) => void = (l) => console.log(l)): Promise<TrainSummary> {
  check(opts);
  const started = performance.now();
  if (opts.threads) setNumThreads(opts.threads);
  manualSeed(opts.seed);
  const { train, test } = loadFashionMnist(opts.dataDir ? { dir: opts.dataDir } : {});
  // Made only once the flags and the data are known good: a failed start leaves no empty run folder.
  const runDir = makeOutDir('lattice train', '--out', opts.out ?? join('runs', new Date().toISOString().replace(/[:.]/g, '-')));
  const trainSet = new Subset(new TensorDataset(train.images, train.labels), firstN(opts.trainLimit, train.labels.size));
  const testSet = new Subset(new TensorDataset(test.images, test.labels), firstN(opts.testLimit, test.labels.size));
  const trainLoader = new DataLoader(trainSet, { batchSize: opts.batchSize, shuffle: true, seed: opts.seed });
  const testLoader = new DataLoader(testSet, { batchSize: 1000 });
  log(`lattice train: ${opts.model}, ${trainSet.length} training / ${testSet.length} test images, ${opts.epochs} epochs of ${trainLoader.length} batches of ${opts.batchSize}; backend ${backendInfo().backend} (${backendInfo().isa}, ${backendInfo().threads} threads)`);

  const model = buildModel(opts.model);
  const params = model.parameters();
  const lr = opts.lr ?? (opts.optimizer === 'sgd' ? 0.05 : 3e-3);
  const optimizer = opts.optimizer === 'sgd'
    ? new optim.SGD(params, { lr, momentum: 0.9, nesterov: true, weightDecay: opts.weightDecay ?? 5e-4 })
    : opts.optimizer === 'adam'
      ? new optim.Adam(params, { lr, weightDecay: opts.weightDecay ?? 0 })
      : new optim.AdamW(params, { lr, weightDecay: opts.weightDecay ?? 0.01 });
  // One-cycle: warm up to lr over 30% of the steps, then anneal; it lets a few epochs reach high accuracy.
  const accumulate = opts.accumulate ?? 1;
  const scheduler = new optim.OneCycleLR(optimizer, { maxLr: lr, totalSteps: opts.epochs * Math.ceil(trainLoader.length / accumulate) });
  const monitor = new GradientMonitor({ every: 20 });
  const recorder = new StepRecorder();
  const metrics = new MetricsLogger(join(runDir, 'metrics.jsonl'), { everySteps: 1 });
  const callbacks: Callback[] = [recorder, monitor, metrics];
  if (opts.progress) callbacks.push(new ProgressBar());
  // After the monitors, so that they see the trained weights at each step; the model ends with the average.
  if (opts.ema !== undefined) callbacks.push(new WeightAveraging({ average: 'ema', decay: opts.ema }));

  const trainData = opts.augment ? { [Symbol.asyncIterator]: () => augmented(trainLoader), length: trainLoader.length } : trainLoader;
  const history = await fit(model, {
    optimizer, loss: (out, y) => crossEntropy(out, y), trainData: trainData as AsyncIterable<Batch>, valData: testLoader, epochs: opts.epochs,
    scheduler, schedulerInterval: 'step', clipGradNorm: opts.clipGradNorm, accumulate, callbacks,
  }).catch((e: unknown) => {
    // A diverged run stops with a NonFiniteError; the health summary up to that step says where it went.
    if (e instanceof NonFiniteError) log(monitor.summary());
    throw e;
  });
  const result = await evaluate(model, testLoader, (out, y) => crossEntropy(out, y));
  const seconds = (performance.now() - started) / 1000;
  // The run's headline figures, read back by scripts/readme-figures.mjs (the README quotes no hand-typed figure).
  metrics.log({ type: 'summary', model: opts.model, epochs: opts.epochs, batchSize: opts.batchSize, seed: opts.seed, testAccuracy: result.accuracy, testLoss: result.loss, seconds, parameters: model.numParameters(), ...backendInfo(),
    // The machine's state, so that a time is read with its context (a busy shared machine doubles it).
    cpu: cpus()[0]?.model.trim(), cores: cpus().length, loadAverage: loadavg()[0] });
  metrics.flush();
  saveCheckpoint(join(runDir, 'checkpoint.safetensors'), { model, optimizer, scheduler, extra: { model: opts.model, epochs: opts.epochs, seed: opts.seed, testAccuracy: result.accuracy } });
  const healthSummary = monitor.summary();
  const facts: [string, string][] = [
    ['model', `${opts.model} (${model.numParameters().toLocaleString('en-US')} parameters)`],
    ['data', `Fashion-MNIST: ${trainSet.length} train, ${testSet.length} test`],
    ['training', `${opts.epochs} epochs, batch ${opts.batchSize}, ${opts.optimizer} lr ${lr} one-cycle${opts.clipGradNorm ? `, clip ${opts.clipGradNorm}` : ''}${accumulate > 1 ? `, gradients of ${accumulate} batches per step` : ''}${opts.ema !== undefined ? `, EMA of the weights (decay ${opts.ema})` : ''}${opts.augment ? ', augmented' : ''}, seed ${opts.seed}`],
    ['test accuracy', `${(100 * (result.accuracy ?? NaN)).toFixed(2)}%`],
    ['test loss', result.loss.toFixed(4)],
    ['wall time', `${seconds.toFixed(1)} s (including data loading)`],
    ['backend', `${backendInfo().backend}, ${backendInfo().isa}, ${backendInfo().threads} threads`],
  ];
  await writeReport(join(runDir, 'report.html'), {
    title: `Lattice: ${opts.model} on Fashion-MNIST`, facts, steps: recorder.steps, epochs: history.epochs, monitor: monitor.records,
    notes: [['Gradient health', healthSummary], ['Model', model.toString()]],
  });
  log(healthSummary);
  log(`test accuracy ${(100 * (result.accuracy ?? NaN)).toFixed(2)}% (loss ${result.loss.toFixed(4)}) in ${seconds.toFixed(1)} s`);
  log(`run folder: ${runDir} (metrics.jsonl, checkpoint.safetensors, report.html)`);
  return { testAccuracy: result.accuracy ?? NaN, testLoss: result.loss, seconds, runDir, healthSummary };
}

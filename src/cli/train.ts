/** `lattice train`: trains a model on Fashion-MNIST and writes a run folder. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
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
import type { Batch, Callback, EpochLogs, StepLogs, TrainContext } from '../train/types';
import { ModelCheckpoint } from '../train/callbacks/model-checkpoint';
import { loadSafetensorsMetadata } from '../train/safetensors';
import { writeFileAtomic } from '../train/atomic-write';
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
  /**
   * Carry on the interrupted run in this folder: its recorded options (options.json) and the
   * state after its last whole epoch (last.safetensors). Only threads, dataDir and progress may
   * be given anew.
   */
  resume?: string;
}

/** What the caller can do to a running trainCommand. @example `{ signal: controller.signal }` */
export interface TrainHooks {
  /** Stops after the current step (Ctrl-C in the CLI); the run folder can then be resumed. */
  signal?: AbortSignal;
}

/** The options a run records in its folder and a resume takes from there. */
const RECORDED = ['model', 'epochs', 'batchSize', 'optimizer', 'lr', 'weightDecay', 'clipGradNorm', 'accumulate', 'ema', 'augment', 'seed', 'trainLimit', 'testLimit'] as const;

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

/**
 * The options of the run to resume: those recorded in its folder, refusing a training flag that
 * would change them (a resumed run must be the same run).
 */
function resumedOptions(opts: TrainOptions): TrainOptions {
  const cmd = 'lattice train';
  const dir = opts.resume!;
  const file = join(dir, 'options.json');
  if (!existsSync(file)) throw new ArgumentError(`${cmd}: --resume ${dir} is not a run folder of lattice train (no options.json)`);
  let recorded: Partial<TrainOptions>;
  try {
    recorded = JSON.parse(readFileSync(file, 'utf8')) as Partial<TrainOptions>;
  } catch (e) {
    throw new ArgumentError(`${cmd}: --resume ${dir}: options.json is not valid JSON (${(e as Error).message})`);
  }
  for (const key of RECORDED) {
    const given = opts[key], defaultValue = TRAIN_DEFAULTS[key], was = recorded[key];
    if (given !== undefined && given !== defaultValue && given !== was) {
      const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      throw new ArgumentError(`${cmd}: --resume carries on the run with its own options; ${flag} ${String(given)} differs from the run's ${String(was)} (drop the flag, or start a new run)`);
    }
  }
  if (opts.out !== undefined && resolve(opts.out) !== resolve(dir)) throw new ArgumentError(`${cmd}: --resume writes to the run's own folder ${dir}; drop --out ${opts.out}`);
  if (existsSync(join(dir, 'checkpoint.safetensors'))) throw new ArgumentError(`${cmd}: --resume ${dir}: the run finished (it has checkpoint.safetensors); nothing to resume`);
  if (!existsSync(join(dir, 'last.safetensors'))) throw new ArgumentError(`${cmd}: --resume ${dir}: the run stopped before the end of its first epoch (no last.safetensors); start it again`);
  const picked = Object.fromEntries(RECORDED.map((k) => [k, recorded[k]]));
  return { ...TRAIN_DEFAULTS, ...picked, threads: opts.threads, dataDir: opts.dataDir, progress: opts.progress, out: dir, resume: dir };
}

/**
 * The metrics lines of a resumed run up to the epoch its checkpoint holds (a run stopped in the
 * middle of an epoch also logged part of the next one), rewritten in place; returns them.
 */
function metricsUpTo(path: string, epoch: number): Record<string, unknown>[] {
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
  const kept: Record<string, unknown>[] = [];
  for (const line of lines) {
    const record = JSON.parse(line) as Record<string, unknown>;
    kept.push(record);
    if (record.type === 'epoch' && record.epoch === epoch) break;
  }
  const text = kept.map((r) => JSON.stringify(r)).join('\n') + (kept.length ? '\n' : '');
  writeFileAtomic('lattice train', path, [Buffer.from(text)]);
  return kept;
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
  /** True when the signal stopped the run before its end (no test figures; resume the folder). */
  interrupted: boolean;
}

/**
 * Runs the whole job; returns the figures it printed.
 * @example `await trainCommand({ ...TRAIN_DEFAULTS, epochs: 1 })`
 */
export async function trainCommand(given: TrainOptions, log: (line: string) => void = (l) => console.log(l), hooks: TrainHooks = {}): Promise<TrainSummary> {
  const resuming = given.resume !== undefined;
  const opts = resuming ? resumedOptions(given) : given;
  check(opts);
  const started = performance.now();
  if (opts.threads) setNumThreads(opts.threads);
  manualSeed(opts.seed);
  const { train, test } = loadFashionMnist(opts.dataDir ? { dir: opts.dataDir } : {});
  // Made only once the flags and the data are known good: a failed start leaves no empty run folder.
  const runDir = resuming ? resolve(opts.resume!) : makeOutDir('lattice train', '--out', opts.out ?? join('runs', new Date().toISOString().replace(/[:.]/g, '-')));
  const lastPath = join(runDir, 'last.safetensors');
  // A resumed run keeps the metrics of the epochs its checkpoint holds; a new one records its options.
  const savedEpoch = resuming ? Number(JSON.parse(loadSafetensorsMetadata(lastPath).extra ?? '{}').epoch) : -1;
  const earlier = resuming ? metricsUpTo(join(runDir, 'metrics.jsonl'), savedEpoch) : [];
  if (!resuming) {
    const recorded = Object.fromEntries(RECORDED.map((k) => [k, opts[k]]));
    writeFileAtomic('lattice train', join(runDir, 'options.json'), [Buffer.from(JSON.stringify(recorded, null, 1) + '\n')]);
  }
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
  recorder.steps.push(...earlier.filter((r) => r.type === 'step').map(({ type: _, ...logs }) => logs as unknown as StepLogs));
  const metrics = new MetricsLogger(join(runDir, 'metrics.jsonl'), { everySteps: 1, append: resuming });
  // last.safetensors after every epoch: what --resume carries on from.
  const callbacks: Callback[] = [recorder, monitor, metrics, new ModelCheckpoint({ dir: runDir, saveBest: false })];
  if (opts.progress) callbacks.push(new ProgressBar());
  // After the monitors, so that they see the trained weights at each step; the model ends with the average.
  if (opts.ema !== undefined) callbacks.push(new WeightAveraging({ average: 'ema', decay: opts.ema }));

  // The augmenting wrapper passes the loader's shuffle position through, so that a checkpoint keeps it.
  const trainData = opts.augment
    ? { [Symbol.asyncIterator]: () => augmented(trainLoader), length: trainLoader.length, stateDict: () => trainLoader.stateDict(), loadStateDict: (st: ReturnType<typeof trainLoader.stateDict>) => trainLoader.loadStateDict(st) }
    : trainLoader;
  if (resuming) log(`resuming ${runDir} after epoch ${savedEpoch + 1} of ${opts.epochs}`);
  const history = await fit(model, {
    optimizer, loss: (out, y) => crossEntropy(out, y), trainData: trainData as AsyncIterable<Batch>, valData: testLoader, epochs: opts.epochs,
    scheduler, schedulerInterval: 'step', clipGradNorm: opts.clipGradNorm, accumulate, callbacks, signal: hooks.signal,
    resume: resuming ? lastPath : undefined,
  }).catch((e: unknown) => {
    // A diverged run stops with a NonFiniteError; the health summary up to that step says where it went.
    if (e instanceof NonFiniteError) log(monitor.summary());
    throw e;
  });
  if (history.aborted) {
    metrics.flush();
    const done = history.epochs.length ? history.epochs[history.epochs.length - 1].epoch + 1 : savedEpoch + 1;
    log(`lattice train: interrupted during epoch ${done + 1} of ${opts.epochs}; \`lattice train --resume ${runDir}\` carries on after epoch ${done}${done === 0 ? ' (none finished: start again)' : ''}`);
    return { testAccuracy: NaN, testLoss: NaN, seconds: (performance.now() - started) / 1000, runDir, healthSummary: monitor.summary(), interrupted: true };
  }
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
    ['wall time', `${seconds.toFixed(1)} s (including data loading)${resuming ? `; resumed after epoch ${savedEpoch + 1}, the time of this last part only` : ''}`],
    ['backend', `${backendInfo().backend}, ${backendInfo().isa}, ${backendInfo().threads} threads`],
  ];
  await writeReport(join(runDir, 'report.html'), {
    title: `Lattice: ${opts.model} on Fashion-MNIST`, facts, steps: recorder.steps,
    epochs: [...earlier.filter((r) => r.type === 'epoch').map(({ type: _, ...logs }) => logs as unknown as EpochLogs), ...history.epochs], monitor: monitor.records,
    notes: [['Gradient health', healthSummary], ['Model', model.toString()]],
  });
  log(healthSummary);
  log(`test accuracy ${(100 * (result.accuracy ?? NaN)).toFixed(2)}% (loss ${result.loss.toFixed(4)}) in ${seconds.toFixed(1)} s`);
  log(`run folder: ${runDir} (metrics.jsonl, checkpoint.safetensors, report.html; last.safetensors and options.json for --resume)`);
  return { testAccuracy: result.accuracy ?? NaN, testLoss: result.loss, seconds, runDir, healthSummary, interrupted: false };
}

// W2: MLP 784-256-256-10 on Fashion-MNIST, with the PyTorch peer's case names
// (bench/peers/torch_bench.py bench_mlp / train_report): step, epoch (or
// epoch_extrapolated with --quick), test_accuracy (test_accuracy_partial),
// final_train_loss. The training loop is what a user writes with the public
// API: DataLoader over a TensorDataset, and per step tidy(forward, loss,
// backward, optimizer step). Function forms (backward(loss), not
// loss.backward()) because dist/index.d.ts does not carry the Tensor method
// typings (its `declare module '../tensor/tensor'` resolves to nothing). cnn.ts and memory.ts reuse the helpers below.
//
//   node --import tsx bench/lattice/mlp.ts [--threads N] [--reps R] [--quick] [--steps N]
import { performance } from 'node:perf_hooks';
import {
  argmax, backward, crossEntropy, data, dispose, eq, manualSeed, narrow, nn, noGrad, optim, reshape, sum, tidy, to, type Tensor,
} from './lattice';
import { parseArgs, report, timingResult, valueResult, type Args } from './common';
// @ts-expect-error plain ESM helper shared with the JS peers
import { finite } from '../lib/stats.mjs';

/** Steps left out of the step statistics as warm-up (as the PyTorch peer: 5). */
export const WARMUP_STEPS = 5;

/** `--steps N` (from the arguments common.ts did not consume), else undefined. */
export function stepsFlag(args: Args): number | undefined {
  const i = args.rest.indexOf('--steps');
  if (i < 0) return undefined;
  const n = Number(args.rest[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--steps must be a positive integer, got ${args.rest[i + 1]}`);
  return n;
}

/** Fashion-MNIST from the project's data/ (or LATTICE_BENCH_DATA, like the peers), images [N,784] or [N,1,28,28]. */
export function fashion(images2d: boolean): { trainX: Tensor; trainY: Tensor; testX: Tensor; testY: Tensor } {
  const dir = process.env.LATTICE_BENCH_DATA;
  const { train, test } = data.loadFashionMnist(dir ? { dir } : {});
  const flat = (t: Tensor) => (images2d ? t : reshape(t, [t.shape[0], 784]));
  return { trainX: flat(train.images), trainY: train.labels, testX: flat(test.images), testY: test.labels };
}

export function mlpModel(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 10));
}

/** Percent correct over the test set, eval mode, no grad, batches of 1000 (as the peer). */
export function testAccuracy(model: nn.Module<[Tensor], Tensor>, x: Tensor, y: Tensor, batch = 1000): number {
  model.eval();
  let correct = 0;
  const n = x.shape[0];
  for (let i = 0; i < n; i += batch) {
    const b = Math.min(batch, n - i);
    correct += tidy(() => noGrad(() => sum(to(eq(argmax(model.call(narrow(x, 0, i, b)), 1), narrow(y, 0, i, b)), 'int32')).item()));
  }
  model.train();
  return (100 * correct) / n;
}

export interface EpochRun {
  /** Per-step ms after the warm-up steps. */
  stepMs: number[];
  epochS: number;
  steps: number;
  fullSteps: number;
  lastLoss: number;
}

/**
 * One shuffled epoch (seed 0, last partial batch kept), stopping after
 * `maxSteps` when given. Step time = zero grads + forward + loss + backward +
 * optimizer step on an already gathered batch (inside tidy(), whose disposal
 * of the step's temporaries is part of it); epoch time = the whole loop,
 * including the loader's shuffle and batch gathering. `afterStep` runs outside
 * the timed part, after the batch is released.
 */
export function trainEpoch(
  model: nn.Module<[Tensor], Tensor>,
  opt: optim.Optimizer,
  x: Tensor,
  y: Tensor,
  batchSize: number,
  maxSteps?: number,
  afterStep?: (step: number) => void,
): EpochRun {
  const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize, shuffle: true, seed: 0 });
  const stepMs: number[] = [];
  let lastLoss = NaN;
  let steps = 0;
  model.train();
  const t0 = performance.now();
  for (const batch of loader) {
    const [xb, yb] = batch;
    const ts = performance.now();
    lastLoss = tidy(() => {
      opt.zeroGrad();  // disposes the old gradients: memory().numTensors stays flat
      const loss = crossEntropy(model.call(xb), yb);
      backward(loss);
      opt.step();
      return loss.item();
    });
    stepMs.push(performance.now() - ts);
    dispose(batch);
    afterStep?.(steps);
    steps++;
    if (maxSteps !== undefined && steps >= maxSteps) break;
  }
  const epochS = (performance.now() - t0) / 1000;
  return { stepMs: stepMs.length > WARMUP_STEPS ? stepMs.slice(WARMUP_STEPS) : stepMs, epochS, steps, fullSteps: loader.length, lastLoss };
}

/** The peer's train_report(): step, epoch | epoch_extrapolated, test_accuracy | test_accuracy_partial, final_train_loss. */
export function trainReport(
  name: string, model: nn.Module<[Tensor], Tensor>, batch: number, args: Args, quickSteps: number, images2d: boolean,
): { results: unknown[]; run: EpochRun; accuracy: number } {
  const { trainX, trainY, testX, testY } = fashion(images2d);
  const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const maxSteps = args.quick ? (stepsFlag(args) ?? quickSteps) : undefined;
  const run = trainEpoch(model, opt, trainX, trainY, batch, maxSteps);
  const accuracy = testAccuracy(model, testX, testY);
  const results: unknown[] = [timingResult('step', run.stepMs, 'ms', { steps_timed: run.stepMs.length, batch, loop: 'DataLoader + tidy() step (plain loop)' })];
  if (run.steps === run.fullSteps) {
    results.push(valueResult('epoch', run.epochS, 's', { steps: run.steps }));
    results.push(valueResult('test_accuracy', accuracy, '%', { after: '1 epoch' }));
  } else {
    const med = (results[0] as { median: number }).median;
    results.push(valueResult('epoch_extrapolated', (med * run.fullSteps) / 1e3, 's', {
      extrapolated: true, from_steps: run.steps, full_steps: run.fullSteps, note: 'median step time x steps per epoch (--quick)',
    }));
    results.push(valueResult('test_accuracy_partial', accuracy, '%', { after: `${run.steps} steps` }));
  }
  results.push(valueResult('final_train_loss', run.lastLoss, 'nats'));
  process.stderr.write(`${name}: step ${(results[0] as { median: number }).median.toFixed(2)} ms, acc ${accuracy.toFixed(2)}%\n`);
  return { results, run, accuracy };
}

/**
 * The same epoch through fit() (which yields to the event loop between steps
 * and counts correct predictions per step), when the package exports it.
 * Cases fit.step_interval (ms between consecutive steps' ends, warm-up left
 * out), fit.epoch (s; extrapolated with --quick), fit.test_accuracy.
 */
export async function fitReport(
  makeModel: () => nn.Module<[Tensor], Tensor>, batch: number, args: Args, quickSteps: number, images2d: boolean,
): Promise<unknown[]> {
  const lib = (await import('./lattice')) as Record<string, unknown>;
  const fit = (lib.fit ?? (lib.train as Record<string, unknown> | undefined)?.fit) as
    | ((model: unknown, opts: Record<string, unknown>) => Promise<unknown>) | undefined;
  if (typeof fit !== 'function') {
    return [{ case: 'fit.epoch', unit: null, skipped: true, reason: 'fit() is not exported from the package entry (src/index.ts); plain-loop figures only' }];
  }
  manualSeed(0);
  const model = makeModel();
  const { trainX, trainY, testX, testY } = fashion(images2d);
  const loader = new data.DataLoader(new data.TensorDataset(trainX, trainY), { batchSize: batch, shuffle: true, seed: 0 });
  const maxSteps = args.quick ? (stepsFlag(args) ?? quickSteps) : undefined;
  const ends: number[] = [];
  const abort = new AbortController();
  const t0 = performance.now();
  await fit(model, {
    optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }), loss: (o: Tensor, t: Tensor) => crossEntropy(o, t),
    trainData: loader, epochs: 1, signal: abort.signal,
    callbacks: [{ onBatchEnd: () => { ends.push(performance.now()); if (maxSteps !== undefined && ends.length >= maxSteps) abort.abort(); } }],
  });
  const epochS = (performance.now() - t0) / 1000;
  const intervals = ends.slice(1).map((t, i) => t - ends[i]).slice(WARMUP_STEPS - 1);
  const acc = testAccuracy(model, testX, testY);
  const out: unknown[] = [timingResult('fit.step_interval', intervals, 'ms', { note: 'time between consecutive steps in fit(), incl. its event-loop yield and prefetched batch' })];
  if (ends.length === loader.length) {
    out.push(valueResult('fit.epoch', epochS, 's', { steps: ends.length }));
    out.push(valueResult('fit.test_accuracy', acc, '%', { after: '1 epoch' }));
  } else {
    const med = (out[0] as { median: number }).median;
    out.push(valueResult('fit.epoch_extrapolated', (med * loader.length) / 1e3, 's', { extrapolated: true, from_steps: ends.length, full_steps: loader.length }));
    out.push(valueResult('fit.test_accuracy_partial', acc, '%', { after: `${ends.length} steps` }));
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs();
  manualSeed(0);
  const { results } = trainReport('mlp', mlpModel(), 128, args, 100, false);
  results.push(...(await fitReport(mlpModel, 128, args, 100, false)));
  report('mlp', args, finite(results));
}

// Run only as the entry script (by name: when bench/run.ts bundles memory.ts, this module shares its import.meta.url).
if (/[\\/]\.?mlp(\.build)?\.(ts|mjs)$/.test(process.argv[1] ?? '')) await main();

/**
 * fit(): the training loop. Async: it yields to the event loop between steps
 * so an Electron UI stays responsive and an AbortSignal can stop it cleanly
 * after the current step. Each step runs inside tidy(), so the live tensor
 * count stays flat.
 */
import { noGrad } from '../autograd/api';
import { ArgumentError, LatticeError, fmtArg } from '../errors';
import type { AnyModule } from '../nn/module';
import { clipGradNorm } from '../optim/clip';
import { hasNonFinite } from '../ops/record';
import { tidy } from '../tensor/tidy';
import type { Tensor } from '../tensor/tensor';
import { copyValues, restoreSnapshot, restoreValues, takeSnapshot } from './state-copy';
import { releaseBatch } from '../data/loader';
import { countCorrect, evaluate, unpack } from './evaluate';
import { loadCheckpoint, statefulData, type LoadCheckpointOptions } from './checkpoint';
import { ModelCheckpoint } from './callbacks/model-checkpoint';
import { CheckpointError } from './safetensors';
import { takesMetric } from './scheduler-metric';
import type { Batch, BatchSource, Callback, EpochLogs, History, OptimizerLike, SchedulerLike, StepLogs, TrainContext } from './types';

/** Thrown by fit({ nonFinite: 'raise' }) when a loss or gradient is NaN or Inf. */
export class NonFiniteError extends LatticeError {}

export interface FitOptions {
  optimizer: OptimizerLike;
  /** loss(output, target) -> 0-d tensor. */
  loss: (output: Tensor, target: Tensor) => Tensor;
  trainData: BatchSource;
  valData?: BatchSource;
  epochs?: number;
  /** Stepped after every batch ('step', e.g. OneCycleLR) or every epoch ('epoch', with valLoss when it takes a metric). */
  scheduler?: SchedulerLike;
  schedulerInterval?: 'step' | 'epoch';
  /** Clip the global gradient 2-norm to this before each step. */
  clipGradNorm?: number;
  /**
   * Gradient accumulation: sum the gradients of this many batches (each loss divided by it) and
   * step once, as one batch that many times larger would (default 1). An epoch's last, shorter
   * group steps with the batches it has. Clipping, the 'step' scheduler, onAfterBackward and
   * the non-finite handling act once per optimizer step; a non-finite batch drops its group, and
   * the next batch starts a new one.
   */
  accumulate?: number;
  callbacks?: Callback[];
  /** Stops after the current step when aborted; fit resolves with history.aborted = true. */
  signal?: AbortSignal;
  /**
   * What to do when the loss or a gradient is NaN/Inf: 'raise' (default) throws,
   * 'skip' drops the step, 'rollback' restores the last good weights and
   * optimizer state and halves the learning rate (the halving outlives the
   * restore). Either way the step leaves no trace: module buffers such as
   * BatchNorm's running statistics are restored too.
   */
  nonFinite?: 'raise' | 'skip' | 'rollback';
  /** 'rollback': rollbacks in a row (no good step between) after which fit throws a NonFiniteError (default 10). */
  maxRollbacks?: number;
  /** Steps between the snapshots 'rollback' returns to (default 10). */
  snapshotEvery?: number;
  /**
   * Carries on an interrupted run from a checkpoint that ModelCheckpoint wrote (its
   * `last.safetensors`): the model, optimizer, scheduler, global RNG, the training data's shuffle
   * position and the callbacks' state (WeightAveraging's average, EarlyStopping's count, ...) are
   * restored, and training goes on at the epoch after the saved one, up to `epochs` in all. With the
   * same options as the first run, the result is the one an uninterrupted run gives, bit for bit.
   * Nothing changes if the file does not fit the model, optimizer, data or callbacks.
   */
  resume?: string;
}

/**
 * Loads a ModelCheckpoint file into the run (after onTrainBegin, so the callbacks' restored state is
 * not reset) and returns the epoch to start at; ctx.step carries on from the saved step.
 */
function resumeFrom(path: string, ctx: TrainContext): number {
  let epoch = 0, step = 0;
  loadCheckpoint(path, {
    model: ctx.model, optimizer: ctx.optimizer, scheduler: ctx.scheduler as LoadCheckpointOptions['scheduler'], data: statefulData(ctx.trainData), callbacks: ctx.callbacks,
    checkExtra: (extra) => {
      if (!Number.isInteger(extra.epoch) || !Number.isInteger(extra.step) || (extra.epoch as number) < 0 || (extra.step as number) < 0) {
        throw new CheckpointError(`fit: resume: ${path} does not say which epoch and step it was saved at (extra.epoch, extra.step); resume from a ModelCheckpoint file`);
      }
      epoch = extra.epoch as number;
      step = extra.step as number;
    },
  });
  ctx.step = step;
  return epoch + 1;
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function lengthOf(data: BatchSource): number | undefined {
  const n = (data as { length?: unknown }).length;
  return typeof n === 'number' ? n : undefined;
}

function gradsFinite(params: Tensor[]): boolean {
  for (const p of params) if (p.grad && hasNonFinite(p.grad)) return false;
  return true;
}

/**
 * Trains `model` for `epochs` passes over `trainData`.
 * @example
 * const history = await fit(model, { optimizer, loss: crossEntropy, trainData: loader, epochs: 3, callbacks: [new ProgressBar()] });
 */
export async function fit(model: AnyModule, opts: FitOptions): Promise<History> {
  if (!model || typeof model.call !== 'function') throw new ArgumentError('fit: model must be an nn.Module');
  if (!opts || typeof opts.optimizer?.step !== 'function') throw new ArgumentError('fit: options.optimizer must be an optimizer');
  if (typeof opts.loss !== 'function') throw new ArgumentError('fit: options.loss must be a function (output, target) => loss');
  if (!opts.trainData) throw new ArgumentError('fit: options.trainData is required');
  const epochs = opts.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new ArgumentError(`fit: epochs must be a non-negative integer, got ${fmtArg(epochs)}`);
  if (opts.clipGradNorm !== undefined && !(opts.clipGradNorm > 0)) throw new ArgumentError(`fit: clipGradNorm must be positive, got ${opts.clipGradNorm}`);
  const mode = opts.nonFinite ?? 'raise';
  if (!['raise', 'skip', 'rollback'].includes(mode)) throw new ArgumentError(`fit: nonFinite must be 'raise', 'skip' or 'rollback', got '${fmtArg(mode)}'`);
  const interval = opts.schedulerInterval ?? 'epoch';
  const accumulate = opts.accumulate ?? 1;
  if (!Number.isInteger(accumulate) || accumulate < 1) throw new ArgumentError(`fit: accumulate must be a positive integer, got ${fmtArg(opts.accumulate)}`);
  if (accumulate > 1 && typeof (opts.optimizer as { accumulate?: unknown }).accumulate === 'function') {
    // privacy.DPOptimizer clips per sample and accumulates virtual steps itself.
    throw new ArgumentError('fit: accumulate > 1 cannot wrap an optimizer that accumulates batches itself (privacy.DPOptimizer: use a larger expected batch size, or call its accumulate() per physical batch in your own loop)');
  }
  if (opts.resume !== undefined && (typeof opts.resume !== 'string' || opts.resume === '')) throw new ArgumentError(`fit: resume must be the path of a checkpoint (ModelCheckpoint's last.safetensors), got ${fmtArg(opts.resume)}`);
  // ModelCheckpoint saves after the other callbacks' onEpochEnd, so the file holds their state at the epoch's end.
  const given = opts.callbacks ?? [];
  const callbacks: Callback[] = [...given.filter((cb) => !(cb instanceof ModelCheckpoint)), ...given.filter((cb) => cb instanceof ModelCheckpoint)];
  const params = model.parameters().filter((p) => p.requiresGrad);
  const history: History = { epochs: [], nonFiniteSteps: 0, rollbacks: 0, aborted: false, stoppedEarly: false };
  const ctx: TrainContext = {
    model, optimizer: opts.optimizer, stopTraining: false, epoch: 0, step: 0, epochs, stepsPerEpoch: lengthOf(opts.trainData), history,
    scheduler: opts.scheduler, trainData: opts.trainData, callbacks,
  };
  const snapshotEvery = opts.snapshotEvery ?? 10;
  const maxRollbacks = opts.maxRollbacks ?? 10;
  if (!Number.isInteger(maxRollbacks) || maxRollbacks < 1) throw new ArgumentError(`fit: maxRollbacks must be a positive integer, got ${fmtArg(maxRollbacks)}`);
  // Running statistics change in the forward pass, before a step is known to be bad.
  const buffers = mode === 'raise' ? [] : model.buffers();
  let snapshot = mode === 'rollback' ? takeSnapshot(params, opts.optimizer, buffers) : null;
  let rollbacksInARow = 0;
  // Gradient accumulation: batches summed into .grad since the last step, the groups closed
  // (stepped, skipped or rolled back), and BatchNorm's buffers before the group ('skip' restores them).
  let pending = 0, closedGroups = 0;
  let groupBuffers: ReturnType<typeof copyValues> | null = null;

  /**
   * The end of a group: callbacks see the summed gradients, then clipping and the step. False, with
   * no step, when the loss (lossFinite) or a gradient is NaN/Inf.
   */
  const stepOptimizer = (lossFinite: boolean): boolean => {
    for (const cb of callbacks) cb.onAfterBackward?.(ctx, ctx.step);
    if (!lossFinite || !gradsFinite(params)) return false;
    if (opts.clipGradNorm !== undefined) noGrad(() => clipGradNorm(params, opts.clipGradNorm!));
    opts.optimizer.step();
    return true;
  };
  /** A group that went bad: 'skip' restores the buffers, 'rollback' the last snapshot with the lr halved. */
  const dropGroup = (loss: number, epoch: number): 'skipped' | 'rolledBack' => {
    history.nonFiniteSteps++;
    if (mode === 'rollback' && snapshot) {
      // The snapshot holds the learning rate of its time: halve the rate in force now, after the restore.
      const lrs = opts.optimizer.paramGroups.map((g) => g.lr);
      restoreSnapshot(snapshot, params, opts.optimizer, buffers);
      opts.optimizer.paramGroups.forEach((g, i) => { g.lr = lrs[i] / 2; });
      history.rollbacks++;
      if (++rollbacksInARow >= maxRollbacks) {
        throw new NonFiniteError(`fit: ${rollbacksInARow} rollbacks in a row (steps ${ctx.step - rollbacksInARow + 1} to ${ctx.step}, epoch ${epoch}): the learning rate was halved each time, to ${opts.optimizer.paramGroups[0]?.lr}, and the step still produced a ${Number.isFinite(loss) ? 'non-finite gradient' : `loss of ${loss}`}; lower the learning rate, clip gradients (clipGradNorm), or use detectAnomaly() to find the op (maxRollbacks: ${maxRollbacks})`);
      }
      return 'rolledBack';
    }
    if (groupBuffers) restoreValues(groupBuffers, buffers);
    return 'skipped';
  };
  /** After a group closed well: a snapshot every snapshotEvery groups. */
  const afterGoodGroup = (): void => {
    rollbacksInARow = 0;
    if (snapshot && closedGroups % snapshotEvery === 0) snapshot = takeSnapshot(params, opts.optimizer, buffers);
  };

  for (const cb of callbacks) await cb.onTrainBegin?.(ctx);
  const initialEpoch = opts.resume === undefined ? 0 : resumeFrom(opts.resume, ctx);
  if (snapshot && opts.resume !== undefined) snapshot = takeSnapshot(params, opts.optimizer, buffers);
  outer: for (let epoch = initialEpoch; epoch < epochs; epoch++) {
    ctx.epoch = epoch;
    model.train();
    for (const cb of callbacks) await cb.onEpochBegin?.(ctx, epoch);
    const started = performance.now();
    let lossSum = 0, correct = 0, samples = 0, steps = 0, accuracyKnown = true;
    let batchIndex = 0;
    for await (const batch of opts.trainData as AsyncIterable<Batch>) {
      const [x, y] = unpack(batch);
      if (pending === 0) {
        for (const p of params) { p.grad?.dispose(); p.grad = null; }
        groupBuffers = mode === 'skip' ? copyValues(buffers) : null;
      }
      // A group closes after `accumulate` batches, or at the epoch's last batch when the data knows its length.
      const closes = pending + 1 === accumulate || (ctx.stepsPerEpoch !== undefined && batchIndex === ctx.stepsPerEpoch - 1);
      const result = tidy(() => {
        const out = model.call(x) as Tensor;
        const loss = opts.loss(out, y);
        if (loss.size !== 1) throw new ArgumentError(`fit: the loss must be a single value, got ${loss.describe()}`);
        (accumulate > 1 ? loss.div(accumulate) : loss).backward();
        const lossValue = loss.item();
        pending++;
        const bad = closes ? !stepOptimizer(Number.isFinite(lossValue)) : !Number.isFinite(lossValue);
        if (bad && mode === 'raise') throw new NonFiniteError(`fit: step ${ctx.step} (epoch ${epoch}, batch ${batchIndex}) produced a ${Number.isFinite(lossValue) ? 'non-finite gradient' : `loss of ${lossValue}`}; use nonFinite: 'skip' or 'rollback', or detectAnomaly() to find the op`);
        return { loss: lossValue, correct: bad ? undefined : countCorrect(out, y), bad };
      });
      const n = x.shape[0];
      releaseBatch(batch);
      const closed = closes || result.bad;
      let nonFinite: StepLogs['nonFinite'];
      if (closed) {
        pending = 0;
        closedGroups++;
      }
      if (result.bad) {
        nonFinite = dropGroup(result.loss, epoch);
      } else {
        lossSum += result.loss * n;
        samples += n;
        if (result.correct === undefined) accuracyKnown = false;
        else correct += result.correct;
        if (closed) afterGoodGroup();
      }
      if (opts.scheduler && interval === 'step' && closed) opts.scheduler.step();
      const seconds = (performance.now() - started) / 1000;
      const logs: StepLogs = {
        epoch, batch: batchIndex, step: ctx.step, loss: result.loss,
        accuracy: result.correct === undefined ? undefined : result.correct / n,
        lr: opts.optimizer.paramGroups[0]?.lr ?? NaN, samples: n, samplesPerSecond: samples / Math.max(seconds, 1e-9),
        ...(nonFinite ? { nonFinite } : {}),
        ...(accumulate > 1 ? { optimizerStep: closed && !result.bad } : {}),
      };
      for (const cb of callbacks) await cb.onBatchEnd?.(ctx, logs);
      ctx.step++;
      steps++;
      batchIndex++;
      await nextTurn();
      if (opts.signal?.aborted) { history.aborted = true; break outer; }
    }
    if (pending > 0) {
      // The epoch's last, shorter group (data of unknown length): step with what it has.
      pending = 0;
      closedGroups++;
      const ok = tidy(() => stepOptimizer(true));
      if (!ok && mode === 'raise') throw new NonFiniteError(`fit: the last gradient group of epoch ${epoch} produced a non-finite gradient; use nonFinite: 'skip' or 'rollback', or detectAnomaly() to find the op`);
      if (ok) afterGoodGroup();
      else dropGroup(NaN, epoch);
      if (opts.scheduler && interval === 'step') opts.scheduler.step();
    }
    const logs: EpochLogs = {
      epoch, loss: samples ? lossSum / samples : NaN, accuracy: accuracyKnown && samples ? correct / samples : undefined,
      lr: opts.optimizer.paramGroups[0]?.lr ?? NaN, seconds: (performance.now() - started) / 1000, steps,
    };
    if (opts.valData) {
      const v = await evaluate(model, opts.valData, opts.loss);
      logs.valLoss = v.loss;
      logs.valAccuracy = v.accuracy;
    }
    // A plateau schedule gets the monitored loss; the epoch schedules are stepped without an argument.
    if (opts.scheduler && interval === 'epoch') {
      if (takesMetric(opts.scheduler)) opts.scheduler.step(logs.valLoss ?? logs.loss);
      else opts.scheduler.step();
    }
    history.epochs.push(logs);
    for (const cb of callbacks) await cb.onEpochEnd?.(ctx, logs);
    if (ctx.stopTraining) { history.stoppedEarly = true; break; }
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(ctx);
  return history;
}

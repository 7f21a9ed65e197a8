/** The shapes fit() works with: any module, any optimizer with step/zeroGrad, and callbacks. */
import type { AnyModule } from '../nn/module';
import type { Tensor } from '../tensor/tensor';

/** What fit() needs of an optimizer (every optimizer in `optim` has it). */
export interface OptimizerLike {
  /** Applies one update from the parameters' `.grad`. @example `optimizer.step()` */
  step(): unknown;
  /** Clears the gradients. @example `optimizer.zeroGrad()` */
  zeroGrad(opts?: { setToNone?: boolean }): void;
  /** Hyper-parameters per group; fit reads and rollback halves `lr`. */
  paramGroups: { lr: number; [k: string]: unknown }[];
  /** The state to save in a checkpoint. @example `const s = optimizer.stateDict()` */
  stateDict?(): unknown;
  /** Restores a state from stateDict(). @example `optimizer.loadStateDict(s)` */
  loadStateDict?(state: never): void;
}

/** A learning-rate schedule stepped by fit(): per batch ('step') or per epoch. */
export interface SchedulerLike {
  /** Advances the schedule; a plateau schedule takes the monitored metric. @example `scheduler.step()` */
  step(metric?: number): void;
  /** The state to save in a checkpoint. @example `const s = scheduler.stateDict()` */
  stateDict?(): unknown;
}

/** A batch: [inputs, targets] or { x, y }. */
export type Batch = [Tensor, Tensor] | Tensor[] | { x: Tensor; y: Tensor };
/** What fit() and evaluate() iterate: a DataLoader, an array of batches or any (async) iterable. @example `fit(model, { trainData: [[x, y]], ... })` */
export type BatchSource = Iterable<Batch> | AsyncIterable<Batch>;

/** What callbacks get after each training step. @example `onBatchEnd(ctx, logs) { console.log(logs.step, logs.loss) }` */
export interface StepLogs {
  epoch: number;
  /** Step within the epoch (0-based). */
  batch: number;
  /** Global step (0-based). */
  step: number;
  loss: number;
  /** Fraction correct in this batch when targets are class indices, else undefined. */
  accuracy?: number;
  lr: number;
  samples: number;
  /** Training throughput over the epoch so far. */
  samplesPerSecond: number;
  /** Set when the step was skipped or rolled back because of NaN/Inf. */
  nonFinite?: 'skipped' | 'rolledBack';
  /** With fit's accumulate > 1: whether this batch closed its group with an optimizer step. */
  optimizerStep?: boolean;
  /** Privacy budget ε spent so far, when training is differentially private (privacy.PrivacyCallback). */
  epsilon?: number;
}

/** What callbacks get after each epoch (validation figures when fit has valData). @example `onEpochEnd(ctx, logs) { console.log(logs.valAccuracy) }` */
export interface EpochLogs {
  epoch: number;
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  lr: number;
  seconds: number;
  steps: number;
  /** Privacy budget ε spent by the end of the epoch (privacy.PrivacyCallback). */
  epsilon?: number;
}

/** The run as callbacks see it: model, optimizer, position, and a stop flag. @example `onEpochEnd(ctx) { if (done) ctx.stopTraining = true }` */
export interface TrainContext {
  model: AnyModule;
  optimizer: OptimizerLike;
  /** Set by a callback (EarlyStopping) to end training after the current epoch. */
  stopTraining: boolean;
  epoch: number;
  step: number;
  epochs: number;
  /** Batches per epoch when the data source knows its length. */
  stepsPerEpoch?: number;
  history: History;
  /** fit's scheduler, if it has one (ModelCheckpoint saves it). */
  scheduler?: SchedulerLike;
  /** fit's training data (ModelCheckpoint saves its shuffle position when it has a stateDict). */
  trainData?: BatchSource;
  /** fit's callbacks (ModelCheckpoint saves the state of those that have one). */
  callbacks?: readonly Callback[];
}

/** What fit() resolves with. @example `const { epochs, aborted } = await fit(model, opts)` */
export interface History {
  epochs: EpochLogs[];
  /** Steps skipped ('skip') or rolled back ('rollback') because of non-finite loss or gradients. */
  nonFiniteSteps: number;
  rollbacks: number;
  aborted: boolean;
  stoppedEarly: boolean;
}

/** Hooks called by fit(); all optional, may be async. */
export interface Callback {
  /** Before the first epoch. @example `onTrainBegin(ctx) { this.start = Date.now() }` */
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  /** Before each epoch (0-based). @example `onEpochBegin(ctx, epoch) { console.log('epoch', epoch) }` */
  onEpochBegin?(ctx: TrainContext, epoch: number): void | Promise<void>;
  /** After backward, before clipping and the optimizer step: gradients are in `.grad`. */
  onAfterBackward?(ctx: TrainContext, step: number): void;
  /** After each step (loss, accuracy, lr, throughput). @example `onBatchEnd(ctx, logs) { bar.update(logs.step) }` */
  onBatchEnd?(ctx: TrainContext, logs: StepLogs): void | Promise<void>;
  /** After each epoch, validation included. @example `onEpochEnd(ctx, logs) { console.log(logs.loss) }` */
  onEpochEnd?(ctx: TrainContext, logs: EpochLogs): void | Promise<void>;
  /** After the last epoch, or after a stop. @example `onTrainEnd() { bar.stop() }` */
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
  /**
   * What a checkpoint keeps of the callback (plain values and tensors), so that fit({ resume })
   * carries on where the run stopped; a callback without it starts afresh.
   * @example `stateDict() { return { best: this.best } }`
   */
  stateDict?(): unknown;
  /** Puts back a stateDict() (after onTrainBegin, when fit resumes). @example `loadStateDict(s) { this.best = s.best }` */
  loadStateDict?(state: never): void;
}

/** Something whose position a checkpoint keeps: a DataLoader's shuffle streams. @example `const s = loader.stateDict()` */
export interface StatefulLike {
  /** The state to save. @example `const s = loader.stateDict()` */
  stateDict(): unknown;
  /** Restores a state from stateDict(). @example `loader.loadStateDict(s)` */
  loadStateDict(state: never): void;
}

/** The shapes fit() works with: any module, any optimizer with step/zeroGrad, and callbacks. */
import type { AnyModule } from '../nn/module';
import type { Tensor } from '../tensor/tensor';

/** What fit() needs of an optimizer (every optimizer in `optim` has it). */
export interface OptimizerLike {
  step(): unknown;
  zeroGrad(opts?: { setToNone?: boolean }): void;
  paramGroups: { lr: number; [k: string]: unknown }[];
  stateDict?(): unknown;
  loadStateDict?(state: never): void;
}

/** A learning-rate schedule stepped by fit(): per batch ('step') or per epoch. */
export interface SchedulerLike {
  step(metric?: number): void;
  stateDict?(): unknown;
}

/** A batch: [inputs, targets] or { x, y }. */
export type Batch = [Tensor, Tensor] | Tensor[] | { x: Tensor; y: Tensor };
export type BatchSource = Iterable<Batch> | AsyncIterable<Batch>;

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
}

export interface EpochLogs {
  epoch: number;
  loss: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  lr: number;
  seconds: number;
  steps: number;
}

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
}

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
  onTrainBegin?(ctx: TrainContext): void | Promise<void>;
  onEpochBegin?(ctx: TrainContext, epoch: number): void | Promise<void>;
  /** After backward, before clipping and the optimizer step: gradients are in `.grad`. */
  onAfterBackward?(ctx: TrainContext, step: number): void;
  onBatchEnd?(ctx: TrainContext, logs: StepLogs): void | Promise<void>;
  onEpochEnd?(ctx: TrainContext, logs: EpochLogs): void | Promise<void>;
  onTrainEnd?(ctx: TrainContext): void | Promise<void>;
}

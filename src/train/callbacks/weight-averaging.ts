/**
 * Weight averaging inside fit(): SWA (an equal-weight average from a start epoch on) or an EMA of
 * the weights, kept by optim.AveragedModel; at the end of training the model takes the averaged
 * weights (BatchNorm statistics re-estimated for them with optim.updateBn), as PyTorch Lightning's
 * StochasticWeightAveraging callback does. The lr is left to fit's scheduler: pair SWA with
 * optim.SWALR (through optim.SequentialLR after the earlier schedule).
 */
import { ArgumentError, fmtArg } from '../../errors';
import { isBatchNorm } from '../../nn/layers/normalization';
import type { AnyModule } from '../../nn/module';
import { AveragedModel, getEmaMultiAvgFn, updateBn, type UpdateBnBatch } from '../../optim/swa';
import type { Tensor } from '../../tensor/tensor';
import type { Callback, StepLogs, TrainContext } from '../types';

/** WeightAveraging's checkpoint state: the averaged model's tensors (n_averaged included), or null before the first update. */
export interface WeightAveragingState {
  average: Record<string, Tensor> | null;
}

/** WeightAveraging's options. @example `{ average: 'swa', start: 0.75, bnData: trainLoader }` */
export interface WeightAveragingOptions {
  /** 'swa' (default): the equal-weight average; 'ema': an exponential moving average with `decay`. */
  average?: 'swa' | 'ema';
  /** The first epoch averaged: an epoch index (0-based), or a fraction in (0, 1) of the epochs (default 0). */
  start?: number;
  /** When the average takes the weights: after every 'epoch' (SWA's default) or every 'step' (EMA's default). */
  every?: 'epoch' | 'step';
  /** The EMA's decay per update (default 0.999). */
  decay?: number;
  /** Average BatchNorm's buffers too instead of re-estimating them (default: true for 'ema', false for 'swa'). */
  useBuffers?: boolean;
  /** Batches for optim.updateBn at the end; needed when the model has BatchNorm and useBuffers is false. */
  bnData?: Iterable<UpdateBnBatch>;
  /** Load the averaged weights into the model when training ends (default true). */
  swapAtEnd?: boolean;
}

/**
 * Keeps an SWA or EMA average of the model's weights during fit() and, when training ends, puts it in
 * the model. `averagedModel` holds the average (null before the first update).
 * @example
 * const swa = new train.WeightAveraging({ start: 0.75, bnData: trainLoader });
 * const sched = new optim.SequentialLR(opt, { schedulers: [cosine, new optim.SWALR(opt, { swaLr: 0.02 })], milestones: [swaEpoch] });
 * await train.fit(model, { optimizer: opt, loss, trainData: trainLoader, epochs: 20, scheduler: sched, callbacks: [swa] });
 */
export class WeightAveraging implements Callback {
  readonly average: 'swa' | 'ema';
  readonly every: 'epoch' | 'step';
  readonly decay: number;
  readonly useBuffers: boolean;
  readonly swapAtEnd: boolean;
  /** The running average, once the first update has been made. */
  averagedModel: AveragedModel<AnyModule> | null = null;
  private readonly start: number;
  private readonly bnData: Iterable<UpdateBnBatch> | null;
  private startEpoch = 0;
  private model: AnyModule | null = null;

  constructor(opts: WeightAveragingOptions = {}) {
    const name = 'WeightAveraging';
    if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${name}: options must be an object, got ${fmtArg(opts)}`);
    this.average = opts.average ?? 'swa';
    if (this.average !== 'swa' && this.average !== 'ema') throw new ArgumentError(`${name}: average must be 'swa' or 'ema', got ${fmtArg(opts.average)}`);
    this.every = opts.every ?? (this.average === 'swa' ? 'epoch' : 'step');
    if (this.every !== 'epoch' && this.every !== 'step') throw new ArgumentError(`${name}: every must be 'epoch' or 'step', got ${fmtArg(opts.every)}`);
    this.start = opts.start ?? 0;
    if (typeof this.start !== 'number' || !(this.start >= 0) || (this.start >= 1 && !Number.isInteger(this.start))) {
      throw new ArgumentError(`${name}: start must be an epoch index (an integer >= 0) or a fraction in (0, 1), got ${fmtArg(opts.start)}`);
    }
    this.decay = opts.decay ?? 0.999;
    if (typeof this.decay !== 'number' || !(this.decay >= 0 && this.decay <= 1)) throw new ArgumentError(`${name}: decay must be in [0, 1], got ${fmtArg(opts.decay)}`);
    this.useBuffers = opts.useBuffers ?? this.average === 'ema';
    if (typeof this.useBuffers !== 'boolean') throw new ArgumentError(`${name}: useBuffers must be a boolean, got ${fmtArg(opts.useBuffers)}`);
    this.swapAtEnd = opts.swapAtEnd ?? true;
    if (opts.bnData !== undefined && typeof (opts.bnData as Iterable<UpdateBnBatch>)?.[Symbol.iterator] !== 'function') {
      throw new ArgumentError(`${name}: bnData must be iterable (a DataLoader, or an array of batches), got ${fmtArg(opts.bnData)}`);
    }
    this.bnData = opts.bnData ?? null;
  }

  /** Resolves the start epoch and refuses, before any step, a BatchNorm model it could not finish. */
  onTrainBegin(ctx: TrainContext): void {
    this.averagedModel = null;
    this.model = ctx.model;
    this.startEpoch = this.start > 0 && this.start < 1 ? Math.floor(this.start * ctx.epochs) : this.start;
    if (!this.useBuffers && !this.bnData && ctx.model.modules().some(isBatchNorm)) {
      throw new ArgumentError('WeightAveraging: the model has BatchNorm layers, whose statistics must be re-estimated for the averaged weights: pass bnData (e.g. the training loader), or useBuffers: true to average them');
    }
  }

  private newAverage(model: AnyModule): AveragedModel<AnyModule> {
    return new AveragedModel(model, this.average === 'ema' ? { multiAvgFn: getEmaMultiAvgFn(this.decay), useBuffers: this.useBuffers } : { useBuffers: this.useBuffers });
  }

  private update(ctx: TrainContext): void {
    if (ctx.epoch < this.startEpoch) return;
    this.averagedModel ??= this.newAverage(ctx.model);
    this.averagedModel.updateParameters(ctx.model);
  }

  /** The average so far (its tensors, copied by the checkpoint), so a resumed fit keeps averaging. @example `const s = swa.stateDict()` */
  stateDict(): WeightAveragingState {
    return { average: this.averagedModel ? this.averagedModel.stateDict() : null };
  }

  /**
   * Puts back a stateDict(). fit({ resume }) calls it after onTrainBegin, which tells the callback
   * the model it averages.
   * @example `swa.loadStateDict(saved)`
   */
  loadStateDict(state: WeightAveragingState): void {
    if (!state || typeof state !== 'object' || !('average' in state)) throw new ArgumentError(`WeightAveraging.loadStateDict: state must come from stateDict(), got ${fmtArg(state)}`);
    if (state.average === null) {
      this.averagedModel = null;
      return;
    }
    if (!this.model) throw new ArgumentError('WeightAveraging.loadStateDict: the callback does not know its model yet; restore it after onTrainBegin (fit({ resume }) does)');
    const avg = this.newAverage(this.model);
    avg.loadStateDict(state.average);
    this.averagedModel = avg;
  }

  /**
   * Updates the average after an optimizer step (every: 'step'): not after a batch whose gradients
   * were only accumulated (fit's accumulate), nor after a skipped or rolled-back step, which leave
   * the weights as they were.
   */
  onBatchEnd(ctx: TrainContext, logs: StepLogs): void {
    if (this.every !== 'step' || logs.optimizerStep === false || logs.nonFinite) return;
    this.update(ctx);
  }

  /** Updates the average after an epoch (every: 'epoch'). */
  onEpochEnd(ctx: TrainContext): void {
    if (this.every === 'epoch') this.update(ctx);
  }

  /** Re-estimates BatchNorm for the average (unless its buffers were averaged) and loads it into the model. */
  onTrainEnd(ctx: TrainContext): void {
    const avg = this.averagedModel;
    if (!avg) return;
    if (!this.useBuffers && this.bnData) updateBn(this.bnData, avg.module);
    if (this.swapAtEnd) ctx.model.loadStateDict(avg.module.stateDict());
  }
}

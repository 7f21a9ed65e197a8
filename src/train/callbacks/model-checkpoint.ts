/** Saves checkpoints during training: the last epoch and/or the best one by a metric. */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { saveCheckpoint, statefulData } from '../checkpoint';
import { ArgumentError, fmtArg } from '../../errors';
import type { Callback, EpochLogs, SchedulerLike, TrainContext } from '../types';

/** What `ModelCheckpoint` saves and when. @example `new ModelCheckpoint({ dir: 'runs/a', monitor: 'valLoss' })` */
export interface ModelCheckpointOptions {
  /** Folder for `last.safetensors` and `best.safetensors`. */
  dir: string;
  /** Metric for 'best' (default 'valLoss', falling back to 'loss'). */
  monitor?: 'valLoss' | 'loss' | 'valAccuracy' | 'accuracy';
  saveBest?: boolean;
  saveLast?: boolean;
  /** The schedule to save (default: fit's scheduler). */
  scheduler?: SchedulerLike;
}

/**
 * Writes `<dir>/last.safetensors` every epoch and `<dir>/best.safetensors` when the metric improves.
 * @example `new ModelCheckpoint({ dir: 'runs/exp1' })`
 */
export class ModelCheckpoint implements Callback {
  best = NaN;
  constructor(readonly opts: ModelCheckpointOptions) {
    mkdirSync(opts.dir, { recursive: true });
  }

  /** The best value so far, so a resumed fit keeps the same 'best'. @example `const s = checkpoint.stateDict()` */
  stateDict(): { best: number } {
    return { best: this.best };
  }

  /** Puts back a stateDict(). @example `checkpoint.loadStateDict({ best: 0.31 })` */
  loadStateDict(state: { best: number }): void {
    if (!state || typeof state.best !== 'number') throw new ArgumentError(`ModelCheckpoint.loadStateDict: state must be { best: number }, got ${fmtArg(state)}`);
    this.best = state.best;
  }

  /**
   * Saves after the other callbacks' onEpochEnd (fit runs ModelCheckpoint last, as Lightning does),
   * so the file holds their state at the end of the epoch: model, optimizer, scheduler (the one given
   * here, else fit's), RNG, the training data's shuffle position and every callback with a stateDict.
   */
  onEpochEnd(ctx: TrainContext, logs: EpochLogs): void {
    const parts = {
      model: ctx.model, optimizer: ctx.optimizer, scheduler: this.opts.scheduler ?? ctx.scheduler,
      callbacks: ctx.callbacks, data: statefulData(ctx.trainData),
      extra: { epoch: logs.epoch, step: ctx.step, logs },
    };
    // The best value is updated before either file is written, so both hold the state after this epoch.
    let improved = false;
    if (this.opts.saveBest ?? true) {
      const monitor = this.opts.monitor ?? (logs.valLoss !== undefined ? 'valLoss' : 'loss');
      const value = logs[monitor];
      const higher = monitor.toLowerCase().includes('accuracy');
      if (value !== undefined && (Number.isNaN(this.best) || (higher ? value > this.best : value < this.best))) {
        this.best = value;
        improved = true;
      }
    }
    if (this.opts.saveLast ?? true) saveCheckpoint(join(this.opts.dir, 'last.safetensors'), parts);
    if (improved) saveCheckpoint(join(this.opts.dir, 'best.safetensors'), parts);
  }
}

/** Saves checkpoints during training: the last epoch and/or the best one by a metric. */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { saveCheckpoint } from '../checkpoint';
import type { Callback, EpochLogs, SchedulerLike, TrainContext } from '../types';

/** What `ModelCheckpoint` saves and when. @example `new ModelCheckpoint({ dir: 'runs/a', monitor: 'valLoss' })` */
export interface ModelCheckpointOptions {
  /** Folder for `last.safetensors` and `best.safetensors`. */
  dir: string;
  /** Metric for 'best' (default 'valLoss', falling back to 'loss'). */
  monitor?: 'valLoss' | 'loss' | 'valAccuracy' | 'accuracy';
  saveBest?: boolean;
  saveLast?: boolean;
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

  onEpochEnd(ctx: TrainContext, logs: EpochLogs): void {
    const parts = { model: ctx.model, optimizer: ctx.optimizer, scheduler: this.opts.scheduler, extra: { epoch: logs.epoch, step: ctx.step, logs } };
    if (this.opts.saveLast ?? true) saveCheckpoint(join(this.opts.dir, 'last.safetensors'), parts);
    if (this.opts.saveBest ?? true) {
      const monitor = this.opts.monitor ?? (logs.valLoss !== undefined ? 'valLoss' : 'loss');
      const value = logs[monitor];
      if (value === undefined) return;
      const higher = monitor.toLowerCase().includes('accuracy');
      if (Number.isNaN(this.best) || (higher ? value > this.best : value < this.best)) {
        this.best = value;
        saveCheckpoint(join(this.opts.dir, 'best.safetensors'), parts);
      }
    }
  }
}

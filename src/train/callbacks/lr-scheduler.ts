/** Steps a learning-rate schedule from callbacks (an alternative to fit's scheduler option). */
import type { Callback, EpochLogs, SchedulerLike, TrainContext } from '../types';

/**
 * @example `new LRSchedulerCallback(new optim.OneCycleLR(opt, { maxLr: 0.01, totalSteps }), { interval: 'step' })`
 */
export class LRSchedulerCallback implements Callback {
  constructor(readonly scheduler: SchedulerLike, readonly opts: { interval?: 'step' | 'epoch'; monitor?: 'valLoss' | 'loss' } = {}) {}

  onBatchEnd(): void {
    if ((this.opts.interval ?? 'epoch') === 'step') this.scheduler.step();
  }

  onEpochEnd(_ctx: TrainContext, logs: EpochLogs): void {
    if ((this.opts.interval ?? 'epoch') !== 'epoch') return;
    // A schedule whose step takes a metric (ReduceLROnPlateau) gets the monitored loss.
    if (this.scheduler.step.length >= 1) this.scheduler.step(logs[this.opts.monitor ?? 'valLoss'] ?? logs.loss);
    else this.scheduler.step();
  }
}

/** Steps a learning-rate schedule from callbacks (an alternative to fit's scheduler option). */
import { ArgumentError } from '../../errors';
import { takesMetric } from '../scheduler-metric';
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
    // A plateau schedule gets the monitored loss; the epoch schedules are stepped without an argument.
    if (takesMetric(this.scheduler)) this.scheduler.step(logs[this.opts.monitor ?? 'valLoss'] ?? logs.loss);
    else this.scheduler.step();
  }

  /** The schedule's state (null for a schedule without stateDict), so that fit({ resume }) carries it on. @example `const s = cb.stateDict()` */
  stateDict(): unknown {
    return typeof this.scheduler.stateDict === 'function' ? this.scheduler.stateDict() : null;
  }

  /** Puts back a stateDict() into the schedule. @example `cb.loadStateDict(saved)` */
  loadStateDict(state: unknown): void {
    if (state === null && typeof this.scheduler.stateDict !== 'function') return;
    const s = this.scheduler as SchedulerLike & { loadStateDict?: (state: unknown) => void };
    if (typeof s.loadStateDict !== 'function') throw new ArgumentError('LRSchedulerCallback.loadStateDict: the scheduler has no loadStateDict()');
    s.loadStateDict(state);
  }
}

/** Which schedules are stepped with the monitored metric at the end of an epoch. */
import { LRScheduler, ReduceLROnPlateau } from '../optim/lr_scheduler';
import type { SchedulerLike } from './types';

/**
 * Whether the epoch-end step gets the monitored metric: ReduceLROnPlateau, or a schedule of the
 * user's whose step takes an argument. Never optim's epoch schedules: their step(epoch?) would take
 * the loss for an epoch number and jump there.
 */
export function takesMetric(scheduler: SchedulerLike): boolean {
  if (scheduler instanceof ReduceLROnPlateau) return true;
  if (scheduler instanceof LRScheduler) return false;
  return scheduler.step.length >= 1;
}

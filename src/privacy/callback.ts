/**
 * fit() integration: a callback that puts ε spent into each step's and epoch's logs (so the
 * progress bar, metrics.jsonl and report.html show it) and stops training before the step
 * that would pass a target ε; writeReport draws ε over steps when the logs carry it. The optimizer itself also refuses that step (budget guard), so
 * the bound holds even without the callback.
 */
import type { Callback, EpochLogs, StepLogs, TrainContext } from '../train/types';
import type { PrivateTraining } from './engine';

/**
 * Reports ε during fit and stops at a target. Put it before MetricsLogger and ProgressBar in
 * the callback list so they see ε; pass `signal: priv.signal` to fit to stop mid-epoch.
 * @example
 * await fit(priv.model, { optimizer: priv.optimizer, loss: crossEntropy, trainData: priv.dataLoader, epochs: 10,
 *   signal: priv.signal, callbacks: [new privacy.PrivacyCallback(priv), new train.ProgressBar()] });
 */
export class PrivacyCallback implements Callback {
  /** (step, ε) after every step. */
  readonly history: { step: number; epsilon: number }[] = [];

  constructor(readonly priv: PrivateTraining<unknown>, readonly opts: { delta?: number } = {}) {}

  onBatchEnd(ctx: TrainContext, logs: StepLogs): void {
    const epsilon = this.priv.getEpsilon(this.opts.delta);
    logs.epsilon = epsilon;
    this.history.push({ step: logs.step, epsilon });
    if (this.priv.budgetExhausted()) {
      ctx.stopTraining = true;
      this.priv.stop();
    }
  }

  onEpochEnd(_ctx: TrainContext, logs: EpochLogs): void {
    logs.epsilon = this.priv.getEpsilon(this.opts.delta);
  }
}

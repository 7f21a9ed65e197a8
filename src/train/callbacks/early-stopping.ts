/** Stop when a monitored quantity stops improving. */
import { ArgumentError } from '../../errors';
import { tensor } from '../../ops/creation';
import type { Tensor } from '../../tensor/tensor';
import type { Callback, EpochLogs, TrainContext } from '../types';

/** EarlyStopping's checkpoint state. */
export interface EarlyStoppingState {
  best: number;
  bestEpoch: number;
  wait: number;
  stoppedEpoch: number;
  /** The best epoch's weights (with restoreBestWeights), as flat float32 tensors. */
  bestWeights: Tensor[] | null;
}

/** What `EarlyStopping` watches and how long it waits. @example `new EarlyStopping({ monitor: 'valLoss', patience: 3 })` */
export interface EarlyStoppingOptions {
  /** 'valLoss' (default), 'loss', 'valAccuracy' or 'accuracy'. */
  monitor?: 'valLoss' | 'loss' | 'valAccuracy' | 'accuracy';
  /** Epochs without improvement before stopping (default 3). */
  patience?: number;
  /** Smallest change that counts as improvement (default 0). */
  minDelta?: number;
  /** 'min' or 'max'; default from the monitor's name. */
  mode?: 'min' | 'max';
  /** Put back the best epoch's weights when stopping (default false). */
  restoreBestWeights?: boolean;
}

/**
 * Keras-style early stopping on epoch metrics.
 * @example `new EarlyStopping({ monitor: 'valLoss', patience: 2 })`
 */
export class EarlyStopping implements Callback {
  readonly monitor: NonNullable<EarlyStoppingOptions['monitor']>;
  readonly patience: number;
  readonly minDelta: number;
  readonly mode: 'min' | 'max';
  private readonly restore: boolean;
  best = NaN;
  bestEpoch = -1;
  stoppedEpoch = -1;
  private wait = 0;
  private bestWeights: Float32Array[] | null = null;

  constructor(opts: EarlyStoppingOptions = {}) {
    this.monitor = opts.monitor ?? 'valLoss';
    if (!['valLoss', 'loss', 'valAccuracy', 'accuracy'].includes(this.monitor)) throw new ArgumentError(`EarlyStopping: unknown monitor '${this.monitor}'`);
    this.patience = opts.patience ?? 3;
    if (!Number.isInteger(this.patience) || this.patience < 0) throw new ArgumentError(`EarlyStopping: patience must be a non-negative integer, got ${this.patience}`);
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.mode = opts.mode ?? (this.monitor.toLowerCase().includes('accuracy') ? 'max' : 'min');
    this.restore = opts.restoreBestWeights ?? false;
  }

  onTrainBegin(): void {
    this.best = NaN;
    this.bestEpoch = -1;
    this.wait = 0;
    this.stoppedEpoch = -1;
  }

  /** The best value, its epoch and the epochs waited (and the best weights), so a resumed fit keeps counting. @example `const s = stopper.stateDict()` */
  stateDict(): EarlyStoppingState {
    return {
      best: this.best, bestEpoch: this.bestEpoch, wait: this.wait, stoppedEpoch: this.stoppedEpoch,
      bestWeights: this.bestWeights ? this.bestWeights.map((w) => tensor(w)) : null,
    };
  }

  /** Puts back a stateDict(). @example `stopper.loadStateDict(saved)` */
  loadStateDict(state: EarlyStoppingState): void {
    const numbers = ['best', 'bestEpoch', 'wait', 'stoppedEpoch'] as const;
    if (!state || typeof state !== 'object' || numbers.some((k) => typeof state[k] !== 'number')) {
      throw new ArgumentError(`EarlyStopping.loadStateDict: state must come from stateDict() (numbers ${numbers.join(', ')})`);
    }
    this.best = state.best;
    this.bestEpoch = state.bestEpoch;
    this.wait = state.wait;
    this.stoppedEpoch = state.stoppedEpoch;
    this.bestWeights = state.bestWeights ? state.bestWeights.map((t) => Float32Array.from(t.values)) : null;
  }

  onEpochEnd(ctx: TrainContext, logs: EpochLogs): void {
    const value = logs[this.monitor];
    if (value === undefined) throw new ArgumentError(`EarlyStopping: '${this.monitor}' is not in the epoch logs (pass valData to fit to get val metrics)`);
    const improved = Number.isNaN(this.best) || (this.mode === 'min' ? value < this.best - this.minDelta : value > this.best + this.minDelta);
    if (improved) {
      this.best = value;
      this.bestEpoch = logs.epoch;
      this.wait = 0;
      if (this.restore) this.bestWeights = ctx.model.parameters().map((p) => p.values.slice() as Float32Array);
      return;
    }
    if (++this.wait > this.patience) {
      ctx.stopTraining = true;
      this.stoppedEpoch = logs.epoch;
      if (this.restore && this.bestWeights) {
        ctx.model.parameters().forEach((p, i) => { p.values.set(this.bestWeights![i]); p.storage.version++; });
      }
    }
  }
}

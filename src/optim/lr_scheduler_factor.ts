/**
 * ConstantLR and PolynomialLR (torch.optim.lr_scheduler), in PyTorch's chainable
 * form so they compose with other schedulers on one optimizer step for step.
 */
import { ArgumentError, fmtArg } from '../errors';
import { LRScheduler } from './lr_scheduler';
import type { Optimizer } from './optimizer';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;

function checkRange(name: string, option: string, v: unknown, ok: (x: number) => boolean, why: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new ArgumentError(`${name}: ${option} ${why}, got ${fmtArg(v)}`);
  return v;
}

/**
 * Multiplies the lr by a constant `factor` (default 1/3) for the first `totalIters` steps
 * (default 5), then restores it: a simple warm-up.
 * @example `const warmup = new optim.ConstantLR(opt, { factor: 0.5, totalIters: 4 })`
 */
export class ConstantLR extends LRScheduler {
  factor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, opts: { factor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    super('ConstantLR', optimizer, opts.lastEpoch ?? -1);
    this.factor = checkRange('ConstantLR', 'factor', opts.factor ?? 1 / 3, (x) => x >= 0 && x <= 1, 'must be in [0, 1]');
    this.totalIters = checkRange('ConstantLR', 'totalIters', opts.totalIters ?? 5, (x) => Number.isInteger(x) && x >= 0, 'must be an integer >= 0');
    this.initialStep();
  }
  protected computeLr(): number[] {
    const t = this.lastEpoch;
    if (t === 0) return this.groups.map((g) => g.lr * this.factor);
    if (t !== this.totalIters) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 / this.factor));
  }
  protected override closedFormLr(): number[] {
    const f = this.factor + (this.lastEpoch >= this.totalIters ? 1 - this.factor : 0);
    return this.baseLrs.map((b) => b * f);
  }
}

/**
 * Decays the lr polynomially to 0 over `totalIters` steps (default 5):
 * lr_t = base · (1 − min(t, totalIters)/totalIters)^power (power default 1, linear).
 * @example `const sched = new optim.PolynomialLR(opt, { totalIters: 100, power: 2 })`
 */
export class PolynomialLR extends LRScheduler {
  totalIters: number;
  power: number;
  constructor(optimizer: AnyOptimizer, opts: { totalIters?: number; power?: number; lastEpoch?: number } = {}) {
    super('PolynomialLR', optimizer, opts.lastEpoch ?? -1);
    this.totalIters = checkRange('PolynomialLR', 'totalIters', opts.totalIters ?? 5, (x) => Number.isInteger(x) && x >= 1, 'must be an integer >= 1');
    this.power = checkRange('PolynomialLR', 'power', opts.power ?? 1, (x) => x >= 0, 'must be >= 0');
    this.initialStep();
  }
  protected computeLr(): number[] {
    const t = this.lastEpoch, n = this.totalIters;
    if (t === 0 || t > n) return this.groups.map((g) => g.lr);
    // The ratio of consecutive closed-form values, so a chained schedule's changes survive.
    const decay = ((1 - t / n) / (1 - (t - 1) / n)) ** this.power;
    return this.groups.map((g) => g.lr * decay);
  }
  protected override closedFormLr(): number[] {
    const f = (1 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power;
    return this.baseLrs.map((b) => b * f);
  }
}

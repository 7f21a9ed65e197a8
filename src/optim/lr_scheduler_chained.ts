/**
 * ChainedScheduler (torch.optim.lr_scheduler): steps several chainable
 * schedulers of one optimizer together, so their effects compose (a warm-up
 * factor on top of a decay, say), with PyTorch 2.x's semantics.
 */
import { ArgumentError, fmtArg } from '../errors';
import { checkOptimizer, fail, LRScheduler, ReduceLROnPlateau, type SchedulerStateDict } from './lr_scheduler';
import type { Optimizer } from './optimizer';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;

const NAME = 'ChainedScheduler';

/**
 * Calls `step()` of every scheduler in turn on each of its own steps. The schedulers must share
 * one optimizer (the one given, or the first scheduler's). Constructing it steps nothing: each
 * scheduler has already taken its initial step.
 * @example
 * // lr = 0.5·base·0.9^t for t < 3, then base·0.9^t.
 * const sched = new optim.ChainedScheduler([
 *   new optim.ConstantLR(opt, { factor: 0.5, totalIters: 3 }),
 *   new optim.ExponentialLR(opt, { gamma: 0.9 }),
 * ]);
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export class ChainedScheduler extends LRScheduler {
  // Private, so that the base stateDict (every own enumerable field) does not walk the children and their optimizer.
  readonly #schedulers: LRScheduler[];

  constructor(schedulers: LRScheduler[], optimizer?: AnyOptimizer) {
    if (!Array.isArray(schedulers) || schedulers.length < 1) fail(NAME, 'schedulers', 'must be a non-empty array of schedulers', Array.isArray(schedulers) ? '[]' : fmtArg(schedulers));
    schedulers.forEach((s, i) => {
      if (s instanceof ReduceLROnPlateau) throw new ArgumentError(`${NAME}: schedulers[${i}] is a ReduceLROnPlateau, which needs a metric at each step and cannot be chained`);
      if (!(s instanceof LRScheduler)) fail(NAME, `schedulers[${i}]`, 'must be an epoch scheduler', fmtArg(s));
    });
    const given = optimizer !== undefined && optimizer !== null;
    const opt = given ? checkOptimizer(NAME, optimizer) : schedulers[0].optimizer;
    schedulers.forEach((s, i) => {
      if (s.optimizer !== opt) {
        throw new ArgumentError(`${NAME}: all schedulers must drive one optimizer, but schedulers[${i}] (${s.constructor.name}) drives a different one than ${given ? 'the optimizer given' : 'schedulers[0]'}`);
      }
    });
    super(NAME, opt, -1);
    this.#schedulers = schedulers.slice();
    // The children took their initial steps already; count from there, as they do.
    this.lastEpoch = 0;
    this.stepCount = 1;
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** The chained schedulers, in the order they are stepped. @example `sched.schedulers.length` */
  get schedulers(): readonly LRScheduler[] {
    return this.#schedulers;
  }

  protected computeLr(): number[] {
    return this.groups.map((g) => g.lr);
  }

  /** Steps every scheduler in order. @example `opt.step(); sched.step()` */
  override step(): void {
    for (const s of this.#schedulers) s.step();
    this.stepCount++;
    this.lastEpoch++;
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** Its own state and, under `schedulers`, each scheduler's. @example `const saved = sched.stateDict()` */
  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), schedulers: this.#schedulers.map((s) => s.stateDict()) };
  }

  /** Restores a state from stateDict(); nothing changes when any part is refused. @example `sched.loadStateDict(saved)` */
  override loadStateDict(sd: SchedulerStateDict): void {
    if (sd === null || typeof sd !== 'object' || Array.isArray(sd)) return super.loadStateDict(sd);
    const { schedulers, ...rest } = sd;
    const n = this.#schedulers.length;
    if (schedulers !== undefined && (!Array.isArray(schedulers) || schedulers.length !== n)) {
      throw new ArgumentError(`${NAME}.loadStateDict: ${Array.isArray(schedulers) ? schedulers.length : 'no list of'} scheduler states for ${n} schedulers`);
    }
    // A child may refuse its state after others were written: put every part back, then rethrow.
    const before = this.stateDict();
    try {
      super.loadStateDict(rest);
      (schedulers as SchedulerStateDict[] | undefined)?.forEach((s, i) => this.#schedulers[i].loadStateDict(s));
    } catch (e) {
      const { schedulers: saved, ...own } = before;
      super.loadStateDict(own);
      (saved as SchedulerStateDict[]).forEach((s, i) => this.#schedulers[i].loadStateDict(s));
      throw e;
    }
  }
}

/**
 * LambdaLR and MultiplicativeLR (torch.optim.lr_scheduler): schedules given by
 * a user function of the epoch, one for all parameter groups or one per group.
 *
 * Functions cannot go into a state dict. As in PyTorch, a plain function's
 * slot saves as null and loading keeps the functions the scheduler was built
 * with; PyTorch's stateful callable objects map to functions carrying their own
 * enumerable properties, which are saved and restored onto the function.
 */
import { ArgumentError, fmtArg } from '../errors';
import { checkOptimizer, fail, LRScheduler, type SchedulerStateDict } from './lr_scheduler';
import type { Optimizer } from './optimizer';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;

/** A factor as a function of the epoch (the index of the step, 0 at construction). @example `(epoch) => 0.95 ** epoch` */
export type LrLambda = (epoch: number) => number;

/** Options of `LambdaLR` and `MultiplicativeLR`. @example `{ lrLambda: (epoch) => Math.min(1, (epoch + 1) / 5) }` */
export interface LambdaLROptions {
  /** One function for every parameter group, or an array of exactly one per group. */
  lrLambda: LrLambda | LrLambda[];
  /** The index of the last step, to resume (default -1: start). */
  lastEpoch?: number;
}

/** Validates lrLambda before anything is changed and returns one function per group. */
function lambdasPerGroup(name: string, optimizer: unknown, opts: LambdaLROptions): LrLambda[] {
  const n = checkOptimizer(name, optimizer).paramGroups.length;
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${name}: options { lrLambda } are required, got ${fmtArg(opts)}`);
  const given = opts.lrLambda;
  if (Array.isArray(given)) {
    if (given.length !== n) throw new ArgumentError(`${name}: lrLambda has ${given.length} functions but the optimizer has ${n} parameter groups; give one function, or one per group`);
    given.forEach((f, i) => {
      if (typeof f !== 'function') fail(name, `lrLambda[${i}]`, 'must be a function of the epoch', fmtArg(f));
    });
    return given.slice();
  }
  if (typeof given !== 'function') fail(name, 'lrLambda', 'must be a function of the epoch or an array of them', fmtArg(given));
  return new Array<LrLambda>(n).fill(given);
}

/**
 * @internal Calls a user function. A JS function that forgets its `return` gives undefined, which would
 * silently set every lr to NaN; Python raises on the None instead, so this throws before any lr is set.
 */
export function callFactor(name: string, what: string, fn: (x: number) => number, x: number): number {
  const v = fn(x);
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ArgumentError(`${name}: ${what} returned ${fmtArg(v)} for ${x}; it must return a finite number`);
  return v;
}

/** @internal PyTorch's saved slot of a function: null for a plain one, a copy of the data a stateful one carries. */
export function functionState(fn: unknown): Record<string, unknown> | null {
  if (typeof fn !== 'function' || Object.keys(fn).length === 0) return null;
  return JSON.parse(JSON.stringify({ ...fn })) as Record<string, unknown>;
}

/** @internal Checks a saved function slot: null, or the data of a stateful function this scheduler has. */
export function checkFunctionState(op: string, what: string, fn: unknown, saved: unknown): void {
  if (saved === null || saved === undefined) return;
  if (typeof saved !== 'object' || Array.isArray(saved)) throw new ArgumentError(`${op}: ${what} must be null or an object of the function's properties, got ${JSON.stringify(saved)}`);
  if (typeof fn !== 'function') throw new ArgumentError(`${op}: ${what} holds saved properties but the scheduler has no function there to restore them onto`);
}

function saveLambdas(sd: SchedulerStateDict, fns: LrLambda[]): SchedulerStateDict {
  return { ...sd, lrLambdas: fns.map(functionState) };
}

/** Splits off and checks the lrLambdas slots, so that a bad one is refused before anything is written. */
function checkLambdaState(name: string, fns: LrLambda[], sd: SchedulerStateDict): { rest: SchedulerStateDict; slots: unknown[] } {
  const op = `${name}.loadStateDict`;
  if (sd === null || typeof sd !== 'object' || Array.isArray(sd)) throw new ArgumentError(`${op}: expected an object from stateDict(), got ${JSON.stringify(sd)}`);
  const { lrLambdas, ...rest } = sd;
  if (lrLambdas === undefined) return { rest, slots: [] };
  if (!Array.isArray(lrLambdas) || lrLambdas.length !== fns.length) {
    throw new ArgumentError(`${op}: lrLambdas must have one slot per parameter group (${fns.length}), got ${JSON.stringify(lrLambdas)}`);
  }
  lrLambdas.forEach((s, i) => checkFunctionState(op, `lrLambdas[${i}]`, fns[i], s));
  return { rest, slots: lrLambdas };
}

function restoreLambdas(fns: LrLambda[], slots: unknown[]): void {
  slots.forEach((s, i) => {
    if (s !== null && s !== undefined) Object.assign(fns[i], s);
  });
}

/** What LambdaLR and MultiplicativeLR share: one function per group, and a state that saves their slots. */
abstract class LambdaScheduler extends LRScheduler {
  /** One function per parameter group. */
  lrLambdas: LrLambda[];
  protected constructor(name: string, optimizer: AnyOptimizer, opts: LambdaLROptions) {
    const lambdas = lambdasPerGroup(name, optimizer, opts);
    super(name, optimizer, opts.lastEpoch ?? -1);
    this.lrLambdas = lambdas;
    this.initialStep();
  }
  /** The state; a function's slot in `lrLambdas` is null (or its own properties' data). @example `const saved = sched.stateDict()` */
  override stateDict(): SchedulerStateDict {
    return saveLambdas(super.stateDict(), this.lrLambdas);
  }
  /** Restores a state from stateDict(), keeping this scheduler's functions. @example `sched.loadStateDict(saved)` */
  override loadStateDict(sd: SchedulerStateDict): void {
    const { rest, slots } = checkLambdaState(this.name, this.lrLambdas, sd);
    super.loadStateDict(rest);
    restoreLambdas(this.lrLambdas, slots);
  }
}

/**
 * Sets each group's lr to its initial lr times `lrLambda(epoch)`:
 *   lr_t = base · λ(t).
 * @example
 * // Linear warm-up over 5 epochs, then constant.
 * const sched = new optim.LambdaLR(opt, { lrLambda: (epoch) => Math.min(1, (epoch + 1) / 5) });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export class LambdaLR extends LambdaScheduler {
  constructor(optimizer: AnyOptimizer, opts: LambdaLROptions) {
    super('LambdaLR', optimizer, opts);
  }
  protected computeLr(): number[] {
    return this.baseLrs.map((b, i) => b * callFactor(this.name, `lrLambda (group ${i})`, this.lrLambdas[i], this.lastEpoch));
  }
}

/**
 * Multiplies each group's lr by `lrLambda(epoch)` at every step after the first
 * (chainable: it scales whatever lr the group has, also one set by another scheduler):
 *   lr_t = lr_{t-1} · λ(t).
 * @example
 * const sched = new optim.MultiplicativeLR(opt, { lrLambda: () => 0.95 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export class MultiplicativeLR extends LambdaScheduler {
  constructor(optimizer: AnyOptimizer, opts: LambdaLROptions) {
    super('MultiplicativeLR', optimizer, opts);
  }
  protected computeLr(): number[] {
    // The construction step (also when resuming with lastEpoch) leaves the lrs alone, as PyTorch 2.x's initial mode does.
    if (this.stepCount === 1) return this.groups.map((g) => g.lr);
    return this.groups.map((g, i) => g.lr * callFactor(this.name, `lrLambda (group ${i})`, this.lrLambdas[i], this.lastEpoch));
  }
}

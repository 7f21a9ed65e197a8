/**
 * Learning-rate schedules (torch.optim.lr_scheduler). A scheduler changes the
 * `lr` of every parameter group of its optimizer; call `step()` once per epoch
 * (or per batch, for OneCycleLR) after `optimizer.step()`.
 *
 * The schedules use PyTorch's recursive ("chainable") forms, so the sequences
 * match PyTorch's step for step, also when several schedulers act on one
 * optimizer; `step(epoch)` with an explicit epoch uses the closed form where
 * PyTorch has one.
 */
import { ArgumentError, fmtArg } from '../errors';
import { checkSchedulerState } from './scheduler-state';
import type { BaseOptions, Optimizer } from './optimizer';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOptimizer = Optimizer<any>;
type Group = BaseOptions & Record<string, unknown>;

/** Python's modulo (the sign of the divisor), which PyTorch's formulas assume. */
const pymod = (a: number, m: number): number => ((a % m) + m) % m;

/** Index of the first element > x in a sorted array (Python's bisect_right). */
function bisectRight(xs: number[], x: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < xs[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** @internal Throws the schedulers' ArgumentError: `${name}: ${option} ${why}, got ${value}`. */
export function fail(name: string, option: string, why: string, value: unknown): never {
  throw new ArgumentError(`${name}: ${option} ${why}, got ${Array.isArray(value) ? `[${value.join(', ')}]` : String(value)}`);
}

/** @internal Checks a scheduler option is a finite number in range; throws via fail(). */
export function checkNumber(name: string, option: string, v: unknown, range: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; integer?: boolean } = {}): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(name, option, 'must be a finite number', v);
  const x = v as number;
  if (range.integer && !Number.isInteger(x)) fail(name, option, 'must be an integer', v);
  if (range.min !== undefined && (range.minExclusive ? x <= range.min : x < range.min)) fail(name, option, `must be ${range.minExclusive ? '>' : '>='} ${range.min}`, v);
  if (range.max !== undefined && (range.maxExclusive ? x >= range.max : x > range.max)) fail(name, option, `must be ${range.maxExclusive ? '<' : '<='} ${range.max}`, v);
  return x;
}

/** @internal */
export function checkOptimizer(name: string, optimizer: unknown): AnyOptimizer {
  const o = optimizer as AnyOptimizer;
  if (o === null || typeof o !== 'object' || !Array.isArray(o.paramGroups) || o.paramGroups.length === 0) {
    throw new ArgumentError(`${name}: optimizer must be an Optimizer with parameter groups, got ${fmtArg(optimizer)}`);
  }
  return o;
}

/** @internal One value per parameter group: a number for all of them, or an array of exactly one per group. */
export function perGroup(name: string, option: string, v: unknown, nGroups: number, range: Parameters<typeof checkNumber>[3]): number[] {
  if (Array.isArray(v)) {
    if (v.length !== nGroups) fail(name, option, `must have one value per parameter group (${nGroups})`, v);
    return v.map((x, i) => checkNumber(name, `${option}[${i}]`, x, range));
  }
  return new Array<number>(nGroups).fill(checkNumber(name, option, v, range));
}

/**
 * @internal Whether cycled momentum drives beta1 of `betas` (the Adam family) rather than `momentum`,
 * decided from the optimizer's defaults as PyTorch does; throws when it has neither.
 */
export function cyclesBeta1(name: string, opt: AnyOptimizer): boolean {
  const defaults = opt.defaults as Record<string, unknown>;
  if ('betas' in defaults) return true;
  if (!('momentum' in defaults)) {
    throw new ArgumentError(`${name}: cycleMomentum needs an optimizer with momentum or betas (${opt.name} has neither); pass cycleMomentum: false`);
  }
  return false;
}

/** @internal Sets a group's cycled momentum: beta1 (a new betas array, beta2 kept) or momentum. */
export function setGroupMomentum(g: Record<string, unknown>, useBeta1: boolean, m: number): void {
  if (useBeta1) g.betas = [m, ...(g.betas as number[]).slice(1)];
  else g.momentum = m;
}

const deepCopy = <T>(v: T): T => (Array.isArray(v) ? (v.map(deepCopy) as T) : v && typeof v === 'object' ? (Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deepCopy(x)])) as T) : v);

/** A scheduler's state: plain numbers, arrays and objects (JSON-friendly, Infinity aside). */
export type SchedulerStateDict = Record<string, unknown>;

/** Base of the epoch-indexed schedules. */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** The index of the last step taken (-1 before the first; 0 after construction). */
  lastEpoch: number;
  /** The groups' lrs when the schedule started (their `initialLr`). */
  baseLrs: number[];
  protected lastLr: number[] = [];
  protected stepCount = 0;
  protected readonly name: string;

  protected constructor(name: string, optimizer: AnyOptimizer, lastEpoch = -1) {
    this.name = name;
    this.optimizer = checkOptimizer(name, optimizer);
    checkNumber(name, 'lastEpoch', lastEpoch, { min: -1, integer: true });
    const groups = this.groups;
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new ArgumentError(`${name}: paramGroups[${i}] has no initialLr, which resuming with lastEpoch ${lastEpoch} needs`);
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  protected get groups(): Group[] {
    return this.optimizer.paramGroups as Group[];
  }

  /** @internal Subclasses call this at the end of their constructor (PyTorch's _initial_step); SequentialLR restarts with it. */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The lrs of the next step from the current ones (the chainable form). */
  protected abstract computeLr(): number[];

  /** The closed-form lrs at lastEpoch, used by step(epoch); null where the schedule has none. */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * Advances the schedule by one step and sets every group's lr. An explicit
   * epoch jumps there (closed form where there is one), as PyTorch's deprecated form does.
   * @example `opt.step(); sched.step()`
   */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.computeLr();
    } else {
      this.lastEpoch = checkNumber(this.name, 'epoch', epoch, { min: 0 });
      values = this.closedFormLr() ?? this.computeLr();
    }
    this.groups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.lastLr = this.groups.map((g) => g.lr);
  }

  /** The lr of every group after the last step. @example `sched.getLastLr() // [0.001]` */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** Everything but the optimizer, as plain data. @example `const saved = sched.stateDict()` */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) if (k !== 'optimizer' && k !== 'name') out[k] = deepCopy(v);
    return out;
  }

  /** Restores a state from stateDict(). @example `sched.loadStateDict(saved)` */
  loadStateDict(sd: SchedulerStateDict): void {
    const self = this as unknown as Record<string, unknown>;
    // Every entry is checked before any is written: a bad state leaves the scheduler as it was.
    checkSchedulerState(this.name, self, sd, ['optimizer', 'name', 'schedulers']);
    for (const [k, v] of Object.entries(sd)) {
      if (k === 'optimizer' || k === 'name') continue;
      self[k] = deepCopy(v);
    }
  }
}

/**
 * Multiplies the lr by gamma every stepSize epochs.
 * @example `const sched = new optim.StepLR(opt, { stepSize: 30, gamma: 0.1 })`
 */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { stepSize: number; gamma?: number; lastEpoch?: number }) {
    super('StepLR', optimizer, opts?.lastEpoch ?? -1);
    this.stepSize = checkNumber('StepLR', 'stepSize', opts.stepSize, { min: 1, integer: true });
    this.gamma = checkNumber('StepLR', 'gamma', opts.gamma ?? 0.1, { min: 0 });
    this.initialStep();
  }
  protected computeLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/**
 * Multiplies the lr by gamma at each milestone epoch.
 * @example `const sched = new optim.MultiStepLR(opt, { milestones: [30, 80], gamma: 0.1 })`
 */
export class MultiStepLR extends LRScheduler {
  milestones: number[];
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { milestones: number[]; gamma?: number; lastEpoch?: number }) {
    super('MultiStepLR', optimizer, opts?.lastEpoch ?? -1);
    if (!Array.isArray(opts.milestones)) fail('MultiStepLR', 'milestones', 'must be an array of epochs', opts.milestones);
    opts.milestones.forEach((m, i) => checkNumber('MultiStepLR', `milestones[${i}]`, m, { min: 0, integer: true }));
    this.milestones = [...opts.milestones].sort((a, b) => a - b);
    this.gamma = checkNumber('MultiStepLR', 'gamma', opts.gamma ?? 0.1, { min: 0 });
    this.initialStep();
  }
  protected computeLr(): number[] {
    // A milestone listed k times multiplies by gamma^k (PyTorch counts them).
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** hits);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** bisectRight(this.milestones, this.lastEpoch));
  }
}

/**
 * Multiplies the lr by gamma every epoch.
 * @example `const sched = new optim.ExponentialLR(opt, { gamma: 0.95 })`
 */
export class ExponentialLR extends LRScheduler {
  gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { gamma: number; lastEpoch?: number }) {
    super('ExponentialLR', optimizer, opts?.lastEpoch ?? -1);
    this.gamma = checkNumber('ExponentialLR', 'gamma', opts.gamma, { min: 0 });
    this.initialStep();
  }
  protected computeLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch);
  }
}

/**
 * Cosine annealing from the base lr to etaMin over tMax epochs (and back up
 * over the next tMax, as PyTorch's recursive form does):
 *   lr_t = etaMin + (base - etaMin) (1 + cos(pi t / tMax)) / 2   when stepped normally.
 * @example `const sched = new optim.CosineAnnealingLR(opt, { tMax: 100, etaMin: 1e-5 })`
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;
  constructor(optimizer: AnyOptimizer, opts: { tMax: number; etaMin?: number; lastEpoch?: number }) {
    super('CosineAnnealingLR', optimizer, opts?.lastEpoch ?? -1);
    this.tMax = checkNumber('CosineAnnealingLR', 'tMax', opts.tMax, { min: 0, minExclusive: true });
    this.etaMin = checkNumber('CosineAnnealingLR', 'etaMin', opts.etaMin ?? 0, { min: 0 });
    this.initialStep();
  }
  protected computeLr(): number[] {
    const t = this.lastEpoch, T = this.tMax, eta = this.etaMin;
    if (t === 0) return this.groups.map((g) => g.lr);
    if (this.stepCount === 1 && t > 0) {
      return this.baseLrs.map((b) => eta + ((b - eta) * (1 + Math.cos((t * Math.PI) / T))) / 2);
    }
    if (pymod(t - 1 - T, 2 * T) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - eta) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return this.groups.map((g) => ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (g.lr - eta) + eta);
  }
  protected override closedFormLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2);
  }
}

/**
 * Cosine annealing with warm restarts (SGDR): the lr falls from base to etaMin
 * over t0 epochs, then restarts; each period is tMult times the previous one.
 * step(epoch) accepts fractional epochs (call it per batch with epoch + i / batches).
 * @example `const sched = new optim.CosineAnnealingWarmRestarts(opt, { t0: 10, tMult: 2 })`
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  t0: number;
  tMult: number;
  etaMin: number;
  /** The length of the current period. */
  tI: number;
  /** Epochs since the last restart. */
  tCur: number;
  constructor(optimizer: AnyOptimizer, opts: { t0: number; tMult?: number; etaMin?: number; lastEpoch?: number }) {
    const name = 'CosineAnnealingWarmRestarts';
    super(name, optimizer, opts?.lastEpoch ?? -1);
    this.t0 = checkNumber(name, 't0', opts.t0, { min: 1, integer: true });
    this.tMult = checkNumber(name, 'tMult', opts.tMult ?? 1, { min: 1, integer: true });
    this.etaMin = checkNumber(name, 'etaMin', opts.etaMin ?? 0, { min: 0 });
    this.tI = this.t0;
    this.tCur = this.lastEpoch;
    this.initialStep();
  }
  protected computeLr(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2);
  }
  override step(epoch?: number): void {
    if (epoch === undefined && this.lastEpoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.lastEpoch + 1;
      this.tCur += 1;
      if (this.tCur >= this.tI) {
        this.tCur -= this.tI;
        this.tI *= this.tMult;
      }
    } else {
      checkNumber(this.name, 'epoch', epoch, { min: 0 });
      if (epoch >= this.t0) {
        if (this.tMult === 1) {
          this.tCur = pymod(epoch, this.t0);
        } else {
          const n = Math.floor(Math.log((epoch / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = epoch - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = epoch;
      }
    }
    this.stepCount++;
    this.lastEpoch = Math.floor(epoch);
    const values = this.computeLr();
    this.groups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.lastLr = this.groups.map((g) => g.lr);
  }
}

/**
 * Scales the lr linearly from startFactor to endFactor times the base over totalIters steps.
 * @example `const warmup = new optim.LinearLR(opt, { startFactor: 0.1, totalIters: 5 })`
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;
  constructor(optimizer: AnyOptimizer, opts: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    super('LinearLR', optimizer, opts.lastEpoch ?? -1);
    this.startFactor = checkNumber('LinearLR', 'startFactor', opts.startFactor ?? 1 / 3, { min: 0, max: 1, minExclusive: true });
    this.endFactor = checkNumber('LinearLR', 'endFactor', opts.endFactor ?? 1, { min: 0, max: 1 });
    this.totalIters = checkNumber('LinearLR', 'totalIters', opts.totalIters ?? 5, { min: 1, integer: true });
    this.initialStep();
  }
  protected computeLr(): number[] {
    const t = this.lastEpoch, s = this.startFactor, e = this.endFactor, n = this.totalIters;
    if (t === 0) return this.groups.map((g) => g.lr * s);
    if (t > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))));
  }
  protected override closedFormLr(): number[] {
    const f = this.startFactor + ((this.endFactor - this.startFactor) * Math.min(this.totalIters, this.lastEpoch)) / this.totalIters;
    return this.baseLrs.map((b) => b * f);
  }
}

/** Options of `OneCycleLR`. @example `new optim.OneCycleLR(opt, { maxLr: 0.01, totalSteps: 1000 })` */
export interface OneCycleLROptions {
  /** Peak lr, one for all groups or one per group. */
  maxLr: number | number[];
  /** Steps in the cycle; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Share of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: 'cos' | 'linear';
  /** Cycle momentum (SGD) or beta1 (Adam) inversely to the lr, between baseMomentum and maxMomentum (default true). */
  cycleMomentum?: boolean;
  baseMomentum?: number | number[];
  maxMomentum?: number | number[];
  /** Initial lr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** Final lr = initial lr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Fast.ai's three phases: up, back down to the initial lr, then annihilation (default false). */
  threePhase?: boolean;
  lastEpoch?: number;
}

interface Phase { endStep: number; startLr: 'initialLr' | 'maxLr' | 'minLr'; endLr: 'initialLr' | 'maxLr' | 'minLr'; startMomentum: 'maxMomentum' | 'baseMomentum'; endMomentum: 'maxMomentum' | 'baseMomentum' }

/**
 * The 1cycle policy (Smith & Topin): the lr rises from maxLr/divFactor to maxLr
 * over pctStart of the steps, then anneals to the initial lr / finalDivFactor,
 * while momentum (or Adam's beta1) moves the opposite way. Step it once per batch.
 * @example `const sched = new optim.OneCycleLR(opt, { maxLr: 0.01, totalSteps: epochs * batches })`
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: 'cos' | 'linear';
  cycleMomentum: boolean;
  useBeta1: boolean;
  phases: Phase[];
  /** Per group: the lrs and momenta of the phase ends. */
  initialLrs: number[];
  maxLrs: number[];
  minLrs: number[];
  maxMomenta: number[];
  baseMomenta: number[];

  constructor(optimizer: AnyOptimizer, opts: OneCycleLROptions) {
    const name = 'OneCycleLR';
    const opt = checkOptimizer(name, optimizer);
    if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${name}: options { maxLr, totalSteps } are required`);
    const nGroups = opt.paramGroups.length;
    let totalSteps: number;
    if (opts.totalSteps !== undefined) {
      totalSteps = checkNumber(name, 'totalSteps', opts.totalSteps, { min: 1, integer: true });
    } else if (opts.epochs !== undefined && opts.stepsPerEpoch !== undefined) {
      totalSteps = checkNumber(name, 'epochs', opts.epochs, { min: 1, integer: true }) * checkNumber(name, 'stepsPerEpoch', opts.stepsPerEpoch, { min: 1, integer: true });
    } else {
      throw new ArgumentError(`${name}: give totalSteps, or epochs and stepsPerEpoch`);
    }
    const pctStart = checkNumber(name, 'pctStart', opts.pctStart ?? 0.3, { min: 0, max: 1 });
    const annealStrategy = opts.annealStrategy ?? 'cos';
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') fail(name, 'annealStrategy', "must be 'cos' or 'linear'", annealStrategy);
    const divFactor = checkNumber(name, 'divFactor', opts.divFactor ?? 25, { min: 0, minExclusive: true });
    const finalDivFactor = checkNumber(name, 'finalDivFactor', opts.finalDivFactor ?? 1e4, { min: 0, minExclusive: true });
    const maxLrs = perGroup(name, 'maxLr', opts.maxLr, nGroups, { min: 0 });
    const lastEpoch = opts.lastEpoch ?? -1;
    const initialLrs = maxLrs.map((m) => m / divFactor);
    // Like PyTorch, the groups start at the initial lr (set before the base class reads initialLr).
    if (lastEpoch === -1) {
      opt.paramGroups.forEach((g: Group, i: number) => {
        g.initialLr = initialLrs[i];
        g.lr = initialLrs[i];
      });
    }
    const cycleMomentum = opts.cycleMomentum ?? true;
    const useBeta1 = cycleMomentum ? cyclesBeta1(name, opt) : 'betas' in (opt.defaults as Record<string, unknown>);
    const maxMomenta = perGroup(name, 'maxMomentum', opts.maxMomentum ?? 0.95, nGroups, { min: 0 });
    const baseMomenta = perGroup(name, 'baseMomentum', opts.baseMomentum ?? 0.85, nGroups, { min: 0 });
    if (cycleMomentum && lastEpoch === -1) opt.paramGroups.forEach((g: Group, i: number) => setGroupMomentum(g, useBeta1, maxMomenta[i]));
    super(name, opt, lastEpoch);
    this.totalSteps = totalSteps;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.initialLrs = initialLrs;
    this.maxLrs = maxLrs;
    this.minLrs = initialLrs.map((l) => l / finalDivFactor);
    this.maxMomenta = maxMomenta;
    this.baseMomenta = baseMomenta;
    const up = pctStart * totalSteps - 1;
    this.phases = opts.threePhase
      ? [
        { endStep: up, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: 2 * pctStart * totalSteps - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        { endStep: totalSteps - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
      ]
      : [
        { endStep: up, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: totalSteps - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
      ];
    this.initialStep();
  }

  /** cos: end + (start - end)/2 (1 + cos(pi pct));  linear: start + (end - start) pct. */
  private anneal(start: number, end: number, pct: number): number {
    return this.annealStrategy === 'cos' ? end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
  }

  private value(key: Phase['startLr'] | Phase['startMomentum'], i: number): number {
    const table = { initialLr: this.initialLrs, maxLr: this.maxLrs, minLr: this.minLrs, maxMomentum: this.maxMomenta, baseMomentum: this.baseMomenta };
    return table[key][i];
  }

  protected computeLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new ArgumentError(`OneCycleLR: tried to step ${stepNum} times; the schedule has totalSteps ${this.totalSteps}`);
    }
    return this.groups.map((g, gi) => {
      let start = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (stepNum <= ph.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - start) / (ph.endStep - start);
          const lr = this.anneal(this.value(ph.startLr, gi), this.value(ph.endLr, gi), pct);
          if (this.cycleMomentum) {
            setGroupMomentum(g, this.useBeta1, this.anneal(this.value(ph.startMomentum, gi), this.value(ph.endMomentum, gi), pct));
          }
          return lr;
        }
        start = ph.endStep;
      }
      return g.lr;
    });
  }
}

/**
 * Runs schedulers one after another: schedulers[i] takes over at milestones[i-1]
 * (restarting from its epoch 0).
 * @example `new optim.SequentialLR(opt, { schedulers: [warmup, cosine], milestones: [5] })`
 */
export class SequentialLR extends LRScheduler {
  readonly schedulers: LRScheduler[];
  milestones: number[];
  constructor(optimizer: AnyOptimizer, opts: { schedulers: LRScheduler[]; milestones: number[]; lastEpoch?: number }) {
    const name = 'SequentialLR';
    const opt = checkOptimizer(name, optimizer);
    if (!opts || !Array.isArray(opts.schedulers) || opts.schedulers.length < 1) fail(name, 'schedulers', 'must be a non-empty array of schedulers', opts?.schedulers);
    opts.schedulers.forEach((s, i) => {
      if (!(s instanceof LRScheduler)) fail(name, `schedulers[${i}]`, 'must be an epoch scheduler (ReduceLROnPlateau cannot be chained)', s);
      if (s.optimizer !== opt) throw new ArgumentError(`${name}: schedulers[${i}] drives a different optimizer than the one given`);
    });
    if (!Array.isArray(opts.milestones) || opts.milestones.length !== opts.schedulers.length - 1) {
      fail(name, 'milestones', `must have ${opts.schedulers.length - 1} entries (one fewer than schedulers)`, opts.milestones);
    }
    opts.milestones.forEach((m, i) => checkNumber(name, `milestones[${i}]`, m, { min: 0, integer: true }));
    super(name, opt, -1);
    this.schedulers = opts.schedulers;
    this.milestones = opts.milestones.slice();
    this.lastEpoch = (opts.lastEpoch ?? -1) + 1;
    // Undo what constructing the schedulers did, then start the first one.
    for (const g of this.groups) g.lr = g.initialLr as number;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0].initialStep();
    this.lastLr = this.schedulers[0].getLastLr();
  }
  protected computeLr(): number[] {
    return this.groups.map((g) => g.lr);
  }
  override step(): void {
    this.lastEpoch++;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const s = this.schedulers[idx];
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) s.step(0);
    else s.step();
    this.lastLr = s.getLastLr();
  }
  override stateDict(): SchedulerStateDict {
    const { schedulers: _s, ...rest } = super.stateDict();
    return { ...rest, schedulers: this.schedulers.map((s) => s.stateDict()) };
  }
  override loadStateDict(sd: SchedulerStateDict): void {
    const { schedulers, ...rest } = sd ?? {};
    if (schedulers !== undefined && (!Array.isArray(schedulers) || schedulers.length !== this.schedulers.length)) {
      throw new ArgumentError(`SequentialLR.loadStateDict: ${Array.isArray(schedulers) ? schedulers.length : 'no list of'} scheduler states for ${this.schedulers.length} schedulers`);
    }
    // A child may refuse its state after others were written: put every part back, then rethrow.
    const before = this.stateDict();
    try {
      super.loadStateDict(rest);
      (schedulers as SchedulerStateDict[] | undefined)?.forEach((s, i) => this.schedulers[i].loadStateDict(s));
    } catch (e) {
      const { schedulers: saved, ...own } = before;
      super.loadStateDict(own);
      (saved as SchedulerStateDict[]).forEach((s, i) => this.schedulers[i].loadStateDict(s));
      throw e;
    }
  }
}

/** Options of `ReduceLROnPlateau`. @example `new optim.ReduceLROnPlateau(opt, { factor: 0.5, patience: 2 })` */
export interface ReduceLROnPlateauOptions {
  /** 'min': lower is better (a loss); 'max': higher is better (an accuracy). */
  mode?: 'min' | 'max';
  /** lr = lr * factor on a plateau (default 0.1; must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** What counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel': better than best * (1 ∓ threshold); 'abs': better than best ∓ threshold. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr, one for all groups or one per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the lr by `factor` when a metric has stopped improving for `patience` epochs.
 * @example `const sched = new optim.ReduceLROnPlateau(opt, { patience: 3 }); sched.step(valLoss)`
 */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  minLrs: number[];
  eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  protected lastLr: number[];

  constructor(optimizer: AnyOptimizer, opts: ReduceLROnPlateauOptions = {}) {
    const name = 'ReduceLROnPlateau';
    this.optimizer = checkOptimizer(name, optimizer);
    this.mode = opts.mode ?? 'min';
    if (this.mode !== 'min' && this.mode !== 'max') fail(name, 'mode', "must be 'min' or 'max'", this.mode);
    this.factor = checkNumber(name, 'factor', opts.factor ?? 0.1, { min: 0, max: 1, maxExclusive: true });
    this.patience = checkNumber(name, 'patience', opts.patience ?? 10, { min: 0, integer: true });
    this.threshold = checkNumber(name, 'threshold', opts.threshold ?? 1e-4, { min: 0 });
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') fail(name, 'thresholdMode', "must be 'rel' or 'abs'", this.thresholdMode);
    this.cooldown = checkNumber(name, 'cooldown', opts.cooldown ?? 0, { min: 0, integer: true });
    const n = this.optimizer.paramGroups.length;
    const minLr = opts.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) fail(name, 'minLr', `must have one value per parameter group (${n})`, minLr);
      this.minLrs = minLr.map((m, i) => checkNumber(name, `minLr[${i}]`, m, { min: 0 }));
    } else {
      this.minLrs = new Array<number>(n).fill(checkNumber(name, 'minLr', minLr, { min: 0 }));
    }
    this.eps = checkNumber(name, 'eps', opts.eps ?? 1e-8, { min: 0 });
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.lastLr = this.optimizer.paramGroups.map((g: Group) => g.lr);
  }

  private isBetter(a: number): boolean {
    const { best, threshold } = this;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return this.thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  }

  /** Records this epoch's metric and reduces the lr after a plateau. @example `sched.step(valLoss)` */
  step(metric: number): void {
    if (typeof metric !== 'number' || Number.isNaN(metric)) throw new ArgumentError(`ReduceLROnPlateau.step: metric must be a number, got ${fmtArg(metric)}`);
    this.lastEpoch += 1;
    if (this.isBetter(metric)) {
      this.best = metric;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g: Group, i: number) => {
        const next = Math.max(g.lr * this.factor, this.minLrs[i]);
        if (g.lr - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g: Group) => g.lr);
  }

  /** The lr of every group after the last step. @example `sched.getLastLr()` */
  getLastLr(): number[] {
    return this.lastLr.slice();
  }

  /** Everything but the optimizer. @example `const saved = sched.stateDict()` */
  stateDict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) if (k !== 'optimizer') out[k] = deepCopy(v);
    return out;
  }

  /** Restores a state from stateDict(); a best of null (Infinity through JSON) is read back as ±Infinity. */
  loadStateDict(sd: SchedulerStateDict): void {
    const self = this as unknown as Record<string, unknown>;
    checkSchedulerState('ReduceLROnPlateau', self, sd, ['optimizer'], ['best']);
    for (const [k, v] of Object.entries(sd)) {
      if (k === 'optimizer') continue;
      self[k] = deepCopy(v);
    }
    if ((this.best as number | null) === null) this.best = this.mode === 'min' ? Infinity : -Infinity;
  }
}

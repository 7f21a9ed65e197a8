/**
 * CyclicLR (torch.optim.lr_scheduler): the cyclical learning-rate policy of
 * Smith, "Cyclical Learning Rates for Training Neural Networks" (2017), with
 * momentum (SGD) or beta1 (Adam family) cycled inversely, step for step as PyTorch 2.x.
 */
import { ArgumentError, fmtArg } from '../errors';
import { checkNumber, checkOptimizer, cyclesBeta1, fail, LRScheduler, perGroup, setGroupMomentum, type SchedulerStateDict } from './lr_scheduler';
import { callFactor, checkFunctionState, functionState } from './lr_scheduler_lambda';
import type { Optimizer } from './optimizer';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;

/** Options of `CyclicLR`. @example `new optim.CyclicLR(opt, { baseLr: 0.001, maxLr: 0.01, stepSizeUp: 500, mode: 'triangular2' })` */
export interface CyclicLROptions {
  /** The lower lr of the cycle, one for all groups or one per group; also each group's lr at the start. */
  baseLr: number | number[];
  /** The upper lr of the cycle, one for all groups or one per group (reached only when the scale is 1). */
  maxLr: number | number[];
  /** Steps (batches) of the rising half of a cycle (default 2000). */
  stepSizeUp?: number;
  /** Steps of the falling half (default null: stepSizeUp). */
  stepSizeDown?: number | null;
  /**
   * The amplitude policy (default 'triangular'): 'triangular' keeps it, 'triangular2' halves it every
   * cycle, 'exp_range' scales it by gamma^step. Ignored when scaleFn is given.
   */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** The base of 'exp_range' (default 1). */
  gamma?: number;
  /** A custom amplitude scale in [0, 1] of the cycle number or of the step (see scaleMode); replaces mode. */
  scaleFn?: (x: number) => number;
  /** What scaleFn receives: 'cycle' (the 1-based cycle number, default) or 'iterations' (the step). */
  scaleMode?: 'cycle' | 'iterations';
  /** Cycle momentum (SGD, RMSprop) or beta1 (Adam family) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** The momentum at the lr's peak, one for all groups or one per group (default 0.8). */
  baseMomentum?: number | number[];
  /** The momentum at the lr's trough and the start, one for all groups or one per group (default 0.9). */
  maxMomentum?: number | number[];
  /** The index of the last batch, to resume (default -1: start). */
  lastEpoch?: number;
}

type Mode = NonNullable<CyclicLROptions['mode']>;
const MODES: readonly string[] = ['triangular', 'triangular2', 'exp_range'];

/**
 * Cycles each group's lr between baseLr and maxLr: up over stepSizeUp steps, down over
 * stepSizeDown, the amplitude scaled per mode (or scaleFn); the momentum (or Adam's beta1)
 * moves the opposite way between maxMomentum and baseMomentum. Step it once per batch.
 * Construction sets every group's lr to baseLr (and momentum to maxMomentum), as PyTorch does.
 * @example
 * const opt = new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
 * const sched = new optim.CyclicLR(opt, { baseLr: 0.001, maxLr: 0.1, stepSizeUp: 2000 });
 * for (const batch of loader) { trainBatch(batch); opt.step(); sched.step(); }
 */
export class CyclicLR extends LRScheduler {
  maxLrs: number[];
  /** Steps in one cycle (up + down). */
  totalSize: number;
  /** The rising share of a cycle. */
  stepRatio: number;
  mode: Mode;
  gamma: number;
  /** Resolved from mode unless scaleFn is given: 'cycle' for triangular(2), 'iterations' for exp_range. */
  scaleMode: 'cycle' | 'iterations';
  /** The user's amplitude scale, or null for the mode's own. */
  scaleFn: ((x: number) => number) | null;
  cycleMomentum: boolean;
  useBeta1: boolean;
  baseMomenta: number[];
  maxMomenta: number[];

  constructor(optimizer: AnyOptimizer, opts: CyclicLROptions) {
    const name = 'CyclicLR';
    const opt = checkOptimizer(name, optimizer);
    if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${name}: options { baseLr, maxLr } are required, got ${fmtArg(opts)}`);
    const n = opt.paramGroups.length;
    // Everything is checked before the groups are touched: a refused option leaves the optimizer as it was
    // (PyTorch has already set the lrs to baseLr when it raises about momentum).
    const lastEpoch = checkNumber(name, 'lastEpoch', opts.lastEpoch ?? -1, { min: -1, integer: true });
    const baseLrs = perGroup(name, 'baseLr', opts.baseLr, n, { min: 0 });
    const maxLrs = perGroup(name, 'maxLr', opts.maxLr, n, { min: 0 });
    const up = checkNumber(name, 'stepSizeUp', opts.stepSizeUp ?? 2000, { min: 0, minExclusive: true });
    const down = opts.stepSizeDown === undefined || opts.stepSizeDown === null ? up : checkNumber(name, 'stepSizeDown', opts.stepSizeDown, { min: 0 });
    const scaleFn = opts.scaleFn ?? null;
    if (scaleFn !== null && typeof scaleFn !== 'function') fail(name, 'scaleFn', 'must be a function of the cycle or step', fmtArg(scaleFn));
    const mode = (opts.mode ?? 'triangular') as Mode;
    if (scaleFn === null && !MODES.includes(mode)) fail(name, 'mode', "must be 'triangular', 'triangular2' or 'exp_range' (or give scaleFn)", mode);
    const gamma = checkNumber(name, 'gamma', opts.gamma ?? 1, { min: 0 });
    const scaleMode = opts.scaleMode ?? 'cycle';
    if (scaleMode !== 'cycle' && scaleMode !== 'iterations') fail(name, 'scaleMode', "must be 'cycle' or 'iterations'", scaleMode);
    const cycleMomentum = opts.cycleMomentum ?? true;
    if (typeof cycleMomentum !== 'boolean') fail(name, 'cycleMomentum', 'must be true or false', cycleMomentum);
    const useBeta1 = cycleMomentum ? cyclesBeta1(name, opt) : 'betas' in (opt.defaults as Record<string, unknown>);
    const baseMomenta = perGroup(name, 'baseMomentum', opts.baseMomentum ?? 0.8, n, { min: 0 });
    const maxMomenta = perGroup(name, 'maxMomentum', opts.maxMomentum ?? 0.9, n, { min: 0 });
    const touched = ['lr', 'initialLr', 'momentum', 'betas'];
    const saved = opt.paramGroups.map((g: Record<string, unknown>) => touched.filter((k) => k in g).map((k) => [k, g[k]] as const));
    if (lastEpoch === -1) {
      opt.paramGroups.forEach((g: Record<string, unknown>, i: number) => {
        g.lr = baseLrs[i];
        if (cycleMomentum) setGroupMomentum(g, useBeta1, maxMomenta[i]);
      });
    }
    super(name, opt, lastEpoch);
    this.maxLrs = maxLrs;
    this.totalSize = up + down;
    this.stepRatio = up / this.totalSize;
    this.mode = mode;
    this.gamma = gamma;
    this.scaleFn = scaleFn;
    this.scaleMode = scaleMode;
    this.resolveScaleMode();
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.baseMomenta = baseMomenta;
    this.maxMomenta = maxMomenta;
    try {
      this.initialStep();
    } catch (e) {
      // A scaleFn that fails on its first call is a bad option too: put the groups back as they were.
      opt.paramGroups.forEach((g: Record<string, unknown>, i: number) => {
        for (const k of touched) delete g[k];
        Object.assign(g, Object.fromEntries(saved[i]));
      });
      throw e;
    }
    // PyTorch assigns base_lrs only after its initial step, which therefore starts from the groups'
    // initialLr: baseLr on a fresh optimizer, an earlier scheduler's initialLr otherwise.
    this.baseLrs = baseLrs;
  }

  /** The built-in modes fix what the scale is a function of (PyTorch's _init_scale_fn). */
  private resolveScaleMode(): void {
    if (this.scaleFn !== null) return;
    if (this.mode === 'triangular' || this.mode === 'triangular2') this.scaleMode = 'cycle';
    else if (this.mode === 'exp_range') this.scaleMode = 'iterations';
  }

  private scale(x: number): number {
    if (this.scaleFn !== null) return callFactor(this.name, 'scaleFn', this.scaleFn, x);
    if (this.mode === 'triangular2') return 1 / 2.0 ** (x - 1);
    if (this.mode === 'exp_range') return this.gamma ** x;
    return 1;
  }

  protected computeLr(): number[] {
    const t = this.lastEpoch;
    const cycle = Math.floor(1 + t / this.totalSize);
    const x = 1 + t / this.totalSize - cycle;
    const scaleFactor = x <= this.stepRatio ? x / this.stepRatio : (x - 1) / (this.stepRatio - 1);
    const s = this.scale(this.scaleMode === 'cycle' ? cycle : t);
    // Same operation order as PyTorch ((max - base) * factor, then * scale), so the sequences agree to the last bit.
    const lrs = this.baseLrs.map((b, i) => b + (this.maxLrs[i] - b) * scaleFactor * s);
    if (this.cycleMomentum) {
      this.groups.forEach((g, i) => setGroupMomentum(g, this.useBeta1, this.maxMomenta[i] - (this.maxMomenta[i] - this.baseMomenta[i]) * scaleFactor * s));
    }
    return lrs;
  }

  /** The state; scaleFn saves as null (or its own properties' data), as PyTorch's. @example `const saved = sched.stateDict()` */
  override stateDict(): SchedulerStateDict {
    return { ...super.stateDict(), scaleFn: functionState(this.scaleFn) };
  }

  /** Restores a state from stateDict(), keeping this scheduler's scaleFn. @example `sched.loadStateDict(saved)` */
  override loadStateDict(sd: SchedulerStateDict): void {
    const op = `${this.name}.loadStateDict`;
    if (sd === null || typeof sd !== 'object' || Array.isArray(sd)) throw new ArgumentError(`${op}: expected an object from stateDict(), got ${JSON.stringify(sd)}`);
    const { scaleFn: saved, ...rest } = sd;
    checkFunctionState(op, 'scaleFn', this.scaleFn, saved);
    super.loadStateDict(rest);
    if (saved !== null && saved !== undefined) Object.assign(this.scaleFn as object, saved);
    this.resolveScaleMode();
  }
}

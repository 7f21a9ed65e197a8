/**
 * Weight averaging (torch.optim.swa_utils): Stochastic Weight Averaging (Izmailov et al.,
 * "Averaging Weights Leads to Wider Optima and Better Generalization", UAI 2018) and
 * exponential moving averages of a model's weights, the SWALR schedule that holds the lr
 * at a constant SWA value, and updateBn, which re-estimates BatchNorm statistics for the
 * averaged weights (averaged weights were never seen by the running statistics).
 *
 * Averages follow PyTorch's arithmetic: the multi-tensor functions update in place with
 * lerp (avg + w (cur - avg) for w < 0.5, cur - (cur - avg)(1 - w) otherwise), w = 1/(n+1)
 * for SWA and 1 - decay for EMA; integer buffers (num_batches_tracked, with useBuffers)
 * take the integer forms PyTorch uses.
 */
import { noGrad } from '../autograd/api';
import { ArgumentError, fmtArg } from '../errors';
import { add, mul, sub } from '../ops/binary';
import { full, tensor } from '../ops/creation';
import { add_, copy_, fill_ } from '../ops/inplace';
import { moveTo } from '../ops/cast';
import { type AnyModule, Module } from '../nn/module';
import { isBatchNorm } from '../nn/layers/normalization';
import { deepCopy } from '../nn/utils/deep-copy';
import { type Device, parseDevice } from '../tensor/device';
import { isFloat } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';
import { type AnyOptimizer, checkNumber, LRScheduler, perGroup } from './lr_scheduler';

/** (the running average, the model's current value, how many models are averaged so far) -> the new average. */
export type AvgFn = (averaged: Tensor, current: Tensor, numAveraged: number) => Tensor;
/** Updates every averaged tensor in place from the model's current ones. */
export type MultiAvgFn = (averaged: Tensor[], current: Tensor[], numAveraged: number) => void;

/** start <- lerp(start, end, weight), with PyTorch's two-sided formula. */
function lerpInPlace(start: Tensor, end: Tensor, weight: number): void {
  const diff = sub(end, start);
  if (Math.abs(weight) < 0.5) add_(start, mul(diff, weight));
  else copy_(start, sub(end, mul(diff, 1 - weight)));
}

/** An integer tensor's values replaced element-wise by f(avg, cur), truncated as a copy into an integer tensor is. */
function integerUpdate(avg: Tensor, cur: Tensor, f: (a: number, c: number) => number): void {
  const a = avg.values, c = cur.values;
  const next = Array.from(a, (x, i) => Math.trunc(f(Number(x), Number(c[i]))));
  copy_(avg, tensor(next, { dtype: avg.dtype, device: avg.device }).reshape(avg.shape));
}

function checkDecay(op: string, decay: unknown): number {
  if (typeof decay !== 'number' || !(decay >= 0 && decay <= 1)) throw new ArgumentError(`${op}: decay must be in [0, 1], got ${fmtArg(decay)}`);
  return decay;
}

/**
 * The in-place exponential moving average for AveragedModel's `multiAvgFn`:
 * ema = decay * ema + (1 - decay) * current (PyTorch's get_ema_multi_avg_fn).
 * @example `new optim.AveragedModel(model, { multiAvgFn: optim.getEmaMultiAvgFn(0.999) })`
 */
export function getEmaMultiAvgFn(decay = 0.999): MultiAvgFn {
  checkDecay('getEmaMultiAvgFn', decay);
  return (averaged, current) => noGrad(() => tidy(() => averaged.forEach((a, i) => {
    if (isFloat(a.dtype)) lerpInPlace(a, current[i], 1 - decay);
    else integerUpdate(a, current[i], (x, c) => x * decay + c * (1 - decay));
  })));
}

/**
 * The in-place equal-weight running average (SWA) for AveragedModel's `multiAvgFn`:
 * avg = avg + (current - avg) / (n + 1); AveragedModel's default.
 * @example `new optim.AveragedModel(model, { multiAvgFn: optim.getSwaMultiAvgFn() })`
 */
export function getSwaMultiAvgFn(): MultiAvgFn {
  return (averaged, current, n) => noGrad(() => tidy(() => averaged.forEach((a, i) => {
    if (isFloat(a.dtype)) lerpInPlace(a, current[i], 1 / (n + 1));
    else integerUpdate(a, current[i], (x, c) => x + (c - x) / (n + 1));
  })));
}

/**
 * The exponential moving average as a per-tensor function for AveragedModel's `avgFn`.
 * @example `new optim.AveragedModel(model, { avgFn: optim.getEmaAvgFn(0.99) })`
 */
export function getEmaAvgFn(decay = 0.999): AvgFn {
  checkDecay('getEmaAvgFn', decay);
  return (averaged, current) => add(mul(averaged, decay), mul(current, 1 - decay));
}

/**
 * The equal-weight running average as a per-tensor function for AveragedModel's `avgFn`.
 * @example `new optim.AveragedModel(model, { avgFn: optim.getSwaAvgFn() })`
 */
export function getSwaAvgFn(): AvgFn {
  return (averaged, current, n) => add(averaged, mul(sub(current, averaged), 1 / (n + 1)));
}

/** AveragedModel's options. @example `{ multiAvgFn: optim.getEmaMultiAvgFn(0.999), useBuffers: true }` */
export interface AveragedModelOptions {
  /** Per-tensor averaging function (default: the equal-weight SWA average). Exclusive with multiAvgFn. */
  avgFn?: AvgFn;
  /** In-place averaging of all tensors at once (default: the equal-weight SWA average). Exclusive with avgFn. */
  multiAvgFn?: MultiAvgFn;
  /** Average the buffers (BatchNorm statistics) too, instead of copying the model's (default false). */
  useBuffers?: boolean;
  /** Keep the averaged copy on this device (default: the model's). */
  device?: Device | 'cuda:0';
}

/**
 * A running average of a model's weights (torch.optim.swa_utils.AveragedModel): a deep copy of
 * the model whose parameters become the average of the models passed to updateParameters;
 * call it like the model. Its state dict has `n_averaged` and the copy under `module.`, as PyTorch's.
 * The first update copies the model; later ones average (SWA by default, or avgFn/multiAvgFn).
 * Without useBuffers the buffers are copied from the model: run updateBn on the averaged model
 * before evaluating it when the model has BatchNorm.
 * @example
 * const swaModel = new optim.AveragedModel(model);
 * const swaSched = new optim.SWALR(opt, { swaLr: 0.05 });
 * // each epoch after swaStart: swaModel.updateParameters(model); swaSched.step();
 * optim.updateBn(trainLoader, swaModel);
 */
export class AveragedModel<M extends AnyModule> extends Module<Parameters<M['forward']>, ReturnType<M['forward']>> {
  /** The averaged copy of the model. */
  readonly module: M;
  private readonly _avgFn: AvgFn | null;
  private readonly _multiAvgFn: MultiAvgFn | null;
  private readonly _useBuffers: boolean;

  constructor(model: M, opts: AveragedModelOptions = {}) {
    super();
    const op = 'AveragedModel';
    if (!(model instanceof Module)) throw new ArgumentError(`${op}: model must be a Module, got ${fmtArg(model)}`);
    if (opts.avgFn !== undefined && opts.multiAvgFn !== undefined) throw new ArgumentError(`${op}: give avgFn or multiAvgFn, not both`);
    for (const key of ['avgFn', 'multiAvgFn'] as const) {
      if (opts[key] !== undefined && typeof opts[key] !== 'function') throw new ArgumentError(`${op}: ${key} must be a function, got ${fmtArg(opts[key])}`);
    }
    if (opts.useBuffers !== undefined && typeof opts.useBuffers !== 'boolean') throw new ArgumentError(`${op}: useBuffers must be a boolean, got ${fmtArg(opts.useBuffers)}`);
    const device = opts.device === undefined ? null : parseDevice(op, opts.device);
    this._avgFn = opts.avgFn ?? null;
    this._multiAvgFn = opts.multiAvgFn ?? null;
    this._useBuffers = opts.useBuffers ?? false;
    const copy = deepCopy(model);
    if (device !== null) copy.to(device);
    this.module = copy;
    this.registerBuffer('n_averaged', full([], 0, { dtype: 'int32', device: device ?? undefined }));
  }

  /** How many models have been averaged. @example `swaModel.nAveraged // 3` */
  get nAveraged(): number {
    return this.getBuffer('n_averaged')!.item();
  }

  forward(...args: Parameters<M['forward']>): ReturnType<M['forward']> {
    return this.module.call(...args) as ReturnType<M['forward']>;
  }

  /** The tensors averaged: parameters, then buffers with useBuffers. */
  private averagedTensors(m: AnyModule): Tensor[] {
    return this._useBuffers ? [...m.parameters(), ...m.buffers()] : m.parameters();
  }

  /**
   * Folds the model's current weights into the average (the first call copies them).
   * The model must have the averaged copy's structure: every tensor is checked before any is written.
   * @example `swaModel.updateParameters(model)`
   */
  updateParameters(model: M): void {
    const op = 'AveragedModel.updateParameters';
    if (!(model instanceof Module)) throw new ArgumentError(`${op}: model must be a Module, got ${fmtArg(model)}`);
    const mine = this.averagedTensors(this.module), theirs = this.averagedTensors(model);
    const myBuffers = this._useBuffers ? [] : this.module.buffers(), theirBuffers = this._useBuffers ? [] : model.buffers();
    const check = (kind: string, a: Tensor[], b: Tensor[]): void => {
      if (a.length !== b.length) throw new ArgumentError(`${op}: the model has ${b.length} ${kind} but the averaged copy has ${a.length}; pass the model the AveragedModel was built from`);
      a.forEach((t, i) => {
        if (t.shape.length !== b[i].shape.length || t.shape.some((d, k) => d !== b[i].shape[k]) || t.dtype !== b[i].dtype) {
          throw new ArgumentError(`${op}: entry ${i} of the model's ${kind} is ${b[i].describe()} but the averaged copy's is ${t.describe()}`);
        }
      });
    };
    check(this._useBuffers ? 'parameters and buffers' : 'parameters', mine, theirs);
    check('buffers', myBuffers, theirBuffers);
    const count = this.getBuffer('n_averaged')!;
    const n = count.item();
    noGrad(() => tidy(() => {
      const current = theirs.map((t, i) => (t.device === mine[i].device ? t : moveTo(t, mine[i].device)));
      if (n === 0) {
        mine.forEach((t, i) => copy_(t, current[i]));
      } else if (this._avgFn && !this._multiAvgFn) {
        mine.forEach((t, i) => copy_(t, this._avgFn!(t, current[i], n)));
      } else {
        (this._multiAvgFn ?? getSwaMultiAvgFn())(mine, current, n);
      }
      myBuffers.forEach((b, i) => copy_(b, theirBuffers[i].device === b.device ? theirBuffers[i] : moveTo(theirBuffers[i], b.device)));
      fill_(count, n + 1);
    }));
  }
}

/** A batch as updateBn takes it: the input tensor, or a tuple whose first element is. */
export type UpdateBnBatch = Tensor | readonly unknown[];

/**
 * Re-estimates every BatchNorm layer's running statistics with one pass over `loader`
 * (torch.optim.swa_utils.update_bn): the statistics are reset, then become the plain average
 * over the batches (momentum null for the pass); the model's mode and momenta are restored.
 * Gradients are not recorded. Does nothing when the model has no BatchNorm.
 * @example `optim.updateBn(trainLoader, swaModel)`
 */
export function updateBn(loader: Iterable<UpdateBnBatch>, model: AnyModule, opts: { device?: Device | 'cuda:0' } = {}): void {
  const op = 'updateBn';
  if (!(model instanceof Module)) throw new ArgumentError(`${op}: model must be a Module, got ${fmtArg(model)}`);
  if (loader === null || typeof (loader as Iterable<UpdateBnBatch>)?.[Symbol.iterator] !== 'function') {
    throw new ArgumentError(`${op}: loader must be iterable (a DataLoader, or an array of batches), got ${fmtArg(loader)}`);
  }
  const device = opts.device === undefined ? null : parseDevice(op, opts.device);
  const norms = model.modules().filter(isBatchNorm) as (AnyModule & { momentum: number | null; resetRunningStats(): void })[];
  if (norms.length === 0) return;
  const momenta = norms.map((m) => m.momentum);
  const wasTraining = model.training;
  norms.forEach((m) => m.resetRunningStats());
  try {
    model.train();
    for (const m of norms) m.momentum = null;
    let k = 0;
    for (const batch of loader) {
      let x = Array.isArray(batch) ? (batch as readonly unknown[])[0] : batch;
      if (!(x instanceof Tensor)) throw new ArgumentError(`${op}: batch ${k} must be a Tensor or a tuple whose first element is one, got ${fmtArg(x)}`);
      tidy(() => noGrad(() => {
        if (device !== null && (x as Tensor).device !== device) x = moveTo(x as Tensor, device);
        model.call(x as Tensor);
      }));
      k++;
    }
  } finally {
    norms.forEach((m, i) => { m.momentum = momenta[i]; });
    model.train(wasTraining);
  }
}

/** SWALR's options. @example `{ swaLr: 0.05, annealEpochs: 5, annealStrategy: 'linear' }` */
export interface SWALROptions {
  /** The constant SWA lr, for all groups or one per group. */
  swaLr: number | number[];
  /** Epochs of annealing from the current lr to swaLr (default 10; 0 jumps at once). */
  annealEpochs?: number;
  /** 'cos' (default) or 'linear' annealing. */
  annealStrategy?: 'cos' | 'linear';
  lastEpoch?: number;
}

const anneal = (strategy: 'cos' | 'linear', t: number): number => (strategy === 'cos' ? (1 - Math.cos(Math.PI * t)) / 2 : t);

/**
 * Anneals every group's lr to a constant SWA lr over annealEpochs steps, then holds it
 * (torch.optim.swa_utils.SWALR); each group gets a `swaLr` entry, as PyTorch's `swa_lr`.
 * @example
 * const swaSched = new optim.SWALR(opt, { swaLr: 0.05, annealEpochs: 5 });
 * // after optimizer.step() in each epoch past swaStart: swaSched.step()
 */
export class SWALR extends LRScheduler {
  annealEpochs: number;
  annealStrategy: 'cos' | 'linear';

  constructor(optimizer: AnyOptimizer, opts: SWALROptions) {
    const name = 'SWALR';
    if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${name}: options must be an object with swaLr, got ${fmtArg(opts)}`);
    const groups = (optimizer as unknown as { paramGroups?: unknown[] })?.paramGroups;
    const lrs = perGroup(name, 'swaLr', opts.swaLr, Array.isArray(groups) ? groups.length : 0, { min: 0 });
    const strategy = opts.annealStrategy ?? 'cos';
    if (strategy !== 'cos' && strategy !== 'linear') throw new ArgumentError(`${name}: annealStrategy must be 'cos' or 'linear', got ${fmtArg(strategy)}`);
    const epochs = checkNumber(name, 'annealEpochs', opts.annealEpochs ?? 10, { min: 0, integer: true });
    super(name, optimizer, opts.lastEpoch ?? -1);
    this.groups.forEach((g, i) => { g.swaLr = lrs[i]; });
    this.annealEpochs = epochs;
    this.annealStrategy = strategy;
    this.initialStep();
  }

  protected computeLr(): number[] {
    let step = this.stepCount - 1;
    if (this.annealEpochs === 0) step = Math.max(1, step);
    const prevAlpha = anneal(this.annealStrategy, Math.max(0, Math.min(1, (step - 1) / Math.max(1, this.annealEpochs))));
    const alpha = anneal(this.annealStrategy, Math.max(0, Math.min(1, step / Math.max(1, this.annealEpochs))));
    return this.groups.map((g) => {
      const swaLr = g.swaLr as number;
      // The lr the annealing started from, recovered from the current one (PyTorch's _get_initial_lr).
      const prevLr = prevAlpha === 1 ? swaLr : (g.lr - prevAlpha * swaLr) / (1 - prevAlpha);
      return swaLr * alpha + prevLr * (1 - alpha);
    });
  }
}

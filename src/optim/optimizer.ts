/**
 * The optimizer base class: parameter groups with per-group options (the
 * defaults merged in), per-parameter state, zeroGrad, stateDict/loadStateDict
 * (parameters referenced by index, as in PyTorch) and Keras-style per-parameter
 * gradient clipping (`clipNorm`, `clipValue`) applied before every update.
 */
import { enableGrad, noGrad } from '../autograd/api';
import { ArgumentError, DTypeError, ShapeError } from '../errors';
import { castTo, moveTo } from '../ops/cast';
import { zerosLike } from '../ops/creation';
import { mul_, zero_ } from '../ops/inplace';
import { norm } from '../ops/reduce';
import { clamp, neg } from '../ops/unary';
import { add, mul } from '../ops/binary';
import { allocateSkewed } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { keep, tidy } from '../tensor/tidy';

/** Options every optimizer accepts. */
export type BaseOptions = {
  /** Learning rate. */
  lr: number;
  /**
   * Keras-style: before the update, each parameter's gradient g is rescaled to
   * g * clipNorm / max(||g||_2, clipNorm) (p.grad itself is left as it is). null: off.
   */
  clipNorm?: number | null;
  /** Keras-style: each gradient element is clamped to [-clipValue, clipValue] before the update (after clipNorm). null: off. */
  clipValue?: number | null;
  /** Set by learning-rate schedulers: the group's lr when the first scheduler was attached (PyTorch's initial_lr). */
  initialLr?: number;
};

/** A parameter group: its tensors and its own copy of every option. */
export type ParamGroup<O extends BaseOptions> = O & { params: Tensor[] };

/** What a constructor accepts for one group: its tensors and any options that differ from the defaults. */
export type ParamGroupInput<O extends BaseOptions> = Partial<O> & { params: Iterable<Tensor> };

/** Parameters as a list of tensors (one group) or as group objects. */
export type Params<O extends BaseOptions> = Iterable<Tensor> | Iterable<ParamGroupInput<O>>;

/** A value kept in an optimizer's per-parameter state. */
export type StateValue = number | boolean | null | Tensor | Tensor[] | number[];
export type ParamState = Record<string, StateValue>;

/**
 * An optimizer's state: per-parameter state keyed by the parameter's index
 * (counted across groups in order) and the groups' options with the parameters
 * as indices, as in PyTorch's `state_dict()`.
 */
export interface OptimizerStateDict<O extends BaseOptions = BaseOptions> {
  state: Record<number, ParamState>;
  paramGroups: (Omit<O, 'params'> & { params: number[] })[];
}

/** A closure re-evaluates the model, calls backward and returns the loss. */
export type Closure = () => number | Tensor;

function describeValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(describeValue).join(', ')}]`;
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** Deep copy of a state value; tensors are cloned (detached, own storage) and kept out of tidy(). */
function copyState(v: StateValue, dtype: Tensor['dtype'] | null, shape: number[] | null = null): StateValue {
  if (v instanceof Tensor) {
    const src = dtype !== null && v.dtype !== dtype && (v.dtype === 'float32' || v.dtype === 'float64') ? castTo(v, dtype) : v;
    // Through the host for a cuda tensor (state copies are not hot), back to its device.
    const copy = Tensor.fromData(src.device === 'cpu' ? src.values.slice() : src.data(), (shape ?? src.shape).slice(), src.dtype);
    if (src.device === 'cpu') return keep(copy);
    const moved = moveTo(copy, src.device);
    copy.dispose();
    return keep(moved);
  }
  if (Array.isArray(v)) return (v as (number | Tensor)[]).map((x) => copyState(x, dtype)) as StateValue;
  return v;
}

export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  /** The options a group gets for whatever it does not set. */
  readonly defaults: O;
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (moment estimates, step counts, ...). */
  state = new Map<Tensor, ParamState>();
  /** The class name used in messages ('Adam'). */
  readonly name: string;
  /** loadStateDict casts floating state tensors to their parameter's dtype (as PyTorch does). */
  protected readonly castsStateToParamDtype: boolean = true;

  protected constructor(name: string, params: Params<O>, defaults: O) {
    this.name = name;
    this.defaults = { ...defaults };
    this.checkOptions(this.defaults, 'options');
    if (params instanceof Tensor) {
      throw new ArgumentError(`${name}: params must be an iterable of Tensors, got a single Tensor ${params.describe()}; wrap it in an array`);
    }
    if (params === null || params === undefined || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new ArgumentError(`${name}: params must be an iterable of Tensors or of parameter groups, got ${describeValue(params)}`);
    }
    const list = Array.from(params as Iterable<unknown>);
    if (list.length === 0) throw new ArgumentError(`${name}: got an empty parameter list`);
    if (list.every((x) => x instanceof Tensor)) {
      this.addParamGroup({ params: list as Tensor[] } as unknown as ParamGroupInput<O>);
    } else {
      list.forEach((g, i) => {
        if (g instanceof Tensor || g === null || typeof g !== 'object' || !('params' in g)) {
          throw new ArgumentError(`${name}: params[${i}] must be a parameter group { params, ... } when any entry is one, got ${describeValue(g)}`);
        }
        this.addParamGroup(g as ParamGroupInput<O>);
      });
    }
  }

  /**
   * Validates the options of one group (or the defaults); throws ArgumentError
   * naming the optimizer, the option and its value. Subclasses add their own.
   */
  protected checkOptions(o: O, where: string): void {
    this.checkNumber(o.lr, 'lr', where, { min: 0 });
    if (o.clipNorm !== undefined && o.clipNorm !== null) this.checkNumber(o.clipNorm, 'clipNorm', where, { min: 0, exclusive: true });
    if (o.clipValue !== undefined && o.clipValue !== null) this.checkNumber(o.clipValue, 'clipValue', where, { min: 0, exclusive: true });
  }

  /** Throws unless v is a finite number in range. */
  protected checkNumber(v: unknown, option: string, where: string, range: { min?: number; max?: number; exclusive?: boolean; maxExclusive?: boolean; integer?: boolean } = {}): void {
    const bad = (why: string): never => {
      throw new ArgumentError(`${this.name}: ${option} ${why}, got ${describeValue(v)}${where === 'options' ? '' : ` (in ${where})`}`);
    };
    if (typeof v !== 'number' || !Number.isFinite(v)) bad('must be a finite number');
    const x = v as number;
    if (range.integer && !Number.isInteger(x)) bad('must be an integer');
    if (range.min !== undefined && (range.exclusive ? x <= range.min : x < range.min)) bad(`must be ${range.exclusive ? '>' : '>='} ${range.min}`);
    if (range.max !== undefined && (range.maxExclusive ? x >= range.max : x > range.max)) bad(`must be ${range.maxExclusive ? '<' : '<='} ${range.max}`);
  }

  /** Throws an ArgumentError about one option. */
  protected fail(option: string, why: string, value: unknown, where: string): never {
    throw new ArgumentError(`${this.name}: ${option} ${why}, got ${describeValue(value)}${where === 'options' ? '' : ` (in ${where})`}`);
  }

  /** The Adam family's `betas`: a pair, each in [0, 1). */
  protected checkBetas(betas: unknown, where: string): void {
    if (!Array.isArray(betas) || betas.length !== 2) this.fail('betas', 'must be a pair [beta1, beta2]', betas, where);
    this.checkNumber(betas[0], 'betas[0]', where, { min: 0, max: 1, maxExclusive: true });
    this.checkNumber(betas[1], 'betas[1]', where, { min: 0, max: 1, maxExclusive: true });
  }

  protected checkBoolean(v: unknown, option: string, where: string): void {
    if (typeof v !== 'boolean') {
      throw new ArgumentError(`${this.name}: ${option} must be true or false, got ${describeValue(v)}${where === 'options' ? '' : ` (in ${where})`}`);
    }
  }

  /**
   * Adds a group of parameters with its own options (the defaults fill the rest),
   * e.g. to unfreeze layers during fine-tuning.
   * @example `opt.addParamGroup({ params: head.parameters(), lr: 1e-2 })`
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    const where = `paramGroups[${this.paramGroups.length}]`;
    if (group === null || typeof group !== 'object') throw new ArgumentError(`${this.name}: a parameter group must be an object { params, ... }, got ${describeValue(group)}`);
    const raw = group.params as unknown;
    if (raw instanceof Tensor) throw new ArgumentError(`${this.name}: ${where}.params must be an iterable of Tensors, got a single Tensor; wrap it in an array`);
    if (raw === null || raw === undefined || typeof (raw as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new ArgumentError(`${this.name}: ${where}.params must be an iterable of Tensors, got ${describeValue(raw)}`);
    }
    const params = Array.from(raw as Iterable<unknown>);
    if (params.length === 0) throw new ArgumentError(`${this.name}: ${where} has an empty parameter list`);
    const seen = new Set<Tensor>();
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new ArgumentError(`${this.name}: ${where}.params[${i}] must be a Tensor, got ${describeValue(p)}`);
      if (p.isDisposed) throw new ArgumentError(`${this.name}: ${where}.params[${i}] (${p.describe()}) was disposed`);
      if (!p.isLeaf) throw new ArgumentError(`${this.name}: can't optimize a non-leaf Tensor (${where}.params[${i}], ${p.describe()}); use detach() and requiresGrad_()`);
      if (p.dtype !== 'float32' && p.dtype !== 'float64') throw new DTypeError(`${this.name}: ${where}.params[${i}] is ${p.describe()}; only float32 and float64 tensors can be optimized`);
      if (seen.has(p)) throw new ArgumentError(`${this.name}: ${where} contains the same parameter twice (params[${i}], ${p.describe()})`);
      seen.add(p);
    });
    this.paramGroups.forEach((g, gi) => {
      for (const p of g.params) {
        if (seen.has(p)) throw new ArgumentError(`${this.name}: some parameters appear in more than one parameter group (a ${p.describe()} is in paramGroups[${gi}] and ${where})`);
      }
    });
    const options: Record<string, unknown> = { ...this.defaults };
    for (const [k, v] of Object.entries(group as object)) if (k !== 'params' && v !== undefined) options[k] = v;
    const merged = { ...options, params: params as Tensor[] } as ParamGroup<O>;
    this.checkOptions(merged, where);
    this.paramGroups.push(merged);
  }

  /**
   * Clears every parameter's gradient: sets it to null (the default, as in
   * PyTorch 2.x) or, with setToNone false, zeroes it in place.
   * @example `opt.zeroGrad()`
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    const setToNone = opts.setToNone ?? true;
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (p.grad === null) continue;
        // Dispose before dropping: memory() counts tensors until they are disposed.
        if (setToNone) { p.grad.dispose(); p.grad = null; }
        // A graph-carrying gradient is swapped for a plain tensor over the same (counted) storage, then zeroed.
        else noGrad(() => zero_(p.grad!.gradFn ? (p.grad = new Tensor(p.grad!.storage, p.grad!.shape.slice(), p.grad!.dtype)) : p.grad!));
      }
    }
  }

  /**
   * One optimization step over every parameter that has a gradient. With a
   * closure, it is called first (with gradients recording) and its loss returned.
   * @example `opt.step()`
   */
  abstract step(closure?: Closure): number | Tensor | undefined;

  /** Runs the closure (if any) with recording on. */
  protected evaluate(closure?: Closure): number | Tensor | undefined {
    if (closure === undefined) return undefined;
    if (typeof closure !== 'function') throw new ArgumentError(`${this.name}.step: closure must be a function, got ${describeValue(closure)}`);
    return enableGrad(closure);
  }

  /**
   * The group's parameters that have a gradient, with the gradient to use: p.grad,
   * or a clipped copy when the group sets clipNorm / clipValue. Checks shapes and dtypes.
   * Call inside tidy() (clipped copies are temporaries).
   */
  protected gradients(group: ParamGroup<O>): { params: Tensor[]; grads: Tensor[] } {
    const params: Tensor[] = [], grads: Tensor[] = [];
    for (const p of group.params) {
      const g = p.grad;
      if (g === null) continue;
      if (g.isDisposed) throw new ArgumentError(`${this.name}: the gradient of a ${p.describe()} parameter was disposed`);
      if (g.size !== p.size) throw new ShapeError(`${this.name}: a parameter is ${p.describe()} but its gradient is ${g.describe()}`);
      if (g.dtype !== p.dtype) throw new DTypeError(`${this.name}: a parameter is ${p.describe()} but its gradient is ${g.describe()}`);
      params.push(p);
      grads.push(this.clipped(g, group));
    }
    return { params, grads };
  }

  /** Keras-style per-parameter clipping: g * c / max(||g||, c), then clamp to ±clipValue. */
  protected clipped(g: Tensor, group: ParamGroup<O>): Tensor {
    let out = g;
    if (group.clipNorm !== undefined && group.clipNorm !== null) {
      const n = noGrad(() => norm(out).item());
      if (n > group.clipNorm) out = noGrad(() => mul(out, group.clipNorm! / n));
    }
    if (group.clipValue !== undefined && group.clipValue !== null) {
      const c = group.clipValue;
      out = noGrad(() => clamp(out, { min: -c, max: c }));
    }
    return out;
  }

  /** The state of p, created empty on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) {
      s = {};
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * Zeroed per-parameter state for a fused update: on the CPU, slot k (1–3) of a large
   * parameter starts k KiB past a page boundary (see `allocateSkewed`), so the streams an
   * update reads and writes side by side do not all start at the same page offset.
   */
  protected zeroState(p: Tensor, slot: number): Tensor {
    if (p.device !== 'cpu') return zerosLike(p);
    return Tensor.fromData(allocateSkewed(p.dtype, p.size, slot), p.shape, p.dtype);
  }

  /** State keys whose tensors must have the parameter's shape (checked on load). */
  protected stateTensorKeys(): string[] {
    return [];
  }

  /**
   * The optimizer's state: per-parameter state by parameter index, and each
   * group's options with its parameters as indices. Tensors are copies, so the
   * dict does not change as training goes on.
   * @example `const saved = opt.stateDict()`
   */
  stateDict(): OptimizerStateDict<O> {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g;
      return { ...options, params: params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      }) } as unknown as OptimizerStateDict<O>['paramGroups'][number];
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) copy[k] = copyState(v, null);
      state[i] = copy;
    }
    return { state, paramGroups };
  }

  /**
   * Restores a state from stateDict(): group options and per-parameter state,
   * matched to this optimizer's parameters by position. State tensors are copied
   * and cast to their parameter's dtype.
   * @example `opt.loadStateDict(saved)`
   */
  loadStateDict(sd: OptimizerStateDict<O>): void {
    if (sd === null || typeof sd !== 'object' || !Array.isArray(sd.paramGroups) || sd.state === null || typeof sd.state !== 'object') {
      throw new ArgumentError(`${this.name}.loadStateDict: expected { state, paramGroups } from stateDict(), got ${describeValue(sd)}`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new ArgumentError(`${this.name}.loadStateDict: the loaded state dict has ${sd.paramGroups.length} parameter groups but the optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    const groups = sd.paramGroups.map((saved, gi) => {
      const current = this.paramGroups[gi];
      if (!saved || !Array.isArray(saved.params) || saved.params.length !== current.params.length) {
        throw new ArgumentError(`${this.name}.loadStateDict: loaded paramGroups[${gi}] has ${saved && Array.isArray(saved.params) ? saved.params.length : 'no'} parameters but the optimizer's has ${current.params.length}`);
      }
      saved.params.forEach((id, k) => byIndex.set(id, current.params[k]));
      const { params: _ids, ...options } = saved;
      const merged = { ...(options as object), params: current.params } as ParamGroup<O>;
      this.checkOptions(merged, `loaded paramGroups[${gi}]`);
      return merged;
    });
    const state = new Map<Tensor, ParamState>();
    const shaped = new Set(this.stateTensorKeys());
    for (const [key, s] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(key));
      if (p === undefined) throw new ArgumentError(`${this.name}.loadStateDict: state refers to parameter ${key}, which no loaded group lists`);
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (shaped.has(k)) {
          if (!(v instanceof Tensor)) throw new ArgumentError(`${this.name}.loadStateDict: state[${key}].${k} must be a Tensor, got ${describeValue(v)}`);
          if (v.size !== p.size) throw new ShapeError(`${this.name}.loadStateDict: state[${key}].${k} is ${v.describe()} but its parameter is ${p.describe()}`);
        }
        copy[k] = tidy(() => copyState(v, k === 'step' || !this.castsStateToParamDtype ? null : p.dtype, shaped.has(k) ? p.shape : null));
      }
      state.set(p, copy);
    }
    this.paramGroups.splice(0, this.paramGroups.length, ...groups);
    this.state = state;
  }

  /**
   * Forgets the per-parameter state (moments, step counts, momentum buffers),
   * as if no step had been taken; the parameter groups and their options
   * (lr included) stay. After a concept drift, stale moment estimates would
   * otherwise keep pushing towards the old data's optimum.
   * @example `if (detector.update(err).drift) opt.reset()`
   */
  reset(): void {
    for (const s of this.state.values()) {
      for (const v of Object.values(s)) {
        if (v instanceof Tensor) v.dispose();
        else if (Array.isArray(v)) for (const t of v) if (t instanceof Tensor) t.dispose();
      }
    }
    this.state = new Map();
  }

  /**
   * The step of an optimizer written with ops, one parameter at a time: runs the closure, then calls
   * fn with every parameter that has a gradient, its gradient (clipped as its group says), its state
   * and its group, under noGrad and tidy. Returns the closure's loss.
   */
  protected stepEachParameter(closure: Closure | undefined, fn: (p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>) => void): number | Tensor | undefined {
    const loss = this.evaluate(closure);
    for (const group of this.paramGroups) {
      this.update(() => {
        const { params, grads } = this.gradients(group);
        params.forEach((p, i) => fn(p, grads[i], this.stateOf(p), group));
      });
    }
    return loss;
  }

  /**
   * The gradient an update written with ops follows, in PyTorch's order: negated for maximize, then
   * weight decay, as an L2 term (+ weightDecay · p) or, with decoupledWeightDecay, by shrinking p in
   * place by 1 - lr · weightDecay (AdamW's form).
   */
  protected directedGradient(p: Tensor, grad: Tensor, group: { lr: number; maximize?: boolean; weightDecay?: number; decoupledWeightDecay?: boolean }): Tensor {
    const g = group.maximize ? neg(grad) : grad;
    const wd = group.weightDecay ?? 0;
    if (wd === 0) return g;
    if (group.decoupledWeightDecay) {
      mul_(p, 1 - group.lr * wd);
      return g;
    }
    return add(g, mul(p, wd));
  }

  /** Runs fn under noGrad and tidy: the body of every step. */
  protected update<T>(fn: () => T): T {
    return noGrad(() => tidy(fn));
  }
}

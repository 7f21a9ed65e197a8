/**
 * The base class of every distribution, as torch.distributions.Distribution: batch and event
 * shapes, sampling, log-probabilities, moments, expand, and the argument checks (parameter
 * constraints at construction, the value's shape and support in logProb/cdf/icdf).
 */
import { noGrad } from '../autograd/api';
import { ArgumentError, LatticeError, ShapeError, fmtArg, fmtShape, fmtValue } from '../errors';
import { to } from '../ops/cast';
import { full } from '../ops/creation';
import { exp, sqrt } from '../ops/unary';
import { expand as expandOp } from '../ops/shape';
import { hostValues } from '../ops/util';
import { Tensor } from '../tensor/tensor';
import type { Constraint } from './constraints';
import { constraints } from './constraints';
import type { FloatDType } from './utils';

/**
 * A method a distribution does not have (PyTorch raises NotImplementedError): rsample of a
 * discrete distribution, a KL divergence with no registered closed form, cdf of a Categorical.
 * @example `try { new Bernoulli({ probs: 0.3 }).rsample() } catch (e) { if (e instanceof NotImplementedError) ... }`
 */
export class NotImplementedError extends LatticeError {}

/** Options every distribution takes. @example `new Normal(0, 1, { validateArgs: false })` */
export interface DistributionOptions {
  /**
   * Check the parameters against their constraints here, and values against the support in
   * logProb/cdf/icdf (default: Distribution.setDefaultValidateArgs, true unless changed).
   */
  validateArgs?: boolean;
}

let defaultValidateArgs = true;

/**
 * The base class of the distributions (torch.distributions.Distribution). Subclasses set their
 * parameters, then call checkArgs; they override what they have of rsample, logProb, cdf, icdf,
 * entropy, the moments and expand.
 * @example
 * const d: Distribution = new Normal(tensor([0, 1]), 2);
 * d.batchShape; // [2]
 * d.logProb(tensor([0.5, 0.5]));
 */
export abstract class Distribution {
  /** The shape over which parameters are batched. */
  readonly batchShape: number[];
  /** The shape of one sample (without batching): [] for scalar distributions. */
  readonly eventShape: number[];
  /** Whether this instance checks its arguments and values. */
  readonly validateArgs: boolean;

  /**
   * Turns argument validation on or off for distributions made afterwards without a validateArgs
   * option (PyTorch's Distribution.set_default_validate_args). Validation reads the values back to
   * the host; turn it off for speed once a model works.
   * @example `Distribution.setDefaultValidateArgs(false)`
   */
  static setDefaultValidateArgs(value: boolean): void {
    if (typeof value !== 'boolean') throw new ArgumentError(`Distribution.setDefaultValidateArgs: value must be a boolean, got ${fmtArg(value)}`);
    defaultValidateArgs = value;
  }

  /** The default of validateArgs for new distributions. @example `Distribution.getDefaultValidateArgs() // true` */
  static getDefaultValidateArgs(): boolean {
    return defaultValidateArgs;
  }

  protected constructor(batchShape: number[], eventShape: number[], opts?: DistributionOptions) {
    this.batchShape = batchShape.slice();
    this.eventShape = eventShape.slice();
    const v = opts?.validateArgs;
    if (v !== undefined && typeof v !== 'boolean') throw new ArgumentError(`${this.distName}: validateArgs must be a boolean, got ${fmtArg(v)}`);
    this.validateArgs = v ?? defaultValidateArgs;
  }

  /** The distribution's name in messages. @example `new Normal(0, 1).distName // 'Normal'` */
  get distName(): string {
    return this.constructor.name;
  }

  /** The constraint of each parameter, by name. @example `new Normal(0, 1).argConstraints.scale.name // 'positive'` */
  abstract get argConstraints(): Record<string, Constraint>;

  /** The set of values the distribution puts mass on. @example `new Exponential(1).support.name // 'nonnegative'` */
  abstract get support(): Constraint;

  /** Whether rsample (reparameterised, differentiable sampling) is available. @example `new Normal(0, 1).hasRsample // true` */
  get hasRsample(): boolean {
    return false;
  }

  /** Whether enumerateSupport is available (finite discrete distributions). @example `new Bernoulli({ probs: 0.3 }).hasEnumerateSupport // true` */
  get hasEnumerateSupport(): boolean {
    return false;
  }

  /** The mean, of shape batchShape + eventShape. @example `new Normal(1, 2).mean.item() // 1` */
  get mean(): Tensor {
    throw this.missing('mean');
  }

  /** The mode, of shape batchShape + eventShape. @example `new Laplace(1, 2).mode.item() // 1` */
  get mode(): Tensor {
    throw this.missing('mode');
  }

  /** The variance, of shape batchShape + eventShape. @example `new Normal(0, 2).variance.item() // 4` */
  get variance(): Tensor {
    throw this.missing('variance');
  }

  /** The standard deviation: sqrt(variance) unless a subclass has it directly. @example `new Normal(0, 2).stddev.item() // 2` */
  get stddev(): Tensor {
    return sqrt(this.variance);
  }

  /**
   * A sample of shape sampleShape + batchShape + eventShape, without gradient.
   * @example `manualSeed(0); new Normal(0, 1).sample([1000])`
   */
  sample(sampleShape: number[] = []): Tensor {
    this.extendedShape('sample', sampleShape);
    return noGrad(() => this.rsample(sampleShape));
  }

  /**
   * A reparameterised sample of shape sampleShape + batchShape + eventShape: a differentiable
   * function of the parameters and of noise drawn from the default Philox generator.
   * @example `const z = new Normal(mu, sigma).rsample(); z.sum().backward();`
   */
  rsample(sampleShape: number[] = []): Tensor {
    void sampleShape;
    throw new NotImplementedError(`${this.distName}.rsample: ${this.distName} has no reparameterised sampling (hasRsample is false); use sample(), which has no gradient`);
  }

  /** The log of the density or mass at value, of the broadcast batch shape. @example `new Normal(0, 1).logProb(tensor([0]))` */
  logProb(value: Tensor | number): Tensor {
    void value;
    throw this.missing('logProb');
  }

  /** The cumulative distribution function at value. @example `new Normal(0, 1).cdf(tensor([0])) // [0.5]` */
  cdf(value: Tensor | number): Tensor {
    void value;
    throw this.missing('cdf');
  }

  /** The inverse cdf (quantile function) at probabilities in [0, 1]. @example `new Normal(0, 1).icdf(tensor([0.975])) // [1.96]` */
  icdf(value: Tensor | number): Tensor {
    void value;
    throw this.missing('icdf');
  }

  /** The entropy, of shape batchShape. @example `new Normal(0, 1).entropy()` */
  entropy(): Tensor {
    throw this.missing('entropy');
  }

  /** exp(entropy()). @example `new Categorical(tensor([0.5, 0.5])).perplexity().item() // 2` */
  perplexity(): Tensor {
    return exp(this.entropy());
  }

  /**
   * All values of a finite discrete distribution, along dim 0: shape [cardinality] + batchShape + eventShape,
   * or with the batch dims of size 1 when expand is false.
   * @example `new Bernoulli({ probs: tensor([0.1, 0.9]) }).enumerateSupport() // [[0, 0], [1, 1]]`
   */
  enumerateSupport(expand = true): Tensor {
    void expand;
    throw this.missing('enumerateSupport');
  }

  /**
   * The same distribution with its parameters expanded to a larger batch shape (each batch dim
   * of size 1 may grow; new dims may be added in front). Arguments are not checked again.
   * @example `new Normal(0, 1).expand([3, 2]).batchShape // [3, 2]`
   */
  expand(batchShape: number[]): Distribution {
    void batchShape;
    throw this.missing('expand');
  }

  /** e.g. `Normal(loc: float32[3], scale: 1)`. @example `String(new Normal(0, 1))` */
  toString(): string {
    const parts = Object.keys(this.argConstraints).flatMap((name) => {
      const v = (this as unknown as Record<string, unknown>)[name];
      if (!(v instanceof Tensor) || v.isDisposed) return [];
      return [`${name}: ${v.numel() === 1 ? hostValues(v)[0] : v.describe()}`];
    });
    return `${this.distName}(${parts.join(', ')})`;
  }

  /** sampleShape + batchShape + eventShape, with sampleShape checked. */
  protected extendedShape(op: string, sampleShape: number[]): number[] {
    if (!Array.isArray(sampleShape) || sampleShape.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new ArgumentError(`${this.distName}.${op}: sampleShape must be an array of non-negative integers, got ${fmtValue(sampleShape)}`);
    }
    return [...sampleShape, ...this.batchShape, ...this.eventShape];
  }

  /** The float dtype the distribution computes in (its parameters'). */
  protected get dtype(): FloatDType {
    return 'float32';
  }

  /**
   * value as a tensor (a number becomes one of the distribution's dtype; int32/bool become that
   * dtype), with PyTorch's _validate_sample checks when validateArgs: its trailing dims equal
   * eventShape, it broadcasts with batchShape + eventShape, and it lies in `support`.
   */
  protected validateSample(op: string, value: Tensor | number, support: Constraint = this.support, what = 'value'): Tensor {
    const v = this.asValue(op, value, what);
    if (!this.validateArgs) return v;
    this.checkSampleShape(op, v, what);
    const ok = support.check(v);
    const bad = firstFalse(ok);
    if (bad >= 0) {
      throw new ArgumentError(`${this.distName}.${op}: ${what} ${v.describe()} must lie in the support (${support.name}) of ${this}; `
        + `${describeElement(v, ok, bad, support.eventDim)} does not`);
    }
    return v;
  }

  /** A probability for icdf: a tensor in [0, 1] (checked when validateArgs). */
  protected validateProbability(op: string, value: Tensor | number): Tensor {
    return this.validateSample(op, value, constraints.unitInterval, 'probability');
  }

  protected asValue(op: string, value: Tensor | number, what = 'value'): Tensor {
    if (typeof value === 'number') return full([], value, { dtype: this.dtype, device: this.device });
    if (!(value instanceof Tensor)) {
      throw new ArgumentError(`${this.distName}.${op}: ${what} must be a Tensor or a number, got ${value === null ? 'null' : typeof value === 'object' ? fmtArg(value) : typeof value}`);
    }
    if (value.isDisposed) throw new ArgumentError(`${this.distName}.${op}: ${what} (${value.describe()}) was disposed`);
    return value.dtype === 'float32' || value.dtype === 'float64' ? value : to(value, this.dtype);
  }

  protected checkSampleShape(op: string, v: Tensor, what = 'value'): void {
    const ev = this.eventShape, n = ev.length;
    const tail = v.shape.slice(v.ndim - n);
    if (v.ndim < n || tail.some((s, i) => s !== ev[i])) {
      throw new ShapeError(`${this.distName}.${op}: the trailing dims of ${what} ${v.describe()} must equal the event shape ${fmtShape(ev)}`);
    }
    const expected = [...this.batchShape, ...ev];
    for (let i = 1; i <= Math.min(v.ndim, expected.length); i++) {
      const a = v.shape[v.ndim - i], b = expected[expected.length - i];
      if (a !== 1 && b !== 1 && a !== b) {
        throw new ShapeError(`${this.distName}.${op}: ${what} ${v.describe()} does not broadcast with batchShape + eventShape ${fmtShape(expected)}`);
      }
    }
  }

  /** The device of the parameters. */
  protected get device(): Tensor['device'] {
    return 'cpu';
  }

  /**
   * Checks each given parameter against its constraint in argConstraints (when validateArgs),
   * as PyTorch does at construction; a violation names the distribution, the parameter, its
   * shape, the constraint and the first bad element.
   */
  protected checkArgs(params: Record<string, Tensor>): void {
    if (!this.validateArgs) return;
    const cons = this.argConstraints;
    for (const [name, t] of Object.entries(params)) {
      const c = cons[name];
      if (!c) continue;
      const ok = c.check(t);
      const bad = firstFalse(ok);
      if (bad >= 0) {
        throw new ArgumentError(`${this.distName}: parameter ${name} ${t.describe()} must satisfy the constraint ${c.name}; `
          + `${describeElement(t, ok, bad, c.eventDim)} does not`);
      }
    }
  }

  /**
   * A new instance of this class with batchShape (checked against the current one) and the
   * same eventShape and validateArgs, its parameters left to the caller (PyTorch's
   * _get_checked_instance).
   */
  protected expandedInstance(op: string, batchShape: number[]): this {
    checkExpandShape(`${this.distName}.${op}`, this.batchShape, batchShape);
    const d = Object.create(Object.getPrototypeOf(this)) as this;
    Object.assign(d, { batchShape: batchShape.slice(), eventShape: this.eventShape.slice(), validateArgs: this.validateArgs });
    return d;
  }

  protected missing(what: string): NotImplementedError {
    return new NotImplementedError(`${this.distName} does not implement ${what}`);
  }
}

/** batchShape is a valid expansion of `from`: integers >= 0, at least as many dims, each old dim equal or 1. */
export function checkExpandShape(op: string, from: readonly number[], batchShape: number[]): void {
  if (!Array.isArray(batchShape) || batchShape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new ArgumentError(`${op}: batchShape must be an array of non-negative integers, got ${fmtValue(batchShape)}`);
  }
  const lead = batchShape.length - from.length;
  if (lead < 0 || from.some((s, i) => s !== 1 && s !== batchShape[lead + i])) {
    throw new ShapeError(`${op}: cannot expand batch shape ${fmtShape(from)} to ${fmtShape(batchShape)} (each dim must match or be 1, and no dims may be dropped)`);
  }
}

/** A parameter expanded to batchShape + its last eventDims dims (the tensor itself when it fits). */
export function expandParam(t: Tensor, batchShape: number[], eventDims = 0): Tensor {
  const target = [...batchShape, ...t.shape.slice(t.ndim - eventDims)];
  if (target.length === t.ndim && target.every((s, i) => s === t.shape[i])) return t;
  return expandOp(t, target);
}

/** Flat index of the first false element of a bool mask, or -1. */
function firstFalse(mask: Tensor): number {
  const v = hostValues(mask);
  for (let i = 0; i < v.length; i++) if (!v[i]) return i;
  return -1;
}

/** "element 3 (-1)" or "event [1, 0] ([0.2, 0.9])" of a value, for messages. */
function describeElement(value: Tensor, mask: Tensor, flat: number, eventDim: number): string {
  const batch = mask.shape;
  const idx: number[] = [];
  let rest = flat;
  for (let d = batch.length - 1; d >= 0; d--) {
    idx.unshift(rest % batch[d]);
    rest = Math.floor(rest / batch[d]);
  }
  // The value may be broadcast against the mask's shape (a dependent support with tensor bounds).
  const vals = hostValues(value);
  const evShape = value.shape.slice(value.ndim - eventDim);
  const evSize = evShape.reduce((a, b) => a * b, 1);
  const vBatch = value.shape.slice(0, value.ndim - eventDim);
  let vFlat = 0;
  for (let d = 0; d < vBatch.length; d++) {
    const i = idx[idx.length - vBatch.length + d];
    vFlat = vFlat * vBatch[d] + (vBatch[d] === 1 ? 0 : i);
  }
  const shown = Array.from(vals.slice(vFlat * evSize, vFlat * evSize + Math.min(evSize, 8)), Number);
  const text = eventDim === 0 ? String(shown[0]) : `[${shown.join(', ')}${evSize > 8 ? ', ...' : ''}]`;
  const where = batch.length === 0 ? (eventDim === 0 ? 'the value' : 'the event') : `${eventDim === 0 ? 'element' : 'event'} [${idx.join(',')}]`;
  return `${where} (${text})`;
}

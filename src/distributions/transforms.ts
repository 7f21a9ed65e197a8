/**
 * Invertible transforms for TransformedDistribution, as torch.distributions.transforms: each has
 * forward, inverse, the log |det Jacobian| and its domain and codomain. Written with ops.
 */
import { ArgumentError, fmtArg } from '../errors';
import { add, div, eq, mul, sub } from '../ops/binary';
import { full } from '../ops/creation';
import { amin } from '../ops/reduce';
import { to } from '../ops/cast';
import { abs, clamp, exp, log, log1p, neg, sigmoid, sign, tanh } from '../ops/unary';
import { expand as expandOp } from '../ops/shape';
import { hostValues } from '../ops/util';
import { Tensor } from '../tensor/tensor';
import { type Constraint, constraints } from './constraints';
import { broadcastParamShapes, finfo, type Param, softplusExact, sumRightmost } from './utils';

/**
 * A bijection y = f(x) with the log |det J| a change of variables needs.
 * @example
 * const t = new AffineTransform(1, 2);
 * t.forward(x); t.inverse(y); t.logAbsDetJacobian(x, y);   // log 2 everywhere
 */
export abstract class Transform {
  /** Trailing dims one event spans (0: elementwise). */
  readonly eventDim: number = 0;
  /** Where forward is defined. */
  abstract get domain(): Constraint;
  /** Where forward's values lie. */
  abstract get codomain(): Constraint;
  /** +1 (increasing) or -1 (decreasing), a tensor when it differs per element; used by cdf. */
  abstract get sign(): Tensor | number;
  /** y = f(x). */
  abstract forward(x: Tensor): Tensor;
  /** x = f^-1(y). */
  abstract inverse(y: Tensor): Tensor;
  /** log |det df/dx| at (x, y = f(x)), summed over the event dims: shape of x less eventDim dims. */
  abstract logAbsDetJacobian(x: Tensor, y: Tensor): Tensor;
  /** Whether other is the same transform (the KL divergence of two transformed distributions needs this). */
  abstract equals(other: Transform): boolean;
  /** The name in messages. */
  abstract get name(): string;

  /** The inverse transform (PyTorch's t.inv). @example `new ExpTransform().inv.forward(y) // log y` */
  get inv(): Transform {
    return new InverseTransform(this);
  }

  /** The shape of forward(x) for x of this shape. */
  forwardShape(shape: number[]): number[] {
    return shape;
  }

  /** The shape of inverse(y) for y of this shape. */
  inverseShape(shape: number[]): number[] {
    return shape;
  }
}

/** The inverse of a transform (what `t.inv` returns). @example `new InverseTransform(new ExpTransform()).forward(y) // log y` */
export class InverseTransform extends Transform {
  override readonly eventDim: number;
  constructor(readonly base: Transform) {
    super();
    this.eventDim = base.eventDim;
  }
  get name(): string { return `${this.base.name}.inv`; }
  get domain(): Constraint { return this.base.codomain; }
  get codomain(): Constraint { return this.base.domain; }
  get sign(): Tensor | number { return this.base.sign; }
  override get inv(): Transform { return this.base; }
  forward(x: Tensor): Tensor { return this.base.inverse(x); }
  inverse(y: Tensor): Tensor { return this.base.forward(y); }
  logAbsDetJacobian(x: Tensor, y: Tensor): Tensor { return neg(this.base.logAbsDetJacobian(y, x)); }
  equals(other: Transform): boolean { return other instanceof InverseTransform && this.base.equals(other.base); }
  override forwardShape(shape: number[]): number[] { return this.base.inverseShape(shape); }
  override inverseShape(shape: number[]): number[] { return this.base.forwardShape(shape); }
}

/** y = exp(x); log |dy/dx| = x. @example `new TransformedDistribution(new Normal(0, 1), [new ExpTransform()])` */
export class ExpTransform extends Transform {
  get name(): string { return 'ExpTransform'; }
  get domain(): Constraint { return constraints.real; }
  get codomain(): Constraint { return constraints.positive; }
  get sign(): number { return 1; }
  forward(x: Tensor): Tensor { return exp(x); }
  inverse(y: Tensor): Tensor { return log(y); }
  logAbsDetJacobian(x: Tensor): Tensor { return x; }
  equals(other: Transform): boolean { return other instanceof ExpTransform; }
}

/**
 * y = sigmoid(x), clamped to [tiny, 1 - eps] as PyTorch; log |dy/dx| = -softplus(-x) - softplus(x).
 * @example `new SigmoidTransform().forward(tensor([0])) // [0.5]`
 */
export class SigmoidTransform extends Transform {
  get name(): string { return 'SigmoidTransform'; }
  get domain(): Constraint { return constraints.real; }
  get codomain(): Constraint { return constraints.unitInterval; }
  get sign(): number { return 1; }
  forward(x: Tensor): Tensor {
    const f = finfo(x.dtype);
    return clamp(sigmoid(x), { min: f.tiny, max: 1 - f.eps });
  }
  inverse(y: Tensor): Tensor {
    const f = finfo(y.dtype);
    const c = clamp(y, { min: f.tiny, max: 1 - f.eps });
    return sub(log(c), log1p(neg(c)));
  }
  logAbsDetJacobian(x: Tensor): Tensor { return sub(neg(softplusExact(neg(x))), softplusExact(x)); }
  equals(other: Transform): boolean { return other instanceof SigmoidTransform; }
}

/**
 * y = tanh(x); log |dy/dx| = 2 (log 2 - x - softplus(-2x)), stable for large |x|.
 * @example `new TransformedDistribution(new Normal(mu, sigma), [new TanhTransform()])   // a squashed Gaussian`
 */
export class TanhTransform extends Transform {
  get name(): string { return 'TanhTransform'; }
  get domain(): Constraint { return constraints.real; }
  get codomain(): Constraint { return constraints.interval(-1, 1, 'interval [-1, 1]'); }
  get sign(): number { return 1; }
  forward(x: Tensor): Tensor { return tanh(x); }
  /** atanh(y) = (log1p(y) - log1p(-y)) / 2. */
  inverse(y: Tensor): Tensor { return mul(sub(log1p(y), log1p(neg(y))), 0.5); }
  logAbsDetJacobian(x: Tensor): Tensor { return mul(sub(sub(Math.LN2, x), softplusExact(mul(x, -2))), 2); }
  equals(other: Transform): boolean { return other instanceof TanhTransform; }
}

/** Options of AffineTransform. @example `{ eventDim: 1 }` */
export interface AffineTransformOptions {
  /** Trailing dims that make one event: the log |det J| is summed over them (default 0). */
  eventDim?: number;
}

/**
 * y = loc + scale x (scale nonzero); log |det J| = log |scale|, summed over eventDim trailing dims.
 * @example `new TransformedDistribution(new Uniform(0, 1), [new AffineTransform(2, 3)])   // Uniform(2, 5)`
 */
export class AffineTransform extends Transform {
  override readonly eventDim: number;
  /** The shift. */
  readonly loc: Param;
  /** The scale. */
  readonly scale: Param;

  constructor(loc: Param, scale: Param, opts?: AffineTransformOptions) {
    super();
    for (const [name, v] of [['loc', loc], ['scale', scale]] as const) {
      if (typeof v === 'number') continue;
      if (!(v instanceof Tensor)) throw new ArgumentError(`AffineTransform: ${name} must be a Tensor or a number, got ${v === null ? 'null' : typeof v}`);
      if (v.dtype !== 'float32' && v.dtype !== 'float64') throw new ArgumentError(`AffineTransform: ${name} must be a float tensor, got ${v.describe()}`);
    }
    const e = opts?.eventDim ?? 0;
    if (!Number.isInteger(e) || e < 0) throw new ArgumentError(`AffineTransform: eventDim must be a non-negative integer, got ${fmtArg(e)}`);
    this.loc = loc;
    this.scale = scale;
    this.eventDim = e;
  }

  get name(): string { return 'AffineTransform'; }
  get domain(): Constraint { return this.eventDim === 0 ? constraints.real : constraints.independent(constraints.real, this.eventDim); }
  get codomain(): Constraint { return this.domain; }
  get sign(): Tensor | number { return typeof this.scale === 'number' ? Math.sign(this.scale) : sign(this.scale); }
  forward(x: Tensor): Tensor { return add(this.loc, mul(this.scale, x)); }
  inverse(y: Tensor): Tensor { return div(sub(y, this.loc), this.scale); }

  logAbsDetJacobian(x: Tensor): Tensor {
    const s = this.scale;
    let result = typeof s === 'number' ? full(x.shape, Math.log(Math.abs(s)), { dtype: x.dtype, device: x.device }) : log(abs(s));
    let shape = x.shape;
    if (this.eventDim > 0) {
      // Sum log|scale| over the event: broadcast it to the event's shape first (a scalar scale counts once per element).
      const full_ = broadcastParamShapes('AffineTransform.logAbsDetJacobian', result.shape, 'log|scale|', shape, 'x');
      result = sumRightmost(expandOp(to(result, x.dtype), full_), this.eventDim);
      shape = shape.slice(0, shape.length - this.eventDim);
    }
    const target = broadcastParamShapes('AffineTransform.logAbsDetJacobian', result.shape, 'log|scale|', shape, 'x');
    return target.length === result.ndim && target.every((n, i) => n === result.shape[i]) ? result : expandOp(result, target);
  }

  equals(other: Transform): boolean {
    if (!(other instanceof AffineTransform) || other.eventDim !== this.eventDim) return false;
    return sameParam(this.loc, other.loc) && sameParam(this.scale, other.scale);
  }

  override forwardShape(shape: number[]): number[] {
    let out = shape;
    for (const p of [this.loc, this.scale]) if (p instanceof Tensor) out = broadcastParamShapes('AffineTransform', out, 'x', p.shape, 'a parameter');
    return out;
  }

  override inverseShape(shape: number[]): number[] {
    return this.forwardShape(shape);
  }
}

function sameParam(a: Param, b: Param): boolean {
  if (typeof a === 'number' || typeof b === 'number') {
    if (typeof a === 'number' && typeof b === 'number') return a === b;
    const t = (typeof a === 'number' ? b : a) as Tensor, n = (typeof a === 'number' ? a : b) as number;
    return hostValues(t).every((v) => v === n);
  }
  if (a === b) return true;
  try {
    return hostValues(amin(to(eq(a, b), 'float32'))).every((v) => v === 1);
  } catch {
    return false;
  }
}

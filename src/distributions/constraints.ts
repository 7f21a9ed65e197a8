/**
 * Constraints on parameters and supports, as torch.distributions.constraints: each says where a
 * value is valid, as a bool tensor over the value's batch (its shape less the last eventDim dims).
 * Written with ops; a distribution reads the mask back only to name the first bad element.
 */
import { abs, floor } from '../ops/unary';
import { eq, ge, gt, le, logicalAnd, logicalOr, lt, mul, sub } from '../ops/binary';
import { amin, sum } from '../ops/reduce';
import { eye, tensor } from '../ops/creation';
import { reshape, transpose } from '../ops/shape';
import { to } from '../ops/cast';
import type { Tensor } from '../tensor/tensor';

/**
 * A region of values: `check(value)` is a bool tensor, true where value lies in it (over the
 * batch: eventDim trailing dims are one event).
 * @example `constraints.positive.check(tensor([1, -1])) // [true, false]`
 */
export interface Constraint {
  /** How messages name it, e.g. 'positive' or 'interval [low, high]'. */
  readonly name: string;
  /** Trailing dims that make one event (0 for elementwise constraints). */
  readonly eventDim: number;
  /** Whether the region is discrete (integers, booleans, one-hot vectors). */
  readonly isDiscrete: boolean;
  /** True where value lies in the region. */
  check(value: Tensor): Tensor;
}

type Bound = Tensor | number;

/** True where v is a whole number (always, for int32 and bool). */
const integral = (v: Tensor): Tensor => (v.dtype === 'int32' || v.dtype === 'bool' ? eq(v, v) : eq(v, floor(v)));

const make = (name: string, check: (v: Tensor) => Tensor, eventDim = 0, isDiscrete = false): Constraint => ({ name, eventDim, isDiscrete, check });
const boundName = (b: Bound, fallback: string): string => (typeof b === 'number' ? String(b) : fallback);

/** Any real number (not NaN; infinities pass, as in PyTorch). @example `constraints.real.check(x)` */
const real = make('real', (v) => eq(v, v));

/**
 * x > lowerBound. @example `constraints.greaterThan(0)`
 */
function greaterThan(lowerBound: Bound, name = `greaterThan(${boundName(lowerBound, 'lowerBound')})`): Constraint {
  return make(name, (v) => gt(v, lowerBound));
}

/** x >= lowerBound. @example `constraints.greaterThanEq(0)` */
function greaterThanEq(lowerBound: Bound, name = `greaterThanEq(${boundName(lowerBound, 'lowerBound')})`): Constraint {
  return make(name, (v) => ge(v, lowerBound));
}

/** lowerBound <= x <= upperBound. @example `constraints.interval(0, 1)` */
function interval(lowerBound: Bound, upperBound: Bound, name?: string): Constraint {
  return make(name ?? `interval [${boundName(lowerBound, 'lowerBound')}, ${boundName(upperBound, 'upperBound')}]`,
    (v) => logicalAnd(ge(v, lowerBound), le(v, upperBound)));
}

/** lowerBound <= x < upperBound. @example `constraints.halfOpenInterval(0, 1)` */
function halfOpenInterval(lowerBound: Bound, upperBound: Bound, name?: string): Constraint {
  return make(name ?? `halfOpenInterval [${boundName(lowerBound, 'lowerBound')}, ${boundName(upperBound, 'upperBound')})`,
    (v) => logicalAnd(ge(v, lowerBound), lt(v, upperBound)));
}

/** An integer in [lowerBound, upperBound] (bounds may be tensors: a Binomial's totalCount). @example `constraints.integerInterval(0, 9)` */
function integerInterval(lowerBound: Bound, upperBound: Bound): Constraint {
  return make(`integerInterval {${boundName(lowerBound, 'lowerBound')}, ..., ${boundName(upperBound, 'upperBound')}}`,
    (v) => logicalAnd(logicalAnd(integral(v), ge(v, lowerBound)), le(v, upperBound)), 0, true);
}

/** Every element of the last `reinterpretedBatchNdims` dims satisfies base (torch's constraints.independent). @example `constraints.independent(constraints.real, 1)` */
function independent(base: Constraint, reinterpretedBatchNdims: number): Constraint {
  const n = reinterpretedBatchNdims;
  if (n === 0) return base;
  return make(`independent(${base.name}, ${n})`, (v) => {
    const ok = base.check(v);
    // All of the last n dims must hold: the minimum of the 0/1 mask over them.
    return eq(amin(to(ok, 'float32'), Array.from({ length: n }, (_, i) => ok.ndim - 1 - i)), 1);
  }, base.eventDim + n, base.isDiscrete);
}

/** Nonnegative entries summing to 1 along the last dim (within 1e-6, as PyTorch). */
const simplex = make('simplex', (v) => logicalAnd(
  eq(amin(to(ge(v, 0), 'float32'), -1), 1),
  lt(abs(sub(sum(v, -1), 1)), 1e-6)), 1);

/** Vectors of 0s and 1s with exactly one 1. */
const oneHot = make('oneHot', (v) => logicalAnd(
  eq(amin(to(logicalOr(eq(v, 0), eq(v, 1)), 'float32'), -1), 1),
  eq(sum(v, -1), 1)), 1, true);

/** Lower-triangular matrices with a positive diagonal (a Cholesky factor). */
const lowerCholesky = make('lowerCholesky', (v) => {
  const n = v.shape[v.ndim - 1];
  const I = eye(n, n, { dtype: v.dtype as 'float32' | 'float64' });
  // Above the diagonal: v * (1 - lower mask) must be 0; on it: positive.
  const upper = mul(v, triuStrictMask(n, v.dtype));
  const upperZero = eq(amin(to(eq(upper, 0), 'float32'), [-2, -1]), 1);
  const diagPositive = eq(amin(to(gt(sum(mul(v, I), -1), 0), 'float32'), -1), 1);
  return logicalAnd(upperZero, diagPositive);
}, 2);

/** Symmetric matrices (within 1e-6); positive-definiteness is checked by the Cholesky factorisation itself. */
const symmetric = make('symmetric', (v) => eq(amin(to(le(abs(sub(v, transpose(v, -1, -2))), 1e-6), 'float32'), [-2, -1]), 1), 2);

function triuStrictMask(n: number, dtype: string): Tensor {
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) values[i * n + j] = 1;
  return reshape(tensor(values, { dtype: dtype as 'float32' | 'float64' }), [n, n]);
}

/**
 * The constraints of torch.distributions.constraints, by PyTorch's names in camelCase.
 * @example
 * import { distributions } from 'lattice-ml';
 * distributions.constraints.unitInterval.check(tensor([0.5, 2])); // bool [true, false]
 */
export const constraints = {
  /** Any real number (not NaN). */
  real,
  /** A vector of reals (event dim 1). */
  realVector: independent(real, 1),
  /** x > 0. */
  positive: greaterThan(0, 'positive'),
  /** x >= 0. */
  nonnegative: greaterThanEq(0, 'nonnegative'),
  /** 0 <= x <= 1. */
  unitInterval: interval(0, 1, 'unitInterval [0, 1]'),
  /** 0 or 1. */
  boolean: make('boolean {0, 1}', (v) => logicalOr(eq(v, 0), eq(v, 1)), 0, true),
  /** An integer >= 0. */
  nonnegativeInteger: make('nonnegativeInteger', (v) => logicalAnd(integral(v), ge(v, 0)), 0, true),
  /** Nonnegative vectors summing to 1 along the last dim (within 1e-6). */
  simplex,
  /** Vectors of 0s and 1s with exactly one 1. */
  oneHot,
  /** Lower-triangular matrices with a positive diagonal. */
  lowerCholesky,
  /** Symmetric matrices (within 1e-6). */
  symmetric,
  /** x > lowerBound (a number or a tensor). @example `constraints.greaterThan(0)` */
  greaterThan,
  /** x >= lowerBound. @example `constraints.greaterThanEq(1)` */
  greaterThanEq,
  /** lowerBound <= x <= upperBound. @example `constraints.interval(0, 1)` */
  interval,
  /** lowerBound <= x < upperBound. @example `constraints.halfOpenInterval(low, high)` */
  halfOpenInterval,
  /** An integer in [lowerBound, upperBound] (numbers or tensors). @example `constraints.integerInterval(0, 9)` */
  integerInterval,
  /** base over the last reinterpretedBatchNdims dims as one event. @example `constraints.independent(constraints.positive, 1)` */
  independent,
};

/** Elementwise unary ops and activations with their gradients (written with ops, so they differentiate again). */
import { backendFor } from '../backend/device';
import type { UnaryOp } from '../backend/opcodes';
import { ArgumentError, fmtArg } from '../errors';
import { isFloat, type DType } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { add, gt, ge, le, logicalAnd, mul, sub, div, where } from './binary';
import { castTo } from './cast';
import { zerosLike } from './creation';
import { record } from './record';
import { tanhBackward } from './tanh-backward';
import { assertNumber, assertTensor, emptyForOverwrite } from './util';

/** Ops that keep integer dtypes (the rest compute in float32 for int/bool input, as PyTorch does). */
const INTEGER_OK: ReadonlySet<UnaryOp> = new Set(['neg', 'abs', 'sign', 'square', 'relu', 'clamp', 'floor', 'ceil', 'round']);

type Grad = (g: Tensor, x: Tensor, y: Tensor) => Tensor;

/** What a gradient reads, and so what backward must find unmodified: the input, the output (exp, tanh, ...), or nothing. */
type Saves = 'input' | 'output' | 'none';

/**
 * @internal One unary kernel call and its tape node: int32/bool inputs compute in float32 (except the
 * INTEGER_OK ops); `grad` (written with ops) gets the incoming gradient, the input and the output.
 * @example `unaryOp('erf', x, (g, a) => mul(g, mul(exp(neg(mul(a, a))), 2 / Math.sqrt(Math.PI))))`
 */
export function unaryOp(op: UnaryOp, x: Tensor, grad: Grad | null, p0 = 0, p1 = 0, saves: Saves = 'input'): Tensor {
  assertTensor(op, 'x', x);
  let input = x;
  let dtype: DType = x.dtype;
  if (op === 'logicalNot') dtype = 'bool';
  else if (!isFloat(dtype) && !INTEGER_OK.has(op)) { input = castTo(x, 'float32'); dtype = 'float32'; }
  else if (dtype === 'bool') { input = castTo(x, 'int32'); dtype = 'int32'; }
  const out = emptyForOverwrite(input.shape, dtype, input.device);
  backendFor(input.device).unary(op, op === 'logicalNot' ? castTo(input, 'bool').deviceValues : input.deviceValues, out.deviceValues, p0, p1);
  if (!grad) return record(out, op, [], () => []);
  return record(out, op, [input], (g) => [grad(g, input, out)], saves === 'input' ? [input] : saves === 'output' ? [out] : []);
}

const noGradient: Grad = (g) => zerosLike(g);

/** -x. @example `neg(x)` */
export const neg = (x: Tensor): Tensor => unaryOp('neg', x, (g) => neg(g), 0, 0, 'none');
/** |x|. @example `abs(x)` */
export const abs = (x: Tensor): Tensor => unaryOp('abs', x, (g, a) => mul(g, sign(a)));
/** -1, 0 or 1 by sign. @example `sign(x)` */
export const sign = (x: Tensor): Tensor => unaryOp('sign', x, noGradient, 0, 0, 'none');
/** e^x. @example `exp(x)` */
export const exp = (x: Tensor): Tensor => unaryOp('exp', x, (g, _a, y) => mul(g, y), 0, 0, 'output');
/** e^x - 1, accurate near 0. @example `expm1(x)` */
export const expm1 = (x: Tensor): Tensor => unaryOp('expm1', x, (g, _a, y) => mul(g, add(y, 1)), 0, 0, 'output');
/** Natural log. @example `log(x)` */
export const log = (x: Tensor): Tensor => unaryOp('log', x, (g, a) => div(g, a));
/** log(1 + x), accurate near 0. @example `log1p(x)` */
export const log1p = (x: Tensor): Tensor => unaryOp('log1p', x, (g, a) => div(g, add(a, 1)));
/** Square root. @example `sqrt(x)` */
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x, (g, _a, y) => div(mul(g, 0.5), y), 0, 0, 'output');
/** 1 / sqrt(x). @example `rsqrt(x)` */
export const rsqrt = (x: Tensor): Tensor => unaryOp('rsqrt', x, (g, _a, y) => mul(g, mul(mul(y, mul(y, y)), -0.5)), 0, 0, 'output');
/** x^2. @example `square(x)` */
export const square = (x: Tensor): Tensor => unaryOp('square', x, (g, a) => mul(g, mul(a, 2)));
/** 1 / x. @example `reciprocal(x)` */
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', x, (g, _a, y) => neg(mul(g, mul(y, y))), 0, 0, 'output');
/** sin. @example `sin(x)` */
export const sin = (x: Tensor): Tensor => unaryOp('sin', x, (g, a) => mul(g, cos(a)));
/** cos. @example `cos(x)` */
export const cos = (x: Tensor): Tensor => unaryOp('cos', x, (g, a) => neg(mul(g, sin(a))));
/** tanh; its gradient is 1 - tanh^2. @example `tanh(x)` */
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x,
  // The fused tanhBackward kernel reads host memory; on another device the gradient is written with ops there.
  (g, _a, y) => (y.device === 'cpu' ? tanhBackward(g, y) : mul(g, sub(1, mul(y, y)))), 0, 0, 'output');
/** Logistic sigmoid 1 / (1 + e^-x), stable for large |x|. @example `sigmoid(x)` */
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x, (g, _a, y) => mul(g, mul(y, sub(1, y))), 0, 0, 'output');
/** Gauss error function. @example `erf(x)` */
export const erf = (x: Tensor): Tensor => unaryOp('erf', x, (g, a) => mul(g, mul(exp(neg(mul(a, a))), 2 / Math.sqrt(Math.PI))));
/** max(x, 0). @example `relu(x)` */
export const relu = (x: Tensor): Tensor => unaryOp('relu', x, (g, a) => where(gt(a, 0), g, 0));

/** x for x >= 0, slope * x below. @example `leakyRelu(x, 0.01)` */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  assertNumber('leakyRelu', 'negativeSlope', negativeSlope);
  return unaryOp('leakyRelu', x, (g, a) => where(gt(a, 0), g, mul(g, negativeSlope)), negativeSlope);
}

/** x for x > 0, alpha (e^x - 1) below. @example `elu(x, 1.0)` */
export function elu(x: Tensor, alpha = 1.0): Tensor {
  assertNumber('elu', 'alpha', alpha);
  return unaryOp('elu', x, (g, a) => where(gt(a, 0), g, mul(g, mul(exp(a), alpha))), alpha);
}

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_C = Math.sqrt(2 / Math.PI);

/**
 * GELU x Φ(x). approximate 'tanh' uses 0.5x(1 + tanh(sqrt(2/π)(x + 0.044715x³))).
 * @example `gelu(x)` or `gelu(x, { approximate: 'tanh' })`
 */
export function gelu(x: Tensor, opts?: { approximate?: 'none' | 'tanh' }): Tensor {
  const approximate = opts?.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') throw new ArgumentError(`gelu: approximate must be 'none' or 'tanh', got '${fmtArg(approximate)}'`);
  if (approximate === 'none') {
    // d/dx x Φ(x) = Φ(x) + x φ(x), Φ(x) = (1 + erf(x/√2))/2, φ(x) = e^{-x²/2}/√(2π)
    return unaryOp('gelu', x, (g, a) => {
      const cdf = mul(add(erf(mul(a, Math.SQRT1_2)), 1), 0.5);
      const pdf = mul(exp(mul(mul(a, a), -0.5)), INV_SQRT_2PI);
      return mul(g, add(cdf, mul(a, pdf)));
    });
  }
  // u = c(x + 0.044715x³), t = tanh u: d/dx = (1 + t)/2 + x(1 - t²) c (1 + 3·0.044715 x²)/2
  return unaryOp('geluTanh', x, (g, a) => {
    const t = tanh(mul(add(a, mul(mul(a, mul(a, a)), 0.044715)), GELU_C));
    const du = mul(add(mul(mul(a, a), 3 * 0.044715), 1), GELU_C);
    return mul(g, add(mul(add(t, 1), 0.5), mul(mul(mul(a, sub(1, mul(t, t))), du), 0.5)));
  });
}

/** x · sigmoid(x) (swish). @example `silu(x)` */
export function silu(x: Tensor): Tensor {
  // d/dx = s (1 + x (1 - s)), s = sigmoid(x)
  return unaryOp('silu', x, (g, a) => {
    const s = sigmoid(a);
    return mul(g, mul(s, add(mul(a, sub(1, s)), 1)));
  });
}

/** log(1 + e^{βx}) / β, linear where βx > threshold. @example `softplus(x, { beta: 1, threshold: 20 })` */
export function softplus(x: Tensor, opts?: { beta?: number; threshold?: number }): Tensor {
  const beta = opts?.beta ?? 1, threshold = opts?.threshold ?? 20;
  assertNumber('softplus', 'beta', beta);
  assertNumber('softplus', 'threshold', threshold);
  if (beta === 0) throw new ArgumentError('softplus: beta must be non-zero');
  return unaryOp('softplus', x, (g, a) => where(gt(mul(a, beta), threshold), g, mul(g, sigmoid(mul(a, beta)))), beta, threshold);
}

/**
 * Clamps into [min, max]; either bound may be omitted. The gradient passes where min <= x <= max.
 * @example `clamp(x, { min: 0, max: 1 })`
 */
export function clamp(x: Tensor, opts: { min?: number; max?: number }): Tensor {
  const lo = opts?.min ?? -Infinity, hi = opts?.max ?? Infinity;
  assertNumber('clamp', 'min', lo);
  assertNumber('clamp', 'max', hi);
  if (opts?.min === undefined && opts?.max === undefined) throw new ArgumentError('clamp: give at least one of min and max');
  return unaryOp('clamp', x, (g, a) => where(logicalAnd(ge(a, lo), le(a, hi)), g, 0), lo, hi);
}

/** Round down. @example `floor(x)` */
export const floor = (x: Tensor): Tensor => unaryOp('floor', x, noGradient, 0, 0, 'none');
/** Round up. @example `ceil(x)` */
export const ceil = (x: Tensor): Tensor => unaryOp('ceil', x, noGradient, 0, 0, 'none');
/** Round half to even, as torch.round. @example `round(x)` */
export const round = (x: Tensor): Tensor => unaryOp('round', x, noGradient, 0, 0, 'none');
/** Logical not (zero is false) as bool. @example `logicalNot(mask)` */
export const logicalNot = (x: Tensor): Tensor => unaryOp('logicalNot', x, null);

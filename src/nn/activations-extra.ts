/**
 * The rest of torch.nn.functional's activations: SELU, CELU, Mish, the hard* family, the
 * shrinkage functions, threshold, GLU, softmin, PReLU and alpha dropout. Each is composed
 * from existing ops, so autograd differentiates it (twice, too). Where PyTorch's derivative
 * picks a side at a kink, the composition picks the same one: the piece that holds the kink
 * is chosen with `where` and the comparison PyTorch's backward uses, and a piece whose
 * gradient must be zero there reads a detached x.
 */
import { detach } from '../autograd/api';
import { ArgumentError, ShapeError, fmtArg, fmtShape } from '../errors';
import { add, div, ge, gt, le, logicalAnd, logicalOr, lt, minimum, mul, sub, where } from '../ops/binary';
import { castTo } from '../ops/cast';
import { rand } from '../ops/creation';
import { reshape, split } from '../ops/shape';
import { softmax } from '../ops/softmax';
import { abs, clamp, elu, exp, log1p, neg, sigmoid, softplus, tanh } from '../ops/unary';
import { assertFloatTensor, assertTensor } from '../ops/util';
import { normalizeDim } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import type { DropoutOptions } from './functional';
import { finiteOption } from './layers/common';

/** SELU's alpha (Klambauer et al. 2017), as torch. */
export const SELU_ALPHA = 1.6732632423543772848170429916717;
/** SELU's scale (Klambauer et al. 2017), as torch. */
export const SELU_SCALE = 1.0507009873554804934193349852946;


function dimArg(op: string, dim: unknown): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new ArgumentError(`${op}: dim must be an integer, got ${fmtArg(dim)}`);
  return dim;
}

/**
 * SELU: scale · (x for x > 0, alpha (eˣ - 1) below), with PyTorch's alpha ≈ 1.6733 and
 * scale ≈ 1.0507; self-normalising with LeCun-normal init. The gradient at 0 is scale · alpha.
 * @example `selu(tensor([-1, 0, 2]))`
 */
export function selu(x: Tensor): Tensor {
  assertTensor('selu', 'x', x);
  return mul(elu(x, SELU_ALPHA), SELU_SCALE);
}

/**
 * CELU: x for x > 0, alpha (e^{x/alpha} - 1) below (default alpha 1); C¹ for every alpha.
 * alpha 0 is an error, as in PyTorch.
 * @example `celu(x, 0.5)`
 */
export function celu(x: Tensor, alpha = 1.0): Tensor {
  assertTensor('celu', 'x', x);
  finiteOption('celu', 'alpha', alpha);
  if (alpha === 0) throw new ArgumentError('celu: alpha cannot be 0 (it divides x)');
  return mul(elu(div(x, alpha), 1), alpha);
}

/**
 * Mish (Misra 2019): x · tanh(softplus(x)).
 * @example `mish(x)`
 */
export function mish(x: Tensor): Tensor {
  assertTensor('mish', 'x', x);
  return mul(x, tanh(softplus(x)));
}

/**
 * Hardswish (MobileNetV3): x · min(max(x + 3, 0), 6) / 6. As in PyTorch the gradient is 0 for
 * x <= -3, x/3 + 1/2 for -3 < x < 3 and 1 for x >= 3.
 * @example `hardswish(x)`
 */
export function hardswish(x: Tensor): Tensor {
  assertTensor('hardswish', 'x', x);
  // The middle piece reads x only inside (-3, 3), so that a NaN or ±inf outside it cannot turn
  // its zero share of the gradient into NaN (0 · inf).
  const inside = where(logicalAnd(gt(x, -3), lt(x, 3)), x, 0);
  return where(le(x, -3), mul(detach(x), 0), where(lt(x, 3), div(mul(inside, add(inside, 3)), 6), x));
}

/**
 * Hardsigmoid: min(max(x + 3, 0), 6) / 6. As in PyTorch the gradient is 1/6 strictly inside
 * (-3, 3) and 0 elsewhere, at ±3 included.
 * @example `hardsigmoid(x)`
 */
export function hardsigmoid(x: Tensor): Tensor {
  assertTensor('hardsigmoid', 'x', x);
  const inside = logicalAnd(gt(x, -3), lt(x, 3));
  return where(inside, div(add(x, 3), 6), div(clamp(add(detach(x), 3), { min: 0, max: 6 }), 6));
}

/**
 * Hardtanh: x clamped into [minVal, maxVal] (default [-1, 1]). As in PyTorch the gradient passes
 * only strictly inside (minVal, maxVal); minVal > maxVal is an error.
 * @example `hardtanh(x, -2, 2)`
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  assertTensor('hardtanh', 'x', x);
  finiteOption('hardtanh', 'minVal', minVal);
  finiteOption('hardtanh', 'maxVal', maxVal);
  if (minVal > maxVal) throw new ArgumentError(`hardtanh: minVal (${minVal}) cannot be greater than maxVal (${maxVal})`);
  const outside = logicalOr(le(x, minVal), ge(x, maxVal));
  return where(outside, clamp(detach(x), { min: minVal, max: maxVal }), x);
}

/**
 * Softsign: x / (1 + |x|).
 * @example `softsign(x)`
 */
export function softsign(x: Tensor): Tensor {
  assertTensor('softsign', 'x', x);
  return div(x, add(abs(x), 1));
}

/**
 * log(sigmoid(x)), computed as min(x, 0) - log1p(e^{-|x|}) so that it neither overflows nor
 * loses the tail; the gradient is sigmoid(-x) (1/2 at 0).
 * @example `logSigmoid(logits)`
 */
export function logSigmoid(x: Tensor): Tensor {
  assertTensor('logSigmoid', 'x', x);
  return sub(minimum(x, 0), log1p(exp(neg(abs(x)))));
}

/**
 * Tanhshrink: x - tanh(x).
 * @example `tanhshrink(x)`
 */
export function tanhshrink(x: Tensor): Tensor {
  assertTensor('tanhshrink', 'x', x);
  return sub(x, tanh(x));
}

/**
 * Softshrink: x - lambd above lambd, x + lambd below -lambd, 0 between (default lambd 0.5;
 * it must be >= 0). The gradient is 0 on [-lambd, lambd], ends included, as in PyTorch.
 * @example `softshrink(x, 0.3)`
 */
export function softshrink(x: Tensor, lambd = 0.5): Tensor {
  assertTensor('softshrink', 'x', x);
  finiteOption('softshrink', 'lambd', lambd);
  if (lambd < 0) throw new ArgumentError(`softshrink: lambd must be >= 0, got ${lambd}`);
  // NaN falls through to the last piece: NaN out, gradient passed, as PyTorch.
  return where(logicalAnd(ge(x, -lambd), le(x, lambd)), mul(detach(x), 0), where(gt(x, lambd), sub(x, lambd), add(x, lambd)));
}

/**
 * Hardshrink: x where |x| > lambd, 0 elsewhere (default lambd 0.5). The gradient is 0 on
 * [-lambd, lambd], ends included, as in PyTorch.
 * @example `hardshrink(x, 0.3)`
 */
export function hardshrink(x: Tensor, lambd = 0.5): Tensor {
  assertTensor('hardshrink', 'x', x);
  finiteOption('hardshrink', 'lambd', lambd);
  return where(logicalAnd(ge(x, -lambd), le(x, lambd)), mul(detach(x), 0), x);
}

/**
 * Threshold: x where x > threshold, else value. The gradient is 0 where x <= threshold, as in
 * PyTorch.
 * @example `threshold(x, 0.1, 20)`
 */
export function threshold(x: Tensor, threshold: number, value: number): Tensor {
  assertTensor('threshold', 'x', x);
  finiteOption('threshold', 'threshold', threshold);
  if (typeof value !== 'number' || Number.isNaN(value)) throw new ArgumentError(`threshold: value must be a number, got ${fmtArg(value)}`);
  return where(le(x, threshold), value, x);
}

/**
 * Gated linear unit (Dauphin et al. 2017): a · sigmoid(b), where a and b are the first and
 * second halves of x along `dim` (default -1, whose size must be even).
 * @example `glu(x, 1)` halves [N, 2C, L] into [N, C, L]
 */
export function glu(x: Tensor, dim = -1): Tensor {
  assertTensor('glu', 'x', x);
  dimArg('glu', dim);
  if (x.ndim === 0) throw new ShapeError(`glu: x must have a dim to halve, got ${x.describe()}`);
  const d = normalizeDim('glu', dim, x.ndim);
  const n = x.shape[d];
  if (n % 2 !== 0) throw new ShapeError(`glu: dim ${d} of ${x.describe()} must be even to halve, got size ${n}`);
  const [a, b] = split(x, n / 2, d);
  return mul(a, sigmoid(b));
}

/**
 * Softmin along `dim`: softmax(-x, dim).
 * @example `softmin(distances, -1)`
 */
export function softmin(x: Tensor, dim: number): Tensor {
  assertTensor('softmin', 'x', x);
  dimArg('softmin', dim);
  return softmax(neg(x), dim);
}

/**
 * PReLU: x for x > 0, weight · x below, with the weight per channel along dim 1 (a 1-element
 * weight applies everywhere). weight is 0-d or 1-D with 1 or C = x.shape[1] entries, as in
 * PyTorch. Gradients as PyTorch's: at x = 0 the input gets weight · g and the weight gets 0.
 * @example `prelu(x, tensor([0.25]))`
 */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  assertTensor('prelu', 'x', x);
  assertTensor('prelu', 'weight', weight);
  if (weight.ndim > 1) throw new ShapeError(`prelu: weight must be 0-d or 1-D, got ${weight.describe()}`);
  let w: Tensor;
  if (weight.size === 1) {
    w = weight.ndim === 0 ? weight : reshape(weight, []);
  } else {
    if (x.ndim === 0) throw new ShapeError(`prelu: a 0-d x ${x.describe()} takes only a 1-element weight, got ${weight.describe()}`);
    const channels = x.ndim >= 2 ? x.shape[1] : 1;
    if (weight.size !== channels) {
      throw new ShapeError(`prelu: weight ${fmtShape(weight.shape)} must have 1 or ${channels} (the channel count, dim 1 of x ${fmtShape(x.shape)}) entries, got ${weight.size}`);
    }
    w = reshape(weight, [channels, ...new Array<number>(x.ndim - 2).fill(1)]);
  }
  // The weight's piece reads x only where x <= 0, so that x = inf cannot give it a NaN gradient (0 · inf).
  const positive = gt(x, 0);
  return where(positive, x, mul(w, where(positive, 0, x)));
}

/** alpha' = -SELU_SCALE · SELU_ALPHA, SELU's limit as x → -∞: the value alpha dropout drops to (torch's literal). */
const ALPHA_PRIME = -1.7580993408473766;

/**
 * Alpha dropout (for SELU networks): while training, each element is set to SELU's negative
 * saturation alpha' = -1.7581 with probability p, and the result is scaled and shifted so that
 * zero-mean, unit-variance inputs keep their mean and variance. PyTorch's formula:
 * a = ((1 - p)(1 + p alpha'²))^(-1/2), b = -a alpha' p, out = a (x·m + alpha'(1 - m)) + b.
 * p = 0 and eval return x; p = 1 gives zeros (as PyTorch). The mask is drawn with `rand` from
 * the Philox stream (kept where u >= p), so a seed gives the same mask on every backend.
 * @example `alphaDropout(x, 0.1, { training: model.training })`
 */
export function alphaDropout(x: Tensor, p = 0.5, opts?: DropoutOptions): Tensor {
  assertFloatTensor('alphaDropout', 'x', x);
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ArgumentError(`alphaDropout: p must be a probability in [0, 1], got ${fmtArg(p)}`);
  if (opts?.training === false || p === 0 || x.size === 0) return x;
  if (p === 1) return mul(x, 0);
  const u = rand(x.shape, { dtype: x.dtype, generator: opts?.generator, device: x.device });
  const keep = castTo(ge(u, p), x.dtype);
  const a = 1 / Math.sqrt((ALPHA_PRIME * ALPHA_PRIME * p + 1) * (1 - p));
  // As torch's _dropout_impl: b = (m - 1) · (-alpha' a) + (-alpha' a p); out = x · (m a) + b.
  const shift = add(mul(sub(keep, 1), -ALPHA_PRIME * a), -ALPHA_PRIME * a * p);
  return add(mul(x, mul(keep, a)), shift);
}

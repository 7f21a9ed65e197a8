/**
 * What the distributions share: parameters as tensors broadcast to one batch shape (PyTorch's
 * broadcast_all), the dtype limits (torch.finfo), the probability/logit conversions and a softplus
 * that is exact for every input. Written with ops only.
 */
import { isGradEnabled } from '../autograd/api';
import { customOp } from '../autograd/custom';
import { ArgumentError, DTypeError, ShapeError, fmtArg, fmtShape } from '../errors';
import { add, mul, sub } from '../ops/binary';
import { to } from '../ops/cast';
import { full } from '../ops/creation';
import { sum } from '../ops/reduce';
import { expand } from '../ops/shape';
import { abs, clamp, exp, log, log1p, neg, relu, sigmoid } from '../ops/unary';
import { sameDevice } from '../ops/util';
import type { Device } from '../tensor/device';
import { Tensor } from '../tensor/tensor';
import { broadcastShapes } from '../tensor/shape';

/** A distribution parameter: a float tensor, or a number (a 0-d tensor of the other parameters' dtype). @example `new Normal(0, tensor([1, 2]))` */
export type Param = Tensor | number;

/** The float dtypes a distribution computes in. @example `const dt: FloatDType = 'float64';` */
export type FloatDType = 'float32' | 'float64';

/** torch.finfo's figures for a float dtype: machine epsilon, the smallest normal number, the largest number. @example `finfo('float64').tiny` */
export interface FloatInfo { eps: number; tiny: number; max: number }

const FINFO: Record<FloatDType, FloatInfo> = {
  float32: { eps: 2 ** -23, tiny: 2 ** -126, max: 3.4028234663852886e38 },
  float64: { eps: 2 ** -52, tiny: 2 ** -1022, max: Number.MAX_VALUE },
};

/** torch.finfo(dtype): eps, tiny and max of float32 or float64. @example `finfo('float32').eps // 1.1920928955078125e-7` */
export function finfo(dtype: string): FloatInfo {
  return FINFO[dtype === 'float64' ? 'float64' : 'float32'];
}

/** Parameters broadcast to one shape, in one float dtype, on one device. @example `broadcastParams('Normal', [['loc', 0], ['scale', s]]).shape` */
export interface BroadcastParams { tensors: Tensor[]; shape: number[]; dtype: FloatDType; device: Device }

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((s, i) => s === b[i]);

/**
 * PyTorch's broadcast_all: tensors (float32 or float64) and numbers, broadcast to one shape. The
 * dtype is float64 if any tensor is, else float32; a number becomes a tensor of that dtype. A tensor
 * whose shape and dtype already fit is returned as it is (the distribution keeps the caller's tensor).
 * `dist` names the distribution in errors.
 */
export function broadcastParams(dist: string, params: [string, Param][]): BroadcastParams {
  const tensors: [string, Tensor][] = [];
  for (const [name, p] of params) {
    if (p instanceof Tensor) {
      if (p.isDisposed) throw new ArgumentError(`${dist}: ${name} (${p.describe()}) was disposed`);
      if (p.dtype !== 'float32' && p.dtype !== 'float64') throw new DTypeError(`${dist}: ${name} must be a float32 or float64 tensor, got ${p.describe()}`);
      tensors.push([name, p]);
    } else if (typeof p !== 'number') {
      throw new ArgumentError(`${dist}: ${name} must be a Tensor or a number, got ${p === null ? 'null' : typeof p === 'object' ? fmtArg(p) : typeof p}`);
    }
  }
  const device = sameDevice(dist, ...tensors);
  const dtype: FloatDType = tensors.some(([, t]) => t.dtype === 'float64') ? 'float64' : 'float32';
  let shape: number[] = [];
  let shapeFrom = '';
  for (const [name, t] of tensors) {
    shape = broadcastParamShapes(dist, shape, shapeFrom, t.shape, `${name} ${t.describe()}`);
    shapeFrom = shapeFrom ? `${shapeFrom} and ${name} ${t.describe()}` : `${name} ${t.describe()}`;
  }
  const out = params.map(([, p]) => {
    if (typeof p === 'number') return full(shape, p, { dtype, device });
    const t = to(p, dtype);
    return sameShape(t.shape, shape) ? t : expand(t, shape);
  });
  return { tensors: out, shape, dtype, device };
}

/**
 * The broadcast of two shapes (tensor/shape's broadcastShapes), or a ShapeError naming what gave
 * each. (Not the public broadcastTo, which broadcasts a tensor.)
 */
export function broadcastParamShapes(dist: string, a: readonly number[], aFrom: string, b: readonly number[], bFrom: string): number[] {
  try {
    return broadcastShapes(dist, a, b);
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    throw new ShapeError(`${dist}: ${aFrom} and ${bFrom} cannot be broadcast together (${fmtShape(a)} vs ${fmtShape(b)})`);
  }
}

/** Sums the last n dims (PyTorch's _sum_rightmost). @example `sumRightmost(x, 1)` */
export function sumRightmost(x: Tensor, n: number): Tensor {
  if (n <= 0) return x;
  const dims = Array.from({ length: n }, (_, i) => x.ndim - 1 - i);
  return sum(x, dims);
}

/**
 * log(1 + exp(x)) for every x: relu(x) + log1p(exp(-|x|)), with the gradient sigmoid(x) (also at 0,
 * where the pieces' subgradients would say 0). The softplus op switches to x above its threshold (20),
 * which is ~2e-9 off there: too much for a float64 log-probability.
 * @example `softplusExact(logits)`
 */
export const softplusExact: (x: Tensor) => Tensor = customOp({
  name: 'softplus',
  forward: (x) => add(relu(x), log1p(exp(neg(abs(x))))),
  backward: (g, [x]) => [mul(g, sigmoid(x))],
});

/** Probabilities clamped into [eps, 1 - eps] (PyTorch's clamp_probs). @example `clampProbs(p)` */
export function clampProbs(probs: Tensor): Tensor {
  const eps = finfo(probs.dtype).eps;
  return clamp(probs, { min: eps, max: 1 - eps });
}

/** Logits of probabilities, as torch.distributions.utils.probs_to_logits: binary log(p/(1-p)), else log p (both clamped). */
export function probsToLogits(probs: Tensor, isBinary: boolean): Tensor {
  const p = clampProbs(probs);
  return isBinary ? sub(log(p), log1p(neg(p))) : log(p);
}

/**
 * A parameter derived from another (logits from probs, or probs from logits): the cached one, else
 * make(source), cached by store unless made under noGrad from a source that requires grad: that
 * one has no graph, and a later logProb would silently give no gradient (PyTorch's lazy_property
 * has this trap; here the derived tensor is simply made again).
 * @example `get probs() { return derived(this.probsValue, this.logitsValue, sigmoid, (t) => { this.probsValue = t; }); }`
 */
export function derived(cache: Tensor | null, source: Tensor, make: (source: Tensor) => Tensor, store: (t: Tensor) => void): Tensor {
  if (cache) return cache;
  const t = make(source);
  if (isGradEnabled() || !source.requiresGrad) store(t);
  return t;
}

/** Cumulative sums and products along a dim (cumsum, cumprod) and their gradients. */
import { ArgumentError, DTypeError, fmtArg } from '../errors';
import { isDType, isFloat, type DType } from '../tensor/dtype';
import { isGradEnabled } from '../tensor/graph';
import { aroundDim, normalizeDim } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { div, eq, logicalAnd, mul, where } from './binary';
import { castTo } from './cast';
import { ones, randn, tensor } from './creation';
import { backendWithKernel } from './device-kernel';
import { record } from './record';
import { prod, sum } from './reduce';
import { registerOp, type SampleDType } from './registry';
import { cat, narrow } from './shape';
import { assertTensor, emptyForOverwrite, hostValues } from './util';

/** The result dtype of `cumsum`/`cumprod` (PyTorch's `dtype`): x is cast to it first. @example `cumsum(mask, 0, { dtype: 'float32' })` */
export interface ScanOptions {
  /** float32, float64 or int32; default x's dtype (int32 for bool). */
  dtype?: DType;
}

function resultType(op: string, x: Tensor, opts: ScanOptions | undefined): DType {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new ArgumentError(`${op}: options must be an object, got ${fmtArg(opts)}`);
  const dtype = opts?.dtype ?? (x.dtype === 'bool' ? 'int32' : x.dtype);
  if (!isDType(dtype) || dtype === 'bool') {
    throw new DTypeError(`${op}: dtype must be float32, float64 or int32, got ${fmtArg(dtype)} (x is ${x.describe()})`);
  }
  return dtype;
}

/** Runs the scan kernel along dim d of x (already of the result dtype), unrecorded. */
function scanRaw(op: string, isProd: boolean, reverse: boolean, x: Tensor, d: number): Tensor {
  const kernels = backendWithKernel(op, 'scan', x);
  const [outer, len, inner] = aroundDim(x.shape, d);
  const out = emptyForOverwrite(x.shape.slice(), x.dtype, x.device);
  if (out.size > 0) kernels.scan(isProd, reverse, x.deviceValues, out.deviceValues, outer, len, inner);
  return out;
}

/**
 * Sums from the end: out_j = x_j + ... + x_{n-1} along d (cumsum's adjoint, one kernel pass). Its own
 * adjoint is cumsum, so gradients of any order stay single passes.
 */
function reverseCumsum(x: Tensor, d: number): Tensor {
  const out = scanRaw('cumsum', false, true, x, d);
  return record(out, 'reverseCumsum', [x], (g) => [cumsumAlong(g, d)]);
}

function cumsumAlong(x: Tensor, d: number): Tensor {
  const out = scanRaw('cumsum', false, false, x, d);
  if (!isFloat(x.dtype)) return out;
  return record(out, 'cumsum', [x], (g) => [reverseCumsum(g, d)]);
}

/**
 * Cumulative sum along `dim`: out[..., j, ...] = x[..., 0, ...] + ... + x[..., j, ...]. Floats add in
 * double and round each output once (as PyTorch on the CPU); int32 stays int32 (wrapping on overflow)
 * and bool counts as int32.
 * @example `cumsum(tensor([1, 2, 3]), 0) // [1, 3, 6]`
 */
export function cumsum(x: Tensor, dim: number, opts?: ScanOptions): Tensor {
  assertTensor('cumsum', 'x', x);
  const d = normalizeDim('cumsum', dim, x.ndim);
  const dtype = resultType('cumsum', x, opts);
  backendWithKernel('cumsum', 'scan', x);
  return cumsumAlong(castTo(x, dtype), d);
}

/**
 * Cumulative product along `dim`: out[..., j, ...] = x[..., 0, ...] · ... · x[..., j, ...]. The gradient
 * is exact where x holds zeros (PyTorch's rule), and differentiable again.
 * @example `cumprod(tensor([1, 2, 3]), 0) // [1, 2, 6]`
 */
export function cumprod(x: Tensor, dim: number, opts?: ScanOptions): Tensor {
  assertTensor('cumprod', 'x', x);
  const d = normalizeDim('cumprod', dim, x.ndim);
  const dtype = resultType('cumprod', x, opts);
  backendWithKernel('cumprod', 'scan', x);
  const input = castTo(x, dtype);
  const out = scanRaw('cumprod', true, false, input, d);
  if (!isFloat(dtype)) return out;
  return record(out, 'cumprod', [input], (g) => [cumprodBackward(g, input, out, d)], [input, out]);
}

/**
 * d/dx_k of sum_j g_j y_j with y_j = x_0 ⋯ x_j is  sum_{j >= k} g_j prod_{i <= j, i != k} x_i.
 *  - No zero in x: that is reverseCumsum(g y)_k / x_k.
 *  - Zeros, first order only (the usual backward): with z the first zero of a line, positions k < z take
 *    the quotient above (x_k != 0 there); k = z takes reverseCumsum(g y')_z where y' is the cumprod of x
 *    with x_z set to 1; every k > z gets 0 (each product holds x_z = 0). O(n), like the forward.
 *  - Zeros while recording a graph (a second derivative): the masked form is right in value but not in
 *    its derivative at k > z (d/dx_z of those zeros is not zero), so, as PyTorch does, the sum is built
 *    for each k from products that leave x_k out: O(n^2) ops, differentiable to any order.
 */
function cumprodBackward(g: Tensor, x: Tensor, y: Tensor, d: number): Tensor {
  const n = x.ndim === 0 ? 1 : x.shape[d];
  if (x.size === 0 || n <= 1) return g;
  const isZero = eq(x, 0);
  if (!hostValues(isZero).some((v) => v !== 0)) return div(reverseCumsum(mul(g, y), d), x);
  if (isGradEnabled()) return cumprodBackwardLeaveOneOut(g, x, d, n);
  const zerosSoFar = cumsumAlong(castTo(isZero, 'int32'), d);
  const beforeFirstZero = eq(zerosSoFar, 0);
  const atFirstZero = logicalAnd(isZero, eq(zerosSoFar, 1));
  const yWithoutFirstZero = scanRaw('cumprod', true, false, where(atFirstZero, 1, x), d);
  const quotient = div(reverseCumsum(mul(g, y), d), where(isZero, 1, x));
  const atZero = reverseCumsum(mul(g, yWithoutFirstZero), d);
  return where(beforeFirstZero, quotient, where(atFirstZero, atZero, 0));
}

/** sum_{j >= k} g_j prod_{i <= j, i != k} x_i for each k, from products that leave x_k out (see cumprodBackward). */
function cumprodBackwardLeaveOneOut(g: Tensor, x: Tensor, d: number, n: number): Tensor {
  const parts: Tensor[] = [];
  for (let k = 0; k < n; k++) {
    // omitted[m] = prod_{i <= k + m, i != k} x_i for m = 0 .. n-1-k.
    let omitted: Tensor;
    const after = k < n - 1 ? cumprod(narrow(x, d, k + 1, n - 1 - k), d) : null;
    if (k === 0) {
      omitted = cat([onesSlice(x, d), after!], d);
    } else {
      const before = prod(narrow(x, d, 0, k), d, { keepdim: true });
      omitted = after ? cat([before, mul(before, after)], d) : before;
    }
    parts.push(sum(mul(narrow(g, d, k, n - k), omitted), d, { keepdim: true }));
  }
  return cat(parts, d);
}

/** Ones shaped like one slice of x along d. */
function onesSlice(x: Tensor, d: number): Tensor {
  const shape = x.shape.slice();
  shape[d] = 1;
  return ones(shape, { dtype: x.dtype, device: x.device });
}

// ---- registry

const normal = (shape: number[], dt: SampleDType): Tensor => randn(shape, { dtype: dt });
/** Normal values with exact zeros at a few places (cumprod's special case). */
const withZeros = (shape: number[], dt: SampleDType, at: number[]): Tensor => {
  const x = randn(shape, { dtype: dt });
  for (const i of at) x.values[i] = 0;
  return x;
};

registerOp({
  name: 'cumsum', kernels: ['scan'], differentiable: true, run: (x) => cumsum(x, 1),
  samples: [
    { label: '[3,5] dim 1', inputs: (dt) => [normal([3, 5], dt)] },
    { label: '[2,4,3] dim 1 (strided)', inputs: (dt) => [normal([2, 4, 3], dt)] },
    { label: 'empty [2,0]', inputs: (dt) => [normal([2, 0], dt)], wrt: [] },
  ],
});
registerOp({
  name: 'cumsum(int32)', kernels: ['scan'], differentiable: false,
  run: (x) => [cumsum(tensor([[3, -1, 4], [1, 5, -9]], { dtype: 'int32' }), 1), cumsum(x.gt(0), 0)],
  samples: [{ label: 'int32 and bool', inputs: (dt) => [normal([4, 3], dt)] }],
});
registerOp({
  name: 'cumprod', kernels: ['scan'], differentiable: true, run: (x) => cumprod(x, -1),
  samples: [
    { label: '[3,5] dim -1', inputs: (dt) => [normal([3, 5], dt)] },
    { label: '[2,4,3] dim -1', inputs: (dt) => [normal([2, 4, 3], dt)] },
    { label: 'zeros in [3,5]', inputs: (dt) => [withZeros([3, 5], dt, [2, 5, 6, 13])] },
  ],
});
registerOp({
  name: 'cumprod(dim 0)', kernels: ['scan'], differentiable: true, run: (x) => cumprod(x, 0),
  samples: [{ label: 'zeros in [4,3] along dim 0', inputs: (dt) => [withZeros([4, 3], dt, [3, 4, 7, 10])] }],
});

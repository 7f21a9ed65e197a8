/** softmax and logSoftmax along a dim, by the stable fused kernel; gradients with ops. */
import { backendFor } from '../backend/device';
import type { FloatArray } from '../tensor/dtype';
import { aroundDim, normalizeDim } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { mul, sub } from './binary';
import { castTo } from './cast';
import { record } from './record';
import { sum } from './reduce';
import { exp } from './unary';
import { assertTensor, emptyForOverwrite } from './util';

function run(log: boolean, x: Tensor, dim: number): [Tensor, Tensor, number] {
  const op = log ? 'logSoftmax' : 'softmax';
  assertTensor(op, 'x', x);
  const input = castTo(x, x.dtype === 'float64' ? 'float64' : 'float32');
  const d = normalizeDim(op, dim, input.ndim);
  const [outer, len, inner] = aroundDim(input.shape, d);
  const out = emptyForOverwrite(input.shape.slice(), input.dtype, input.device);
  backendFor(input.device).softmax(log, input.deviceValues as FloatArray, out.deviceValues as FloatArray, outer, len, inner);
  return [input, out, d];
}

/** exp(x) / sum(exp(x)) along dim, computed without overflow. @example `softmax(logits, -1)` */
export function softmax(x: Tensor, dim: number): Tensor {
  const [input, y, d] = run(false, x, dim);
  // dx = y * (g - sum(g * y))
  return record(y, 'softmax', [input], (g) => [mul(y, sub(g, sum(mul(g, y), d, { keepdim: true })))], [y]);
}

/** x - logsumexp(x) along dim, stable. @example `logSoftmax(logits, 1)` */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  const [input, y, d] = run(true, x, dim);
  // dx = g - softmax(x) * sum(g)
  return record(y, 'logSoftmax', [input], (g) => [sub(g, mul(exp(y), sum(g, d, { keepdim: true })))], [y]);
}

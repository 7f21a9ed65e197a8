/**
 * tanh's gradient as fused ops (PyTorch's tanh_backward): y = tanh(x) has
 * dy/dx = 1 - y², so backward maps g to tanhBackward(g, y) = g (1 - y²) in one
 * pass instead of three ops (y², 1 - y², the product). Its own gradient, with
 * upstream h, is tanhBackward(h, y) for g and -2 g h y for y: the product op
 * tanhBackwardBackward, whose gradients are products of the same form. So
 * every derivative order of tanh stays within these two kernels; a PINN, which
 * differentiates its tanh network two or three times per step, runs far fewer,
 * larger-grained passes over memory (see bench/pinn-burgers.ts).
 */
import { backend } from '../backend/index';
import { DTypeError, ShapeError } from '../errors';
import type { FloatArray } from '../tensor/dtype';
import { isFloat } from '../tensor/dtype';
import { shapesEqual } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { record } from './record';
import { assertTensor, emptyForOverwrite } from './util';

function checkOperands(op: string, names: string[], ts: Tensor[]): void {
  ts.forEach((t, i) => assertTensor(op, names[i], t));
  const [first] = ts;
  for (let i = 0; i < ts.length; i++) {
    if (!isFloat(ts[i].dtype) || ts[i].dtype !== first.dtype) {
      throw new DTypeError(`${op}: ${names.map((n, k) => `${n} is ${ts[k].describe()}`).join(', ')}: all must be float tensors of one dtype`);
    }
    if (!shapesEqual(ts[i].shape, first.shape)) {
      throw new ShapeError(`${op}: ${names.map((n, k) => `${n} is ${ts[k].describe()}`).join(', ')}: the shapes must be equal (no broadcasting)`);
    }
  }
}

/**
 * tanh's backward: g (1 - y²), where y = tanh(x) and g is the output gradient (same shape and dtype).
 * @example `const gx = tanhBackward(g, tanh(x))`
 */
export function tanhBackward(g: Tensor, y: Tensor): Tensor {
  checkOperands('tanhBackward', ['g', 'y'], [g, y]);
  const out = emptyForOverwrite(g.shape.slice(), g.dtype);
  backend().tanhBackward(g.values as FloatArray, y.values as FloatArray, null, out.values as FloatArray);
  return record(out, 'tanhBackward', [g, y], (h, needs) => [
    (needs ? needs[0] : g.requiresGrad) ? tanhBackward(h, y) : null,
    (needs ? needs[1] : y.requiresGrad) ? tanhBackwardBackward(h, g, y) : null,
  ], [g, y]);
}

/**
 * -2 a b c elementwise (same shapes and dtype): the gradient of tanhBackward(g, y) in y is
 * tanhBackwardBackward(h, g, y) for an upstream gradient h.
 * @example `const gy = tanhBackwardBackward(h, g, y)`
 */
export function tanhBackwardBackward(a: Tensor, b: Tensor, c: Tensor): Tensor {
  checkOperands('tanhBackwardBackward', ['a', 'b', 'c'], [a, b, c]);
  const out = emptyForOverwrite(a.shape.slice(), a.dtype);
  backend().tanhBackward(a.values as FloatArray, b.values as FloatArray, c.values as FloatArray, out.values as FloatArray);
  // d(-2abc)/da = -2bc, and so on: each gradient is the same product with k in place of one factor.
  return record(out, 'tanhBackwardBackward', [a, b, c], (k, needs) => [
    (needs ? needs[0] : a.requiresGrad) ? tanhBackwardBackward(k, b, c) : null,
    (needs ? needs[1] : b.requiresGrad) ? tanhBackwardBackward(k, a, c) : null,
    (needs ? needs[2] : c.requiresGrad) ? tanhBackwardBackward(k, a, b) : null,
  ], [a, b, c]);
}

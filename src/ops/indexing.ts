/** indexSelect, gather and their adjoints (indexAdd, scatterAdd). */
import { backendFor } from '../backend/device';
import { DTypeError, ShapeError } from '../errors';
import type { FloatArray } from '../tensor/dtype';
import { aroundDim, normalizeDim } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { record } from './record';
import { assertFloat, assertTensor, empty, hostValues, sameDevice } from './util';
import { copyOf } from './shape';

function checkIndex(op: string, index: Tensor, size: number, dim: number): void {
  if (index.dtype !== 'int32') throw new DTypeError(`${op}: index must be int32, got ${index.describe()}`);
  const v = hostValues(index) as Int32Array;
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0 || v[i] >= size) throw new ShapeError(`${op}: index ${v[i]} is out of range for dim ${dim} of size ${size}`);
  }
}

/** Rows (along `dim`) picked by a 1-D int32 index. @example `indexSelect(x, 0, tensor([2, 0], { dtype: 'int32' }))` */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  assertTensor('indexSelect', 'x', x);
  assertTensor('indexSelect', 'index', index);
  const d = normalizeDim('indexSelect', dim, x.ndim);
  if (index.ndim > 1) throw new ShapeError(`indexSelect: index must be 0-d or 1-D, got ${index.describe()}`);
  checkIndex('indexSelect', index, x.ndim === 0 ? 1 : x.shape[d], d);
  const [outer, len, inner] = aroundDim(x.shape, d);
  const shape = x.shape.slice();
  if (shape.length) shape[d] = index.size;
  const device = sameDevice('indexSelect', ['x', x], ['index', index]);
  const out = empty(shape, x.dtype, device);
  backendFor(device).indexSelect(x.deviceValues, index.deviceValues as Int32Array, out.deviceValues, outer, len, inner);
  return record(out, 'indexSelect', [x], (g) => [indexAdd(empty(x.shape, g.dtype, g.device), d, index, g)], [index]);
}

/** Returns base with src rows added at index along dim (out of place). @example `indexAdd(zeros([5, 3]), 0, idx, rows)` */
export function indexAdd(base: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  assertTensor('indexAdd', 'base', base);
  assertTensor('indexAdd', 'index', index);
  assertTensor('indexAdd', 'src', src);
  assertFloat('indexAdd', 'base', base);
  const d = normalizeDim('indexAdd', dim, base.ndim);
  if (index.ndim > 1) throw new ShapeError(`indexAdd: index must be 0-d or 1-D, got ${index.describe()}`);
  checkIndex('indexAdd', index, base.shape[d], d);
  const [outer, len, inner] = aroundDim(base.shape, d);
  if (src.size !== outer * index.size * inner || src.dtype !== base.dtype) {
    throw new ShapeError(`indexAdd: src ${src.describe()} does not match base ${base.describe()} with ${index.size} indices along dim ${d}`);
  }
  const device = sameDevice('indexAdd', ['base', base], ['index', index], ['src', src]);
  const out = copyOf(base);
  backendFor(device).indexAdd(src.deviceValues as FloatArray, index.deviceValues as Int32Array, out.deviceValues as FloatArray, outer, len, inner);
  return record(out, 'indexAdd', [base, src], (g) => [g, indexSelect(g, d, index)], [index]);
}

function checkGatherShapes(op: string, x: Tensor, index: Tensor, d: number): void {
  if (index.ndim !== x.ndim) throw new ShapeError(`${op}: index ${index.describe()} must have the rank of x ${x.describe()}`);
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i] !== x.shape[i]) throw new ShapeError(`${op}: index ${index.describe()} and x ${x.describe()} differ in dim ${i}`);
  }
}

/** out[..., j, ...] = x[..., index[..., j, ...], ...] along `dim`. @example `gather(logProbs, 1, targets)` */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  assertTensor('gather', 'x', x);
  assertTensor('gather', 'index', index);
  const d = normalizeDim('gather', dim, x.ndim);
  checkGatherShapes('gather', x, index, d);
  checkIndex('gather', index, x.shape[d], d);
  const [outer, len, inner] = aroundDim(x.shape, d);
  const device = sameDevice('gather', ['x', x], ['index', index]);
  const out = empty(index.shape.slice(), x.dtype, device);
  backendFor(device).gather(x.deviceValues, index.deviceValues as Int32Array, out.deviceValues, outer, len, index.ndim ? index.shape[d] : 1, inner);
  return record(out, 'gather', [x], (g) => [scatterAdd(empty(x.shape, g.dtype, g.device), d, index, g)], [index]);
}

/** base with src added at index along dim (the adjoint of gather), out of place. @example `scatterAdd(zeros([3, 4]), 1, idx, src)` */
export function scatterAdd(base: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  assertTensor('scatterAdd', 'base', base);
  assertTensor('scatterAdd', 'index', index);
  assertTensor('scatterAdd', 'src', src);
  assertFloat('scatterAdd', 'base', base);
  const d = normalizeDim('scatterAdd', dim, base.ndim);
  checkGatherShapes('scatterAdd', base, index, d);
  if (src.dtype !== base.dtype || src.ndim !== index.ndim || src.shape.some((s, i) => s !== index.shape[i])) {
    throw new ShapeError(`scatterAdd: src ${src.describe()} must match index ${index.describe()} and base's dtype ${base.dtype}`);
  }
  checkIndex('scatterAdd', index, base.shape[d], d);
  const [outer, len, inner] = aroundDim(base.shape, d);
  const device = sameDevice('scatterAdd', ['base', base], ['index', index], ['src', src]);
  const out = copyOf(base);
  backendFor(device).scatterAdd(src.deviceValues as FloatArray, index.deviceValues as Int32Array, out.deviceValues as FloatArray, outer, len, index.ndim ? index.shape[d] : 1, inner);
  return record(out, 'scatterAdd', [base, src], (g) => [g, gather(g, d, index)], [index]);
}

/** dtype conversion (`x.to('float64')`), differentiable between float types. */
import { backend } from '../backend/index';
import { DTypeError } from '../errors';
import { isDType, isFloat, type DType } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { record } from './record';
import { assertTensor, emptyForOverwrite } from './util';

/** @internal Converts without validation; returns x itself when the dtype already matches. */
export function castTo(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = emptyForOverwrite(x.shape, dtype);
  backend().cast(x.values, out.values);
  if (!isFloat(dtype)) return out;
  return record(out, 'to', [x], (g) => [castTo(g, x.dtype)]);
}

/**
 * A copy in another dtype (float to int truncates toward zero; to bool is x != 0).
 * Returns x itself when the dtype already matches, as PyTorch does.
 * @example `x.to('float64')`
 */
export function to(x: Tensor, dtype: DType): Tensor {
  assertTensor('to', 'x', x);
  if (!isDType(dtype)) throw new DTypeError(`to: unknown dtype '${String(dtype)}' (expected float32, float64, int32 or bool)`);
  return castTo(x, dtype);
}

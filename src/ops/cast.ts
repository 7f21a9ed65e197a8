/** dtype conversion (`x.to('float64')`), differentiable between float types. */
import { backendFor } from '../backend/device';
import { downloadTensor, uploadTensor } from '../backend/cuda/index';
import { DTypeError, fmtArg } from '../errors';
import { type Device, isDeviceName, parseDevice } from '../tensor/device';
import { isDType, isFloat, type DType } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { record } from './record';
import { assertTensor, emptyForOverwrite } from './util';

/** @internal Converts without validation; returns x itself when the dtype already matches. */
export function castTo(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  const out = emptyForOverwrite(x.shape, dtype, x.device);
  backendFor(x.device).cast(x.deviceValues, out.deviceValues);
  if (!isFloat(dtype)) return out;
  return record(out, 'to', [x], (g) => [castTo(g, x.dtype)]);
}

/** @internal Copies x to `device` (x itself when it is there already); differentiable, as PyTorch's `.to`. */
export function moveTo(x: Tensor, device: Device): Tensor {
  if (x.device === device) return x;
  const from = x.device;
  const out = device === 'cpu' ? downloadTensor(x) : uploadTensor('to', x);
  if (!isFloat(x.dtype)) return out;
  return record(out, 'to', [x], (g) => [moveTo(g, from)]);
}

/**
 * A copy in another dtype (float to int truncates toward zero; to bool is x != 0), or on
 * another device ('cpu', 'cuda'). Returns x itself when it already matches, as PyTorch does.
 * Moving to 'cuda' where CUDA is not available throws a BackendError with the reason.
 * @example `x.to('float64')` or `x.to('cuda')`
 */
export function to(x: Tensor, target: DType | Device | 'cuda:0'): Tensor {
  assertTensor('to', 'x', x);
  if (isDeviceName(target)) return moveTo(x, parseDevice('to', target));
  if (!isDType(target)) throw new DTypeError(`to: unknown dtype or device '${fmtArg(target)}' (expected float32, float64, int32, bool, cpu or cuda)`);
  return castTo(x, target);
}

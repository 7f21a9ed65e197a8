/**
 * Deep copies of optimizer state dicts (tensors cloned), parameters and module
 * buffers (BatchNorm's running statistics), for snapshots that later steps
 * cannot change: a skipped or rolled-back step must leave no trace in any of them.
 */
import type { TypedArray } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import type { OptimizerLike } from './types';

export function deepCopy(x: unknown): unknown {
  if (x instanceof Tensor) return Tensor.fromData(x.values.slice(), x.shape.slice(), x.dtype);
  if (Array.isArray(x)) return x.map(deepCopy);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, deepCopy(v)]));
  return x;
}

export interface Snapshot { params: (Float32Array | Float64Array)[]; optimizer: unknown; buffers: TypedArray[] }

/** Copies of the tensors' values (module buffers: running means, variances, batch counts). */
export function copyValues(tensors: Tensor[]): TypedArray[] {
  return tensors.map((t) => t.values.slice());
}

/** Writes copies from copyValues back into the same tensors, bumping versions as any in-place write. */
export function restoreValues(copies: TypedArray[], tensors: Tensor[]): void {
  tensors.forEach((t, i) => {
    t.values.set(copies[i]);
    t.storage.version++;
  });
}

/** Copies parameter values, the optimizer's state and (given) module buffers. */
export function takeSnapshot(params: Tensor[], optimizer: OptimizerLike, buffers: Tensor[] = []): Snapshot {
  return {
    params: params.map((p) => p.values.slice() as Float32Array),
    optimizer: optimizer.stateDict ? deepCopy(optimizer.stateDict()) : null,
    buffers: copyValues(buffers),
  };
}

/** Writes a snapshot back (bumping versions, as any in-place write). */
export function restoreSnapshot(s: Snapshot, params: Tensor[], optimizer: OptimizerLike, buffers: Tensor[] = []): void {
  restoreValues(s.params, params);
  restoreValues(s.buffers, buffers.slice(0, s.buffers.length));
  if (s.optimizer && optimizer.loadStateDict) optimizer.loadStateDict(deepCopy(s.optimizer) as never);
}

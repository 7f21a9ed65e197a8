/** Deep copies of optimizer state dicts (tensors cloned), for snapshots that later steps cannot change. */
import { Tensor } from '../tensor/tensor';
import type { OptimizerLike } from './types';

export function deepCopy(x: unknown): unknown {
  if (x instanceof Tensor) return Tensor.fromData(x.values.slice(), x.shape.slice(), x.dtype);
  if (Array.isArray(x)) return x.map(deepCopy);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, deepCopy(v)]));
  return x;
}

export interface Snapshot { params: (Float32Array | Float64Array)[]; optimizer: unknown }

/** Copies parameter values and the optimizer's state. */
export function takeSnapshot(params: Tensor[], optimizer: OptimizerLike): Snapshot {
  return { params: params.map((p) => p.values.slice() as Float32Array), optimizer: optimizer.stateDict ? deepCopy(optimizer.stateDict()) : null };
}

/** Writes a snapshot back (bumping versions, as any in-place write). */
export function restoreSnapshot(s: Snapshot, params: Tensor[], optimizer: OptimizerLike): void {
  params.forEach((p, i) => {
    p.values.set(s.params[i]);
    p.storage.version++;
  });
  if (s.optimizer && optimizer.loadStateDict) optimizer.loadStateDict(deepCopy(s.optimizer) as never);
}

/**
 * Storage shared by a tensor and its views, with the bookkeeping behind
 * `memory()`, `dispose()` and `tidy()`.
 *
 * A storage counts its holders: every tensor that views it (graph nodes hold
 * their saved tensors, which count as live until disposed). When the count
 * reaches zero its bytes leave the live total. As in TensorFlow.js, a tensor counts as live until it is
 * disposed (directly or by tidy); the garbage collector still frees the memory
 * of tensors that are merely dropped, but they stay in the count. (A
 * FinalizationRegistry would keep the count exact but costs ~1 µs per tensor,
 * more than the rest of a small op.)
 */
import { bytesPerElement, type DType, type TypedArray } from './dtype';

export class Storage {
  /** Bumped by every in-place write; backward compares it with the value saved at record time. */
  version = 0;
  holders = 0;
  constructor(public data: TypedArray, public readonly dtype: DType) {}
  get bytes(): number {
    return this.data.length * bytesPerElement(this.dtype);
  }
}

const stats = { numTensors: 0, numBytes: 0, numStorages: 0 };

export function retainStorage(s: Storage): void {
  if (s.holders++ === 0) {
    stats.numStorages++;
    stats.numBytes += s.bytes;
  }
}

export function releaseStorage(s: Storage): void {
  if (s.holders <= 0) return;
  if (--s.holders === 0) {
    stats.numStorages--;
    stats.numBytes -= s.bytes;
  }
}

export function trackTensor(s: Storage): void {
  stats.numTensors++;
  retainStorage(s);
}

export function untrackTensor(s: Storage): void {
  stats.numTensors--;
  releaseStorage(s);
}

/** Tensors not yet disposed, and the bytes of their storages. @example `console.log(memory().numTensors)` */
export function memory(): { numTensors: number; numBytes: number; numStorages: number } {
  return { ...stats };
}

// tidy(): a stack of scopes, each collecting the tensors created inside it.
export interface Disposable { dispose(): void; kept?: boolean }
const scopes: Disposable[][] = [];

export function registerInScope(t: Disposable): void {
  if (scopes.length > 0) scopes[scopes.length - 1].push(t);
}

export function pushScope(): void {
  scopes.push([]);
}

/** Disposes the scope's tensors except those in `keep`; kept ones move to the enclosing scope. */
export function popScope(keep: Set<unknown>): void {
  const scope = scopes.pop();
  if (!scope) return;
  for (const t of scope) {
    if (keep.has(t)) registerInScope(t);
    else if (!t.kept) t.dispose();
  }
}

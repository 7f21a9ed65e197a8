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
import { ArgumentError } from '../errors';
import { type Device, deviceMemoryOf } from './device';
import { bytesPerElement, type DType, isSkewed, type TypedArray } from './dtype';

export class Storage {
  /** Bumped by every in-place write; backward compares it with the value saved at record time. */
  version = 0;
  holders = 0;
  /** On 'cuda', `data` is the empty tag of a device buffer (see tensor/device.ts). */
  constructor(public data: TypedArray, public readonly dtype: DType, public readonly device: Device = 'cpu') {}
  get bytes(): number {
    const length = this.device === 'cpu' ? this.data.length : deviceMemoryOf().length(this.data);
    return length * bytesPerElement(this.dtype);
  }
}

const stats = { numTensors: 0, numBytes: 0, numStorages: 0, deviceBytes: 0 };

export function retainStorage(s: Storage): void {
  if (s.holders++ === 0) {
    stats.numStorages++;
    if (s.device === 'cpu') stats.numBytes += s.bytes;
    else stats.deviceBytes += s.bytes;
  }
}

export function releaseStorage(s: Storage): void {
  if (s.holders <= 0) return;
  if (--s.holders === 0) {
    stats.numStorages--;
    if (s.device === 'cpu') {
      stats.numBytes -= s.bytes;
      recycle(s);
    } else {
      stats.deviceBytes -= s.bytes;
      deviceMemoryOf().release(s.data);  // back to the device's stream-ordered cache
    }
  }
}

/*
 * Buffer pool. A large buffer whose last holder was disposed goes back to a
 * pool keyed by dtype and length, and the next allocation of that size takes
 * it (zeroed) instead of new memory. On this kind of machine a first touch of
 * fresh pages costs ~25-40 µs per page fault: a new 16 MB buffer can cost
 * 100 ms, while zeroing a pooled one costs ~2 ms. Training steps inside tidy()
 * dispose their intermediates, so each step reuses the previous step's buffers.
 * The pool keeps the sizes used last: a buffer that would take it past its limit
 * first evicts the least recently used sizes. Without that, a process that trained
 * one model and then another kept the first one's sizes and gave the second fresh
 * pages on every step (ResNet-18 after 300 MB of other sizes: 6 -> 1,557 page faults
 * a step).
 */
const POOL_MIN_BYTES = 1 << 10;
let poolLimitBytes = 256 * 1024 * 1024;
const pool = new Map<string, TypedArray[]>();
let pooledBytes = 0;

function recycle(s: Storage): void {
  const bytes = s.bytes;
  if (bytes < POOL_MIN_BYTES || bytes > poolLimitBytes || isSkewed(s.data)) return;
  const key = `${s.dtype}:${s.data.length}`;
  const list = pool.get(key) ?? [];
  pool.delete(key);  // re-inserted last: the map's order is least to most recently used
  if (pooledBytes + bytes > poolLimitBytes) evictFor(bytes);
  list.push(s.data);
  pool.set(key, list);
  pooledBytes += bytes;
  // The storage no longer owns the buffer: a stale reference sees an empty array, never another tensor's data.
  s.data = s.data.subarray(0, 0);
}

// Drops the least recently used pooled buffers until `bytes` more fit under the limit.
function evictFor(bytes: number): void {
  for (const [key, list] of pool) {
    while (list.length > 0 && pooledBytes + bytes > poolLimitBytes) pooledBytes -= list.pop()!.byteLength;
    if (list.length === 0) pool.delete(key);
    if (pooledBytes + bytes <= poolLimitBytes) return;
  }
}

/**
 * A buffer from the pool, or null when none of this dtype and length is free. It is zeroed
 * unless `zero` is false: a kernel that writes every element skips the fill, which on a
 * cold multi-megabyte buffer costs as much as the kernel's own pass over memory.
 */
export function acquireBuffer(dtype: DType, length: number, zero = true): TypedArray | null {
  if (length * bytesPerElement(dtype) < POOL_MIN_BYTES) return null;
  const key = `${dtype}:${length}`;
  const list = pool.get(key);
  const buf = list?.pop();
  if (!buf) return null;
  pool.delete(key);
  if (list!.length > 0) pool.set(key, list!);
  pooledBytes -= buf.byteLength;
  if (zero) buf.fill(0);
  return buf;
}

/**
 * Frees the buffers kept for reuse, and optionally sets how many bytes the pool may keep (default 256 MiB).
 * @example `emptyCache({ limitBytes: 0 })  // no pooling`
 */
export function emptyCache(opts?: { limitBytes?: number }): void {
  const limit = opts?.limitBytes;
  // NaN would pass every comparison with it as false: an unbounded pool. Checked before anything is freed.
  if (limit !== undefined && (typeof limit !== 'number' || !(limit >= 0))) {
    throw new ArgumentError(`emptyCache: limitBytes must be a number >= 0 (Infinity for no limit), got ${typeof limit === 'number' ? String(limit) : typeof limit}`);
  }
  pool.clear();
  pooledBytes = 0;
  if (limit !== undefined) poolLimitBytes = limit;
}

export function trackTensor(s: Storage): void {
  stats.numTensors++;
  retainStorage(s);
}

export function untrackTensor(s: Storage): void {
  stats.numTensors--;
  releaseStorage(s);
}

/**
 * Tensors not yet disposed, and the bytes of their storages: numBytes on the host, deviceBytes
 * on cuda (the CUDA allocator's own cache is in `cudaMemory()`).
 * @example `console.log(memory().numTensors)`
 */
export function memory(): { numTensors: number; numBytes: number; numStorages: number; pooledBytes: number; deviceBytes: number } {
  return { ...stats, pooledBytes };
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

/**
 * The profiler's hook points (train/profiler.ts owns the other side). While a
 * profile runs, `profiling.observer` is set and:
 * - backend() hands out the kernel set wrapped by observedBackend(), which times
 *   every kernel call;
 * - ops/record.ts reports each op at its tape record (the op's end: its name is
 *   known only once its kernels ran);
 * - the autograd engine opens a frame around the backward pass and around each
 *   node's backward.
 * With no profile running every hook is one load and a null check.
 */
import type { Backend } from './backend';

/** A tensor, as the backend layer (below tensors) sees it: its shape and its storage (shared by views). */
export interface TensorLike { readonly shape: readonly number[]; readonly storage: unknown }

/** What a frame stands for: the engine's backward pass or a node's backward, or a user scope (recordFunction). */
export type FrameKind = 'backward' | 'scope';

/** @internal The receiver of the hooks: the running profile. */
export interface ProfileObserver {
  /** The profile's clock, in ms. */
  now(): number;
  /** A kernel call that ran from `start` to `end` (ms on now()'s clock). */
  kernel(name: string, start: number, end: number): void;
  /** An op recorded itself (the tape record at its end; called with grad mode off too). */
  op(name: string, inputs: readonly TensorLike[], output: TensorLike): void;
  /** Opens a frame; returns its id for exit(). */
  enter(name: string, kind: FrameKind, inputs?: readonly TensorLike[]): number;
  /** Closes the frame enter() returned. */
  exit(id: number): void;
}

/** @internal The running profile's observer, null when none runs. */
export const profiling: { observer: ProfileObserver | null } = { observer: null };

// One wrapped kernel set per backend object, made on first use and kept: the wrappers read
// profiling.observer at each call, so a later profile reuses them.
const observedSets = new WeakMap<Backend, Backend>();

/** @internal `b` with every kernel timed into profiling.observer (kernels grouped under an object are named 'group.kernel'). */
export function observedBackend(b: Backend): Backend {
  let w = observedSets.get(b);
  if (w === undefined) {
    w = wrapKernels(b as unknown as Record<string, unknown>, '') as unknown as Backend;
    observedSets.set(b, w);
  }
  return w;
}

function wrapKernels(set: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(set)) {
    if (typeof value === 'function') out[key] = timed(`${prefix}${key}`, value as (...a: unknown[]) => unknown, set);
    else if (value !== null && typeof value === 'object' && prefix === '') out[key] = wrapKernels(value as Record<string, unknown>, `${key}.`);
    else out[key] = value;
  }
  return out;
}

function timed(name: string, kernel: (...a: unknown[]) => unknown, owner: unknown): (...a: unknown[]) => unknown {
  return (...args: unknown[]): unknown => {
    const o = profiling.observer;
    // A wrapped set kept past its profile (an op that held backend() across an await) runs plain.
    if (o === null) return kernel.apply(owner, args);
    const start = o.now();
    try {
      return kernel.apply(owner, args);
    } finally {
      o.kernel(name, start, o.now());
    }
  };
}

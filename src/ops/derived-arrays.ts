/**
 * Arrays derived from a tensor's storage and kept with it until it changes: the transposed
 * weight of a small-batch linear (src/ops/linear.ts) and the Winograd-transformed filter of a
 * conv2d (src/ops/conv-algorithm.ts). One cache for both, so that both follow one rule for when
 * a derived array is stale and what becomes of the old one.
 *
 * An entry is valid while the storage's version counter (bumped by every in-place update,
 * optimizer steps included) and its buffer are those it was built from, and while the caller's
 * layout key (the shape it was derived for, a panel width that setIsa can change) is the same.
 * A stale entry's arrays are kept as spares and rewritten by the next version's (same layout,
 * so the same sizes), instead of allocating: a training step changes the weight every step, and a fresh array costs its page
 * faults every time (~0.1 ms for 300 KB). Nothing else may hold a derived array past the call
 * that asked for it (the kernels read it only during their call), which is what makes the
 * rewrite safe. Entries are weakly held: they go with the storage.
 */
import type { Storage } from '../tensor/storage';

interface Entry<A> {
  version: number;
  data: unknown;
  layout: string;
  /** The arrays built at this version, by slot ('forward', 'transposed', ...). */
  arrays: Map<string, A>;
  /** The arrays of earlier versions for this layout, by slot, rewritten by this version's instead of allocating. */
  spare: Map<string, A>;
}

/**
 * A per-storage cache of arrays derived from the storage's values.
 * @example
 * const cache = new DerivedArrays<Float32Array>();
 * const wt = cache.get(w.storage, `float32 ${n}x${k}`, 'wt', () => new Float32Array(n * k), (out) => transposeInto(w, out));
 */
export class DerivedArrays<A> {
  private readonly entries = new WeakMap<Storage, Entry<A>>();

  /**
   * The array under `slot` for `storage` as it is now and for `layout` (a key that fixes the
   * array's size and meaning: dtype, shape, panel width): the kept one, or a spare or
   * `allocate`d array that `fill` writes. With `lazy`, the first ask
   * after the storage changed answers null and builds nothing, and the next ask builds: for a
   * caller that gains from the array only when one version is read many times (inference), not
   * when every read is followed by an update (training).
   */
  get(storage: Storage, layout: string, slot: string, allocate: () => A, fill: (out: A) => void, lazy = false): A | null {
    let e = this.entries.get(storage);
    if (!e || e.version !== storage.version || e.data !== storage.data || e.layout !== layout) {
      const spare = new Map(e?.layout === layout ? e.spare : undefined);
      if (e?.layout === layout) for (const [k, a] of e.arrays) spare.set(k, a);
      e = { version: storage.version, data: storage.data, layout, arrays: new Map(), spare };
      this.entries.set(storage, e);
      if (lazy) return null;
    }
    let a = e.arrays.get(slot);
    if (a === undefined) {
      a = e.spare.get(slot) ?? allocate();
      e.spare.delete(slot);
      fill(a);
      e.arrays.set(slot, a);
    }
    return a;
  }
}

/**
 * No native allocation failure may cross N-API: every binding is registered
 * through one guard (native/bindings/bindings.h) that turns std::bad_alloc and
 * other C++ exceptions into JS errors, and the pool hands a worker's exception
 * to the calling thread. The CTC workspace is bounded with a message naming the
 * sizes; without a gradient it needs two rows per item only.
 * Crash cases run in a child process: it must exit with a JS error, not a signal.
 */
import { describe, expect, it } from 'vitest';
import { nativeAddon, backendInfo } from '../../src/backend/index';
import { ctcLoss, full, logSoftmax, manualSeed, noGrad, randn, tensor } from '../../src/index';
import { runChild } from './child';

const native = nativeAddon() !== null;
const addonPath = backendInfo().addonPath;

/** A child that calls the raw ctcLoss binding with a gradient table of `T` x (2L+1) doubles for each of `batch` items. */
function ctcChild(T: number, L: number, batch: number): string {
  return `
const addon = require(${JSON.stringify(addonPath)});
const T = ${T}, L = ${L}, N = ${batch}, C = 3;
const lp = new Float32Array(T * N * C).fill(Math.log(1 / 3));
const targets = new Int32Array(L * N).map((_, i) => 1 + (i % 2));
const offsets = Int32Array.from({ length: N }, (_, n) => n * L);
try {
  addon.ctcLoss(lp, T, N, C, targets, offsets, new Int32Array(N).fill(L), new Int32Array(N).fill(T), 0, false, new Float32Array(N), new Float32Array(T * N * C));
  console.log('no error');
} catch (e) {
  console.log('caught ' + e.constructor.name + ': ' + e.message);
  process.exitCode = 3;
}`;
}

describe('native allocation failures become JS errors', () => {
  it.runIf(native && process.platform === 'linux')('a CTC workspace that cannot be allocated (address space capped) throws instead of aborting', () => {
    // 16000 frames x 16001 states of float64 is ~2 GB per item, inside the table bound but over a 1.5 GB address space.
    for (const batch of [1, 2]) {  // 1: on the calling thread; 2: on pool workers too
      const r = runChild(ctcChild(16000, 8000, batch), { limitKb: 1_500_000 });
      expect(r.signal, r.stderr).toBeNull();
      expect(r.status, r.stdout + r.stderr).toBe(3);
      expect(r.stdout).toMatch(/caught RangeError: ctcLoss: out of memory/);
    }
  });

  it.runIf(native)('the raw ctcLoss binding refuses an item whose gradient table passes the bound, naming the sizes', () => {
    const r = runChild(ctcChild(120000, 59000, 1));
    expect(r.signal).toBeNull();
    expect(r.stdout).toMatch(/caught RangeError: ctcLoss: batch item 0: its gradient needs an alpha table of 120000 frames x 118001 states = 14160120000 float64 cells, more than the limit of 268435456/);
  });
});

describe('ctcLoss workspace', () => {
  it('refuses a gradient table past 2^28 cells with a ShapeError naming the item, lengths and sizes (both backends check in TS)', () => {
    const T = 120000, L = 59000;
    const lp = full([T, 1, 3], Math.log(1 / 3)).requiresGrad_();
    const targets = tensor(Array.from({ length: L }, (_, i) => 1 + (i % 2)), { dtype: 'int32' }).reshape([1, L]);
    expect(() => ctcLoss(lp, targets, [T], [L])).toThrow(/ctcLoss: batch item 0 \(inputLengths 120000, targetLengths 59000\) needs an alpha table of 120000 frames x 118001 states = 14160120000 float64 cells \(105\.5 GiB\).*limit of 268435456 cells/);
  });

  it('computes the loss alone (no gradient) with two rows per item: same value as with the gradient', () => {
    manualSeed(15);
    const lp = logSoftmax(randn([40, 3, 5]), -1);
    const targets = tensor([1, 2, 2, 3, 4, 1, 1, 2, 3, 3, 4, 2], { dtype: 'int32' }).reshape([3, 4]);
    const withGrad = ctcLoss(lp.detach().requiresGrad_(), targets, [40, 31, 17], [4, 3, 4], { reduction: 'none' }).data();
    const alone = noGrad(() => ctcLoss(lp, targets, [40, 31, 17], [4, 3, 4], { reduction: 'none' })).data();
    expect(Array.from(alone)).toEqual(Array.from(withGrad));
  });
});

/** Timing for the small op benches (scan-order, linalg, copy): the median of samples, each repeating the call for a while. */
import * as L from '../../src/index';
import { median } from './median';

export { median };

/**
 * Median ms per call of `f` (run inside tidy, so its tensors go back to the pool): a few warm-up
 * calls, then `samples` samples, each the mean over as many calls as fit in `minMs`.
 * @example `const ms = timeCall(() => L.cumsum(x, 1))`
 */
export function timeCall(f: () => unknown, opts: { warmup?: number; samples?: number; minMs?: number } = {}): number {
  for (let i = 0; i < (opts.warmup ?? 3); i++) L.tidy(() => { f(); });
  const samples: number[] = [];
  for (let s = 0; s < (opts.samples ?? 7); s++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < (opts.minMs ?? 20)) { L.tidy(() => { f(); }); n++; t = performance.now(); }
    samples.push((t - t0) / n);
  }
  return median(samples);
}

/** Seeded synthetic streams for the drift tests (Philox, so identical on every machine). */
import { PhiloxStream } from '../../src/backend/philox';

/** Bernoulli bits whose rate is rate(i) at position i. */
export function bernoulli(seed: number, length: number, rate: (i: number) => number): Uint8Array {
  const u = new PhiloxStream(seed).uniform(length, 'float64');
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = u[i] < rate(i) ? 1 : 0;
  return out;
}

/** Gaussian values with mean mean(i) and standard deviation std. */
export function gaussian(seed: number, length: number, mean: (i: number) => number, std = 1): Float64Array {
  const z = new PhiloxStream(seed).normal(length, 'float64');
  for (let i = 0; i < length; i++) z[i] = mean(i) + std * z[i];
  return z;
}

/** Positions (0-based) where the detector signalled a drift. */
export function drifts(detector: { update(x: number): { drift: boolean } }, xs: ArrayLike<number>): number[] {
  const at: number[] = [];
  for (let i = 0; i < xs.length; i++) if (detector.update(xs[i]).drift) at.push(i);
  return at;
}

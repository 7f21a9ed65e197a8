/**
 * The synthetic mixtures of the GAN mode-collapse literature and the metric of
 * Srivastava et al. 2017 (VEEGAN): a sample is *high quality* when it lies
 * within `sigmas` standard deviations (default 3) of the nearest mode's
 * centre, and a mode is *covered* when at least `minSamples` high-quality
 * samples have it as their nearest mode (VEEGAN counts one; pass more to ask
 * for a visible share, e.g. 1% of the samples).
 */
import { getDefaultGenerator, type PhiloxStream } from '../backend/philox';
import { ArgumentError, ShapeError, fmtArg } from '../errors';
import { tensor } from '../ops/creation';
import { assertTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';

/** Options of `ringOfGaussians`: number of modes, circle radius, each Gaussian's standard deviation (0.02, as VEEGAN) and the random generator. @example `gan.ringOfGaussians(512, { modes: 8, radius: 2, std: 0.02 })` */
export interface RingOptions {
  /** Number of Gaussians on the circle (default 8). */
  modes?: number;
  /** Circle radius (default 2). */
  radius?: number;
  /** Standard deviation of each Gaussian (default 0.02, as VEEGAN). */
  std?: number;
  generator?: PhiloxStream;
}

/**
 * The centres of the ring: [modes, 2], mode k at angle 2πk / modes.
 * @example `gan.ringCenters({ modes: 8, radius: 2 })`
 */
export function ringCenters(opts: { modes?: number; radius?: number } = {}): number[][] {
  const modes = opts.modes ?? 8, radius = opts.radius ?? 2;
  if (!Number.isInteger(modes) || modes < 1) throw new ArgumentError(`ringCenters: modes must be a positive integer, got ${fmtArg(modes)}`);
  return Array.from({ length: modes }, (_, k) => [radius * Math.cos((2 * Math.PI * k) / modes), radius * Math.sin((2 * Math.PI * k) / modes)]);
}

/**
 * n samples [n, 2] from an equal mixture of Gaussians on a ring.
 * @example `const real = gan.ringOfGaussians(256, { std: 0.02 })`
 */
export function ringOfGaussians(n: number, opts: RingOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`ringOfGaussians: n must be a positive integer, got ${fmtArg(n)}`);
  const std = opts.std ?? 0.02;
  const centers = ringCenters(opts);
  const g = opts.generator ?? getDefaultGenerator();
  const pick = g.uniform(n, 'float64'), noise = g.normal(2 * n, 'float32', 0, std);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const c = centers[Math.min(centers.length - 1, Math.floor(pick[i] * centers.length))];
    out[2 * i] = c[0] + noise[2 * i];
    out[2 * i + 1] = c[1] + noise[2 * i + 1];
  }
  return tensor(out).reshape([n, 2]);
}

/** Options of `modeCoverage` (Srivastava et al. 2017, VEEGAN): the mixture's standard deviation, how many of them count as high quality (default 3), and the high-quality samples a mode needs to be covered (default 1). @example `gan.modeCoverage(samples, gan.ringCenters(), { std: 0.02, minSamples: 5 })` */
export interface ModeCoverageOptions {
  /** The mixture's standard deviation (default 0.02). */
  std?: number;
  /** High quality means within sigmas · std of the nearest centre (default 3). */
  sigmas?: number;
  /** High-quality samples a mode needs to count as covered (default 1, as VEEGAN). */
  minSamples?: number;
}

/** The result of `modeCoverage`: modes covered, the fraction of high-quality samples, and high-quality samples per mode. @example `const { modesCovered, perMode } = gan.modeCoverage(samples, gan.ringCenters())` */
export interface ModeCoverage {
  /** Modes with at least minSamples high-quality samples. */
  modesCovered: number;
  /** Share of samples within sigmas · std of their nearest centre. */
  highQualityFraction: number;
  /** High-quality samples per mode. */
  perMode: number[];
}

/**
 * Mode coverage and high-quality fraction of generated samples [n, d] against mode centres.
 * @example `const { modesCovered, highQualityFraction } = gan.modeCoverage(samples, gan.ringCenters(), { std: 0.02 })`
 */
export function modeCoverage(samples: Tensor, centers: number[][], opts: ModeCoverageOptions = {}): ModeCoverage {
  const op = 'modeCoverage';
  assertTensor(op, 'samples', samples);
  if (samples.ndim !== 2) throw new ShapeError(`${op}: samples must be [n, d], got ${samples.describe()}`);
  const d = samples.shape[1];
  if (!Array.isArray(centers) || centers.length === 0 || centers.some((c) => !Array.isArray(c) || c.length !== d)) {
    throw new ShapeError(`${op}: centers must be a non-empty list of points with ${d} coordinates each`);
  }
  const std = opts.std ?? 0.02, sigmas = opts.sigmas ?? 3, minSamples = opts.minSamples ?? 1;
  const radius2 = (sigmas * std) ** 2;
  const v = samples.values;
  const n = samples.shape[0];
  const perMode = new Array<number>(centers.length).fill(0);
  let good = 0;
  for (let i = 0; i < n; i++) {
    let best = Infinity, which = 0;
    centers.forEach((c, k) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (v[i * d + j] - c[j]) ** 2;
      if (s < best) { best = s; which = k; }
    });
    if (best <= radius2) { good++; perMode[which]++; }
  }
  return { modesCovered: perMode.filter((c) => c >= minSamples).length, highQualityFraction: n ? good / n : 0, perMode };
}

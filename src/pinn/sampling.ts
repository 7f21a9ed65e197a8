/**
 * Points in the unit cube [0, 1)^d, row-major Float64Array of n * d numbers:
 * pseudo-random (Philox), Latin hypercube, and Sobol. Domains map these onto
 * their interior and boundary, so every method serves every domain.
 */
import { getDefaultGenerator, PhiloxStream } from '../backend/philox';
import { ArgumentError, fmtArg } from '../errors';

/** How unit-cube points are drawn: 'uniform' (pseudo-random, Philox), 'latinHypercube' (one point per stratum of each axis) or 'sobol' (a low-discrepancy sequence). @example `const method: pinn.SamplingMethod = 'sobol'` */
export type SamplingMethod = 'uniform' | 'latinHypercube' | 'sobol';

/** Options of the unit-cube samplers: the method (default 'uniform'), the generator or a seed for a private one (ignored by Sobol), and the Sobol points skipped (default 1, the origin). @example `pinn.unitCubePoints(1000, 2, { method: 'sobol', skip: 1 })` */
export interface SampleOptions {
  /** 'uniform' (default), 'latinHypercube' or 'sobol'. */
  method?: SamplingMethod;
  /** The generator to draw from (default: the global one, see manualSeed). Ignored by Sobol. */
  generator?: PhiloxStream;
  /** A seed for a private generator (overrides `generator`). */
  seed?: number;
  /** Sobol only: how many leading points to skip (default 1: the origin, which sits on a corner). */
  skip?: number;
}

function checkCount(where: string, n: number, d: number): void {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`${where}: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(d) || d < 1) throw new ArgumentError(`${where}: d must be a positive integer, got ${d}`);
}

function generatorOf(opts: SampleOptions): PhiloxStream {
  if (opts.seed !== undefined) return new PhiloxStream(opts.seed);
  return opts.generator ?? getDefaultGenerator();
}

/**
 * n independent uniform points in [0, 1)^d.
 * @example `const u = pinn.uniformPoints(100, 2, { seed: 0 })`
 */
export function uniformPoints(n: number, d: number, opts: SampleOptions = {}): Float64Array {
  checkCount('pinn.uniformPoints', n, d);
  return generatorOf(opts).uniform(n * d, 'float64');
}

/**
 * Latin hypercube: in each dimension the n points fall one in each of the n
 * equal strata, at a uniform offset, with the strata shuffled independently per dimension.
 * @example `const u = pinn.latinHypercube(100, 2, { seed: 0 })`
 */
export function latinHypercube(n: number, d: number, opts: SampleOptions = {}): Float64Array {
  checkCount('pinn.latinHypercube', n, d);
  const gen = generatorOf(opts);
  const out = new Float64Array(n * d);
  const perm = new Int32Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) perm[i] = i;
    // Fisher-Yates with Philox draws.
    const r = gen.uniform(n, 'float64');
    for (let i = n - 1; i > 0; i--) {
      const k = Math.min(i, Math.floor(r[i] * (i + 1)));
      const tmp = perm[i];
      perm[i] = perm[k];
      perm[k] = tmp;
    }
    const jitter = gen.uniform(n, 'float64');
    for (let i = 0; i < n; i++) out[i * d + j] = (perm[i] + jitter[i]) / n;
  }
  return out;
}

/**
 * Primitive polynomials and initial direction numbers of Joe and Kuo
 * (new-joe-kuo-6.21201) for dimensions 2..16: [degree s, coefficients a, m_1..m_s].
 * Dimension 1 is the van der Corput sequence (all m = 1).
 */
const JOE_KUO: [number, number, number[]][] = [
  [1, 0, [1]],
  [2, 1, [1, 3]],
  [3, 1, [1, 3, 1]],
  [3, 2, [1, 1, 1]],
  [4, 1, [1, 1, 3, 3]],
  [4, 4, [1, 3, 5, 13]],
  [5, 2, [1, 1, 5, 5, 17]],
  [5, 4, [1, 1, 5, 5, 5]],
  [5, 7, [1, 1, 7, 11, 19]],
  [5, 11, [1, 1, 5, 1, 1]],
  [5, 13, [1, 1, 1, 3, 11]],
  [5, 14, [1, 3, 5, 5, 31]],
  [6, 1, [1, 3, 3, 9, 7, 49]],
  [6, 13, [1, 1, 1, 15, 21, 21]],
  [6, 16, [1, 3, 1, 13, 27, 49]],
];
const SOBOL_BITS = 32;
/** Sobol is defined here for this many dimensions. */
export const SOBOL_MAX_DIM = JOE_KUO.length + 1;

/** Direction numbers v_k (scaled by 2^32) of one dimension (0-based). */
function directionNumbers(dim: number): Uint32Array {
  const v = new Uint32Array(SOBOL_BITS);
  if (dim === 0) {
    for (let k = 0; k < SOBOL_BITS; k++) v[k] = 2 ** (SOBOL_BITS - 1 - k);
    return v;
  }
  const [s, a, m] = JOE_KUO[dim - 1];
  for (let k = 0; k < Math.min(s, SOBOL_BITS); k++) v[k] = m[k] * 2 ** (SOBOL_BITS - 1 - k);
  // v_k = a_1 v_{k-1} ^ ... ^ a_{s-1} v_{k-s+1} ^ v_{k-s} ^ (v_{k-s} >> s)
  for (let k = s; k < SOBOL_BITS; k++) {
    let x = v[k - s] ^ (v[k - s] >>> s);
    for (let i = 1; i < s; i++) if ((a >>> (s - 1 - i)) & 1) x ^= v[k - i];
    v[k] = x >>> 0;
  }
  return v;
}

/**
 * The unscrambled Sobol sequence (Joe-Kuo direction numbers, Gray-code order,
 * as scipy.stats.qmc.Sobol and torch.quasirandom.SobolEngine with scramble off),
 * points skip .. skip + n - 1. Deterministic: no generator.
 * @example `const u = pinn.sobolPoints(128, 2)`
 */
export function sobolPoints(n: number, d: number, opts: SampleOptions = {}): Float64Array {
  checkCount('pinn.sobolPoints', n, d);
  if (d > SOBOL_MAX_DIM) throw new ArgumentError(`pinn.sobolPoints: d is ${d}; Sobol direction numbers are built in for at most ${SOBOL_MAX_DIM} dimensions`);
  const skip = opts.skip ?? 1;
  if (!Number.isInteger(skip) || skip < 0) throw new ArgumentError(`pinn.sobolPoints: skip must be a non-negative integer, got ${skip}`);
  if (skip + n > 2 ** SOBOL_BITS) throw new ArgumentError(`pinn.sobolPoints: skip + n exceeds 2^${SOBOL_BITS} points`);
  const dirs = Array.from({ length: d }, (_, j) => directionNumbers(j));
  const x = new Uint32Array(d);
  const out = new Float64Array(n * d);
  // Point i is the xor of v_k over the set bits k of gray(i) = i ^ (i >> 1); point i + 1
  // differs from point i by v_c, c the lowest zero bit of i.
  const gray = skip ^ (skip >>> 1);
  for (let j = 0; j < d; j++) {
    let acc = 0;
    for (let k = 0; k < SOBOL_BITS; k++) if ((gray / 2 ** k) & 1) acc ^= dirs[j][k];
    x[j] = acc >>> 0;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) out[i * d + j] = x[j] / 2 ** SOBOL_BITS;
    let c = 0;
    let idx = skip + i;
    while (idx & 1) {
      idx = Math.floor(idx / 2);
      c++;
    }
    for (let j = 0; j < d; j++) x[j] = (x[j] ^ dirs[j][c]) >>> 0;
  }
  return out;
}

/**
 * n points in [0, 1)^d by the chosen method.
 * @example `const u = pinn.unitCubePoints(100, 2, { method: 'latinHypercube', seed: 1 })`
 */
export function unitCubePoints(n: number, d: number, opts: SampleOptions = {}): Float64Array {
  const method = opts.method ?? 'uniform';
  if (method === 'uniform') return uniformPoints(n, d, opts);
  if (method === 'latinHypercube') return latinHypercube(n, d, opts);
  if (method === 'sobol') return sobolPoints(n, d, opts);
  throw new ArgumentError(`pinn.sample: method must be 'uniform', 'latinHypercube' or 'sobol', got ${fmtArg(method)}`);
}

/**
 * Rényi DP of the sampled Gaussian mechanism (Mironov, Talwar, Zhang 2019,
 * "Rényi Differential Privacy of the Sampled Gaussian Mechanism", §3.3) and its
 * conversion to (ε, δ)-DP.
 *
 * For sampling rate q and noise multiplier σ, RDP at order α is log(A_α)/(α-1) where
 *   A_α = Σ_{i=0..α} C(α,i) q^i (1-q)^{α-i} exp((i²-i)/(2σ²))          (integer α)
 * and, for fractional α, A_α splits at z0 = σ² log(1/q - 1) + 1/2 into two series of
 * Gaussian tail integrals (the erfc terms below). RDP composes by addition, so
 * changing q or σ during training just adds the per-phase vectors.
 */
import { ArgumentError } from '../errors';
import { logAdd, logErfc, logSub } from './special';

/**
 * Opacus's default RDP orders: 1.1, 1.2, …, 10.9 and 12, 13, …, 63 (TF-Privacy's tutorial list).
 * @example `computeRdp(0.01, 1.1, DEFAULT_ORDERS)`
 */
export const DEFAULT_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 52 }, (_, x) => 12 + x),
]);

/** log A_α for integer α: the binomial sum, summed in log space. */
function logAInt(q: number, sigma: number, alpha: number): number {
  let logA = -Infinity;
  let logBinom = 0; // log C(α, 0)
  for (let i = 0; i <= alpha; i++) {
    if (i > 0) logBinom += Math.log((alpha - i + 1) / i);
    const s = logBinom + i * Math.log(q) + (alpha - i) * Math.log1p(-q) + (i * i - i) / (2 * sigma * sigma);
    logA = logAdd(logA, s);
  }
  return logA;
}

/** log A_α for fractional α: the two tail series of Mironov et al. §3.3, until terms drop below e^-30. */
function logAFrac(q: number, sigma: number, alpha: number): number {
  let logA0 = -Infinity, logA1 = -Infinity;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const s2 = Math.SQRT2 * sigma;
  // C(α, i) for real α by the recurrence C(α,i) = C(α,i-1)(α-i+1)/i, tracked as sign and log|·|.
  let logAbsCoef = 0, coefSign = 1;
  for (let i = 0; ; i++) {
    if (i > 0) {
      const f = (alpha - i + 1) / i;
      if (f < 0) coefSign = -coefSign;
      logAbsCoef += Math.log(Math.abs(f));
    }
    const j = alpha - i;
    const logT0 = logAbsCoef + i * Math.log(q) + j * Math.log1p(-q);
    const logT1 = logAbsCoef + j * Math.log(q) + i * Math.log1p(-q);
    const logE0 = Math.log(0.5) + logErfc((i - z0) / s2);
    const logE1 = Math.log(0.5) + logErfc((z0 - j) / s2);
    const logS0 = logT0 + (i * i - i) / (2 * sigma * sigma) + logE0;
    const logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (coefSign > 0) { logA0 = logAdd(logA0, logS0); logA1 = logAdd(logA1, logS1); }
    else { logA0 = logSub(logA0, logS0); logA1 = logSub(logA1, logS1); }
    if (Math.max(logS0, logS1) < -30) break;
  }
  return logAdd(logA0, logA1);
}

/** RDP of one step of the sampled Gaussian mechanism at one order (can be Infinity). */
function rdpAtOrder(q: number, sigma: number, alpha: number): number {
  if (q === 0) return 0;
  if (sigma === 0) return Infinity;
  if (q === 1) return alpha / (2 * sigma * sigma);
  if (!Number.isFinite(alpha)) return Infinity;
  const logA = Number.isInteger(alpha) ? logAInt(q, sigma, alpha) : logAFrac(q, sigma, alpha);
  return logA / (alpha - 1);
}

function checkMechanism(fn: string, q: number, sigma: number, steps: number): void {
  if (!(q >= 0 && q <= 1)) throw new ArgumentError(`${fn}: sampleRate must be in [0, 1], got ${q}`);
  if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new ArgumentError(`${fn}: noiseMultiplier must be finite and >= 0, got ${sigma}`);
  if (!(steps >= 0) || !Number.isInteger(steps)) throw new ArgumentError(`${fn}: steps must be an integer >= 0, got ${steps}`);
}

/**
 * RDP of `steps` compositions of the sampled Gaussian mechanism at each order.
 * @example `computeRdp(256 / 60000, 1.1, 14040)` // one value per DEFAULT_ORDERS entry
 */
export function computeRdp(sampleRate: number, noiseMultiplier: number, steps: number, orders: readonly number[] = DEFAULT_ORDERS): number[] {
  checkMechanism('computeRdp', sampleRate, noiseMultiplier, steps);
  for (const a of orders) if (!(a > 1)) throw new ArgumentError(`computeRdp: every order must be > 1, got ${a}`);
  return orders.map((a) => rdpAtOrder(sampleRate, noiseMultiplier, a) * steps);
}

/**
 * How RDP becomes (ε, δ):
 * - `'balle2020'` (Opacus's, tighter): ε = rdp + log((α-1)/α) - (log δ + log α)/(α-1)
 *   (Balle et al. 2020, "Hypothesis testing interpretations and Rényi DP", Theorem 21);
 * - `'classic'` (TF-Privacy's tutorials, Mironov 2017 Prop. 3): ε = rdp - log δ/(α-1).
 */
export type RdpConversion = 'balle2020' | 'classic';

/**
 * The smallest ε over the orders for the given δ, and the order that gives it.
 * @example `rdpToEpsilon(DEFAULT_ORDERS, computeRdp(256 / 60000, 1.1, 14040), 1e-5, 'classic').epsilon` // ≈ 3.01
 */
export function rdpToEpsilon(
  orders: readonly number[], rdp: readonly number[], delta: number, conversion: RdpConversion = 'balle2020',
): { epsilon: number; order: number } {
  if (orders.length !== rdp.length) throw new ArgumentError(`rdpToEpsilon: orders has ${orders.length} entries and rdp ${rdp.length}`);
  if (!(delta > 0 && delta < 1)) throw new ArgumentError(`rdpToEpsilon: delta must be in (0, 1), got ${delta}`);
  let best = Infinity, bestOrder = NaN;
  for (let k = 0; k < orders.length; k++) {
    const a = orders[k];
    const eps = conversion === 'classic'
      ? rdp[k] - Math.log(delta) / (a - 1)
      : rdp[k] - (Math.log(delta) + Math.log(a)) / (a - 1) + Math.log((a - 1) / a);
    if (eps < best) { best = eps; bestOrder = a; }
  }
  return { epsilon: best, order: bestOrder };
}

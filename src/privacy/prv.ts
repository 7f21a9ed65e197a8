/**
 * PRV accountant (Gopi, Lee, Wutschitz 2021, "Numerical Composition of Differential
 * Privacy"): the privacy loss random variable of each Poisson-subsampled Gaussian step
 * is discretised on a uniform grid, the steps are composed by FFT (a sum of
 * independent losses is a convolution of their densities), and ε(δ) is read off the
 * composed density. The grid (mesh and truncation) follows the paper's Remark 5.6 as
 * Opacus and the authors' code do, so ε is known to within `epsError`.
 */
import { ArgumentError } from '../errors';
import { normalCdf } from '../nn/init';
import { fftInPlace, nextPow2 } from './fft';
import { computeRdp, DEFAULT_ORDERS, rdpToEpsilon } from './rdp';

/** One phase of training: `steps` steps at one noise multiplier and sample rate. */
export interface MechanismPhase {
  noiseMultiplier: number;
  sampleRate: number;
  steps: number;
}

const erfc = (x: number): number => 2 * normalCdf(-x * Math.SQRT2);

/**
 * CDF of the privacy loss t = log(P(x)/Q(x)) of one Poisson-subsampled Gaussian step
 * (Gopi et al., Proposition B4): P = (1-q)N(0,σ²) + qN(1,σ²), Q = N(0,σ²), x ~ P.
 */
function prvCdf(t: number, q: number, sigma: number): number {
  if (q < 1 && t <= Math.log1p(-q)) return 0;
  const z = Math.log((Math.exp(t) + q - 1) / q);
  const s = 2 * Math.SQRT2 * sigma;
  return 1 - (q * erfc((2 * z * sigma * sigma - 1) / s)) / 2 - ((1 - q) * erfc((2 * z * sigma * sigma + 1) / s)) / 2;
}

// 20-point Gauss-Legendre nodes/weights on [-1, 1] (symmetric halves).
const GL_X = [0.0765265211334973, 0.2277858511416451, 0.3737060887154195, 0.5108670019508271, 0.636053680726515,
  0.7463319064601508, 0.8391169718222188, 0.9122344282513259, 0.9639719272779138, 0.9931285991850949];
const GL_W = [0.1527533871307258, 0.1491729864726037, 0.1420961093183820, 0.1316886384491766, 0.1181945319615184,
  0.1019301198172404, 0.0832767415767048, 0.0626720483341091, 0.0406014298003869, 0.0176140071391521];

function integrate(f: (t: number) => number, a: number, b: number, pieces: number): number {
  let total = 0;
  const h = (b - a) / pieces;
  for (let p = 0; p < pieces; p++) {
    const mid = a + (p + 0.5) * h, half = h / 2;
    for (let k = 0; k < GL_X.length; k++) total += GL_W[k] * half * (f(mid - half * GL_X[k]) + f(mid + half * GL_X[k]));
  }
  return total;
}

/**
 * Mean of the loss truncated to [tMin, tMax], by parts: E[t] = tMax - ∫ F(t) dt, with
 * breakpoints log-spaced towards 0, where the loss concentrates for small q.
 */
function truncatedMean(cdf: (t: number) => number, tMin: number, tMax: number, kink: number): number {
  const lo = cdf(tMin), mass = cdf(tMax) - lo;
  const F = (t: number): number => (cdf(t) - lo) / mass;
  const points = [tMin, tMax, 0];
  for (let k = 0; k < 12; k++) { const v = 10 ** (-6 + (k * (Math.log10(Math.max(-tMin, tMax)) + 6)) / 11); points.push(v, -v); }
  if (kink > tMin && kink < tMax) points.push(kink);
  const pts = [...new Set(points.filter((p) => p >= tMin && p <= tMax))].sort((x, y) => x - y);
  let integral = 0;
  for (let k = 0; k + 1 < pts.length; k++) integral += integrate(F, pts[k], pts[k + 1], 24);
  return tMax - integral;
}

/** The discretised, composed loss: pmf[i] is the mass at tMin + i·dt. */
interface ComposedPrv {
  pmf: Float64Array;
  tMin: number;
  dt: number;
}

function checkPhases(fn: string, phases: readonly MechanismPhase[]): void {
  for (const p of phases) {
    if (!(p.sampleRate > 0 && p.sampleRate <= 1)) throw new ArgumentError(`${fn}: sampleRate must be in (0, 1], got ${p.sampleRate}`);
    if (!(p.noiseMultiplier > 0) || !Number.isFinite(p.noiseMultiplier)) throw new ArgumentError(`${fn}: noiseMultiplier must be finite and > 0, got ${p.noiseMultiplier}`);
    if (!(p.steps >= 1) || !Number.isInteger(p.steps)) throw new ArgumentError(`${fn}: steps must be an integer >= 1, got ${p.steps}`);
  }
}

/**
 * Discretises each phase's loss on one aligned grid and composes all steps by FFT.
 * Truncation L follows Remark 5.6 (RDP bounds at δ_err/4 overall and δ_err/(8k) per step,
 * plus 3); the mesh is epsError/√(k·log(12/δ_err)/2) for k steps in all.
 */
function composePhases(phases: readonly MechanismPhase[], epsError: number, deltaError: number): ComposedPrv {
  const totalSteps = phases.reduce((s, p) => s + p.steps, 0);
  const rdpTotal = phases.map((p) => computeRdp(p.sampleRate, p.noiseMultiplier, p.steps)).reduce((a, b) => a.map((v, k) => v + b[k]));
  let L = rdpToEpsilon(DEFAULT_ORDERS, rdpTotal, deltaError / 4).epsilon;
  for (const p of phases) L = Math.max(L, rdpToEpsilon(DEFAULT_ORDERS, computeRdp(p.sampleRate, p.noiseMultiplier, 1), deltaError / (8 * totalSteps)).epsilon);
  L = Math.max(L, epsError) + 3;
  const mesh = epsError / Math.sqrt((totalSteps * Math.log(12 / deltaError)) / 2);
  // The grid tMin + i·dt, aligned so that t = 0 is the point with index c = -tMin/dt.
  const c = Math.ceil(L / mesh);
  let size = 2 * c + 1;
  if (size % 2 === 1) size += 1;
  const tMin = -c * mesh, tMax = tMin + (size - 1) * mesh;
  const M = nextPow2(size);
  const accRe = new Float64Array(M).fill(1), accIm = new Float64Array(M);
  const re = new Float64Array(M), im = new Float64Array(M);
  let totalShift = 0;
  for (const p of phases) {
    const cdf = (t: number): number => prvCdf(t, p.sampleRate, p.noiseMultiplier);
    const lo = cdf(tMin), mass = cdf(tMax) - lo;
    const Ftrunc = (t: number): number => (t < tMin ? 0 : t >= tMax ? 1 : (cdf(t) - lo) / mass);
    re.fill(0); im.fill(0);
    let meanD = 0;
    let prev = Ftrunc(tMin - mesh / 2);
    for (let i = 0; i < size; i++) {
      const next = Ftrunc(tMin + (i + 0.5) * mesh);
      re[i] = next - prev;
      meanD += (tMin + i * mesh) * re[i];
      prev = next;
    }
    // Shift the grid so the discrete mean equals the continuous one (Gopi et al. §5):
    // the composed mean is then exact, which is what keeps the error at O(mesh²·k).
    const shift = truncatedMean(cdf, tMin, tMax, p.sampleRate < 1 ? Math.log1p(-p.sampleRate) : -Infinity) - meanD;
    if (Math.abs(shift) >= mesh / 2) throw new ArgumentError(`PrvAccountant: discrete and continuous means differ by ${shift} (mesh ${mesh}); raise epsError`);
    totalShift += p.steps * shift;
    fftInPlace(re, im, -1);
    for (let k = 0; k < M; k++) {
      // (re + i·im)^steps in polar form, multiplied into the running product.
      const r = Math.hypot(re[k], im[k]) ** p.steps, th = Math.atan2(im[k], re[k]) * p.steps;
      const pr = r * Math.cos(th), pi = r * Math.sin(th);
      const ar = accRe[k];
      accRe[k] = ar * pr - accIm[k] * pi;
      accIm[k] = ar * pi + accIm[k] * pr;
    }
  }
  fftInPlace(accRe, accIm, 1);
  // The sum of totalSteps losses sits at totalSteps·tMin + j·dt; output index i is
  // t = tMin + i·dt, so j = i + (totalSteps-1)·c (circularly, mod M).
  const pmf = new Float64Array(size);
  const offset = ((totalSteps - 1) * c) % M;
  for (let i = 0; i < size; i++) pmf[i] = accRe[(i + offset) % M] / M;
  return { pmf, tMin: tMin + totalShift, dt: mesh };
}

/**
 * ε for a target δ from the composed loss: δ(ε) = Σ_{t_j ≥ ε} p_j (1 - e^{ε - t_j}), inverted
 * at grid points as in the authors' code. Returns the estimate and the bounds that account
 * for the discretisation (`epsError`) and truncation (`deltaError`).
 */
function epsilonFromPrv(prv: ComposedPrv, delta: number, deltaError: number, epsError: number): { lower: number; estimate: number; upper: number } {
  const n = prv.pmf.length;
  const d1 = new Float64Array(n), d2 = new Float64Array(n);
  let s1 = 0, s2 = 0;
  for (let i = n - 1; i >= 0; i--) {
    const t = prv.tMin + i * prv.dt;
    s1 += prv.pmf[i]; s2 += prv.pmf[i] * Math.exp(-t);
    d1[i] = s1; d2[i] = s2;
  }
  const find = (target: number): number => {
    // First index whose δ(t_i) = d1 - e^{t_i}·d2 is <= target (δ(t) decreases in t).
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = prv.tMin + mid * prv.dt;
      if (Math.exp(t) * d2[mid] - d1[mid] >= -target) hi = mid; else lo = mid + 1;
    }
    if (lo <= 0 || lo >= n) throw new ArgumentError(`PrvAccountant: delta ${target} is outside what the grid resolves; change delta or deltaError`);
    return Math.log((d1[lo] - target) / d2[lo]);
  };
  return { lower: find(delta + deltaError) - epsError, estimate: find(delta), upper: find(delta - deltaError) + epsError };
}

/**
 * ε bounds of a sequence of DP-SGD phases by the PRV method.
 * @example `prvEpsilon([{ noiseMultiplier: 1.1, sampleRate: 256 / 60000, steps: 14040 }], 1e-5).upper`
 */
export function prvEpsilon(
  phases: readonly MechanismPhase[], delta: number, opts: { epsError?: number; deltaError?: number } = {},
): { lower: number; estimate: number; upper: number } {
  checkPhases('prvEpsilon', phases);
  if (!(delta > 0 && delta < 1)) throw new ArgumentError(`prvEpsilon: delta must be in (0, 1), got ${delta}`);
  if (phases.length === 0) return { lower: 0, estimate: 0, upper: 0 };
  const epsError = opts.epsError ?? 0.01;
  const deltaError = opts.deltaError ?? delta / 1000;
  if (!(epsError > 0) || !(deltaError > 0 && deltaError < delta)) throw new ArgumentError(`prvEpsilon: need epsError > 0 and 0 < deltaError < delta, got ${epsError}, ${deltaError}`);
  return epsilonFromPrv(composePhases(phases, epsError, deltaError), delta, deltaError, epsError);
}

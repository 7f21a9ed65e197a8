/**
 * The exact solution of the viscous Burgers equation
 *   u_t + u u_x = nu u_xx,  u(0, x) = -sin(pi x),  x in [-1, 1], u(t, +-1) = 0
 * by the Cole-Hopf transformation (Basdevant et al. 1986, the reference of
 * Raissi, Perdikaris and Karniadakis 2019):
 *
 *   u(t, x) = - int sin(pi (x - eta)) f(x - eta) exp(-eta^2 / (4 nu t)) d eta
 *              / int f(x - eta) exp(-eta^2 / (4 nu t)) d eta,
 *   f(y) = exp(-cos(pi y) / (2 pi nu)).
 *
 * With eta = sqrt(4 nu t) z both integrals are int g(z) exp(-z^2) dz, done by
 * Gauss-Hermite quadrature. f spans exp(+-1/(2 pi nu)) (e^+-50 for the paper's
 * nu = 0.01/pi), so the sums are formed in log space, scaled by their largest term.
 */
import { symmetricEigen } from '../data/symmetric-eigen';
import { ArgumentError } from '../errors';

/**
 * Gauss-Hermite nodes and weights for int g(z) exp(-z^2) dz ~ sum w_i g(z_i), n points.
 * The nodes are the eigenvalues of the Jacobi matrix (off-diagonal sqrt(k/2)), each polished
 * by Newton's method on the orthonormal Hermite recurrence, which also gives the weight
 * w = 2 / (sqrt(2n) p_{n-1}(z))^2 to full relative precision even where it is tiny.
 * @example `const { nodes, weights } = pinn.gaussHermite(64)`
 */
export function gaussHermite(n: number): { nodes: Float64Array; weights: Float64Array } {
  if (!Number.isInteger(n) || n < 1 || n > 600) throw new ArgumentError(`pinn.gaussHermite: n must be an integer in [1, 600], got ${n}`);
  const jacobi = new Float64Array(n * n);
  for (let k = 0; k + 1 < n; k++) jacobi[k * n + k + 1] = jacobi[(k + 1) * n + k] = Math.sqrt((k + 1) / 2);
  const nodes = symmetricEigen(jacobi, n).values;
  const weights = new Float64Array(n);
  const pim4 = Math.PI ** -0.25;
  for (let i = 0; i < n; i++) {
    let z = nodes[i], pp = 0;
    for (let iter = 0; iter < 3; iter++) {
      let p1 = pim4, p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * n) * p2;
      z -= p1 / pp;
    }
    nodes[i] = z;
    weights[i] = 2 / (pp * pp);
  }
  return { nodes, weights };
}

/** Rules by size, with log weights (a grid evaluation calls the reference once per row). */
const rules = new Map<number, { nodes: Float64Array; logW: Float64Array }>();
function cachedRule(n: number): { nodes: Float64Array; logW: Float64Array } {
  let r = rules.get(n);
  if (!r) {
    const { nodes, weights } = gaussHermite(n);
    rules.set(n, (r = { nodes, logW: weights.map(Math.log) }));
  }
  return r;
}

/** Options of `burgersReference` (the Cole-Hopf solution of Raissi et al.'s Burgers problem by Gauss-Hermite quadrature): the viscosity ν (default 0.01/π) and the number of quadrature points (default 200). @example `pinn.burgersReference(t, x, { nu: 0.01 / Math.PI, points: 100 })` */
export interface BurgersReferenceOptions {
  /** Viscosity (default 0.01 / pi, the paper's). */
  nu?: number;
  /** Gauss-Hermite points (default 200; 100 already agree to 1e-12 with a fine trapezoid rule on the paper's problem). */
  points?: number;
}

/**
 * The Cole-Hopf solution u(t, x) of the Burgers problem above at each (t[i], x[i]).
 * @example `const u = pinn.burgersReference([0.5, 0.5], [0, 0.5])`
 */
export function burgersReference(t: ArrayLike<number>, x: ArrayLike<number>, opts: BurgersReferenceOptions = {}): Float64Array {
  if (t.length !== x.length) throw new ArgumentError(`pinn.burgersReference: t has ${t.length} values and x has ${x.length}; pass one (t, x) pair per entry`);
  const nu = opts.nu ?? 0.01 / Math.PI;
  if (!(nu > 0)) throw new ArgumentError(`pinn.burgersReference: nu must be positive, got ${nu}`);
  const { nodes, logW } = cachedRule(opts.points ?? 200);
  const n = nodes.length;
  const expo = new Float64Array(n);
  const out = new Float64Array(t.length);
  const k = 1 / (2 * Math.PI * nu);
  for (let p = 0; p < t.length; p++) {
    const tp = t[p], xp = x[p];
    if (!(tp >= 0)) throw new ArgumentError(`pinn.burgersReference: t must be >= 0, got ${tp} at entry ${p}`);
    if (tp === 0) {
      out[p] = -Math.sin(Math.PI * xp);
      continue;
    }
    const c = Math.sqrt(4 * nu * tp);
    let maxE = -Infinity;
    for (let i = 0; i < n; i++) {
      expo[i] = logW[i] - k * Math.cos(Math.PI * (xp - c * nodes[i]));
      if (expo[i] > maxE) maxE = expo[i];
    }
    let num = 0, den = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.exp(expo[i] - maxE);
      num += Math.sin(Math.PI * (xp - c * nodes[i])) * e;
      den += e;
    }
    out[p] = -num / den;
  }
  return out;
}

/**
 * The reference on the grid of Raissi et al.: nx points of x in [-1, 1] by nt points of t
 * in [0, 1] (defaults 256 x 100), both linspace; values[i * nx + j] = u(t[i], x[j]).
 * @example `const { t, x, values } = pinn.burgersReferenceGrid()`
 */
export function burgersReferenceGrid(opts: BurgersReferenceOptions & { nx?: number; nt?: number } = {}): { t: Float64Array; x: Float64Array; values: Float64Array } {
  const nx = opts.nx ?? 256, nt = opts.nt ?? 100;
  if (!Number.isInteger(nx) || nx < 2 || !Number.isInteger(nt) || nt < 2) throw new ArgumentError(`pinn.burgersReferenceGrid: nx and nt must be integers >= 2, got ${nx} and ${nt}`);
  const xs = Float64Array.from({ length: nx }, (_, j) => -1 + (2 * j) / (nx - 1));
  const ts = Float64Array.from({ length: nt }, (_, i) => i / (nt - 1));
  const tt = new Float64Array(nx * nt), xx = new Float64Array(nx * nt);
  for (let i = 0; i < nt; i++) {
    for (let j = 0; j < nx; j++) {
      tt[i * nx + j] = ts[i];
      xx[i * nx + j] = xs[j];
    }
  }
  return { t: ts, x: xs, values: burgersReference(tt, xx, opts) };
}

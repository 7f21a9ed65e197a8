/**
 * The two-sample Kolmogorov–Smirnov test: D = sup |F_a − F_b| of the two
 * empirical CDFs, with its two-sided p-value P(D' >= D) under "same
 * continuous distribution". Like scipy's `ks_2samp(method='auto')`, the
 * p-value is exact when n_a · n_b <= 10,000 and asymptotic above.
 *
 * Exact: for equal sizes n, Gnedenko–Korolyuk,
 *   P(D >= h/n) = 2 Σ_{k>=1} (−1)^{k−1} C(2n, n − kh) / C(2n, n);
 * otherwise the lattice paths from (0,0) to (n_a,n_b) that stay strictly
 * inside |i/n_a − j/n_b| < D are counted. Asymptotic: Kolmogorov's
 * Q(λ) = 2 Σ (−1)^{k−1} e^{−2k²λ²} with Stephens' λ = (√e + 0.12 + 0.11/√e) D,
 * e = n_a n_b / (n_a + n_b).
 */
import { ArgumentError } from '../errors';

/** The result of `ks2Samp`: the KS statistic D and its two-sided p-value (exact for n_a · n_b <= 10,000, asymptotic above). @example `const { statistic, pValue } = drift.ks2Samp([0.1, 0.4, 0.7], [0.5, 0.9, 1.2])` */
export interface KsResult {
  /** D, the largest gap between the two empirical CDFs. */
  statistic: number;
  /** Two-sided p-value. */
  pValue: number;
}

/**
 * D scaled by n_a · n_b (an integer, so the exact p-value has no rounding
 * trouble) for two sorted samples. Ties move both CDFs before the gap is read.
 */
export function ksStatisticScaled(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const na = a.length, nb = b.length;
  let i = 0, j = 0, best = 0;
  while (i < na && j < nb) {
    const v = a[i] <= b[j] ? a[i] : b[j];
    while (i < na && a[i] === v) i++;
    while (j < nb && b[j] === v) j++;
    const gap = Math.abs(i * nb - j * na);
    if (gap > best) best = gap;
  }
  return best;
}

/** P(D >= d) for equal sizes n with d = h / n (Gnedenko–Korolyuk). */
function exactEqual(n: number, h: number): number {
  if (h <= 0) return 1;
  // ratio_j = C(2n, n − j) / C(2n, n) = Π_{i=1..j} (n − i + 1) / (n + i)
  let sum = 0, ratio = 1, done = 0;
  for (let k = 1; k * h <= n; k++) {
    for (let i = done + 1; i <= k * h; i++) ratio *= (n - i + 1) / (n + i);
    done = k * h;
    sum += (k % 2 === 1 ? 1 : -1) * ratio;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** P(D >= scaled / (na nb)) by counting the paths that stay inside (as fractions of all paths). */
function exactPaths(na: number, nb: number, scaled: number): number {
  if (scaled <= 0) return 1;
  // Probability of each path step: walk with per-cell path counts divided by C(na+nb, na), built row by row in doubles.
  const row = new Float64Array(nb + 1);
  const inside = (i: number, j: number) => Math.abs(i * nb - j * na) < scaled;
  row[0] = 1;
  for (let j = 1; j <= nb; j++) row[j] = inside(0, j) ? row[j - 1] : 0;
  for (let i = 1; i <= na; i++) {
    row[0] = inside(i, 0) ? row[0] : 0;
    for (let j = 1; j <= nb; j++) row[j] = inside(i, j) ? row[j] + row[j - 1] : 0;
  }
  let total = 1;
  for (let k = 1; k <= Math.min(na, nb); k++) total = total * (na + nb - k + 1) / k;
  return Math.min(1, Math.max(0, 1 - row[nb] / total));
}

/** Kolmogorov's survival function Q(λ). */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-16) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** p-value of a scaled statistic for sizes na, nb. */
export function ksPValue(na: number, nb: number, scaled: number): number {
  if (na * nb <= 10_000) return na === nb ? exactEqual(na, Math.ceil(scaled / na)) : exactPaths(na, nb, scaled);
  const e = Math.sqrt(na * nb / (na + nb));
  return kolmogorovSurvival((e + 0.12 + 0.11 / e) * scaled / (na * nb));
}

/**
 * Two-sample KS test of samples a and b (not changed; copies are sorted).
 * @example `drift.ks2Samp([0.1, 0.4, 0.2], [0.8, 0.9, 0.7]).pValue // 0.1`
 */
export function ks2Samp(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  if (a.length === 0 || b.length === 0) throw new ArgumentError(`ks2Samp: both samples must be non-empty, got sizes ${a.length} and ${b.length}`);
  const sa = Float64Array.from(a).sort(), sb = Float64Array.from(b).sort();
  if (Number.isNaN(sa[sa.length - 1]) || Number.isNaN(sb[sb.length - 1])) throw new ArgumentError('ks2Samp: the samples contain NaN');
  const scaled = ksStatisticScaled(sa, sb);
  return { statistic: scaled / (a.length * b.length), pValue: ksPValue(a.length, b.length, scaled) };
}

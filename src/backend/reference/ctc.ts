/**
 * Reference CTC loss: the alpha-beta recursion of Graves et al. (2006) in log
 * space, in float64, for one batch item at a time.
 *
 * The target l (length L) is extended with blanks to l' = (b, l1, b, l2, ..., lL, b)
 * of S = 2L + 1 states. With y_t(k) = exp(logProbs[t, n, k]) over the item's
 * input length T:
 *
 *   alpha_0(0) = y_0(b), alpha_0(1) = y_0(l1)
 *   alpha_t(s) = y_t(l'_s) (alpha_{t-1}(s) + alpha_{t-1}(s-1) + [skip(s)] alpha_{t-1}(s-2))
 *   skip(s)    = l'_s != b and l'_s != l'_{s-2}
 *   p          = alpha_{T-1}(S-1) + alpha_{T-1}(S-2),   loss = -log p
 *
 * beta'_t(s) sums the paths that continue from state s at t to the end
 * (emissions after t only): beta'_{T-1}(S-1) = beta'_{T-1}(S-2) = 1 and
 *   beta'_t(s) = sum over s' in {s, s+1, s+2 if skip(s+2)} of y_{t+1}(l'_{s'}) beta'_{t+1}(s').
 * Every path passes through one state at each t, so p = sum_s alpha_t(s) beta'_t(s),
 * and a path's probability is a product of emissions, so for the log-probabilities
 * as free inputs
 *   d(-log p) / d logProbs[t, n, k] = -(1/p) sum_{s : l'_s = k} alpha_t(s) beta'_t(s)
 * (minus the posterior occupancy of class k at t); 0 for t >= T.
 *
 * PyTorch's ctc_loss reports exp(logProbs) minus that occupancy instead: the two
 * differ by exp(logProbs), a term that log_softmax's backward removes, so the
 * gradient reaching the logits is the same.
 *
 * An impossible alignment gives p = 0, loss = Infinity and a NaN gradient (as
 * PyTorch), or loss 0 and a zero gradient with zeroInfinity.
 */
import type { FloatArray } from '../../tensor/dtype';

function logAdd(a: number, b: number): number {
  if (a !== a || b !== b) return NaN;
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = a > b ? a : b;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

const EMPTY_ROW = new Float64Array(0);

export function ctcLoss(logProbs: FloatArray, maxTime: number, batch: number, classes: number,
  targets: Int32Array, targetOffsets: Int32Array, targetLengths: Int32Array, inputLengths: Int32Array,
  blank: number, zeroInfinity: boolean, nll: FloatArray, grad: FloatArray | null): void {
  const at = (t: number, n: number, k: number): number => logProbs[(t * batch + n) * classes + k];
  for (let n = 0; n < batch; n++) {
    const T = inputLengths[n], L = targetLengths[n], S = 2 * L + 1, off = targetOffsets[n];
    const label = (s: number): number => (s % 2 === 0 ? blank : targets[off + (s - 1) / 2]);
    const skip = (s: number): boolean => s % 2 === 1 && s >= 2 && label(s) !== label(s - 2);
    if (grad) for (let t = 0; t < maxTime; t++) for (let k = 0; k < classes; k++) grad[(t * batch + n) * classes + k] = 0;
    let logP: number;
    const alpha: Float64Array[] = [];
    if (T === 0) {
      logP = L === 0 ? 0 : -Infinity;
    } else {
      for (let t = 0; t < T; t++) {
        const row = new Float64Array(S).fill(-Infinity);
        for (let s = 0; s < S; s++) {
          let prev: number;
          if (t === 0) prev = s <= 1 ? 0 : -Infinity;
          else {
            const a = alpha[t - 1];
            prev = a[s];
            if (s >= 1) prev = logAdd(prev, a[s - 1]);
            if (skip(s)) prev = logAdd(prev, a[s - 2]);
          }
          row[s] = prev === -Infinity ? -Infinity : prev + at(t, n, label(s));
        }
        alpha.push(row);
        // Without a gradient only the previous row is read again: drop the rest (O(S) memory).
        if (!grad && t >= 1) alpha[t - 1] = EMPTY_ROW;
      }
      const last = alpha[T - 1];
      logP = S >= 2 ? logAdd(last[S - 1], last[S - 2]) : last[S - 1];
    }
    const loss = 0 - logP;  // not -logP: an empty alignment gives +0
    if (loss === Infinity && zeroInfinity) {
      nll[n] = 0;
      continue;
    }
    nll[n] = loss;
    if (!grad || T === 0) continue;
    if (!Number.isFinite(loss)) {
      for (let t = 0; t < T; t++) for (let k = 0; k < classes; k++) grad[(t * batch + n) * classes + k] = NaN;
      continue;
    }
    let beta = new Float64Array(S).fill(-Infinity);
    beta[S - 1] = 0;
    if (S >= 2) beta[S - 2] = 0;
    for (let t = T - 1; t >= 0; t--) {
      // grad[t, k] = -exp(logsumexp_{s: l'_s = k} (alpha_t(s) + beta'_t(s)) - log p)
      const occupancy = new Map<number, number>();
      for (let s = 0; s < S; s++) {
        const k = label(s);
        occupancy.set(k, logAdd(occupancy.get(k) ?? -Infinity, alpha[t][s] + beta[s]));
      }
      for (const [k, v] of occupancy) grad[(t * batch + n) * classes + k] = -Math.exp(v - logP);
      if (t === 0) break;
      const next = new Float64Array(S).fill(-Infinity);
      for (let s = 0; s < S; s++) {
        let v = beta[s] + at(t, n, label(s));
        if (s + 1 < S) v = logAdd(v, beta[s + 1] + at(t, n, label(s + 1)));
        if (s + 2 < S && skip(s + 2)) v = logAdd(v, beta[s + 2] + at(t, n, label(s + 2)));
        next[s] = v;
      }
      beta = next;
    }
  }
}

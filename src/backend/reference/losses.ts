/**
 * Reference kernels of the fused softmax cross-entropy: plain loops in float64
 * that define what the native kernels compute.
 *
 * The input is viewed as [outer, C, inner]; row r = o * inner + i is the class
 * vector x[o, :, i]. With l = logsumexp_c x_c and log p_c = x_c - l:
 *
 * class-index target y (rows with y == ignoreIndex give 0), smoothing e, weights w:
 *   loss_r = (1 - e) w_y (l - x_y) + (e / C) sum_c w_c (l - x_c)
 *   dloss_r/dx_j = (1 - e) w_y (p_j - [j == y]) + (e / C) (W p_j - w_j),   W = sum_c w_c
 *
 * probability target t, smoothed to t'_c = (1 - e) t_c + e / C:
 *   loss_r = sum_c w_c t'_c (l - x_c)
 *   dloss_r/dx_j = p_j sum_c w_c t'_c - w_j t'_j
 *
 * w is all ones when no weight is given.
 */
import type { FloatArray } from '../../tensor/dtype';

function rowLogSumExp(x: FloatArray, base: number, classes: number, inner: number): number {
  let m = -Infinity;
  for (let c = 0; c < classes; c++) {
    const v = x[base + c * inner];
    if (v > m || v !== v) m = v;
  }
  if (m !== m) return NaN;
  if (m === -Infinity || m === Infinity) return m;
  let s = 0;
  for (let c = 0; c < classes; c++) s += Math.exp(x[base + c * inner] - m);
  return m + Math.log(s);
}

export function crossEntropy(x: FloatArray, outer: number, classes: number, inner: number,
  target: Int32Array | null, probs: FloatArray | null, weight: FloatArray | null,
  ignoreIndex: number, labelSmoothing: number, loss: FloatArray, logSumExp: FloatArray): void {
  const e = labelSmoothing;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const r = o * inner + i, base = o * classes * inner + i;
      const l = rowLogSumExp(x, base, classes, inner);
      logSumExp[r] = l;
      let value = 0;
      if (target) {
        const y = target[r];
        if (y !== ignoreIndex) {
          value = (1 - e) * (weight ? weight[y] : 1) * (l - x[base + y * inner]);
          if (e > 0) {
            let smooth = 0;
            for (let c = 0; c < classes; c++) smooth += (weight ? weight[c] : 1) * (l - x[base + c * inner]);
            value += (e / classes) * smooth;
          }
        }
      } else if (probs) {
        for (let c = 0; c < classes; c++) {
          const k = base + c * inner;
          value += (weight ? weight[c] : 1) * ((1 - e) * probs[k] + e / classes) * (l - x[k]);
        }
      }
      loss[r] = value;
    }
  }
}

export function crossEntropyBackward(x: FloatArray, outer: number, classes: number, inner: number,
  target: Int32Array | null, probs: FloatArray | null, weight: FloatArray | null,
  ignoreIndex: number, labelSmoothing: number, logSumExp: FloatArray, gradLoss: FloatArray, gradX: FloatArray): void {
  const e = labelSmoothing;
  let wSum = 0;
  for (let c = 0; c < classes; c++) wSum += weight ? weight[c] : 1;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const r = o * inner + i, base = o * classes * inner + i;
      const g = gradLoss[r], l = logSumExp[r];
      if (target) {
        const y = target[r];
        if (y === ignoreIndex) {
          for (let c = 0; c < classes; c++) gradX[base + c * inner] = 0;
          continue;
        }
        const wy = weight ? weight[y] : 1;
        const pCoef = (1 - e) * wy + (e / classes) * wSum;
        for (let c = 0; c < classes; c++) {
          const k = base + c * inner;
          const p = Math.exp(x[k] - l);
          gradX[k] = g * (pCoef * p - (c === y ? (1 - e) * wy : 0) - (e / classes) * (weight ? weight[c] : 1));
        }
      } else if (probs) {
        let mass = 0;
        for (let c = 0; c < classes; c++) mass += (weight ? weight[c] : 1) * ((1 - e) * probs[base + c * inner] + e / classes);
        for (let c = 0; c < classes; c++) {
          const k = base + c * inner;
          const t = (1 - e) * probs[k] + e / classes;
          gradX[k] = g * (mass * Math.exp(x[k] - l) - (weight ? weight[c] : 1) * t);
        }
      }
    }
  }
}

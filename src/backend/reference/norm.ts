/**
 * Normalisation kernels, the definition of correct for native/kernels/norm.cc.
 * Statistics are computed in double by two passes (mean, then the mean of squared
 * deviations), which stays exact for data like 1e4 + small noise where
 * E[x²] - E[x]² would cancel. Saved statistics are float64 whatever x's dtype.
 *
 * With x̂ = (x - μ) σ⁻¹ over a group of M elements and g = dy · γ:
 *   forward   y  = x̂ γ + β
 *   backward  dx = σ⁻¹ (g - mean(g) - x̂ mean(g x̂)),  dγ = Σ dy x̂,  dβ = Σ dy
 * LayerNorm groups a row (γ per position), BatchNorm a channel over batch and space
 * (γ per channel), GroupNorm a block of channels of one sample (γ per channel).
 */
import type { FloatArray } from '../../tensor/dtype';

function rowStats(x: FloatArray, start: number, len: number, eps: number): [number, number] {
  let s = 0;
  for (let j = 0; j < len; j++) s += x[start + j];
  const mean = len > 0 ? s / len : 0;
  let v = 0;
  for (let j = 0; j < len; j++) {
    const d = x[start + j] - mean;
    v += d * d;
  }
  return [mean, 1 / Math.sqrt((len > 0 ? v / len : 0) + eps)];
}

/** LayerNorm of x [rows, n] over each row; weight/bias [n] or null; writes y, mean [rows], rstd [rows]. */
export function layerNormForward(x: FloatArray, weight: FloatArray | null, bias: FloatArray | null, y: FloatArray,
  mean: Float64Array, rstd: Float64Array, rows: number, n: number, eps: number, relu = false): void {
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    const [m, rs] = rowStats(x, base, n, eps);
    mean[r] = m;
    rstd[r] = rs;
    for (let j = 0; j < n; j++) {
      const xhat = (x[base + j] - m) * rs;
      y[base + j] = weight ? xhat * weight[j] + (bias ? bias[j] : 0) : xhat + (bias ? bias[j] : 0);
    }
  }
  if (relu) reluInPlace(y);
}

/** relu's rule in place: max(v, 0), a NaN stays NaN. */
function reluInPlace(y: FloatArray): void {
  for (let i = 0; i < y.length; i++) if (y[i] < 0) y[i] = 0;
}

/** dy where the ReLU's output is > 0, else 0: the gradient a ReLU passes back. */
function throughRelu(dy: FloatArray, reluOutput: FloatArray): FloatArray {
  const masked = dy.slice();
  for (let i = 0; i < masked.length; i++) if (!(reluOutput[i] > 0)) masked[i] = 0;
  return masked;
}

/** LayerNorm backward: dx [rows, n] (or null), dweight/dbias [n] summed over rows (or null). Outputs are overwritten. */
export function layerNormBackward(dy: FloatArray, x: FloatArray, mean: Float64Array, rstd: Float64Array, weight: FloatArray | null,
  dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null, rows: number, n: number, reluOutput: FloatArray | null = null): void {
  if (reluOutput) dy = throughRelu(dy, reluOutput);
  const dw = new Float64Array(n), db = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const base = r * n, m = mean[r], rs = rstd[r];
    let sumG = 0, sumGX = 0;
    for (let j = 0; j < n; j++) {
      const xhat = (x[base + j] - m) * rs;
      const g = dy[base + j] * (weight ? weight[j] : 1);
      sumG += g;
      sumGX += g * xhat;
      dw[j] += dy[base + j] * xhat;
      db[j] += dy[base + j];
    }
    if (dx) {
      const a = sumG / n, b = sumGX / n;
      for (let j = 0; j < n; j++) {
        const xhat = (x[base + j] - m) * rs;
        const g = dy[base + j] * (weight ? weight[j] : 1);
        dx[base + j] = rs * (g - a - xhat * b);
      }
    }
  }
  if (dweight) dweight.set(dw);
  if (dbias) dbias.set(db);
}

/**
 * BatchNorm of x [N, C, S] per channel. training: computes the batch mean, biased variance and
 * invstd = 1/√(var + eps) into mean, variance, invstd; otherwise reads mean and variance (the
 * running statistics) and writes invstd. Then y = (x - mean) invstd weight + bias.
 */
export function batchNormForward(x: FloatArray, weight: FloatArray | null, bias: FloatArray | null, y: FloatArray,
  mean: Float64Array, variance: Float64Array, invstd: Float64Array, N: number, C: number, S: number, eps: number, training: boolean,
  relu = false): void {
  const M = N * S;
  for (let c = 0; c < C; c++) {
    if (training) {
      let s = 0;
      for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) s += x[(n * C + c) * S + i];
      const m = M > 0 ? s / M : 0;
      let v = 0;
      for (let n = 0; n < N; n++) for (let i = 0; i < S; i++) { const d = x[(n * C + c) * S + i] - m; v += d * d; }
      mean[c] = m;
      variance[c] = M > 0 ? v / M : 0;
    }
    const is = 1 / Math.sqrt(variance[c] + eps);
    invstd[c] = is;
    const w = weight ? weight[c] : 1, b = bias ? bias[c] : 0, m = mean[c];
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * S;
      for (let i = 0; i < S; i++) y[base + i] = (x[base + i] - m) * is * w + b;
    }
  }
  if (relu) reluInPlace(y);
}

/**
 * BatchNorm backward per channel. training: the full formula (mean and invstd depend on x);
 * otherwise dx = dy weight invstd (running statistics are constants). With reluOutput: the
 * gradient through BatchNorm then ReLU.
 */
export function batchNormBackward(dy: FloatArray, x: FloatArray, mean: Float64Array, invstd: Float64Array, weight: FloatArray | null,
  dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null, N: number, C: number, S: number, training: boolean,
  reluOutput: FloatArray | null = null): void {
  // Through the ReLU first, then the BatchNorm.
  if (reluOutput) dy = throughRelu(dy, reluOutput);
  const M = N * S;
  for (let c = 0; c < C; c++) {
    const m = mean[c], is = invstd[c], w = weight ? weight[c] : 1;
    let sumDy = 0, sumDyXc = 0;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * S;
      for (let i = 0; i < S; i++) {
        sumDy += dy[base + i];
        sumDyXc += dy[base + i] * (x[base + i] - m);
      }
    }
    if (dweight) dweight[c] = sumDyXc * is;
    if (dbias) dbias[c] = sumDy;
    if (!dx) continue;
    const a = training ? sumDy / M : 0, b = training ? (sumDyXc * is) / M : 0;
    for (let n = 0; n < N; n++) {
      const base = (n * C + c) * S;
      for (let i = 0; i < S; i++) {
        const xhat = (x[base + i] - m) * is;
        dx[base + i] = w * is * (dy[base + i] - a - xhat * b);
      }
    }
  }
}

/** GroupNorm of x [N, C, S] over groups of C/groups channels per sample; weight/bias [C]; mean/rstd [N * groups]. */
export function groupNormForward(x: FloatArray, weight: FloatArray | null, bias: FloatArray | null, y: FloatArray,
  mean: Float64Array, rstd: Float64Array, N: number, C: number, S: number, groups: number, eps: number): void {
  const cg = C / groups, len = cg * S;
  for (let r = 0; r < N * groups; r++) {
    const base = r * len, g = r % groups;
    const [m, rs] = rowStats(x, base, len, eps);
    mean[r] = m;
    rstd[r] = rs;
    for (let k = 0; k < cg; k++) {
      const c = g * cg + k, w = weight ? weight[c] : 1, b = bias ? bias[c] : 0;
      for (let i = 0; i < S; i++) {
        const at = base + k * S + i;
        y[at] = (x[at] - m) * rs * w + b;
      }
    }
  }
}

/** GroupNorm backward: dx (or null) per group; dweight/dbias [C] summed over samples and space (or null). */
export function groupNormBackward(dy: FloatArray, x: FloatArray, mean: Float64Array, rstd: Float64Array, weight: FloatArray | null,
  dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null, N: number, C: number, S: number, groups: number): void {
  const cg = C / groups, len = cg * S;
  const dw = new Float64Array(C), db = new Float64Array(C);
  for (let r = 0; r < N * groups; r++) {
    const base = r * len, g = r % groups, m = mean[r], rs = rstd[r];
    let sumG = 0, sumGX = 0;
    for (let k = 0; k < cg; k++) {
      const c = g * cg + k, w = weight ? weight[c] : 1;
      for (let i = 0; i < S; i++) {
        const at = base + k * S + i;
        const xhat = (x[at] - m) * rs;
        sumG += dy[at] * w;
        sumGX += dy[at] * w * xhat;
        dw[c] += dy[at] * xhat;
        db[c] += dy[at];
      }
    }
    if (!dx) continue;
    const a = len > 0 ? sumG / len : 0, b = len > 0 ? sumGX / len : 0;
    for (let k = 0; k < cg; k++) {
      const c = g * cg + k, w = weight ? weight[c] : 1;
      for (let i = 0; i < S; i++) {
        const at = base + k * S + i;
        const xhat = (x[at] - m) * rs;
        dx[at] = rs * (dy[at] * w - a - xhat * b);
      }
    }
  }
  if (dweight) dweight.set(dw);
  if (dbias) dbias.set(db);
}

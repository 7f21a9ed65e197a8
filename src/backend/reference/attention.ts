/**
 * Reference fused attention, in float64, one query row at a time (the definition the native
 * tiled kernel is held to). Per head b, with q [L, E], k [S, E], v [S, Ev]:
 *
 *   s_ij = scale · q_i·k_j + M_ij      (M: an additive mask, or −∞ where a bool mask is 0
 *                                       or, causal, where j > i)
 *   lse_i = log Σ_j exp(s_ij),   P_ij = exp(s_ij − lse_i),   out_i = Σ_j P_ij v_j
 *
 * and its backward, with D_i = dout_i·out_i, dP_ij = dout_i·v_j, dS_ij = P_ij (dP_ij − D_i):
 *
 *   dv_j = Σ_i P_ij dout_i,   dq_i = scale Σ_j dS_ij k_j,   dk_j = scale Σ_i dS_ij q_i.
 *
 * A row that may attend to nothing has lse = NaN and out = NaN (softmax over −∞ only), and its
 * NaN weights reach every gradient of its head, as in the composite path. Only a row of S
 * scores is held, never the [L, S] matrix.
 */
import type { AttentionGeometry, AttentionMaskArg } from '../backend';
import type { FloatArray } from '../../tensor/dtype';

/** Writes the scores of query i of head b into s (scaled and masked). */
function scoresRow(q: FloatArray, k: FloatArray, mask: AttentionMaskArg | null, g: AttentionGeometry, b: number, i: number, s: Float64Array): void {
  const { L, S, E } = g;
  const qo = (b * L + i) * E;
  const isBool = mask !== null && mask.values instanceof Uint8Array;
  for (let j = 0; j < S; j++) {
    if (g.causal && j > i) { s[j] = -Infinity; continue; }
    const ko = (b * S + j) * E;
    let dot = 0;
    for (let e = 0; e < E; e++) dot += q[qo + e] * k[ko + e];
    let v = g.scale * dot;
    if (mask) {
      const m = mask.values[mask.offsets[b] + i * mask.rowStride + j * mask.colStride];
      v = isBool ? (m ? v : -Infinity) : v + m;
    }
    s[j] = v;
  }
}

/** log Σ exp(s): NaN when every entry is −∞ (no key visible). */
function logSumExp(s: Float64Array): number {
  let m = -Infinity;
  for (const x of s) if (x > m) m = x;
  if (m === -Infinity) return NaN;
  let sum = 0;
  for (const x of s) sum += Math.exp(x - m);
  return m + Math.log(sum);
}

export function attentionForward(q: FloatArray, k: FloatArray, v: FloatArray, mask: AttentionMaskArg | null, out: FloatArray,
  lse: Float64Array, g: AttentionGeometry): void {
  const { batch, L, S, Ev } = g;
  const s = new Float64Array(S), acc = new Float64Array(Ev);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < L; i++) {
      scoresRow(q, k, mask, g, b, i, s);
      const l = logSumExp(s);
      lse[b * L + i] = l;
      acc.fill(0);
      for (let j = 0; j < S; j++) {
        const p = Math.exp(s[j] - l);
        const vo = (b * S + j) * Ev;
        for (let e = 0; e < Ev; e++) acc[e] += p * v[vo + e];
      }
      out.set(acc, (b * L + i) * Ev);
    }
  }
}

export function attentionBackward(q: FloatArray, k: FloatArray, v: FloatArray, out: FloatArray, dout: FloatArray, lse: Float64Array,
  mask: AttentionMaskArg | null, dq: FloatArray, dk: FloatArray, dv: FloatArray, g: AttentionGeometry): void {
  const { batch, L, S, E, Ev, scale } = g;
  const s = new Float64Array(S), dqRow = new Float64Array(E);
  const dkHead = new Float64Array(S * E), dvHead = new Float64Array(S * Ev);
  for (let b = 0; b < batch; b++) {
    dkHead.fill(0);
    dvHead.fill(0);
    for (let i = 0; i < L; i++) {
      const go = (b * L + i) * Ev, qo = (b * L + i) * E;
      let D = 0;
      for (let e = 0; e < Ev; e++) D += dout[go + e] * out[go + e];
      scoresRow(q, k, mask, g, b, i, s);
      const l = lse[b * L + i];
      dqRow.fill(0);
      for (let j = 0; j < S; j++) {
        const p = Math.exp(s[j] - l);
        const vo = (b * S + j) * Ev, ko = (b * S + j) * E;
        let dP = 0;
        for (let e = 0; e < Ev; e++) {
          dP += dout[go + e] * v[vo + e];
          dvHead[j * Ev + e] += p * dout[go + e];
        }
        const dS = p * (dP - D) * scale;
        for (let e = 0; e < E; e++) {
          dqRow[e] += dS * k[ko + e];
          dkHead[j * E + e] += dS * q[qo + e];
        }
      }
      dq.set(dqRow, qo);
    }
    dk.set(dkHead, b * S * E);
    dv.set(dvHead, b * S * Ev);
  }
}

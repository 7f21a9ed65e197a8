/**
 * Per-sample gradients of LSTM and GRU layers. Their gate pre-activations live inside the
 * recurrence, so the rule re-runs the recurrence once (same equations as nn's lstmStep and
 * gruStep) keeping each step's projections, takes the loss gradient with respect to them
 * from the captured output gradients, and sums the per-step outer products per sample:
 *   ∇W_ih,n = Σ_t dxw_{t,n} x_{t,n}ᵀ    ∇W_hh,n = Σ_t dhw_{t,n} h_{t-1,n}ᵀ
 *   ∇b_ih,n = Σ_t dxw_{t,n}              ∇b_hh,n = Σ_t dhw_{t,n}
 * (for LSTM dxw = dhw = the gate gradient; GRU keeps them apart since b_hn sits inside r ⊙ ·).
 */
import { detach, grad } from '../autograd/api';
import { ArgumentError } from '../errors';
import { add, mul, sub } from '../ops/binary';
import { zeros, zerosLike } from '../ops/creation';
import { matmulT } from '../ops/matmul';
import { sum } from '../ops/reduce';
import { cat, chunk, permute, reshape, split, stack, transpose } from '../ops/shape';
import { sigmoid, tanh } from '../ops/unary';
import type { AnyModule } from '../nn/module';
import { GRU, LSTM } from '../nn/layers/rnn';
import type { Parameter } from '../nn/parameter';
import type { Tensor } from '../tensor/tensor';
import { frozenParams, type LayerRule } from './layers';

type Recurrent = LSTM | GRU;

interface StepRecord {
  /** Per time step (in time order): the input projection and the hidden projection. */
  xw: Tensor[];
  hw: Tensor[];
  hPrev: Tensor[];
  input: Tensor;
}

/** Re-runs the stack on x [T, B, I] from the initial states; returns outputs, finals and each layer-direction's records. */
function rerun(m: Recurrent, x: Tensor, init: Tensor[][]): { output: Tensor; finals: Tensor[][]; records: StepRecord[] } {
  const D = m.bidirectional ? 2 : 1, H = m.hiddenSize, lstm = m.mode === 'LSTM';
  const [T, B] = x.shape;
  const finals: Tensor[][] = init.map(() => []);
  const records: StepRecord[] = [];
  let seq = x;
  for (let layer = 0; layer < m.numLayers; layer++) {
    const outputs: Tensor[] = [];
    for (let d = 0; d < D; d++) {
      // Detached copies that require grad, so every step's projections are in the graph (h0 alone is not).
      const [wih, whh, bih, bhh] = m.allWeights[layer * D + d].map((p) => detach(p).requiresGrad_());
      const rows = reshape(seq, [T * B, seq.shape[2]]);
      let xwAll = matmulT(rows, wih, false, true);
      if (bih) xwAll = add(xwAll, bih);
      const xw = split(xwAll, B, 0);
      const rec: StepRecord = { xw: new Array(T), hw: new Array(T), hPrev: new Array(T), input: seq };
      let h = init[0][layer * D + d], c = lstm ? init[1][layer * D + d] : null;
      const hs = new Array<Tensor>(T);
      for (let k = 0; k < T; k++) {
        const t = d === 0 ? k : T - 1 - k;
        let hw = matmulT(h, whh, false, true);
        if (bhh) hw = add(hw, bhh);
        rec.xw[t] = xw[t]; rec.hw[t] = hw; rec.hPrev[t] = h;
        if (lstm) {
          const [gi, gf, gg, go] = chunk(add(xw[t], hw), 4, 1);
          c = add(mul(sigmoid(gf), c!), mul(sigmoid(gi), tanh(gg)));
          h = mul(sigmoid(go), tanh(c));
        } else {
          const [xr, xz, xn] = chunk(xw[t], 3, 1);
          const [hr, hz, hn] = chunk(hw, 3, 1);
          const r = sigmoid(add(xr, hr)), z = sigmoid(add(xz, hz));
          const n = tanh(add(xn, mul(r, hn)));
          h = add(n, mul(z, sub(h, n)));
        }
        hs[t] = h;
      }
      records.push(rec);
      outputs.push(stack(hs, 0));
      finals[0].push(h);
      if (lstm) finals[1].push(c!);
    }
    seq = D === 1 ? outputs[0] : cat(outputs, 2);
  }
  return { output: seq, finals, records };
}

/** [T, B, F] per step list → [B, T, F]. */
const batchMajor = (steps: Tensor[]): Tensor => permute(stack(steps, 0), [1, 0, 2]);

const recurrent: LayerRule = {
  params: (m) => (m as Recurrent).allWeights.flat().filter((p: Parameter) => !frozenParams.has(p)),
  perSample(mod, input, gOut, extra) {
    const m = mod as Recurrent;
    if (m.dropout > 0 && m.training) throw new ArgumentError(`privacy: ${m.mode} with dropout ${m.dropout} between layers cannot be replayed for per-sample gradients; set dropout to 0 (or use separate layers with nn.Dropout)`);
    if (input.ndim !== 3) throw new ArgumentError(`privacy: ${m.mode} needs batched input [time, batch, features] (or batchFirst) for per-sample gradients, got ${input.describe()}`);
    const lstm = m.mode === 'LSTM', D = m.bidirectional ? 2 : 1, LD = m.numLayers * D;
    const x = detach(m.batchFirst ? transpose(input, 0, 1) : input);
    const B = x.shape[1], H = m.hiddenSize;
    const hx = (extra?.args[0] ?? null) as Tensor | [Tensor, Tensor] | null;
    const given = hx === null || hx === undefined ? null : lstm ? (hx as Tensor[]) : [hx as Tensor];
    const init = Array.from({ length: lstm ? 2 : 1 }, (_, s) =>
      Array.from({ length: LD }, (_, k) => (given ? reshape(split(detach(given[s]), 1, 0)[k], [B, H]) : zeros([B, H], { dtype: x.dtype as 'float32' | 'float64' }))));
    const { output, finals, records } = rerun(m, x, init);
    const y = m.batchFirst ? transpose(output, 0, 1) : output;
    const outs: Tensor[] = [y, stack(finals[0], 0)];
    if (lstm) outs.push(stack(finals[1], 0));
    const gradsGiven = [gOut, ...(extra?.grads ?? [])];
    const gradOutputs = outs.map((o, k) => gradsGiven[k] ?? zerosLike(o));
    const probes = records.flatMap((r) => [...r.xw, ...r.hw]);
    const gs = grad(outs, probes, { gradOutputs, allowUnused: true });
    const result: Tensor[] = [];
    records.forEach((r, k) => {
      const T = r.xw.length;
      const pick = (off: number): Tensor[] => Array.from({ length: T }, (_, t) => gs[k * 2 * T + off + t] ?? zerosLike(r.xw[t]));
      const dXW = batchMajor(pick(0)), dHW = batchMajor(pick(T));
      // For LSTM the gates are xw + hw, so both gradients are the gate gradient.
      const X = permute(r.input, [1, 0, 2]), Hp = batchMajor(r.hPrev);
      const [wih, whh, bih, bhh] = m.allWeights[k];
      const put = (p: Parameter | undefined, t: () => Tensor): void => { if (p && !frozenParams.has(p)) result.push(t()); };
      put(wih, () => matmulT(dXW, X, true, false));
      put(whh, () => matmulT(dHW, Hp, true, false));
      put(bih, () => sum(dXW, 1));
      put(bhh, () => sum(dHW, 1));
    });
    return result;
  },
};

/** The rule for LSTM and GRU modules, or null for other modules. */
export function recurrentRule(m: AnyModule): LayerRule | null {
  return m instanceof LSTM || m instanceof GRU ? recurrent : null;
}

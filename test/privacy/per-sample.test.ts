import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn, privacy } from '../../src/index';

const D = { dtype: 'float64' as const };

/** The reference: each sample's gradient from its own backward pass (the loop the library avoids). */
function loopGrads(model: L.nn.Module, params: L.Tensor[], lossOf: (n: number) => L.Tensor, N: number): L.Tensor[][] {
  const out: L.Tensor[][] = params.map(() => []);
  for (let n = 0; n < N; n++) {
    const gs = L.grad(lossOf(n), params, { allowUnused: true });
    gs.forEach((g, k) => out[k].push(g ?? L.zerosLike(params[k])));
  }
  return out;
}

function expectClose(got: L.Tensor, want: L.Tensor[], tol = 1e-10): void {
  const w = L.stack(want, 0);
  expect(got.shape).toEqual(w.shape);
  const err = got.sub(w).abs().max().item();
  const scale = Math.max(1, w.abs().max().item());
  expect(err / scale).toBeLessThan(tol);
}

/** Checks per-sample gradients of `model` on inputs x against the loop, for a summed loss f(out_n). */
function check(model: L.nn.Module, x: L.Tensor, f: (out: L.Tensor) => L.Tensor): void {
  const N = x.shape[0];
  const params = model.parameters();
  const got = privacy.perSampleGrads(model, () => f(model.call(x)), { lossReduction: 'sum' });
  const idx = (n: number): L.Tensor => L.tensor(Int32Array.of(n));
  const want = loopGrads(model, params, (n) => f(model.call(L.indexSelect(x, 0, idx(n)))), N);
  params.forEach((p, k) => expectClose(got.get(p as never)!, want[k]));
}

const sq = (out: L.Tensor): L.Tensor => out.square().sum().add(out.sum());

describe('per-sample gradients match a per-sample loop (float64, 1e-10)', () => {
  it('Linear on [N, in] and on sequences [N, T, in], with and without bias', () => {
    L.manualSeed(1);
    check(new nn.Sequential(new nn.Linear(5, 4, D), new nn.Tanh(), new nn.Linear(4, 3, { ...D, bias: false })), L.randn([6, 5], D), sq);
    check(new nn.Linear(5, 3, D), L.randn([4, 7, 5], D), sq);
  });

  it('Conv2d with stride, padding, dilation and groups; Conv1d', () => {
    L.manualSeed(2);
    check(new nn.Conv2d(4, 6, 3, { ...D, stride: 2, padding: 1, groups: 2 }), L.randn([3, 4, 7, 6], D), sq);
    check(new nn.Conv2d(2, 3, [2, 3], { ...D, dilation: [2, 1], bias: false }), L.randn([3, 2, 6, 6], D), sq);
    check(new nn.Conv1d(3, 4, 3, { ...D, padding: 'same' }), L.randn([4, 3, 9], D), sq);
  });

  it('LayerNorm and GroupNorm affine parameters', () => {
    L.manualSeed(3);
    check(new nn.Sequential(new nn.Linear(6, 8, D), new nn.LayerNorm(8, D)), L.randn([5, 3, 6], D), sq);
    check(new nn.Sequential(new nn.Conv2d(2, 6, 3, D), new nn.GroupNorm(3, 6, D)), L.randn([4, 2, 5, 5], D), sq);
  });

  it('Embedding, with a padding index, shared rows within a sample', () => {
    L.manualSeed(4);
    const emb = new nn.Embedding(7, 3, { ...D, paddingIdx: 0 });
    const model = new nn.Sequential(emb, new nn.Linear(3, 2, D));
    const idx = L.tensor([[1, 2, 1, 0], [3, 3, 0, 6], [5, 4, 2, 2]], { dtype: 'int32' });
    check(model, idx, sq);
  });

  it('a PackedSequence input is refused with a clear error (the per-sample rules read padded input)', () => {
    L.manualSeed(7);
    const lstm = new nn.LSTM(3, 4, D);
    const packed = nn.utils.rnn.packPaddedSequence(L.randn([5, 2, 3], D), [5, 3]);
    class Head extends nn.Module {
      lstm = lstm;
      forward(_unused: L.Tensor): L.Tensor {
        const [y] = this.lstm.call(packed);
        return y.data.sum();
      }
    }
    const head = new Head();
    expect(() => privacy.perSampleGrads(head, () => head.call(L.zeros([1])), { lossReduction: 'sum' })).toThrow(/privacy: LSTM got PackedSequence as its input; per-sample gradients need a padded tensor/);
  });

  it('LSTM (batch first, loss on outputs and final states, given h0/c0) and GRU (2 layers, bidirectional, time-major)', () => {
    L.manualSeed(6);
    const lstm = new nn.LSTM(3, 4, { ...D, batchFirst: true });
    const x = L.randn([3, 5, 3], D), h0 = L.randn([1, 3, 4], D), c0 = L.randn([1, 3, 4], D);
    class Head extends nn.Module {
      lstm = lstm;
      forward(inp: L.Tensor): L.Tensor {
        const [y, [h, c]] = this.lstm.call(inp, [h0, c0]);
        return y.square().sum([1, 2]).add(h.sum([0, 2])).add(c.square().sum([0, 2]));
      }
    }
    // Per-sample h0/c0 must follow the sample, so the loop feeds each sample's own slice.
    const head = new Head();
    const got = privacy.perSampleGrads(head, () => head.call(x).sum(), { lossReduction: 'sum' });
    const params = lstm.parameters();
    const want = params.map(() => [] as L.Tensor[]);
    for (let n = 0; n < 3; n++) {
      const [y, [h, c]] = lstm.call(x.narrow(0, n, 1), [h0.narrow(1, n, 1), c0.narrow(1, n, 1)]);
      const gs = L.grad(y.square().sum().add(h.sum()).add(c.square().sum()), params);
      gs.forEach((g, k) => want[k].push(g!));
    }
    params.forEach((p, k) => expectClose(got.get(p)!, want[k]));

    const gru = new nn.GRU(3, 4, { ...D, numLayers: 2, bidirectional: true });
    const xs = L.randn([6, 4, 3], D);
    const gruGot = privacy.perSampleGrads(gru, () => { const [y, h] = gru.call(xs); return y.square().sum().add(h.sum()); }, { lossReduction: 'sum' });
    const gp = gru.parameters();
    const gw = gp.map(() => [] as L.Tensor[]);
    for (let n = 0; n < 4; n++) {
      const [y, h] = gru.call(xs.narrow(1, n, 1));
      L.grad(y.square().sum().add(h.sum()), gp).forEach((g, k) => gw[k].push(g!));
    }
    gp.forEach((p, k) => expectClose(gruGot.get(p)!, gw[k]));
  });

  it('a cross-entropy loss with mean reduction gives the per-sample gradients of the summed loss', () => {
    L.manualSeed(5);
    const model = new nn.Sequential(new nn.Linear(4, 5, D), new nn.Tanh(), new nn.Linear(5, 3, D));
    const x = L.randn([6, 4], D), y = L.tensor([0, 1, 2, 1, 0, 2], { dtype: 'int32' });
    const mean = privacy.perSampleGrads(model, () => L.crossEntropy(model.call(x), y), { lossReduction: 'mean' });
    const total = privacy.perSampleGrads(model, () => L.crossEntropy(model.call(x), y, { reduction: 'sum' }), { lossReduction: 'sum' });
    for (const p of model.parameters()) expectClose(mean.get(p)!, total.get(p)!.split(1, 0).map((t) => t.squeeze(0)));
  });

  it('BatchNorm is refused with the reason and GroupNorm named; unsupported layers are named', () => {
    expect(() => privacy.perSampleGrads(new nn.Sequential(new nn.Linear(3, 3), new nn.BatchNorm1d(3)), () => L.zeros([1]))).toThrow(/BatchNorm1d mixes the samples.*GroupNorm/);
    expect(() => privacy.perSampleGrads(new nn.ConvTranspose2d(2, 2, 3), () => L.zeros([1]))).toThrow(/ConvTranspose2d/);
  });
});

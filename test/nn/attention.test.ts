/**
 * Attention against PyTorch 1.13 (test/fixtures/attention_torch.json, written by
 * test/fixtures/generators/attention_torch.py): scaledDotProductAttention (masks, causal,
 * broadcasting; dropout against its composed form), nn.MultiheadAttention (PyTorch's parameter
 * layout, masks, kdim/vdim, unbatched), nn.TransformerEncoderLayer (post- and pre-norm),
 * positional encodings; gradcheck through sdpa; state-dict keys.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { closeness } from '../helpers/backends';

interface Enc { shape: number[]; values: number[] }
/* eslint-disable @typescript-eslint/no-explicit-any */
const fx = JSON.parse(readFileSync(new URL('../fixtures/attention_torch.json', import.meta.url), 'utf8')) as any;
const F = nn.functional;

const dec = (e: Enc, dtype: L.DType = 'float64'): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
const decMask = (m: any): L.Tensor => (m.dtype === 'bool' ? dec(m).ne(0) : dec(m));
const stateOf = (s: Record<string, Enc>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, dec(v)]));

function expectClose(actual: L.Tensor, expected: Enc, what: string, tol = 1e-9): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  expect(closeness(Array.from(actual.values), expected.values, tol, tol), what).toBeLessThanOrEqual(1);
}

describe('scaledDotProductAttention', () => {
  for (const c of fx.sdpa) {
    it(`${c.name}: output and gradients match PyTorch's reference`, () => {
      const q = dec(c.q).requiresGrad_(), k = dec(c.k).requiresGrad_(), v = dec(c.v).requiresGrad_();
      const y = F.scaledDotProductAttention(q, k, v, { attnMask: c.mask ? decMask(c.mask) : null, isCausal: c.isCausal, scale: c.scale ?? undefined });
      expectClose(y, c.output, 'output');
      y.mul(dec(c.vOut)).sum().backward();
      expectClose(q.grad!, c.gradQ, 'grad q');
      expectClose(k.grad!, c.gradK, 'grad k');
      expectClose(v.grad!, c.gradV, 'grad v');
    });
  }

  it('passes gradcheck with a causal mask (float64)', () => {
    L.manualSeed(5);
    const [q, k, v] = [[2, 3, 4], [2, 3, 4], [2, 3, 2]].map((s) => L.randn(s, { dtype: 'float64' }).requiresGrad_());
    expect(L.gradcheck((a, b, c) => F.scaledDotProductAttention(a, b, c, { isCausal: true }), [q, k, v])).toBe(true);
  });

  it('applies dropout to the weights: equal to softmax → dropout → @ v with the same stream', () => {
    L.manualSeed(1);
    const q = L.randn([2, 4, 3]), k = L.randn([2, 5, 3]), v = L.randn([2, 5, 2]);
    const [y, w] = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new L.PhiloxStream(9), returnWeights: true });
    const weights = L.softmax(q.matmul(k.transpose(1, 2)).mul(1 / Math.sqrt(3)), -1);
    const dropped = F.dropout(weights, 0.5, { generator: new L.PhiloxStream(9) });
    expect(closeness(Array.from(w.values), Array.from(dropped.values), 1e-6, 1e-6)).toBeLessThanOrEqual(1);
    expect(closeness(Array.from(y.values), Array.from(dropped.matmul(v).values), 1e-5, 1e-5)).toBeLessThanOrEqual(1);
    expect(Array.from(w.values).some((x) => x === 0)).toBe(true);
  });

  it('isCausal equals an explicit lower-triangular bool mask; errors name the op', () => {
    L.manualSeed(2);
    const q = L.randn([3, 4]), k = L.randn([6, 4]), v = L.randn([6, 2]);
    const a = F.scaledDotProductAttention(q, k, v, { isCausal: true });
    const b = F.scaledDotProductAttention(q, k, v, { attnMask: F.causalMask(3, 6) });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(() => F.scaledDotProductAttention(q, L.randn([6, 3]), v)).toThrow(/scaledDotProductAttention: q float32\[3,4\] and k float32\[6,3\] must have the same feature size/);
    expect(() => F.scaledDotProductAttention(q, k, L.randn([5, 2]))).toThrow(/must have the same length/);
    expect(() => F.scaledDotProductAttention(q, k, v, { attnMask: L.ones([4, 6]) })).toThrow(/attnMask float32\[4,6\] must broadcast to the scores \[3,6\]/);
    expect(() => F.scaledDotProductAttention(q, k, v, { isCausal: true, attnMask: F.causalMask(3, 6) })).toThrow(/not both/);
    expect(() => F.scaledDotProductAttention(q, k, v, { dropoutP: 2 })).toThrow(/dropoutP must be in \[0, 1\]/);
  });
});

describe('nn.MultiheadAttention', () => {
  for (const c of fx.mha) {
    it(`${c.name}: PyTorch's state dict loads unchanged; outputs and gradients match`, () => {
      const m = new nn.MultiheadAttention(8, 2, { ...c.opts, dtype: 'float64' }).eval();
      expect(Object.keys(m.stateDict())).toEqual(Object.keys(c.state));
      m.loadStateDict(stateOf(c.state));
      const q = dec(c.query).requiresGrad_();
      const k = c.self ? q : dec(c.key).requiresGrad_();
      const v = c.self ? q : dec(c.value).requiresGrad_();
      const [y, w] = m.call(q, k, v, {
        attnMask: c.attnMask ? decMask(c.attnMask) : null, keyPaddingMask: c.keyPaddingMask ? dec(c.keyPaddingMask).ne(0) : null,
        needWeights: c.needWeights, averageAttnWeights: c.average,
      });
      const outs = w ? [y, w] : [y];
      expect(outs.length).toBe(c.outputs.length);
      outs.forEach((o, i) => expectClose(o, c.outputs[i], `output ${i}`));
      outs.map((o, i) => o.mul(dec(c.vs[i])).sum()).reduce((a, b) => a.add(b)).backward();
      const inputs = c.self ? [q] : [q, k, v];
      inputs.forEach((t, i) => expectClose(t.grad!, c.gradInputs[i], `grad input ${i}`));
      for (const [name, p] of m.namedParameters()) expectClose(p.grad!, c.paramGrads[name], `grad ${name}`);
    });
  }

  it('isCausal equals the explicit mask; initial biases are zero; errors are clear', () => {
    L.manualSeed(3);
    const m = new nn.MultiheadAttention(6, 3, { batchFirst: true });
    expect(Array.from(m.in_proj_bias!.values).every((x) => x === 0)).toBe(true);
    const x = L.randn([2, 4, 6]);
    const upper = L.tensor([[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 0, 1], [0, 0, 0, 0]]).ne(0);
    const [a] = m.call(x, x, x, { isCausal: true });
    const [b] = m.call(x, x, x, { attnMask: upper });
    expect(closeness(Array.from(a.values), Array.from(b.values), 1e-6, 1e-6)).toBeLessThanOrEqual(1);
    expect(() => new nn.MultiheadAttention(6, 4)).toThrow(/embedDim \(6\) must be divisible by numHeads \(4\)/);
    expect(() => m.call(x, L.randn([2, 4, 5]), x)).toThrow(/MultiheadAttention: key .* must have 6 features/);
    expect(() => m.call(x, x, x, { attnMask: L.ones([3, 3]).ne(0) })).toThrow(/a 2-D attnMask must be \[4,4\]/);
    expect(() => m.call(x, x, x, { keyPaddingMask: L.ones([2, 3]).ne(0) })).toThrow(/keyPaddingMask must be \[2,4\]/);
  });
});

describe('nn.TransformerEncoderLayer', () => {
  for (const c of fx.encoderLayer) {
    it(`${c.name}: matches torch's layer (keys, output, gradients)`, () => {
      const layer = new nn.TransformerEncoderLayer(8, 2, { ...c.opts, dtype: 'float64' }).eval();
      expect(Object.keys(layer.stateDict())).toEqual(Object.keys(c.state));
      layer.loadStateDict(stateOf(c.state));
      const x = dec(c.input).requiresGrad_();
      const y = layer.call(x, c.maskKind === 'causal' ? { isCausal: true } : { srcKeyPaddingMask: dec(c.keyPaddingMask).ne(0) });
      expectClose(y, c.output, 'output');
      y.mul(dec(c.v)).sum().backward();
      expectClose(x.grad!, c.gradInput, 'grad input');
      for (const [name, p] of layer.namedParameters()) expectClose(p.grad!, c.paramGrads[name], `grad ${name}`);
    });
  }

  it('trains: a pre-norm layer lowers a regression loss in a few Adam steps', () => {
    L.manualSeed(4);
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, dropout: 0, normFirst: true, batchFirst: true });
    const x = L.randn([4, 5, 8]);
    const target = x.mul(0.5);
    const opt = new L.optim.Adam(layer.parameters(), { lr: 0.01 });
    const lossAt = () => layer.call(x).sub(target).square().mean();
    const first = lossAt().item();
    for (let i = 0; i < 30; i++) {
      opt.zeroGrad();
      lossAt().backward();
      opt.step();
    }
    expect(lossAt().item()).toBeLessThan(first * 0.5);
  });
});

describe('nn.TransformerEncoder', () => {
  it("2 pre-norm layers and a final norm: torch's keys, output and gradients (causal)", () => {
    const c = fx.encoder;
    const proto = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, normFirst: true, batchFirst: true, dtype: 'float64' });
    const stack = new nn.TransformerEncoder(proto, 2, { norm: new nn.LayerNorm(8, { dtype: 'float64' }) }).eval();
    expect(Object.keys(stack.stateDict())).toEqual(Object.keys(c.state));
    // Copies start from the given layer's weights, as PyTorch's deep copies do.
    expect(Array.from(stack.layers.at(1).linear1.weight.values)).toEqual(Array.from(proto.linear1.weight.values));
    stack.loadStateDict(stateOf(c.state));
    const x = dec(c.input).requiresGrad_();
    const y = stack.call(x, { isCausal: true });
    expectClose(y, c.output, 'output');
    y.mul(dec(c.v)).sum().backward();
    expectClose(x.grad!, c.gradInput, 'grad input');
    for (const [name, p] of stack.namedParameters()) expectClose(p.grad!, c.paramGrads[name], `grad ${name}`);
    expect(() => new nn.TransformerEncoder(new nn.Linear(2, 2) as never, 2)).toThrow(/encoderLayer must be a TransformerEncoderLayer/);
  });
});

describe('positional encodings', () => {
  it("matches the PyTorch tutorial's table, and PositionalEncoding adds it", () => {
    expectClose(nn.sinusoidalPositionalEncoding(7, 6, { dtype: 'float64' }), fx.positional, 'table', 1e-12);
    const pe = new nn.PositionalEncoding(6, { dropout: 0, maxLen: 10, batchFirst: true, dtype: 'float64' });
    expect(Object.keys(pe.stateDict())).toEqual([]);
    const x = L.zeros([2, 7, 6], { dtype: 'float64' });
    const y = pe.call(x);
    expectClose(y.narrow(0, 1, 1).reshape([7, 6]), fx.positional, 'added', 1e-12);
    const seqFirst = new nn.PositionalEncoding(6, { dropout: 0, maxLen: 10 }).call(L.zeros([7, 2, 6]));
    expect(seqFirst.shape).toEqual([7, 2, 6]);
    expect(() => pe.call(L.zeros([1, 11, 6], { dtype: 'float64' }))).toThrow(/sequence length 11 exceeds maxLen 10/);
  });
});

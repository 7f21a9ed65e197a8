/**
 * LSTM, GRU, LSTMCell and GRUCell: outputs and gradients (input, initial states, every
 * weight) against PyTorch 1.13 (test/fixtures/rnn_torch.json, written by
 * test/fixtures/generators/rnn_torch.py, whose weights are loaded through loadStateDict);
 * finite-difference gradchecks through time; state-dict keys; dropout; errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { closeness, hasNative, onBackend } from '../helpers/backends';

interface Enc { shape: number[]; values: number[] }
interface RnnCase {
  kind: 'LSTM' | 'GRU' | 'LSTMCell' | 'GRUCell';
  opts: { inputSize: number; hiddenSize: number } & nn.RNNOptions;
  state: Record<string, Enc>; input: Enc; states: Enc[]; outputs: Enc[]; vs: Enc[];
  gradInput: Enc; gradStates: Enc[]; paramGrads: Record<string, Enc>;
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/rnn_torch.json', import.meta.url), 'utf8')) as {
  cases: Record<string, RnnCase>; keys: Record<string, string[]>;
};

function dec(e: Enc, dtype: L.DType = 'float64'): L.Tensor {
  return L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
}

function expectClose(actual: L.Tensor, expected: Enc, what: string, tol = 1e-9): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  expect(closeness(Array.from(actual.values), expected.values, tol, tol), what).toBeLessThanOrEqual(1);
}

type AnyRnn = nn.LSTM | nn.GRU | nn.LSTMCell | nn.GRUCell;

function build(c: RnnCase): AnyRnn {
  const { inputSize, hiddenSize, ...rest } = c.opts;
  switch (c.kind) {
    case 'LSTM': return new nn.LSTM(inputSize, hiddenSize, rest);
    case 'GRU': return new nn.GRU(inputSize, hiddenSize, rest);
    case 'LSTMCell': return new nn.LSTMCell(inputSize, hiddenSize, { bias: rest.bias });
    case 'GRUCell': return new nn.GRUCell(inputSize, hiddenSize, { bias: rest.bias });
  }
}

/** Runs any of the four modules and flattens its outputs: [output, hN, cN], [output, hN], [h, c] or [h]. */
function runFlat(m: AnyRnn, x: L.Tensor, states: L.Tensor[]): L.Tensor[] {
  if (m instanceof nn.LSTM) {
    const [y, [h, c]] = m.call(x, states.length ? [states[0], states[1]] : undefined);
    return [y, h, c];
  }
  if (m instanceof nn.GRU) {
    const [y, h] = m.call(x, states[0]);
    return [y, h];
  }
  if (m instanceof nn.LSTMCell) return m.call(x, states.length ? [states[0], states[1]] : undefined);
  return [m.call(x, states[0])];
}

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

describe('recurrent layers match PyTorch 1.13', () => {
  for (const backend of backends) {
    for (const [name, c] of Object.entries(fixture.cases)) {
      it(`${name} (${backend}): outputs and gradients w.r.t. input, states and every weight`, () => onBackend(backend, () => {
        const m = build(c).to('float64');
        const sd: Record<string, L.Tensor> = {};
        for (const [k, e] of Object.entries(c.state)) sd[k] = dec(e);
        m.loadStateDict(sd);
        const x = dec(c.input).requiresGrad_();
        const states = c.states.map((s) => dec(s).requiresGrad_());
        const outs = runFlat(m, x, states);
        expect(outs.length).toBe(c.outputs.length);
        outs.forEach((o, i) => expectClose(o, c.outputs[i], `${name} output ${i}`));
        const params = m.namedParameters();
        expect(params.map(([k]) => k).sort()).toEqual(Object.keys(c.paramGrads).sort());
        let total = outs[0].mul(dec(c.vs[0])).sum();
        for (let i = 1; i < outs.length; i++) total = total.add(outs[i].mul(dec(c.vs[i])).sum());
        const grads = L.grad(total, [x, ...states, ...params.map(([, p]) => p)]);
        expectClose(grads[0]!, c.gradInput, `${name} input gradient`);
        states.forEach((_, i) => expectClose(grads[1 + i]!, c.gradStates[i], `${name} initial state ${i} gradient`));
        params.forEach(([k], i) => expectClose(grads[1 + states.length + i]!, c.paramGrads[k], `${name} gradient of ${k}`));
      }));
    }
  }

  it('a float32 LSTM and GRU give the float64 values to float32 accuracy', () => {
    for (const name of ['lstm2BiStates', 'gru2BiStates']) {
      const c = fixture.cases[name];
      const m = build(c);
      const sd: Record<string, L.Tensor> = {};
      for (const [k, e] of Object.entries(c.state)) sd[k] = dec(e, 'float32');
      m.loadStateDict(sd);
      const outs = runFlat(m, dec(c.input, 'float32'), c.states.map((s) => dec(s, 'float32')));
      outs.forEach((o, i) => {
        expect(o.dtype).toBe('float32');
        expectClose(o, c.outputs[i], `${name} float32 output ${i}`, 1e-5);
      });
    }
  });

  it('state-dict keys and their order equal PyTorch\'s', () => {
    expect(Object.keys(new nn.LSTM(4, 3, { numLayers: 2, bidirectional: true }).stateDict())).toEqual(fixture.keys.lstm2Bi);
    expect(Object.keys(new nn.GRU(4, 3, { numLayers: 3, bias: false }).stateDict())).toEqual(fixture.keys.gru3NoBias);
    expect(Object.keys(new nn.LSTMCell(4, 3).stateDict())).toEqual(fixture.keys.lstmCell);
    expect(Object.keys(new nn.GRUCell(4, 3).stateDict())).toEqual(fixture.keys.gruCell);
    const lstm = new nn.LSTM(4, 3, { numLayers: 2, bidirectional: true });
    const sd = lstm.stateDict();
    expect(sd.weight_ih_l0.shape).toEqual([12, 4]);
    expect(sd.weight_ih_l1_reverse.shape).toEqual([12, 6]);
    expect(sd.weight_hh_l1.shape).toEqual([12, 3]);
    expect(sd.bias_hh_l0_reverse.shape).toEqual([12]);
    expect(lstm.allWeights.map((ws) => ws.length)).toEqual([4, 4, 4, 4]);
    expect(new nn.GRU(4, 3).stateDict().weight_ih_l0.shape).toEqual([9, 4]);
  });
});

describe('recurrent layers: behaviour', () => {
  it('default init is U(-1/sqrt(H), 1/sqrt(H)) for every weight and bias', () => {
    L.manualSeed(3);
    const H = 16, bound = 1 / Math.sqrt(H);
    for (const m of [new nn.LSTM(5, H, { numLayers: 2, bidirectional: true }), new nn.GRU(5, H), new nn.LSTMCell(5, H), new nn.GRUCell(5, H)]) {
      for (const [k, p] of m.namedParameters()) {
        const v = Array.from(p.values);
        expect(Math.max(...v.map(Math.abs)), k).toBeLessThanOrEqual(bound);
        expect(Math.max(...v), k).toBeGreaterThan(0.8 * bound);
        expect(Math.min(...v), k).toBeLessThan(-0.8 * bound);
      }
    }
  });

  it('is reproducible under manualSeed', () => {
    L.manualSeed(11);
    const a = new nn.GRU(3, 4, { numLayers: 2 }).stateDict();
    L.manualSeed(11);
    const b = new nn.GRU(3, 4, { numLayers: 2 }).stateDict();
    for (const k of Object.keys(a)) expect(Array.from(b[k].values), k).toEqual(Array.from(a[k].values));
  });

  it('the final states are the last (forward) and first (reverse) time steps of the output', () => {
    L.manualSeed(5);
    const lstm = new nn.LSTM(3, 4, { bidirectional: true, batchFirst: true });
    const x = L.randn([2, 6, 3]);
    const [y, [h]] = lstm.call(x);
    expect(y.shape).toEqual([2, 6, 8]);
    expect(h.shape).toEqual([2, 2, 4]);
    const fwdLast = y.narrow(1, 5, 1).narrow(2, 0, 4).reshape([2, 4]);
    const revFirst = y.narrow(1, 0, 1).narrow(2, 4, 4).reshape([2, 4]);
    expect(closeness(fwdLast.values, h.narrow(0, 0, 1).reshape([2, 4]).values, 0, 0)).toBe(0);
    expect(closeness(revFirst.values, h.narrow(0, 1, 1).reshape([2, 4]).values, 0, 0)).toBe(0);
  });

  it('running a sequence equals stepping its cell with the same weights', () => {
    L.manualSeed(8);
    const gru = new nn.GRU(3, 5);
    const cell = new nn.GRUCell(3, 5);
    cell.loadStateDict({ weight_ih: gru.allWeights[0][0], weight_hh: gru.allWeights[0][1], bias_ih: gru.allWeights[0][2], bias_hh: gru.allWeights[0][3] });
    const x = L.randn([4, 2, 3]);
    let h = L.randn([2, 5]);
    const [y] = gru.call(x, h.reshape([1, 2, 5]));
    for (let t = 0; t < 4; t++) {
      h = cell.call(x.narrow(0, t, 1).reshape([2, 3]), h);
      expect(closeness(h.values, y.narrow(0, t, 1).values, 1e-6, 1e-6)).toBeLessThanOrEqual(1);
    }
  });

  it('dropout acts between layers in training mode only, never after the last layer', () => {
    L.manualSeed(21);
    const x = L.randn([5, 3, 4]);
    const stacked = new nn.LSTM(4, 6, { numLayers: 2, dropout: 0.5 });
    const plain = new nn.LSTM(4, 6, { numLayers: 2 });
    plain.loadStateDict(stacked.stateDict());
    const [evalOut] = stacked.eval().call(x);
    const [ref] = plain.call(x);
    expect(closeness(evalOut.values, ref.values, 0, 0)).toBe(0);
    const [trainOut] = stacked.train().call(x);
    expect(closeness(trainOut.values, ref.values, 1e-4, 1e-4)).toBeGreaterThan(1);

    const single = new nn.GRU(4, 6, { dropout: 0.5 });
    const [a] = single.train().call(x);
    const [b] = single.eval().call(x);
    expect(closeness(a.values, b.values, 0, 0)).toBe(0);
  });

  it('backward through time reaches the first input step and every weight', () => {
    L.manualSeed(2);
    const lstm = new nn.LSTM(3, 4, { numLayers: 2 });
    const x = L.randn([6, 2, 3], { requiresGrad: true });
    const [y] = lstm.call(x);
    y.narrow(0, 5, 1).sum().backward();
    const g0 = x.grad!.narrow(0, 0, 1);
    expect(g0.abs().sum().item()).toBeGreaterThan(0);
    for (const [k, p] of lstm.namedParameters()) expect(p.grad?.abs().sum().item() ?? 0, k).toBeGreaterThan(0);
  });

  it('prints as PyTorch does', () => {
    expect(new nn.LSTM(10, 20, { numLayers: 2, bidirectional: true }).reprTree()).toBe('LSTM(10, 20, numLayers=2, bidirectional=true)');
    expect(new nn.GRU(10, 20, { batchFirst: true, bias: false }).reprTree()).toBe('GRU(10, 20, bias=false, batchFirst=true)');
    expect(new nn.LSTMCell(10, 20).reprTree()).toBe('LSTMCell(10, 20)');
  });
});

describe('recurrent layers: gradcheck through time (float64)', () => {
  it('bidirectional 2-layer LSTM with initial states: input, states and every weight', () => {
    L.manualSeed(31);
    const lstm = new nn.LSTM(2, 2, { numLayers: 2, bidirectional: true }).double();
    const x = L.randn([3, 2, 2], { dtype: 'float64', requiresGrad: true });
    const h0 = L.randn([4, 2, 2], { dtype: 'float64', requiresGrad: true });
    const c0 = L.randn([4, 2, 2], { dtype: 'float64', requiresGrad: true });
    const fn = (xi: L.Tensor, h: L.Tensor, c: L.Tensor): L.Tensor[] => {
      const [y, [hN, cN]] = lstm.call(xi, [h, c]);
      return [y, hN, cN];
    };
    expect(L.gradcheck((xi, h, c) => fn(xi, h, c), [x, h0, c0, ...lstm.parameters()])).toBe(true);
  });

  it('batch-first bidirectional GRU with an initial state: input, state and every weight', () => {
    L.manualSeed(32);
    const gru = new nn.GRU(2, 3, { numLayers: 2, bidirectional: true, batchFirst: true }).double();
    const x = L.randn([2, 3, 2], { dtype: 'float64', requiresGrad: true });
    const h0 = L.randn([4, 2, 3], { dtype: 'float64', requiresGrad: true });
    expect(L.gradcheck((xi, h) => gru.call(xi, h), [x, h0, ...gru.parameters()])).toBe(true);
  });

  it('cells are twice differentiable (gradgradcheck)', () => {
    L.manualSeed(33);
    const lstm = new nn.LSTMCell(2, 2).double();
    const gru = new nn.GRUCell(2, 2).double();
    const x = L.randn([2, 2], { dtype: 'float64', requiresGrad: true });
    const h = L.randn([2, 2], { dtype: 'float64', requiresGrad: true });
    const c = L.randn([2, 2], { dtype: 'float64', requiresGrad: true });
    expect(L.gradgradcheck((xi, hi, ci) => lstm.call(xi, [hi, ci]), [x, h, c])).toBe(true);
    expect(L.gradgradcheck((xi, hi) => gru.call(xi, hi), [x, h])).toBe(true);
  });
});

describe('recurrent layers: errors', () => {
  const lstm = new nn.LSTM(4, 3, { numLayers: 2 });
  const gru = new nn.GRU(4, 3, { batchFirst: true });

  it('bad input rank or feature size throws a ShapeError naming the shapes', () => {
    expect(() => lstm.call(L.randn([4]))).toThrow(L.ShapeError);
    expect(() => lstm.call(L.randn([4]))).toThrow(/LSTM: input must be \[time, batch, features\].*\[4\]/);
    expect(() => lstm.call(L.randn([2, 3, 4, 4]))).toThrow(L.ShapeError);
    expect(() => lstm.call(L.randn([5, 2, 6]))).toThrow(/LSTM: input is .*\[5,2,6\].* inputSize is 4/);
    expect(() => gru.call(L.randn([2, 5]))).toThrow(/GRU: input is .* inputSize is 4/);
    expect(() => gru.call(L.randn([2, 5, 4, 1]))).toThrow(/\[batch, time, features\]/);
    expect(() => new nn.LSTMCell(4, 3).call(L.randn([2, 5]))).toThrow(L.ShapeError);
    expect(() => new nn.GRUCell(4, 3).call(L.randn([2, 2, 4]))).toThrow(L.ShapeError);
    expect(() => lstm.call(L.randn([0, 2, 4]))).toThrow(/no time steps/);
  });

  it('initial states of the wrong shape throw a ShapeError', () => {
    const x = L.randn([5, 2, 4]);
    expect(() => lstm.call(x, [L.zeros([1, 2, 3]), L.zeros([2, 2, 3])])).toThrow(/LSTM: h0 is .*\[1,2,3\].* must be \[2,2,3\]/);
    expect(() => lstm.call(x, [L.zeros([2, 2, 3]), L.zeros([2, 3, 3])])).toThrow(/c0/);
    expect(() => gru.call(L.randn([2, 5, 4]), L.zeros([1, 3, 3]))).toThrow(L.ShapeError);
    expect(() => new nn.GRUCell(4, 3).call(L.randn([2, 4]), L.zeros([2, 4]))).toThrow(/GRUCell: h is/);
    expect(() => lstm.call(x, [L.zeros([2, 2, 3])] as unknown as [L.Tensor, L.Tensor])).toThrow(L.ArgumentError);
  });

  it('dtype mismatches and bad options are clear', () => {
    expect(() => lstm.call(L.randn([5, 2, 4], { dtype: 'float64' }))).toThrow(L.DTypeError);
    expect(() => new nn.LSTM(0, 3)).toThrow(/inputSize must be a positive integer/);
    expect(() => new nn.GRU(4, 3, { numLayers: 1.5 })).toThrow(L.ArgumentError);
    expect(() => new nn.GRU(4, 3, { dropout: 2 })).toThrow(/dropout must be a probability/);
    expect(() => new nn.LSTM(4, 3, { bidirectional: 'yes' as unknown as boolean })).toThrow(/bidirectional must be a boolean/);
  });
});

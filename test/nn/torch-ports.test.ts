/**
 * Ops ported from PyTorch (issue #22, item 6) against PyTorch 1.13's values
 * (test/fixtures/torch_ports.json, written by test/fixtures/generators/torch_ports.py):
 * ConstantLR/PolynomialLR, V-Net soft Dice, Embedding maxNorm, pad, conv paddingMode, nn.RNN,
 * LSTM projSize, maxPool2d returnIndices + maxUnpool2d, adaptiveMaxPool2d. Gradchecks of the
 * new ops run through the registry (test/registry.coverage.test.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn, optim } from '../../src/index';
import { closeness } from '../helpers/backends';

interface Enc { shape: number[]; values: number[] }
/* eslint-disable @typescript-eslint/no-explicit-any */
const fx = JSON.parse(readFileSync(new URL('../fixtures/torch_ports.json', import.meta.url), 'utf8')) as any;

const dec = (e: Enc, dtype: L.DType = 'float64'): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
const decInt = (e: Enc): L.Tensor => L.tensor(Int32Array.from(e.values), { dtype: 'int32' }).reshape(e.shape);

function expectClose(actual: L.Tensor, expected: Enc, what: string, tol = 1e-9): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  expect(closeness(Array.from(actual.values), expected.values, tol, tol), what).toBeLessThanOrEqual(1);
}

/** sum(out * v) over several outputs: the scalar whose gradients the fixture holds. */
const weighted = (outs: L.Tensor[], vs: Enc[]): L.Tensor => outs.map((o, i) => o.mul(dec(vs[i])).sum()).reduce((a, b) => a.add(b));

describe('ConstantLR and PolynomialLR', () => {
  const build: Record<string, (o: optim.SGD) => { step(): void }[]> = {
    ConstantLR_default: (o) => [new optim.ConstantLR(o)],
    ConstantLR_half4: (o) => [new optim.ConstantLR(o, { factor: 0.5, totalIters: 4 })],
    PolynomialLR_default: (o) => [new optim.PolynomialLR(o)],
    PolynomialLR_6_pow2: (o) => [new optim.PolynomialLR(o, { totalIters: 6, power: 2 })],
    Constant_then_Exponential_chained: (o) => [new optim.ConstantLR(o, { factor: 0.25, totalIters: 3 }), new optim.ExponentialLR(o, { gamma: 0.9 })],
    Polynomial_chained_Exponential: (o) => [new optim.PolynomialLR(o, { totalIters: 4, power: 0.5 }), new optim.ExponentialLR(o, { gamma: 0.8 })],
  };
  for (const [name, make] of Object.entries(build)) {
    it(`${name} matches torch step for step`, () => {
      const opt = new optim.SGD([{ params: [L.zeros([1]).requiresGrad_()] }, { params: [L.zeros([1]).requiresGrad_()], lr: 0.05 }], { lr: 0.1 });
      const scheds = make(opt);
      const lrs = [opt.paramGroups.map((g) => g.lr)];
      for (let i = 0; i < 10; i++) {
        for (const s of scheds) s.step();
        lrs.push(opt.paramGroups.map((g) => g.lr));
      }
      const want = fx.schedules[name] as number[][];
      lrs.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - want[i][j]), `${name} step ${i} group ${j}`).toBeLessThanOrEqual(1e-12)));
    });
  }

  it('closed forms (step(epoch)) agree with the recursion, and options are checked', () => {
    const opt = new optim.SGD([L.zeros([1]).requiresGrad_()], { lr: 1 });
    const poly = new optim.PolynomialLR(opt, { totalIters: 5, power: 3 });
    poly.step(2);
    expect(opt.paramGroups[0].lr).toBeCloseTo((1 - 2 / 5) ** 3, 12);
    const opt2 = new optim.SGD([L.zeros([1]).requiresGrad_()], { lr: 1 });
    const c = new optim.ConstantLR(opt2, { factor: 0.2, totalIters: 3 });
    c.step(5);
    expect(opt2.paramGroups[0].lr).toBe(1);
    expect(() => new optim.ConstantLR(opt2, { factor: 1.5 })).toThrow(/ConstantLR: factor must be in \[0, 1\], got 1.5/);
    expect(() => new optim.PolynomialLR(opt2, { totalIters: 0 })).toThrow(/PolynomialLR: totalIters must be an integer >= 1/);
    expect(() => new optim.PolynomialLR(opt2, { power: -1 })).toThrow(/power must be >= 0/);
  });
});

describe('softDiceLoss squaredDenominator (V-Net)', () => {
  it('matches the formula differentiated by torch', () => {
    const d = fx.diceSquared;
    const p = dec(d.input).requiresGrad_();
    const loss = L.softDiceLoss(p, decInt(d.labels), { squaredDenominator: true });
    expect(loss.item()).toBeCloseTo(d.loss, 12);
    loss.backward();
    expectClose(p.grad!, d.grad, 'grad');
    const plain = L.softDiceLoss(p, decInt(d.labels)).item();
    expect(Math.abs(plain - d.loss)).toBeGreaterThan(1e-3);
    expect(() => L.softDiceLoss(p, decInt(d.labels), { squaredDenominator: 1 as never })).toThrow(/softDiceLoss: squaredDenominator must be a boolean/);
  });
});

describe('Embedding maxNorm', () => {
  for (const name of ['l2', 'l1']) {
    it(`renormalises looked-up rows in place as torch does (${name})`, () => {
      const c = fx.embeddingMaxNorm[name];
      const e = nn.Embedding.fromPretrained(dec(c.weight), { freeze: false, maxNorm: 1, normType: c.normType });
      const y = e.call(decInt(c.indices));
      expectClose(y, c.output, 'output', 1e-12);
      expectClose(e.weight, c.weightAfter, 'weight after', 1e-12);
    });
  }
  it('checks its options', () => {
    expect(() => new nn.Embedding(3, 2, { maxNorm: 0 })).toThrow(/Embedding: maxNorm must be a positive number, got 0/);
    expect(() => new nn.Embedding(3, 2, { maxNorm: 1, normType: -2 })).toThrow(/normType must be a positive number/);
  });
});

describe('pad', () => {
  it('matches F.pad in every mode, values and gradients', () => {
    for (const c of fx.pad) {
      const x = dec(c.input).requiresGrad_();
      const y = L.pad(x, c.pads, { mode: c.mode, value: c.value });
      expectClose(y, c.output, `${c.mode} ${c.pads} output`, 1e-12);
      y.mul(dec(c.v)).sum().backward();
      expectClose(x.grad!, c.grad, `${c.mode} ${c.pads} grad`, 1e-12);
    }
  });
  it('names the op, mode and sizes in its errors', () => {
    const x = L.randn([1, 1, 3, 3]);
    expect(() => L.pad(x, [3, 0], { mode: 'reflect' })).toThrow(/pad: mode 'reflect' pads dim 3 of size 3 by \(3, 0\); each pad must be < the size/);
    expect(() => L.pad(x, [4, 0], { mode: 'circular' })).toThrow(/<= the size/);
    expect(() => L.pad(x, [1], { mode: 'replicate' })).toThrow(/pads must be an even-length list/);
    expect(() => L.pad(x, [1, 1, 1, 1, 1, 1, 1, 1], { mode: 'replicate' })).toThrow(/pads at most the last 3 dims/);
    expect(() => L.pad(x, [1, 1], { mode: 'wrap' as never })).toThrow(/mode must be one of/);
    expect(() => L.pad(x, [1, 1], { mode: 'reflect', value: 2 })).toThrow(/value applies to mode 'constant' only/);
    expect(L.pad(x, [0, 0]).shape).toEqual([1, 1, 3, 3]);
  });
});

describe('Conv paddingMode', () => {
  it("matches torch's Conv1d/Conv2d padding_mode (reflect, replicate, circular)", () => {
    for (const c of fx.convPaddingMode) {
      const opts = { ...c.opts, paddingMode: c.mode, dtype: 'float64' as const };
      delete opts.kernelSize;
      const conv = c.dims === 2 ? new nn.Conv2d(2, 3, c.kernelSize, opts) : new nn.Conv1d(2, 3, c.kernelSize, opts);
      conv.loadStateDict(Object.fromEntries(Object.entries(c.state as Record<string, Enc>).map(([k, v]) => [k, dec(v)])));
      const x = dec(c.input).requiresGrad_();
      const y = conv.call(x);
      expectClose(y, c.output, `${c.dims}d ${c.mode} output`);
      y.mul(dec(c.v)).sum().backward();
      expectClose(x.grad!, c.gradInput, `${c.dims}d ${c.mode} grad input`);
      expectClose(conv.weight.grad!, c.gradWeight, `${c.dims}d ${c.mode} grad weight`);
      expect(conv.toString()).toContain(`paddingMode='${c.mode}'`);
    }
    expect(() => new nn.Conv2d(1, 1, 3, { paddingMode: 'mirror' as never })).toThrow(/Conv2d: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular'/);
  });
});

describe('nn.RNN and LSTM projSize', () => {
  for (const [name, c] of Object.entries(fx.recurrent as Record<string, any>)) {
    it(`${name}: outputs and every gradient match torch`, () => {
      const { inputSize, hiddenSize, ...rest } = c.opts;
      const m = c.kind === 'RNN' ? new nn.RNN(inputSize, hiddenSize, { ...rest, dtype: 'float64' }) : new nn.LSTM(inputSize, hiddenSize, { ...rest, dtype: 'float64' });
      expect(Object.keys(m.stateDict())).toEqual(Object.keys(c.state));
      m.loadStateDict(Object.fromEntries(Object.entries(c.state as Record<string, Enc>).map(([k, v]) => [k, dec(v)])));
      const x = dec(c.input).requiresGrad_();
      const states = (c.states as Enc[]).map((s) => dec(s).requiresGrad_());
      let outs: L.Tensor[];
      if (m instanceof nn.LSTM) {
        const [y, [h, cc]] = m.call(x, states.length ? [states[0], states[1]] : undefined);
        outs = [y, h, cc];
      } else {
        const [y, h] = m.call(x, states[0]);
        outs = [y, h];
      }
      outs.forEach((o, i) => expectClose(o, c.outputs[i], `output ${i}`));
      weighted(outs, c.vs).backward();
      expectClose(x.grad!, c.gradInput, 'grad input');
      states.forEach((s, i) => expectClose(s.grad!, c.gradStates[i], `grad state ${i}`));
      for (const [k, p] of m.namedParameters()) expectClose(p.grad!, c.paramGrads[k], `grad ${k}`);
    });
  }
  it('checks the new options', () => {
    expect(() => new nn.RNN(2, 3, { nonlinearity: 'gelu' as never })).toThrow(/RNN: nonlinearity must be 'tanh' or 'relu'/);
    expect(() => new nn.LSTM(2, 3, { nonlinearity: 'relu' })).toThrow(/LSTM: nonlinearity applies to nn.RNN only/);
    expect(() => new nn.LSTM(2, 3, { projSize: 3 })).toThrow(/projSize \(3\) must be smaller than hiddenSize \(3\)/);
    expect(() => new nn.GRU(2, 3, { projSize: 1 })).toThrow(/GRU: projSize applies to nn.LSTM only/);
    const lstm = new nn.LSTM(2, 4, { projSize: 2 });
    expect(() => lstm.call(L.randn([3, 1, 2]), [L.zeros([1, 1, 4]), L.zeros([1, 1, 4])])).toThrow(/h0 is float32\[1,1,4\] but must be \[1,1,2\] \(\[numLayers·directions, batch, projSize\]\)/);
    expect(new nn.RNN(2, 3, { nonlinearity: 'relu' }).toString()).toContain("RNN(2, 3, nonlinearity='relu')");
  });
});

describe('maxPool2d returnIndices and maxUnpool2d', () => {
  it('returns torch’s indices, and maxUnpool2d matches max_unpool2d (values, gradient)', () => {
    for (const c of fx.maxPoolIndices) {
      const x = dec(c.input);
      const [y, idx] = L.maxPool2d(x, c.kernel, { stride: c.stride, padding: c.padding, returnIndices: true });
      expectClose(y, c.output, 'pooled', 0);
      expect(Array.from(idx.values)).toEqual(c.indices.values);
      expect(idx.dtype).toBe('int32');
      const yv = dec(c.output).requiresGrad_();
      const u = L.maxUnpool2d(yv, decInt(c.indices), c.kernel, { stride: c.stride, padding: c.padding, outputSize: c.outputSize ?? undefined });
      expectClose(u, c.unpooled, 'unpooled', 0);
      u.mul(dec(c.v)).sum().backward();
      // Where two windows chose one position, torch sends the gradient to both; the value is
      // written once here, so only its first writer gets it (the exact adjoint).
      const seen = new Set<string>();
      const planeSize = c.output.shape.slice(-2).reduce((a: number, b: number) => a * b, 1);
      (c.indices.values as number[]).forEach((p, k) => {
        const key = `${Math.floor(k / planeSize)}:${p}`;
        const got = yv.grad!.values[k];
        if (seen.has(key)) expect(Math.abs(got)).toBe(0);
        else expect(Math.abs(got - c.gradUnpool.values[k])).toBeLessThanOrEqual(1e-12);
        seen.add(key);
      });
    }
  });
  it('nn.MaxUnpool2d inverts nn.MaxPool2d positions; errors name the op', () => {
    const x = L.randn([1, 1, 4, 4]);
    const [y, idx] = nn.functional.maxPool2d(x, 2, { returnIndices: true });
    const back = new nn.MaxUnpool2d(2).call(y, idx);
    expect(back.shape).toEqual([1, 1, 4, 4]);
    expect(back.sum().item()).toBeCloseTo(y.sum().item(), 5);
    expect(() => L.maxUnpool2d(y, idx.to('float32'), 2)).toThrow(/maxUnpool2d: indices must be int32/);
    expect(() => L.maxUnpool2d(y, idx, 2, { outputSize: [9, 9] })).toThrow(/outputSize \[9, 9\] must be within a stride/);
    expect(() => L.maxUnpool2d(y, L.tensor([[[[0, 1], [2, 99]]]], { dtype: 'int32' }), 2)).toThrow(/index 99 .* out of range for an output plane of 4x4/);
  });
});

describe('adaptiveMaxPool2d', () => {
  it('matches adaptive_max_pool2d: values, indices, gradient; nn.AdaptiveMaxPool2d', () => {
    for (const c of fx.adaptiveMaxPool) {
      const x = dec(c.input).requiresGrad_();
      const [y, idx] = L.adaptiveMaxPool2d(x, c.outputSize, { returnIndices: true });
      expectClose(y, c.output, 'output', 0);
      expect(Array.from(idx.values)).toEqual(c.indices.values);
      y.mul(dec(c.v)).sum().backward();
      expectClose(x.grad!, c.grad, 'grad', 1e-12);
      expectClose(new nn.AdaptiveMaxPool2d(c.outputSize).call(dec(c.input)), c.output, 'module', 0);
    }
    expect(() => L.adaptiveMaxPool2d(L.randn([2, 3]), 1)).toThrow(/adaptiveMaxPool2d: x must be \[N,C,H,W\] or \[C,H,W\]/);
    expect(() => L.adaptiveMaxPool2d(L.randn([1, 2, 3]), 0)).toThrow(/outputSize must be a positive integer/);
  });
});

describe('interpolate', () => {
  it('matches F.interpolate (nearest, linear, bilinear, bicubic; alignCorners; size and scaleFactor): values and gradients', () => {
    for (const c of fx.interpolate) {
      const x = dec(c.input).requiresGrad_();
      const y = L.interpolate(x, c.opts);
      expectClose(y, c.output, `${JSON.stringify(c.opts)} output`, 1e-12);
      y.mul(dec(c.v)).sum().backward();
      expectClose(x.grad!, c.grad, `${JSON.stringify(c.opts)} grad`, 1e-12);
    }
  });
  it('checks its arguments, naming the op', () => {
    const x = L.randn([1, 1, 4, 4]);
    expect(() => L.interpolate(x, { size: 3, scaleFactor: 2 })).toThrow(/interpolate: give exactly one of size and scaleFactor/);
    expect(() => L.interpolate(x, { size: 3, mode: 'linear' })).toThrow(/mode 'linear' does not apply to 2-D input/);
    expect(() => L.interpolate(x, { size: 3, alignCorners: true })).toThrow(/alignCorners applies to the linear and cubic modes/);
    expect(() => L.interpolate(x, { size: [3] })).toThrow(/size must be a positive integer or a list of 2/);
    expect(() => L.interpolate(L.randn([4, 4]), { size: 3 })).toThrow(/x must be \[N, C, L\], \[N, C, H, W\] or \[N, C, D, H, W\]/);
    expect(() => L.interpolate(x, { size: 3, mode: 'area', alignCorners: true })).toThrow(/alignCorners applies to the linear and cubic modes, not 'area'/);
    expect(() => new L.nn.Upsample({ size: 3, mode: 'nearest-exact', alignCorners: false })).toThrow(/not 'nearest-exact'/);
    expect(L.interpolate(x, { size: 4 }).shape).toEqual([1, 1, 4, 4]);
  });
});

describe('affineGrid and gridSample', () => {
  it('match F.affine_grid / F.grid_sample: grid, output, and gradients for x and theta', () => {
    for (const c of fx.gridSample) {
      const what = `${c.mode} ${c.paddingMode} alignCorners=${c.alignCorners}`;
      const theta = dec(c.theta).requiresGrad_(), x = dec(c.input).requiresGrad_();
      const grid = L.affineGrid(theta, c.size, { alignCorners: c.alignCorners });
      expectClose(grid, c.grid, `${what} grid`, 1e-12);
      const y = L.gridSample(x, grid, { mode: c.mode, paddingMode: c.paddingMode, alignCorners: c.alignCorners });
      expectClose(y, c.output, `${what} output`, 1e-12);
      y.mul(dec(c.v)).sum().backward();
      expectClose(x.grad!, c.gradInput, `${what} grad x`, 1e-12);
      // Nearest sampling is flat in the grid: torch's gradient is zeros, here none reaches theta.
      expectClose(theta.grad ?? L.zeros([2, 2, 3], { dtype: 'float64' }), c.gradTheta, `${what} grad theta`, 1e-9);
      if (c.mode === 'bilinear') expect(theta.grad).not.toBeNull();
    }
  });
  it('checks its arguments, naming the op', () => {
    const x = L.randn([1, 1, 4, 4]);
    expect(() => L.gridSample(x, L.randn([2, 3, 3, 2]))).toThrow(/gridSample: grid must be \[1, Ho, Wo, 2\]/);
    expect(() => L.gridSample(x, L.randn([1, 3, 3, 2]), { paddingMode: 'reflection' as never })).toThrow(/paddingMode must be 'zeros' or 'border'/);
    expect(() => L.affineGrid(L.randn([1, 3, 3]), [1, 1, 4, 4])).toThrow(/affineGrid: theta must be \[1,2,3\]/);
  });
});

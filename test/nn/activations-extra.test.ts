/**
 * The extra activations (nn/activations-extra.ts, nn/layers/activation-extra.ts) against PyTorch 2.13:
 * test/fixtures/activations_extra_torch.json, written by
 * test/fixtures/generators/activations_extra_fixtures.py, holds per case the input (with every
 * kink placed exactly in it), the output and the gradient of sum(out · r). Both the functional and
 * the module form are checked, in float64 and float32, on the native and the reference backend.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { closeness, hasNative, onBackend } from '../helpers/backends';
import { leafAway } from '../helpers/gradcheck';

const F = nn.functional;

interface Enc { shape: number[]; values: number[] }
interface Case {
  options: Record<string, number>; kinks: number[]; input: Enc; output: Enc; r: Enc; gradInput: Enc;
  weight?: Enc; gradWeight?: Enc;
}
interface AlphaValues { zeroDropped: number; zeroKept: number; oneDropped: number; oneKept: number }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/activations_extra_torch.json', import.meta.url), 'utf8')) as {
  torch: string; cases: Record<string, Case>; alphaDropout: Record<string, AlphaValues>; alphaDropoutP1: Enc;
};

type Dt = 'float32' | 'float64';
const dec = (e: Enc, dtype: Dt = 'float64'): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);

/** Per case: the functional form (w: PReLU's weight) and the module that computes it. */
const BUILD: Record<string, { fn: (x: L.Tensor, w?: L.Tensor) => L.Tensor; module: (dtype: Dt) => nn.Module }> = {
  selu: { fn: (x) => F.selu(x), module: () => new nn.SELU() },
  celu: { fn: (x) => F.celu(x), module: () => new nn.CELU() },
  celuAlpha05: { fn: (x) => F.celu(x, 0.5), module: () => new nn.CELU(0.5) },
  mish: { fn: (x) => F.mish(x), module: () => new nn.Mish() },
  hardswish: { fn: (x) => F.hardswish(x), module: () => new nn.Hardswish() },
  hardsigmoid: { fn: (x) => F.hardsigmoid(x), module: () => new nn.Hardsigmoid() },
  hardtanh: { fn: (x) => F.hardtanh(x), module: () => new nn.Hardtanh() },
  hardtanhMinus2To3: { fn: (x) => F.hardtanh(x, -2, 3), module: () => new nn.Hardtanh(-2, 3) },
  softsign: { fn: (x) => F.softsign(x), module: () => new nn.Softsign() },
  logSigmoid: { fn: (x) => F.logSigmoid(x), module: () => new nn.LogSigmoid() },
  tanhshrink: { fn: (x) => F.tanhshrink(x), module: () => new nn.Tanhshrink() },
  softshrink: { fn: (x) => F.softshrink(x), module: () => new nn.Softshrink() },
  softshrink03: { fn: (x) => F.softshrink(x, 0.3), module: () => new nn.Softshrink(0.3) },
  hardshrink: { fn: (x) => F.hardshrink(x), module: () => new nn.Hardshrink() },
  hardshrink03: { fn: (x) => F.hardshrink(x, 0.3), module: () => new nn.Hardshrink(0.3) },
  threshold: { fn: (x) => F.threshold(x, 0.1, 20), module: () => new nn.Threshold(0.1, 20) },
  glu: { fn: (x) => F.glu(x), module: () => new nn.GLU() },
  gluDim1: { fn: (x) => F.glu(x, 1), module: () => new nn.GLU(1) },
  softmin: { fn: (x) => F.softmin(x, 1), module: () => new nn.Softmin(1) },
  softminLast: { fn: (x) => F.softmin(x, -1), module: () => new nn.Softmin(-1) },
  prelu: { fn: (x, w) => F.prelu(x, w!), module: (dtype) => new nn.PReLU({ dtype }) },
  preluChannels: { fn: (x, w) => F.prelu(x, w!), module: (dtype) => new nn.PReLU({ numParameters: 3, dtype }) },
  prelu2d: { fn: (x, w) => F.prelu(x, w!), module: (dtype) => new nn.PReLU({ numParameters: 3, dtype }) },
};

const TOL: Record<Dt, { atol: number; rtol: number }> = { float64: { atol: 1e-14, rtol: 1e-12 }, float32: { atol: 1e-6, rtol: 1e-6 } };

/** Worst errors against PyTorch per dtype, over every compared value: absolute, and relative where |torch| >= 1e-3. */
const worst: Record<Dt, { abs: number; rel: number; where: string }> = { float64: { abs: 0, rel: 0, where: '' }, float32: { abs: 0, rel: 0, where: '' } };

function expectClose(actual: L.Tensor, expected: Enc, dtype: Dt, what: string): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  expect(actual.dtype).toBe(dtype);
  const a = Array.from(actual.values);
  const { atol, rtol } = TOL[dtype];
  expect(closeness(a, expected.values, atol, rtol), what).toBeLessThanOrEqual(1);
  for (let i = 0; i < a.length; i++) {
    const b = expected.values[i], d = Math.abs(a[i] - b);
    if (Number.isNaN(d)) continue;
    worst[dtype].abs = Math.max(worst[dtype].abs, d);
    if (Math.abs(b) >= 1e-3 && d / Math.abs(b) > worst[dtype].rel) { worst[dtype].rel = d / Math.abs(b); worst[dtype].where = `${what}[${i}]`; }
  }
}

/**
 * PyTorch's CPU hardsigmoid backward multiplies by 1/6 rounded to float32 (0.1666666716...), in
 * float64 too: Lattice keeps the exact 1/6, so torch's float64 gradient is rescaled by
 * (1/6) / fround(1/6) before the comparison.
 */
function exactSixth(e: Enc): Enc {
  return { shape: e.shape, values: e.values.map((v) => (v / Math.fround(1 / 6)) / 6) };
}

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

describe(`extra activations match PyTorch (fixtures from torch ${fixture.torch})`, () => {
  it('covers every fixture case, and each case holds its kinks exactly', () => {
    expect(Object.keys(BUILD).sort()).toEqual(Object.keys(fixture.cases).sort());
    for (const [name, c] of Object.entries(fixture.cases)) {
      for (const k of c.kinks) expect(c.input.values, `${name} kink ${k}`).toContain(k);
    }
  });

  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      for (const [name, c] of Object.entries(fixture.cases)) {
        it(`${name}: functional and module, values and gradients (${backend}, ${dtype})`, () => onBackend(backend, () => {
          const b = BUILD[name];
          // functional
          const x = dec(c.input, dtype).requiresGrad_();
          const w = c.weight ? dec(c.weight, dtype).requiresGrad_() : undefined;
          const y = b.fn(x, w);
          expectClose(y, c.output, dtype, `${name} output`);
          const grads = L.grad(y.mul(dec(c.r, dtype)).sum(), w ? [x, w] : [x]);
          expectClose(grads[0]!, name === 'hardsigmoid' ? exactSixth(c.gradInput) : c.gradInput, dtype, `${name} input gradient`);
          if (w) expectClose(grads[1]!, c.gradWeight!, dtype, `${name} weight gradient`);
          // module
          const m = b.module(dtype);
          if (c.weight) m.loadStateDict({ weight: dec(c.weight, dtype) });
          const x2 = dec(c.input, dtype).requiresGrad_();
          const y2 = m.call(x2);
          expect(Array.from(y2.values), `${name} module output`).toEqual(Array.from(y.values));
          const params = m.parameters();
          const g2 = L.grad(y2.mul(dec(c.r, dtype)).sum(), [x2, ...params]);
          expect(Array.from(g2[0]!.values)).toEqual(Array.from(grads[0]!.values));
          if (w) expect(Array.from(g2[1]!.values)).toEqual(Array.from(grads[1]!.values));
        }));
      }
    }
  }

  afterAll(() => {
    // The worst relative errors, for the record (the assertions above bound them).
    for (const dt of ['float64', 'float32'] as const) {
      console.log(`worst ${dt} error vs PyTorch: abs ${worst[dt].abs.toExponential(2)}, rel ${worst[dt].rel.toExponential(2)} (${worst[dt].where})`);
    }
  });
});

describe("gradients at the kinks are PyTorch's", () => {
  const g = (fn: (x: L.Tensor) => L.Tensor, xs: number[]): number[] => {
    const x = L.tensor(xs, { dtype: 'float64', requiresGrad: true });
    fn(x).sum().backward();
    return Array.from(x.grad!.values);
  };
  it('one-sided choices', () => {
    expect(g(F.hardtanh, [-1, 1, 0.5])).toEqual([0, 0, 1]);
    expect(g((x) => F.hardtanh(x, -2, 3), [-2, 3])).toEqual([0, 0]);
    expect(g(F.hardsigmoid, [-3, 3, 0])).toEqual([0, 0, 1 / 6]);
    expect(g(F.hardswish, [-3, 3, 0])).toEqual([0, 1, 0.5]);
    expect(g((x) => F.softshrink(x, 0.3), [-0.3, 0.3, 1])).toEqual([0, 0, 1]);
    expect(g((x) => F.hardshrink(x, 0.3), [-0.3, 0.3, 1])).toEqual([0, 0, 1]);
    expect(g((x) => F.threshold(x, 0.1, 20), [0.1, 0.2])).toEqual([0, 1]);
    expect(g(F.selu, [0])[0]).toBeCloseTo(1.7580993408473766, 15);
    expect(g((x) => F.celu(x, 0.5), [0])).toEqual([1]);
    expect(g(F.logSigmoid, [0])).toEqual([0.5]);
    expect(g(F.softsign, [0])).toEqual([1]);
    expect(g((x) => F.prelu(x, L.tensor([0.25], { dtype: 'float64' })), [0, -1])).toEqual([0.25, 0.25]);
  });

  it('NaN as PyTorch: passes through, with the gradient PyTorch gives', () => {
    for (const [fn, grad] of [[F.hardtanh, 1], [F.hardsigmoid, 0], [F.hardswish, 1], [F.softshrink, 1], [F.hardshrink, 1], [(x: L.Tensor) => F.threshold(x, 0.1, 20), 1]] as const) {
      const x = L.tensor([NaN], { dtype: 'float64', requiresGrad: true });
      const y = fn(x);
      expect(Number.isNaN(y.values[0])).toBe(true);
      y.sum().backward();
      expect(x.grad!.values[0]).toBe(grad);
    }
  });
});

describe('gradcheck away from the kinks (float64)', () => {
  const cases: [string, (x: L.Tensor) => L.Tensor, number[]][] = [
    ['selu', F.selu, [0]], ['celu', (x) => F.celu(x, 0.7), [0]], ['mish', F.mish, []],
    ['hardswish', F.hardswish, [-3, 3]], ['hardsigmoid', F.hardsigmoid, [-3, 3]], ['hardtanh', (x) => F.hardtanh(x, -1.5, 2), [-1.5, 2]],
    ['softsign', F.softsign, [0]], ['logSigmoid', F.logSigmoid, [0]], ['tanhshrink', F.tanhshrink, []],
    ['softshrink', (x) => F.softshrink(x, 0.4), [-0.4, 0.4]], ['hardshrink', (x) => F.hardshrink(x, 0.4), [-0.4, 0.4]],
    ['threshold', (x) => F.threshold(x, 0.2, -3), [0.2]], ['glu', (x) => F.glu(x, 1), []], ['softmin', (x) => F.softmin(x, 1), []],
    ['prelu', (x) => F.prelu(x, L.tensor([0.2, -0.3], { dtype: 'float64' })), [0]],
  ];
  for (const [name, fn, kinks] of cases) {
    it(name, () => {
      L.manualSeed(7);
      expect(L.gradcheck(fn, [leafAway([3, 2, 4], kinks, 0.05, 2.5)])).toBe(true);
    });
  }
  it('prelu, in its weight too', () => {
    L.manualSeed(8);
    const w = L.tensor([0.2, -0.3, 0.5], { dtype: 'float64', requiresGrad: true });
    expect(L.gradcheck((x, ww) => F.prelu(x, ww), [leafAway([2, 3, 4], [0]), w])).toBe(true);
  });
  it('the compositions differentiate twice', () => {
    L.manualSeed(9);
    for (const fn of [F.selu, F.mish, F.logSigmoid, F.softsign, F.tanhshrink, (x: L.Tensor) => F.glu(x, -1)]) {
      expect(L.gradgradcheck(fn, [leafAway([2, 4], [0])])).toBe(true);
    }
  });
});

describe('AlphaDropout', () => {
  const ALPHA_PRIME = -1.7580993408473766;
  const constants = (p: number): [number, number] => {
    const a = 1 / Math.sqrt((1 - p) * (1 + p * ALPHA_PRIME * ALPHA_PRIME));
    return [a, -a * ALPHA_PRIME * p];
  };

  it('is the identity in eval mode, for p = 0 and with training: false', () => {
    const x = L.randn([10]);
    const d = new nn.AlphaDropout(0.3);
    expect(d.eval().call(x)).toBe(x);
    expect(new nn.AlphaDropout(0).call(x)).toBe(x);
    expect(F.alphaDropout(x, 0.3, { training: false })).toBe(x);
    expect(new nn.AlphaDropout().p).toBe(0.5);
  });

  it('p = 1 gives zeros with a zero gradient, as PyTorch', () => {
    const x = L.ones([5], { dtype: 'float64', requiresGrad: true });
    const y = F.alphaDropout(x, 1);
    expect(Array.from(y.values)).toEqual(fixture.alphaDropoutP1.values);
    y.sum().backward();
    expect(Array.from(x.grad!.values)).toEqual([0, 0, 0, 0, 0]);
  });

  it("gives PyTorch's two values for x = 0 and x = 1 (its a and b)", () => {
    for (const [pText, v] of Object.entries(fixture.alphaDropout)) {
      const p = Number(pText);
      L.manualSeed(3);
      const at0 = [...new Set(Array.from(F.alphaDropout(L.zeros([2000], { dtype: 'float64' }), p).values))].sort((a, b) => a - b);
      const at1 = [...new Set(Array.from(F.alphaDropout(L.ones([2000], { dtype: 'float64' }), p).values))].sort((a, b) => a - b);
      expect(closeness(at0, [v.zeroDropped, v.zeroKept], 1e-15, 1e-14), `p=${p} at 0`).toBeLessThanOrEqual(1);
      expect(closeness(at1, [v.oneDropped, v.oneKept], 1e-15, 1e-14), `p=${p} at 1`).toBeLessThanOrEqual(1);
    }
  });

  it('is a (x·m + alpha\'(1-m)) + b with m = rand >= p from the stream, and its gradient is a·m', () => {
    const p = 0.3, [a, b] = constants(p);
    const x = L.randn([500], { dtype: 'float64', requiresGrad: true });
    const gen = new L.PhiloxStream(123);
    const y = F.alphaDropout(x, p, { generator: gen });
    const u = L.rand([500], { dtype: 'float64', generator: new L.PhiloxStream(123) }).values;
    const xv = x.values, yv = y.values;
    for (let i = 0; i < 500; i++) {
      const m = u[i] >= p ? 1 : 0;
      expect(yv[i]).toBeCloseTo(a * (xv[i] * m + ALPHA_PRIME * (1 - m)) + b, 12);
    }
    y.sum().backward();
    const g = x.grad!.values;
    for (let i = 0; i < 500; i++) expect(g[i]).toBeCloseTo(u[i] >= p ? a : 0, 14);
  });

  it('keeps the mean and variance of SELU-distributed inputs (100k values)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      L.manualSeed(5);
      // selu(N(0, 1)) has mean 0 and variance 1: SELU's fixed point.
      const x = F.selu(L.randn([100_000], { dtype: 'float64' })).to(dtype);
      expect(Math.abs(x.mean().item())).toBeLessThan(0.02);
      expect(Math.abs(x.std().item() - 1)).toBeLessThan(0.02);
      for (const p of [0.05, 0.2, 0.5]) {
        const d = new nn.AlphaDropout(p);
        L.manualSeed(6);
        const y = d.call(x);
        expect(y.dtype).toBe(dtype);
        expect(Math.abs(y.mean().item()), `${dtype} p=${p} mean`).toBeLessThan(0.02);
        expect(Math.abs(y.std().item() - 1), `${dtype} p=${p} std`).toBeLessThan(0.02);
        let dropped = 0;
        const dv = constants(p)[0] * ALPHA_PRIME + constants(p)[1];
        const round = dtype === 'float32' ? Math.fround : (v: number): number => v;
        for (const v of y.values) if (Math.abs(v - round(dv)) < 1e-6 && v !== 0) dropped++;
        expect(Math.abs(dropped / 100_000 - p), `${dtype} p=${p} drop rate`).toBeLessThan(0.01);
      }
    }
  });

  it('a seed gives the same output on the native and the reference backend', () => {
    const draw = (): number[] => { L.manualSeed(42); return Array.from(F.alphaDropout(L.ones([1001]), 0.4).values); };
    const ref = onBackend('reference', draw);
    if (hasNative()) expect(onBackend('native', draw)).toEqual(ref);
    const withGen = (): number[] => Array.from(F.alphaDropout(L.ones([300], { dtype: 'float64' }), 0.2, { generator: new L.PhiloxStream(9) }).values);
    const refGen = onBackend('reference', withGen);
    if (hasNative()) expect(onBackend('native', withGen)).toEqual(refGen);
    L.manualSeed(43);
    expect(Array.from(F.alphaDropout(L.ones([1001]), 0.4).values)).not.toEqual(ref);
  });

  it('rejects p outside [0, 1] and non-float inputs', () => {
    expect(() => new nn.AlphaDropout(1.5)).toThrow(L.ArgumentError);
    expect(() => new nn.AlphaDropout(1.5)).toThrow(/AlphaDropout: p must be a probability in \[0, 1\], got 1.5/);
    expect(() => F.alphaDropout(L.ones([2]), -0.1)).toThrow(/alphaDropout: p must be a probability/);
    expect(() => F.alphaDropout(L.ones([2], { dtype: 'int32' }), 0.5)).toThrow(L.DTypeError);
  });
});

describe('PReLU', () => {
  it('has a weight Parameter of shape [numParameters], 0.25 by default, in parameters() and stateDict()', () => {
    const m = new nn.PReLU();
    expect(m.weight).toBeInstanceOf(nn.Parameter);
    expect(m.weight.shape).toEqual([1]);
    expect(Array.from(m.weight.values)).toEqual([0.25]);
    expect(m.parameters()).toEqual([m.weight]);
    expect(Object.keys(m.stateDict())).toEqual(['weight']);
    const c = new nn.PReLU({ numParameters: 4, init: 0.1, dtype: 'float64' });
    expect(c.weight.shape).toEqual([4]);
    expect(c.weight.dtype).toBe('float64');
    expect(Array.from(c.weight.values)).toEqual([0.1, 0.1, 0.1, 0.1]);
    expect(c.numParameters()).toBe(4);
    expect(Object.keys(new nn.Sequential(new nn.Linear(2, 4), c).stateDict())).toEqual(['0.weight', '0.bias', '1.weight']);
    L.noGrad(() => L.fill_(c.weight, 3));
    c.resetParameters();
    expect(Array.from(c.weight.values)).toEqual([0.1, 0.1, 0.1, 0.1]);
    expect(String(c)).toContain('PReLU(numParameters=4)');
  });

  it('trains: one SGD step moves the weight by -lr · sum of x·g over x <= 0, per channel', () => {
    const m = new nn.PReLU({ numParameters: 2, dtype: 'float64' });
    const x = L.tensor([[-1, 2], [-3, -0.5], [4, 0]], { dtype: 'float64' });
    const opt = new L.optim.SGD(m.parameters(), { lr: 0.1 });
    m.call(x).sum().backward();
    expect(Array.from(m.weight.grad!.values)).toEqual([-4, -0.5]);
    opt.step();
    expect(Array.from(m.weight.values)).toEqual([0.25 + 0.4, 0.25 + 0.05]);
  });

  it('checks the weight against the channels', () => {
    expect(() => F.prelu(L.ones([2, 3, 4]), L.ones([4]))).toThrow(L.ShapeError);
    expect(() => F.prelu(L.ones([2, 3, 4]), L.ones([4]))).toThrow(/weight \[4\] must have 1 or 3 .*x \[2,3,4\]/);
    expect(() => F.prelu(L.ones([3]), L.ones([3]))).toThrow(/1 or 1/);
    expect(() => F.prelu(L.ones([2, 3]), L.ones([1, 3]))).toThrow(/0-d or 1-D/);
    expect(() => F.prelu(L.tensor(-2), L.ones([3]))).toThrow(L.ShapeError);
    expect(F.prelu(L.tensor(-2), L.ones([1])).shape).toEqual([]);
    expect(Array.from(F.prelu(L.tensor([[-2, 2]]), L.tensor(0.5)).values)).toEqual([-1, 2]);
    expect(() => new nn.PReLU({ numParameters: 3 }).call(L.ones([2, 4]))).toThrow(/weight \[3\] must have 1 or 4/);
    expect(() => new nn.PReLU().call(L.ones([2, 4], { dtype: 'float64' }))).toThrow(L.DTypeError);
  });
});

describe('options are checked', () => {
  it('a bad module option throws an ArgumentError naming the layer, the option and the value', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => new nn.Hardtanh(2, 1), /Hardtanh: maxVal \(1\) must be greater than minVal \(2\)/],
      [() => new nn.Hardtanh(1, 1), /Hardtanh: maxVal \(1\) must be greater than minVal \(1\)/],
      [() => new nn.Hardtanh(NaN), /Hardtanh: minVal must be a finite number, got NaN/],
      [() => new nn.AlphaDropout(1.5), /AlphaDropout: p must be a probability in \[0, 1\], got 1.5/],
      [() => new nn.PReLU({ numParameters: 0 }), /PReLU: numParameters must be a positive integer, got 0/],
      [() => new nn.PReLU({ numParameters: 2.5 }), /PReLU: numParameters must be a positive integer, got 2.5/],
      [() => new nn.PReLU({ init: Infinity }), /PReLU: init must be a finite number, got Infinity/],
      [() => new nn.CELU(0), /CELU: alpha must be non-zero .*got 0/],
      [() => new nn.Softshrink(-1), /Softshrink: lambd must be >= 0, got -1/],
      [() => new nn.Hardshrink(Number('x')), /Hardshrink: lambd must be a finite number, got NaN/],
      [() => new nn.Threshold(NaN, 0), /Threshold: threshold must be a finite number, got NaN/],
      [() => new nn.Threshold(0, NaN), /Threshold: value must be a number, got NaN/],
      [() => new nn.GLU(0.5), /GLU: dim must be an integer, got 0.5/],
      [() => new nn.Softmin(undefined as unknown as number), /Softmin: dim must be an integer, got undefined/],
    ];
    for (const [make, message] of bad) {
      expect(make).toThrow(L.ArgumentError);
      expect(make).toThrow(message);
    }
  });

  it('the functional forms check theirs', () => {
    expect(() => F.hardtanh(L.ones([2]), 2, 1)).toThrow(/hardtanh: minVal \(2\) cannot be greater than maxVal \(1\)/);
    expect(Array.from(F.hardtanh(L.tensor([-3, 3]), 1, 1).values)).toEqual([1, 1]);
    expect(() => F.softshrink(L.ones([2]), -1)).toThrow(L.ArgumentError);
    expect(Array.from(F.hardshrink(L.tensor([0.5, 2]), -1).values)).toEqual([0.5, 2]);
    expect(() => F.celu(L.ones([2]), 0)).toThrow(/celu: alpha cannot be 0/);
    expect(() => F.glu(L.ones([2, 3]), 1)).toThrow(L.ShapeError);
    expect(() => F.glu(L.ones([2, 3]), 1)).toThrow(/glu: dim 1 of .* must be even to halve, got size 3/);
    expect(() => F.glu(L.tensor(1))).toThrow(L.ShapeError);
    expect(() => F.glu(L.ones([2, 4]), 2)).toThrow(/out of range/);
    expect(() => F.softmin(L.ones([2, 3]), 0.5)).toThrow(/softmin: dim must be an integer/);
    expect(F.glu(L.ones([2, 6, 3]), 1).shape).toEqual([2, 3, 3]);
  });

  it('reprs', () => {
    expect(String(new nn.Hardtanh())).toContain('Hardtanh(minVal=-1, maxVal=1)');
    expect(String(new nn.CELU(0.5))).toContain('CELU(alpha=0.5)');
    expect(String(new nn.Softshrink())).toContain('Softshrink(lambd=0.5)');
    expect(String(new nn.Threshold(0.1, 20))).toContain('Threshold(threshold=0.1, value=20)');
    expect(String(new nn.GLU())).toContain('GLU(dim=-1)');
    expect(String(new nn.Softmin(1))).toContain('Softmin(dim=1)');
    expect(String(new nn.AlphaDropout(0.1))).toContain('AlphaDropout(p=0.1)');
    expect(String(new nn.SELU())).toContain('SELU()');
  });
});

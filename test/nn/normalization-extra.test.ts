/**
 * InstanceNorm1d/2d, RMSNorm and LocalResponseNorm (nn/norm-extra.ts, nn/layers/normalization-extra.ts)
 * against PyTorch 2.13: test/fixtures/norm_extra_torch.json, written by
 * test/fixtures/generators/norm_extra_fixtures.py, holds per case the module's options, its
 * state_dict keys, its affine parameters and, per forward step (train or eval), the input, the
 * output, the gradients of sum(out · r) with respect to the input and the parameters, and the
 * buffers after the step. Checked in float64 and float32 on the native and the reference backend,
 * plus gradcheck, the functional forms, state dicts and the error messages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { closeness, hasNative, onBackend } from '../helpers/backends';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';

const F = nn.functional;

interface Step {
  mode: 'train' | 'eval'; input: Enc; output: Enc; r: Enc; gradInput: Enc;
  gradParams: Record<string, Enc>; buffers: Record<string, Enc>;
}
interface Options {
  layer: string; affine?: boolean; trackRunningStats?: boolean; momentum?: number | null; eps?: number | null;
  normalizedShape?: number | number[]; elementwiseAffine?: boolean; size?: number; alpha?: number; beta?: number; k?: number;
}
interface Case { options: Options; dtype: Dt; stateDictKeys: string[]; params: Record<string, Enc>; steps: Step[] }

const fixture = JSON.parse(readFileSync(new URL('../fixtures/norm_extra_torch.json', import.meta.url), 'utf8')) as {
  torch: string; cases: Record<string, Case>;
};

const dec = (e: Enc, dtype: Dt = 'float64'): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);

/** The module a fixture case describes, in `dtype`. */
function build(o: Options, dtype: Dt): nn.Module<[L.Tensor], L.Tensor> {
  switch (o.layer) {
    case 'instanceNorm1d':
    case 'instanceNorm2d': {
      const opts = { affine: o.affine, trackRunningStats: o.trackRunningStats, eps: o.eps ?? undefined, momentum: 'momentum' in o ? o.momentum : undefined, dtype };
      return o.layer === 'instanceNorm1d' ? new nn.InstanceNorm1d(3, opts) : new nn.InstanceNorm2d(3, opts);
    }
    case 'RMSNorm':
      return new nn.RMSNorm(o.normalizedShape!, { eps: o.eps, elementwiseAffine: o.elementwiseAffine, dtype });
    case 'LocalResponseNorm':
      return new nn.LocalResponseNorm(o.size!, { alpha: o.alpha, beta: o.beta, k: o.k });
    default:
      throw new Error(`unknown layer ${o.layer}`);
  }
}

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

describe(`InstanceNorm, RMSNorm and LocalResponseNorm match PyTorch (fixtures from torch ${fixture.torch})`, () => {
  const expectClose = torchFixtureChecker({ float64: 1e-10, float32: 1e-5 });
  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      for (const [name, c] of Object.entries(fixture.cases)) {
        // RMSNorm's default eps depends on the dtype: its cases were computed in each dtype.
        if (c.options.layer === 'RMSNorm' && c.dtype !== dtype) continue;
        it(`${name}: module values, gradients and buffers (${backend}, ${dtype})`, () => onBackend(backend, () => {
          const m = build(c.options, dtype);
          expect(Object.keys(m.stateDict()), 'state dict keys').toEqual(c.stateDictKeys);
          L.noGrad(() => { for (const [p, e] of Object.entries(c.params)) L.copy_(m.getParameter(p)!, dec(e, dtype)); });
          const params = m.namedParameters();
          expect(params.map(([p]) => p)).toEqual(Object.keys(c.params));
          c.steps.forEach((s, i) => {
            const what = `${name} step ${i} (${s.mode})`;
            if (s.mode === 'train') m.train(); else m.eval();
            const x = dec(s.input, dtype).requiresGrad_();
            const y = m.call(x);
            expectClose(y, s.output, dtype, `${what} output`);
            const grads = L.grad(y.mul(dec(s.r, dtype)).sum(), [x, ...params.map(([, p]) => p)]);
            expectClose(grads[0]!, s.gradInput, dtype, `${what} input gradient`);
            params.forEach(([p], j) => expectClose(grads[j + 1]!, s.gradParams[p], dtype, `${what} ${p} gradient`));
            const buffers = Object.fromEntries(m.namedBuffers());
            expect(Object.keys(buffers).sort()).toEqual(Object.keys(s.buffers).sort());
            for (const [b, e] of Object.entries(s.buffers)) {
              if (b === 'num_batches_tracked') expect(Array.from(buffers[b].values), what).toEqual(e.values);
              else expectClose(buffers[b], e, dtype, `${what} ${b}`);
            }
          });
        }));
      }
    }
  }

  it('the functional forms give the modules\' values', () => {
    for (const [name, c] of Object.entries(fixture.cases)) {
      const o = c.options, s = c.steps[0], dtype = c.dtype;
      const m = build(o, dtype);
      L.noGrad(() => { for (const [p, e] of Object.entries(c.params)) L.copy_(m.getParameter(p)!, dec(e, dtype)); });
      const x = dec(s.input, dtype);
      const expected = Array.from(m.call(x).values);
      let y: L.Tensor;
      if (o.layer.startsWith('instanceNorm')) {
        const batched = x.ndim === (o.layer === 'instanceNorm1d' ? 3 : 4);
        const args = { weight: m.getParameter('weight'), bias: m.getParameter('bias'), momentum: 'momentum' in o ? (o.momentum ?? 0) : 0.1, eps: o.eps ?? 1e-5 };
        const stats = o.trackRunningStats ? { runningMean: L.zeros([3], { dtype }), runningVar: L.ones([3], { dtype }) } : {};
        const yb = F.instanceNorm(batched ? x : x.unsqueeze(0), { ...args, ...stats });
        y = batched ? yb : yb.squeeze(0);
        if (o.trackRunningStats) {
          expect(Array.from(stats.runningMean!.values), `${name} running_mean`).toEqual(Array.from((m as nn.InstanceNorm1d).runningMean!.values));
          expect(Array.from(stats.runningVar!.values), `${name} running_var`).toEqual(Array.from((m as nn.InstanceNorm1d).runningVar!.values));
        }
      } else if (o.layer === 'RMSNorm') {
        y = F.rmsNorm(x, o.normalizedShape!, m.getParameter('weight'), o.eps);
      } else {
        y = F.localResponseNorm(x, o.size!, { alpha: o.alpha, beta: o.beta, k: o.k });
      }
      expect(Array.from(y.values), name).toEqual(expected);
    }
  });

});

describe('gradcheck (float64)', () => {
  it('instanceNorm in x, weight and bias, with the input statistics and with running ones', () => {
    L.manualSeed(11);
    const x = L.randn([2, 3, 5], { dtype: 'float64', requiresGrad: true });
    const w = L.randn([3], { dtype: 'float64', requiresGrad: true });
    const b = L.randn([3], { dtype: 'float64', requiresGrad: true });
    expect(L.gradcheck((xx, ww, bb) => F.instanceNorm(xx, { weight: ww, bias: bb }), [x, w, b])).toBe(true);
    const runningMean = L.tensor([0.5, -1, 0], { dtype: 'float64' }), runningVar = L.tensor([2, 0.5, 1], { dtype: 'float64' });
    expect(L.gradcheck((xx, ww, bb) => F.instanceNorm(xx, { weight: ww, bias: bb, runningMean, runningVar, useInputStats: false }), [x, w, b])).toBe(true);
    expect(L.gradgradcheck((xx, ww) => F.instanceNorm(xx, { weight: ww }), [x, w])).toBe(true);
  });

  it('rmsNorm in x and weight, over two dims', () => {
    L.manualSeed(12);
    const x = L.randn([2, 3, 4], { dtype: 'float64', requiresGrad: true });
    const w = L.randn([3, 4], { dtype: 'float64', requiresGrad: true });
    expect(L.gradcheck((xx, ww) => F.rmsNorm(xx, [3, 4], ww, 1e-6), [x, w])).toBe(true);
    expect(L.gradgradcheck((xx, ww) => F.rmsNorm(xx, [4], ww.reshape([12]).narrow(0, 0, 4)), [x, w])).toBe(true);
  });

  it('localResponseNorm in x, for an even and an odd window', () => {
    L.manualSeed(13);
    const x = L.randn([2, 5, 3], { dtype: 'float64', requiresGrad: true });
    expect(L.gradcheck((xx) => F.localResponseNorm(xx, 3, { alpha: 0.5, beta: 0.7, k: 1.5 }), [x])).toBe(true);
    expect(L.gradcheck((xx) => F.localResponseNorm(xx.reshape([2, 5, 3, 1]), 2, { alpha: 1, k: 2 }), [x])).toBe(true);
    expect(L.gradgradcheck((xx) => F.localResponseNorm(xx, 4, { alpha: 0.5 }), [x])).toBe(true);
  });
});

describe('InstanceNorm modules', () => {
  it('defaults, parameters and buffers as PyTorch; num_batches_tracked never counts', () => {
    const plain = new nn.InstanceNorm2d(4);
    expect(plain.affine).toBe(false);
    expect(plain.trackRunningStats).toBe(false);
    expect(plain.eps).toBe(1e-5);
    expect(plain.momentum).toBe(0.1);
    expect(plain.parameters()).toEqual([]);
    expect(Object.keys(plain.stateDict())).toEqual([]);
    expect(plain.runningMean).toBeNull();
    const full = new nn.InstanceNorm1d(4, { affine: true, trackRunningStats: true, dtype: 'float64' });
    expect(Object.keys(full.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(Array.from(full.weight!.values)).toEqual([1, 1, 1, 1]);
    expect(Array.from(full.bias!.values)).toEqual([0, 0, 0, 0]);
    expect(full.weight!.dtype).toBe('float64');
    expect(full.runningVar!.dtype).toBe('float64');
    expect(full.numBatchesTracked!.dtype).toBe('int32');
    expect(Object.keys(new nn.InstanceNorm1d(4, { affine: true, bias: false }).stateDict())).toEqual(['weight']);
    const rm = full.runningMean!;
    full.call(L.randn([2, 4, 6], { dtype: 'float64' }));
    expect(full.runningMean).toBe(rm);
    expect(Array.from(rm.values)).not.toEqual([0, 0, 0, 0]);
    expect(full.numBatchesTracked!.item()).toBe(0);
    full.resetParameters();
    expect(Array.from(full.runningMean!.values)).toEqual([0, 0, 0, 0]);
    expect(Array.from(full.runningVar!.values)).toEqual([1, 1, 1, 1]);
  });

  it('eval without running statistics keeps using each instance\'s statistics; with them, uses the running ones and leaves them', () => {
    const x = L.randn([2, 3, 5], { dtype: 'float64' });
    const m = new nn.InstanceNorm1d(3, { dtype: 'float64' });
    expect(Array.from(m.eval().call(x).values)).toEqual(Array.from(m.train().call(x).values));
    const t = new nn.InstanceNorm1d(3, { trackRunningStats: true, dtype: 'float64' }).eval();
    const y = t.call(x);
    // running mean 0, variance 1: y = x / sqrt(1 + eps).
    expect(closeness(Array.from(y.values), Array.from(x.values).map((v) => v / Math.sqrt(1 + 1e-5)), 1e-15, 1e-14)).toBeLessThanOrEqual(1);
    expect(Array.from(t.runningMean!.values)).toEqual([0, 0, 0]);
    // One spatial element is fine in eval with running statistics, not with the instance's own.
    expect(t.call(L.randn([2, 3, 1], { dtype: 'float64' })).shape).toEqual([2, 3, 1]);
  });

  it('momentum null leaves the running statistics, as PyTorch (momentum 0); the setter checks', () => {
    const m = new nn.InstanceNorm2d(2, { trackRunningStats: true, momentum: null });
    m.call(L.randn([3, 2, 4, 4]));
    expect(Array.from(m.runningMean!.values)).toEqual([0, 0]);
    expect(Array.from(m.runningVar!.values)).toEqual([1, 1]);
    m.momentum = 0.5;
    expect(m.momentum).toBe(0.5);
    expect(() => { m.momentum = 1.5; }).toThrow(/InstanceNorm2d: momentum must be in \[0, 1\] or null, got 1.5/);
  });

  it('loads a PyTorch state dict and trains its affine parameters', () => {
    const m = new nn.InstanceNorm2d(2, { affine: true, trackRunningStats: true, dtype: 'float64' });
    const sd = {
      weight: L.tensor([2, 3], { dtype: 'float64' }), bias: L.tensor([0.5, -0.5], { dtype: 'float64' }),
      running_mean: L.tensor([1, 2], { dtype: 'float64' }), running_var: L.tensor([4, 9], { dtype: 'float64' }),
      num_batches_tracked: L.tensor(0, { dtype: 'int32' }),
    };
    m.loadStateDict(sd);
    m.eval();
    const y = m.call(L.full([1, 2, 2, 2], 3, { dtype: 'float64' }));
    expect(y.values[0]).toBeCloseTo((3 - 1) / Math.sqrt(4 + 1e-5) * 2 + 0.5, 12);
    expect(y.values[4]).toBeCloseTo((3 - 2) / Math.sqrt(9 + 1e-5) * 3 - 0.5, 12);
    m.train();
    const opt = new L.optim.SGD(m.parameters(), { lr: 0.1 });
    m.call(L.randn([2, 2, 3, 3], { dtype: 'float64' })).mul(L.randn([2, 2, 3, 3], { dtype: 'float64' })).sum().backward();
    expect(m.weight!.grad).not.toBeNull();
    opt.step();
    expect(Array.from(m.weight!.values)).not.toEqual([2, 3]);
  });

  it('repr', () => {
    expect(String(new nn.InstanceNorm1d(3))).toContain('InstanceNorm1d(3, eps=0.00001, momentum=0.1, affine=false, trackRunningStats=false)');
    expect(String(new nn.InstanceNorm2d(8, { affine: true, momentum: null }))).toContain('InstanceNorm2d(8, eps=0.00001, momentum=null, affine=true, trackRunningStats=false)');
  });
});

describe('RMSNorm and LocalResponseNorm modules', () => {
  it('RMSNorm: weight 1 of normalizedShape, eps null by default, repr', () => {
    const m = new nn.RMSNorm([3, 4]);
    expect(m.eps).toBeNull();
    expect(m.weight!.shape).toEqual([3, 4]);
    expect(Array.from(m.weight!.values).every((v) => v === 1)).toBe(true);
    expect(Object.keys(m.stateDict())).toEqual(['weight']);
    expect(Object.keys(new nn.RMSNorm(4, { elementwiseAffine: false }).stateDict())).toEqual([]);
    expect(String(m)).toContain('RMSNorm([3, 4], eps=null, elementwiseAffine=true)');
    expect(String(new nn.RMSNorm(5, { eps: 1e-6 }))).toContain('RMSNorm([5], eps=0.000001, elementwiseAffine=true)');
    L.noGrad(() => L.fill_(m.weight!, 3));
    m.resetParameters();
    expect(Array.from(m.weight!.values).every((v) => v === 1)).toBe(true);
    // The default eps is the dtype's machine epsilon.
    const zero = L.zeros([2, 4], { dtype: 'float64' });
    expect(Array.from(F.rmsNorm(L.full([1, 1], 1e-9, { dtype: 'float64' }), 1).values)[0]).toBeCloseTo(1e-9 / Math.sqrt(1e-18 + 2 ** -52), 20);
    expect(Array.from(F.rmsNorm(zero, 4).values)).toEqual(Array(8).fill(0));
  });

  it('LocalResponseNorm: no parameters, repr, empty input passes through', () => {
    const m = new nn.LocalResponseNorm(5);
    expect(m.parameters()).toEqual([]);
    expect(Object.keys(m.stateDict())).toEqual([]);
    expect(String(m)).toContain('LocalResponseNorm(5, alpha=0.0001, beta=0.75, k=1)');
    const empty = L.zeros([0, 3, 4]);
    expect(m.call(empty).shape).toEqual([0, 3, 4]);
    // A window wider than the channels: each channel sees all of them, divided by size.
    const x = L.tensor([[[1], [2]]], { dtype: 'float64' });
    const y = F.localResponseNorm(x, 9, { alpha: 1, beta: 1, k: 0 });
    expect(Array.from(y.values)).toEqual([1 / (5 / 9), 2 / (5 / 9)]);
  });
});

describe('bad inputs and options raise errors naming the layer and the shapes', () => {
  it('module inputs', () => {
    const bad: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
      [() => new nn.InstanceNorm1d(3).call(L.randn([2, 4, 5])), L.ShapeError, /InstanceNorm1d: x float32\[2,4,5\] has 4 channels \(dim 1\) but numFeatures is 3/],
      [() => new nn.InstanceNorm1d(3, { affine: true }).call(L.randn([4, 5])), L.ShapeError, /InstanceNorm1d: x float32\[4,5\] has 4 channels \(dim 0\) but numFeatures is 3/],
      [() => new nn.InstanceNorm2d(3).call(L.randn([2, 4, 5, 5])), L.ShapeError, /InstanceNorm2d: x float32\[2,4,5,5\] has 4 channels \(dim 1\) but numFeatures is 3/],
      [() => new nn.InstanceNorm1d(3).call(L.randn([2, 3, 4, 5])), L.ShapeError, /InstanceNorm1d: x must be \[N, C, L\] or unbatched \[C, L\], got float32\[2,3,4,5\]/],
      [() => new nn.InstanceNorm2d(3).call(L.randn([3, 4])), L.ShapeError, /InstanceNorm2d: x must be \[N, C, H, W\] or unbatched \[C, H, W\], got float32\[3,4\]/],
      [() => new nn.InstanceNorm1d(3).call(L.randn([2, 3, 1])), L.ShapeError, /InstanceNorm1d: expected more than 1 spatial element .*float32\[2,3,1\]/],
      [() => new nn.InstanceNorm1d(3, { affine: true }).call(L.randn([2, 3, 4], { dtype: 'float64' })), L.DTypeError, /InstanceNorm1d: x is float64\[2,3,4\] but the parameters are float32/],
      [() => new nn.InstanceNorm1d(3).call(L.ones([2, 3, 4], { dtype: 'int32' })), L.DTypeError, /InstanceNorm1d: x must be float32 or float64, got int32\[2,3,4\]/],
      [() => new nn.RMSNorm([3, 5]).call(L.randn([2, 5, 3])), L.ShapeError, /RMSNorm: x float32\[2,5,3\] does not end with normalizedShape \[3,5\]/],
      [() => new nn.RMSNorm([2, 3, 5]).call(L.randn([3, 5])), L.ShapeError, /RMSNorm: x float32\[3,5\] does not end with normalizedShape \[2,3,5\]/],
      [() => new nn.RMSNorm(5).call(L.randn([2, 5], { dtype: 'float64' })), L.DTypeError, /RMSNorm: x is float64\[2,5\] but the parameters are float32/],
      [() => new nn.LocalResponseNorm(3).call(L.randn([2, 5])), L.ShapeError, /LocalResponseNorm: x must be \[N, C, \*\] with 3 or more dims, got float32\[2,5\]/],
      [() => new nn.LocalResponseNorm(3).call(L.ones([2, 5, 2], { dtype: 'int32' })), L.DTypeError, /LocalResponseNorm: x must be float32 or float64/],
    ];
    for (const [fn, type, message] of bad) {
      expect(fn).toThrow(type);
      expect(fn).toThrow(message);
    }
  });

  it('module options', () => {
    const bad: [() => unknown, RegExp][] = [
      [() => new nn.InstanceNorm1d(0), /InstanceNorm1d: numFeatures must be a positive integer, got 0/],
      [() => new nn.InstanceNorm2d(2.5), /InstanceNorm2d: numFeatures must be a positive integer, got 2.5/],
      [() => new nn.InstanceNorm2d(3, { eps: -1 }), /InstanceNorm2d: eps must be a finite number >= 0, got -1/],
      [() => new nn.InstanceNorm1d(3, { momentum: 2 }), /InstanceNorm1d: momentum must be in \[0, 1\] or null, got 2/],
      [() => new nn.InstanceNorm1d(3, { affine: 'yes' as unknown as boolean }), /InstanceNorm1d: affine must be a boolean, got yes/],
      [() => new nn.RMSNorm([]), /RMSNorm: normalizedShape must be a positive size or a non-empty list of them, got \[\]/],
      [() => new nn.RMSNorm([3, 0]), /RMSNorm: normalizedShape must be a positive size or a non-empty list of them, got \[3,0\]/],
      [() => new nn.RMSNorm(4, { eps: -1e-6 }), /RMSNorm: eps must be a finite number >= 0, got -0.000001/],
      [() => new nn.LocalResponseNorm(0), /LocalResponseNorm: size must be a positive integer, got 0/],
      [() => new nn.LocalResponseNorm(2.5), /LocalResponseNorm: size must be a positive integer, got 2.5/],
      [() => new nn.LocalResponseNorm(3, { alpha: NaN }), /LocalResponseNorm: alpha must be a finite number, got NaN/],
      [() => new nn.LocalResponseNorm(3, { beta: Infinity }), /LocalResponseNorm: beta must be a finite number, got Infinity/],
    ];
    for (const [fn, message] of bad) {
      expect(fn).toThrow(L.ArgumentError);
      expect(fn).toThrow(message);
    }
  });

  it('functional arguments', () => {
    const x = L.randn([2, 3, 4]);
    const bad: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
      [() => F.instanceNorm(x, { weight: L.ones([4]) }), L.ShapeError, /instanceNorm: weight is float32\[4\] but x float32\[2,3,4\] has 3 channels \(dim 1\); it must be \[3\]/],
      [() => F.instanceNorm(x, { runningMean: L.zeros([3]) }), L.ArgumentError, /instanceNorm: give both runningMean and runningVar, or neither/],
      [() => F.instanceNorm(x, { useInputStats: false }), L.ArgumentError, /instanceNorm: useInputStats false needs runningMean and runningVar/],
      [() => F.instanceNorm(x, { momentum: -0.1 }), L.ArgumentError, /instanceNorm: momentum must be in \[0, 1\], got -0.1/],
      [() => F.instanceNorm(L.randn([2, 3])), L.ShapeError, /instanceNorm: expected more than 1 spatial element .*float32\[2,3\]/],
      [() => F.instanceNorm(L.randn([3])), L.ShapeError, /instanceNorm: x must be \[N, C, \*\], got float32\[3\]/],
      [() => F.instanceNorm(x, { bias: L.ones([3], { dtype: 'float64' }) }), L.DTypeError, /instanceNorm: bias is float64\[3\] but x is float32/],
      [() => F.rmsNorm(x, [3]), L.ShapeError, /rmsNorm: normalizedShape \[3\] does not match the last 1 dim\(s\) of x float32\[2,3,4\]/],
      [() => F.rmsNorm(x, [4], L.ones([3])), L.ShapeError, /rmsNorm: weight is float32\[3\] but must be normalizedShape \[4\]/],
      [() => F.rmsNorm(x, [4], null, -1), L.ArgumentError, /rmsNorm: eps must be a finite number >= 0, got -1/],
      [() => F.localResponseNorm(L.randn([2, 3]), 2), L.ShapeError, /localResponseNorm: x must be \[N, C, \*\] with 3 or more dims, got float32\[2,3\]/],
      [() => F.localResponseNorm(x, 0), L.ArgumentError, /localResponseNorm: size must be a positive integer, got 0/],
      [() => F.localResponseNorm(x, 2, { k: NaN }), L.ArgumentError, /localResponseNorm: k must be a finite number, got NaN/],
    ];
    for (const [fn, type, message] of bad) {
      expect(fn).toThrow(type);
      expect(fn).toThrow(message);
    }
  });
});

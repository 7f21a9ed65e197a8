/**
 * Upsample, the padding modules, PixelShuffle/PixelUnshuffle, Bilinear, CosineSimilarity,
 * PairwiseDistance and Dropout1d (nn/layers/misc.ts, nn/functional-extra.ts) against PyTorch 2.13:
 * test/fixtures/layers_misc_torch.json, written by test/fixtures/generators/layers_misc_fixtures.py,
 * holds per case the module's options, its state_dict keys and parameters, the inputs, the output
 * and the gradients of sum(out · r) with respect to the inputs and the parameters. Checked in
 * float64 and float32 on the native and the reference backend, plus gradcheck, the functional
 * forms, Dropout1d's mask, state dicts and the error messages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { hasNative, onBackend } from '../helpers/backends';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';

const F = nn.functional;

interface Options {
  layer: string; size?: number | number[]; scaleFactor?: number | number[]; mode?: 'nearest' | 'linear' | 'bilinear' | 'bicubic';
  alignCorners?: boolean; padding?: number | number[]; value?: number; factor?: number; in1?: number; in2?: number; out?: number;
  bias?: boolean; dim?: number; eps?: number; p?: number | 'inf'; keepdim?: boolean;
}
interface Case {
  options: Options; stateDictKeys: string[]; params: Record<string, Enc>; inputs: Enc[]; output: Enc; r: Enc;
  gradInputs: Enc[]; gradParams: Record<string, Enc>;
}
type AnyLayer = nn.Module<L.Tensor[], L.Tensor>;

const fixture = JSON.parse(readFileSync(new URL('../fixtures/layers_misc_torch.json', import.meta.url), 'utf8')) as {
  torch: string; cases: Record<string, Case>;
};

const dec = (e: Enc, dtype: Dt = 'float64'): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
const pOf = (o: Options): number | undefined => (o.p === 'inf' ? Infinity : o.p);

/** The module a fixture case describes, in `dtype`. */
function build(o: Options, dtype: Dt): AnyLayer {
  const pad1 = o.padding as nn.Padding1d, pad2 = o.padding as nn.Padding2d;
  const m = ((): unknown => {
    switch (o.layer) {
      case 'Upsample': return new nn.Upsample({ size: o.size, scaleFactor: o.scaleFactor, mode: o.mode, alignCorners: o.alignCorners });
      case 'ZeroPad1d': return new nn.ZeroPad1d(pad1);
      case 'ZeroPad2d': return new nn.ZeroPad2d(pad2);
      case 'ConstantPad1d': return new nn.ConstantPad1d(pad1, o.value!);
      case 'ConstantPad2d': return new nn.ConstantPad2d(pad2, o.value!);
      case 'ReflectionPad1d': return new nn.ReflectionPad1d(pad1);
      case 'ReflectionPad2d': return new nn.ReflectionPad2d(pad2);
      case 'ReplicationPad1d': return new nn.ReplicationPad1d(pad1);
      case 'ReplicationPad2d': return new nn.ReplicationPad2d(pad2);
      case 'PixelShuffle': return new nn.PixelShuffle(o.factor!);
      case 'PixelUnshuffle': return new nn.PixelUnshuffle(o.factor!);
      case 'Bilinear': return new nn.Bilinear(o.in1!, o.in2!, o.out!, { bias: o.bias, dtype });
      case 'CosineSimilarity': return new nn.CosineSimilarity({ dim: o.dim, eps: o.eps });
      case 'PairwiseDistance': return new nn.PairwiseDistance({ p: pOf(o), eps: o.eps, keepdim: o.keepdim });
      default: throw new Error(`unknown layer ${o.layer}`);
    }
  })();
  return m as AnyLayer;
}

/** The functional form of a case, on the module's parameters. */
function functional(o: Options, m: AnyLayer, xs: L.Tensor[]): L.Tensor {
  switch (o.layer) {
    case 'Upsample': return F.interpolate(xs[0], { size: o.size, scaleFactor: o.scaleFactor, mode: o.mode, alignCorners: o.alignCorners });
    case 'PixelShuffle': return F.pixelShuffle(xs[0], o.factor!);
    case 'PixelUnshuffle': return F.pixelUnshuffle(xs[0], o.factor!);
    case 'Bilinear': return F.bilinear(xs[0], xs[1], m.getParameter('weight')!, m.getParameter('bias'));
    case 'CosineSimilarity': return F.cosineSimilarity(xs[0], xs[1], { dim: o.dim, eps: o.eps });
    case 'PairwiseDistance': return F.pairwiseDistance(xs[0], xs[1], { p: pOf(o), eps: o.eps, keepdim: o.keepdim });
    default: {
      // The padding modules: F.pad with the module's mode.
      const n = o.layer.endsWith('1d') ? 2 : 4;
      const pads = typeof o.padding === 'number' ? Array<number>(n).fill(o.padding) : o.padding!;
      const mode = o.layer.startsWith('Reflection') ? 'reflect' : o.layer.startsWith('Replication') ? 'replicate' : 'constant';
      return F.pad(xs[0], pads, mode === 'constant' ? { value: o.value ?? 0 } : { mode });
    }
  }
}

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

describe(`Upsample, padding, PixelShuffle, Bilinear, CosineSimilarity and PairwiseDistance match PyTorch (fixtures from torch ${fixture.torch})`, () => {
  const expectClose = torchFixtureChecker({ float64: 1e-12, float32: 1e-5 });
  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`every case: values and gradients (${backend}, ${dtype})`, () => onBackend(backend, () => {
        for (const [name, c] of Object.entries(fixture.cases)) {
          const m = build(c.options, dtype);
          expect(Object.keys(m.stateDict()), `${name} state dict keys`).toEqual(c.stateDictKeys);
          L.noGrad(() => { for (const [p, e] of Object.entries(c.params)) L.copy_(m.getParameter(p)!, dec(e, dtype)); });
          const params = m.namedParameters();
          expect(params.map(([p]) => p), `${name} parameters`).toEqual(Object.keys(c.params));
          const xs = c.inputs.map((e) => dec(e, dtype).requiresGrad_());
          const y = m.call(...xs);
          expectClose(y, c.output, dtype, `${name} output`);
          const grads = L.grad(y.mul(dec(c.r, dtype)).sum(), [...xs, ...params.map(([, p]) => p)]);
          c.gradInputs.forEach((g, i) => expectClose(grads[i]!, g, dtype, `${name} input ${i} gradient`));
          params.forEach(([p], j) => expectClose(grads[xs.length + j]!, c.gradParams[p], dtype, `${name} ${p} gradient`));
        }
      }));
    }
  }

  it('the functional forms give the modules\' values', () => {
    for (const [name, c] of Object.entries(fixture.cases)) {
      const m = build(c.options, 'float64');
      L.noGrad(() => { for (const [p, e] of Object.entries(c.params)) L.copy_(m.getParameter(p)!, dec(e)); });
      const xs = c.inputs.map((e) => dec(e));
      expect(Array.from(functional(c.options, m, xs).values), name).toEqual(Array.from(m.call(...xs).values));
    }
  });

});

describe('gradcheck (float64)', () => {
  const leaf = (shape: number[]): L.Tensor => L.randn(shape, { dtype: 'float64', requiresGrad: true });

  it('Upsample bilinear and bicubic, and the 1-D linear mode', () => {
    L.manualSeed(21);
    const x = leaf([1, 2, 3, 4]);
    const up = new nn.Upsample({ scaleFactor: 1.5, mode: 'bilinear', alignCorners: true });
    expect(L.gradcheck((xx) => up.call(xx), [x])).toBe(true);
    expect(L.gradcheck((xx) => new nn.Upsample({ size: [5, 2], mode: 'bicubic' }).call(xx), [x])).toBe(true);
    expect(L.gradcheck((xx) => new nn.Upsample({ size: 7, mode: 'linear' }).call(xx), [leaf([2, 2, 3])])).toBe(true);
  });

  it('the padding modules', () => {
    L.manualSeed(22);
    const x = leaf([2, 3, 4]);
    for (const m of [new nn.ReflectionPad2d([1, 3, 2, 0]), new nn.ReplicationPad1d([2, 1]), new nn.ConstantPad2d(1, 2.5)]) {
      expect(L.gradcheck((xx) => m.call(xx), [x]), String(m)).toBe(true);
    }
  });

  it('pixelShuffle and pixelUnshuffle', () => {
    L.manualSeed(23);
    expect(L.gradcheck((xx) => F.pixelShuffle(xx, 2), [leaf([2, 8, 2, 3])])).toBe(true);
    expect(L.gradcheck((xx) => F.pixelUnshuffle(xx, 3), [leaf([1, 2, 3, 6])])).toBe(true);
  });

  it('bilinear in x1, x2, weight and bias (and twice)', () => {
    L.manualSeed(24);
    const [x1, x2, w, b] = [leaf([4, 3]), leaf([4, 2]), leaf([5, 3, 2]), leaf([5])];
    expect(L.gradcheck((a, c, ww, bb) => F.bilinear(a, c, ww, bb), [x1, x2, w, b])).toBe(true);
    expect(L.gradgradcheck((a, c, ww) => F.bilinear(a, c, ww), [x1, x2, w])).toBe(true);
  });

  it('cosineSimilarity and pairwiseDistance for p = 1, 2, 3, Infinity', () => {
    L.manualSeed(25);
    const a = leaf([3, 4]), b = leaf([3, 4]);
    // Norms above eps only: below it PyTorch's gradient (which the fixtures check) still goes
    // through the norm, so it is not the derivative of the clamped value.
    expect(L.gradcheck((x1, x2) => F.cosineSimilarity(x1, x2), [a, b])).toBe(true);
    expect(L.gradcheck((x1, x2) => F.cosineSimilarity(x1, x2.narrow(0, 0, 1), { dim: 1, eps: 1e-3 }), [a, b])).toBe(true);
    expect(L.gradgradcheck((x1, x2) => F.cosineSimilarity(x1, x2, { dim: -1 }), [a, b])).toBe(true);
    for (const p of [1, 2, 3, Infinity]) {
      expect(L.gradcheck((x1, x2) => F.pairwiseDistance(x1, x2, { p, keepdim: p === 3 }), [a, b]), `p = ${p}`).toBe(true);
    }
  });

  it('dropout1d with a fixed mask', () => {
    const x = L.randn([2, 3, 4], { dtype: 'float64', requiresGrad: true });
    expect(L.gradcheck((xx) => F.dropout1d(xx, 0.4, { generator: new L.PhiloxStream(7) }), [x])).toBe(true);
  });
});

describe('module details', () => {
  it('Bilinear: PyTorch\'s state dict keys, shapes and init bound 1/√in1', () => {
    const bl = new nn.Bilinear(16, 3, 5, { dtype: 'float64', generator: new L.PhiloxStream(3) });
    expect(Object.keys(bl.stateDict())).toEqual(['weight', 'bias']);
    expect(bl.weight.shape).toEqual([5, 16, 3]);
    expect(bl.bias!.shape).toEqual([5]);
    expect(bl.weight.dtype).toBe('float64');
    const w = Array.from(bl.weight.values), bv = Array.from(bl.bias!.values);
    expect(Math.max(...w.map(Math.abs), ...bv.map(Math.abs))).toBeLessThanOrEqual(0.25);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(0.2);
    const again = new nn.Bilinear(16, 3, 5, { dtype: 'float64', generator: new L.PhiloxStream(3) });
    expect(Array.from(again.weight.values)).toEqual(w);
    expect(Object.keys(new nn.Bilinear(2, 3, 4, { bias: false }).stateDict())).toEqual(['weight']);
    expect(String(bl)).toContain('Bilinear(in1Features=16, in2Features=3, outFeatures=5, bias=true)');
    // Loads a PyTorch-shaped state dict.
    const sd = { weight: L.ones([5, 16, 3], { dtype: 'float64' }), bias: L.zeros([5], { dtype: 'float64' }) };
    bl.loadStateDict(sd);
    const y = bl.call(L.ones([2, 16], { dtype: 'float64' }), L.ones([2, 3], { dtype: 'float64' }));
    expect(Array.from(y.values)).toEqual(Array(10).fill(48));
  });

  it('Dropout1d drops whole channels, scales by 1/(1-p), matches dropout2d\'s mask, and is the identity in eval', () => {
    L.manualSeed(31);
    const d = new nn.Dropout1d(0.5);
    const y = d.call(L.ones([8, 16, 5]));
    expect(y.shape).toEqual([8, 16, 5]);
    const v = y.values;
    let dropped = 0;
    for (let ch = 0; ch < 8 * 16; ch++) {
      const first = v[ch * 5];
      for (let k = 1; k < 5; k++) expect(v[ch * 5 + k]).toBe(first);
      expect([0, 2]).toContain(first);
      if (first === 0) dropped++;
    }
    expect(dropped).toBeGreaterThan(40);
    expect(dropped).toBeLessThan(88);
    // Unbatched [C, L]: one draw per channel.
    const u = new nn.Dropout1d(0.3).call(L.ones([6, 4], { dtype: 'float64' }));
    for (let c = 0; c < 6; c++) expect(new Set(Array.from(u.values.slice(c * 4, c * 4 + 4))).size).toBe(1);
    for (const val of u.values) expect([0, 1 / 0.7]).toContain(val);
    // The same draws as dropout2d on x.unsqueeze(-1).
    const x = L.randn([3, 4, 6]);
    const a = F.dropout1d(x, 0.4, { generator: new L.PhiloxStream(9) });
    const b = F.dropout2d(x.unsqueeze(-1), 0.4, { generator: new L.PhiloxStream(9) }).squeeze(-1);
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    // Same mask on both backends.
    const draw = (): number[] => { L.manualSeed(5); return Array.from(F.dropout1d(L.ones([4, 7, 3]), 0.5).values); };
    const ref = onBackend('reference', draw);
    if (hasNative()) expect(onBackend('native', draw)).toEqual(ref);
    d.eval();
    const x2 = L.randn([2, 3, 4]);
    expect(d.call(x2)).toBe(x2);
    expect(new nn.Dropout1d(0).train().call(x2)).toBe(x2);
    expect(Array.from(new nn.Dropout1d(1).call(L.ones([2, 3])).values)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(String(d)).toContain('Dropout1d(p=0.5)');
  });

  it('PixelShuffle then PixelUnshuffle is the identity; integer tensors pass through', () => {
    const x = L.randn([2, 12, 3, 5]);
    const y = new nn.PixelUnshuffle(2).call(new nn.PixelShuffle(2).call(x));
    expect(Array.from(y.values)).toEqual(Array.from(x.values));
    // Output pixel (h·r + i, w·r + j) of channel c is input channel c·r² + i·r + j at (h, w).
    const idx = L.arange(0, 8, 1, { dtype: 'int32' }).reshape([8, 1, 1]);
    const s = F.pixelShuffle(idx, 2);
    expect(s.shape).toEqual([2, 2, 2]);
    expect(Array.from(s.values)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(String(new nn.PixelShuffle(3))).toContain('PixelShuffle(upscaleFactor=3)');
  });

  it('the pad modules: repr, padding as PyTorch\'s order, any leading dims for the constant ones', () => {
    expect(new nn.ZeroPad2d(2).padding).toEqual([2, 2, 2, 2]);
    expect(new nn.ReflectionPad1d([3, 1]).padding).toEqual([3, 1]);
    expect(String(new nn.ConstantPad2d([1, 0, 2, 3], -1))).toContain('ConstantPad2d(padding=[1, 0, 2, 3], value=-1)');
    expect(String(new nn.ReplicationPad1d(2))).toContain('ReplicationPad1d(padding=[2, 2])');
    expect(new nn.ConstantPad1d(1, -Infinity).call(L.zeros([5])).values[0]).toBe(-Infinity);
    expect(new nn.ZeroPad2d([0, 1, 1, 0]).call(L.ones([2, 3, 4, 2, 2])).shape).toEqual([2, 3, 4, 3, 3]);
  });

  it('Upsample keeps its options; nearest-mode scale factors round the output size down', () => {
    const up = new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: true });
    expect(up.alignCorners).toBe(true);
    expect(String(up)).toContain("Upsample(scaleFactor=2, mode='bilinear', alignCorners=true)");
    expect(new nn.Upsample({ scaleFactor: 1.6 }).call(L.ones([1, 1, 5, 3])).shape).toEqual([1, 1, 8, 4]);
    expect(new nn.Upsample({ size: [2, 9] }).call(L.ones([1, 1, 5, 3])).shape).toEqual([1, 1, 2, 9]);
  });

  it('CosineSimilarity and PairwiseDistance: defaults and repr', () => {
    const cs = new nn.CosineSimilarity();
    expect([cs.dim, cs.eps]).toEqual([1, 1e-8]);
    const pd = new nn.PairwiseDistance();
    expect([pd.p, pd.eps, pd.keepdim]).toEqual([2, 1e-6, false]);
    expect(String(new nn.PairwiseDistance({ p: 1, keepdim: true }))).toContain('PairwiseDistance(p=1, eps=0.000001, keepdim=true)');
    // A zero vector gives similarity 0 (its norm is clamped), not NaN.
    const y = cs.call(L.zeros([2, 3]), L.ones([2, 3]));
    expect(Array.from(y.values)).toEqual([0, 0]);
    // Parallel vectors give 1 up to rounding.
    const a = L.randn([50, 8], { dtype: 'float64' }).mul(1e6);
    const s = F.cosineSimilarity(a, a.mul(3));
    for (const v of s.values) expect(v).toBeCloseTo(1, 14);
  });
});

describe('bad inputs raise clear errors', () => {
  it('Upsample', () => {
    expect(() => new nn.Upsample({ scaleFactor: 2, size: 4 })).toThrow(/Upsample: only one of size or scaleFactor should be defined/);
    expect(() => new nn.Upsample({})).toThrow(/Upsample: either size or scaleFactor should be defined/);
    expect(() => new nn.Upsample({ scaleFactor: 2, alignCorners: false })).toThrow(/Upsample: alignCorners can only be set with the interpolating modes/);
    expect(() => new nn.Upsample({ scaleFactor: 2, mode: 'cubic' as 'linear' })).toThrow(/Upsample: mode must be one of 'nearest', .*'trilinear', 'area', got "cubic"/);
    expect(() => new nn.Upsample({ scaleFactor: 2, mode: 'trilinear' }).call(L.ones([1, 2, 3, 3]))).toThrow(/Upsample: mode 'trilinear' needs 5-D input \(\[N, C, D, H, W\]\)/);
    expect(() => new nn.Upsample({ scaleFactor: -1 })).toThrow(/Upsample: scaleFactor must be a positive number/);
    expect(() => new nn.Upsample({ size: 2.5 })).toThrow(/Upsample: size must be a positive integer/);
    expect(() => new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' }).call(L.ones([1, 2, 3]))).toThrow(/Upsample: mode 'bilinear' needs 4-D input .* got .*\[1,2,3\]/);
    expect(() => new nn.Upsample({ scaleFactor: 2, mode: 'linear' }).call(L.ones([1, 2, 3, 3]))).toThrow(L.ShapeError);
    expect(() => new nn.Upsample({ size: [2, 3] }).call(L.ones([1, 2, 3]))).toThrow(/Upsample: size \[2,3\] has 2 entries but x .* has 1 spatial dim/);
    expect(() => new nn.Upsample({ scaleFactor: 0.1 }).call(L.ones([1, 1, 4, 4]))).toThrow(/Upsample: cannot resize the spatial dims \[4,4\]/);
    expect(() => new nn.Upsample({ scaleFactor: 2 }).call(L.ones([1, 1, 2], { dtype: 'int32' }))).toThrow(L.DTypeError);
  });

  it('PixelShuffle and PixelUnshuffle', () => {
    expect(() => new nn.PixelShuffle(0)).toThrow(/PixelShuffle: upscaleFactor must be a positive integer, got 0/);
    expect(() => new nn.PixelShuffle(2).call(L.ones([1, 6, 2, 2]))).toThrow(/PixelShuffle: the channel dim of .*\[1,6,2,2\].* is 6, which is not divisible by upscaleFactor² = 4/);
    expect(() => F.pixelShuffle(L.ones([4, 2]), 2)).toThrow(/pixelShuffle: x must be \[\*, C, H, W\]/);
    expect(() => new nn.PixelUnshuffle(2).call(L.ones([1, 1, 4, 5]))).toThrow(/PixelUnshuffle: the height 4 and width 5 .* divisible by downscaleFactor 2/);
    expect(() => F.pixelUnshuffle(L.ones([1, 1, 4, 4]), 1.5)).toThrow(/pixelUnshuffle: downscaleFactor must be a positive integer/);
  });

  it('the pad modules', () => {
    expect(() => new nn.ZeroPad2d([1, 2] as unknown as nn.Padding2d)).toThrow(/ZeroPad2d: padding must be an integer >= 0 or a list of 4/);
    expect(() => new nn.ReflectionPad1d(-1)).toThrow(/ReflectionPad1d: padding must be an integer >= 0/);
    expect(() => new nn.ConstantPad1d(1, 'x' as unknown as number)).toThrow(/ConstantPad1d: value must be a number/);
    expect(() => new nn.ReflectionPad1d([3, 1]).call(L.ones([1, 2, 3]))).toThrow(/ReflectionPad1d: padding \(3, 1\) of dim 2 must be less than its size 3/);
    expect(() => new nn.ReflectionPad2d(1).call(L.ones([2, 2]))).toThrow(/ReflectionPad2d: x must be \[N, C, H, W\] or \[C, H, W\], got .*\[2,2\]/);
    expect(() => new nn.ReplicationPad1d(1).call(L.ones([1, 2, 3, 4]))).toThrow(/ReplicationPad1d: x must be \[N, C, W\] or \[C, W\]/);
    expect(() => new nn.ReplicationPad1d(1).call(L.ones([2, 0]))).toThrow(/ReplicationPad1d: cannot pad the empty dim 1/);
    expect(() => new nn.ZeroPad2d(1).call(L.ones([3]))).toThrow(/ZeroPad2d: padding \[1,1,1,1\] pads the last 2 dims, but x is/);
  });

  it('Bilinear', () => {
    expect(() => new nn.Bilinear(0, 2, 3)).toThrow(/Bilinear: in1Features must be a positive integer, got 0/);
    const bl = new nn.Bilinear(3, 4, 5);
    expect(() => bl.call(L.ones([2, 3]), L.ones([2, 5]))).toThrow(/Bilinear: x2 is .*\[2,5\].* needs its last dim to be in2 = 4/);
    expect(() => bl.call(L.ones([2, 2]), L.ones([2, 4]))).toThrow(/Bilinear: x1 is .*\[2,2\].* in1 = 3/);
    expect(() => bl.call(L.ones([2, 3]), L.ones([3, 4]))).toThrow(/Bilinear: the batch dims of x1 \[2,3\] and x2 \[3,4\] differ/);
    expect(() => bl.call(L.ones([1, 2, 3]), L.ones([2, 4]))).toThrow(/Bilinear: x1 and x2 must have the same number of dims/);
    expect(() => bl.call(L.ones([2, 3], { dtype: 'float64' }), L.ones([2, 4]))).toThrow(/Bilinear: x1 is .*float64.* but the parameters are float32/);
    expect(() => F.bilinear(L.ones([2, 3]), L.ones([2, 4]), L.ones([5, 3]))).toThrow(/bilinear: weight must be \[out, in1, in2\]/);
    expect(() => F.bilinear(L.ones([2, 3]), L.ones([2, 4]), L.ones([5, 3, 4]), L.ones([4]))).toThrow(/bilinear: bias must be \[5\]/);
  });

  it('CosineSimilarity, PairwiseDistance and Dropout1d', () => {
    expect(() => new nn.CosineSimilarity({ dim: 0.5 })).toThrow(/CosineSimilarity: dim must be an integer/);
    expect(() => new nn.CosineSimilarity({ eps: -1 })).toThrow(/CosineSimilarity: eps must be a finite number >= 0/);
    expect(() => new nn.CosineSimilarity().call(L.ones([2, 3]), L.ones([2, 4]))).toThrow(/CosineSimilarity: shapes \[2,3\] and \[2,4\] cannot be broadcast/);
    expect(() => new nn.CosineSimilarity({ dim: 2 }).call(L.ones([2, 3]), L.ones([2, 3]))).toThrow(/CosineSimilarity: dim 2 is out of range for a tensor of rank 2/);
    expect(() => F.cosineSimilarity(L.ones([2, 3]), L.ones([2, 3], { dtype: 'float64' }))).toThrow(/cosineSimilarity: x1 is .* but x2 is/);
    expect(() => new nn.PairwiseDistance({ p: 0 })).toThrow(/PairwiseDistance: p must be a number > 0 or Infinity, got 0/);
    expect(() => new nn.PairwiseDistance({ keepdim: 1 as unknown as boolean })).toThrow(/PairwiseDistance: keepdim must be a boolean/);
    expect(() => new nn.PairwiseDistance().call(L.ones([2, 3]), L.ones([3, 2]))).toThrow(/PairwiseDistance: shapes \[2,3\] and \[3,2\] cannot be broadcast/);
    expect(() => F.pairwiseDistance(L.ones([2], { dtype: 'int32' }), L.ones([2]))).toThrow(/pairwiseDistance: x1 must be float32 or float64/);
    expect(() => new nn.Dropout1d(1.5)).toThrow(/Dropout1d: p must be a probability in \[0, 1\], got 1.5/);
    expect(() => new nn.Dropout1d().call(L.ones([1, 2, 3, 4]))).toThrow(/Dropout1d: x must be \[N, C, L\] or unbatched \[C, L\], got .*\[1,2,3,4\]/);
    expect(() => F.dropout1d(L.ones([4]), 0.5)).toThrow(/dropout1d: x must be/);
    expect(() => F.dropout1d(L.ones([2, 4]), -0.1)).toThrow(/dropout1d: p must be a probability/);
  });
});

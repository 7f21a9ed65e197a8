/**
 * Gaussian/Poisson NLL, triplet, soft margin, multi-label soft margin, hinge embedding, multi-margin and
 * sigmoid focal losses: values and input gradients against PyTorch 2.13 (test/fixtures/losses_more_torch.json,
 * written by test/fixtures/generators/losses_more_torch.py), in float64 and float32 on every backend;
 * gradcheck; the modules; bad arguments.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { closeness, hasNative, onBackend } from '../helpers/backends';

const { losses } = L;

interface Enc { shape: number[]; dtype: 'float64' | 'float32' | 'int32'; data: (number | string)[] }
interface Case {
  name: string; loss: string; opts: Record<string, unknown>;
  inputs: Record<string, Enc>; value: Enc; outWeights: Enc; grads: Record<string, Enc>;
}
type Float = 'float32' | 'float64';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/losses_more_torch.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[] };

const num = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
const isEnc = (v: unknown): v is Enc => typeof v === 'object' && v !== null && 'shape' in v && 'data' in v;
/** A fixture tensor; float ones in `dtype` (the fixture's inputs are float32 numbers, so nothing is lost). */
const decode = (e: Enc, dtype: Float, requiresGrad = false): L.Tensor =>
  L.tensor(e.data.map(num), { dtype: e.dtype === 'int32' ? 'int32' : dtype }).reshape(e.shape).detach().requiresGrad_(requiresGrad);

function run(c: Case, x: Record<string, L.Tensor>, dtype: Float): L.Tensor {
  const o: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.opts)) o[k] = isEnc(v) ? decode(v, dtype) : v;
  switch (c.loss) {
    case 'gaussianNllLoss': {
      const { var: v, ...rest } = o as { var?: number };
      return losses.gaussianNllLoss(x.input, x.target, x.var ?? v!, rest);
    }
    case 'poissonNllLoss': return losses.poissonNllLoss(x.input, x.target, o);
    case 'tripletMarginLoss': return losses.tripletMarginLoss(x.anchor, x.positive, x.negative, o);
    case 'softMarginLoss': return losses.softMarginLoss(x.input, x.target, o);
    case 'multiLabelSoftMarginLoss': return losses.multiLabelSoftMarginLoss(x.input, x.target, o);
    case 'hingeEmbeddingLoss': return losses.hingeEmbeddingLoss(x.input, x.target, o);
    case 'multiMarginLoss': return losses.multiMarginLoss(x.input, x.target, o);
    case 'sigmoidFocalLoss': return losses.sigmoidFocalLoss(x.inputs, x.targets, o);
    default: throw new Error(`unknown loss ${c.loss}`);
  }
}

/** Worst |got - want| / (1e-300 + |want|)-style error per dtype, for the report (LOSS_ERR_REPORT=1 prints it). */
const worst: Record<Float, { err: number; where: string }> = { float32: { err: 0, where: '' }, float64: { err: 0, where: '' } };
function track(dtype: Float, got: ArrayLike<number>, want: number[], where: string, atol: number): void {
  for (let i = 0; i < want.length; i++) {
    if (!Number.isFinite(want[i])) continue;
    const err = Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), atol);
    if (err > worst[dtype].err) worst[dtype] = { err, where: `${where}[${i}]` };
  }
}
afterAll(() => {
  if (process.env.LOSS_ERR_REPORT) console.log(`worst error vs PyTorch (relative, atol floor): ${JSON.stringify(worst)}`);
});

const TOL: Record<Float, number> = { float64: 1e-12, float32: 1e-5 };

function check(c: Case, dtype: Float): void {
  const inputs: Record<string, L.Tensor> = {};
  for (const [k, e] of Object.entries(c.inputs)) inputs[k] = decode(e, dtype, k in c.grads);
  const out = run(c, inputs, dtype);
  const tol = TOL[dtype];
  expect(out.shape, `${c.name}: shape`).toEqual(c.value.shape);
  expect(out.dtype).toBe(dtype);
  const want = c.value.data.map(num);
  track(dtype, out.values, want, `${c.name} value`, tol);
  expect(closeness(out.values, want, tol, tol), `${c.name}: value ${Array.from(out.values)}`).toBeLessThanOrEqual(1);
  const names = Object.keys(c.grads);
  const grads = L.grad(L.sum(L.mul(out, decode(c.outWeights, dtype))), names.map((k) => inputs[k]), { allowUnused: true });
  names.forEach((k, i) => {
    let wantG = c.grads[k].data.map(num);
    let got = grads[i] ? Array.from(grads[i]!.values) : new Array<number>(wantG.length).fill(0);
    if (c.loss === 'poissonNllLoss' && k === 'target') {
      // full: PyTorch's target gradient is NaN at target 0 (0 * log 0 under its mask); Lattice's is finite there.
      const keep = wantG.map(Number.isFinite);
      expect(got.every(Number.isFinite), `${c.name}: d/dtarget finite`).toBe(true);
      got = got.filter((_, j) => keep[j]);
      wantG = wantG.filter((_, j) => keep[j]);
    }
    track(dtype, got, wantG, `${c.name} d/d${k}`, tol);
    expect(closeness(got, wantG, tol, tol), `${c.name}: d/d${k} ${got}`).toBeLessThanOrEqual(1);
  });
}

const backends = hasNative() ? (['reference', 'native'] as const) : (['reference'] as const);

describe(`more losses against PyTorch ${fixture.torch}`, () => {
  it('the fixture covers every loss, reduction and the non-default options', () => {
    const kinds = new Set(fixture.cases.map((c) => c.loss));
    expect([...kinds].sort()).toEqual(['gaussianNllLoss', 'hingeEmbeddingLoss', 'multiLabelSoftMarginLoss', 'multiMarginLoss',
      'poissonNllLoss', 'sigmoidFocalLoss', 'softMarginLoss', 'tripletMarginLoss']);
    for (const k of kinds) {
      const rs = new Set(fixture.cases.filter((c) => c.loss === k).map((c) => c.opts.reduction ?? (k === 'sigmoidFocalLoss' ? 'none' : 'mean')));
      expect([...rs].sort(), k).toEqual(['mean', 'none', 'sum']);
    }
  });

  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      describe(`${backend} ${dtype}`, () => {
        for (const c of fixture.cases) it(c.name, () => onBackend(backend, () => check(c, dtype)));
      });
    }
  }
});

describe('more losses: gradcheck (float64)', () => {
  const f64 = { dtype: 'float64' as const };
  const leaf = (t: L.Tensor): L.Tensor => t.detach().requiresGrad_(true);
  for (const backend of backends) {
    it(`every loss, one case each (${backend})`, () => onBackend(backend, () => {
      L.manualSeed(7);
      const x = leaf(L.randn([3, 4], f64));
      const t = leaf(L.randn([3, 4], f64));
      const v = leaf(L.rand([3], f64).add(0.5));
      expect(L.gradcheck((a, b, c) => losses.gaussianNllLoss(a, b, c, { full: true }), [x, t, v])).toBe(true);
      const counts = leaf(L.tensor([[0, 0.7, 2, 3], [4, 0.5, 2.5, 6], [1.5, 7, 3, 2]], f64)); // off t = 1, where full's Stirling term starts (a jump)
      const rate = leaf(L.rand([3, 4], f64).add(0.2));
      expect(L.gradcheck((a, b) => losses.poissonNllLoss(a, b, { full: true, reduction: 'none' }), [x, counts])).toBe(true);
      expect(L.gradcheck((a, b) => losses.poissonNllLoss(a, b, { logInput: false, reduction: 'sum' }), [rate, counts])).toBe(true);
      const n = leaf(L.randn([3, 4], f64));
      expect(L.gradcheck((a, p, q) => losses.tripletMarginLoss(a, p, q, { margin: 3, swap: true, reduction: 'none' }), [x, t, n])).toBe(true);
      expect(L.gradcheck((a, p, q) => losses.tripletMarginLoss(a, p, q, { margin: 3, p: 1 }), [x, t, n])).toBe(true);
      const signs = L.tensor([[1, -1, 1, 1], [-1, -1, 1, -1], [1, 1, -1, 1]], f64);
      expect(L.gradcheck((a) => losses.softMarginLoss(a, signs, { reduction: 'none' }), [x])).toBe(true);
      const w = L.rand([4], f64).add(0.5);
      expect(L.gradcheck((a, b) => losses.multiLabelSoftMarginLoss(a, b, { weight: w }), [x, leaf(L.rand([3, 4], f64))])).toBe(true);
      expect(L.gradcheck((a) => losses.hingeEmbeddingLoss(a, signs, { margin: 0.5, reduction: 'sum' }), [x])).toBe(true);
      const y = L.tensor([2, 0, 3], { dtype: 'int32' });
      expect(L.gradcheck((a) => losses.multiMarginLoss(a, y, { p: 2, weight: w, reduction: 'none' }), [x])).toBe(true);
      expect(L.gradcheck((a) => losses.multiMarginLoss(a, y, { margin: 0.5 }), [x])).toBe(true);
      expect(L.gradcheck((a, b) => losses.sigmoidFocalLoss(a, b, { gamma: 1.5, reduction: 'mean' }), [x, leaf(L.rand([3, 4], f64))])).toBe(true);
    }));
  }
});

describe('more losses: behaviour', () => {
  it('gaussianNllLoss: var below eps is clamped, its gradient passes the clamp (PyTorch)', () => {
    const v = L.tensor([0, 1e-9, 2], { dtype: 'float64', requiresGrad: true });
    const x = L.tensor([0.5, -0.25, 1], { dtype: 'float64' });
    const loss = losses.gaussianNllLoss(x, L.zerosLike(x), v, { reduction: 'none' });
    expect(loss.values[0]).toBeCloseTo(0.5 * (Math.log(1e-6) + 0.25 / 1e-6), 6);
    loss.sum().backward();
    expect(v.grad!.values[0]).toBeCloseTo(0.5 * (1 / 1e-6 - 0.25 / 1e-12), -3);
  });

  it('softMarginLoss and multiLabelSoftMarginLoss stay finite for huge logits', () => {
    const x = L.tensor([1000, -1000, 0]);
    expect(Array.from(losses.softMarginLoss(x, L.tensor([-1, 1, 1]), { reduction: 'none' }).values)).toEqual([1000, 1000, Math.log(2)].map(Math.fround));
    expect(losses.multiLabelSoftMarginLoss(x, L.tensor([0, 1, 1])).item()).toBeCloseTo((2000 + Math.log(2)) / 3, 3);
    const xg = L.tensor([0], { requiresGrad: true });
    losses.softMarginLoss(xg, L.tensor([1])).backward();
    expect(xg.grad!.item()).toBe(-0.5);
  });

  it('sigmoidFocalLoss defaults to reduction none; gamma 0 and alpha < 0 give bceWithLogits', () => {
    const x = L.randn([3, 2]);
    const t = L.rand([3, 2]).gt(0.5).to('float32');
    expect(losses.sigmoidFocalLoss(x, t).shape).toEqual([3, 2]);
    const a = losses.sigmoidFocalLoss(x, t, { alpha: -1, gamma: 0, reduction: 'mean' }).item();
    expect(a).toBeCloseTo(L.bceWithLogits(x, t).item(), 6);
  });

  it('multiMarginLoss: unbatched input gives a loss shaped like the target', () => {
    const x = L.tensor([0.1, 0.2, 0.4, 0.8]);
    // PyTorch's documented example: 1/4 ((1 - 0.8 + 0.1) + (1 - 0.8 + 0.2) + (1 - 0.8 + 0.4)) = 0.325
    expect(losses.multiMarginLoss(x, L.tensor(3, { dtype: 'int32' }), { reduction: 'none' }).shape).toEqual([]);
    expect(losses.multiMarginLoss(x, L.tensor([3], { dtype: 'int32' })).item()).toBeCloseTo(0.325, 6);
  });
});

describe('more loss modules', () => {
  L.manualSeed(3);
  const x = L.randn([4, 3]);
  const t = L.randn([4, 3]);
  const signs = L.tensor([[1, -1, 1], [-1, -1, 1], [1, 1, -1], [-1, 1, 1]]);
  const y = L.tensor([0, 2, 1, 2], { dtype: 'int32' });
  const w = L.tensor([1, 2, 0.5]);
  const same = (a: L.Tensor, b: L.Tensor): void => expect(Array.from(a.values)).toEqual(Array.from(b.values));

  it('match their functions', () => {
    const v = L.rand([4, 3]).add(0.1);
    same(new losses.GaussianNLLLoss({ full: true }).call(x, t, v), losses.gaussianNllLoss(x, t, v, { full: true }));
    same(new losses.GaussianNLLLoss({ reduction: 'none' }).call(x, t, 0.5), losses.gaussianNllLoss(x, t, 0.5, { reduction: 'none' }));
    const counts = L.tensor([[0, 1, 2], [3, 4, 0], [5, 1, 2], [7, 0, 1]]);
    same(new losses.PoissonNLLLoss({ logInput: false, full: true }).call(v, counts), losses.poissonNllLoss(v, counts, { logInput: false, full: true }));
    same(new losses.TripletMarginLoss({ margin: 0.5, swap: true }).call(x, t, v), losses.tripletMarginLoss(x, t, v, { margin: 0.5, swap: true }));
    same(new losses.SoftMarginLoss({ reduction: 'sum' }).call(x, signs), losses.softMarginLoss(x, signs, { reduction: 'sum' }));
    same(new losses.HingeEmbeddingLoss({ margin: 2 }).call(x, signs), losses.hingeEmbeddingLoss(x, signs, { margin: 2 }));
    same(new losses.MultiLabelSoftMarginLoss({ weight: w }).call(x, v), losses.multiLabelSoftMarginLoss(x, v, { weight: w }));
    same(new losses.MultiMarginLoss({ p: 2, weight: w, reduction: 'none' }).call(x, y), losses.multiMarginLoss(x, y, { p: 2, weight: w, reduction: 'none' }));
    expect(new losses.TripletMarginLoss({ margin: 0.5 }).toString()).toContain('margin=0.5');
  });

  it('keep class weights as the buffer weight', () => {
    for (const m of [new losses.MultiMarginLoss({ weight: w, margin: 0.5 }), new losses.MultiLabelSoftMarginLoss({ weight: w })]) {
      expect(Object.keys(m.stateDict())).toEqual(['weight']);
      expect(m.parameters()).toEqual([]);
      expect(m.toString()).not.toContain('weight=');
      m.double();
      expect(m.getBuffer('weight')!.dtype).toBe('float64');
    }
    expect(Object.keys(new losses.MultiMarginLoss().stateDict())).toEqual([]);
    const m = new losses.MultiMarginLoss({ weight: w }).double();
    expect(m.call(x.to('float64'), y).dtype).toBe('float64');
  });
});

describe('more losses: bad arguments', () => {
  const x = L.randn([4, 3]);
  const int = (v: number[]): L.Tensor => L.tensor(v, { dtype: 'int32' });
  const signs = L.ones([4, 3]);

  it('gaussianNllLoss', () => {
    const op = losses.gaussianNllLoss;
    expect(() => op(x, L.randn([4, 2]), L.ones([4, 3]))).toThrow(/gaussianNllLoss: target float32\[4,2\] must have the shape of input \[4,3\], or that shape with one dim of size 1/);
    expect(() => op(x, x, L.ones([3, 3]))).toThrow(/gaussianNllLoss: var float32\[3,3\] must have the shape of input \[4,3\], that shape without its last dim \[4\], or that shape with one dim of size 1/);
    expect(() => op(x, x, L.ones([1, 1]))).toThrow(L.ShapeError);
    expect(() => op(x, x, L.tensor([[1, 1, 1], [1, -0.5, 1], [1, 1, 1], [1, 1, 1]]))).toThrow(/gaussianNllLoss: var float32\[4,3\] holds -0.5 at element 4; variances must be >= 0/);
    expect(() => op(x, x, -1)).toThrow(/gaussianNllLoss: var must be >= 0, got -1/);
    expect(() => op(x, x.gt(0), L.ones([4, 3]))).toThrow(/gaussianNllLoss: target must be a float tensor, got bool\[4,3\]/);
    expect(() => op(x, x, L.ones([4, 3], { dtype: 'int32' }))).toThrow(/gaussianNllLoss: var must be float32 or float64/);
    expect(() => op(x, x, 1, { reduction: 'avg' as 'mean' })).toThrow(/gaussianNllLoss: reduction must be one of 'mean', 'sum', 'none', got 'avg'/);
    expect(() => op(x, x, 1, { eps: -1 })).toThrow(/gaussianNllLoss: eps must be a finite number >= 0/);
    expect(() => op(x, x, 1, { full: 1 as unknown as boolean })).toThrow(/gaussianNllLoss: full must be a boolean/);
  });

  it('poissonNllLoss', () => {
    expect(() => losses.poissonNllLoss(x, L.rand([3, 4]))).toThrow(/poissonNllLoss: target float32\[3,4\] must have the shape of input \[4,3\]/);
    expect(() => losses.poissonNllLoss(x, x.gt(0))).toThrow(/poissonNllLoss: target must be float or int32 counts, got bool\[4,3\]/);
    expect(() => losses.poissonNllLoss(x.to('int32'), x)).toThrow(/poissonNllLoss: input must be float32 or float64/);
    expect(() => losses.poissonNllLoss(x, x, { reduction: 'batchmean' as 'mean' })).toThrow(/poissonNllLoss: reduction must be one of/);
    expect(losses.poissonNllLoss(x, L.zeros([4, 3], { dtype: 'int32' })).dtype).toBe('float32');
  });

  it('tripletMarginLoss', () => {
    const op = losses.tripletMarginLoss;
    expect(() => op(x, L.randn([4, 2]), x)).toThrow(/tripletMarginLoss: positive float32\[4,2\] must have the shape of anchor \[4,3\]/);
    expect(() => op(x, x, L.randn([3]))).toThrow(/tripletMarginLoss: negative float32\[3\] must have the shape of anchor \[4,3\]/);
    expect(() => op(L.randn([]), L.randn([]), L.randn([]))).toThrow(/tripletMarginLoss: anchor must be \[N, D\] or \[D\]/);
    expect(() => op(x, x, x.to('int32'))).toThrow(/tripletMarginLoss: negative must be float32 or float64/);
    expect(() => op(x, x, x, { margin: 0 })).toThrow(/tripletMarginLoss: margin must be a finite number > 0, got 0/);
    expect(() => op(x, x, x, { p: 0 })).toThrow(/tripletMarginLoss: p must be a positive number or Infinity, got 0/);
    expect(() => op(x, x, x, { reduction: 'max' as 'mean' })).toThrow(/tripletMarginLoss: reduction must be one of/);
  });

  it('softMarginLoss, hingeEmbeddingLoss', () => {
    for (const [name, op] of [['softMarginLoss', losses.softMarginLoss], ['hingeEmbeddingLoss', losses.hingeEmbeddingLoss]] as const) {
      expect(() => op(x, L.ones([4]))).toThrow(new RegExp(`${name}: target float32\\[4\\] must have the shape of input \\[4,3\\]`));
      expect(() => op(x, x.gt(0))).toThrow(new RegExp(`${name}: target must hold 1 or -1 \\(int32 or float\\), got bool\\[4,3\\]`));
      expect(() => op(x, signs.mul(0))).toThrow(new RegExp(`${name}: target holds 0 at element 0; labels must be 1 or -1`));
      expect(() => op(x, signs, { reduction: 'avg' as 'mean' })).toThrow(new RegExp(`${name}: reduction must be one of`));
    }
    expect(() => losses.hingeEmbeddingLoss(x, signs, { margin: Infinity })).toThrow(/hingeEmbeddingLoss: margin must be a finite number/);
  });

  it('multiLabelSoftMarginLoss', () => {
    const op = losses.multiLabelSoftMarginLoss;
    expect(() => op(x, L.rand([4, 2]))).toThrow(/multiLabelSoftMarginLoss: target float32\[4,2\] must have the shape of input \[4,3\]/);
    expect(() => op(x, x.gt(0))).toThrow(/multiLabelSoftMarginLoss: target must be float or int32/);
    expect(() => op(x, signs, { weight: L.ones([4]) })).toThrow(/multiLabelSoftMarginLoss: weight float32\[4\] must be \[3\], one entry per class of input float32\[4,3\]/);
    expect(() => op(L.randn([]), L.randn([]))).toThrow(/multiLabelSoftMarginLoss: input must be \[N, C\] or \[C\]/);
    expect(() => op(x, signs, { reduction: '' as 'mean' })).toThrow(/multiLabelSoftMarginLoss: reduction must be one of/);
  });

  it('multiMarginLoss', () => {
    const op = losses.multiMarginLoss;
    const y = int([0, 2, 1, 1]);
    expect(() => op(x, int([0, 1, 2]))).toThrow(/multiMarginLoss: target int32\[3\] must be \[4\] for input float32\[4,3\], one class index per row/);
    expect(() => op(x, L.tensor([0, 2, 1, 1]))).toThrow(/multiMarginLoss: target must be int32 class indices, got float32\[4\]/);
    expect(() => op(x, int([0, 3, 1, 1]))).toThrow(/multiMarginLoss: target 3 at position 1 is out of range for 3 classes \(input float32\[4,3\]\)/);
    expect(() => op(x, int([0, -1, 1, 1]))).toThrow(/target -1 at position 1/);
    expect(() => op(x, y, { p: 3 as 2 })).toThrow(/multiMarginLoss: p must be 1 or 2, got 3/);
    expect(() => op(x, y, { weight: L.ones([2, 3]) })).toThrow(/multiMarginLoss: weight float32\[2,3\] must be \[3\]/);
    expect(() => op(L.randn([2, 3, 4]), y)).toThrow(/multiMarginLoss: input must be \[N, C\] or \[C\], got float32\[2,3,4\]/);
    expect(() => op(x, y, { reduction: 'mine' as 'mean' })).toThrow(/multiMarginLoss: reduction must be one of 'mean', 'sum', 'none', got 'mine'/);
  });

  it('sigmoidFocalLoss', () => {
    const op = losses.sigmoidFocalLoss;
    expect(() => op(x, L.rand([3, 4]))).toThrow(/sigmoidFocalLoss: targets float32\[3,4\] must have the shape of inputs \[4,3\]/);
    expect(() => op(x, L.zeros([4, 3], { dtype: 'int32' }))).toThrow(/sigmoidFocalLoss: targets must be a float tensor \(0\/1 labels or probabilities\), got int32\[4,3\]/);
    expect(() => op(x, signs, { gamma: -1 })).toThrow(/sigmoidFocalLoss: gamma must be a finite number >= 0, got -1/);
    expect(() => op(x, signs, { reduction: 'batchmean' as 'mean' })).toThrow(/sigmoidFocalLoss: reduction must be one of/);
  });
});

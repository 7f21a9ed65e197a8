/** nn.utils.prune against torch.nn.utils.prune (test/fixtures/prune_torch.json), and its behaviour in training. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, nn, optim, PhiloxStream, ShapeError } from '../../src/index';
import fixture from '../fixtures/prune_torch.json';

const { prune } = nn.utils;

interface LayerSpec { layer: string; in: number; out: number; k?: number }
interface Enc { shape: number[]; values: number[] }
type Layer = nn.Linear | nn.Conv2d;
type Step = { method: string; name?: string; amount?: number; n?: number | string; dim?: number; mask?: number[] };

function build(spec: LayerSpec, weight: Enc, bias: Enc): Layer {
  const layer = spec.layer === 'linear' ? new nn.Linear(spec.in, spec.out) : new nn.Conv2d(spec.in, spec.out, spec.k!);
  L.noGrad(() => {
    layer.weight.copy_(L.tensor(weight.values).reshape(weight.shape));
    layer.bias!.copy_(L.tensor(bias.values));
  });
  return layer;
}

const norm = (n: number | string): number => (n === 'inf' ? Infinity : n === '-inf' ? -Infinity : (n as number));

function applyStep(layer: Layer, step: Step): void {
  const name = step.name ?? 'weight';
  switch (step.method) {
    case 'l1Unstructured': prune.l1Unstructured(layer, name, step.amount!); break;
    case 'lnStructured': prune.lnStructured(layer, name, step.amount!, norm(step.n!), step.dim!); break;
    case 'customFromMask': prune.customFromMask(layer, name, L.tensor(step.mask!).reshape(layer.getParameter(`${name}_orig`)?.shape ?? layer.getParameter(name)!.shape)); break;
    case 'identity': prune.identity(layer, name); break;
    case 'remove': prune.remove(layer, name); break;
    default: throw new Error(step.method);
  }
}

const field = (m: nn.Module, name: string): L.Tensor => (m as unknown as Record<string, L.Tensor>)[name];

const close = (got: ArrayLike<number>, want: number[], what: string, tol = 1e-5): void => {
  expect(got.length, what).toBe(want.length);
  Array.from(got).forEach((v, i) => expect(Math.abs(v - want[i]), `${what}[${i}]: ${v} vs ${want[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]))));
};

const zerosOf = (t: L.Tensor): number => Array.from(t.data()).filter((v) => v === 0).length;

/** The module's state dict as plain arrays, to check that a failed call changed nothing. */
const snapshot = (m: nn.Module): Record<string, number[]> => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, Array.from(t.data())]));

describe('nn.utils.prune matches PyTorch', () => {
  for (const c of fixture.cases) {
    it(c.title, () => {
      const layer = build(c.layer, c.weight, c.bias);
      for (const step of c.steps as (Step & { keys: string[]; weight: number[]; mask?: number[] })[]) {
        const name = step.name ?? 'weight';
        applyStep(layer, step);
        if (step.method === 'remove') {
          // PyTorch re-adds the parameter at the end (['bias', 'weight']); here it keeps its place, as removeWeightNorm.
          expect(Object.keys(layer.stateDict()).sort()).toEqual([...step.keys].sort());
          expect(layer.getParameter(name)).toBe(field(layer, name));
        } else {
          expect(Object.keys(layer.stateDict()), `${step.method} keys`).toEqual(step.keys);
          expect(Array.from(layer.getBuffer(`${name}_mask`)!.data()), `${step.method} mask`).toEqual(step.mask);
        }
        // module[name] holds the pruned weight right after the call, as in PyTorch (exact: a product with 0 or 1).
        expect(Array.from(field(layer, name).data()), `${step.method} ${name}`).toEqual(step.weight);
      }
      if ('x' in c && c.x) {
        const x = L.tensor(c.x.values).reshape(c.x.shape);
        const out = layer.call(x);
        close(out.data(), c.out!.values, 'out');
        L.backward(out.square().sum());
        close(layer.getParameter('weight_orig')!.grad!.data(), c.gradWeightOrig!, 'grad weight_orig', 1e-4);
        close(layer.getParameter('bias')!.grad!.data(), c.gradBias!, 'grad bias', 1e-4);
      }
    });
  }

  for (const g of fixture.global) {
    it(g.title, () => {
      const layers = g.layers.map((spec, i) => build(spec, g.weights[i], g.biases[i]));
      for (const [i, step] of g.pre as [number, Step][]) applyStep(layers[i], step);
      prune.globalUnstructured(layers.map((m) => [m, 'weight']), { pruningMethod: 'l1', amount: g.amount });
      layers.forEach((m, i) => {
        expect(Object.keys(m.stateDict())).toEqual(g.after[i].keys);
        expect(Array.from(m.getBuffer('weight_mask')!.data()), `mask ${i}`).toEqual(g.after[i].mask);
        expect(Array.from(field(m, 'weight').data()), `weight ${i}`).toEqual(g.after[i].weight);
      });
    });
  }
});

describe('nn.utils.prune', () => {
  it('forward uses orig · mask and the gradient w.r.t. weight_orig is masked', () => {
    L.manualSeed(1);
    const fc = new nn.Linear(3, 2);
    const w = Array.from(fc.weight.data()), b = Array.from(fc.bias!.data());
    const mask = [1, 0, 1, 0, 1, 1];
    prune.customFromMask(fc, 'weight', L.tensor(mask).reshape([2, 3]));
    const x = [[1, 2, 3], [-1, 0.5, 2]];
    const out = fc.call(L.tensor(x));
    const want = x.flatMap((row) => [0, 1].map((o) => b[o] + row.reduce((s, xi, i) => s + xi * w[o * 3 + i] * mask[o * 3 + i], 0)));
    close(out.data(), want, 'out');
    L.backward(out.sum());
    // d sum(out) / d W[o][i] = sum over the batch of x[i], times the mask.
    const grad = [0, 1].flatMap((o) => [0, 1, 2].map((i) => (x[0][i] + x[1][i]) * mask[o * 3 + i]));
    close(fc.getParameter('weight_orig')!.grad!.data(), grad, 'grad weight_orig');
    expect(fc.getBuffer('weight_mask')!.requiresGrad).toBe(false);
    expect(fc.getBuffer('weight_mask')!.grad).toBeNull();
  });

  it('training keeps the pruned weights at 0 (Adam with weight decay; optimizer built before pruning)', () => {
    L.manualSeed(2);
    const net = new nn.Sequential(new nn.Linear(4, 16), new nn.Tanh(), new nn.Linear(16, 1));
    const opt = new optim.Adam(net.parameters(), { lr: 0.02, weightDecay: 0.01 });
    const first = net.getSubmodule('0') as nn.Linear;
    prune.l1Unstructured(first, 'weight', 0.5);
    const mask = Array.from(first.getBuffer('weight_mask')!.data());
    expect(mask.filter((m) => m === 0).length).toBe(32);
    const before = Array.from(first.getParameter('weight_orig')!.data());
    const x = L.randn([64, 4]), y = x.matmul(L.tensor([[1], [-2], [0.5], [3]])).tanh();
    const loss = (): number => L.tidy(() => net.call(x).sub(y).square().mean().item());
    const start = loss();
    for (let i = 0; i < 100; i++) L.tidy(() => { opt.zeroGrad(); L.backward(net.call(x).sub(y).square().mean()); opt.step(); });
    expect(loss()).toBeLessThan(start / 5);
    net.call(x);
    const weight = Array.from(field(first, 'weight').data()), orig = Array.from(first.getParameter('weight_orig')!.data());
    mask.forEach((m, i) => {
      if (m === 0) expect(weight[i] === 0, `pruned weight[${i}] = ${weight[i]}`).toBe(true);
      else expect(orig[i], `trained weight_orig[${i}]`).not.toBe(before[i]);
    });
  });

  it('random pruning prunes exactly round(amount · n) entries, reproducibly with a seeded generator', () => {
    const make = (): nn.Linear => { L.manualSeed(3); return new nn.Linear(5, 4); };
    for (const [amount, count] of [[0.125, 2], [0.3, 6], [0.5, 10], [7, 7], [0, 0], [20, 20]] as const) {
      const fc = prune.randomUnstructured(make(), 'weight', amount, { generator: new PhiloxStream(7) });
      expect(zerosOf(fc.getBuffer('weight_mask')!), `amount ${amount}`).toBe(count);
    }
    const a = prune.randomUnstructured(make(), 'weight', 0.5, { generator: new PhiloxStream(7) });
    const b = prune.randomUnstructured(make(), 'weight', 0.5, { generator: new PhiloxStream(7) });
    const c = prune.randomUnstructured(make(), 'weight', 0.5, { generator: new PhiloxStream(8) });
    expect(Array.from(a.getBuffer('weight_mask')!.data())).toEqual(Array.from(b.getBuffer('weight_mask')!.data()));
    expect(Array.from(a.getBuffer('weight_mask')!.data())).not.toEqual(Array.from(c.getBuffer('weight_mask')!.data()));
    // The global generator by default: manualSeed reproduces it.
    const d = make(); L.manualSeed(11); prune.randomUnstructured(d, 'weight', 0.4);
    const e = make(); L.manualSeed(11); prune.randomUnstructured(e, 'weight', 0.4);
    expect(Array.from(d.getBuffer('weight_mask')!.data())).toEqual(Array.from(e.getBuffer('weight_mask')!.data()));
    // Again on the 10 entries left: round(0.25 · 10) = 2 more, only among them.
    const first = Array.from(a.getBuffer('weight_mask')!.data());
    prune.randomUnstructured(a, 'weight', 0.25, { generator: new PhiloxStream(9) });
    const second = Array.from(a.getBuffer('weight_mask')!.data());
    expect(second.filter((m) => m === 0).length).toBe(12);
    first.forEach((m, i) => { if (m === 0) expect(second[i]).toBe(0); });
  });

  it('randomStructured prunes exactly round(amount · channels) whole channels', () => {
    L.manualSeed(4);
    const conv = new nn.Conv2d(6, 8, 3);
    prune.randomStructured(conv, 'weight', 0.375, 0, { generator: new PhiloxStream(5) });   // 3 filters
    const mask = conv.getBuffer('weight_mask')!.toArray() as number[][][][];
    const pruned = mask.filter((f) => f.flat(2).every((v) => v === 0)).length;
    expect(pruned).toBe(3);
    expect(mask.filter((f) => f.flat(2).every((v) => v === 1)).length).toBe(5);
    // Then 2 of the 6 input channels, among all filters.
    prune.randomStructured(conv, 'weight', 2, 1, { generator: new PhiloxStream(6) });
    const m2 = conv.getBuffer('weight_mask')!.toArray() as number[][][][];
    const liveIn = [0, 1, 2, 3, 4, 5].filter((i) => m2.some((f) => f[i].flat().some((v) => v !== 0)));
    expect(liveIn.length).toBe(4);
    expect(zerosOf(conv.getBuffer('weight_mask')!)).toBe(8 * 6 * 9 - 5 * 4 * 9);
    expect(prune.pruningSteps(conv, 'weight')).toEqual([{ method: 'randomStructured', amount: 0.375, dim: 0 }, { method: 'randomStructured', amount: 2, dim: 1 }]);
  });

  it('remove leaves a plain parameter with the zeros, the same object the optimizer holds', () => {
    L.manualSeed(5);
    const fc = new nn.Linear(4, 3);
    const param = fc.weight;
    const opt = new optim.SGD(fc.parameters(), { lr: 0.1 });
    prune.l1Unstructured(fc, 'weight', 6);
    expect(prune.isPruned(fc)).toBe(true);
    expect(fc.getParameter('weight_orig')).toBe(param);
    prune.remove(fc, 'weight');
    expect(prune.isPruned(fc)).toBe(false);
    expect(fc.weight).toBe(param);
    expect(fc.weight).toBeInstanceOf(nn.Parameter);
    expect(Object.keys(fc.stateDict())).toEqual(['weight', 'bias']);
    expect(zerosOf(fc.weight)).toBe(6);
    expect(fc.getBuffer('weight_mask')).toBeNull();
    expect(Object.prototype.hasOwnProperty.call(fc, 'forward')).toBe(false);
    // Now the zeros train again.
    L.backward(fc.call(L.ones([2, 4])).sum());
    opt.step();
    expect(zerosOf(fc.weight)).toBe(0);
    // And it can be pruned afresh.
    prune.l1Unstructured(fc, 'weight', 0.5);
    expect(Object.keys(fc.stateDict())).toEqual(['bias', 'weight_orig', 'weight_mask']);
  });

  it('deepCopy keeps the pruning and computes with its own weights; state dicts load into a pruned layer', () => {
    L.manualSeed(6);
    const a = prune.l1Unstructured(new nn.Linear(3, 4), 'weight', 0.5);
    const x = L.randn([2, 3]);
    const outA = Array.from(a.call(x).data());
    const copy = nn.utils.deepCopy(a);
    expect(prune.isPruned(copy)).toBe(true);
    expect(Object.keys(copy.stateDict())).toEqual(['bias', 'weight_orig', 'weight_mask']);
    expect(Array.from(copy.call(x).data())).toEqual(outA);
    L.noGrad(() => { copy.getParameter('weight_orig')!.fill_(1); copy.getBuffer('weight_mask')!.fill_(1); });
    expect(Array.from(copy.call(x).data())).not.toEqual(outA);
    expect(Array.from(a.call(x).data())).toEqual(outA);
    expect(Array.from(field(copy, 'weight').data())).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const b = prune.identity(new nn.Linear(3, 4), 'weight');
    b.loadStateDict(a.stateDict());
    expect(Array.from(b.call(x).data())).toEqual(outA);
    expect(() => new nn.Linear(3, 4).loadStateDict(a.stateDict())).toThrow(/missing keys: 'weight'.*\n?.*unexpected keys: 'weight_orig', 'weight_mask'/);
  });

  it('composes with weightNorm on another parameter; on the same weight it is refused clearly', () => {
    L.manualSeed(7);
    const x = L.randn([2, 3]);
    // weightNorm on weight, pruning on bias: both apply.
    const both = prune.l1Unstructured(nn.utils.weightNorm(new nn.Linear(3, 4)), 'bias', 2);
    expect(Object.keys(both.stateDict())).toEqual(['weight_g', 'weight_v', 'bias_orig', 'bias_mask']);
    both.call(x);
    expect(zerosOf(field(both, 'bias'))).toBe(2);
    // Pruned, then weightNorm: weightNorm refuses.
    const pruned = prune.l1Unstructured(new nn.Linear(3, 4), 'weight', 0.5);
    expect(() => nn.utils.weightNorm(pruned)).toThrow(/weightNorm: Linear.weight already has pruning/);
    expect(() => nn.utils.spectralNorm(pruned)).toThrow(/spectralNorm: Linear has no parameter 'weight'/);
    // weightNorm, then pruning the weight or one of its inputs: refused, nothing changed.
    const wn = nn.utils.weightNorm(new nn.Linear(3, 4));
    const before = snapshot(wn);
    expect(() => prune.l1Unstructured(wn, 'weight', 0.5)).toThrow(/l1Unstructured: Linear.weight already has weightNorm; pruning does not compose with another reparametrisation of the same weight/);
    expect(() => prune.l1Unstructured(wn, 'weight_v', 0.5)).toThrow(/l1Unstructured: Linear.weight_v is an input of the weightNorm of Linear.weight/);
    expect(() => prune.l1Unstructured(pruned, 'weight_orig', 0.5)).toThrow(/Linear.weight_orig is an input of the pruning of Linear.weight/);
    expect(snapshot(wn)).toEqual(before);
    // weightNorm on weight_orig (which weightNorm cannot see is pruning's input) fails at the forward, saying why.
    nn.utils.weightNorm(pruned, { name: 'weight_orig' });
    expect(() => pruned.call(x)).toThrow(/pruning: Linear.weight is pruned but its parameter 'weight_orig' is gone \(weightNorm replaced it; pruning does not compose/);
  });

  it('rejects bad arguments naming the function, the argument, the module and the shapes, and changes nothing', () => {
    L.manualSeed(8);
    const fc = new nn.Linear(5, 4);
    const before = snapshot(fc);
    expect(() => prune.l1Unstructured(fc, 'weight', 21)).toThrow(/l1Unstructured: amount 21 is more than the 20 unpruned entries of Linear.weight float32\[4,5\]/);
    for (const bad of [1.5, -1, NaN, Infinity, '0.3'] as unknown as number[]) {
      expect(() => prune.l1Unstructured(fc, 'weight', bad)).toThrow(/l1Unstructured: amount must be a non-negative integer \(a count\) or a fraction in \[0, 1\]/);
    }
    expect(() => prune.l1Unstructured(fc, 'scale', 0.2)).toThrow(/l1Unstructured: Linear has no parameter 'scale' \(its parameters: 'weight', 'bias'\)/);
    expect(() => prune.l1Unstructured({} as nn.Linear, 'weight', 0.2)).toThrow(/l1Unstructured: module must be a Module/);
    expect(() => prune.customFromMask(fc, 'weight', L.ones([5, 4]))).toThrow(ShapeError);
    expect(() => prune.customFromMask(fc, 'weight', L.ones([5, 4]))).toThrow(/customFromMask: mask is float32\[5,4\] but Linear.weight float32\[4,5\] is \[4,5\]/);
    expect(() => prune.l1Unstructured(fc, 'weight', 0.2, { importanceScores: L.ones([20]) })).toThrow(/l1Unstructured: importanceScores is float32\[20\] but Linear.weight/);
    expect(() => prune.lnStructured(fc, 'weight', 0.5, 2, 2)).toThrow(/lnStructured: dim must be an integer in \[-2, 2\), got 2 for Linear.weight float32\[4,5\]/);
    expect(() => prune.lnStructured(fc, 'bias', 0.5, 2, 0)).toThrow(/lnStructured: Linear.bias float32\[4\] has 1 dim; structured pruning needs at least 2/);
    expect(() => prune.lnStructured(fc, 'weight', 5, 2, 0)).toThrow(/lnStructured: amount 5 is more than the 4 unpruned channels along dim 0 of Linear.weight float32\[4,5\]/);
    expect(() => prune.lnStructured(fc, 'weight', 0.5, 'nuc' as unknown as number, 0)).toThrow(/lnStructured: n must be a number/);
    expect(() => prune.randomUnstructured(fc, 'weight', 0.5, { generator: {} as PhiloxStream })).toThrow(/randomUnstructured: generator must be a PhiloxStream/);
    expect(() => prune.remove(fc, 'weight')).toThrow(/remove: Linear.weight is not pruned \(pruned: none\)/);
    expect(() => prune.globalUnstructured([], { pruningMethod: 'l1', amount: 0.5 })).toThrow(/globalUnstructured: parameters must be a non-empty array/);
    expect(() => prune.globalUnstructured([[fc, 'weight'], [fc, 'weight']], { pruningMethod: 'l1', amount: 0.5 })).toThrow(/globalUnstructured: parameters\[1\] repeats parameters\[0\] \(Linear.weight float32\[4,5\]\)/);
    expect(() => prune.globalUnstructured([[fc, 'weight'], [fc, 'bias']], { pruningMethod: 'l2' as 'l1', amount: 0.5 })).toThrow(/globalUnstructured: pruningMethod must be 'l1' or 'random'/);
    expect(() => prune.globalUnstructured([[fc, 'weight'], [fc, 'bias']], { pruningMethod: 'l1', amount: 25 })).toThrow(/globalUnstructured: amount 25 is more than the 24 unpruned entries of the 2 parameters \(Linear.weight float32\[4,5\], Linear.bias float32\[4\]\)/);
    expect(() => prune.globalUnstructured([[fc, 'weight'], [fc, 'nope']], { pruningMethod: 'l1', amount: 2 })).toThrow(/globalUnstructured: Linear has no parameter 'nope'/);
    expect(snapshot(fc)).toEqual(before);
    expect(prune.isPruned(fc)).toBe(false);
    expect(fc.weight).toBeInstanceOf(nn.Parameter);
    // On a pruned parameter: the count is of what is left, and a failure keeps the old mask.
    prune.l1Unstructured(fc, 'weight', 15);
    const pruned = snapshot(fc);
    expect(() => prune.l1Unstructured(fc, 'weight', 6)).toThrow(/l1Unstructured: amount 6 is more than the 5 unpruned entries of Linear.weight float32\[4,5\]/);
    expect(() => prune.customFromMask(fc, 'weight', L.ones([20]))).toThrow(/customFromMask: mask is float32\[20\]/);
    expect(() => prune.remove(fc, 'bias')).toThrow(/remove: Linear.bias is not pruned \(pruned: 'weight'\)/);
    expect(snapshot(fc)).toEqual(pruned);
    expect(prune.pruningSteps(fc, 'weight')).toEqual([{ method: 'l1Unstructured', amount: 15 }]);
  });

  it('importanceScores rank instead of the weights; isPruned looks into submodules; masks follow the dtype', () => {
    L.manualSeed(9);
    const fc = new nn.Linear(4, 1);
    const w = Array.from(fc.weight.data());
    const scores = L.tensor(w.map((v) => 10 - Math.abs(v))).reshape([1, 4]);   // the largest |w| scores lowest (l1 ranks |scores|)
    prune.l1Unstructured(fc, 'weight', 1, { importanceScores: scores });
    const biggest = w.reduce((best, v, i) => (Math.abs(v) > Math.abs(w[best]) ? i : best), 0);
    expect(Array.from(fc.getBuffer('weight_mask')!.data())).toEqual([0, 1, 2, 3].map((i) => (i === biggest ? 0 : 1)));
    const net = new nn.Sequential(new nn.Linear(2, 2), new nn.Sequential(new nn.Linear(2, 2)));
    expect(prune.isPruned(net)).toBe(false);
    prune.identity(net.getSubmodule('1.0'), 'bias');
    expect(prune.isPruned(net)).toBe(true);
    expect(Object.keys(net.stateDict())).toEqual(['0.weight', '0.bias', '1.0.weight', '1.0.bias_orig', '1.0.bias_mask']);
    const d = new nn.Linear(3, 2).double();
    prune.lnStructured(d, 'weight', 1, 1, 0);
    expect(d.getBuffer('weight_mask')!.dtype).toBe('float64');
    expect(field(d, 'weight').dtype).toBe('float64');
    prune.globalUnstructured([[d, 'weight'], [fc, 'weight']], { pruningMethod: 'random', amount: 3, generator: new PhiloxStream(1) });
    expect(zerosOf(d.getBuffer('weight_mask')!) + zerosOf(fc.getBuffer('weight_mask')!)).toBe(3 + 1 + 3);
  });
});

/** nn.utils.weightNorm against torch.nn.utils.weight_norm (test/fixtures/weight_norm_torch.json). */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, nn, optim } from '../../src/index';
import fixture from '../fixtures/weight_norm_torch.json';

type Case = (typeof fixture.cases)[number];

function build(c: Case): nn.Module {
  const layer = c.layer === 'linear' ? new nn.Linear(3, 4) : new nn.Conv2d(2, 3, 3, { padding: 1 });
  L.noGrad(() => {
    (layer as nn.Linear).weight.copy_(L.tensor(c.weight).reshape(c.weightShape));
    (layer as nn.Linear).bias!.copy_(L.tensor(c.bias));
  });
  return nn.utils.weightNorm(layer, { dim: c.dim });
}

const close = (got: ArrayLike<number>, want: number[], what: string, tol = 1e-5) => {
  expect(got.length, what).toBe(want.length);
  Array.from(got).forEach((v, i) => expect(Math.abs(v - want[i]), `${what}[${i}]: ${v} vs ${want[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i]))));
};

describe('nn.utils.weightNorm matches PyTorch', () => {
  for (const c of fixture.cases) {
    it(`${c.layer}, dim ${c.dim}: parameters, output, gradients and one SGD step`, () => {
      const layer = build(c);
      expect(Object.keys(layer.stateDict())).toEqual(c.keys);
      const g = layer.getParameter('weight_g')!, v = layer.getParameter('weight_v')!;
      expect(g.shape).toEqual(c.gShape);
      close(g.values, c.g, 'weight_g');
      close(v.values, c.v, 'weight_v');
      const x = L.tensor(c.x).reshape(c.xShape);
      const out = layer.call(x);
      expect(out.shape).toEqual(c.outShape);
      close(out.values, c.out, 'out');
      L.backward(out.square().sum());
      close(g.grad!.values, c.gradG, 'grad weight_g', 1e-4);
      close(v.grad!.values, c.gradV, 'grad weight_v', 1e-4);
      close(layer.getParameter('bias')!.grad!.values, c.gradBias, 'grad bias', 1e-4);
      new optim.SGD(layer.parameters(), { lr: 0.1 }).step();
      close(layer.call(x).values, c.outAfterStep, 'out after a step', 1e-4);
    });
  }
});

describe('nn.utils.weightNorm', () => {
  it('removeWeightNorm puts back a plain weight equal to g · v / ‖v‖, with the same output', () => {
    const c = fixture.cases[0];
    const layer = build(c) as nn.Linear;
    const x = L.tensor(c.x).reshape(c.xShape);
    const before = Array.from(layer.call(x).values);
    nn.utils.removeWeightNorm(layer);
    expect(Object.keys(layer.stateDict())).toEqual(['weight', 'bias']);
    expect(layer.weight).toBeInstanceOf(nn.Parameter);
    close(layer.call(x).values, before, 'out', 1e-6);
    close(layer.weight.values, c.weight, 'weight', 1e-6);
  });

  it('state dicts load into a fresh weight-normalised layer; deepCopy keeps the normalisation', () => {
    const c = fixture.cases[3];
    const a = build(c);
    const b = nn.utils.weightNorm(new nn.Conv2d(2, 3, 3, { padding: 1 }));
    b.loadStateDict(a.stateDict());
    const x = L.tensor(c.x).reshape(c.xShape);
    expect(Array.from(b.call(x).values)).toEqual(Array.from(a.call(x).values));
    L.tidy(() => a.call(x));  // the recomputed weight of that forward is disposed with the scope
    const copy = nn.utils.deepCopy(a);
    expect(Object.keys(copy.stateDict())).toEqual(c.keys);
    expect(Array.from(copy.call(x).values)).toEqual(Array.from(a.call(x).values));
  });

  it('composes with spectral normalisation on another parameter, and refuses a second one on the same', () => {
    const layer = nn.utils.weightNorm(new nn.Linear(3, 4));
    expect(() => nn.utils.weightNorm(layer)).toThrow(/weightNorm: Linear.weight already has weightNorm/);
    expect(() => nn.utils.spectralNorm(layer)).toThrow(/spectralNorm: Linear has no parameter 'weight'/);
    expect(() => nn.utils.removeSpectralNorm(layer)).toThrow(/removeSpectralNorm: Linear has no spectral normalisation/);
  });

  it('rejects bad arguments naming them, leaving the layer as it was', () => {
    const layer = new nn.Linear(3, 4);
    expect(() => nn.utils.weightNorm(layer, { dim: 2 })).toThrow(/weightNorm: dim must be an integer in \[-2, 2\) or null, got 2 for Linear.weight float32\[4,3\]/);
    expect(() => nn.utils.weightNorm(layer, { name: 'scale' })).toThrow(/weightNorm: Linear has no parameter 'scale'/);
    expect(Object.keys(layer.stateDict())).toEqual(['weight', 'bias']);
    expect(() => nn.utils.removeWeightNorm(layer)).toThrow(ArgumentError);
  });

  it('trains: a weight-normalised MLP fits a regression as well as a plain one', () => {
    L.manualSeed(0);
    const x = L.randn([128, 4]), y = x.matmul(L.tensor([[1], [-2], [0.5], [3]])).tanh();
    const net = new nn.Sequential(nn.utils.weightNorm(new nn.Linear(4, 16)), new nn.Tanh(), nn.utils.weightNorm(new nn.Linear(16, 1)));
    const opt = new optim.Adam(net.parameters(), { lr: 0.02 });
    const loss = () => L.tidy(() => net.call(x).sub(y).square().mean().item());
    const start = loss();
    for (let i = 0; i < 300; i++) L.tidy(() => { opt.zeroGrad(); L.backward(net.call(x).sub(y).square().mean()); opt.step(); });
    expect(loss()).toBeLessThan(start / 50);
  });
});

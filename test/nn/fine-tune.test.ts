/**
 * Freezing and fine-tuning: freeze()/unfreeze() (BatchNorm held in eval), get/setSubmodule,
 * replaceHead, layer-wise learning-rate groups, addParamGroup, loadStateDict's nameMap, and
 * ULMFiT's gradual unfreezing inside fit().
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn, optim, type Tensor } from '../../src/index';
import { fit } from '../../src/train/fit';
import { GradualUnfreezing } from '../../src/train/callbacks/gradual-unfreezing';

function convNet(): nn.Sequential {
  L.manualSeed(1);
  return new nn.Sequential({
    features: new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4), new nn.ReLU()),
    pool: new nn.AdaptiveAvgPool2d(1),
    flatten: new nn.Flatten(),
    fc: new nn.Linear(4, 3),
  });
}

const snapshot = (ps: Tensor[]): number[][] => ps.map((p) => Array.from(p.values));

describe('freeze / unfreeze', () => {
  it('turns requiresGrad off and holds BatchNorm in eval (running stats fixed) through train()', () => {
    const model = convNet();
    const bn = model.getSubmodule('features.1') as nn.BatchNorm2d;
    model.getSubmodule('features').freeze();
    expect(model.getSubmodule('features').isFrozen).toBe(true);
    expect(model.getSubmodule('fc').isFrozen).toBe(false);
    model.train();
    expect(bn.training).toBe(false);
    expect(model.getSubmodule('features.0').training).toBe(true);
    const before = Array.from(bn.getBuffer('running_mean')!.values);
    L.manualSeed(2);
    const loss = model.call(L.randn([2, 1, 5, 5]).mul(3).add(1)).sum();
    loss.backward();
    expect(Array.from(bn.getBuffer('running_mean')!.values)).toEqual(before);
    expect(bn.getBuffer('num_batches_tracked')!.item()).toBe(0);
    for (const p of model.getSubmodule('features').parameters()) expect(p.grad).toBeNull();
    for (const p of model.getSubmodule('fc').parameters()) expect(p.grad).not.toBeNull();
    model.getSubmodule('features').unfreeze();
    expect(bn.training).toBe(true);
    expect(model.numParameters({ trainableOnly: true })).toBe(model.numParameters());
    model.eval();
    model.train();
    expect(bn.training).toBe(true);
  });

  it('with batchNormEval false leaves BatchNorm following train()', () => {
    const model = convNet();
    model.freeze({ batchNormEval: false }).train();
    const bn = model.getSubmodule('features.1');
    expect(bn.training).toBe(true);
    expect(model.numParameters({ trainableOnly: true })).toBe(0);
    model.call(L.randn([2, 1, 5, 5]));
    expect(bn.getBuffer('num_batches_tracked')!.item()).toBe(1);
    expect(() => model.freeze({ batchNormEval: 1 as unknown as boolean })).toThrow(/freeze: batchNormEval must be a boolean/);
  });
});

describe('getSubmodule / setSubmodule / replaceHead', () => {
  it('replaces a nested module by path; forward and stateDict use the new one', () => {
    const model = convNet();
    const conv = new nn.Conv2d(1, 4, 1);
    const old = model.setSubmodule('features.0', conv);
    expect(old).toBeInstanceOf(nn.Conv2d);
    expect(model.getSubmodule('features.0')).toBe(conv);
    expect(model.stateDict()['features.0.weight'].shape).toEqual([4, 1, 1, 1]);
    expect(model.call(L.randn([1, 1, 5, 5])).shape).toEqual([1, 3]);
    expect(() => model.getSubmodule('features.7')).toThrow(/getSubmodule: 'features.7': 'features' has no submodule '7' \(it has '0', '1', '2'\)/);
    expect(() => model.setSubmodule('head', conv)).toThrow(/no submodule 'head' to replace/);
    expect(() => model.setSubmodule('fc', {} as nn.Module)).toThrow(/module must be a Module/);
  });

  it('replaceHead finds the last leaf with parameters (or takes a path) and swaps it', () => {
    const model = convNet();
    const head = new nn.Linear(4, 7);
    const old = nn.utils.replaceHead(model, head);
    expect(old).toBeInstanceOf(nn.Linear);
    expect((old as nn.Linear).outFeatures).toBe(3);
    expect(model.call(L.randn([2, 1, 5, 5])).shape).toEqual([2, 7]);
    class Wrapper extends nn.Module {
      backbone = convNet();
      classifier = new nn.Sequential(new nn.Dropout(0.2), new nn.Linear(3, 2));
      forward(x: Tensor) { return this.classifier.call(this.backbone.call(x)); }
    }
    const w = new Wrapper();
    nn.utils.replaceHead(w, new nn.Linear(3, 9));
    expect(w.getSubmodule('classifier.1')).toBeInstanceOf(nn.Linear);
    expect(w.call(L.randn([1, 1, 5, 5])).shape).toEqual([1, 9]);
    nn.utils.replaceHead(w, new nn.Linear(3, 5), { path: 'backbone.fc' });
    expect(() => w.call(L.randn([1, 1, 5, 5]))).toThrow();
    expect(() => nn.utils.replaceHead(new nn.ReLU(), head)).toThrow(/replaceHead: ReLU has no submodule with parameters/);
  });
});

describe('layerwiseLrGroups and addParamGroup', () => {
  it('decays the rate from the head back, skipping layers without parameters', () => {
    const model = convNet();
    const groups = nn.utils.layerwiseLrGroups(model, { lr: 0.1, decay: 0.5 });
    // children: features (conv+bn), pool, flatten, fc: 4 layers, fc is last (0.1), features first (0.1 * 0.5^3)
    expect(groups.map((g) => g.lr)).toEqual([0.1 * 0.125, 0.1]);
    expect(groups[0].params).toHaveLength(4);
    expect(groups[1].params).toHaveLength(2);
    const explicit = nn.utils.layerwiseLrGroups([model.getSubmodule('features'), model.getSubmodule('fc')], { lr: [1e-4, 1e-2] });
    expect(explicit.map((g) => g.lr)).toEqual([1e-4, 1e-2]);
    const ulmfit = nn.utils.layerwiseLrGroups([model.getSubmodule('features'), model.getSubmodule('fc')], { lr: 2.6 });
    expect(ulmfit[0].lr).toBeCloseTo(1, 12);
    expect(() => nn.utils.layerwiseLrGroups([model.getSubmodule('fc')], { lr: [1, 2] })).toThrow(/lr has 2 rates but there are 1 layers/);
    expect(() => nn.utils.layerwiseLrGroups(model, { lr: 0.1, decay: 0 })).toThrow(/decay must be a positive number/);
  });

  it('SGD applies each group its own rate; frozen parameters are left alone', () => {
    const model = convNet();
    const opt = new optim.SGD(nn.utils.layerwiseLrGroups(model, { lr: 0.1, decay: 0.5 }), { lr: 1 });
    const conv = model.getSubmodule('features.0') as nn.Conv2d;
    const fc = model.getSubmodule('fc') as nn.Linear;
    const w0 = Array.from(conv.weight.values), f0 = Array.from(fc.weight.values);
    model.call(L.randn([2, 1, 5, 5])).square().sum().backward();
    const gw = Array.from(conv.weight.grad!.values), gf = Array.from(fc.weight.grad!.values);
    opt.step();
    Array.from(conv.weight.values).forEach((v, i) => expect(v).toBeCloseTo(w0[i] - 0.0125 * gw[i], 6));
    Array.from(fc.weight.values).forEach((v, i) => expect(v).toBeCloseTo(f0[i] - 0.1 * gf[i], 6));
    opt.zeroGrad();
    model.getSubmodule('features').freeze();
    const frozen = snapshot(model.getSubmodule('features').parameters());
    model.call(L.randn([2, 1, 5, 5])).square().sum().backward();
    opt.step();
    expect(snapshot(model.getSubmodule('features').parameters())).toEqual(frozen);
  });

  it('addParamGroup brings new parameters under Adam with their own lr', () => {
    const model = convNet();
    const opt = new optim.Adam(model.getSubmodule('fc').parameters(), { lr: 0.01 });
    opt.addParamGroup({ params: model.getSubmodule('features').parameters(), lr: 0.001 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.01, 0.001]);
    const conv = model.getSubmodule('features.0') as nn.Conv2d;
    const w0 = Array.from(conv.weight.values);
    model.call(L.randn([2, 1, 5, 5])).square().sum().backward();
    opt.step();
    // Adam's first step moves every weight by lr * sign(g) (bias-corrected m/sqrt(v) = ±1).
    Array.from(conv.weight.values).forEach((v, i) => expect(Math.abs(v - w0[i])).toBeCloseTo(0.001, 5));
    expect(() => opt.addParamGroup({ params: model.getSubmodule('fc').parameters() })).toThrow(/more than one parameter group/);
  });
});

describe('loadStateDict with nameMap and strict false', () => {
  it('renames keys, drops nulls, reports missing and unexpected keys', () => {
    const src = convNet();
    const sd = src.stateDict();
    L.manualSeed(9);
    const dst = new nn.Sequential({ body: new nn.Sequential(new nn.Conv2d(1, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4)), head: new nn.Linear(4, 3) });
    const result = dst.loadStateDict(sd, { strict: false, nameMap: (k) => (k.startsWith('fc.') ? null : k.replace(/^features\./, 'body.')) });
    expect(result.missingKeys).toEqual(['head.weight', 'head.bias']);
    expect(result.unexpectedKeys).toEqual([]);
    expect(Array.from(dst.stateDict()['body.0.weight'].values)).toEqual(Array.from(sd['features.0.weight'].values));
    const partial = dst.loadStateDict(sd, { strict: false, nameMap: { 'fc.weight': 'head.weight', 'fc.bias': 'head.bias' } });
    expect(partial.missingKeys).toContain('body.0.weight');
    expect(partial.unexpectedKeys).toContain('features.0.weight');
    expect(Array.from(dst.stateDict()['head.weight'].values)).toEqual(Array.from(sd['fc.weight'].values));
    expect(() => dst.loadStateDict(sd, { nameMap: { 'fc.weight': 'head.weight', 'fc.bias': 'head.bias' } })).toThrow(/missing keys: 'body.0.weight'/);
    expect(() => dst.loadStateDict(sd, { strict: false, nameMap: () => 'head.weight' })).toThrow(/nameMap maps both 'features.0.weight' and 'features.0.bias' to 'head.weight'/);
    expect(() => dst.loadStateDict(sd, { strict: false, nameMap: 3 as never })).toThrow(/nameMap must be an object or a function/);
  });
});

describe('GradualUnfreezing', () => {
  it('trains the head first and unfreezes one more layer (output backwards) each epoch', async () => {
    L.manualSeed(3);
    const model = new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 8), new nn.Tanh(), new nn.Linear(8, 1));
    const x = L.randn([16, 4]);
    const y = x.sum(1, { keepdim: true });
    const layers = [0, 2, 4].map((i) => model.at(i));
    const trainable: boolean[][] = [];
    const cb = new GradualUnfreezing(model);
    expect(cb.layers).toEqual(layers);
    await fit(model, {
      optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }), loss: (o: Tensor, t: Tensor) => o.sub(t).square().mean(), trainData: [[x, y]], epochs: 4,
      callbacks: [cb, { onEpochBegin: () => { trainable.push(layers.map((m) => !m.isFrozen)); } }],
    });
    expect(trainable).toEqual([[false, false, true], [false, true, true], [true, true, true], [true, true, true]]);
  });

  it('adds a newly unfrozen layer to an optimizer built without it, at opts.lr', async () => {
    L.manualSeed(4);
    const model = new nn.Sequential(new nn.Linear(3, 5), new nn.ReLU(), new nn.Linear(5, 2));
    const opt = new optim.SGD(model.at(2).parameters(), { lr: 0.05 });
    const w0 = Array.from((model.at(0) as nn.Linear).weight.values);
    const seen: number[] = [];
    await fit(model, {
      optimizer: opt, loss: (o: Tensor, t: Tensor) => o.sub(t).square().mean(), trainData: [[L.randn([8, 3]), L.randn([8, 2])]], epochs: 4,
      callbacks: [new GradualUnfreezing(model, { every: 2, lr: 0.2 }), { onEpochEnd: () => { seen.push(opt.paramGroups.length); } }],
    });
    expect(seen).toEqual([1, 1, 2, 2]);
    expect(opt.paramGroups[1].lr).toBe(0.2);
    expect(Array.from((model.at(0) as nn.Linear).weight.values)).not.toEqual(w0);
    expect(() => new GradualUnfreezing([new nn.ReLU()])).toThrow(/none of the layers has parameters/);
    expect(() => new GradualUnfreezing(model, { every: 0 })).toThrow(/every must be a positive integer/);
  });
});

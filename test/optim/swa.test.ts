/** Weight averaging against torch.optim.swa_utils (test/fixtures/swa/swa_torch.json), and nn.utils.deepCopy. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, nn, optim } from '../../src/index';
import fixture from '../fixtures/swa/swa_torch.json';

type Values = Record<string, number[]>;

/** The generator's model, with its initial weights. */
function makeModel(): nn.Sequential {
  const m = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.ReLU(), new nn.Linear(4, 2));
  loadValues(m, fixture.init as Values);
  return m;
}

/** Loads flat values by key (shapes from the module), integer buffers as int32. */
function loadValues(m: nn.Module, values: Values): void {
  const sd = m.stateDict();
  const given: Record<string, L.Tensor> = {};
  for (const [k, t] of Object.entries(sd)) given[k] = L.tensor(values[k], { dtype: t.dtype }).reshape(t.shape);
  m.loadStateDict(given);
}

function expectState(got: Record<string, L.Tensor>, want: Values, what: string): void {
  expect(Object.keys(got), what).toEqual(Object.keys(want));
  for (const [k, t] of Object.entries(got)) {
    const v = Array.from(t.values, Number);
    v.forEach((x, i) => expect(Math.abs(x - want[k][i]), `${what} ${k}[${i}]: ${x} vs ${want[k][i]}`).toBeLessThanOrEqual(2e-6 + 2e-6 * Math.abs(want[k][i])));
  }
}

const KINDS: Record<string, () => optim.AveragedModelOptions> = {
  swa: () => ({}),
  ema_multi: () => ({ multiAvgFn: optim.getEmaMultiAvgFn(0.8) }),
  ema_fn: () => ({ avgFn: optim.getEmaAvgFn(0.8) }),
  swa_buffers: () => ({ useBuffers: true }),
};

describe('AveragedModel matches torch.optim.swa_utils.AveragedModel', () => {
  for (const [kind, opts] of Object.entries(KINDS)) {
    it(`${kind}: the averaged state after each of ${fixture.states.length} updates`, () => {
      const model = makeModel();
      const avg = new optim.AveragedModel(model, opts());
      (fixture.states as Values[]).forEach((s, step) => {
        loadValues(model, s);
        avg.updateParameters(model);
        expectState(avg.stateDict(), (fixture.averaged as Record<string, Values[]>)[kind][step], `${kind} step ${step + 1}`);
      });
      expect(avg.nAveraged).toBe(fixture.states.length);
    });
  }

  it('the per-tensor SWA function gives the default average', () => {
    const a = makeModel(), b = makeModel();
    const x = new optim.AveragedModel(a), y = new optim.AveragedModel(b, { avgFn: optim.getSwaAvgFn() });
    for (const s of fixture.states as Values[]) {
      loadValues(a, s); loadValues(b, s);
      x.updateParameters(a); y.updateParameters(b);
    }
    const want = Object.fromEntries(Object.entries(x.stateDict()).map(([k, t]) => [k, Array.from(t.values, Number)]));
    expectState(y.stateDict(), want, 'avgFn SWA');
  });

  it('is called like the model, and leaves the model alone', () => {
    const model = makeModel();
    const avg = new optim.AveragedModel(model);
    avg.updateParameters(model);
    model.eval(); avg.eval();
    const x = L.randn([5, 3]);
    expect(Array.from(avg.call(x).values)).toEqual(Array.from(model.call(x).values));
    const before = Array.from(model.stateDict()['0.weight'].values);
    loadValues(model, (fixture.states as Values[])[0]);
    avg.updateParameters(model);
    expect(Array.from(model.stateDict()['0.weight'].values)).not.toEqual(before);
    expect(avg.parameters().every((p, i) => p !== model.parameters()[i])).toBe(true);
  });

  it('saves and loads through its state dict (PyTorch key names), and keeps averaging from there', () => {
    const model = makeModel();
    const a = new optim.AveragedModel(model);
    const states = fixture.states as Values[];
    for (const s of states.slice(0, 3)) { loadValues(model, s); a.updateParameters(model); }
    const b = new optim.AveragedModel(makeModel());
    b.loadStateDict(a.stateDict());
    expect(b.nAveraged).toBe(3);
    for (const s of states.slice(3)) { loadValues(model, s); b.updateParameters(model); }
    expectState(b.stateDict(), (fixture.averaged as Record<string, Values[]>).swa[states.length - 1], 'resumed');
  });

  it('rejects a model of another structure before changing anything', () => {
    const model = makeModel();
    const avg = new optim.AveragedModel(model);
    avg.updateParameters(model);
    const before = avg.stateDict()['module.0.weight'].values.slice();
    const other = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.ReLU(), new nn.Linear(4, 3));
    expect(() => avg.updateParameters(other as never)).toThrow(/AveragedModel.updateParameters: entry 4 of the model's parameters is float32\[3,4\] but the averaged copy's is float32\[2,4\]/);
    expect(() => avg.updateParameters(new nn.Linear(3, 4) as never)).toThrow(/the model has 2 parameters but the averaged copy has 6/);
    expect(avg.nAveraged).toBe(1);
    expect(Array.from(avg.stateDict()['module.0.weight'].values)).toEqual(Array.from(before));
  });

  it('rejects bad options with the option named', () => {
    const model = makeModel();
    expect(() => new optim.AveragedModel(model, { avgFn: optim.getSwaAvgFn(), multiAvgFn: optim.getSwaMultiAvgFn() })).toThrow(ArgumentError);
    expect(() => new optim.AveragedModel(model, { avgFn: 3 as never })).toThrow(/AveragedModel: avgFn must be a function, got 3/);
    expect(() => new optim.AveragedModel({} as never)).toThrow(/AveragedModel: model must be a Module/);
    expect(() => optim.getEmaMultiAvgFn(1.5)).toThrow(/getEmaMultiAvgFn: decay must be in \[0, 1\], got 1.5/);
    expect(() => optim.getEmaAvgFn(-0.1)).toThrow(/getEmaAvgFn: decay must be in \[0, 1\]/);
  });
});

describe('SWALR matches torch.optim.swa_utils.SWALR', () => {
  for (const [name, want] of Object.entries(fixture.swalr as Record<string, number[][]>)) {
    it(name, () => {
      const [strategy, epochs] = name.split('_');
      const opt = new optim.SGD([{ params: [L.zeros([1]).requiresGrad_()] }, { params: [L.zeros([1]).requiresGrad_()], lr: 0.05 }], { lr: 0.1 });
      const sched = new optim.SWALR(opt, { swaLr: [0.02, 0.01], annealEpochs: Number(epochs), annealStrategy: strategy as 'cos' | 'linear' });
      const got = [opt.paramGroups.map((g) => g.lr)];
      for (let i = 1; i < want.length; i++) { opt.step(); sched.step(); got.push(opt.paramGroups.map((g) => g.lr)); }
      got.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(x - want[i][j]), `step ${i} group ${j}`).toBeLessThanOrEqual(1e-15)));
    });
  }

  it('resumes from its state dict', () => {
    const make = () => new optim.SGD([L.zeros([1]).requiresGrad_()], { lr: 0.1 });
    const o1 = make(), s1 = new optim.SWALR(o1, { swaLr: 0.01, annealEpochs: 6 });
    for (let i = 0; i < 2; i++) s1.step();
    const saved = s1.stateDict();
    const o2 = make(), s2 = new optim.SWALR(o2, { swaLr: 0.01, annealEpochs: 6 });
    o2.paramGroups[0].lr = o1.paramGroups[0].lr;
    s2.loadStateDict(saved);
    for (let i = 0; i < 5; i++) { s1.step(); s2.step(); expect(o2.paramGroups[0].lr).toBe(o1.paramGroups[0].lr); }
  });

  it('rejects bad options naming them, leaving the lr alone', () => {
    const opt = new optim.SGD([L.zeros([1]).requiresGrad_()], { lr: 0.1 });
    expect(() => new optim.SWALR(opt, { swaLr: -1 })).toThrow(/SWALR: swaLr must be >= 0, got -1/);
    expect(() => new optim.SWALR(opt, { swaLr: [0.1, 0.2] })).toThrow(/SWALR: swaLr must have one value per parameter group \(1\)/);
    expect(() => new optim.SWALR(opt, { swaLr: 0.1, annealStrategy: 'exp' as never })).toThrow(/SWALR: annealStrategy must be 'cos' or 'linear', got exp/);
    expect(() => new optim.SWALR(opt, { swaLr: 0.1, annealEpochs: 1.5 })).toThrow(/SWALR: annealEpochs must be an integer, got 1.5/);
    expect(opt.paramGroups[0].lr).toBe(0.1);
  });
});

describe('updateBn matches torch.optim.swa_utils.update_bn', () => {
  const f = fixture.updateBn;
  const batches = () => f.batches.map((b) => [L.tensor(b).reshape([5, 3]), L.zeros([5])] as const);

  it('re-estimates the running statistics as the plain average over the batches, restoring mode and momentum', () => {
    const model = makeModel();
    const bn = model.at(1) as nn.BatchNorm1d;
    bn.momentum = 0.3;
    model.eval();
    optim.updateBn(batches(), model);
    expect(model.training).toBe(f.training);
    expect(bn.momentum).toBe(f.momentum);
    expect(bn.numBatchesTracked!.item()).toBe(f.numBatchesTracked);
    Array.from(bn.runningMean!.values).forEach((x, i) => expect(Math.abs(x - f.runningMean[i]), `mean ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(f.runningMean[i]))));
    Array.from(bn.runningVar!.values).forEach((x, i) => expect(Math.abs(x - f.runningVar[i]), `var ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, f.runningVar[i])));
  });

  it('takes bare tensors, does nothing without BatchNorm, and restores the model when a batch fails', () => {
    const plain = new nn.Sequential(new nn.Linear(3, 2));
    expect(() => optim.updateBn([L.randn([2, 3])], plain)).not.toThrow();
    const model = makeModel();
    const bn = model.at(1) as nn.BatchNorm1d;
    model.eval();
    expect(() => optim.updateBn([L.randn([4, 3]), L.randn([4, 7])], model)).toThrow(/Linear/);
    expect(model.training).toBe(false);
    expect(bn.momentum).toBe(0.1);
    expect(() => optim.updateBn(3 as never, model)).toThrow(/updateBn: loader must be iterable/);
    expect(() => optim.updateBn([[null]] as never, model)).toThrow(/updateBn: batch 0 must be a Tensor or a tuple whose first element is one, got null/);
  });
});

describe('nn.utils.deepCopy', () => {
  it('copies parameters, buffers, mode and configuration; the two then train apart', () => {
    const a = makeModel();
    a.eval();
    (a.at(0) as nn.Linear).bias!.requiresGrad = false;
    const b = nn.utils.deepCopy(a);
    expect(b).toBeInstanceOf(nn.Sequential);
    expect(b.training).toBe(false);
    expect(b.at(1)).toBeInstanceOf(nn.BatchNorm1d);
    expect((b.at(0) as nn.Linear).bias!.requiresGrad).toBe(false);
    expect((b.at(0) as nn.Linear).weight.requiresGrad).toBe(true);
    const x = L.randn([6, 3]);
    expect(Array.from(b.call(x).values)).toEqual(Array.from(a.call(x).values));
    L.noGrad(() => (a.at(0) as nn.Linear).weight.add_(1));
    (a.at(1) as nn.BatchNorm1d).runningMean!.fill_(5);
    expect(Array.from(b.call(x).values)).not.toEqual(Array.from(a.call(x).values));
    expect((b.at(1) as nn.BatchNorm1d).runningMean!.values[0]).not.toBe(5);
    expect(b.parameters().length).toBe(a.parameters().length);
    expect(b.parameters().every((p, i) => p !== a.parameters()[i] && p instanceof nn.Parameter)).toBe(true);
  });

  it('keeps tied weights tied, and refuses a module whose forward was replaced by a function of its own', () => {
    const shared = new nn.Linear(4, 4);
    const tied = new nn.Sequential(shared, new nn.ReLU(), shared);
    const copy = nn.utils.deepCopy(tied);
    expect(copy.at(0)).toBe(copy.at(2));
    expect(copy.parameters().length).toBe(2);
    const custom = new nn.Linear(2, 3);
    (custom as unknown as { forward: unknown }).forward = (x: L.Tensor) => x;
    expect(() => nn.utils.deepCopy(custom)).toThrow(/deepCopy: Linear \(Linear\) has a forward of its own/);
    expect(() => nn.utils.deepCopy({} as never)).toThrow(/deepCopy: module must be a Module/);
  });

  it('copies spectral and weight normalisation: the copy computes with its own parameters', () => {
    L.manualSeed(5);
    const sn = nn.utils.spectralNorm(new nn.Linear(3, 4));
    const wn = nn.utils.weightNorm(new nn.Linear(3, 4));
    const x = L.randn([2, 3]);
    for (const m of [sn, wn]) {
      const copy = nn.utils.deepCopy(m);
      m.eval(); copy.eval();
      expect(Array.from(copy.call(x).values)).toEqual(Array.from(m.call(x).values));
      L.noGrad(() => m.parameters().forEach((p) => p.mul_(2)));
      expect(Array.from(copy.call(x).values)).not.toEqual(Array.from(m.call(x).values));
    }
  });

  it('copies a ResNet, whose copy trains without touching the original', () => {
    L.manualSeed(0);
    const net = L.models.resnet18({ numClasses: 3 });
    const copy = nn.utils.deepCopy(net);
    const before = Array.from(net.parameters()[0].values.slice(0, 8));
    const opt = new optim.SGD(copy.parameters(), { lr: 0.1 });
    L.tidy(() => { L.backward(L.crossEntropy(copy.call(L.randn([2, 3, 32, 32])), L.tensor([0, 2], { dtype: 'int32' }))); });
    opt.step();
    expect(Array.from(net.parameters()[0].values.slice(0, 8))).toEqual(before);
    expect(Array.from(copy.parameters()[0].values.slice(0, 8))).not.toEqual(before);
  });
});

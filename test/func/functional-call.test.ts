/**
 * func.functionalCall and func.stackModuleState (src/func) against torch.func 2.13:
 * test/fixtures/functional_call_torch.json, written by test/fixtures/generators/functional_call_torch.py,
 * holds an MLP, a small CNN with BatchNorm (training mode: the given running statistics are
 * updated; eval mode), a bidirectional two-layer LSTM, a second-order MAML example and a module with
 * tied weights. Checked in float64 and float32 on the native and the reference backend; then every
 * layer with a fused or by-name path against a module loaded with the same values, the module left
 * untouched (also after a throwing forward), torch's write-back, and the errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, ShapeError, nn } from '../../src/index';
import { functionalCall, stackModuleState, type TensorDict } from '../../src/func/index';
import { hasNative, onBackend } from '../helpers/backends';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';

interface ModelCase {
  training: boolean; own: Record<string, Enc>; given: Record<string, Enc>; givenAfter: Record<string, Enc>;
  inputs: Enc[]; output: Enc; r: Enc; grads: Record<string, Enc>;
}
interface MamlCase {
  lr: number; theta: Record<string, Enc>; data: Record<'xs' | 'ys' | 'xq' | 'yq', Enc>; innerLosses: number[];
  adapted: Record<string, Enc>; outerLoss: number; metaGrads: Record<string, Enc>;
}
interface TiedCase { own: Record<string, Enc>; x: Enc; w: Enc; tiedOutput: Enc; untiedOutput: Enc }

const fixture = JSON.parse(readFileSync(new URL('../fixtures/functional_call_torch.json', import.meta.url), 'utf8')) as {
  torch: string; cases: Record<'mlp' | 'cnnTrain' | 'cnnEval' | 'lstm', ModelCase> & { maml: MamlCase; tied: TiedCase };
};

type AnyModel = nn.AnyModule;
const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

/** A fixture tensor in `dtype`; a BatchNorm count as int32. */
function dec(e: Enc, dtype: Dt, name = ''): L.Tensor {
  if (name.endsWith('num_batches_tracked')) return L.tensor(Int32Array.from(e.values), { dtype: 'int32' }).reshape(e.shape);
  return L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
}

function decAll(m: Record<string, Enc>, dtype: Dt): Record<string, L.Tensor> {
  return Object.fromEntries(Object.entries(m).map(([k, e]) => [k, dec(e, dtype, k)]));
}

function buildModel(name: string, dtype: Dt): AnyModel {
  switch (name) {
    case 'mlp': return new nn.Sequential(new nn.Linear(4, 6, { dtype }), new nn.Tanh(), new nn.Linear(6, 3, { dtype })) as AnyModel;
    case 'cnnTrain':
    case 'cnnEval':
      return new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1, dtype }), new nn.BatchNorm2d(3, { dtype }), new nn.ReLU(), new nn.Flatten(), new nn.Linear(48, 2, { dtype })) as AnyModel;
    case 'lstm': return new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true, dtype }) as unknown as AnyModel;
    default: throw new Error(`unknown case ${name}`);
  }
}

/** What a module holds: each entry's tensor object, values, requiresGrad and grad. */
function snapshot(m: AnyModel): Map<string, { t: L.Tensor; values: number[]; requiresGrad: boolean; grad: L.Tensor | null }> {
  const out = new Map();
  for (const [k, t] of [...m.namedParameters({ removeDuplicate: false }), ...m.namedBuffers({ removeDuplicate: false })]) {
    out.set(k, { t, values: Array.from(t.values), requiresGrad: t.requiresGrad, grad: t.grad });
  }
  return out;
}

function expectUntouched(m: AnyModel, before: ReturnType<typeof snapshot>, what: string): void {
  const after = snapshot(m);
  expect([...after.keys()], `${what}: names`).toEqual([...before.keys()]);
  for (const [k, b] of before) {
    const a = after.get(k)!;
    expect(a.t, `${what}: ${k} is the same tensor object`).toBe(b.t);
    expect(a.values, `${what}: ${k} values`).toEqual(b.values);
    expect(a.requiresGrad, `${what}: ${k} requiresGrad`).toBe(b.requiresGrad);
    expect(a.grad, `${what}: ${k} grad`).toBe(b.grad);
  }
  // The fields read by forward hold the registered tensors again.
  for (const sub of m.modules()) {
    for (const [k, p] of sub.namedParameters({ recurse: false })) {
      if (Object.prototype.hasOwnProperty.call(sub, k)) expect((sub as unknown as Record<string, unknown>)[k], `${what}: field ${sub.typeName}.${k}`).toBe(p);
    }
  }
}

describe(`func.functionalCall matches torch.func.functional_call (fixtures from torch ${fixture.torch})`, () => {
  const expectClose = torchFixtureChecker({ float64: 1e-10, float32: 3e-5 });

  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`MLP, CNN with BatchNorm (train and eval), LSTM: outputs, gradients w.r.t. the given tensors, buffers (${backend}, ${dtype})`, () => onBackend(backend, () => {
        for (const name of ['mlp', 'cnnTrain', 'cnnEval', 'lstm'] as const) {
          const c = fixture.cases[name];
          const m = buildModel(name, dtype);
          m.loadStateDict(decAll(c.own, dtype));
          m.train(c.training);
          const before = snapshot(m);
          const given = decAll(c.given, dtype);
          const paramNames = Object.keys(c.grads);
          for (const k of paramNames) given[k].requiresGrad_();
          const out = functionalCall(m, given, c.inputs.map((e) => dec(e, dtype)));
          const y = (name === 'lstm' ? (out as [L.Tensor, unknown])[0] : out) as L.Tensor;
          expectClose(y, c.output, dtype, `${name} output`);
          const grads = L.grad(y.mul(dec(c.r, dtype)).sum(), paramNames.map((k) => given[k]));
          paramNames.forEach((k, i) => expectClose(grads[i]!, c.grads[k], dtype, `${name} gradient w.r.t. given ${k}`));
          for (const [k, e] of Object.entries(c.givenAfter)) {
            if (k.endsWith('num_batches_tracked')) expect(Array.from(given[k].values), `${name} ${k}`).toEqual(e.values);
            else expectClose(given[k], e, dtype, `${name} given ${k} after the call`);
          }
          expectUntouched(m, before, name);
        }
      }));

      it(`MAML: two inner SGD steps with createGraph, then the meta-gradient (${backend}, ${dtype})`, () => onBackend(backend, () => {
        const c = fixture.cases.maml;
        const model = new nn.Sequential(new nn.Linear(1, 8, { dtype }), new nn.Tanh(), new nn.Linear(8, 1, { dtype }));
        const before = snapshot(model as AnyModel);
        const theta = decAll(c.theta, dtype);
        for (const t of Object.values(theta)) t.requiresGrad_();
        const [xs, ys, xq, yq] = (['xs', 'ys', 'xq', 'yq'] as const).map((k) => dec(c.data[k], dtype));
        let fast: Record<string, L.Tensor> = theta;
        for (let step = 0; step < 2; step++) {
          const loss = L.mseLoss(functionalCall(model, fast, xs), ys);
          expect(Math.abs(loss.item() - c.innerLosses[step]), `inner loss ${step}`).toBeLessThan(dtype === 'float64' ? 1e-12 : 1e-5);
          const g = L.grad(loss, Object.values(fast), { createGraph: true });
          fast = Object.fromEntries(Object.entries(fast).map(([k, p], i) => [k, p.sub(g[i]!.mul(c.lr))]));
        }
        for (const [k, e] of Object.entries(c.adapted)) expectClose(fast[k], e, dtype, `adapted ${k}`);
        const outer = L.mseLoss(functionalCall(model, fast, xq), yq);
        expect(Math.abs(outer.item() - c.outerLoss), 'outer loss').toBeLessThan(dtype === 'float64' ? 1e-12 : 1e-5);
        const meta = L.grad(outer, Object.values(theta));
        Object.keys(theta).forEach((k, i) => expectClose(meta[i]!, c.metaGrads[k], dtype, `meta-gradient w.r.t. ${k}`));
        expectUntouched(model as AnyModel, before, 'maml model');
      }));
    }
  }

  it('tied weights: tieWeights (default) gives b.weight the value given for a.weight; tieWeights: false replaces a.weight alone', () => {
    class Tied extends nn.Module {
      a = new nn.Linear(3, 3, { dtype: 'float64' });
      b = new nn.Linear(3, 3, { dtype: 'float64' });
      constructor() {
        super();
        (this.b as unknown as { weight: nn.Parameter }).weight = this.a.weight;
      }
      forward(x: L.Tensor): L.Tensor {
        return this.b.call(this.a.call(x).tanh());
      }
    }
    const c = fixture.cases.tied;
    const m = new Tied();
    m.loadStateDict(decAll(c.own, 'float64'));
    expect(m.namedParameters({ removeDuplicate: false }).map(([k]) => k)).toEqual(Object.keys(c.own));
    const before = snapshot(m);
    const x = dec(c.x, 'float64'), w = dec(c.w, 'float64');
    const expectClose = (t: L.Tensor, e: Enc, what: string): void => {
      Array.from(t.values).forEach((v, i) => expect(Math.abs(v - e.values[i]), `${what}[${i}]`).toBeLessThan(1e-12));
    };
    expectClose(functionalCall(m, { 'a.weight': w }, x), c.tiedOutput, 'tied output');
    expectClose(functionalCall(m, { 'a.weight': w }, x, { tieWeights: false }), c.untiedOutput, 'untied output');
    expectClose(functionalCall(m, { 'a.weight': w, 'b.weight': w }, x), c.tiedOutput, 'both names, one tensor');
    expect(() => functionalCall(m, { 'a.weight': w, 'b.weight': w.clone() }, x)).toThrow(ArgumentError);
    expect(() => functionalCall(m, { 'a.weight': w, 'b.weight': w.clone() }, x)).toThrow(/func\.functionalCall: got different tensors for 'a\.weight', 'b\.weight', which are one tied tensor.*tieWeights: false/);
    expect(functionalCall(m, { 'a.weight': w, 'b.weight': w.mul(2) }, x, { tieWeights: false }).shape).toEqual([4, 3]);
    // strict counts every name of a tied tensor; with tieWeights one of them is enough.
    const rest = { 'a.bias': m.a.bias!, 'b.bias': m.b.bias! };
    expect(functionalCall(m, { 'a.weight': w, ...rest }, x, { strict: true }).shape).toEqual([4, 3]);
    expect(() => functionalCall(m, { 'a.weight': w, ...rest }, x, { strict: true, tieWeights: false })).toThrow(/strict: Tied's 'b\.weight' was not given/);
    expectUntouched(m, before, 'tied module');
  });
});

/** Symmetric in the last two dims (a conv kernel's spatial part). */
class Symmetric2 extends nn.Module {
  forward(w: L.Tensor): L.Tensor {
    return w.add(w.transpose(2, 3)).mul(0.5);
  }
}

describe('func.functionalCall: every layer reads the given tensors', () => {
  /** Runs `a` through functionalCall with b's state and compares with b.call (same kernels: equal values). */
  function sameAsLoaded(make: () => AnyModel, args: () => unknown[], opts: { train?: boolean; pick?: (out: unknown) => L.Tensor; what: string }): void {
    const pick = opts.pick ?? ((o: unknown) => o as L.Tensor);
    const a = make(), b = make();
    // b's own values (running variances positive), so that its output differs from a's.
    L.noGrad(() => {
      for (const [k, t] of [...b.namedParameters(), ...b.namedBuffers()]) {
        if (t.dtype !== 'int32') L.copy_(t, k.endsWith('running_var') ? L.rand(t.shape).add(0.5) : L.randn(t.shape).mul(0.5));
      }
    });
    a.train(opts.train ?? false);
    b.train(opts.train ?? false);
    const before = snapshot(a);
    const state: Record<string, L.Tensor> = {};
    for (const [k, t] of [...b.namedParameters(), ...b.namedBuffers()]) state[k] = t.clone();
    const input = args();
    const got = pick(functionalCall(a, state, input as never));
    const want = pick(b.call(...input));
    expect(got.shape, `${opts.what} shape`).toEqual(want.shape);
    expect(Array.from(got.values), `${opts.what} values`).toEqual(Array.from(want.values));
    expect(Array.from(got.values), `${opts.what} differs from the module's own output`).not.toEqual(Array.from(pick(nn.utils.deepCopy(a).call(...input)).values));
    // Buffers updated in the call are the given ones, as b's own in b.call.
    for (const [k, t] of b.namedBuffers()) expect(Array.from(state[k].values), `${opts.what} buffer ${k}`).toEqual(Array.from(t.values));
    a.train(opts.train ?? false);
    expectUntouched(a, before, opts.what);
  }

  it('Linear, Conv2d (alone, fused with ReLU, and with ReLU and MaxPool2d), BatchNorm (+ReLU, train and eval), LayerNorm (+ReLU)', () => {
    L.manualSeed(101);
    const x2 = (): L.Tensor[] => [L.randn([4, 6])];
    const img = (): L.Tensor[] => [L.randn([2, 3, 6, 6])];
    sameAsLoaded(() => new nn.Linear(6, 5) as AnyModel, x2, { what: 'Linear' });
    sameAsLoaded(() => new nn.Conv2d(3, 4, 3, { padding: 1 }) as AnyModel, img, { what: 'Conv2d' });
    sameAsLoaded(() => new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.ReLU()) as AnyModel, img, { what: 'Conv2d + ReLU (fused)' });
    sameAsLoaded(() => new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2)) as AnyModel, img, { what: 'Conv2d, ReLU, MaxPool2d (fused)' });
    const bn = (): AnyModel => new nn.Sequential(new nn.BatchNorm1d(6), new nn.ReLU()) as AnyModel;
    sameAsLoaded(bn, x2, { what: 'BatchNorm1d + ReLU (fused), eval', train: false });
    sameAsLoaded(bn, x2, { what: 'BatchNorm1d + ReLU (fused), train', train: true });
    sameAsLoaded(() => new nn.Sequential(new nn.BatchNorm2d(3)) as AnyModel, img, { what: 'BatchNorm2d, train', train: true });
    sameAsLoaded(() => new nn.Sequential(new nn.LayerNorm(6), new nn.ReLU()) as AnyModel, x2, { what: 'LayerNorm + ReLU (fused)' });
  });

  it('Embedding, MultiheadAttention, LSTM, GRU, LSTMCell', () => {
    L.manualSeed(102);
    sameAsLoaded(() => new nn.Embedding(10, 4) as AnyModel, () => [L.tensor(Int32Array.from([1, 3, 3, 9]), { dtype: 'int32' }).reshape([2, 2])], { what: 'Embedding' });
    const q = L.randn([3, 2, 8]);
    sameAsLoaded(() => new nn.MultiheadAttention(8, 2) as unknown as AnyModel, () => [q, q, q], { what: 'MultiheadAttention', pick: (o) => (o as L.Tensor[])[0] });
    sameAsLoaded(() => new nn.MultiheadAttention(8, 2, { kdim: 5, vdim: 3 }) as unknown as AnyModel, () => [q, L.randn([4, 2, 5]), L.randn([4, 2, 3])], { what: 'MultiheadAttention (kdim, vdim)', pick: (o) => (o as L.Tensor[])[0] });
    const seq = L.randn([5, 2, 3]);
    sameAsLoaded(() => new nn.LSTM(3, 4, { numLayers: 2, bidirectional: true }) as unknown as AnyModel, () => [seq], { what: 'LSTM', pick: (o) => (o as L.Tensor[])[0] });
    sameAsLoaded(() => new nn.LSTM(3, 4, { projSize: 2 }) as unknown as AnyModel, () => [seq], { what: 'LSTM with projSize', pick: (o) => (o as [L.Tensor, L.Tensor[]])[1][1] });
    sameAsLoaded(() => new nn.GRU(3, 4) as unknown as AnyModel, () => [seq], { what: 'GRU', pick: (o) => (o as L.Tensor[])[0] });
    sameAsLoaded(() => new nn.LSTMCell(3, 4) as unknown as AnyModel, () => [L.randn([2, 3])], { what: 'LSTMCell', pick: (o) => (o as L.Tensor[])[0] });
  });

  it('reparametrised weights: weight and spectral normalisation (old and new style) and nn.utils.parametrize', () => {
    L.manualSeed(103);
    const x = (): L.Tensor[] => [L.randn([4, 3])];
    sameAsLoaded(() => nn.utils.weightNorm(new nn.Linear(3, 5)) as AnyModel, x, { what: 'weightNorm' });
    sameAsLoaded(() => nn.utils.parametrizations.weightNorm(new nn.Linear(3, 5)) as AnyModel, x, { what: 'parametrizations.weightNorm' });
    class Symmetric extends nn.Module {
      forward(w: L.Tensor): L.Tensor {
        return w.triu().add(w.triu(1).transpose(0, 1));
      }
    }
    sameAsLoaded(() => nn.utils.parametrize.registerParametrization(new nn.Linear(3, 3), 'weight', new Symmetric()) as AnyModel, x, { what: 'parametrize (Symmetric)' });
    // Spectral norm in eval mode: no power iteration, so u and v stay as given.
    sameAsLoaded(() => nn.utils.parametrizations.spectralNorm(new nn.Linear(3, 5)) as AnyModel, x, { what: 'parametrizations.spectralNorm (eval)' });
    sameAsLoaded(() => nn.utils.spectralNorm(new nn.Linear(3, 5)) as AnyModel, x, { what: 'spectralNorm (eval)' });
    // In nn.Sequential before a ReLU, where a plain Conv2d would run the fused conv2dRelu step.
    const img = (): L.Tensor[] => [L.randn([2, 2, 5, 5])];
    sameAsLoaded(() => new nn.Sequential(nn.utils.weightNorm(new nn.Conv2d(2, 3, 3)), new nn.ReLU()) as AnyModel, img, { what: 'weightNorm Conv2d + ReLU' });
    sameAsLoaded(() => new nn.Sequential(nn.utils.parametrize.registerParametrization(new nn.Conv2d(2, 3, 3), 'weight', new Symmetric2()), new nn.ReLU()) as AnyModel, img, { what: 'parametrized Conv2d + ReLU' });
    sameAsLoaded(() => new nn.Sequential(nn.utils.parametrizations.weightNorm(new nn.BatchNorm1d(3)), new nn.ReLU()) as AnyModel, x, { what: 'parametrized BatchNorm1d + ReLU, train', train: true });
  });

  it('gradients reach the given tensors only; the module\'s parameters get none', () => {
    L.manualSeed(104);
    const m = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const w = L.randn([4, 3], { requiresGrad: true });
    const y = functionalCall(m, { '0.weight': w }, L.randn([5, 3]));
    L.backward(y.square().sum());
    expect(w.grad!.shape).toEqual([4, 3]);
    expect(m.getSubmodule('0').getParameter('weight')!.grad).toBeNull();
    // The parameters left out are the module's own, and get their gradients as usual.
    expect(m.getSubmodule('0').getParameter('bias')!.grad!.shape).toEqual([4]);
    expect(m.getSubmodule('2').getParameter('weight')!.grad!.shape).toEqual([2, 4]);
  });
});

describe('func.functionalCall: the module afterwards', () => {
  it('is untouched after a forward that throws (values, Parameter objects, fields, requiresGrad)', () => {
    L.manualSeed(105);
    const m = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4), new nn.Linear(4, 2)) as AnyModel;
    m.getSubmodule('2').requiresGrad_(false);
    const before = snapshot(m);
    const state = Object.fromEntries([...m.namedParameters(), ...m.namedBuffers()].map(([k, t]) => [k, t.clone()]));
    expect(() => functionalCall(m, state, L.randn([5, 7]))).toThrow(ShapeError);
    expectUntouched(m, before, 'after a ShapeError in Linear');

    class Failing extends nn.Module {
      fc = new nn.Linear(3, 3);
      forward(x: L.Tensor): L.Tensor {
        this.fc.call(x);
        throw new Error('boom');
      }
    }
    const f = new Failing();
    const fBefore = snapshot(f);
    expect(() => functionalCall(f, { 'fc.weight': L.randn([3, 3]), 'fc.bias': L.randn([3]) }, L.randn([2, 3]))).toThrow('boom');
    expectUntouched(f, fBefore, 'after a throwing forward');
    expect(f.fc.weight).toBeInstanceOf(nn.Parameter);
  });

  it('runs hooks; a slot re-assigned by forward is written back into the given dict (torch), the module keeps its own', () => {
    class Counter extends nn.Module {
      count!: L.Tensor;
      constructor() {
        super();
        this.registerBuffer('count', L.zeros([]));
      }
      forward(x: L.Tensor): L.Tensor {
        this.count = this.count.add(1);
        return x.mul(this.count);
      }
    }
    const m = new Counter();
    const own = m.count;
    const given: TensorDict = { count: L.full([], 5) };
    const start = (given as Record<string, L.Tensor>).count;
    let seen = -1;
    m.registerForwardPreHook((mod) => { seen = (mod as Counter).count.item(); });
    const y = functionalCall(m, given, L.ones([2]));
    expect(seen).toBe(5);
    expect(Array.from(y.values)).toEqual([6, 6]);
    expect((given as Record<string, L.Tensor>).count).not.toBe(start);
    expect((given as Record<string, L.Tensor>).count.item()).toBe(6);
    expect(m.count).toBe(own);
    expect(m.getBuffer('count')).toBe(own);
    expect(own.item()).toBe(0);
    // A Map is written back too; an array of dicts (merged, as torch) is not.
    const asMap = new Map([['count', L.full([], 1)]]);
    functionalCall(m, asMap, L.ones([1]));
    expect(asMap.get('count')!.item()).toBe(2);
    const list = [{ count: L.full([], 1) }];
    functionalCall(m, list, L.ones([1]));
    expect(list[0].count.item()).toBe(1);
  });

  it('takes parameters and buffers as separate dicts, and a shared submodule under two names', () => {
    L.manualSeed(106);
    const bn = new nn.BatchNorm1d(3);
    const params = Object.fromEntries(bn.namedParameters().map(([k, t]) => [k, t.add(1)]));
    const buffers = Object.fromEntries(bn.namedBuffers().map(([k, t]) => [k, t.clone()]));
    functionalCall(bn, [params, buffers], L.randn([4, 3]), { strict: true });
    expect(buffers.num_batches_tracked.item()).toBe(1);
    expect(bn.numBatchesTracked!.item()).toBe(0);
    const shared = new nn.Linear(2, 2);
    const twice = new nn.Sequential(shared, shared);
    const before = snapshot(twice as AnyModel);
    const y = functionalCall(twice, { '0.weight': L.eye(2), '1.weight': L.eye(2).mul(3), '0.bias': L.zeros([2]), '1.bias': L.zeros([2]) }, L.ones([1, 2]), { tieWeights: false });
    // The second swap wins in the one shared module, and the module gets its own tensors back.
    expect(Array.from(y.values)).toEqual([9, 9]);
    expectUntouched(twice as AnyModel, before, 'shared submodule');
  });
});

describe('func.functionalCall errors', () => {
  const m = new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4));
  const x = L.randn([2, 3]);

  it('names unknown and missing names, shapes, bad values and bad options', () => {
    expect(() => functionalCall(m, { '0.wieght': L.randn([4, 3]) }, x)).toThrow(ArgumentError);
    expect(() => functionalCall(m, { '0.wieght': L.randn([4, 3]) }, x)).toThrow(/func\.functionalCall: Sequential has no parameter or buffer '0\.wieght' \(it has '0\.weight', '0\.bias', '1\.weight', '1\.bias', '1\.running_mean', '1\.running_var', '1\.num_batches_tracked'\)/);
    expect(() => functionalCall(m, { '0.weight': L.randn([4, 3]) }, x, { strict: true })).toThrow(/func\.functionalCall: strict: Sequential's '0\.bias', '1\.weight', '1\.bias', '1\.running_mean', '1\.running_var', '1\.num_batches_tracked' were not given/);
    expect(() => functionalCall(m, { '0.weight': L.randn([3, 4]) }, x)).toThrow(ShapeError);
    expect(() => functionalCall(m, { '0.weight': L.randn([3, 4]) }, x)).toThrow(/func\.functionalCall: '0\.weight' is given as float32\[3,4\] but Sequential's is \[4,3\]/);
    expect(() => functionalCall(m, { '0.weight': [[1]] as unknown as L.Tensor }, x)).toThrow(/func\.functionalCall: paramsAndBuffers\['0\.weight'\] must be a Tensor/);
    const gone = L.randn([4, 3]);
    gone.dispose();
    expect(() => functionalCall(m, { '0.weight': gone }, x)).toThrow(/paramsAndBuffers\['0\.weight'\].*was disposed/);
    expect(() => functionalCall(m, [{ '0.bias': L.zeros([4]) }, { '0.bias': L.zeros([4]) }], x)).toThrow(/func\.functionalCall: '0\.bias' appear in more than one of the given dicts/);
    expect(() => functionalCall(m, null as unknown as TensorDict, x)).toThrow(/func\.functionalCall: paramsAndBuffers must be an object or a Map/);
    expect(() => functionalCall({} as unknown as nn.Linear, {}, x)).toThrow(/func\.functionalCall: module must be an nn\.Module/);
    expect(() => functionalCall(m, {}, x, { strict: 1 as unknown as boolean })).toThrow(/func\.functionalCall: strict must be a boolean, got 1/);
    expect(() => functionalCall(m, {}, x, { tieWeights: 'yes' as unknown as boolean })).toThrow(/func\.functionalCall: tieWeights must be a boolean, got yes/);
    expect(() => functionalCall(m, {}, 3 as unknown as L.Tensor)).toThrow(/func\.functionalCall: args must be the array of forward's arguments or a Tensor, got 3/);
    // A null parameter (bias: false) is no parameter.
    expect(() => functionalCall(new nn.Linear(3, 4, { bias: false }), { bias: L.zeros([4]) }, x)).toThrow(/Linear has no parameter or buffer 'bias' \(it has 'weight'\)/);
  });
});

describe('Module.swapTensor and Module.deleteMember (the mechanism under functionalCall and parametrize)', () => {
  it('swapTensor replaces the registered entry and the field and returns the old tensor; deleteMember removes both', () => {
    const lin = new nn.Linear(2, 3);
    const w = lin.weight, given = L.ones([3, 2]).mul(2);
    expect(lin.swapTensor('weight', given)).toBe(w);
    expect(lin.weight).toBe(given);
    expect(lin.getParameter('weight')).toBe(given);
    expect(lin.parameters()[0]).toBe(given);
    expect(Array.from(lin.call(L.ones([1, 2])).values)).toEqual(Array.from(L.ones([1, 2]).matmul(given.transpose(0, 1)).add(lin.bias!).values));
    expect(lin.swapTensor('weight', w)).toBe(given);
    expect(lin.weight).toBe(w);
    const bn = new nn.BatchNorm1d(2);
    const rm = bn.runningMean!;
    expect(bn.swapTensor('running_mean', L.ones([2]))).toBe(rm);
    expect(Array.from(bn.runningMean!.values)).toEqual([1, 1]);
    expect(bn.deleteMember('weight')).toBeInstanceOf(nn.Parameter);
    expect(Object.prototype.hasOwnProperty.call(bn, 'weight')).toBe(false);
    expect(bn.namedParameters().map(([k]) => k)).toEqual(['bias']);
    bn.registerParameter('weight', new nn.Parameter(L.ones([2])));
    expect(Object.keys(bn.stateDict())).toEqual(['bias', 'weight', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(() => lin.swapTensor('nope', L.zeros([1]))).toThrow(/Linear\.swapTensor: 'nope' is not a parameter or buffer of this module/);
    expect(() => lin.swapTensor('weight', [1] as unknown as L.Tensor)).toThrow(/Linear\.swapTensor: 'weight' must be given a Tensor, got 1/);
    expect(() => lin.deleteMember('nope')).toThrow(/Linear\.deleteMember: 'nope' is not a parameter, buffer or submodule of this module/);
  });
});

describe('func.stackModuleState', () => {
  it('stacks parameters (new leaves requiring grad) and buffers on a new dim 0; a slice runs as its model', () => {
    L.manualSeed(107);
    const models = [0, 1, 2].map(() => new nn.Sequential(new nn.Linear(3, 4), new nn.BatchNorm1d(4)));
    const { params, buffers } = stackModuleState(models);
    expect(Object.keys(params)).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(Object.keys(buffers)).toEqual(['1.running_mean', '1.running_var', '1.num_batches_tracked']);
    expect(params['0.weight'].shape).toEqual([3, 4, 3]);
    expect(buffers['1.num_batches_tracked'].shape).toEqual([3]);
    expect(buffers['1.num_batches_tracked'].dtype).toBe('int32');
    for (const p of Object.values(params)) {
      expect(p.requiresGrad).toBe(true);
      expect(p.isLeaf).toBe(true);
    }
    for (const b of Object.values(buffers)) expect(b.requiresGrad).toBe(false);
    models.forEach((m, k) => {
      expect(Array.from(params['0.weight'].narrow(0, k, 1).values)).toEqual(Array.from(m.getSubmodule('0').getParameter('weight')!.values));
    });
    const slice = (t: L.Tensor): L.Tensor => t.narrow(0, 1, 1).squeeze(0);
    const x = L.randn([5, 3]);
    models.forEach((m) => m.eval());
    const state = Object.fromEntries(Object.entries({ ...params, ...buffers }).map(([k, t]) => [k, slice(t)]));
    expect(Array.from(functionalCall(models[0], state, x).values)).toEqual(Array.from(models[1].call(x).values));
    // A copy: training the stack leaves the models as they were.
    L.noGrad(() => L.add_(params['0.bias'], 1));
    expect(Array.from(models[0].getSubmodule('0').getParameter('bias')!.values)).not.toEqual(Array.from(params['0.bias'].narrow(0, 0, 1).values));
    const frozen = [new nn.Linear(2, 2).requiresGrad_(false), new nn.Linear(2, 2).requiresGrad_(false)];
    expect(stackModuleState(frozen).params.weight.requiresGrad).toBe(false);
  });

  it('refuses an empty list, mixed classes, mixed modes, mixed requiresGrad and different shapes', () => {
    expect(() => stackModuleState([])).toThrow(/func\.stackModuleState: expected at least one model, got 0/);
    expect(() => stackModuleState(null as unknown as nn.Linear[])).toThrow(/func\.stackModuleState: models must be an array/);
    expect(() => stackModuleState([new nn.Linear(2, 2), new nn.ReLU()])).toThrow(/func\.stackModuleState: the models must be of one class; models\[0\] is a Linear, models\[1\] a ReLU/);
    expect(() => stackModuleState([new nn.Linear(2, 2), new nn.Linear(2, 2).eval()])).toThrow(/func\.stackModuleState: the models must all be in training mode or all in eval mode/);
    const half = new nn.Linear(2, 2);
    half.weight.requiresGrad = false;
    expect(() => stackModuleState([new nn.Linear(2, 2), half])).toThrow(/func\.stackModuleState: parameter 'weight' requires grad in 1 of the 2 models; it must in all or in none/);
    expect(() => stackModuleState([new nn.Linear(2, 2), new nn.Linear(2, 3)])).toThrow(ShapeError);
    expect(() => stackModuleState([new nn.Linear(2, 2), new nn.Linear(2, 3)])).toThrow(/func\.stackModuleState: parameter 'weight' is float32\[2,2\] in models\[0\] but float32\[3,2\] in models\[1\]/);
    expect(() => stackModuleState([new nn.Linear(2, 2), new nn.Linear(2, 2, { bias: false })])).toThrow(/func\.stackModuleState: models\[1\] has other parameters than models\[0\]: it lacks 'bias'/);
  });
});

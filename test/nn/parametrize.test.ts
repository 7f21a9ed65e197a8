/**
 * nn.utils.parametrize and nn.utils.parametrizations (weightNorm, spectralNorm) against PyTorch
 * 2.13: test/fixtures/parametrize_torch.json, written by test/fixtures/generators/parametrize_torch.py,
 * holds per case (Symmetric, Positive with its right inverse, the chain Symmetric then Scale, the
 * new-style weight and spectral normalisation) the state-dict keys and values, the parametrized
 * weight, the output and the gradients of sum(out · r), and the state dicts after removal both
 * ways; and 3 SGD steps of a Linear whose weight is Symmetric then Scale. Checked in float64 and
 * float32 on the native and the reference backend; then rightInverse assignment, cached(),
 * buffers, deepCopy, dtype moves and the errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, DTypeError, ShapeError, nn, optim } from '../../src/index';
import { hasNative, onBackend } from '../helpers/backends';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';

const P = nn.utils.parametrize;

interface Removed { keys?: string[]; stateDict?: Record<string, Enc>; error?: string }
interface Case {
  before: { weight: Enc; bias: Enc }; keys: string[]; paramNames: string[]; stateDict: Record<string, Enc>;
  spectralBefore: Record<string, Enc>; weight: Enc; x: Enc; output: Enc; r: Enc; grads: Record<string, Enc>;
  removedLeave?: Removed; removedOriginal?: Removed;
}
interface TrainCase {
  before: { weight: Enc; bias: Enc }; x: Enc; y: Enc; final: Record<string, Enc>; finalWeight: Enc;
  steps: { loss: number; output: Enc; grads: Record<string, Enc> }[];
}
type CaseName = 'symmetric' | 'positive' | 'chain' | 'weightNorm' | 'weightNormWhole' | 'spectralNorm';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/parametrize_torch.json', import.meta.url), 'utf8')) as {
  torch: string; cases: Record<CaseName, Case> & { train: TrainCase };
};
const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];
const dec = (e: Enc, dtype: Dt = 'float64'): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);

/** X.triu() + X.triu(1)ᵀ: a symmetric matrix from the upper triangle. */
class Symmetric extends nn.Module {
  forward(x: L.Tensor): L.Tensor {
    return x.triu().add(x.triu(1).transpose(0, 1));
  }
}

/** exp(X), with log as right inverse. */
class Positive extends nn.Module {
  forward(x: L.Tensor): L.Tensor {
    return x.exp();
  }
  rightInverse(y: L.Tensor): L.Tensor {
    return y.log();
  }
}

/** X · scale, a parametrization with a parameter of its own. */
class Scale extends nn.Module {
  scale: nn.Parameter;
  constructor(dtype: Dt = 'float32') {
    super();
    this.scale = new nn.Parameter(L.tensor([1.5], { dtype }));
  }
  forward(x: L.Tensor): L.Tensor {
    return x.mul(this.scale);
  }
}

/** The fixture's Linear, its weight and bias loaded, then parametrized as the case says. */
function build(name: CaseName, c: { before: { weight: Enc; bias: Enc } }, dtype: Dt): nn.Linear & nn.utils.parametrize.Parametrized {
  const [outF, inF] = c.before.weight.shape;
  const lin = new nn.Linear(inF, outF, { dtype });
  L.noGrad(() => {
    L.copy_(lin.weight, dec(c.before.weight, dtype));
    L.copy_(lin.bias!, dec(c.before.bias, dtype));
  });
  switch (name) {
    case 'symmetric': return P.registerParametrization(lin, 'weight', new Symmetric());
    case 'positive': return P.registerParametrization(lin, 'weight', new Positive());
    case 'chain': return P.registerParametrization(P.registerParametrization(lin, 'weight', new Symmetric()), 'weight', new Scale(dtype));
    case 'weightNorm': return nn.utils.parametrizations.weightNorm(lin);
    case 'weightNormWhole': return nn.utils.parametrizations.weightNorm(lin, { dim: null });
    case 'spectralNorm': return nn.utils.parametrizations.spectralNorm(lin);
  }
}

describe(`nn.utils.parametrize matches torch.nn.utils.parametrize (fixtures from torch ${fixture.torch})`, () => {
  const expectClose = torchFixtureChecker({ float64: 1e-12, float32: 2e-6 });
  const names: CaseName[] = ['symmetric', 'positive', 'chain', 'weightNorm', 'weightNormWhole', 'spectralNorm'];

  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`Symmetric, Positive, a chain, weightNorm, spectralNorm: keys, values, output, gradients, removal (${backend}, ${dtype})`, () => onBackend(backend, () => {
        for (const name of names) {
          const c = fixture.cases[name];
          const lin = build(name, c, dtype);
          expect(Object.keys(lin.stateDict()), `${name} state-dict keys`).toEqual(c.keys);
          if (Object.keys(c.spectralBefore).length) lin.loadStateDict(Object.fromEntries(Object.entries(c.spectralBefore).map(([k, e]) => [k, dec(e, dtype)])), { strict: false });
          const params = lin.namedParameters();
          expect(params.map(([k]) => k), `${name} parameters`).toEqual(c.paramNames);
          // (Each read of lin.weight outside forward runs the parametrization: spectralNorm's power
          // iteration too, so the reads follow the generator's order: forward, state dict, weight.)
          const y = lin.call(dec(c.x, dtype));
          expectClose(y, c.output, dtype, `${name} output`);
          const sd = lin.stateDict();
          for (const [k, e] of Object.entries(c.stateDict)) expectClose(sd[k], e, dtype, `${name} ${k}`);
          expectClose(lin.weight, c.weight, dtype, `${name} parametrized weight`);
          const grads = L.grad(y.mul(dec(c.r, dtype)).sum(), params.map(([, p]) => p));
          params.forEach(([k], i) => expectClose(grads[i]!, c.grads[k], dtype, `${name} gradient w.r.t. ${k}`));
          expect(lin.weight, `${name} weight is no Parameter`).not.toBeInstanceOf(nn.Parameter);

          for (const leave of [true, false]) {
            const want = leave ? c.removedLeave : c.removedOriginal;
            if (!want) continue;
            const m = build(name, c, dtype);
            const original = m.parametrizations.get('weight').originals()[0];
            if (want.error) {
              expect(() => P.removeParametrizations(m, 'weight', { leaveParametrized: leave }), `${name} leave ${leave}`).toThrow(/cannot be left unparametrized/);
              continue;
            }
            P.removeParametrizations(m, 'weight', { leaveParametrized: leave });
            expect(Object.keys(m.stateDict()), `${name} keys after removal (leave ${leave})`).toEqual(want.keys);
            const after = m.stateDict();
            for (const [k, e] of Object.entries(want.stateDict!)) expectClose(after[k], e, dtype, `${name} ${k} after removal (leave ${leave})`);
            expect(m.weight, `${name} weight after removal`).toBeInstanceOf(nn.Parameter);
            expect(P.isParametrized(m), `${name} isParametrized after removal`).toBe(false);
            expect(m.namedChildren().map(([k]) => k), `${name} children after removal`).toEqual([]);
            // With one original, the Parameter object survives both ways (optimizers keep it).
            if (name !== 'weightNorm' && name !== 'weightNormWhole') expect(m.weight, `${name} weight object`).toBe(original);
          }
        }
      }));

      it(`3 SGD steps of a Linear whose weight is Symmetric then Scale (${backend}, ${dtype})`, () => onBackend(backend, () => {
        const c = fixture.cases.train;
        const lin = build('chain', c, dtype);
        const x = dec(c.x, dtype), target = dec(c.y, dtype);
        const opt = new optim.SGD(lin.parameters(), { lr: 0.1 });
        c.steps.forEach((step, s) => {
          opt.zeroGrad();
          const out = lin.call(x);
          const loss = L.mseLoss(out, target);
          expect(Math.abs(loss.item() - step.loss), `step ${s} loss`).toBeLessThan(dtype === 'float64' ? 1e-12 : 1e-6);
          expectClose(out, step.output, dtype, `step ${s} output`);
          L.backward(loss);
          for (const [k, p] of lin.namedParameters()) expectClose(p.grad!, step.grads[k], dtype, `step ${s} gradient of ${k}`);
          opt.step();
        });
        const sd = lin.stateDict();
        expect(Object.keys(sd)).toEqual(Object.keys(c.final));
        for (const [k, e] of Object.entries(c.final)) expectClose(sd[k], e, dtype, `final ${k}`);
        expectClose(lin.weight, c.finalWeight, dtype, 'final parametrized weight');
      }));
    }
  }
});

describe('nn.utils.parametrize', () => {
  it('keeps the original Parameter object (an optimizer built before still trains it) and its values with no rightInverse', () => {
    L.manualSeed(201);
    const lin = new nn.Linear(3, 3);
    const w = lin.weight;
    const values = Array.from(w.values);
    const opt = new optim.SGD(lin.parameters(), { lr: 0.5 });
    const list = P.registerParametrization(lin, 'weight', new Symmetric()).parametrizations.get('weight');
    expect(list.original).toBe(w);
    expect(Array.from(w.values)).toEqual(values);
    expect(list.isTensor).toBe(true);
    expect(list.ntensors).toBe(1);
    const y = lin.call(L.randn([2, 3]));
    L.backward(y.sum());
    opt.step();
    expect(Array.from(w.values)).not.toEqual(values);
    const sym = lin.weight.toArray() as number[][];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(sym[i][j]).toBe(sym[j][i]);
  });

  it('rightInverse: registration stores log W, so the module computes as before; assigning the weight stores log X', () => {
    L.manualSeed(202);
    const lin = new nn.Linear(3, 2, { dtype: 'float64' });
    L.noGrad(() => L.copy_(lin.weight, L.rand([2, 3], { dtype: 'float64' }).add(0.1)));
    const w = lin.weight, before = Array.from(w.values);
    const x = L.randn([4, 3], { dtype: 'float64' });
    const y0 = Array.from(lin.call(x).values);
    const pos = P.registerParametrization(lin, 'weight', new Positive());
    expect(pos.parametrizations.get('weight').original).toBe(w);
    Array.from(w.values).forEach((v, i) => expect(v).toBeCloseTo(Math.log(before[i]), 14));
    Array.from(lin.call(x).values).forEach((v, i) => expect(v).toBeCloseTo(y0[i], 13));
    const target = L.tensor([[1, 2, 3], [0.5, 0.25, 4]], { dtype: 'float64' });
    (lin as unknown as { weight: L.Tensor }).weight = target;
    expect(pos.parametrizations.get('weight').original).toBe(w);
    Array.from(w.values).forEach((v, i) => expect(v).toBeCloseTo(Math.log(target.values[i]), 14));
    Array.from(lin.weight.values).forEach((v, i) => expect(v).toBeCloseTo(target.values[i], 13));
    // The same through the list.
    pos.parametrizations.get('weight').rightInverse(L.ones([2, 3], { dtype: 'float64' }));
    expect(Array.from(w.values)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('chains: the second parametrization runs on the first one\'s output; assigning needs every rightInverse', () => {
    L.manualSeed(203);
    const lin = P.registerParametrization(new nn.Linear(3, 3), 'weight', new Symmetric());
    const symmetric = Array.from(lin.weight.values);
    P.registerParametrization(lin, 'weight', new Scale());
    Array.from(lin.weight.values).forEach((v, i) => expect(v).toBeCloseTo(symmetric[i] * 1.5, 6));
    expect(lin.parametrizations.get('weight').parametrizations().map((p) => p.typeName)).toEqual(['Symmetric', 'Scale']);
    expect(() => { (lin as unknown as { weight: L.Tensor }).weight = L.eye(3); }).toThrow(/ParametrizationList\.rightInverse: parametrization Scale has no rightInverse, so the parametrized tensor cannot be assigned/);
    const pos = P.registerParametrization(new nn.Linear(2, 2), 'weight', new Symmetric());
    expect(() => { (pos as unknown as { weight: L.Tensor }).weight = L.eye(2); }).toThrow(/parametrization Symmetric has no rightInverse/);
    expect(() => { (pos as unknown as { weight: unknown }).weight = [[1, 0], [0, 1]]; }).toThrow(/parametrize: Linear\.weight can only be assigned a Tensor/);
  });

  it('cached(): each parametrized tensor is computed once inside (nested calls share the cache), at every read outside', () => {
    let calls = 0;
    class Counted extends nn.Module {
      forward(x: L.Tensor): L.Tensor {
        calls++;
        return x.mul(2);
      }
    }
    const lin = P.registerParametrization(new nn.Linear(3, 3), 'weight', new Counted());
    const x = L.randn([2, 3]);
    // Once per forward (however often the layer reads it), once per read outside.
    calls = 0;
    lin.call(x);
    expect(calls).toBe(1);
    void lin.weight;
    void lin.weight;
    expect(calls).toBe(3);
    calls = 0;
    const out = P.cached(() => {
      const a = lin.call(x);
      const w1 = lin.weight;
      P.cached(() => lin.call(x));
      expect(lin.weight).toBe(w1);
      return a;
    });
    expect(calls).toBe(1);
    expect(out.shape).toEqual([2, 3]);
    calls = 0;
    lin.call(x);
    expect(calls).toBe(1);
    // The cached tensor keeps its graph: gradients reach the original.
    const y = P.cached(() => lin.call(x).add(lin.call(x)).sum());
    L.backward(y);
    expect(lin.parametrizations.get('weight').original.grad!.shape).toEqual([3, 3]);
    expect(() => P.cached(3 as unknown as () => void)).toThrow(/parametrize\.cached: fn must be a function/);
  });

  it('parametrizes a buffer (the original stays a buffer) and puts it back', () => {
    class Scaled extends nn.Module {
      gain!: L.Tensor;
      constructor() {
        super();
        this.registerBuffer('gain', L.tensor([1, 2, 4]));
      }
      forward(x: L.Tensor): L.Tensor {
        return x.mul(this.gain);
      }
    }
    const m = P.registerParametrization(new Scaled(), 'gain', new Positive());
    expect(Object.keys(m.stateDict())).toEqual(['parametrizations.gain.original']);
    expect(m.parameters()).toEqual([]);
    expect(m.namedBuffers().map(([k]) => k)).toEqual(['parametrizations.gain.original']);
    Array.from(m.call(L.ones([3])).values).forEach((v, i) => expect(v).toBeCloseTo([1, 2, 4][i], 5));
    P.removeParametrizations(m, 'gain');
    expect(Object.keys(m.stateDict())).toEqual(['gain']);
    expect(m.gain).toBe(m.getBuffer('gain'));
    Array.from(m.gain.values).forEach((v, i) => expect(v).toBeCloseTo([1, 2, 4][i], 5));
  });

  it('isParametrized, with and without a name; two parametrized tensors; removing one keeps the other', () => {
    const lin = new nn.Linear(3, 3);
    expect(P.isParametrized(lin)).toBe(false);
    P.registerParametrization(lin, 'weight', new Symmetric());
    expect(P.isParametrized(lin)).toBe(true);
    expect(P.isParametrized(lin, 'weight')).toBe(true);
    expect(P.isParametrized(lin, 'bias')).toBe(false);
    P.registerParametrization(lin, 'bias', new Scale());
    expect(Object.keys(lin.stateDict())).toEqual(['parametrizations.weight.original', 'parametrizations.bias.original', 'parametrizations.bias.0.scale']);
    P.removeParametrizations(lin, 'weight', { leaveParametrized: false });
    expect(P.isParametrized(lin, 'weight')).toBe(false);
    expect(P.isParametrized(lin)).toBe(true);
    // The module's own parameters come before its children's, as torch orders them.
    expect(Object.keys(lin.stateDict())).toEqual(['weight', 'parametrizations.bias.original', 'parametrizations.bias.0.scale']);
    expect(lin.call(L.randn([2, 3])).shape).toEqual([2, 3]);
    P.removeParametrizations(lin, 'bias');
    expect(Object.keys(lin.stateDict())).toEqual(['weight', 'bias']);
    expect(lin.bias).toBeInstanceOf(nn.Parameter);
  });

  it('deepCopy copies a parametrized module: same state and output, trained apart', () => {
    L.manualSeed(204);
    const lin = P.registerParametrization(P.registerParametrization(new nn.Linear(3, 3), 'weight', new Symmetric()), 'weight', new Scale());
    const copy = nn.utils.deepCopy(lin);
    expect(Object.keys(copy.stateDict())).toEqual(Object.keys(lin.stateDict()));
    const x = L.randn([2, 3]);
    expect(Array.from(copy.call(x).values)).toEqual(Array.from(lin.call(x).values));
    expect(copy.parametrizations.get('weight').original).not.toBe(lin.parametrizations.get('weight').original);
    const before = Array.from(lin.weight.values);
    L.backward(copy.call(x).sum());
    new optim.SGD(copy.parameters(), { lr: 1 }).step();
    expect(Array.from(lin.weight.values)).toEqual(before);
    expect(Array.from(copy.weight.values)).not.toEqual(before);
    expect(lin.parametrizations.get('weight').original.grad).toBeNull();
  });

  it('follows to(dtype) and train()/eval(); new-style spectralNorm iterates in training mode only', () => {
    L.manualSeed(205);
    const lin = P.registerParametrization(new nn.Linear(3, 3), 'weight', new Symmetric());
    lin.to('float64');
    expect(lin.weight.dtype).toBe('float64');
    expect(lin.call(L.randn([2, 3], { dtype: 'float64' })).dtype).toBe('float64');
    lin.eval();
    expect(lin.parametrizations.get('weight').parametrizations()[0].training).toBe(false);
    const sn = nn.utils.parametrizations.spectralNorm(new nn.Linear(4, 5));
    const u = sn.parametrizations.get('weight').parametrizations()[0].getBuffer('_u')!;
    L.noGrad(() => L.copy_(u, L.randn([5])));
    const start = Array.from(u.values);
    sn.eval();
    sn.call(L.randn([2, 4]));
    expect(Array.from(u.values)).toEqual(start);
    sn.train();
    sn.call(L.randn([2, 4]));
    expect(Array.from(u.values)).not.toEqual(start);
    // Once u and v have converged, W / σ has spectral norm 1: check by power iteration on (W/σ)ᵀ(W/σ).
    for (let i = 0; i < 100; i++) sn.call(L.randn([1, 4]));
    sn.eval();
    const w = sn.weight.to('float64');
    const wtw = w.transpose(0, 1).matmul(w);
    let v = L.ones([4], { dtype: 'float64' });
    for (let i = 0; i < 500; i++) v = wtw.matmul(v).div(wtw.matmul(v).norm());
    expect(Math.sqrt(wtw.matmul(v).norm().item())).toBeCloseTo(1, 4);
  });
});

describe('nn.utils.parametrize in nn.Sequential', () => {
  it('a parametrized Conv2d or BatchNorm before a ReLU runs unfused, with its parametrized weight', () => {
    L.manualSeed(206);
    const conv = P.registerParametrization(new nn.Conv2d(2, 3, 3), 'weight', new Positive());
    const bn = P.registerParametrization(new nn.BatchNorm1d(4), 'weight', new Scale());
    const x = L.randn([2, 2, 5, 5]), z = L.randn([6, 4]);
    expect(Array.from(new nn.Sequential(conv, new nn.ReLU()).call(x).values)).toEqual(Array.from(conv.call(x).relu().values));
    bn.eval();
    expect(Array.from(new nn.Sequential(bn, new nn.ReLU()).call(z).values)).toEqual(Array.from(bn.call(z).relu().values));
    // The old style too (nn.utils.weightNorm recomputes the weight in its own forward).
    const wn = nn.utils.weightNorm(new nn.Conv2d(2, 3, 3));
    L.noGrad(() => L.mul_(wn.getParameter('weight_g')!, 2));
    expect(Array.from(new nn.Sequential(wn, new nn.ReLU()).call(x).values)).toEqual(Array.from(wn.call(x).relu().values));
  });
});

describe('nn.utils.parametrize errors', () => {
  it('names an unknown tensor, a tensor read by name, a member in the way, bad arguments', () => {
    const lin = new nn.Linear(3, 3);
    expect(() => P.registerParametrization(lin, 'wieght', new Symmetric())).toThrow(ArgumentError);
    expect(() => P.registerParametrization(lin, 'wieght', new Symmetric())).toThrow(/parametrize\.registerParametrization: Linear has no parameter, buffer or parametrized tensor 'wieght' \(it has 'weight', 'bias'\)/);
    expect(() => P.registerParametrization(new nn.LSTMCell(2, 2), 'weight_ih', new Scale())).toThrow(/parametrize\.registerParametrization: LSTMCell reads 'weight_ih' by name, not through a field LSTMCell\.weight_ih/);
    expect(() => P.registerParametrization(lin, 'weight', (() => 1) as unknown as nn.Module)).toThrow(/parametrize\.registerParametrization: parametrization must be an nn\.Module/);
    expect(() => P.registerParametrization({} as nn.Linear, 'weight', new Symmetric())).toThrow(/parametrize\.registerParametrization: module must be an nn\.Module/);
    expect(() => P.registerParametrization(lin, '', new Symmetric())).toThrow(/name must be a non-empty string/);
    expect(() => P.registerParametrization(lin, 'weight', new Symmetric(), { unsafe: 'no' as unknown as boolean })).toThrow(/unsafe must be a boolean, got no/);
    expect(() => P.removeParametrizations(lin, 'weight')).toThrow(/parametrize\.removeParametrizations: Linear has no parametrization on weight/);
    const wn = nn.utils.parametrizations.weightNorm(new nn.Linear(3, 3));
    expect(() => P.removeParametrizations(wn, 'weight', { leaveParametrized: false })).toThrow(/parametrize\.removeParametrizations: Linear\.weight is parametrized by 2 tensors, so it cannot be left unparametrized/);
    expect(() => P.removeParametrizations(wn, 'weight', { leaveParametrized: 1 as unknown as boolean })).toThrow(/leaveParametrized must be a boolean, got 1/);
    expect(() => wn.parametrizations.get('weight').original).toThrow(/this parametrization has 2 originals; use originals\(\)/);
    expect(() => nn.utils.parametrizations.weightNorm(new nn.Linear(3, 3), { dim: 2 })).toThrow(/parametrizations\.weightNorm: dim must be an integer in \[-2, 2\) or null, got 2/);
    expect(() => nn.utils.parametrizations.spectralNorm(new nn.Linear(3, 3), { nPowerIterations: 0 })).toThrow(/parametrizations\.spectralNorm: nPowerIterations must be a positive integer, got 0/);
    expect(() => nn.utils.parametrizations.spectralNorm(new nn.ReLU())).toThrow(/parametrizations\.spectralNorm: ReLU has no parameter 'weight'/);
    expect(() => P.isParametrized(lin, 3 as unknown as string)).toThrow(/parametrize\.isParametrized: name must be a string/);
    // Old-style reparametrisations and parametrizations do not mix on one module.
    const old = nn.utils.weightNorm(new nn.Linear(3, 3));
    expect(() => P.registerParametrization(old, 'bias', new Scale())).toThrow(/parametrize\.registerParametrization: Linear already has a forward of its own \(the old-style reparametrisation of 'weight': nn\.utils\.weightNorm, spectralNorm or pruning\)/);
    const fresh = P.registerParametrization(new nn.Linear(3, 3), 'bias', new Scale());
    expect(() => nn.utils.weightNorm(fresh)).toThrow(/weightNorm: Linear already has a forward of its own/);
    expect(() => nn.utils.parametrizations.weightNorm(new nn.Linear(3, 3), { name: 'bias', dim: 0 }).call(L.randn([1, 3]))).not.toThrow();
  });

  it('refuses a parametrization that changes the shape or dtype unless unsafe, leaving the module as it was', () => {
    class FirstRows extends nn.Module {
      forward(x: L.Tensor): L.Tensor {
        return x.narrow(0, 0, 2);
      }
    }
    class ToDouble extends nn.Module {
      forward(x: L.Tensor): L.Tensor {
        return x.to('float64');
      }
    }
    const lin = new nn.Linear(3, 4);
    const w = lin.weight, values = Array.from(w.values);
    expect(() => P.registerParametrization(lin, 'weight', new FirstRows())).toThrow(ShapeError);
    expect(() => P.registerParametrization(lin, 'weight', new FirstRows())).toThrow(/parametrize\.registerParametrization: parametrization FirstRows on Linear\.weight turns float32\[4,3\] into float32\[2,3\]; a parametrization may not change the shape \[4,3\] unless unsafe is set/);
    expect(() => P.registerParametrization(lin, 'weight', new ToDouble())).toThrow(DTypeError);
    expect(lin.weight).toBe(w);
    expect(Array.from(w.values)).toEqual(values);
    expect(Object.keys(lin.stateDict())).toEqual(['weight', 'bias']);
    expect(P.isParametrized(lin)).toBe(false);
    // A rightInverse that changes the dtype is refused the same way.
    class BadInverse extends nn.Module {
      forward(x: L.Tensor): L.Tensor {
        return x;
      }
      rightInverse(x: L.Tensor): L.Tensor {
        return x.to('float64');
      }
    }
    expect(() => P.registerParametrization(lin, 'weight', new BadInverse())).toThrow(/BadInverse\.rightInverse turns float32\[4,3\] into float64\[4,3\]; with one original the dtype must stay float32/);
    // Appending to a chain checks too.
    const scaled = P.registerParametrization(lin, 'weight', new Scale());
    expect(() => P.registerParametrization(lin, 'weight', new FirstRows())).toThrow(/parametrization FirstRows on Linear\.weight turns float32\[4,3\] into float32\[2,3\]/);
    expect(scaled.parametrizations.get('weight').parametrizations().length).toBe(1);
    // With unsafe the shape may change.
    const other = P.registerParametrization(new nn.Linear(3, 4), 'weight', new FirstRows(), { unsafe: true });
    expect(other.weight.shape).toEqual([2, 3]);
    expect(other.parametrizations.get('weight').unsafe).toBe(true);
  });
});

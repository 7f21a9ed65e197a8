/**
 * optim.Adafactor: trajectories against torch.optim.Adafactor 2.13 (test/fixtures/optim/adafactor.json:
 * a scalar, a vector, 2-D, 3-D and a 4-D conv weight; weight decay, maximize, eps, d, beta2Decay,
 * groups, an lr schedule, zero init; float32 and float64; both backends), the final state under
 * PyTorch's names, state-dict and checkpoint round trips, option and state checks, and a small fit.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, ShapeError, optim } from '../../src/index';
import { Linear } from '../../src/nn/index';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint';
import fixture from '../fixtures/optim/adafactor.json';
import { hasNative, onBackend } from '../helpers/backends';
import { torchFixtureChecker, type Enc } from '../helpers/torch-fixture';

type Dt = 'float32' | 'float64';
type Case = {
  options: Record<string, unknown>; groups?: { params: number[]; options: Record<string, unknown> }[];
  dtype?: 'float64'; lrs?: number[]; zeroInit?: boolean; trajectory: number[][][];
  state: { step: number; rowVar?: Enc; colVar?: Enc; variance?: Enc }[];
};
const cases = fixture.cases as Case[];
const backends = hasNative() ? (['native', 'reference'] as const) : (['reference'] as const);

function makeParams(dtype: Dt = 'float32', zeroInit = false): L.Tensor[] {
  return fixture.init.map((v, i) => (zeroInit ? L.zeros(fixture.shapes[i], { dtype }) : L.tensor(v, { dtype }).reshape(fixture.shapes[i])).requiresGrad_());
}

/** g = a * p + b in the parameters' dtype, as the generator computes it. */
function setGrads(params: L.Tensor[]): void {
  L.noGrad(() => params.forEach((p, i) => {
    const a = L.tensor(fixture.a[i], { dtype: p.dtype }).reshape(fixture.shapes[i]);
    p.grad = L.add(L.mul(a, p), L.tensor(fixture.b[i], { dtype: p.dtype }).reshape(fixture.shapes[i]));
  }));
}

function build(c: Case, params: L.Tensor[]): optim.Adafactor {
  if (c.groups) return new optim.Adafactor(c.groups.map((g) => ({ params: g.params.map((i) => params[i]), ...g.options })), c.options);
  return new optim.Adafactor(params, c.options);
}

/** One step of case c at index k (its scheduled lr first, as the generator sets it). */
function stepCase(c: Case, opt: optim.Adafactor, params: L.Tensor[], k: number): void {
  if (c.lrs) for (const g of opt.paramGroups) g.lr = c.lrs[k];
  setGrads(params);
  opt.step();
}

const label = (c: Case) => `${JSON.stringify(c.options)}${c.groups ? ' groups' : ''}${c.lrs ? ' lr schedule' : ''}${c.zeroInit ? ' zero init' : ''}${c.dtype ? ` ${c.dtype}` : ''}`;

describe('fixture coverage', () => {
  it('covers every shape class, the options, groups, a schedule, zero init and float64', () => {
    expect(fixture.torch.startsWith('2.13')).toBe(true);
    expect(fixture.shapes.map((s) => s.length)).toEqual([0, 1, 2, 3, 4]);
    expect(cases.some((c) => Object.keys(c.options).length === 0 && !c.dtype)).toBe(true);
    for (const key of ['weightDecay', 'maximize', 'eps', 'd', 'beta2Decay']) expect(cases.some((c) => c.options[key] !== undefined), key).toBe(true);
    // lr above 1/sqrt(t) from some step on, so that the relative step size decides.
    expect(cases.some((c) => (c.options.lr as number) > 1 / Math.sqrt(2))).toBe(true);
    for (const dt of [undefined, 'float64']) {
      expect(cases.some((c) => c.groups && c.dtype === dt)).toBe(true);
      expect(cases.some((c) => c.lrs && c.dtype === dt)).toBe(true);
      expect(cases.some((c) => c.zeroInit && c.dtype === dt)).toBe(true);
    }
    expect(cases.filter((c) => c.dtype === 'float64').length).toBeGreaterThanOrEqual(5);
  });
});

describe('trajectories and state match PyTorch', () => {
  // float32: a few ulps per step over 10 steps (PyTorch's lerp and add use FMAs); float64: its own rounding.
  const check = torchFixtureChecker({ float32: 2e-6, float64: 1e-13 });
  for (const backend of backends) {
    for (const c of cases) {
      it(`${label(c)} (${backend})`, () => onBackend(backend, () => {
        const dtype: Dt = c.dtype ?? 'float32';
        const params = makeParams(dtype, c.zeroInit);
        const opt = build(c, params);
        c.trajectory.forEach((want, k) => {
          stepCase(c, opt, params, k);
          params.forEach((p, i) => check(p, { shape: fixture.shapes[i], values: want[i] }, dtype, `${label(c)} step ${k + 1} param ${i}`));
        });
        params.forEach((p, i) => {
          const s = opt.state.get(p)!, want = c.state[i];
          expect(Object.keys(s).sort()).toEqual(Object.keys(want).sort());
          expect(s.step).toBe(want.step);
          for (const key of ['rowVar', 'colVar', 'variance'] as const) {
            if (want[key]) check(s[key] as L.Tensor, want[key]!, dtype, `${label(c)} state[${i}].${key}`);
          }
        });
      }));
    }
  }
});

describe('state dicts and checkpoints', () => {
  for (const c of cases) {
    it(`save mid-training, load into a fresh optimizer, continue = uninterrupted: ${label(c)}`, () => {
      const dtype: Dt = c.dtype ?? 'float32';
      const a = makeParams(dtype, c.zeroInit), b = makeParams(dtype, c.zeroInit);
      const optA = build(c, a), optB = build(c, b);
      for (let k = 0; k < 8; k++) stepCase(c, optA, a, k);
      for (let k = 0; k < 4; k++) stepCase(c, optB, b, k);
      const saved = optB.stateDict();
      const at4 = b.map((p) => p.values.slice());
      // The dict is a snapshot: further steps of optB do not change it.
      stepCase(c, optB, b, 4);
      const fresh = makeParams(dtype);
      fresh.forEach((p, i) => p.values.set(at4[i]));
      const optC = build(c, fresh);
      optC.loadStateDict(saved);
      for (let k = 4; k < 8; k++) stepCase(c, optC, fresh, k);
      fresh.forEach((p, i) => expect(Array.from(p.values)).toEqual(Array.from(a[i].values)));
      expect(JSON.stringify(optC.stateDict().paramGroups)).toEqual(JSON.stringify(optA.stateDict().paramGroups));
    });
  }

  it('keeps step and the factors under PyTorch\'s names: rowVar [..., R, 1] and colVar [..., 1, C] for ndim >= 2, variance otherwise', () => {
    const params = makeParams();
    const opt = new optim.Adafactor(params);
    setGrads(params);
    opt.step();
    params[0].grad = null;
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state[0]).sort()).toEqual(['step', 'variance']);
    expect(Object.keys(sd.state[1]).sort()).toEqual(['step', 'variance']);
    expect(sd.state[0].step).toBe(1);
    expect(sd.state[1].step).toBe(2);
    const shapes: [number, number[], number[]][] = [[2, [2, 1], [1, 3]], [3, [2, 3, 1], [2, 1, 4]], [4, [4, 2, 3, 1], [4, 2, 1, 3]]];
    for (const [i, row, col] of shapes) {
      expect(Object.keys(sd.state[i]).sort()).toEqual(['colVar', 'rowVar', 'step']);
      expect((sd.state[i].rowVar as L.Tensor).shape).toEqual(row);
      expect((sd.state[i].colVar as L.Tensor).shape).toEqual(col);
    }
    expect((sd.state[0].variance as L.Tensor).shape).toEqual([]);
    expect(sd.paramGroups[0]).toMatchObject({ lr: 1e-2, beta2Decay: -0.8, eps: [null, 1e-3], d: 1, weightDecay: 0, maximize: false });
  });

  it('saveCheckpoint / loadCheckpoint carry the factored state and eps [null, eps2]: resuming repeats the steps bitwise', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lattice-adafactor-')), 'ckpt.safetensors');
    const run = (seed: number) => {
      L.manualSeed(seed);
      const model = new Linear(6, 4);
      return { model, optimizer: new optim.Adafactor(model.parameters(), { lr: 0.05, weightDecay: 0.01 }) };
    };
    const gen = new L.PhiloxStream(3);
    const X = L.randn([16, 6], { generator: gen }), Y = L.randn([16, 4], { generator: gen });
    const train = (parts: ReturnType<typeof run>) => L.tidy(() => {
      parts.optimizer.zeroGrad();
      const loss = L.mseLoss(parts.model.call(X), Y);
      loss.backward();
      parts.optimizer.step();
      return loss.item();
    });
    const a = run(1);
    for (let k = 0; k < 3; k++) train(a);
    saveCheckpoint(path, a);
    const lossesA = [0, 1, 2].map(() => train(a));
    const b = run(2);
    loadCheckpoint(path, b);
    expect(b.optimizer.paramGroups[0].eps).toEqual([null, 1e-3]);
    const weightState = b.optimizer.state.get(b.model.weight)!;
    expect((weightState.rowVar as L.Tensor).shape).toEqual([4, 1]);
    expect((weightState.colVar as L.Tensor).shape).toEqual([1, 6]);
    expect(weightState.step).toBe(3);
    const lossesB = [0, 1, 2].map(() => train(b));
    expect(lossesB).toEqual(lossesA);
    expect(Array.from(b.model.weight.values)).toEqual(Array.from(a.model.weight.values));
  });

  it('loadStateDict refuses a second moment of the wrong form and leaves the optimizer as it was', () => {
    const params = makeParams();
    const opt = new optim.Adafactor(params);
    setGrads(params);
    opt.step();
    const good = opt.stateDict();
    const values = params.map((p) => Array.from(p.values));
    const withState = (i: number, s: Record<string, unknown>) => ({ ...good, state: { ...good.state, [i]: s } });
    const bad: [string, unknown, RegExp, typeof ArgumentError | typeof ShapeError][] = [
      ['a transposed rowVar', withState(2, { ...good.state[2], rowVar: L.zeros([1, 2]) }), /^Adafactor\.loadStateDict: the state of a float32\[2,3\] parameter: rowVar must be \[2,1\], got float32\[1,2\]$/, ShapeError],
      ['colVar missing', withState(3, { step: 1, rowVar: good.state[3].rowVar }), /^Adafactor\.loadStateDict: .* must have a colVar tensor \[2,1,4\] \(it has step, rowVar\)$/, ArgumentError],
      ['a full variance for a matrix', withState(2, { step: 1, variance: L.zeros([2, 3]) }), /must have a rowVar tensor \[2,1\]/, ArgumentError],
      ['factors for a vector', withState(1, { step: 1, rowVar: L.zeros([3, 1]) }), /must have a variance tensor \(it has step, rowVar\)$/, ArgumentError],
      ['a variance of the wrong size', withState(1, { step: 1, variance: L.zeros([4]) }), /state\[1\]\.variance is .*\[4\].* but its parameter is/, ShapeError],
      ['a fractional step', withState(0, { ...good.state[0], step: 1.5 }), /must have a step count \(an integer >= 0\), got 1\.5$/, ArgumentError],
      ['an eps that is not a pair', { ...good, paramGroups: [{ ...good.paramGroups[0], eps: 1e-3 }] }, /^Adafactor: eps must be a pair \[eps1 \(a number or null\), eps2\], got 0.001 \(in loaded paramGroups\[0\]\)$/, ArgumentError],
    ];
    for (const [what, sd, re, cls] of bad) {
      expect(() => opt.loadStateDict(sd as never), what).toThrow(cls);
      expect(() => opt.loadStateDict(sd as never), what).toThrow(re);
      const after = opt.stateDict();
      expect(JSON.stringify(after.paramGroups), what).toEqual(JSON.stringify(good.paramGroups));
      for (const [k, s] of Object.entries(after.state)) {
        for (const [key, v] of Object.entries(s)) {
          const old = good.state[Number(k)][key];
          if (v instanceof L.Tensor) expect(Array.from(v.values), `${what}: ${k}.${key}`).toEqual(Array.from((old as L.Tensor).values));
          else expect(v).toEqual(old);
        }
      }
    }
    expect(params.map((p) => Array.from(p.values))).toEqual(values);
    // The optimizer still works, from its own state.
    setGrads(params);
    expect(() => opt.step()).not.toThrow();
    expect(opt.state.get(params[2])!.step).toBe(2);
  });
});

describe('option checks', () => {
  const p = () => L.tensor([1, 2]).requiresGrad_();
  const bad: [string, () => unknown, RegExp][] = [
    ['negative lr', () => new optim.Adafactor([p()], { lr: -1e-2 }), /^Adafactor: lr must be >= 0, got -0.01$/],
    ['NaN lr', () => new optim.Adafactor([p()], { lr: NaN }), /^Adafactor: lr must be a finite number, got NaN$/],
    ['positive beta2Decay', () => new optim.Adafactor([p()], { beta2Decay: 0.1 }), /^Adafactor: beta2Decay must be <= 0, got 0.1$/],
    ['eps not a pair', () => new optim.Adafactor([p()], { eps: [1e-3] as never }), /^Adafactor: eps must be a pair \[eps1 \(a number or null\), eps2\], got \[0.001\]$/],
    ['negative eps1', () => new optim.Adafactor([p()], { eps: [-1e-30, 1e-3] }), /^Adafactor: eps\[0\] must be >= 0, got -1e-30$/],
    ['undefined eps1', () => new optim.Adafactor([p()], { eps: [undefined as never, 1e-3] }), /^Adafactor: eps\[0\] must be a finite number, got undefined$/],
    ['negative eps2', () => new optim.Adafactor([p()], { eps: [null, -1] }), /^Adafactor: eps\[1\] must be >= 0, got -1$/],
    ['null eps2', () => new optim.Adafactor([p()], { eps: [null, null as never] }), /^Adafactor: eps\[1\] must be a finite number, got null$/],
    ['d < 1', () => new optim.Adafactor([p()], { d: 0.5 }), /^Adafactor: d must be >= 1, got 0.5$/],
    ['negative weightDecay', () => new optim.Adafactor([p()], { weightDecay: -0.1 }), /^Adafactor: weightDecay must be >= 0, got -0.1$/],
    ['maximize not boolean', () => new optim.Adafactor([p()], { maximize: 'yes' as never }), /^Adafactor: maximize must be true or false, got 'yes'$/],
    ['bad group d', () => new optim.Adafactor([{ params: [p()] }, { params: [p()], d: 0 }]), /^Adafactor: d must be >= 1, got 0 \(in paramGroups\[1\]\)$/],
  ];
  for (const [what, fn, re] of bad) {
    it(what, () => {
      expect(fn).toThrow(ArgumentError);
      expect(fn).toThrow(re);
    });
  }

  it('rejects an int32 parameter and a single tensor, as every optimizer does', () => {
    expect(() => new optim.Adafactor([L.tensor([1, 2], { dtype: 'int32' })])).toThrow(/^Adafactor: paramGroups\[0\]\.params\[0\] is .*int32.*; only float32 and float64 tensors can be optimized$/);
    expect(() => new optim.Adafactor(p() as never)).toThrow(/^Adafactor: params must be an iterable of Tensors, got a single Tensor/);
  });

  it('accepts PyTorch\'s boundary values', () => {
    expect(() => new optim.Adafactor([p()], { lr: 0, beta2Decay: 0, eps: [0, 0], d: 1, weightDecay: 0 })).not.toThrow();
  });
});

describe('optimizer behaviour', () => {
  it('skips a parameter without a gradient and leaves its state alone', () => {
    const params = makeParams();
    const before = params.map((q) => Array.from(q.values));
    const opt = new optim.Adafactor(params, { lr: 0.1 });
    setGrads(params);
    params[2].grad = null;
    opt.step();
    expect(Array.from(params[2].values)).toEqual(before[2]);
    expect(opt.state.has(params[2])).toBe(false);
    for (const i of [0, 1, 3, 4]) expect(Array.from(params[i].values)).not.toEqual(before[i]);
  });

  it('step(closure) returns the closure\'s loss; state created inside tidy() survives it; no tensor leaks per step', () => {
    const w = L.tensor([[1, -2, 3], [0.5, 0.25, -1]]).requiresGrad_();
    const opt = new optim.Adafactor([w]);
    const loss = L.tidy(() => (opt.step(() => {
      opt.zeroGrad();
      const l = L.sum(L.square(w));
      l.backward();
      return l;
    }) as L.Tensor).item());
    expect(loss).toBe(15.3125);
    for (const v of Object.values(opt.state.get(w)!)) if (v instanceof L.Tensor) expect(v.isDisposed).toBe(false);
    w.grad = L.onesLike(w);
    opt.step();
    const live = L.memory().numTensors;
    for (let k = 0; k < 5; k++) opt.step();
    expect(L.memory().numTensors).toBe(live);
  });

  it('an empty parameter counts its steps and is left as it is', () => {
    const e = L.zeros([0, 3]).requiresGrad_(), w = L.tensor([1, 2]).requiresGrad_();
    const opt = new optim.Adafactor([e, w]);
    e.grad = L.zeros([0, 3]);
    w.grad = L.tensor([1, 1]);
    opt.step();
    expect(e.shape).toEqual([0, 3]);
    expect(opt.state.get(e)!.step).toBe(1);
    expect((opt.state.get(e)!.rowVar as L.Tensor).shape).toEqual([0, 1]);
  });

  it('a zero gradient leaves the parameter where it is (the eps1 floors keep 0 / 0 out)', () => {
    const w = L.tensor([[1, 2], [3, 4]]).requiresGrad_(), v = L.tensor([1, 2]).requiresGrad_();
    const opt = new optim.Adafactor([w, v]);
    w.grad = L.zerosLike(w);
    v.grad = L.zerosLike(v);
    opt.step();
    expect(Array.from(w.values)).toEqual([1, 2, 3, 4]);
    expect(Array.from(v.values)).toEqual([1, 2]);
  });

  for (const backend of backends) {
    it(`fits a least-squares problem: loss < 1e-3 x the initial loss in 300 steps (${backend})`, () => onBackend(backend, () => {
      L.manualSeed(0);
      const X = L.randn([64, 5]);
      const y = L.add(L.matmul(X, L.tensor([[1.5, -1], [-2, 0.5], [0.5, 2], [3, -0.5], [-1, 1]])), 0.7);
      const w = L.mul(L.randn([5, 2]), 0.1).requiresGrad_(), b = L.zeros([2]).requiresGrad_();
      const opt = new optim.Adafactor([w, b], { lr: 0.1 });
      const lossOf = () => L.mean(L.square(L.sub(L.add(L.matmul(X, w), b), y)));
      const initial = L.noGrad(() => lossOf().item());
      for (let k = 0; k < 300; k++) {
        opt.zeroGrad();
        lossOf().backward();
        opt.step();
      }
      expect(L.noGrad(() => lossOf().item())).toBeLessThan(1e-3 * initial);
    }));
  }
});

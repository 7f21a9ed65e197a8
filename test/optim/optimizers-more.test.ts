/**
 * RAdam, NAdam, Adamax, Adadelta, ASGD and Rprop: trajectories against PyTorch 2.x
 * (test/fixtures/optim/optimizers_more.json), ASGD's averaged parameters, state-dict
 * round trips, option checks, parameters without gradients, and a small least-squares fit.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, optim } from '../../src/index';
import fixture from '../fixtures/optim/optimizers_more.json';
import { closeness, hasNative, onBackend } from '../helpers/backends';

type Name = 'RAdam' | 'NAdam' | 'Adamax' | 'Adadelta' | 'ASGD' | 'Rprop';
type Case = {
  optimizer: Name; options: Record<string, unknown>; groups?: { params: number[]; options: Record<string, unknown> }[];
  dtype?: 'float64'; rectifiedFrom?: number | null; trajectory: number[][][];
  /** ASGD, where the averaging started within the steps: ax after the last step. */
  ax?: number[][];
  /** Rprop: whether some step size sat at its lower / upper bound. */
  clamped?: { min: boolean; max: boolean };
};
type AnyOptimizer = optim.Optimizer<never>;

const CLASSES: Record<Name, new (params: never, options?: never) => AnyOptimizer> = {
  RAdam: optim.RAdam as never, NAdam: optim.NAdam as never, Adamax: optim.Adamax as never, Adadelta: optim.Adadelta as never,
  ASGD: optim.ASGD as never, Rprop: optim.Rprop as never,
};
const NAMES = Object.keys(CLASSES) as Name[];
const cases = fixture.cases as Case[];

function makeParams(dtype: 'float32' | 'float64' = 'float32'): L.Tensor[] {
  return fixture.init.map((v, i) => L.tensor(v, { dtype }).reshape(fixture.shapes[i]).requiresGrad_());
}

/** g = a * p + b in the parameters' dtype, as the generator computes it. */
function setGrads(params: L.Tensor[]): void {
  L.noGrad(() => params.forEach((p, i) => {
    const a = L.tensor(fixture.a[i], { dtype: p.dtype }).reshape(fixture.shapes[i]);
    p.grad = L.add(L.mul(a, p), L.tensor(fixture.b[i], { dtype: p.dtype }).reshape(fixture.shapes[i]));
  }));
}

function build(c: Case, params: L.Tensor[]): AnyOptimizer {
  const Cls = CLASSES[c.optimizer];
  if (c.groups) return new Cls(c.groups.map((g) => ({ params: g.params.map((i) => params[i]), ...g.options })) as never, c.options as never);
  return new Cls(params as never, c.options as never);
}

const label = (c: Case) => `${c.optimizer} ${JSON.stringify(c.options)}${c.groups ? ' groups' : ''}${c.dtype ? ` ${c.dtype}` : ''}`;
const backends = hasNative() ? (['native', 'reference'] as const) : (['reference'] as const);

describe('fixture coverage', () => {
  it('has defaults, weight decay, maximize, groups and float64 for every optimizer, RAdam switching its rectification on, ASGD averaging and Rprop clamping', () => {
    for (const name of NAMES) {
      const mine = cases.filter((c) => c.optimizer === name);
      expect(mine.some((c) => Object.keys(c.options).length === 0), `${name} defaults`).toBe(true);
      // Rprop has no weight decay (nor has torch.optim.Rprop).
      if (name !== 'Rprop') expect(mine.some((c) => c.options.weightDecay !== undefined), `${name} weightDecay`).toBe(true);
      expect(mine.some((c) => c.options.maximize === true), `${name} maximize`).toBe(true);
      expect(mine.some((c) => c.groups !== undefined), `${name} groups`).toBe(true);
      expect(mine.some((c) => c.dtype === 'float64'), `${name} float64`).toBe(true);
    }
    // rho_t > 5 first at step 6 for beta2 in [0.9, 0.999]; never for beta2 0.5 (rho_inf = 3).
    const radam = cases.filter((c) => c.optimizer === 'RAdam');
    expect(radam.filter((c) => c.rectifiedFrom === 6).length).toBeGreaterThanOrEqual(3);
    expect(radam.some((c) => c.rectifiedFrom === null)).toBe(true);
    // ASGD: averaging (t0 small) in float32, float64 and a groups case; Rprop: both step-size bounds hit, in both dtypes.
    const asgd = cases.filter((c) => c.optimizer === 'ASGD' && c.ax !== undefined);
    expect(asgd.length).toBeGreaterThanOrEqual(4);
    expect(asgd.some((c) => c.dtype === 'float64') && asgd.some((c) => c.groups !== undefined)).toBe(true);
    const rprop = cases.filter((c) => c.optimizer === 'Rprop' && c.clamped!.min && c.clamped!.max);
    expect(rprop.some((c) => c.dtype === undefined) && rprop.some((c) => c.dtype === 'float64')).toBe(true);
    expect(fixture.torch.startsWith('2.')).toBe(true);
  });
});

describe('trajectories match PyTorch', () => {
  for (const backend of backends) {
    for (const c of cases) {
      it(`${label(c)} (${backend})`, () => onBackend(backend, () => {
        const params = makeParams(c.dtype ?? 'float32');
        const opt = build(c, params);
        // float32: a few ulps of drift over 10 steps; float64: PyTorch's own float64 arithmetic.
        const [atol, rtol] = c.dtype === 'float64' ? [1e-14, 1e-12] : [1e-6, 1e-5];
        c.trajectory.forEach((want, step) => {
          setGrads(params);
          opt.step();
          params.forEach((p, i) => {
            expect(p.dtype).toBe(c.dtype ?? 'float32');
            expect(closeness(p.values, want[i], atol, rtol), `${label(c)} step ${step + 1} param ${i}`).toBeLessThanOrEqual(1);
          });
        });
      }));
    }
  }
});

describe('state dicts', () => {
  for (const c of cases) {
    it(`save mid-training, load into a fresh optimizer, continue = uninterrupted: ${label(c)}`, () => {
      const dtype = c.dtype ?? 'float32';
      const a = makeParams(dtype), b = makeParams(dtype);
      const optA = build(c, a), optB = build(c, b);
      for (let k = 0; k < 8; k++) {
        setGrads(a);
        optA.step();
      }
      for (let k = 0; k < 4; k++) {
        setGrads(b);
        optB.step();
      }
      const saved = optB.stateDict();
      const at4 = b.map((p) => p.values.slice());
      // The dict is a snapshot: further steps of optB do not change it.
      setGrads(b);
      optB.step();
      const fresh = makeParams(dtype);
      fresh.forEach((p, i) => p.values.set(at4[i]));
      const optC = build(c, fresh);
      optC.loadStateDict(saved);
      for (let k = 4; k < 8; k++) {
        setGrads(fresh);
        optC.step();
      }
      fresh.forEach((p, i) => expect(Array.from(p.values)).toEqual(Array.from(a[i].values)));
      expect(JSON.stringify(optC.stateDict().paramGroups)).toEqual(JSON.stringify(optA.stateDict().paramGroups));
    });
  }

  it('carries each optimizer\'s state under PyTorch\'s names, camelCased; NAdam\'s muProduct is per parameter', () => {
    const keys: Record<Name, string[]> = {
      RAdam: ['expAvg', 'expAvgSq', 'step'], NAdam: ['expAvg', 'expAvgSq', 'muProduct', 'step'],
      Adamax: ['expAvg', 'expInf', 'step'], Adadelta: ['accDelta', 'squareAvg', 'step'],
      ASGD: ['ax', 'eta', 'mu', 'step'], Rprop: ['prev', 'step', 'stepSize'],
    };
    for (const name of NAMES) {
      const params = makeParams();
      const opt = new CLASSES[name](params as never);
      setGrads(params);
      opt.step();
      params[0].grad = null;
      opt.step();
      const sd = opt.stateDict();
      expect(Object.keys(sd.state[1]).sort(), name).toEqual(keys[name]);
      expect(sd.state[0].step).toBe(1);
      expect(sd.state[1].step).toBe(2);
      if (name === 'NAdam') {
        // mu_1 = 0.9 (1 - 0.5 * 0.96^0.004), then times mu_2; rounded to float32 as PyTorch's scalar tensor is.
        const mu = (t: number) => 0.9 * (1 - 0.5 * 0.96 ** (t * 4e-3));
        expect(sd.state[0].muProduct).toBe(Math.fround(mu(1)));
        expect(sd.state[1].muProduct).toBe(Math.fround(Math.fround(mu(1)) * Math.fround(mu(2))));
      }
      if (name === 'ASGD') {
        // eta = lr / (1 + lambd lr t)^alpha and mu = 1 / max(1, t - t0) for the next step, float32 as PyTorch's.
        expect(sd.state[0].eta).toBe(Math.fround(1e-2 / (1 + 1e-4 * 1e-2 * 1) ** 0.75));
        expect(sd.state[1].eta).toBe(Math.fround(1e-2 / (1 + 1e-4 * 1e-2 * 2) ** 0.75));
        expect(sd.state[1].mu).toBe(1);
      }
    }
  });
});

describe('option checks', () => {
  const p = () => L.tensor([1, 2]).requiresGrad_();
  const bad: [string, () => unknown, RegExp][] = [
    ['RAdam beta2 = 1', () => new optim.RAdam([p()], { betas: [0.9, 1] }), /^RAdam: betas\[1\] must be < 1, got 1$/],
    ['RAdam negative beta1', () => new optim.RAdam([p()], { betas: [-0.1, 0.999] }), /^RAdam: betas\[0\] must be >= 0, got -0.1$/],
    ['RAdam betas not a pair', () => new optim.RAdam([p()], { betas: [0.9] as never }), /^RAdam: betas must be a pair \[beta1, beta2\], got \[0.9\]$/],
    ['RAdam negative eps', () => new optim.RAdam([p()], { eps: -1e-8 }), /^RAdam: eps must be >= 0, got -1e-8$/],
    ['RAdam decoupledWeightDecay not boolean', () => new optim.RAdam([p()], { decoupledWeightDecay: 'yes' as never }), /^RAdam: decoupledWeightDecay must be true or false, got 'yes'$/],
    ['RAdam negative lr', () => new optim.RAdam([p()], { lr: -1e-3 }), /^RAdam: lr must be >= 0, got -0.001$/],
    ['NAdam negative momentumDecay', () => new optim.NAdam([p()], { momentumDecay: -0.004 }), /^NAdam: momentumDecay must be >= 0, got -0.004$/],
    ['NAdam NaN beta1', () => new optim.NAdam([p()], { betas: [NaN, 0.999] }), /^NAdam: betas\[0\] must be a finite number, got NaN$/],
    ['NAdam negative weightDecay', () => new optim.NAdam([p()], { weightDecay: -0.1 }), /^NAdam: weightDecay must be >= 0, got -0.1$/],
    ['NAdam maximize not boolean', () => new optim.NAdam([p()], { maximize: 1 as never }), /^NAdam: maximize must be true or false, got 1$/],
    ['Adamax beta1 = 1', () => new optim.Adamax([p()], { betas: [1, 0.999] }), /^Adamax: betas\[0\] must be < 1, got 1$/],
    ['Adamax negative eps', () => new optim.Adamax([p()], { eps: -1 }), /^Adamax: eps must be >= 0, got -1$/],
    ['Adamax infinite lr', () => new optim.Adamax([p()], { lr: Infinity }), /^Adamax: lr must be a finite number, got Infinity$/],
    ['Adadelta rho > 1', () => new optim.Adadelta([p()], { rho: 1.5 }), /^Adadelta: rho must be <= 1, got 1.5$/],
    ['Adadelta negative rho', () => new optim.Adadelta([p()], { rho: -0.1 }), /^Adadelta: rho must be >= 0, got -0.1$/],
    ['Adadelta negative weightDecay', () => new optim.Adadelta([p()], { weightDecay: -1 }), /^Adadelta: weightDecay must be >= 0, got -1$/],
    ['Adadelta bad group eps', () => new optim.Adadelta([{ params: [p()] }, { params: [p()], eps: -1 }]), /^Adadelta: eps must be >= 0, got -1 \(in paramGroups\[1\]\)$/],
    ['ASGD negative lr', () => new optim.ASGD([p()], { lr: -0.1 }), /^ASGD: lr must be >= 0, got -0.1$/],
    ['ASGD negative weightDecay', () => new optim.ASGD([p()], { weightDecay: -1 }), /^ASGD: weightDecay must be >= 0, got -1$/],
    ['ASGD negative lambd', () => new optim.ASGD([p()], { lambd: -1e-4 }), /^ASGD: lambd must be >= 0, got -0.0001$/],
    ['ASGD NaN alpha', () => new optim.ASGD([p()], { alpha: NaN }), /^ASGD: alpha must be a finite number, got NaN$/],
    ['ASGD negative t0', () => new optim.ASGD([p()], { t0: -1 }), /^ASGD: t0 must be >= 0, got -1$/],
    ['ASGD maximize not boolean', () => new optim.ASGD([p()], { maximize: 'no' as never }), /^ASGD: maximize must be true or false, got 'no'$/],
    ['Rprop etaMinus = 1', () => new optim.Rprop([p()], { etas: [1, 1.2] }), /^Rprop: etas\[0\] must be < 1, got 1$/],
    ['Rprop etaMinus = 0', () => new optim.Rprop([p()], { etas: [0, 1.2] }), /^Rprop: etas\[0\] must be > 0, got 0$/],
    ['Rprop etaPlus = 1', () => new optim.Rprop([p()], { etas: [0.5, 1] }), /^Rprop: etas\[1\] must be > 1, got 1$/],
    ['Rprop etas not a pair', () => new optim.Rprop([p()], { etas: 0.5 as never }), /^Rprop: etas must be a pair \[etaMinus, etaPlus\], got 0.5$/],
    ['Rprop negative step-size floor', () => new optim.Rprop([p()], { stepSizes: [-1, 50] }), /^Rprop: stepSizes\[0\] must be >= 0, got -1$/],
    ['Rprop reversed step sizes', () => new optim.Rprop([p()], { stepSizes: [1, 0.5] }), /^Rprop: stepSizes\[1\] must be >= 1, got 0.5$/],
    ['Rprop stepSizes not a pair', () => new optim.Rprop([p()], { stepSizes: [1e-6, 50, 1] as never }), /^Rprop: stepSizes must be a pair \[min, max\], got \[0.000001, 50, 1\]$/],
    ['Rprop bad group lr', () => new optim.Rprop([{ params: [p()] }, { params: [p()], lr: -1 }]), /^Rprop: lr must be >= 0, got -1 \(in paramGroups\[1\]\)$/],
  ];
  for (const [what, fn, re] of bad) {
    it(what, () => {
      expect(fn).toThrow(ArgumentError);
      expect(fn).toThrow(re);
    });
  }

  it('the boundary values PyTorch accepts are accepted', () => {
    expect(() => new optim.RAdam([p()], { betas: [0, 0], eps: 0, lr: 0 })).not.toThrow();
    expect(() => new optim.NAdam([p()], { momentumDecay: 0 })).not.toThrow();
    expect(() => new optim.Adadelta([p()], { rho: 1 })).not.toThrow();
    expect(() => new optim.Adadelta([p()], { rho: 0 })).not.toThrow();
    expect(() => new optim.ASGD([p()], { lr: 0, lambd: 0, alpha: 0, t0: 0, weightDecay: 0 })).not.toThrow();
    expect(() => new optim.Rprop([p()], { lr: 0, etas: [1e-3, 1.001], stepSizes: [0, 0] })).not.toThrow();
  });

  it('a rejected addParamGroup or loadStateDict leaves the optimizer as it was', () => {
    const badGroups: Record<Name, Record<string, unknown>> = {
      RAdam: { betas: [0.9, 1] }, NAdam: { momentumDecay: -1 }, Adamax: { eps: -1 }, Adadelta: { rho: 2 },
      ASGD: { t0: -1 }, Rprop: { etas: [0.5, 0.9] },
    };
    for (const name of NAMES) {
      const params = makeParams();
      const opt = new CLASSES[name]([params[0], params[1]] as never);
      setGrads(params);
      opt.step();
      const before = opt.stateDict();
      const values = params.map((q) => Array.from(q.values));
      expect(() => opt.addParamGroup({ params: [params[2]], ...badGroups[name] } as never)).toThrow(new RegExp(`^${name}: .* \\(in paramGroups\\[1\\]\\)$`));
      const broken = { ...before, paramGroups: [{ ...before.paramGroups[0], ...badGroups[name] }] };
      expect(() => opt.loadStateDict(broken as never)).toThrow(new RegExp(`^${name}: .* \\(in loaded paramGroups\\[0\\]\\)$`));
      expect(opt.paramGroups.length).toBe(1);
      const after = opt.stateDict();
      expect(JSON.stringify(after.paramGroups)).toEqual(JSON.stringify(before.paramGroups));
      for (const [k, s] of Object.entries(after.state)) {
        for (const [key, v] of Object.entries(s)) {
          const old = before.state[Number(k)][key];
          if (v instanceof L.Tensor) expect(Array.from(v.values), `${name} ${key}`).toEqual(Array.from((old as L.Tensor).values));
          else expect(v).toEqual(old);
        }
      }
      expect(params.map((q) => Array.from(q.values))).toEqual(values);
    }
  });
});

describe('optimizer behaviour', () => {
  for (const name of NAMES) {
    it(`${name} skips a parameter without a gradient and leaves its state alone`, () => {
      const params = makeParams();
      const before = params.map((q) => Array.from(q.values));
      const opt = new CLASSES[name](params as never, { lr: 0.1 } as never);
      setGrads(params);
      params[1].grad = null;
      opt.step();
      expect(Array.from(params[1].values)).toEqual(before[1]);
      expect(opt.state.has(params[1])).toBe(false);
      expect(Array.from(params[0].values)).not.toEqual(before[0]);
      expect(Array.from(params[2].values)).not.toEqual(before[2]);
    });
  }

  it('step(closure) returns the closure\'s loss; state created inside tidy() survives it', () => {
    for (const name of NAMES) {
      const w = L.tensor([1, -2]).requiresGrad_();
      const opt = new CLASSES[name]([w] as never);
      const loss = L.tidy(() => (opt.step(() => {
        opt.zeroGrad();
        const l = L.sum(L.square(w));
        l.backward();
        return l;
      }) as L.Tensor).item());
      expect(loss).toBe(5);
      for (const v of Object.values(opt.state.get(w)!)) if (v instanceof L.Tensor) expect(v.isDisposed, name).toBe(false);
      w.grad = L.tensor([1, 1]);
      expect(() => opt.step()).not.toThrow();
    }
  });

  // A 5-feature linear regression (64 samples, exact fit possible): the loss after 200 full-batch steps.
  const fits: [Name, Record<string, unknown>, number][] = [
    ['RAdam', { lr: 0.1 }, 1e-4], ['NAdam', { lr: 0.1 }, 1e-4], ['Adamax', { lr: 0.1 }, 1e-4],
    // Adadelta's steps start at about sqrt(eps) and grow: at lr 1 it is still far off after 200 steps.
    ['Adadelta', { lr: 5 }, 2e-2],
    // ASGD is SGD with a slowly decaying step; averaging from step 100 on (the average lags the iterate).
    ['ASGD', { lr: 0.1, t0: 100 }, 1e-4],
    // Rprop's step sizes grow from lr by 1.2 per step while the gradient's sign holds.
    ['Rprop', {}, 1e-4],
  ];
  for (const backend of backends) {
    for (const [name, options, factor] of fits) {
      it(`${name} ${JSON.stringify(options)} fits a least-squares problem: loss < ${factor} x the initial loss in 200 steps (${backend})`, () => onBackend(backend, () => {
        L.manualSeed(0);
        const X = L.randn([64, 5]);
        const y = L.add(L.matmul(X, L.tensor([1.5, -2, 0.5, 3, -1]).reshape([5, 1])), 0.7);
        const w = L.zeros([5, 1]).requiresGrad_(), b = L.zeros([1]).requiresGrad_();
        const opt = new CLASSES[name]([w, b] as never, options as never);
        const lossOf = () => L.mean(L.square(L.sub(L.add(L.matmul(X, w), b), y)));
        const initial = L.noGrad(() => lossOf().item());
        expect(initial).toBeGreaterThan(10);
        for (let k = 0; k < 200; k++) {
          opt.zeroGrad();
          lossOf().backward();
          opt.step();
        }
        const final = L.noGrad(() => lossOf().item());
        expect(final).toBeLessThan(factor * initial);
      }));
    }
  }
});

describe('ASGD averagedParameters', () => {
  for (const c of cases.filter((x) => x.optimizer === 'ASGD')) {
    it(`${c.ax ? 'matches PyTorch\'s ax' : 'equals the parameters before averaging starts'}: ${label(c)}`, () => {
      const params = makeParams(c.dtype ?? 'float32');
      const opt = build(c, params) as unknown as optim.ASGD;
      for (let k = 0; k < c.trajectory.length; k++) {
        setGrads(params);
        opt.step();
      }
      const avg = opt.averagedParameters();
      // build() keeps the parameters' order within each group; the fixture's ax is by parameter index.
      const order = c.groups ? c.groups.flatMap((g) => g.params) : params.map((_, i) => i);
      const [atol, rtol] = c.dtype === 'float64' ? [1e-14, 1e-12] : [1e-6, 1e-5];
      avg.forEach((a, k) => {
        const i = order[k];
        expect(a.dtype).toBe(c.dtype ?? 'float32');
        expect(a.shape).toEqual(params[i].shape);
        if (c.ax) expect(closeness(a.values, c.ax[i], atol, rtol), `${label(c)} param ${i}`).toBeLessThanOrEqual(1);
        else expect(Array.from(a.values)).toEqual(Array.from(params[i].values));
      });
      if (c.ax) expect(avg.some((a, k) => Array.from(a.values).some((v, j) => v !== params[order[k]].values[j]))).toBe(true);
      // Copies: another step changes neither them nor is changed by disposing them.
      const before = avg.map((a) => Array.from(a.values));
      setGrads(params);
      opt.step();
      avg.forEach((a, k) => expect(Array.from(a.values)).toEqual(before[k]));
      avg.forEach((a) => a.dispose());
      expect((opt.state.get(params[0])!.ax as L.Tensor).isDisposed).toBe(false);
    });
  }

  it('gives a copy of a parameter that has taken no step, and no graph', () => {
    const params = makeParams();
    const opt = new optim.ASGD(params, { t0: 0 });
    setGrads(params);
    params[2].grad = null;
    opt.step();
    const avg = opt.averagedParameters();
    expect(avg.length).toBe(3);
    expect(Array.from(avg[2].values)).toEqual(Array.from(params[2].values));
    expect(avg[2]).not.toBe(params[2]);
    for (const a of avg) expect(a.requiresGrad).toBe(false);
  });
});

describe('Rprop sign logic', () => {
  it('zeroes the gradient where its sign flipped; NaN counts as sign 0, as in PyTorch 2.13', () => {
    // Expected values from torch.optim.Rprop([p], foreach=False) with these gradients.
    const p = L.tensor([1, 2, 3]).requiresGrad_();
    const opt = new optim.Rprop([p]);
    const run = (g: number[]) => {
      p.grad = L.tensor(g);
      opt.step();
      const s = opt.state.get(p)!;
      return [Array.from(p.values), Array.from((s.stepSize as L.Tensor).values), Array.from((s.prev as L.Tensor).values)];
    };
    const f = (xs: number[]) => xs.map(Math.fround);
    expect(run([NaN, 1, -1])).toEqual([f([1, 1.99, 3.01]), f([0.01, 0.01, 0.01]), [NaN, 1, -1]]);
    expect(run([1, NaN, 1])).toEqual([f([0.99, 1.99, 3.01]), f([0.01, 0.01, 0.005]), [1, NaN, 0]]);
    expect(run([1, 1, 1])).toEqual([[Math.fround(0.99) - Math.fround(0.012), Math.fround(1.99) - Math.fround(0.01), Math.fround(3.01) - Math.fround(0.005)].map(Math.fround), f([0.012, 0.01, 0.005]), [1, 1, 1]]);
  });
});

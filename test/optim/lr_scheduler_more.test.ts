/** LambdaLR, MultiplicativeLR, CyclicLR and ChainedScheduler against torch.optim.lr_scheduler (test/fixtures/optim/schedules_more.json). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, optim } from '../../src/index';
import * as nn from '../../src/nn/index';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint';
import fixture from '../fixtures/optim/schedules_more.json';

type Kind = 'sgd' | 'sgdMomentum' | 'adam';
type Seq = { optimizer: Kind; options: Record<string, unknown>; lrs: number[][]; momenta?: number[][] };
type AnyOpt = optim.Optimizer<never>;
type Sched = { step(): void; stateDict(): Record<string, unknown>; loadStateDict(s: Record<string, unknown>): void; getLastLr(): number[] };
type Group = { lr: number; momentum?: number; betas?: number[] };

/** Two groups, lr 0.1 and 0.05 (Adam: 0.001 and 0.05), as optim_fixtures.schedule() builds them. */
function makeOptimizer(kind: Kind, params?: [L.Tensor[], L.Tensor[]]): AnyOpt {
  const [p, q] = params ?? [[L.zeros([1]).requiresGrad_()], [L.zeros([1]).requiresGrad_()]];
  const groups = [{ params: p }, { params: q, lr: 0.05 }];
  if (kind === 'adam') return new optim.Adam(groups, { lr: 0.001 }) as unknown as AnyOpt;
  return new optim.SGD(groups, { lr: 0.1, momentum: kind === 'sgdMomentum' ? 0.9 : 0 }) as unknown as AnyOpt;
}

const groupsOf = (o: AnyOpt) => o.paramGroups as unknown as Group[];
const lrsOf = (o: AnyOpt) => groupsOf(o).map((g) => g.lr);
/** The cycled momentum of each group: beta1 for the Adam family, else momentum. */
const momentaOf = (o: AnyOpt) => groupsOf(o).map((g) => (g.betas ? g.betas[0] : (g.momentum as number)));

// The fixture's functions, by case name (the generator's lambdas).
const warmup = (e: number) => Math.min(1, (e + 1) / 5);
const BUILD: Record<string, (o: AnyOpt, options: never) => Sched> = {
  LambdaLR_warmup: (o) => new optim.LambdaLR(o, { lrLambda: warmup }),
  LambdaLR_per_group: (o) => new optim.LambdaLR(o, { lrLambda: [(e) => 0.9 ** e, (e) => 1 / (1 + 0.5 * e)] }),
  MultiplicativeLR: (o) => new optim.MultiplicativeLR(o, { lrLambda: () => 0.95 }),
  MultiplicativeLR_per_group: (o) => new optim.MultiplicativeLR(o, { lrLambda: [() => 0.95, (e) => (e % 5 === 0 ? 0.5 : 1)] }),
  CyclicLR_triangular_sgd: (o, x) => new optim.CyclicLR(o, x),
  CyclicLR_triangular2_adam: (o, x) => new optim.CyclicLR(o, x),
  CyclicLR_exp_range_sgd: (o, x) => new optim.CyclicLR(o, x),
  CyclicLR_exp_range_adam: (o, x) => new optim.CyclicLR(o, x),
  CyclicLR_nomomentum: (o, x) => new optim.CyclicLR(o, x),
  CyclicLR_scalefn: (o, x: optim.CyclicLROptions) => new optim.CyclicLR(o, { ...x, scaleFn: (i) => 1 / (1 + 0.1 * i) }),
  ChainedScheduler_constant_exponential: (o) => new optim.ChainedScheduler([new optim.ConstantLR(o, { factor: 0.5, totalIters: 3 }), new optim.ExponentialLR(o, { gamma: 0.9 })], o),
  ChainedScheduler_lambda_step: (o) => new optim.ChainedScheduler([new optim.LambdaLR(o, { lrLambda: warmup }), new optim.StepLR(o, { stepSize: 5, gamma: 0.5 })]),
  ChainedScheduler_multiplicative_cyclic: (o) => new optim.ChainedScheduler([
    new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 4, stepSizeDown: 3 }), new optim.MultiplicativeLR(o, { lrLambda: () => 0.97 }),
  ]),
};

const close = (a: number[][], b: number[][], what: string) => {
  expect(a.length, what).toBe(b.length);
  a.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(x - b[i][j]), `${what} step ${i} group ${j}: ${x} vs ${b[i][j]}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b[i][j])))));
};

const cases = Object.entries(fixture).filter(([k]) => k !== 'generator' && k !== 'torch') as [string, Seq][];

describe('schedules match PyTorch 2.x step for step', () => {
  it('the fixture comes from torch 2.x and every case has a builder', () => {
    expect(fixture.torch).toMatch(/^2\./);
    expect(cases.length).toBeGreaterThanOrEqual(13);
    expect(cases.map(([k]) => k).sort()).toEqual(Object.keys(BUILD).sort());
  });
  for (const [name, seq] of cases) {
    it(name, () => {
      const opt = makeOptimizer(seq.optimizer);
      const sched = BUILD[name](opt, seq.options as never);
      const lrs = [lrsOf(opt)], momenta = [momentaOf(opt)];
      expect(sched.getLastLr()).toEqual(lrs[0]);
      for (let i = 1; i < seq.lrs.length; i++) {
        sched.step();
        lrs.push(lrsOf(opt));
        momenta.push(momentaOf(opt));
        expect(sched.getLastLr()).toEqual(lrs[i]);
      }
      close(lrs, seq.lrs, `${name} lr`);
      if (seq.momenta) close(momenta, seq.momenta, `${name} momentum`);
      else expect(momenta.every((m) => m.join() === momenta[0].join()), `${name}: momentum left alone`).toBe(true);
    });
  }
});

describe('state', () => {
  const resumable: [string, Kind, (o: AnyOpt) => Sched][] = [
    ['LambdaLR', 'sgd', (o) => new optim.LambdaLR(o, { lrLambda: [warmup, (e) => 0.9 ** e] })],
    ['MultiplicativeLR', 'sgd', (o) => new optim.MultiplicativeLR(o, { lrLambda: (e) => (e % 3 === 0 ? 0.8 : 1) })],
    ['CyclicLR (SGD momentum)', 'sgdMomentum', (o) => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: [0.1, 0.2], stepSizeUp: 4, stepSizeDown: 3, mode: 'triangular2' })],
    ['CyclicLR (Adam beta1)', 'adam', (o) => new optim.CyclicLR(o, { baseLr: 0.001, maxLr: 0.01, stepSizeUp: 3, mode: 'exp_range', gamma: 0.95 })],
    ['ChainedScheduler', 'sgdMomentum', (o) => new optim.ChainedScheduler([new optim.LambdaLR(o, { lrLambda: warmup }), new optim.StepLR(o, { stepSize: 4, gamma: 0.5 })])],
  ];
  for (const [name, kind, make] of resumable) {
    it(`${name}: save mid-schedule, load into a fresh scheduler, continue = uninterrupted`, () => {
      const a = makeOptimizer(kind);
      const sa = make(a);
      const seqA: number[][] = [];
      for (let i = 0; i < 20; i++) {
        sa.step();
        seqA.push([...lrsOf(a), ...momentaOf(a)]);
      }
      const b = makeOptimizer(kind);
      const sb = make(b);
      for (let i = 0; i < 9; i++) sb.step();
      // A JSON round trip, as a checkpoint does it.
      const saved = JSON.parse(JSON.stringify({ opt: b.stateDict(), sched: sb.stateDict() }));
      const c = makeOptimizer(kind);
      const sc = make(c);
      c.loadStateDict(saved.opt);
      sc.loadStateDict(saved.sched);
      expect(sc.stateDict()).toEqual(saved.sched);
      const seqC = seqA.slice(0, 9);
      for (let i = 9; i < 20; i++) {
        sc.step();
        seqC.push([...lrsOf(c), ...momentaOf(c)]);
      }
      expect(seqC).toEqual(seqA);
    });
  }

  it('a plain function saves as null and loading keeps the functions the scheduler was built with', () => {
    const s = new optim.LambdaLR(makeOptimizer('sgd'), { lrLambda: warmup });
    const sd = s.stateDict();
    expect(sd.lrLambdas).toEqual([null, null]);
    s.loadStateDict(JSON.parse(JSON.stringify(sd)));
    expect(s.lrLambdas).toEqual([warmup, warmup]);
    const c = new optim.CyclicLR(makeOptimizer('sgdMomentum'), { baseLr: 0.01, maxLr: 0.1, scaleFn: (x) => 1 / x });
    expect(c.stateDict().scaleFn).toBeNull();
    expect(JSON.parse(JSON.stringify(c.stateDict()))).toEqual(c.stateDict());
  });

  it("a function carrying its own data (PyTorch's callable object) saves and restores that data", () => {
    const make = () => {
      const f = Object.assign((e: number) => f.scale ** e, { scale: 0.5 });
      return f;
    };
    const f1 = make();
    const s1 = new optim.MultiplicativeLR(makeOptimizer('sgd'), { lrLambda: [f1, () => 1] });
    f1.scale = 0.7;
    const sd = JSON.parse(JSON.stringify(s1.stateDict()));
    expect(sd.lrLambdas).toEqual([{ scale: 0.7 }, null]);
    const f2 = make();
    const s2 = new optim.MultiplicativeLR(makeOptimizer('sgd'), { lrLambda: [f2, () => 1] });
    s2.loadStateDict(sd);
    expect(f2.scale).toBe(0.7);
  });

  it('ChainedScheduler: the state holds each scheduler\'s state; a refused part leaves every part as it was', () => {
    const o = makeOptimizer('sgd');
    const chain = new optim.ChainedScheduler([new optim.ConstantLR(o, { factor: 0.5, totalIters: 3 }), new optim.ExponentialLR(o, { gamma: 0.9 })]);
    chain.step();
    chain.step();
    const sd = chain.stateDict();
    expect(sd.lastEpoch).toBe(2);
    expect((sd.schedulers as Record<string, unknown>[]).map((s) => s.lastEpoch)).toEqual([2, 2]);
    expect(chain.schedulers.map((s) => s.lastEpoch)).toEqual([2, 2]);
    const bad = JSON.parse(JSON.stringify(sd));
    bad.lastEpoch = 7;
    bad.schedulers[0].lastEpoch = 7;
    bad.schedulers[1].lastEpoch = 'x';
    expect(() => chain.loadStateDict(bad)).toThrow(ArgumentError);
    expect(() => chain.loadStateDict(bad)).toThrow(/ExponentialLR\.loadStateDict: 'lastEpoch' must be a number/);
    expect(chain.stateDict()).toEqual(sd);
    expect(() => chain.loadStateDict({ ...sd, schedulers: (sd.schedulers as unknown[]).slice(1) })).toThrow(/ChainedScheduler\.loadStateDict: 1 scheduler states for 2 schedulers/);
  });

  it('a refused state leaves the scheduler as it was', () => {
    const s = new optim.LambdaLR(makeOptimizer('sgd'), { lrLambda: [warmup, (e) => 0.9 ** e] });
    s.step();
    const before = s.stateDict();
    expect(() => s.loadStateDict({ ...before, lastEpoch: 9, lrLambdas: [{ a: 1 }, 'x'] })).toThrow(/LambdaLR\.loadStateDict: lrLambdas\[1\] must be null or an object/);
    expect(s.stateDict()).toEqual(before);
    const c = new optim.CyclicLR(makeOptimizer('sgdMomentum'), { baseLr: 0.01, maxLr: 0.1 });
    const cb = c.stateDict();
    expect(() => c.loadStateDict({ ...cb, lastEpoch: 5, gamma: 'x' })).toThrow(/CyclicLR\.loadStateDict: 'gamma' must be a number/);
    expect(c.stateDict()).toEqual(cb);
  });

  it('LambdaLR.step(epoch) jumps to base · λ(epoch)', () => {
    const o = makeOptimizer('sgd');
    const s = new optim.LambdaLR(o, { lrLambda: warmup });
    s.step(2);
    expect(lrsOf(o)).toEqual([0.1 * warmup(2), 0.05 * warmup(2)]);
  });
});

describe('checkpoints (train.saveCheckpoint / loadCheckpoint)', () => {
  const kinds: [string, Kind, (o: AnyOpt) => Sched][] = [
    ['CyclicLR', 'sgdMomentum', (o) => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 4, stepSizeDown: 3, mode: 'exp_range', gamma: 0.9 })],
    ['CyclicLR (Adam)', 'adam', (o) => new optim.CyclicLR(o, { baseLr: [0.001, 0.002], maxLr: 0.01, stepSizeUp: 5 })],
    ['LambdaLR', 'adam', (o) => new optim.LambdaLR(o, { lrLambda: [warmup, (e) => 1 / (1 + e)] })],
    ['MultiplicativeLR', 'sgd', (o) => new optim.MultiplicativeLR(o, { lrLambda: () => 0.9 })],
    ['ChainedScheduler', 'sgdMomentum', (o) => new optim.ChainedScheduler([
      new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 3 }), new optim.MultiplicativeLR(o, { lrLambda: () => 0.97 }),
    ])],
  ];
  for (const [name, kind, make] of kinds) {
    it(`${name}: resuming from a checkpoint continues the schedule exactly`, () => {
      const path = join(mkdtempSync(join(tmpdir(), 'lattice-sched-')), 'ckpt.safetensors');
      const build = () => {
        const model = new nn.Sequential(new nn.Linear(3, 2), new nn.Linear(2, 1));
        const [w1, b1, w2, b2] = model.parameters();
        const optimizer = makeOptimizer(kind, [[w1, b1], [w2, b2]]);
        return { model, optimizer, scheduler: make(optimizer) };
      };
      const trainStep = (p: ReturnType<typeof build>, k: number) => {
        L.tidy(() => {
          p.optimizer.zeroGrad();
          p.model.call(L.full([4, 3], 0.1 * (k + 1))).sum().backward();
          p.optimizer.step();
          p.scheduler.step();
        });
        return [...lrsOf(p.optimizer), ...momentaOf(p.optimizer)];
      };
      L.manualSeed(3);
      const a = build();
      for (let k = 0; k < 6; k++) trainStep(a, k);
      saveCheckpoint(path, a);
      const savedState = a.scheduler.stateDict();
      const seqA: number[][] = [];
      for (let k = 6; k < 16; k++) seqA.push(trainStep(a, k));

      L.manualSeed(4);
      const b = build();
      loadCheckpoint(path, b);
      expect(b.scheduler.stateDict()).toEqual(savedState);
      expect(lrsOf(b.optimizer)).toEqual(savedState.lastLr);
      const seqB: number[][] = [];
      for (let k = 6; k < 16; k++) seqB.push(trainStep(b, k));
      expect(seqB).toEqual(seqA);
      expect(b.scheduler.stateDict()).toEqual(a.scheduler.stateDict());
      const pa = a.model.parameters(), pb = b.model.parameters();
      pa.forEach((p, i) => expect(Array.from(pb[i].values)).toEqual(Array.from(p.values)));
    });
  }
});

describe('argument checks', () => {
  /** Each case builds what it needs on the optimizer, then returns the call that must throw. */
  const cases: [string, Kind | 'adagrad', (o: AnyOpt) => () => unknown, RegExp][] = [
    ['LambdaLR lambda count', 'sgd', (o) => () => new optim.LambdaLR(o, { lrLambda: [warmup] }), /LambdaLR: lrLambda has 1 functions but the optimizer has 2 parameter groups/],
    ['LambdaLR lambda not a function', 'sgd', (o) => () => new optim.LambdaLR(o, { lrLambda: 0.5 as never }), /LambdaLR: lrLambda must be a function of the epoch or an array of them, got 0.5/],
    ['LambdaLR no options', 'sgd', (o) => () => new optim.LambdaLR(o, undefined as never), /LambdaLR: options \{ lrLambda \} are required, got undefined/],
    ['LambdaLR lastEpoch', 'sgd', (o) => () => new optim.LambdaLR(o, { lrLambda: warmup, lastEpoch: -2 }), /LambdaLR: lastEpoch must be >= -1, got -2/],
    ['LambdaLR lambda without a return', 'sgd', (o) => () => new optim.LambdaLR(o, { lrLambda: (() => undefined) as never }), /LambdaLR: lrLambda \(group 0\) returned undefined for 0; it must return a finite number/],
    ['MultiplicativeLR lambda entry', 'sgd', (o) => () => new optim.MultiplicativeLR(o, { lrLambda: [() => 1, 'x' as never] }), /MultiplicativeLR: lrLambda\[1\] must be a function of the epoch, got x/],
    ['MultiplicativeLR lambda count', 'sgd', (o) => () => new optim.MultiplicativeLR(o, { lrLambda: [() => 1, () => 1, () => 1] }), /MultiplicativeLR: lrLambda has 3 functions but the optimizer has 2 parameter groups/],
    ['CyclicLR maxLr per group', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: [0.1] }), /CyclicLR: maxLr must have one value per parameter group \(2\), got \[0.1\]/],
    ['CyclicLR baseLr missing', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { maxLr: 0.1 } as never), /CyclicLR: baseLr must be a finite number, got undefined/],
    ['CyclicLR baseLr negative', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { baseLr: [0.01, -1], maxLr: 0.1 }), /CyclicLR: baseLr\[1\] must be >= 0, got -1/],
    ['CyclicLR stepSizeUp 0', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeUp: 0 }), /CyclicLR: stepSizeUp must be > 0, got 0/],
    ['CyclicLR stepSizeDown', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, stepSizeDown: -3 }), /CyclicLR: stepSizeDown must be >= 0, got -3/],
    ['CyclicLR mode', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, mode: 'cosine' as never }), /CyclicLR: mode must be 'triangular', 'triangular2' or 'exp_range' \(or give scaleFn\), got cosine/],
    ['CyclicLR gamma', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, mode: 'exp_range', gamma: NaN }), /CyclicLR: gamma must be a finite number, got NaN/],
    ['CyclicLR scaleMode', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, scaleFn: () => 1, scaleMode: 'epochs' as never }), /CyclicLR: scaleMode must be 'cycle' or 'iterations', got epochs/],
    ['CyclicLR scaleFn', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, scaleFn: 2 as never }), /CyclicLR: scaleFn must be a function of the cycle or step, got 2/],
    ['CyclicLR cycleMomentum', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, cycleMomentum: 'yes' as never }), /CyclicLR: cycleMomentum must be true or false, got yes/],
    ['CyclicLR maxMomentum per group', 'adam', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, maxMomentum: [0.9, 0.9, 0.9] }), /CyclicLR: maxMomentum must have one value per parameter group \(2\), got \[0.9, 0.9, 0.9\]/],
    ['CyclicLR baseMomentum', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, baseMomentum: -0.1 }), /CyclicLR: baseMomentum must be >= 0, got -0.1/],
    ['CyclicLR lastEpoch', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, lastEpoch: 1.5 }), /CyclicLR: lastEpoch must be an integer, got 1.5/],
    ['CyclicLR Adagrad has no momentum', 'adagrad', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1 }), /CyclicLR: cycleMomentum needs an optimizer with momentum or betas \(Adagrad has neither\); pass cycleMomentum: false/],
    ['CyclicLR scaleFn without a return', 'sgdMomentum', (o) => () => new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1, scaleFn: (() => undefined) as never }), /CyclicLR: scaleFn returned undefined for 1/],
    ['CyclicLR not an optimizer', 'sgd', () => () => new optim.CyclicLR({} as never, { baseLr: 0.01, maxLr: 0.1 }), /CyclicLR: optimizer must be an Optimizer/],
    ['ChainedScheduler empty', 'sgd', () => () => new optim.ChainedScheduler([]), /ChainedScheduler: schedulers must be a non-empty array of schedulers, got \[\]/],
    ['ChainedScheduler not a scheduler', 'sgd', (o) => {
      const s = new optim.StepLR(o, { stepSize: 2 });
      return () => new optim.ChainedScheduler([s, 3 as never]);
    }, /ChainedScheduler: schedulers\[1\] must be an epoch scheduler, got 3/],
    ['ChainedScheduler ReduceLROnPlateau', 'sgd', (o) => {
      const s = new optim.StepLR(o, { stepSize: 2 });
      return () => new optim.ChainedScheduler([s, new optim.ReduceLROnPlateau(o) as never]);
    }, /ChainedScheduler: schedulers\[1\] is a ReduceLROnPlateau, which needs a metric at each step and cannot be chained/],
    ['ChainedScheduler two optimizers', 'sgd', (o) => {
      const s = new optim.StepLR(o, { stepSize: 2 });
      const t = new optim.StepLR(makeOptimizer('sgd'), { stepSize: 2 });
      return () => new optim.ChainedScheduler([s, t]);
    }, /ChainedScheduler: all schedulers must drive one optimizer, but schedulers\[1\] \(StepLR\) drives a different one than schedulers\[0\]/],
    ['ChainedScheduler another optimizer given', 'sgd', (o) => {
      const s = new optim.ExponentialLR(o, { gamma: 0.9 });
      return () => new optim.ChainedScheduler([s], makeOptimizer('sgd'));
    }, /ChainedScheduler: all schedulers must drive one optimizer, but schedulers\[0\] \(ExponentialLR\) drives a different one than the optimizer given/],
    ['LambdaLR.loadStateDict lrLambdas', 'sgd', (o) => {
      const s = new optim.LambdaLR(o, { lrLambda: warmup });
      return () => s.loadStateDict({ ...s.stateDict(), lastEpoch: 9, lrLambdas: [null] });
    }, /LambdaLR\.loadStateDict: lrLambdas must have one slot per parameter group \(2\), got \[null\]/],
    ['CyclicLR.loadStateDict a bad entry', 'sgdMomentum', (o) => {
      const s = new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1 });
      return () => s.loadStateDict({ ...s.stateDict(), lastEpoch: 'x' });
    }, /CyclicLR\.loadStateDict: 'lastEpoch' must be a number/],
    ['CyclicLR.loadStateDict saved scaleFn data without a scaleFn', 'sgdMomentum', (o) => {
      const s = new optim.CyclicLR(o, { baseLr: 0.01, maxLr: 0.1 });
      return () => s.loadStateDict({ ...s.stateDict(), scaleFn: { k: 1 } });
    }, /CyclicLR\.loadStateDict: scaleFn holds saved properties but the scheduler has no function there/],
  ];
  for (const [what, kind, setup, re] of cases) {
    it(`${what}: an ArgumentError, and the optimizer's lrs and momenta are as before`, () => {
      const o = kind === 'adagrad'
        ? new optim.Adagrad([{ params: [L.zeros([1]).requiresGrad_()] }, { params: [L.zeros([1]).requiresGrad_()], lr: 0.05 }], { lr: 0.1 }) as unknown as AnyOpt
        : makeOptimizer(kind);
      const fn = setup(o);
      const before = JSON.stringify(groupsOf(o).map((g) => [g.lr, g.momentum, g.betas]));
      expect(fn).toThrow(ArgumentError);
      expect(fn).toThrow(re);
      expect(JSON.stringify(groupsOf(o).map((g) => [g.lr, g.momentum, g.betas]))).toBe(before);
    });
  }
});

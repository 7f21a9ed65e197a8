/** Learning-rate schedules against torch.optim.lr_scheduler (test/fixtures/optim/schedules.json). */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, optim } from '../../src/index';
import fixture from '../fixtures/optim/schedules.json';

type Seq = { options: Record<string, unknown>; lrs: number[][]; momenta?: number[][] };
type AnyOpt = optim.Optimizer<never>;

/** Two groups (lr 0.1 and 0.05 unless the optimizer options say otherwise), as the generator builds them. */
function makeOptimizer(kind: 'sgd' | 'sgdMomentum' | 'adam'): AnyOpt {
  const groups = [{ params: [L.zeros([1]).requiresGrad_()] }, { params: [L.zeros([1]).requiresGrad_()], lr: 0.05 }];
  if (kind === 'adam') return new optim.Adam(groups, { lr: 0.001 }) as unknown as AnyOpt;
  return new optim.SGD(groups, { lr: 0.1, momentum: kind === 'sgdMomentum' ? 0.9 : 0 }) as unknown as AnyOpt;
}

const close = (a: number[][], b: number[][], what: string) => {
  expect(a.length, what).toBe(b.length);
  a.forEach((row, i) => row.forEach((x, j) => expect(Math.abs(x - b[i][j]), `${what} step ${i} group ${j}: ${x} vs ${b[i][j]}`).toBeLessThanOrEqual(1e-12 + 1e-10 * Math.abs(b[i][j]))));
};

const BUILD: Record<string, [kind: 'sgd' | 'sgdMomentum' | 'adam', make: (o: AnyOpt, opts: never) => { step(m?: number): void }, momentum?: 'momentum' | 'betas']> = {
  StepLR: ['sgd', (o, x) => new optim.StepLR(o, x)],
  MultiStepLR: ['sgd', (o, x) => new optim.MultiStepLR(o, x)],
  ExponentialLR: ['sgd', (o, x) => new optim.ExponentialLR(o, x)],
  CosineAnnealingLR: ['sgd', (o, x) => new optim.CosineAnnealingLR(o, x)],
  CosineAnnealingWarmRestarts: ['sgd', (o, x) => new optim.CosineAnnealingWarmRestarts(o, x)],
  CosineAnnealingWarmRestarts_mult1: ['sgd', (o, x) => new optim.CosineAnnealingWarmRestarts(o, x)],
  LinearLR: ['sgd', (o, x) => new optim.LinearLR(o, x)],
  OneCycleLR_cos_sgd: ['sgdMomentum', (o, x) => new optim.OneCycleLR(o, x), 'momentum'],
  OneCycleLR_linear_threephase_adam: ['adam', (o, x) => new optim.OneCycleLR(o, x), 'betas'],
  OneCycleLR_epochs_nomomentum: ['sgd', (o, x) => new optim.OneCycleLR(o, x)],
  SequentialLR: ['sgd', (o) => new optim.SequentialLR(o, { schedulers: [new optim.LinearLR(o, { startFactor: 0.1, totalIters: 5 }), new optim.ExponentialLR(o, { gamma: 0.9 })], milestones: [5] })],
  SequentialLR_cosine: ['sgd', (o) => new optim.SequentialLR(o, {
    schedulers: [new optim.ExponentialLR(o, { gamma: 0.5 }), new optim.CosineAnnealingLR(o, { tMax: 7 }), new optim.StepLR(o, { stepSize: 4, gamma: 0.5 })], milestones: [3, 10],
  })],
  ReduceLROnPlateau: ['sgd', (o, x) => new optim.ReduceLROnPlateau(o, x)],
  ReduceLROnPlateau_max_abs: ['sgd', (o, x) => new optim.ReduceLROnPlateau(o, x)],
};

function run(name: string, seq: Seq): { lrs: number[][]; momenta: number[][] } {
  const [kind, make, momentum] = BUILD[name];
  const opt = makeOptimizer(kind);
  const sched = make(opt, seq.options as never);
  const metrics = name === 'ReduceLROnPlateau' ? fixture._plateau_metrics : name === 'ReduceLROnPlateau_max_abs' ? fixture._plateau_metrics.map((m) => -m) : null;
  const lrs: number[][] = [], momenta: number[][] = [];
  const record = () => {
    lrs.push(opt.paramGroups.map((g) => (g as { lr: number }).lr));
    if (momentum === 'betas') momenta.push(opt.paramGroups.map((g) => (g as unknown as { betas: number[] }).betas[0]));
    if (momentum === 'momentum') momenta.push(opt.paramGroups.map((g) => (g as unknown as { momentum: number }).momentum));
  };
  record();
  for (let i = 0; i < seq.lrs.length - 1; i++) {
    sched.step(metrics ? metrics[i] : undefined);
    record();
  }
  return { lrs, momenta };
}

describe('schedules match PyTorch step for step', () => {
  for (const [name, seq] of Object.entries(fixture).filter(([k]) => !k.startsWith('_') && k !== 'generator' && k !== 'torch') as [string, Seq][]) {
    it(name, () => {
      const out = run(name, seq);
      close(out.lrs, seq.lrs, `${name} lr`);
      if (seq.momenta) close(out.momenta, seq.momenta, `${name} momentum`);
    });
  }
});

describe('scheduler state', () => {
  it('getLastLr reports the lrs just set', () => {
    const opt = makeOptimizer('sgd');
    const s = new optim.StepLR(opt, { stepSize: 2, gamma: 0.5 });
    s.step();
    s.step();
    expect(s.getLastLr()).toEqual([0.05, 0.025]);
  });

  const resumable: [string, (o: AnyOpt) => { step(m?: number): void; stateDict(): Record<string, unknown>; loadStateDict(s: Record<string, unknown>): void }][] = [
    ['CosineAnnealingLR', (o) => new optim.CosineAnnealingLR(o, { tMax: 6, etaMin: 0.001 })],
    ['CosineAnnealingWarmRestarts', (o) => new optim.CosineAnnealingWarmRestarts(o, { t0: 3, tMult: 2 })],
    ['OneCycleLR', (o) => new optim.OneCycleLR(o, { maxLr: 0.5, totalSteps: 20 })],
    ['SequentialLR', (o) => new optim.SequentialLR(o, { schedulers: [new optim.LinearLR(o, { startFactor: 0.2, totalIters: 3 }), new optim.CosineAnnealingLR(o, { tMax: 10 })], milestones: [3] })],
    ['ReduceLROnPlateau', (o) => new optim.ReduceLROnPlateau(o, { patience: 1 })],
  ];
  for (const [name, make] of resumable) {
    it(`${name}: save mid-schedule, load into a fresh scheduler, continue = uninterrupted`, () => {
      const metric = (i: number) => [1, 0.9, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9][i % 10];
      const a = makeOptimizer('sgdMomentum');
      const sa = make(a);
      const seqA: number[] = [];
      for (let i = 0; i < 15; i++) {
        sa.step(name === 'ReduceLROnPlateau' ? metric(i) : undefined);
        seqA.push((a.paramGroups[0] as { lr: number }).lr);
      }
      const b = makeOptimizer('sgdMomentum');
      const sb = make(b);
      for (let i = 0; i < 7; i++) sb.step(name === 'ReduceLROnPlateau' ? metric(i) : undefined);
      // A JSON round trip, as a checkpoint does it.
      const saved = JSON.parse(JSON.stringify({ opt: { lrs: b.paramGroups.map((g) => (g as { lr: number }).lr), momenta: b.paramGroups.map((g) => (g as unknown as { momentum: number }).momentum) }, sched: sb.stateDict() }));
      const c = makeOptimizer('sgdMomentum');
      const sc = make(c);
      sc.loadStateDict(saved.sched);
      c.paramGroups.forEach((g, i) => Object.assign(g, { lr: saved.opt.lrs[i], momentum: saved.opt.momenta[i] }));
      const seqC = seqA.slice(0, 7);
      for (let i = 7; i < 15; i++) {
        sc.step(name === 'ReduceLROnPlateau' ? metric(i) : undefined);
        seqC.push((c.paramGroups[0] as { lr: number }).lr);
      }
      expect(seqC).toEqual(seqA);
    });
  }

  it('OneCycleLR refuses to step past totalSteps', () => {
    const s = new optim.OneCycleLR(makeOptimizer('sgd'), { maxLr: 0.1, totalSteps: 3 });
    s.step();
    s.step();
    s.step();
    expect(() => s.step()).toThrow(/OneCycleLR: tried to step 4 times; the schedule has totalSteps 3/);
  });
});

describe('scheduler argument checks', () => {
  const opt = () => makeOptimizer('sgd');
  const cases: [string, () => unknown, RegExp][] = [
    ['StepLR stepSize 0', () => new optim.StepLR(opt(), { stepSize: 0 }), /StepLR: stepSize must be >= 1, got 0/],
    ['ExponentialLR negative gamma', () => new optim.ExponentialLR(opt(), { gamma: -1 }), /ExponentialLR: gamma must be >= 0, got -1/],
    ['CosineAnnealingLR tMax 0', () => new optim.CosineAnnealingLR(opt(), { tMax: 0 }), /CosineAnnealingLR: tMax must be > 0, got 0/],
    ['LinearLR startFactor 0', () => new optim.LinearLR(opt(), { startFactor: 0 }), /LinearLR: startFactor must be > 0, got 0/],
    ['MultiStepLR milestones', () => new optim.MultiStepLR(opt(), { milestones: [2, -1] }), /MultiStepLR: milestones\[1\] must be >= 0, got -1/],
    ['OneCycleLR no steps', () => new optim.OneCycleLR(opt(), { maxLr: 0.1 }), /OneCycleLR: give totalSteps, or epochs and stepsPerEpoch/],
    ['OneCycleLR maxLr per group', () => new optim.OneCycleLR(opt(), { maxLr: [0.1], totalSteps: 5 }), /OneCycleLR: maxLr must have one value per parameter group \(2\), got \[0.1\]/],
    ['OneCycleLR anneal', () => new optim.OneCycleLR(opt(), { maxLr: 0.1, totalSteps: 5, annealStrategy: 'exp' as never }), /annealStrategy must be 'cos' or 'linear', got exp/],
    ['OneCycleLR Adagrad momentum', () => new optim.OneCycleLR(new optim.Adagrad([L.zeros([1]).requiresGrad_()]) as never, { maxLr: 0.1, totalSteps: 5 }), /cycleMomentum needs an optimizer with momentum or betas \(Adagrad has neither\)/],
    ['SequentialLR milestones', () => { const o = opt(); return new optim.SequentialLR(o, { schedulers: [new optim.StepLR(o, { stepSize: 2 })], milestones: [3] }); }, /SequentialLR: milestones must have 0 entries/],
    ['ReduceLROnPlateau factor 1', () => new optim.ReduceLROnPlateau(opt(), { factor: 1 }), /ReduceLROnPlateau: factor must be < 1, got 1/],
    ['ReduceLROnPlateau mode', () => new optim.ReduceLROnPlateau(opt(), { mode: 'up' as never }), /ReduceLROnPlateau: mode must be 'min' or 'max', got up/],
    ['not an optimizer', () => new optim.StepLR({} as never, { stepSize: 1 }), /StepLR: optimizer must be an Optimizer/],
    ['resume without initialLr', () => new optim.StepLR(opt(), { stepSize: 1, lastEpoch: 3 }), /paramGroups\[0\] has no initialLr/],
  ];
  for (const [what, fn, re] of cases) {
    it(what, () => {
      expect(fn).toThrow(ArgumentError);
      expect(fn).toThrow(re);
    });
  }
});

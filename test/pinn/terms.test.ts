/**
 * Loss terms, their parameter gradients (finite differences through the
 * second-order graph), weights, refinement and the Adam -> L-BFGS schedule.
 */
import { describe, expect, it } from 'vitest';
import { manualSeed, narrow, noGrad, pinn, Tensor, tensor } from '../../src/index';

const NU = 0.01 / Math.PI;
const burgers = (u: Tensor, x: Tensor) =>
  pinn.partial(u, x, { dim: 1 }).add(u.mul(pinn.partial(u, x, { dim: 0 }))).sub(pinn.partial(u, x, { dim: 0, order: 2 }).mul(NU));

function pts(rows: number[][], requiresGrad = false): Tensor {
  const t = Tensor.fromData(Float64Array.from(rows.flat()), [rows.length, rows[0].length], 'float64');
  t.requiresGrad = requiresGrad;
  return t;
}

describe('pinn terms', () => {
  it('the Burgers residual loss: parameter gradients match central finite differences', () => {
    manualSeed(21);
    const net = pinn.mlp([2, 6, 6, 1]);
    const omega = new pinn.TimeSpace(new pinn.Interval(0, 1), new pinn.Interval(-1, 1));
    const pde = pinn.residual(omega.sampleInterior(12, { seed: 1 }), burgers);
    const params = net.parameters();
    for (const p of params) p.grad = null;
    pde.loss(net).backward();
    const lossAt = () => pde.loss(net).item();
    const h = 1e-6;
    for (const p of params) {
      const analytic = Float64Array.from(p.grad!.values);
      for (const k of [0, Math.floor(p.size / 2), p.size - 1]) {
        const v = p.values, old = v[k];
        v[k] = old + h;
        const fp = lossAt();
        v[k] = old - h;
        const fm = lossAt();
        v[k] = old;
        const fd = (fp - fm) / (2 * h);
        expect(Math.abs(fd - analytic[k])).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
      }
    }
  });

  it('Dirichlet, initial, Neumann and periodic terms vanish on a model that satisfies them', () => {
    // u(x, y) = x^2 + y^2: on the unit circle u = 1 and du/dn = 2; u is even in x.
    const model = (x: Tensor) => x.square().sum(1, { keepdim: true });
    const disk = new pinn.Disk([0, 0], 1);
    const b = disk.sampleBoundary(40, { seed: 2 });
    expect(pinn.dirichlet(b.points, 1).loss(model).item()).toBeLessThan(1e-28);
    expect(pinn.neumann(b.points, b.normals, 2).loss(model).item()).toBeLessThan(1e-28);
    expect(pinn.neumann(b.points, b.normals, 0).loss(model).item()).toBeCloseTo(4, 12);
    const left = pts([[-0.5, 0.1], [-0.3, 0.7]]), right = pts([[0.5, 0.1], [0.3, 0.7]]);
    // Even in x: values and second derivatives match, first derivatives are opposite.
    expect(pinn.periodic(left, right, { dim: 0, derivativeOrders: [2] }).loss(model).item()).toBeLessThan(1e-28);
    expect(pinn.periodic(left, right, { dim: 0, derivativeOrders: [1] }).loss(model).item()).toBeGreaterThan(0.1);
    // u(x, t) = sin(pi x) + 3 t: the initial value and rate at t = 0.
    const wave = (x: Tensor) => narrow(x, 1, 0, 1).mul(Math.PI).sin().add(narrow(x, 1, 1, 1).mul(3));
    const omega = new pinn.TimeSpace(new pinn.Interval(0, 1), new pinn.Interval(-1, 1));
    const x0 = omega.sampleInitial(16, { seed: 3 });
    expect(pinn.initial(x0, (x) => narrow(x, 1, 0, 1).mul(Math.PI).sin()).loss(wave).item()).toBeLessThan(1e-28);
    expect(pinn.initial(x0, 3, { order: 1 }).loss(wave).item()).toBeLessThan(1e-26);
    expect(pinn.observations(x0, tensor(new Array(16).fill(0), { dtype: 'float64' })).name).toBe('data');
  });

  it('annealed weights follow Wang et al.: lambda = (1 - alpha) lambda + alpha max|grad L_r| / mean|grad L_i|', () => {
    const w = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const lr = w.square().sum(); // grad 2w = [2, 4]: max 4
    const lb = w.mul(3).sum(); // grad [3, 3]: mean 3
    const weights = new pinn.AnnealedWeights({ alpha: 0.5, reference: 'residual' });
    weights.update(new Map([['residual', lr], ['boundary', lb]]), [w]);
    expect(weights.weight('boundary')).toBeCloseTo(0.5 * 1 + 0.5 * (4 / 3), 14);
    expect(weights.weight('residual')).toBe(1);
    expect(() => weights.update(new Map([['data', lb]]), [w])).toThrow(/no term named 'residual'/);
  });

  it('trains 1-D Poisson -u\'\' = pi^2 sin(pi x) with Adam then L-BFGS to a small error, and RAR adds the worst points', () => {
    manualSeed(22);
    const line = new pinn.Interval(0, 1);
    const net = pinn.mlp([1, 16, 1], { normalize: line });
    const pde = pinn.residual(line.sampleInterior(64, { method: 'sobol' }), (u, x) =>
      pinn.partial(u, x, { order: 2 }).add(x.mul(Math.PI).sin().mul(Math.PI ** 2)));
    const bc = pinn.dirichlet(line.sampleBoundary(2, { method: 'sobol' }).points, 0);
    const logs: string[] = [];
    const result = pinn.train(net, [pde, bc], {
      adam: { steps: 50, lr: 1e-2 }, lbfgs: { maxIter: 300 }, logEvery: 50, onLog: (e) => logs.push(e.phase),
    });
    expect(result.adamSteps).toBe(50);
    expect(result.lbfgsIterations).toBeGreaterThan(10);
    expect(logs[0]).toBe('adam');
    expect(logs[logs.length - 1]).toBe('lbfgs');
    const xs = Array.from({ length: 11 }, (_, i) => [i / 10]);
    const u = noGrad(() => net.call(pts(xs)).values);
    let err = 0;
    xs.forEach(([x], i) => (err = Math.max(err, Math.abs(u[i] - Math.sin(Math.PI * x)))));
    expect(err).toBeLessThan(1e-3);

    const before = pde.points.shape[0];
    const candidates = line.sampleInterior(200, { seed: 5 });
    const { meanResidual, added } = pinn.rar(pde, net, candidates, { add: 5 });
    expect(pde.points.shape[0]).toBe(before + 5);
    expect(pde.points.requiresGrad).toBe(true);
    expect(meanResidual).toBeGreaterThan(0);
    // The added points carry the largest residuals among the candidates.
    const r = pde.residuals(net, candidates)[0].values;
    const sorted = Array.from(r).map(Math.abs).sort((a, b) => b - a);
    const addedR = pde.residuals(net, added)[0].values;
    for (const v of addedR) expect(Math.abs(v)).toBeGreaterThanOrEqual(sorted[4] - 1e-15);
  });

  it('train rejects what it cannot run', () => {
    const net = pinn.mlp([1, 4, 1]);
    const bc = pinn.dirichlet(pts([[0]]), 0);
    expect(() => pinn.train(net, [])).toThrow(/non-empty/);
    expect(() => pinn.train(net, [bc, bc])).toThrow(/two terms are named 'dirichlet'/);
    expect(() => pinn.train((x: Tensor) => x, [bc])).toThrow(/nothing to train/);
    expect(() => pinn.train(net, [bc], { adam: { steps: -1 } })).toThrow(/adam.steps/);
    expect(() => pinn.train(net, [bc], { adam: false, lbfgs: { maxIter: 5, restarts: -1 } })).toThrow(/lbfgs.restarts/);
  });

  it('L-BFGS restarts with an empty history when it stops on a tolerance, and stops when a restart gains nothing', () => {
    manualSeed(23);
    const line = new pinn.Interval(0, 1);
    const make = () => {
      manualSeed(23);
      const net = pinn.mlp([1, 8, 1], { normalize: line });
      const pde = pinn.residual(line.sampleInterior(32, { method: 'sobol' }), (u, x) =>
        pinn.partial(u, x, { order: 2 }).add(x.mul(Math.PI).sin().mul(Math.PI ** 2)));
      return { net, terms: [pde, pinn.dirichlet(line.sampleBoundary(2, { method: 'sobol' }).points, 0)] };
    };
    // A coarse toleranceChange stops each L-BFGS run early, long before maxIter.
    const lbfgs = { maxIter: 2000, toleranceChange: 1e-3 };
    const a = make();
    const plain = pinn.train(a.net, a.terms, { adam: false, lbfgs, logEvery: 1000 });
    expect(plain.lbfgsStop).toBe('converged');
    expect(plain.lbfgsRestarts).toBe(0);
    const b = make();
    const restarted = pinn.train(b.net, b.terms, { adam: false, lbfgs: { ...lbfgs, restarts: 50 }, logEvery: 1000 });
    expect(restarted.lbfgsRestarts).toBeGreaterThan(0);
    expect(restarted.lbfgsIterations).toBeGreaterThan(plain.lbfgsIterations);
    expect(restarted.loss).toBeLessThan(plain.loss);
    // Each restart must lower the loss, so a run that stops converged used fewer than all of them, or all.
    expect(restarted.lbfgsStop === 'converged' || restarted.lbfgsRestarts === 50).toBe(true);
  });
});

/** L-BFGS on the Rosenbrock function, against torch.optim.LBFGS (test/fixtures/optim/lbfgs.json). */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { optim } from '../../src/index';
import fixture from '../fixtures/optim/lbfgs.json';
import { closeness } from '../helpers/backends';

/** f(x, y) = (1 - x)^2 + 100 (y - x^2)^2 with its gradient written out (no autograd needed). */
function rosenbrockClosure(opt: optim.LBFGS, x: L.Tensor): () => L.Tensor {
  return () => {
    opt.zeroGrad();
    const [a, b] = [x.values[0], x.values[1]];
    x.grad = L.tensor([-2 * (1 - a) - 400 * a * (b - a * a), 200 * (b - a * a)], { dtype: 'float64' });
    return L.tensor((1 - a) ** 2 + 100 * (b - a * a) ** 2, { dtype: 'float64' });
  };
}

const f = (x: L.Tensor) => (1 - x.values[0]) ** 2 + 100 * (x.values[1] - x.values[0] ** 2) ** 2;

describe('LBFGS', () => {
  it('reaches 1e-8 on Rosenbrock with the strong-Wolfe line search, in as many steps and iterations as PyTorch', () => {
    const x = L.tensor(fixture.start, { dtype: 'float64' }).requiresGrad_();
    const opt = new optim.LBFGS([x], { lr: 1, maxIter: 20, lineSearchFn: 'strongWolfe', toleranceGrad: 1e-12, toleranceChange: 1e-14 });
    const closure = rosenbrockClosure(opt, x);
    let steps = 0;
    while (steps < 50) {
      opt.step(closure);
      steps++;
      if (f(x) < 1e-8) break;
    }
    expect(f(x)).toBeLessThan(1e-8);
    const s = opt.state.get(x)!;
    expect({ steps, nIter: s.nIter, funcEvals: s.funcEvals }).toEqual({ steps: fixture.steps, nIter: fixture.nIter, funcEvals: fixture.funcEvals });
    expect(closeness(x.values, fixture.x, 1e-7, 0)).toBeLessThanOrEqual(1);
  });

  it('without a line search follows PyTorch iterate for iterate (history of 3)', () => {
    const x = L.tensor(fixture.start, { dtype: 'float64' }).requiresGrad_();
    const p = fixture.plain;
    const opt = new optim.LBFGS([x], { lr: p.lr, maxIter: p.maxIter, historySize: p.historySize });
    const closure = rosenbrockClosure(opt, x);
    for (const want of p.trajectory) {
      opt.step(closure);
      expect(closeness(x.values, want, 1e-12, 1e-10)).toBeLessThanOrEqual(1);
    }
  });

  it('works on float32 parameters through autograd, and its state round-trips', () => {
    const make = () => [L.tensor([3, -2, 1]).requiresGrad_(), L.tensor([[0.5, 2]]).requiresGrad_()];
    const target = [L.tensor([1, 2, 3]), L.tensor([[-1, 0]])];
    const closureFor = (opt: optim.LBFGS, ps: L.Tensor[]) => () => {
      opt.zeroGrad();
      const loss = L.add(L.sum(L.square(L.sub(ps[0], target[0]))), L.mul(L.sum(L.square(L.sub(ps[1], target[1]))), 3));
      loss.backward();
      return loss;
    };
    const a = make();
    const optA = new optim.LBFGS(a, { maxIter: 3, historySize: 4, lineSearchFn: 'strongWolfe' });
    optA.step(closureFor(optA, a));
    const saved = optA.stateDict();
    const b = make();
    b.forEach((p, i) => p.values.set(a[i].values));
    const optB = new optim.LBFGS(b, { maxIter: 3, historySize: 4, lineSearchFn: 'strongWolfe' });
    optB.loadStateDict(saved);
    optA.step(closureFor(optA, a));
    optB.step(closureFor(optB, b));
    b.forEach((p, i) => expect(Array.from(p.values)).toEqual(Array.from(a[i].values)));
    optA.step(closureFor(optA, a));
    expect(closeness(a[0].values, [1, 2, 3], 1e-5, 0)).toBeLessThanOrEqual(1);
  });

  it('returns the first loss, and stops at once when the gradient is already below toleranceGrad', () => {
    const x = L.tensor([1, 1], { dtype: 'float64' }).requiresGrad_();
    const opt = new optim.LBFGS([x]);
    let calls = 0;
    const closure = rosenbrockClosure(opt, x);
    const loss = opt.step(() => { calls++; return closure(); });
    expect(calls).toBe(1);
    expect((loss as L.Tensor).item()).toBe(0);
  });
});

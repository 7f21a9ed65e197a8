/**
 * The MAML example (examples/maml-sine.ts). Shortened to 600 meta-iterations of 10 tasks (K = 10)
 * and 100 held-out tasks: after one and ten SGD steps MAML's query MSE is below its own pre-update
 * MSE and below the pretrained baseline's. The meta-gradient through func.functionalCall equals one
 * computed without it, from a hand-written 1-40-40-1 MLP whose inner gradient is written out as
 * backpropagation with ops (so the second-order term comes from differentiating those ops, not from
 * grad's createGraph), and that in turn matches central differences of the meta-loss. The
 * second-order meta-gradient differs from the first-order one, which equals the query gradient at
 * the adapted weights.
 */
import { describe, expect, it } from 'vitest';
import { grad, mseLoss, noGrad, PhiloxStream, tensor, type Tensor } from '../../src/index';
import {
  adapt, evaluate, heldOutTasks, makeSineNet, metaGradient, metaLoss, sampleSineTask, trainMaml, trainPretrained, type SineTask,
} from '../../examples/maml-sine';
import { closeness, onBackend } from '../helpers/backends';

const NAMES = ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias'] as const;
type Params = Record<(typeof NAMES)[number], Tensor>;

/** The example's network written out: relu(relu(x W1ᵀ + b1) W2ᵀ + b2) W3ᵀ + b3, with its pre-activations. */
function mlp(p: Params, x: Tensor): { z1: Tensor; h1: Tensor; z2: Tensor; h2: Tensor; out: Tensor } {
  const z1 = x.matmul(p['0.weight'].t()).add(p['0.bias']), h1 = z1.relu();
  const z2 = h1.matmul(p['2.weight'].t()).add(p['2.bias']), h2 = z2.relu();
  return { z1, h1, z2, h2, out: h2.matmul(p['4.weight'].t()).add(p['4.bias']) };
}

/**
 * d mean((f(x) - y)^2) / d p by backpropagation written with ops (the ReLU masks 1[z > 0] are
 * constants: ReLU's second derivative is 0 almost everywhere), so the result is differentiable in p.
 */
function handGradient(p: Params, x: Tensor, y: Tensor): Params {
  const { z1, h1, z2, h2, out } = mlp(p, x);
  const mask = (z: Tensor): Tensor => noGrad(() => z.gt(0).to(z.dtype));
  const d3 = out.sub(y).mul(2 / x.shape[0]);                       // [n, 1]
  const d2 = d3.matmul(p['4.weight']).mul(mask(z2));               // [n, 40]
  const d1 = d2.matmul(p['2.weight']).mul(mask(z1));               // [n, 40]
  return {
    '0.weight': d1.t().matmul(x), '0.bias': d1.sum(0),
    '2.weight': d2.t().matmul(h1), '2.bias': d2.sum(0),
    '4.weight': d3.t().matmul(h2), '4.bias': d3.sum(0),
  };
}

const step = (p: Params, g: Params, alpha: number): Params => Object.fromEntries(NAMES.map((k) => [k, p[k].sub(g[k].mul(alpha))])) as Params;
const queryLoss = (p: Params, task: SineTask): Tensor => mlp(p, task.xq).out.sub(task.yq).square().mean();

/** The query loss after one hand-written inner SGD step, as a plain function of the parameters. */
const handMetaLoss = (theta: Params, task: SineTask, alpha: number): Tensor => queryLoss(step(theta, handGradient(theta, task.xs, task.ys), alpha), task);

function leafCopy(model: ReturnType<typeof makeSineNet>): Params {
  return Object.fromEntries(model.namedParameters().map(([k, p]) => [k, p.detach().clone().requiresGrad_()])) as Params;
}

function expectClose(actual: Tensor, expected: Tensor, atol: number, rtol: number, what: string): void {
  expect(actual.shape, what).toEqual(expected.shape);
  expect(closeness(actual.values, expected.values, atol, rtol), what).toBeLessThanOrEqual(1);
}

describe('MAML sinusoid example', () => {
  it('meta-trains: after 1 and 10 steps MAML beats its pre-update MSE and the pretrained baseline', () => {
    const opts = { shots: 10, iterations: 600, metaBatch: 10, seed: 0 };
    const maml = trainMaml(opts), pretrained = trainPretrained(opts);
    expect(maml.losses.length).toBe(600);
    const tasks = heldOutTasks(100, 10, 0);
    const m = evaluate(maml.model, tasks, [0, 1, 10]), p = evaluate(pretrained.model, tasks, [0, 1, 10]);
    for (const r of [m, p]) for (const s of [0, 1, 10]) expect(Number.isFinite(r[s].mean) && r[s].ci95 > 0).toBe(true);
    expect(m[1].mean).toBeLessThan(0.8 * m[0].mean);
    expect(m[10].mean).toBeLessThan(m[1].mean);
    expect(m[1].mean).toBeLessThan(0.85 * p[1].mean);
    expect(m[10].mean).toBeLessThan(0.8 * p[10].mean);
    // The mean outer loss falls as meta-training goes on.
    const mean = (l: number[]): number => l.reduce((a, b) => a + b, 0) / l.length;
    expect(mean(maml.losses.slice(-100))).toBeLessThan(0.8 * mean(maml.losses.slice(0, 100)));
    // Reproducible from the seed.
    expect(trainMaml({ ...opts, iterations: 20 }).losses).toEqual(maml.losses.slice(0, 20));
  }, 120_000);

  for (const backend of ['native', 'reference'] as const) {
    it(`the meta-gradient through functionalCall equals a hand-written MLP's, and central differences (float64, ${backend})`, () => onBackend(backend, () => {
      const model = makeSineNet('float64');
      const task = sampleSineTask(new PhiloxStream(3), 10, 10, 'float64');
      const alpha = 0.01;
      const theta = leafCopy(model);

      // The inner gradient written out equals autograd's.
      const auto = grad(mseLoss(model.call(task.xs), task.ys), model.parameters());
      const byHand = noGrad(() => handGradient(theta, task.xs, task.ys));
      NAMES.forEach((k, i) => expectClose(byHand[k], auto[i]!, 1e-13, 1e-11, `inner gradient ${k}`));

      const lib = metaGradient(model, task, { alpha });
      const outer = handMetaLoss(theta, task, alpha);
      expect(Math.abs(outer.item() - metaLoss(model, task, { alpha }).item())).toBeLessThan(1e-12);
      const hand = grad(outer, NAMES.map((k) => theta[k]));
      NAMES.forEach((k, i) => expectClose(lib[i], hand[i]!, 1e-13, 1e-10, `meta-gradient ${k}`));

      // Central differences of the hand-written meta-loss at a few coordinates of every parameter.
      const eps = 1e-6, stream = new PhiloxStream(11);
      const at = (p: Params, k: (typeof NAMES)[number], j: number, d: number): Params => {
        const v = Float64Array.from(p[k].values);
        v[j] += d;
        return { ...p, [k]: tensor(v, { dtype: 'float64' }).reshape(p[k].shape) };
      };
      NAMES.forEach((k, i) => {
        const n = theta[k].size;
        for (const j of new Set(Array.from(stream.randint(3, 0, n)))) {
          const fd = noGrad(() => (handMetaLoss(at(theta, k, j, eps), task, alpha).item() - handMetaLoss(at(theta, k, j, -eps), task, alpha).item()) / (2 * eps));
          expect(Math.abs(lib[i].values[j] - fd), `${k}[${j}]: ${lib[i].values[j]} vs ${fd}`).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
        }
      });
    }));
  }

  it('second order differs from first order; first order is the query gradient at the adapted weights', () => {
    const model = makeSineNet('float64');
    const task = sampleSineTask(new PhiloxStream(5), 5, 5, 'float64');
    const second = metaGradient(model, task), first = metaGradient(model, task, { firstOrder: true });
    const adapted = Object.fromEntries(Object.entries(adapt(model, Object.fromEntries(model.namedParameters()), task.xs, task.ys, { createGraph: false }))
      .map(([k, p]) => [k, p.detach().requiresGrad_()])) as Params;
    const atAdapted = grad(queryLoss(adapted, task), NAMES.map((k) => adapted[k]));
    NAMES.forEach((k, i) => expectClose(first[i], atAdapted[i]!, 1e-13, 1e-10, `first-order meta-gradient ${k}`));
    // The Hessian term -alpha H_support g_query changes every parameter's meta-gradient.
    let largest = 0, scale = 0;
    NAMES.forEach((k, i) => {
      const d = second[i].sub(first[i]).abs().max().item();
      expect(d, `second - first order for ${k}`).toBeGreaterThan(0);
      largest = Math.max(largest, d);
      scale = Math.max(scale, first[i].abs().max().item());
    });
    expect(largest).toBeGreaterThan(1e-2 * scale);
    // Two inner steps: the first-order variant still differs, and both stay finite.
    const two = metaGradient(model, task, { innerSteps: 2 }), twoFirst = metaGradient(model, task, { innerSteps: 2, firstOrder: true });
    expect(two.every((g) => g.values.every(Number.isFinite))).toBe(true);
    expect(Math.max(...two.map((g, i) => g.sub(twoFirst[i]).abs().max().item()))).toBeGreaterThan(1e-2 * scale);
  });
});

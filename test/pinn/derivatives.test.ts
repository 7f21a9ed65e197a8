/**
 * The derivative helpers against closed forms, through small float64 networks
 * u(x) = sum_k c_k act(w_k . x + b_k) whose every partial is known exactly:
 * d^a u / dx_{i1}..dx_{ia} = sum_k c_k w_{k,i1}..w_{k,ia} act^(a)(w_k . x + b_k).
 */
import { describe, expect, it } from 'vitest';
import { manualSeed, narrow, nn, pinn, randn, Tensor } from '../../src/index';

type Act = { name: string; f: (x: Tensor) => Tensor; deriv: (z: number, order: number) => number };

const ACTS: Act[] = [
  { name: 'sin', f: (z) => z.sin(), deriv: (z, a) => [Math.sin, Math.cos, (v: number) => -Math.sin(v), (v: number) => -Math.cos(v)][a % 4](z) },
  { name: 'exp', f: (z) => z.exp(), deriv: (z) => Math.exp(z) },
  // The cube, a polynomial: its fourth derivative is 0, which the helpers must give as zeros.
  { name: 'cube', f: (z) => z.mul(z).mul(z), deriv: (z, a) => [z ** 3, 3 * z ** 2, 6 * z, 6, 0][Math.min(a, 4)] },
];

/** A two-layer network with activation act; returns the model and a closed-form partial. */
function smallNet(act: Act, inputs: number, outputs: number, hidden = 5) {
  const l1 = new nn.Linear(inputs, hidden, { dtype: 'float64' });
  const l2 = new nn.Linear(hidden, outputs, { dtype: 'float64' });
  const W = l1.weight.values, b = l1.bias!.values, C = l2.weight.values, c0 = l2.bias!.values;
  const model = (x: Tensor) => l2.call(act.f(l1.call(x)));
  const exact = (point: number[], dims: number[], component = 0): number => {
    let s = dims.length === 0 ? c0[component] : 0;
    for (let k = 0; k < hidden; k++) {
      let z = b[k];
      for (let j = 0; j < inputs; j++) z += W[k * inputs + j] * point[j];
      let coef = C[component * hidden + k];
      for (const i of dims) coef *= W[k * inputs + i];
      s += coef * act.deriv(z, dims.length);
    }
    return s;
  };
  return { model, exact };
}

function points(n: number, d: number): { x: Tensor; rows: number[][] } {
  const x = randn([n, d], { dtype: 'float64' }).mul(0.7).detach();
  x.requiresGrad = true;
  const v = x.values;
  return { x, rows: Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => v[i * d + j])) };
}

function expectClose(actual: ArrayLike<number>, expected: number[], tol = 1e-10): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i])));
}

describe('pinn derivatives against closed forms (float64, 1e-10)', () => {
  for (const act of ACTS) {
    it(`partial: orders 0-3 and mixed partials, ${act.name} network`, () => {
      manualSeed(11);
      const { model, exact } = smallNet(act, 3, 1);
      const { x, rows } = points(7, 3);
      const u = model(x);
      const cases: number[][] = [[], [0], [1], [2], [0, 0], [1, 1], [0, 1], [2, 0], [0, 0, 0], [1, 1, 1], [0, 1, 2], [2, 2, 1], [0, 0, 0, 0]];
      for (const dims of cases) {
        const got = dims.length > 0 && dims.every((d) => d === dims[0])
          ? pinn.partial(u, x, { dim: dims[0], order: dims.length })
          : pinn.partial(u, x, { dim: dims });
        expect(got.shape).toEqual([7, 1]);
        expectClose(got.values, rows.map((p) => exact(p, dims)));
      }
    });
  }

  it('gradient, laplacian and the hessian (full and diagonal) of a sin network', () => {
    manualSeed(12);
    const { model, exact } = smallNet(ACTS[0], 3, 1);
    const { x, rows } = points(6, 3);
    const u = model(x);
    const g = pinn.gradient(u, x);
    expect(g.shape).toEqual([6, 3]);
    expectClose(g.values, rows.flatMap((p) => [0, 1, 2].map((i) => exact(p, [i]))));
    const lap = pinn.laplacian(u, x);
    expectClose(lap.values, rows.map((p) => exact(p, [0, 0]) + exact(p, [1, 1]) + exact(p, [2, 2])));
    const lapSpace = pinn.laplacian(u, x, { dims: [0, 1] });
    expectClose(lapSpace.values, rows.map((p) => exact(p, [0, 0]) + exact(p, [1, 1])));
    const H = pinn.hessian(u, x);
    expect(H.shape).toEqual([6, 3, 3]);
    expectClose(H.values, rows.flatMap((p) => [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => exact(p, [i, j])))));
    const h = pinn.hessian(u, x, { diagonal: true });
    expect(h.shape).toEqual([6, 3]);
    expectClose(h.values, rows.flatMap((p) => [0, 1, 2].map((i) => exact(p, [i, i]))));
  });

  it('jacobian and divergence of a vector-valued exp network, and partials of its components', () => {
    manualSeed(13);
    const { model, exact } = smallNet(ACTS[1], 2, 2);
    const { x, rows } = points(5, 2);
    const v = model(x);
    const J = pinn.jacobian(v, x);
    expect(J.shape).toEqual([5, 2, 2]);
    expectClose(J.values, rows.flatMap((p) => [0, 1].flatMap((c) => [0, 1].map((i) => exact(p, [i], c)))));
    const div = pinn.divergence(v, x);
    expect(div.shape).toEqual([5, 1]);
    expectClose(div.values, rows.map((p) => exact(p, [0], 0) + exact(p, [1], 1)));
    expectClose(pinn.partial(v, x, { dim: 1, order: 3, component: 1 }).values, rows.map((p) => exact(p, [1, 1, 1], 1)));
  });

  it('a one-dimensional u [N] gives [N] fields; third order through a deep tanh mlp matches finite differences of the second', () => {
    manualSeed(14);
    const { model, exact } = smallNet(ACTS[0], 1, 1);
    const { x, rows } = points(4, 1);
    const u = model(x).reshape([-1]);
    const uxxx = pinn.partial(u, x, { order: 3 });
    expect(uxxx.shape).toEqual([4]);
    expectClose(uxxx.values, rows.map((p) => exact(p, [0, 0, 0])));

    // A deep tanh network has no short closed form; its third derivative must be the
    // central difference of the second (error O(h^2) ~ 1e-10 at h = 1e-5).
    const net = pinn.mlp([1, 8, 8, 1]);
    const at = (values: number[]) => {
      const t = Tensor.fromData(Float64Array.from(values), [values.length, 1], 'float64');
      t.requiresGrad = true;
      return t;
    };
    const base = [0.3, -0.4, 0.8];
    const h = 1e-5;
    const xb = at(base);
    const third = pinn.partial(net.call(xb), xb, { order: 3 }).values;
    const xp = at(base.map((v) => v + h)), xm = at(base.map((v) => v - h));
    const up = pinn.partial(net.call(xp), xp, { order: 2 }).values, um = pinn.partial(net.call(xm), xm, { order: 2 }).values;
    for (let i = 0; i < base.length; i++) expect(Math.abs(third[i] - (up[i] - um[i]) / (2 * h))).toBeLessThan(1e-8 * Math.max(1, Math.abs(third[i])));
  });

  it('caches: a field is built once and mixed partials in either order are the same tensor', () => {
    manualSeed(15);
    const { model } = smallNet(ACTS[0], 2, 1);
    const { x } = points(3, 2);
    const u = model(x);
    const ux = pinn.partial(u, x, { dim: 0 });
    expect(pinn.partial(u, x, { dim: 0 })).toBe(ux);
    const uxt = pinn.partial(u, x, { dim: [0, 1] });
    expect(pinn.partial(u, x, { dim: [1, 0] })).toBe(uxt);
    // u_xx and u_xt are columns of the one gradient pass of u_x.
    const D = pinn.derivatives(u, x);
    const gx = D.gradient([0]);
    expect(D.gradient([0])).toBe(gx);
    expectClose(pinn.partial(u, x, { dim: 0, order: 2 }).values, Array.from(narrow(gx, 1, 0, 1).values));
    expectClose(uxt.values, Array.from(narrow(gx, 1, 1, 1).values));
    expect(pinn.derivatives(u, x)).toBe(D);
  });

  it('names the problem on bad input', () => {
    const x = randn([4, 2], { dtype: 'float64' });
    const u = x.sum(1, { keepdim: true });
    expect(() => pinn.partial(u, x)).toThrow(/must require grad/);
    x.requiresGrad = true;
    const v = x.mul(2).sum(1, { keepdim: true });
    expect(() => pinn.partial(v, x, { dim: 2 })).toThrow(/dim 2 is out of range/);
    expect(() => pinn.partial(v, x, { component: 1 })).toThrow(/component 1 is out of range/);
    expect(() => pinn.partial(v.reshape([2, 2]), x)).toThrow(/\[N\] or \[N, m\]/);
    expect(() => pinn.divergence(v, x)).toThrow(/one component per input column/);
    // Past the degree of a linear function every derivative is zero, not an error.
    expect(Array.from(pinn.partial(v, x, { dim: 0, order: 2 }).values)).toEqual([0, 0, 0, 0]);
  });
});

/** Gradcheck (float64) and gradgradcheck of every differentiable unary op, away from kinks and domain edges. */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import type { Tensor } from '../../src/index';
import { expectBoth, expectGrad, leaf, leafAway, leafIn } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(1234));

const shape = [3, 4];

// [name, fn, input maker]: inputs stay inside each op's domain and off its kinks.
const smooth: [string, (x: Tensor) => Tensor, () => Tensor][] = [
  ['neg', (x) => x.neg(), () => leaf(shape)],
  ['exp', (x) => x.exp(), () => leaf(shape)],
  ['expm1', (x) => x.expm1(), () => leaf(shape)],
  ['log', (x) => x.log(), () => leafIn(shape, 0.2, 3)],
  ['log1p', (x) => x.log1p(), () => leafIn(shape, -0.7, 3)],
  ['sqrt', (x) => x.sqrt(), () => leafIn(shape, 0.2, 3)],
  ['rsqrt', (x) => x.rsqrt(), () => leafIn(shape, 0.2, 3)],
  ['square', (x) => x.square(), () => leaf(shape)],
  ['reciprocal', (x) => x.reciprocal(), () => leafAway(shape, [0], 0.3)],
  ['sin', (x) => x.sin(), () => leaf(shape)],
  ['cos', (x) => x.cos(), () => leaf(shape)],
  ['tanh', (x) => x.tanh(), () => leaf(shape)],
  ['sigmoid', (x) => x.sigmoid(), () => leaf(shape)],
  ['erf', (x) => x.erf(), () => leaf(shape)],
  ['gelu (erf)', (x) => x.gelu(), () => leaf(shape)],
  ['gelu (tanh)', (x) => x.gelu({ approximate: 'tanh' }), () => leaf(shape)],
  ['silu', (x) => x.silu(), () => leaf(shape)],
  ['softplus', (x) => x.softplus(), () => leaf(shape)],
  ['softplus beta 2', (x) => L.softplus(x, { beta: 2, threshold: 20 }), () => leaf(shape)],
  // Around the threshold, softplus switches to the identity: check both sides, away from beta*x = threshold.
  ['softplus threshold 1', (x) => L.softplus(x, { beta: 1, threshold: 1 }), () => leafAway(shape, [1], 0.1)],
];

const piecewise: [string, (x: Tensor) => Tensor, () => Tensor][] = [
  ['abs', (x) => x.abs(), () => leafAway(shape, [0])],
  ['relu', (x) => x.relu(), () => leafAway(shape, [0])],
  ['leakyRelu', (x) => x.leakyRelu(0.1), () => leafAway(shape, [0])],
  ['leakyRelu default', (x) => L.leakyRelu(x), () => leafAway(shape, [0])],
  ['elu', (x) => x.elu(), () => leafAway(shape, [0])],
  ['elu alpha 0.5', (x) => L.elu(x, 0.5), () => leafAway(shape, [0])],
  ['clamp min max', (x) => x.clamp({ min: -0.5, max: 0.7 }), () => leafAway(shape, [-0.5, 0.7])],
  ['clamp min', (x) => L.clamp(x, { min: 0.1 }), () => leafAway(shape, [0.1])],
  ['clamp max', (x) => L.clamp(x, { max: -0.2 }), () => leafAway(shape, [-0.2])],
];

describe('unary gradients', () => {
  for (const [name, fn, make] of [...smooth, ...piecewise]) {
    it(`${name}: gradcheck and gradgradcheck`, () => {
      expectBoth(fn, [make()]);
    });
  }

  it('step functions (sign, floor, ceil, round) have zero gradient', () => {
    const x = leafAway([5], [0, -1, 1, -2, 2], 0.1, 2);
    for (const f of [L.sign, L.floor, L.ceil, L.round]) {
      const [g] = L.grad(f(x).sum(), [x]);
      expect(Array.from(g!.data())).toEqual([0, 0, 0, 0, 0]);
    }
    // Half-integers are where round jumps; stay off them too.
    expectGrad((a) => a.mul(2).round().add(a), [leafAway([4], [-1.5, -0.5, 0.5, 1.5], 0.1)]);
  });

  it('relu passes the gradient where x > 0 only (PyTorch: 0 at x = 0)', () => {
    const x = L.tensor([-1, 0, 2], { dtype: 'float64', requiresGrad: true });
    x.relu().sum().backward();
    expect(Array.from(x.grad!.data())).toEqual([0, 0, 1]);
  });

  it('clamp passes the gradient at its bounds (PyTorch: min <= x <= max)', () => {
    const x = L.tensor([-1, 0, 0.5, 1, 2], { dtype: 'float64', requiresGrad: true });
    x.clamp({ min: 0, max: 1 }).sum().backward();
    expect(Array.from(x.grad!.data())).toEqual([0, 1, 1, 1, 0]);
  });

  it('matches closed forms at sample points', () => {
    const x = L.tensor([-1.5, -0.3, 0.4, 2], { dtype: 'float64', requiresGrad: true });
    const [dGelu] = L.grad(x.gelu().sum(), [x]);
    const [dSilu] = L.grad(x.silu().sum(), [x]);
    const [dElu] = L.grad(L.elu(x, 0.7).sum(), [x]);
    const phi = (t: number): number => Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
    const xs = [-1.5, -0.3, 0.4, 2];
    // Φ(t) = (1 + erf(t/√2))/2 with erf from its Maclaurin series (exact to double precision for |z| < 3).
    const erfSeries = (z: number): number => {
      let term = z, total = z;
      for (let n = 1; n < 80; n++) { term *= -z * z / n; total += term / (2 * n + 1); }
      return 2 / Math.sqrt(Math.PI) * total;
    };
    const Phi = (t: number): number => (1 + erfSeries(t / Math.SQRT2)) / 2;
    xs.forEach((t, i) => {
      expect(dGelu!.data()[i]).toBeCloseTo(Phi(t) + t * phi(t), 9);
      const s = 1 / (1 + Math.exp(-t));
      expect(dSilu!.data()[i]).toBeCloseTo(s * (1 + t * (1 - s)), 10);
      expect(dElu!.data()[i]).toBeCloseTo(t > 0 ? 1 : 0.7 * Math.exp(t), 10);
    });
  });

  it('third derivative of tanh matches its closed form', () => {
    // t = tanh x: t' = 1 - t^2 = sech^2 x; t'' = -2 t (1 - t^2); t''' = -2 (1 - t^2)(1 - 3 t^2) = -2 sech^2 x (1 - 3 tanh^2 x).
    const xs = [-2, -0.7, 0, 0.3, 1.1, 2.5];
    const x = L.tensor(xs, { dtype: 'float64', requiresGrad: true });
    const [d1] = L.grad(x.tanh().sum(), [x], { createGraph: true });
    const [d2] = L.grad(d1!.sum(), [x], { createGraph: true });
    const [d3] = L.grad(d2!.sum(), [x]);
    xs.forEach((v, i) => {
      const t = Math.tanh(v), sech2 = 1 - t * t;
      expect(d1!.data()[i]).toBeCloseTo(sech2, 12);
      expect(d2!.data()[i]).toBeCloseTo(-2 * t * sech2, 12);
      expect(d3!.data()[i]).toBeCloseTo(-2 * sech2 * (1 - 3 * t * t), 12);
    });
    // The closed form itself, against a central difference of the second derivative (-2 t sech^2).
    const d2f = (v: number): number => { const t = Math.tanh(v); return -2 * t * (1 - t * t); };
    for (const v of xs) {
      const t = Math.tanh(v);
      expect((d2f(v + 1e-5) - d2f(v - 1e-5)) / 2e-5).toBeCloseTo(-2 * (1 - t * t) * (1 - 3 * t * t), 8);
    }
  });

  it('float32 inputs get float32 gradients of the right values', () => {
    const x = L.tensor([0.5, 1, 2], { requiresGrad: true });
    x.log().sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expect(Array.from(x.grad!.data())).toEqual([2, 1, 0.5]);
  });
});

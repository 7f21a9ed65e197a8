/** The engine's behaviour: accumulation, grad(), freed graphs, grad modes, detach, retainGrad, hooks, long chains, in-place safety. */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { AutogradError } from '../../src/index';
import { leaf, leafOf } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(42));

const vals = (t: L.Tensor | null | undefined): number[] => Array.from(t!.data());

describe('backward accumulation', () => {
  it('accumulates into a leaf .grad across calls, in place (the same tensor, as PyTorch)', () => {
    const x = leafOf([1, 2, 3]);
    x.square().sum().backward();
    const first = x.grad!;
    expect(vals(first)).toEqual([2, 4, 6]);
    x.mul(3).sum().backward();
    expect(x.grad).toBe(first);
    expect(vals(x.grad)).toEqual([5, 7, 9]);
  });

  it('setting .grad = null (or disposing it) starts afresh', () => {
    const x = leafOf([1, 2]);
    x.sum().backward();
    x.grad = null;
    x.mul(2).sum().backward();
    expect(vals(x.grad)).toEqual([2, 2]);
    x.grad!.dispose();
    x.mul(5).sum().backward();
    expect(vals(x.grad)).toEqual([5, 5]);
  });

  it('sums the gradients of every path to a leaf (diamond graph)', () => {
    const x = leafOf([0.5, -1]);
    const a = x.mul(2), b = x.exp();
    a.mul(b).add(a).sum().backward();
    // d/dx (2x e^x + 2x) = 2e^x + 2x e^x + 2
    vals(x.grad).forEach((g, i) => {
      const v = [0.5, -1][i];
      expect(g).toBeCloseTo(2 * Math.exp(v) + 2 * v * Math.exp(v) + 2, 12);
    });
  });

  it('leaf gradients never alias the gradOutputs or each other', () => {
    const a = leafOf([1, 2]), b = leafOf([3, 4]);
    const gOut = L.tensor([1, 1], { dtype: 'float64' });
    a.add(b).backward(gOut);
    expect(a.grad).not.toBe(b.grad);
    expect(a.grad!.storage).not.toBe(gOut.storage);
    expect(b.grad!.storage).not.toBe(gOut.storage);
    L.noGrad(() => a.grad!.mul_(10));
    expect(vals(b.grad)).toEqual([1, 1]);
    expect(vals(gOut)).toEqual([1, 1]);
    // A leaf that is itself the output gets a copy of the gradient, not the caller's tensor.
    const c = leafOf([5]);
    const g = L.tensor([2], { dtype: 'float64' });
    c.backward(g);
    expect(c.grad).not.toBe(g);
    expect(vals(c.grad)).toEqual([2]);
  });

  it('an implied gradient needs a one-element output; a non-differentiable output throws', () => {
    const x = leaf([3]);
    expect(() => x.mul(2).backward()).toThrow(/one-element outputs, pass gradOutputs/);
    expect(() => L.tensor([1, 2]).sum().backward()).toThrow(AutogradError);
    expect(() => x.mul(2).backward(L.ones([2], { dtype: 'float64' }))).toThrow(/gradOutputs\[0\] is \[2\] but output 0 is \[3\]/);
  });
});

describe('grad()', () => {
  it('returns gradients without touching .grad, with gradOutputs', () => {
    const x = leafOf([1, 2, 3]);
    const y = x.square();
    const [g] = L.grad(y, [x], { gradOutputs: [L.tensor([1, 0, -1], { dtype: 'float64' })] });
    expect(vals(g)).toEqual([2, 0, -6]);
    expect(x.grad).toBeNull();
  });

  it('several outputs and inputs; the same output twice counts twice', () => {
    const x = leafOf([2]), w = leafOf([3]);
    const [gx, gw] = L.grad([x.mul(w), x.square()], [x, w]);
    expect(vals(gx)).toEqual([3 + 4]);
    expect(vals(gw)).toEqual([2]);
    const y = x.mul(w);
    const [g2] = L.grad([y, y], [x]);
    expect(vals(g2)).toEqual([6]);
  });

  it('allowUnused: null for an input the outputs do not use, else an AutogradError', () => {
    const x = leaf([2]), unused = leaf([2]);
    const y = x.sum();
    expect(() => L.grad(y, [x, unused], { retainGraph: true })).toThrow(/inputs\[1\] \(float64\[2\]\) was not used to compute the outputs; pass allowUnused: true/);
    const [gx, gu] = L.grad(y, [x, unused], { allowUnused: true });
    expect(vals(gx)).toEqual([1, 1]);
    expect(gu).toBeNull();
  });

  it('with respect to a non-leaf tensor', () => {
    const x = leafOf([1, 2]);
    const h = x.mul(3);
    const [gh, gx] = L.grad(h.square().sum(), [h, x]);
    expect(vals(gh)).toEqual([6, 12]);
    expect(vals(gx)).toEqual([18, 36]);
  });

  it('createGraph makes the gradient differentiable (second and mixed derivatives)', () => {
    const x = leafOf([1.5]), w = leafOf([-2]);
    const y = x.pow(3).mul(w);
    const [dx] = L.grad(y, [x], { createGraph: true });
    expect(dx!.requiresGrad).toBe(true);
    expect(vals(dx)).toEqual([3 * 1.5 ** 2 * -2]);
    const [dxx, dxw] = L.grad(dx!, [x, w]);
    expect(vals(dxx)).toEqual([6 * 1.5 * -2]);
    expect(vals(dxw)).toEqual([3 * 1.5 ** 2]);
    // Without createGraph the result is a plain tensor.
    const [plain] = L.grad(x.square().sum(), [x]);
    expect(plain!.requiresGrad).toBe(false);
  });

  it('backward with createGraph builds a differentiable .grad (gradient penalty)', () => {
    const x = leafOf([1, -2]);
    x.pow(3).sum().backward({ createGraph: true });
    expect(x.grad!.requiresGrad).toBe(true);
    const [gg0] = L.grad(x.grad!.square().sum(), [x]);
    x.grad = null;
    L.backward(x.pow(3).sum(), undefined, { createGraph: true });
    expect(x.grad!.requiresGrad).toBe(true);
    expect(vals(gg0)).toEqual([36, -288]);
    const [gg] = L.grad(x.grad!.square().sum(), [x]);
    // d/dx sum((3x^2)^2) = 36 x^3
    expect(vals(gg)).toEqual([36, -288]);
  });

  it('prunes branches it does not need, so a freed unrelated branch does not throw', () => {
    const x = leafOf([1, 2]), z = leafOf([3, 4]);
    const branch = z.exp();
    branch.sum().backward();  // frees the exp node
    const y = x.square().add(branch);
    const [gx] = L.grad(y.sum(), [x]);
    expect(vals(gx)).toEqual([2, 4]);
    // backward() needs every branch, and reports the freed one.
    expect(() => x.square().add(branch).sum().backward()).toThrow(/graph through exp was already freed/);
  });

  it('a gradient that reaches an input only through a null gradient is unused', () => {
    const x = leaf([3]);
    const y = x.sign().sum();  // sign's gradient is zero, not null: x is used
    const [g] = L.grad(y, [x]);
    expect(vals(g)).toEqual([0, 0, 0]);
  });
});

describe('freed graphs and retainGraph', () => {
  it('a second backward through a freed graph throws a clear AutogradError', () => {
    const x = leaf([3]);
    const y = x.exp().sum();
    y.backward();
    let err: unknown;
    try { y.backward(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(AutogradError);
    expect((err as Error).message).toMatch(/backward: the graph through sum was already freed by an earlier backward .* pass retainGraph: true/);
  });

  it('retainGraph keeps the graph for another backward', () => {
    const x = leafOf([1, 2]);
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    vals(x.grad).forEach((g, i) => expect(g).toBeCloseTo(2 * Math.exp([1, 2][i]), 12));
    expect(() => y.backward()).toThrow(AutogradError);
  });

  it('grad() frees the graph unless retainGraph (or createGraph)', () => {
    const x = leaf([2]);
    const y = x.square().sum();
    L.grad(y, [x], { retainGraph: true });
    L.grad(y, [x]);
    expect(() => L.grad(y, [x])).toThrow(/already freed/);
    const z = x.square().sum();
    L.grad(z, [x], { createGraph: true });
    expect(() => L.grad(z, [x])).not.toThrow();
  });

  it('after backward the nodes let go of their inputs and saved tensors', () => {
    const x = leaf([3]);
    const y = x.mul(x).sum();
    const node = y.gradFn!.inputs[0]!.gradFn!;
    expect(node.saved.length).toBe(2);
    y.backward();
    expect(node.saved.length).toBe(0);
    // Only the leaves stay (for grad()'s pruning); intermediates are let go.
    expect(node.inputs).toEqual([x, x]);
    expect(y.gradFn!.inputs).toEqual([null]);
    expect(y.gradFn!.released).toBe(true);
  });
});

describe('grad modes, detach', () => {
  it('noGrad records nothing; enableGrad turns recording back on inside it; both restore the mode, even on throw', () => {
    const x = leaf([2]);
    const y = L.noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    const z = L.noGrad(() => L.enableGrad(() => x.mul(2)));
    expect(z.requiresGrad).toBe(true);
    expect(z.gradFn!.name).toBe('mul');
    expect(() => L.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(L.isGradEnabled()).toBe(true);
    L.noGrad(() => {
      expect(() => L.enableGrad(() => { throw new Error('inner'); })).toThrow('inner');
      expect(L.isGradEnabled()).toBe(false);
    });
    expect(L.isGradEnabled()).toBe(true);
  });

  it('detach shares storage, cuts the graph, and is a leaf', () => {
    const x = leaf([3]);
    const y = x.mul(2);
    const d = y.detach();
    expect(d.storage).toBe(y.storage);
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    const out = x.mul(d).sum();
    out.backward();
    expect(vals(x.grad)).toEqual(vals(d));
  });
});

describe('retainGrad and hooks', () => {
  it('retainGrad keeps the gradient of a non-leaf and accumulates it; others stay null', () => {
    const x = leafOf([1, 2]);
    const h = x.mul(3);
    const k = h.square();
    h.retainGrad();
    k.sum().backward(undefined, { retainGraph: true });
    expect(vals(h.grad)).toEqual([6, 12]);
    expect(k.grad).toBeNull();
    k.sum().backward();
    expect(vals(h.grad)).toEqual([12, 24]);
    // grad() has no side effects on retained gradients.
    const h2 = x.mul(3);
    h2.retainGrad();
    L.grad(h2.sum(), [x]);
    expect(h2.grad).toBeNull();
  });

  it('a hook on a leaf can replace its gradient; removing it restores the plain gradient', () => {
    const x = leafOf([1, 2]);
    const seen: number[][] = [];
    const remove = x.registerHook((g) => { seen.push(vals(g)); return g.mul(10); });
    x.square().sum().backward();
    expect(seen).toEqual([[2, 4]]);
    expect(vals(x.grad)).toEqual([20, 40]);
    remove();
    x.grad = null;
    x.square().sum().backward();
    expect(vals(x.grad)).toEqual([2, 4]);
    expect(seen.length).toBe(1);
  });

  it('a hook on a non-leaf changes what flows to the inputs; several hooks run in order', () => {
    const x = leafOf([1, 2]);
    const h = x.mul(2);
    const order: string[] = [];
    const r1 = h.registerHook((g) => { order.push('first'); return g.add(1); });
    h.registerHook((g) => { order.push('second'); return g.mul(3); });
    h.sum().backward();
    expect(order).toEqual(['first', 'second']);
    // d/dh = 1 -> (1 + 1) * 3 = 6, times dh/dx = 2.
    expect(vals(x.grad)).toEqual([12, 12]);
    r1();
    x.grad = null;
    const h2 = x.mul(2);
    h2.registerHook((g) => { expect(g.shape).toEqual([2]); });
    h2.sum().backward();
    expect(vals(x.grad)).toEqual([2, 2]);
  });

  it('a hook returning the wrong shape is reported', () => {
    const x = leaf([2]);
    const h = x.mul(2);
    h.registerHook(() => L.zeros([3], { dtype: 'float64' }));
    expect(() => h.sum().backward()).toThrow(/hook on the output of mul returned float64\[3\] for a gradient of shape \[2\]/);
  });

  it('registerHook and retainGrad need a tensor that requires grad', () => {
    expect(() => L.tensor([1]).registerHook(() => undefined)).toThrow(AutogradError);
    expect(() => L.tensor([1]).retainGrad()).toThrow(AutogradError);
  });
});

describe('long chains', () => {
  it('a 10,000-op chain runs forward and backward without a recursion limit', () => {
    const x = leafOf([1, -1]);
    let y = x;
    for (let i = 0; i < 10_000; i++) y = i % 2 === 0 ? y.mul(1.0001) : y.add(0.5);
    y.sum().backward();
    const expected = 1.0001 ** 5000;
    vals(x.grad).forEach((g) => expect(g).toBeCloseTo(expected, 9));
  });

  it('a deep second-order chain (createGraph) works too', () => {
    const x = leafOf([0.3]);
    let y = x;
    for (let i = 0; i < 2_000; i++) y = y.mul(0.9995).add(0.0001);
    const [d1] = L.grad(y.square().sum(), [x], { createGraph: true });
    const [d2] = L.grad(d1!, [x]);
    expect(vals(d2)[0]).toBeCloseTo(2 * 0.9995 ** 4000, 9);
  });
});

describe('in-place safety (version counters)', () => {
  it('changing a saved leaf in place under noGrad makes backward throw, naming the op and the tensor', () => {
    const x = leafOf([1, 2, 3]);
    const y = x.mul(x);
    L.noGrad(() => x.mul_(2));
    expect(() => y.sum().backward()).toThrow(/backward: mul saved float64\[3\] \(a leaf\) for its gradient, but it was modified in place afterwards \(version 0, now 1\)/);
  });

  it('an add_ on a detached alias sharing storage is caught too', () => {
    const x = leaf([2, 2]);
    const h = x.mul(3);
    const y = h.exp();  // exp saves its output
    const alias = y.detach();
    alias.add_(1);
    expect(() => y.sum().backward()).toThrow(/exp saved float64\[2,2\] \(the output of exp\) .* modified in place/);
    const z = x.tanh();
    z.detach().reshape([4]).mul_(0.5);  // a view of the detached alias: the same storage
    expect(() => z.sum().backward()).toThrow(/tanh saved/);
  });

  it('ops that do not read a tensor do not complain when it changes (add, neg)', () => {
    const x = leafOf([1, 2]);
    const y = x.add(1).neg();
    L.noGrad(() => x.add_(5));
    y.sum().backward();
    expect(vals(x.grad)).toEqual([-1, -1]);
  });

  it('in-place updates of a leaf that requires grad must run inside noGrad', () => {
    const x = leaf([2]);
    expect(() => x.add_(1)).toThrow(/in-place updates of it must run inside noGrad/);
  });

  it('a saved tensor disposed before backward is reported', () => {
    const x = leaf([3]);
    const y = L.tidy(() => x.square().exp().sum());
    expect(() => y.backward()).toThrow(/exp saved float64\[3\] for its gradient, but that tensor was disposed/);
  });
});

describe('customOp', () => {
  const cube = L.customOp({
    name: 'cube',
    forward: (x) => x.mul(x).mul(x),
    backward: (g, [x]) => [g.mul(x.square().mul(3))],
  });

  it('forward and backward, first and second order (its backward is written with ops)', () => {
    const x = leaf([4]);
    expect(L.gradcheck(cube, [x])).toBe(true);
    expect(L.gradgradcheck(cube, [x])).toBe(true);
    const y = cube(x);
    expect(y.gradFn!.name).toBe('cube');
  });

  it('a wrong number of gradients or a wrong shape is an error naming the op', () => {
    const bad = L.customOp({ name: 'twoGrads', forward: (x) => x.mul(2), backward: (g) => [g, g] });
    expect(() => bad(leaf([2])).sum().backward()).toThrow(/twoGrads: backward returned 2 gradients for 1 inputs/);
    const badShape = L.customOp({ name: 'badShape', forward: (x) => x.mul(2), backward: () => [L.ones([3], { dtype: 'float64' })] });
    expect(() => badShape(leaf([2])).sum().backward()).toThrow(/badShape: backward gave a gradient of shape \[3\] for input 0 of shape \[2\]/);
  });

  it('several inputs, some without grad; null gradients allowed; a forward returning its input', () => {
    const scaleBy = L.customOp({
      name: 'scaleBy',
      forward: (x, s) => x.mul(s),
      backward: (g, [x, s]) => [g.mul(s), null],
    });
    const x = leafOf([1, 2]);
    const s = L.tensor([3, 4], { dtype: 'float64' });
    scaleBy(x, s).sum().backward();
    expect(vals(x.grad)).toEqual([3, 4]);
    const identity = L.customOp({ name: 'identity', forward: (t) => t, backward: (g) => [g] });
    const w = leafOf([5]);
    const out = identity(w);
    expect(out).not.toBe(w);
    expect(w.isLeaf).toBe(true);
    out.mul(2).sum().backward();
    expect(vals(w.grad)).toEqual([2]);
  });

  it('an in-place change of an input after the call is caught', () => {
    const x = leafOf([1, 2]);
    const y = cube(x);
    L.noGrad(() => x.add_(1));
    expect(() => y.sum().backward()).toThrow(/cube saved float64\[2\] \(a leaf\)/);
  });
});

describe('grad() with a non-leaf input', () => {
  it('takes the gradient flowing into the tensor without running its node (a later backward through it still works), as PyTorch', () => {
    const x = L.tensor([1, 2, 3], { requiresGrad: true });
    const y = x.sub(1);
    const [gy] = L.grad(y.square().sum(), [y]);
    expect(Array.from(gy!.values)).toEqual([0, 2, 4]);
    expect(x.grad).toBeNull();
    y.mul(3).sum().backward();
    expect(Array.from(x.grad!.values)).toEqual([3, 3, 3]);
    // With the leaf below it also asked for, the node runs.
    const z = x.mul(2);
    const [gz, gx] = L.grad(z.square().sum(), [z, x]);
    expect(Array.from(gz!.values)).toEqual([4, 8, 12]);
    expect(Array.from(gx!.values)).toEqual([8, 16, 24]);
  });
});

/**
 * autograd.functional (src/autograd/functional.ts): vjp, jvp, jacobian, hessian, hvp and vhp
 * against PyTorch 2.13's torch.autograd.functional. test/fixtures/autograd_functional_torch.json,
 * written by test/fixtures/generators/autograd_functional_torch.py, holds per function and kind
 * the inputs, v, the outputs and results with createGraph false, and for createGraph true the
 * gradients of sum(result · r) with respect to the inputs. Checked in float64 and float32 on the
 * native and the reference backend; plus gradcheck of the createGraph results, the strict errors,
 * the argument errors, and that the caller's tensors are left as they were.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { hessian, hvp, jacobian, jvp, vhp, vjp, type Tensors } from '../../src/autograd/functional';
import { hasNative, onBackend } from '../helpers/backends';
import { expectGrad, expectGradGrad, leaf } from '../helpers/gradcheck';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';

type Nested = Enc | Nested[];
type Kind = 'vjp' | 'jvp' | 'jacobian' | 'hessian' | 'hvp' | 'vhp';
interface Entry { result: Nested; output?: Nested; v?: Nested; r: Enc[]; second: Enc[] }
interface Case { inputs: Enc[]; isTuple: boolean; [kind: string]: Entry | Enc[] | boolean }

const fixture = JSON.parse(readFileSync(new URL('../fixtures/autograd_functional_torch.json', import.meta.url), 'utf8')) as {
  torch: string; mlpTarget: Enc; cases: Record<string, Case>;
};

const dec = (e: Enc, dtype: Dt): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);
const isEnc = (n: Nested): n is Enc => !Array.isArray(n);
const decNested = (n: Nested, dtype: Dt): Tensors => (isEnc(n) ? dec(n, dtype) : n.map((m) => decNested(m, dtype) as L.Tensor));

/** The tensors of a (possibly nested) result, in order. */
function flat(x: unknown): L.Tensor[] {
  if (x instanceof L.Tensor) return [x];
  return (x as unknown[]).flatMap(flat);
}
function flatEnc(n: Nested): Enc[] {
  return isEnc(n) ? [n] : n.flatMap(flatEnc);
}
/** The nesting of a result: a shape for a tensor, arrays of those for arrays. */
function structure(x: unknown): unknown {
  return x instanceof L.Tensor ? x.shape : (x as unknown[]).map(structure);
}
function structureEnc(n: Nested): unknown {
  return isEnc(n) ? n.shape : n.map(structureEnc);
}

// ---------------------------------------------------------------- the generator's functions, by name
let mlpTarget: L.Tensor | null = null;
const mlp = (x: L.Tensor, w1: L.Tensor, b1: L.Tensor, w2: L.Tensor, b2: L.Tensor): L.Tensor => x.matmul(w1.t()).add(b1).tanh().matmul(w2.t()).add(b2);
const FUNCS: Record<string, (...xs: L.Tensor[]) => L.Tensor | L.Tensor[]> = {
  elementwise: (x) => x.tanh().mul(x.square()),
  mlp,
  twoInTwoOut: (a, b) => [a.mul(b).add(a.sin()), a.exp().matmul(b)],
  scalarLoss: (x) => {
    const n = x.shape[0];
    return x.tanh().square().mul(x).sum().add(x.narrow(0, 0, n - 1).mul(x.narrow(0, 1, n - 1)).sum());
  },
  mlpLoss: (x, w1, b1, w2, b2) => mlp(x, w1, b1, w2, b2).sub(mlpTarget!).square().mean(),
  cubicOne: (x) => x.sin().mul(x.pow(3)),
};

function runKind(kind: Kind, fn: (...xs: L.Tensor[]) => L.Tensor | L.Tensor[], inputs: Tensors, v: Tensors | undefined, createGraph: boolean): { output?: Tensors; result: unknown } {
  const opts = { createGraph };
  const scalarFn = fn as (...xs: L.Tensor[]) => L.Tensor;
  switch (kind) {
    case 'vjp': { const [output, result] = vjp(fn, inputs, v, opts); return { output, result }; }
    case 'jvp': { const [output, result] = jvp(fn, inputs, v, opts); return { output, result }; }
    case 'hvp': { const [output, result] = hvp(scalarFn, inputs, v, opts); return { output, result }; }
    case 'vhp': { const [output, result] = vhp(scalarFn, inputs, v, opts); return { output, result }; }
    case 'jacobian': return { result: jacobian(fn, inputs, opts) };
    case 'hessian': return { result: hessian(scalarFn, inputs, opts) };
  }
}

describe('autograd.functional vs PyTorch', () => {
  const check = torchFixtureChecker({ float64: 1e-11, float32: 5e-5 });
  expect(fixture.torch).toMatch(/^2\.13/);
  const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];
  for (const [name, c] of Object.entries(fixture.cases)) {
    const kinds = Object.keys(c).filter((k) => k !== 'inputs' && k !== 'isTuple');
    for (const key of kinds) {
      const kind = key.replace('NoV', '') as Kind;
      const entry = c[key] as Entry;
      for (const backend of backends) {
        for (const dtype of ['float64', 'float32'] as const) {
          it(`${name} ${key} (${backend}, ${dtype})`, () => onBackend(backend, () => {
            mlpTarget = dec(fixture.mlpTarget, dtype);
            const fn = FUNCS[name];
            const xs = c.inputs.map((e) => dec(e, dtype));
            const before = xs.map((x) => Array.from(x.values));
            const inputs: Tensors = c.isTuple ? xs : xs[0];
            const v = entry.v === undefined ? undefined : decNested(entry.v, dtype);
            const what = `${name}.${key}`;

            // createGraph false: PyTorch's values, in PyTorch's nesting, with no history.
            const { output, result } = runKind(kind, fn, inputs, v, false);
            expect(structure(result), `${what} nesting`).toEqual(structureEnc(entry.result));
            const got = flat(result), want = flatEnc(entry.result);
            got.forEach((t, i) => {
              check(t, want[i], dtype, `${what}.result[${i}]`);
              expect(t.requiresGrad, `${what}.result[${i}] requiresGrad`).toBe(false);
            });
            if (entry.output) {
              expect(structure(output), `${what} output nesting`).toEqual(structureEnc(entry.output));
              flat(output).forEach((t, i) => {
                check(t, flatEnc(entry.output!)[i], dtype, `${what}.output[${i}]`);
                expect(t.requiresGrad).toBe(false);
              });
            }

            // createGraph true, on leaves that require grad: d sum(result · r) / d inputs matches PyTorch's.
            const leaves = xs.map((x) => x.clone().requiresGrad_());
            const g = runKind(kind, fn, c.isTuple ? leaves : leaves[0], v, true);
            const parts = flat(g.result);
            let total: L.Tensor | null = null;
            parts.forEach((t, i) => {
              const term = t.mul(dec(entry.r[i], dtype)).sum();
              total = total ? total.add(term) : term;
            });
            const second = L.grad(total!, leaves, { allowUnused: true });
            second.forEach((s, i) => check(s ?? L.zerosLike(leaves[i]), entry.second[i], dtype, `${what}.second[${i}]`));

            // The caller's tensors are as they were.
            xs.forEach((x, i) => {
              expect(Array.from(x.values), `${what} inputs[${i}] values`).toEqual(before[i]);
              expect(x.grad).toBeNull();
              expect(x.requiresGrad).toBe(false);
            });
            leaves.forEach((x) => expect(x.grad).toBeNull());
          }));
        }
      }
    }
  }
});

// ---------------------------------------------------------------- createGraph: the results are differentiable again
describe('createGraph gives differentiable results (float64 gradcheck)', () => {
  const f = (x: L.Tensor): L.Tensor => x.tanh().mul(x.square());
  const loss = (x: L.Tensor): L.Tensor => x.sin().mul(x.square()).sum().add(x.narrow(0, 0, 2).mul(x.narrow(0, 1, 2)).sum());

  it('jacobian: first and second derivatives of the Jacobian', () => {
    L.manualSeed(11);
    const x = leaf([2, 2]);
    expectGrad((x) => jacobian(f, x, { createGraph: true }), [x]);
    expectGradGrad((x) => jacobian(f, x, { createGraph: true }), [x]);
  });

  it('vjp: with respect to the inputs and to v', () => {
    L.manualSeed(12);
    const x = leaf([3]), v = leaf([3]);
    expectGrad((x, v) => vjp(f, x, v, { createGraph: true })[1], [x, v]);
    expectGradGrad((x, v) => vjp(f, x, v, { createGraph: true })[1], [x, v]);
  });

  it('jvp: with respect to the inputs and to v', () => {
    L.manualSeed(13);
    const a = leaf([2, 3]), b = leaf([3]), va = leaf([2, 3]), vb = leaf([3]);
    const two = (a: L.Tensor, b: L.Tensor): L.Tensor[] => [a.mul(b).add(a.sin()), a.exp().matmul(b)];
    expectGrad((a, b, va, vb) => jvp(two, [a, b], [va, vb], { createGraph: true })[1], [a, b, va, vb]);
  });

  it('hessian, hvp and vhp: third derivatives', () => {
    L.manualSeed(14);
    const x = leaf([3]), v = leaf([3]);
    expectGrad((x) => hessian(loss, x, { createGraph: true }), [x]);
    expectGrad((x, v) => hvp(loss, x, v, { createGraph: true })[1], [x, v]);
    expectGrad((x, v) => vhp(loss, x, v, { createGraph: true })[1], [x, v]);
  });

  it('a createGraph result stays connected to an input that requires grad, which keeps no .grad', () => {
    const x = L.tensor([0.3, -0.7], { dtype: 'float64', requiresGrad: true });
    const J = jacobian(f, x, { createGraph: true });
    expect(J.requiresGrad).toBe(true);
    expect(x.grad).toBeNull();
    J.sum().backward();
    // d/dx_i of f'(x_i) = f''(x_i), f = tanh(x) x²
    const t = x.values.map(Math.tanh);
    const expected = Array.from(x.values, (xi, i) => {
      const s2 = 1 - t[i] ** 2;
      return 2 * t[i] + 4 * xi * s2 - 2 * xi * xi * t[i] * s2;
    });
    Array.from(x.grad!.values).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 12));
  });
});

// ---------------------------------------------------------------- relations between the functions
describe('relations', () => {
  const loss = (x: L.Tensor, w: L.Tensor): L.Tensor => x.matmul(w).tanh().square().sum().add(w.pow(3).sum());

  it('hvp equals vhp equals H v for a smooth loss of two inputs, block by block', () => {
    L.manualSeed(21);
    const x = L.randn([2, 3], { dtype: 'float64' }), w = L.randn([3, 2], { dtype: 'float64' });
    const vx = L.randn([2, 3], { dtype: 'float64' }), vw = L.randn([3, 2], { dtype: 'float64' });
    const H = hessian(loss, [x, w]);
    expect(structure(H)).toEqual([[[2, 3, 2, 3], [2, 3, 3, 2]], [[3, 2, 2, 3], [3, 2, 3, 2]]]);
    const [, hv] = hvp(loss, [x, w], [vx, vw]);
    const [y, vh] = vhp(loss, [x, w], [vx, vw]);
    expect(y.item()).toBeCloseTo(loss(x, w).item(), 12);
    // (H v)_i = sum_j H[i][j] · v_j, the blocks flattened.
    const vs = [vx, vw];
    [0, 1].forEach((i) => {
      const n = [x, w][i].size;
      let want = L.zeros([n], { dtype: 'float64' });
      [0, 1].forEach((j) => { want = want.add(H[i][j].reshape([n, vs[j].size]).matmul(vs[j].reshape([-1]))); });
      expect(Array.from(hv[i].values).map((a, k) => Math.abs(a - want.values[k])).every((d) => d < 1e-10)).toBe(true);
      expect(Array.from(vh[i].values).map((a, k) => Math.abs(a - want.values[k])).every((d) => d < 1e-10)).toBe(true);
    });
  });

  it('jacobian rows are the vjps with unit vectors, and its columns the jvps', () => {
    L.manualSeed(22);
    const f = (a: L.Tensor, b: L.Tensor): L.Tensor => a.mul(b.sin()).matmul(b);
    const a = L.randn([2, 3], { dtype: 'float64' }), b = L.randn([3], { dtype: 'float64' });
    const [Ja, Jb] = jacobian(f, [a, b]);
    expect(Ja.shape).toEqual([2, 2, 3]);
    expect(Jb.shape).toEqual([2, 3]);
    const e0 = L.tensor([1, 0], { dtype: 'float64' });
    const [, [ga, gb]] = vjp(f, [a, b], e0);
    expect(Array.from(ga.values)).toEqual(Array.from(Ja.narrow(0, 0, 1).values));
    expect(Array.from(gb.values)).toEqual(Array.from(Jb.narrow(0, 0, 1).values));
    const ub = L.tensor([0, 1, 0], { dtype: 'float64' });
    const [, jv] = jvp(f, [a, b], [L.zerosLike(a), ub]);
    Array.from(jv.values).forEach((val, k) => expect(val).toBeCloseTo(Jb.values[k * 3 + 1], 12));
  });

  it('options may come third when v is left out, and it works inside noGrad', () => {
    const x = L.tensor([0.4], { dtype: 'float64', requiresGrad: true });
    const cube = (x: L.Tensor): L.Tensor => x.pow(3);
    const [y, g] = L.noGrad(() => vjp(cube, x, { createGraph: true }));
    expect(y.requiresGrad).toBe(true);
    expect(g.values[0]).toBeCloseTo(3 * 0.16, 12);
    const [, hv] = L.noGrad(() => hvp((x) => cube(x).sum(), x));
    expect(hv.values[0]).toBeCloseTo(6 * 0.4, 12);
    const [, jv] = jvp(cube, x, null);
    expect(jv.values[0]).toBeCloseTo(3 * 0.16, 12);
    expect(L.isGradEnabled()).toBe(true);
  });

  it('a graph fn captures from outside is neither freed nor given gradients', () => {
    const w = L.tensor([1.5, -2], { dtype: 'float64', requiresGrad: true });
    const h = w.mul(2); // a non-leaf with its own graph
    const x = L.tensor([0.1, 0.2], { dtype: 'float64' });
    const J = jacobian((x) => x.mul(h).sin(), x);
    expect(J.requiresGrad).toBe(false);
    const [, g] = vjp((x) => x.mul(h).sum(), x);
    expect(Array.from(g.values)).toEqual([3, -4]);
    expect(w.grad).toBeNull();
    h.sum().backward();
    expect(Array.from(w.grad!.values)).toEqual([2, 2]);
  });

  it('an unused input and a constant output give zeros without strict', () => {
    const a = L.tensor([1, 2], { dtype: 'float64' }), b = L.tensor([3, 4, 5], { dtype: 'float64' });
    const fn = (a: L.Tensor, _b: L.Tensor): L.Tensor[] => [a.square(), L.ones([2], { dtype: 'float64' })];
    const J = jacobian(fn, [a, b]);
    expect(structure(J)).toEqual([[[2, 2], [2, 3]], [[2, 2], [2, 3]]]);
    expect(Array.from(J[0][0].values)).toEqual([2, 0, 0, 4]);
    expect([J[0][1], J[1][0], J[1][1]].every((t) => Array.from(t.values).every((v) => v === 0))).toBe(true);
    const [, [ga, gb]] = vjp(fn, [a, b], [L.ones([2], { dtype: 'float64' }), L.ones([2], { dtype: 'float64' })]);
    expect(Array.from(ga.values)).toEqual([2, 4]);
    expect(Array.from(gb.values)).toEqual([0, 0, 0]);
    const [, [j0, j1]] = jvp(fn, [a, b], [L.ones([2], { dtype: 'float64' }), L.ones([3], { dtype: 'float64' })]);
    expect(Array.from(j0.values)).toEqual([2, 4]);
    expect(Array.from(j1.values)).toEqual([0, 0]);
    const H = hessian((a: L.Tensor, b: L.Tensor) => a.sum().add(b.square().sum()), [a, b]);
    expect(Array.from(H[0][0].values).every((v) => v === 0)).toBe(true);
    expect(Array.from(H[1][1].values)).toEqual([2, 0, 0, 0, 2, 0, 0, 0, 2]);
  });

  it('the identity returns copies, not the caller\'s storage', () => {
    const x = L.tensor([1, 2], { dtype: 'float64' }), v = L.tensor([5, 6], { dtype: 'float64' });
    const [y, g] = vjp((x) => x, x, v);
    expect(Array.from(g.values)).toEqual([5, 6]);
    expect(g.storage).not.toBe(v.storage);
    expect(y.storage).not.toBe(x.storage);
    const J = jacobian((x) => x, x);
    expect(Array.from(J.values)).toEqual([1, 0, 0, 1]);
  });
});

// ---------------------------------------------------------------- strict
describe('strict', () => {
  const a = L.tensor([0.5, 1.5], { dtype: 'float64' }), b = L.tensor([2, -1], { dtype: 'float64' });
  const onlyA = (a: L.Tensor, _b: L.Tensor): L.Tensor => a.sin().mul(a);
  const v2 = L.ones([2], { dtype: 'float64' });

  it('an output independent of an input throws in vjp, jvp and jacobian', () => {
    expect(() => vjp(onlyA, [a, b], v2, { strict: true })).toThrow(L.AutogradError);
    expect(() => vjp(onlyA, [a, b], v2, { strict: true })).toThrow(/vjp: .*independent of inputs\[1\]/);
    expect(() => jvp(onlyA, [a, b], [v2, v2], { strict: true })).toThrow(/jvp: .*independent of inputs\[1\]/);
    expect(() => jacobian(onlyA, [a, b], { strict: true })).toThrow(/jacobian: output 0 of fn is independent of inputs\[1\]/);
    expect(() => hessian((a: L.Tensor, b: L.Tensor) => onlyA(a, b).sum(), [a, b], { strict: true })).toThrow(/hessian: .*independent of inputs\[1\]/);
    expect(() => vhp((a: L.Tensor, b: L.Tensor) => onlyA(a, b).sum(), [a, b], [v2, v2], { strict: true })).toThrow(/vhp: .*independent of inputs\[1\]/);
  });

  it('an output that does not require grad throws', () => {
    const constant = (_x: L.Tensor): L.Tensor => L.ones([2], { dtype: 'float64' });
    expect(() => vjp(constant, a, v2, { strict: true })).toThrow(/vjp: output 0 of fn .* does not require grad/);
    expect(() => jacobian(constant, a, { strict: true })).toThrow(/jacobian: output 0 of fn .* does not require grad/);
    const [, g] = vjp(constant, a, v2);
    expect(Array.from(g.values)).toEqual([0, 0]);
  });

  it('a linear fn has a constant jacobian: hessian, hvp, vhp and jacobian with createGraph throw', () => {
    const linear = (x: L.Tensor): L.Tensor => x.mul(3).sum();
    expect(() => hessian(linear, a, { strict: true })).toThrow(/hessian: the jacobian .* independent of the inputs/);
    expect(() => hvp(linear, a, v2, { strict: true })).toThrow(/hvp: the jacobian of fn with respect to inputs\[0\] is independent of the inputs/);
    expect(() => vhp(linear, a, v2, { strict: true })).toThrow(/vhp: the jacobian of fn with respect to inputs\[0\] is independent of the inputs/);
    expect(() => jacobian((x: L.Tensor) => x.mul(3), a, { strict: true, createGraph: true })).toThrow(/jacobian: the jacobian of output 0 .* independent of the inputs/);
    expect(() => vjp((x: L.Tensor) => x.mul(3), a, v2, { strict: true, createGraph: true })).toThrow(/vjp: the jacobian of fn with respect to inputs\[0\] is independent/);
    // Without strict: zeros, and the non-strict createGraph jacobian is the constant.
    expect(Array.from(hessian(linear, a).values)).toEqual([0, 0, 0, 0]);
    expect(Array.from(hvp(linear, a, v2)[1].values)).toEqual([0, 0]);
    expect(Array.from(jacobian((x: L.Tensor) => x.mul(3), a, { strict: true }).values)).toEqual([3, 0, 0, 3]);
  });

  it('strict passes on a function of every input', () => {
    const both = (a: L.Tensor, b: L.Tensor): L.Tensor => a.mul(b).sin().sum();
    expect(structure(hessian(both, [a, b], { strict: true }))).toEqual([[[2, 2], [2, 2]], [[2, 2], [2, 2]]]);
    expect(structure(hvp(both, [a, b], [v2, v2], { strict: true, createGraph: true })[1])).toEqual([[2], [2]]);
    expect(structure(jvp(both, [a, b], [v2, v2], { strict: true })[1])).toEqual([]);
  });
});

// ---------------------------------------------------------------- argument errors
describe('argument errors', () => {
  const x = L.tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
  const f = (x: L.Tensor): L.Tensor => x.tanh();
  const s = (x: L.Tensor): L.Tensor => x.square().sum();

  it('v of the wrong shape names the function, the argument and both shapes', () => {
    const bad = L.ones([3, 2], { dtype: 'float64' });
    expect(() => vjp(f, x, bad)).toThrow(L.ShapeError);
    expect(() => vjp(f, x, bad)).toThrow("vjp: v is [3,2] but fn's output is [2,3]; they must have the same shape");
    expect(() => jvp(f, x, bad)).toThrow('jvp: v is [3,2] but inputs is [2,3]');
    expect(() => hvp(s, x, bad)).toThrow('hvp: v is [3,2] but inputs is [2,3]');
    expect(() => vhp(s, x, bad)).toThrow('vhp: v is [3,2] but inputs is [2,3]');
    const y = L.ones([3], { dtype: 'float64' });
    expect(() => jvp((a: L.Tensor, b: L.Tensor) => a.sum().add(b.sum()), [x, y], [L.onesLike(x), L.ones([4], { dtype: 'float64' })])).toThrow('jvp: v[1] is [4] but inputs[1] is [3]');
    expect(() => vjp((a: L.Tensor) => [a, a.sum()], x, [L.onesLike(x), L.ones([1], { dtype: 'float64' })])).toThrow("vjp: v[1] is [1] but fn's output[1] is []");
  });

  it('v of the wrong count, dtype or kind', () => {
    expect(() => vjp((a: L.Tensor) => [a, a], x, [L.onesLike(x)])).toThrow(L.ArgumentError);
    expect(() => vjp((a: L.Tensor) => [a, a], x, [L.onesLike(x)])).toThrow("vjp: v has 1 tensors but fn's output has 2");
    expect(() => jvp(f, x, [L.onesLike(x), L.onesLike(x)])).toThrow('jvp: v must be a single Tensor (inputs is one Tensor), got an array of 2');
    expect(() => vjp(f, x, L.ones([2, 3], { dtype: 'int32' }))).toThrow(L.DTypeError);
    expect(() => vjp(f, x, [3] as unknown as L.Tensor)).toThrow('vjp: v[0] must be a Tensor, got number');
  });

  it('v left out where it is needed', () => {
    expect(() => vjp(f, x)).toThrow("vjp: v can be left out only when fn returns a single one-element Tensor; it returned [2,3]");
    expect(() => jvp(f, x)).toThrow('jvp: v can be left out only when inputs is a single one-element Tensor; inputs are [2,3]');
    expect(() => hvp(s, x)).toThrow(L.ArgumentError);
    expect(() => vhp(s, [x, x])).toThrow('vhp: v can be left out only when inputs is a single one-element Tensor; inputs are [2,3], [2,3]');
  });

  it('hessian, hvp and vhp need one single-element output', () => {
    expect(() => hessian(f, x)).toThrow(L.ShapeError);
    expect(() => hessian(f, x)).toThrow('hessian: fn must return a single-element Tensor, got');
    expect(() => hvp(f, x, L.onesLike(x))).toThrow('hvp: fn must return a single-element Tensor');
    expect(() => vhp((a: L.Tensor) => [a.sum()] as unknown as L.Tensor, x, L.onesLike(x))).toThrow('vhp: fn must return a single Tensor, got an array of 1');
  });

  it('bad fn, inputs and outputs', () => {
    expect(() => jacobian(42 as unknown as typeof f, x)).toThrow('jacobian: fn must be a function, got number');
    expect(() => jacobian(f, [] as L.Tensor[])).toThrow('jacobian: inputs is an empty array');
    expect(() => jacobian(f, [x, 'y' as unknown as L.Tensor])).toThrow('jacobian: inputs[1] must be a Tensor, got string');
    expect(() => jacobian(f, L.tensor([1, 2], { dtype: 'int32' }))).toThrow(L.DTypeError);
    expect(() => jacobian(f, L.tensor([1, 2], { dtype: 'int32' }))).toThrow('jacobian: inputs must be float32 or float64');
    expect(() => jacobian(() => 3 as unknown as L.Tensor, x)).toThrow('jacobian: fn must return a Tensor or an array of Tensors, got 3');
    expect(() => vjp(() => [] as L.Tensor[], x, x)).toThrow('vjp: fn returned an empty array');
    expect(() => jvp((a: L.Tensor) => [a, null as unknown as L.Tensor], x, x)).toThrow('jvp: fn must return a Tensor or an array of Tensors, but element 1 of its result is null');
  });

  it('options: unknown keys, wrong types and what Lattice does not do', () => {
    expect(() => jacobian(f, x, { create_graph: true } as never)).toThrow('jacobian: unknown option create_graph (the options are createGraph, strict, vectorize, strategy)');
    expect(() => vjp(f, x, L.onesLike(x), { strict: 1 } as never)).toThrow('vjp: strict must be true or false, got 1');
    expect(() => jacobian(f, x, { vectorize: true } as never)).toThrow(/jacobian: vectorize true is not supported: Lattice has no vmap/);
    expect(() => jacobian(f, x, { strategy: 'forward-mode' } as never)).toThrow(/jacobian: strategy "forward-mode" is not supported/);
    expect(() => hessian(s, x, { outerJacobianStrategy: 'forward-mode' } as never)).toThrow(/hessian: outerJacobianStrategy "forward-mode" is not supported/);
    expect(() => vjp(f, x, L.onesLike(x), 'fast' as never)).toThrow('vjp: options must be an object such as { createGraph: true }, got "fast"');
    // The defaults spelled out are accepted.
    expect(jacobian(f, x, { vectorize: false, strategy: 'reverse-mode' }).shape).toEqual([2, 3, 2, 3]);
  });

  it('a failed call leaves the inputs as they were', () => {
    const w = L.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    expect(() => hvp(s, w, L.ones([3], { dtype: 'float64' }))).toThrow(L.ShapeError);
    expect(() => jacobian((a: L.Tensor) => a.mul(3), w, { strict: true, createGraph: true })).toThrow(L.AutogradError);
    expect(w.grad).toBeNull();
    expect(Array.from(w.values)).toEqual([1, 2]);
  });

  it('a fn that updates its input in place throws (as in PyTorch) and the caller\'s tensor keeps its values', () => {
    const y = L.tensor([1, 2], { dtype: 'float64' });
    expect(() => jacobian((p: L.Tensor) => p.mul_(2), y)).toThrow(/mul_: .*requires grad; in-place updates of it must run inside noGrad/);
    expect(Array.from(y.values)).toEqual([1, 2]);
  });
});

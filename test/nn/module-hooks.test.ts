/**
 * Module hooks beyond registerForwardHook, with torch.nn.Module's semantics: forward pre-hooks,
 * full backward hooks and backward pre-hooks (module-hooks.ts), and the fused nn.Sequential and
 * ResNet paths stepping aside for them.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn, optim, type Tensor } from '../../src/index';
import { closeness } from '../helpers/backends';

type Grads = (Tensor | null)[];

const vals = (t: Tensor | null | undefined): number[] => Array.from(t!.values as ArrayLike<number>);
const close = (a: Tensor | null | undefined, b: Tensor | null | undefined, tol = 1e-6): void => {
  expect(a).toBeTruthy();
  expect(b).toBeTruthy();
  expect(a!.shape).toEqual(b!.shape);
  expect(closeness(vals(a), vals(b), tol, tol)).toBeLessThanOrEqual(1);
};

/** A two-input module: a * b + c (c a plain number). */
class Mul extends nn.Module<[Tensor, Tensor, number]> {
  forward(a: Tensor, b: Tensor, c: number): Tensor {
    return a.mul(b).add(c);
  }
}

/** A two-output module: [2x, x * x]. */
class Split extends nn.Module<[Tensor], Tensor[]> {
  forward(x: Tensor): Tensor[] {
    return [x.mul(2), x.mul(x)];
  }
}

describe('registerForwardPreHook', () => {
  it('runs before forward and may replace the arguments (an array, or one Tensor)', () => {
    L.manualSeed(1);
    const fc = new nn.Linear(3, 2);
    const x = L.randn([4, 3]);
    const seen: number[][] = [];
    const removeSeen = fc.registerForwardPreHook((m, [a]) => { expect(m).toBe(fc); seen.push(a.shape); });
    const removeDouble = fc.registerForwardPreHook((_m, [a]) => [a.mul(2)]);
    expect(vals(fc.call(x))).toEqual(vals(fc.forward(x.mul(2))));
    removeDouble();
    const removeNeg = fc.registerForwardPreHook((_m, [a]) => a.neg());
    expect(vals(fc.call(x))).toEqual(vals(fc.forward(x.neg())));
    removeNeg();
    removeSeen();
    expect(vals(fc.call(x))).toEqual(vals(fc.forward(x)));
    expect(seen).toEqual([[4, 3], [4, 3]]);
  });

  it('chains several pre-hooks in registration order, before the forward hooks', () => {
    const m = new Mul();
    const order: string[] = [];
    m.registerForwardHook((_m, args) => { order.push(`fwd c=${args[2]}`); });
    m.registerForwardPreHook((_m, [a, b, c]) => { order.push(`pre1 c=${c}`); return [a, b, c + 1]; });
    m.registerForwardPreHook((_m, [a, b, c]) => { order.push(`pre2 c=${c}`); return [a, b, c * 10]; });
    const y = m.call(L.tensor([1, 2]), L.tensor([3, 4]), 1);
    expect(order).toEqual(['pre1 c=1', 'pre2 c=2', 'fwd c=20']);
    expect(vals(y)).toEqual([23, 28]);
  });

  it('rejects a hook that is not a function, and a return value that is not arguments', () => {
    const fc = new nn.Linear(2, 2);
    expect(() => fc.registerForwardPreHook(3 as never)).toThrow(/registerForwardPreHook: hook must be a function/);
    expect(() => fc.registerFullBackwardHook(null as never)).toThrow(/registerFullBackwardHook: hook must be a function/);
    expect(() => fc.registerFullBackwardPreHook({} as never)).toThrow(/registerFullBackwardPreHook: hook must be a function/);
    fc.registerForwardPreHook(() => 5 as never);
    expect(() => fc.call(L.randn([1, 2]))).toThrow(/a forward pre-hook returned 5; return the new argument array/);
  });

  it('counts as a hook for the fused paths (hasHooks), and a remover is safe to call twice', () => {
    const relu = new nn.ReLU();
    expect(relu.hasHooks()).toBe(false);
    for (const add of [
      () => relu.registerForwardPreHook(() => undefined),
      () => relu.registerFullBackwardHook(() => undefined),
      () => relu.registerFullBackwardPreHook(() => undefined),
      () => relu.registerForwardHook(() => undefined),
    ]) {
      const remove = add();
      expect(relu.hasHooks()).toBe(true);
      expect(relu.hasForwardHooks()).toBe(true);
      remove();
      remove();
      expect(relu.hasHooks()).toBe(false);
    }
  });
});

describe('registerFullBackwardHook', () => {
  it('on a Linear: gradInput and gradOutput are the gradients w.r.t. the input and the output, once per backward', () => {
    L.manualSeed(2);
    const fc = new nn.Linear(3, 2);
    const x = L.randn([4, 3], { requiresGrad: true });
    const calls: [Grads, Grads][] = [];
    fc.registerFullBackwardHook((m, gIn, gOut) => { expect(m).toBe(fc); calls.push([gIn, gOut]); });
    const y = fc.call(x);
    const w = L.randn([4, 2]);
    const loss = y.mul(w).sum();
    const [gx, gy] = L.grad(loss, [x, y]);
    expect(calls.length).toBe(1);
    const [[gIn], [gOut]] = [calls[0][0], calls[0][1]];
    expect(calls[0][0].length).toBe(1);
    expect(calls[0][1].length).toBe(1);
    close(gIn, gx);
    close(gOut, gy);
    close(gOut, w);
    close(gIn, w.matmul(fc.weight));  // the explicit gradient of x W^T + b
    // backward() (leaves accumulate) fires it once more.
    const loss2 = fc.call(x).mul(w).sum();
    loss2.backward();
    expect(calls.length).toBe(2);
    close(calls[1][0][0], x.grad);
    close(calls[1][1][0], w);
  });

  it('fires once when the output is used twice, with the summed output gradient', () => {
    L.manualSeed(3);
    const fc = new nn.Linear(3, 3);
    const x = L.randn([2, 3], { requiresGrad: true });
    let fired = 0;
    let gOut: Tensor | null = null, gIn: Tensor | null = null;
    fc.registerFullBackwardHook((_m, i, o) => { fired++; gIn = i[0]; gOut = o[0]; });
    const y = fc.call(x);
    const loss = y.mul(y).sum().add(y.sum());
    const [gx, gy] = L.grad(loss, [x, y]);
    expect(fired).toBe(1);
    close(gOut, gy);
    close(gOut, y.detach().mul(2).add(1));
    close(gIn, gx);
  });

  it('on an nn.Sequential block: the gradients at the block boundary', () => {
    L.manualSeed(4);
    const block = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 3));
    const x = L.randn([5, 4], { requiresGrad: true });
    const calls: [Grads, Grads][] = [];
    block.registerFullBackwardHook((_m, i, o) => { calls.push([i, o]); });
    const y = block.call(x);
    const [gx, gy] = L.grad(L.tanh(y).sum(), [x, y]);
    expect(calls.length).toBe(1);
    close(calls[0][0][0], gx);
    close(calls[0][1][0], gy);
    expect(calls[0][0][0]!.shape).toEqual([5, 4]);
    expect(calls[0][1][0]!.shape).toEqual([5, 3]);
  });

  it('runs several hooks in registration order, each seeing the previous replacement', () => {
    const fc = new nn.Linear(2, 2);
    const x = L.randn([3, 2], { requiresGrad: true });
    const order: string[] = [];
    let second: Tensor | null = null, first: Tensor | null = null;
    fc.registerFullBackwardHook((_m, [g]) => { order.push('a'); first = g; return [g!.mul(2)]; });
    fc.registerFullBackwardHook((_m, [g]) => { order.push('b'); second = g; });
    fc.call(x).sum().backward();
    expect(order).toEqual(['a', 'b']);
    close(second, first!.mul(2));
    close(x.grad, first!.mul(2));
  });

  it('a replaced gradInput is what reaches the earlier layers', () => {
    L.manualSeed(5);
    const l1 = new nn.Linear(3, 4), l2 = new nn.Linear(4, 2);
    const net = new nn.Sequential(l1, new nn.Tanh(), l2);
    const x = L.randn([6, 3], { requiresGrad: true });
    const t = L.randn([6, 2]);
    const lossOf = (): Tensor => L.mseLoss(net.call(x), t);
    lossOf().backward();
    const ref1 = l1.weight.grad!.clone(), refx = x.grad!.clone(), ref2 = l2.weight.grad!.clone();
    net.zeroGrad();
    x.grad = null;
    // Scale by 3 the gradient that leaves l2 towards the Tanh.
    const remove = l2.registerFullBackwardHook((_m, [g]) => [g!.mul(3)]);
    lossOf().backward();
    close(l1.weight.grad, ref1.mul(3));
    close(x.grad, refx.mul(3));
    close(l2.weight.grad, ref2);  // l2's own parameters are not affected
    remove();
    // An explicit computation: the gradient at l2's input, replaced by anything, is what the layers below see.
    net.zeroGrad();
    x.grad = null;
    const h = L.tanh(l1.call(x));
    const custom = L.randn(h.shape);
    l2.registerFullBackwardHook(() => [custom]);
    lossOf().backward();
    const [expected] = L.grad(h, [l1.weight], { gradOutputs: [custom] });
    close(l1.weight.grad, expected);
  });

  it('checks what a hook returns: the length and the shapes', () => {
    const fc = new nn.Linear(2, 2);
    const x = L.randn([3, 2], { requiresGrad: true });
    const r1 = fc.registerFullBackwardHook(() => [null, null]);
    expect(() => fc.call(x).sum().backward()).toThrow(/a full backward hook returned 2 gradients for a gradInput of 1/);
    r1();
    const r2 = fc.registerFullBackwardHook(() => [L.zeros([2, 2])]);
    expect(() => fc.call(x).sum().backward()).toThrow(/returned a gradient of shape \[2, ?2\] at gradInput\[0\] for a tensor of shape \[3, ?2\]/);
    r2();
    fc.registerFullBackwardPreHook(() => [L.zeros([1])]);
    expect(() => fc.call(x).sum().backward()).toThrow(/a backward pre-hook returned a gradient of shape/);
  });

  it('gives null for an input that needs no gradient (and runs the hook from the output side)', () => {
    L.manualSeed(6);
    const fc = new nn.Linear(3, 2);
    const x = L.randn([4, 3]);  // no requiresGrad
    const calls: [Grads, Grads][] = [];
    const remove = fc.registerFullBackwardHook((_m, i, o) => { calls.push([i, o]); });
    const y = fc.call(x);
    const loss = y.square().sum();
    // grad() runs only the nodes leading to what it is asked for: nothing behind y, no hook (as PyTorch).
    const [gy] = L.grad(loss, [y], { retainGraph: true });
    expect(calls.length).toBe(0);
    L.grad(loss, [y, fc.weight]);
    expect(calls.length).toBe(1);
    expect(calls[0][0]).toEqual([null]);
    close(calls[0][1][0], gy);
    remove();
    fc.registerFullBackwardHook(() => [L.zeros([4, 3])]);
    expect(() => fc.call(x).sum().backward()).toThrow(/no input of this call requires grad/);
  });

  it('has one gradInput entry per argument: null for numbers and tensors without grad', () => {
    const m = new Mul();
    const a = L.tensor([1, 2, 3], { requiresGrad: true });
    const b = L.tensor([4, 5, 6], { requiresGrad: true });
    const seen: Grads[] = [];
    m.registerFullBackwardHook((_m, gIn) => { seen.push(gIn); });
    m.call(a, b, 1).sum().backward();
    expect(seen.length).toBe(1);
    expect(seen[0].length).toBe(3);
    expect(vals(seen[0][0])).toEqual([4, 5, 6]);
    expect(vals(seen[0][1])).toEqual([1, 2, 3]);
    expect(seen[0][2]).toBeNull();
    m.call(a, L.tensor([1, 1, 1]), 0).sum().backward();
    expect(seen[1][1]).toBeNull();
    expect(vals(seen[1][0])).toEqual([1, 1, 1]);
  });

  it('gives one gradOutput entry per output of an array, null for an unused one', () => {
    const m = new Split();
    const x = L.tensor([1, 2, 3], { requiresGrad: true });
    const seen: [Grads, Grads][] = [];
    m.registerFullBackwardHook((_m, i, o) => { seen.push([i, o]); });
    const [p, q] = m.call(x);
    p.sum().add(q.sum()).backward();
    expect(vals(seen[0][1][0])).toEqual([1, 1, 1]);
    expect(vals(seen[0][1][1])).toEqual([1, 1, 1]);
    expect(vals(seen[0][0][0])).toEqual([4, 6, 8]);
    m.call(x)[1].sum().backward();
    expect(seen[1][1][0]).toBeNull();
    expect(vals(seen[1][0][0])).toEqual([2, 4, 6]);
  });

  it('refuses a module whose forward returns neither a Tensor nor an array', () => {
    class Dict extends nn.Module<[Tensor], { y: Tensor }> {
      forward(x: Tensor): { y: Tensor } { return { y: x.mul(2) }; }
    }
    const m = new Dict();
    m.registerFullBackwardHook(() => undefined);
    expect(() => m.call(L.randn([2], { requiresGrad: true }))).toThrow(/need forward to return a Tensor or an array/);
  });

  it('reports an output changed in place after the call', () => {
    const fc = new nn.Linear(2, 2);
    fc.registerFullBackwardHook(() => undefined);
    const y = fc.call(L.randn([3, 2], { requiresGrad: true }));
    L.noGrad(() => L.mul_(y, 2));
    expect(() => y.sum().backward()).toThrow(/output 0 .* was modified in place after the call/);
  });

  it('reports an input that forward changed in place', () => {
    class Scale extends nn.Module {
      forward(x: Tensor): Tensor {
        L.noGrad(() => L.mul_(x, 2));
        return x.mul(3);
      }
    }
    const m = new Scale();
    const x = L.randn([3], { requiresGrad: true });
    expect(m.call(x).requiresGrad).toBe(true);  // no hook: allowed
    m.registerFullBackwardHook(() => undefined);
    expect(() => m.call(x)).toThrow(/input 0 .* was modified in place by forward/);
  });

  it('runs the hooks present at call time; none under noGrad', () => {
    const fc = new nn.Linear(2, 2);
    const x = L.randn([3, 2], { requiresGrad: true });
    let a = 0, b = 0;
    const removeA = fc.registerFullBackwardHook(() => { a++; });
    const y = fc.call(x);
    fc.registerFullBackwardHook(() => { b++; });
    removeA();
    y.sum().backward();
    expect([a, b]).toEqual([1, 0]);
    const z = L.noGrad(() => fc.call(x));
    expect(z.requiresGrad).toBe(false);
    expect(vals(z)).toEqual(vals(fc.forward(x)));
  });

  it('fires when the graph is walked again (retainGraph), and for each call of a shared module', () => {
    const fc = new nn.Linear(2, 2);
    const x = L.randn([3, 2], { requiresGrad: true });
    let fired = 0;
    fc.registerFullBackwardHook(() => { fired++; });
    const loss = fc.call(fc.call(x)).sum();
    loss.backward({ retainGraph: true });
    expect(fired).toBe(2);
    loss.backward();
    expect(fired).toBe(4);
  });

  it('goes with the module into nn.utils.deepCopy (shared functions, as Python)', () => {
    const fc = new nn.Linear(2, 2);
    let fired = 0;
    fc.registerFullBackwardHook(() => { fired++; });
    const copy = nn.utils.deepCopy(fc);
    copy.call(L.randn([1, 2], { requiresGrad: true })).sum().backward();
    expect(fired).toBe(1);
  });
});

describe('registerFullBackwardPreHook', () => {
  it('sees the output gradient before the module backward; scaling it scales the parameter gradients', () => {
    L.manualSeed(7);
    const fc = new nn.Linear(3, 2);
    const x = L.randn([4, 3], { requiresGrad: true });
    const t = L.randn([4, 2]);
    L.mseLoss(fc.call(x), t).backward();
    const refW = fc.weight.grad!.clone(), refB = fc.bias!.grad!.clone(), refX = x.grad!.clone();
    fc.zeroGrad();
    x.grad = null;
    const order: string[] = [];
    let preSaw: Tensor | null = null, fullSaw: Tensor | null = null;
    fc.registerFullBackwardPreHook((_m, [g]) => { order.push('pre'); preSaw = g; return [g!.mul(0.5)]; });
    fc.registerFullBackwardHook((_m, _i, [g]) => { order.push('full'); fullSaw = g; });
    const y = fc.call(x);
    L.mseLoss(y, t).backward();
    expect(order).toEqual(['pre', 'full']);
    close(preSaw, y.detach().sub(t).mul(2 / 8));
    close(fullSaw, preSaw!.mul(0.5));
    close(fc.weight.grad, refW.mul(0.5));
    close(fc.bias!.grad, refB.mul(0.5));
    close(x.grad, refX.mul(0.5));
  });

  it('runs without full hooks and with an input that needs no gradient', () => {
    const fc = new nn.Linear(2, 2);
    let fired = 0;
    fc.registerFullBackwardPreHook((_m, g) => { fired++; expect(g.length).toBe(1); });
    fc.call(L.randn([3, 2])).sum().backward();
    expect(fired).toBe(1);
    expect(fc.weight.grad).not.toBeNull();
  });
});

describe('fused paths step aside for the hooks', () => {
  it('a BatchNorm followed by a ReLU in nn.Sequential: the BatchNorm and ReLU hooks fire', () => {
    L.manualSeed(8);
    const seq = new nn.Sequential(new nn.Conv2d(2, 3, 3, { padding: 1 }), new nn.BatchNorm2d(3), new nn.ReLU());
    const x = L.randn([2, 2, 5, 5], { requiresGrad: true });
    const plain = seq.call(x);
    expect(plain.gradFn?.name).toBe('batchNormRelu');
    const bnCalls: [Grads, Grads][] = [];
    let reluPre = 0;
    seq.at(1).registerFullBackwardHook((_m, i, o) => { bnCalls.push([i, o]); });
    seq.at(2).registerForwardPreHook(() => { reluPre++; });
    let bnOut: Tensor | null = null, bnIn: Tensor | null = null;
    seq.at(1).registerForwardHook((_m, [a], y) => { bnIn = a; bnOut = y; });
    const y = seq.call(x);
    expect(reluPre).toBe(1);
    expect(closeness(vals(y), vals(plain), 1e-6, 1e-6)).toBeLessThanOrEqual(1);
    const [gIn, gOut] = L.grad(y.square().sum(), [bnIn!, bnOut!, seq.at(0).getParameter('weight')!]);
    expect(bnCalls.length).toBe(1);
    close(bnCalls[0][0][0], gIn);
    close(bnCalls[0][1][0], gOut);
  });

  it('Conv2d then ReLU and Conv2d, ReLU, MaxPool2d: a backward pre-hook on the ReLU fires', () => {
    const seq = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.ReLU(), new nn.MaxPool2d(2));
    let fired = 0;
    seq.at(1).registerFullBackwardPreHook(() => { fired++; });
    seq.call(L.randn([1, 1, 6, 6])).sum().backward();
    expect(fired).toBe(1);
  });

  it('a ResNet-18 training step with a backward hook on every block gives the gradients it gives without', () => {
    L.manualSeed(9);
    const a = L.models.resnet18({ numClasses: 3, widths: [8, 8, 16, 16] });
    const b = nn.utils.deepCopy(a);
    const blocks = b.modules().filter((m) => m instanceof L.models.BasicBlock);
    expect(blocks.length).toBe(8);
    let fired = 0, stem = 0;
    for (const m of blocks) m.registerFullBackwardHook((_m, [g], [go]) => { fired++; expect(g).not.toBeNull(); expect(go).not.toBeNull(); });
    b.bn1.registerFullBackwardHook(() => { stem++; });  // the stem's batchNormThenRelu must not skip it
    const x = L.randn([2, 3, 32, 32]);
    const target = L.tensor([0, 2], { dtype: 'int32' });
    const step = (net: L.models.ResNet): void => {
      const opt = new optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
      opt.zeroGrad();
      L.crossEntropy(net.call(x), target).backward();
      opt.step();
    };
    step(a);
    step(b);
    expect([fired, stem]).toEqual([8, 1]);
    const pa = a.namedParameters(), pb = b.namedParameters();
    pa.forEach(([name, p], i) => {
      expect(closeness(vals(p.grad), vals(pb[i][1].grad), 1e-6, 1e-5), `grad ${name}`).toBeLessThanOrEqual(1);
      expect(closeness(vals(p), vals(pb[i][1]), 1e-6, 1e-5), `param ${name}`).toBeLessThanOrEqual(1);
    });
  });
});

describe('double backward through a hooked module', () => {
  it('createGraph works: the second-order gradients are those without hooks', () => {
    L.manualSeed(10);
    const make = (): nn.Sequential => new nn.Sequential(new nn.Linear(3, 4, { dtype: 'float64' }), new nn.Tanh(), new nn.Linear(4, 1, { dtype: 'float64' }));
    const plain = make();
    const hooked = nn.utils.deepCopy(plain);
    let fired = 0;
    hooked.registerFullBackwardHook(() => { fired++; });
    hooked.at(0).registerFullBackwardPreHook(() => undefined);
    const x = L.randn([5, 3], { dtype: 'float64', requiresGrad: true });
    const penalty = (net: nn.Sequential): Tensor[] => {
      const [gx] = L.grad(net.call(x).sum(), [x], { createGraph: true });
      return L.grad(gx!.square().sum(), [x, net.at(0).getParameter('weight')!]) as Tensor[];
    };
    const [rx, rw] = penalty(plain);
    const [hx, hw] = penalty(hooked);
    expect(fired).toBe(1);  // the second pass reaches the inputs without passing the outputs: no hook, as PyTorch
    close(hx, rx, 1e-12);
    close(hw, rw, 1e-12);
    expect(L.gradgradcheck((t) => hooked.call(t), [x])).toBe(true);
  });
});

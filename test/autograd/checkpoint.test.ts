/**
 * Activation checkpointing (src/autograd/checkpoint.ts, src/nn/utils/checkpoint-sequential.ts):
 * - against PyTorch 2.13's torch.utils.checkpoint (use_reentrant=False) and checkpoint_sequential:
 *   test/fixtures/checkpoint_torch.json, written by test/fixtures/generators/checkpoint_torch.py,
 *   in float32 and float64 on the native and the reference backend;
 * - bit-identical outputs, gradients, BatchNorm statistics and generator state against the same
 *   model run without checkpointing (dropout included), on both backends;
 * - parameters reached only by capture, several outputs, nested checkpoints, inputs without
 *   grad, grad() on a subset, retainGraph, createGraph (double backward), hooks, tidy, fit;
 * - the memory held between forward and backward (memory()), with and without checkpointing;
 * - the errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn, optim, train } from '../../src/index';
import { checkpoint } from '../../src/autograd/checkpoint';
import { hasNative, onBackend } from '../helpers/backends';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';

type Tensor = L.Tensor;
const F = nn.functional;
const backends = hasNative() ? (['native', 'reference'] as const) : (['reference'] as const);
const dtypes: Dt[] = ['float64', 'float32'];

interface Run { output: Enc; gradInput: Enc; gradParams: Record<string, Enc>; buffers: Record<string, Enc> }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/checkpoint_torch.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: {
    sequentialBn: { stateDict: Record<string, Enc>; input: Enc; r: Enc; segments: number; plain: Run; checkpointed: Run };
    multiOutput: { w: Enc; x: Enc; y: Enc; outputs: Enc[]; r: Enc[]; gradX: Enc; gradY: Enc; gradW: Enc };
    gradientPenalty: {
      stateDict: Record<string, Enc>; input: Enc; r: Enc; output: Enc; gradInput: Enc;
      penaltyGradInput: Enc; penaltyGradParams: Record<string, Enc | null>;
    };
  };
};

const dec = (e: Enc, dtype: Dt, requiresGrad = false): Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape).requiresGrad_(requiresGrad);
const stateOf = (sd: Record<string, Enc>, dtype: Dt): Record<string, Tensor> => Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, dec(v, dtype)]));

/** Exact equality of two tensors' elements (NaN equal to NaN, -0 apart from 0). */
function expectSame(a: Tensor | null, b: Tensor | null, what: string): void {
  expect(a === null, `${what} present`).toBe(b === null);
  if (!a || !b) return;
  expect(a.shape, `${what} shape`).toEqual(b.shape);
  const x = a.data(), y = b.data();
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) expect(`${what}[${i}] = ${x[i]}`).toBe(`${what}[${i}] = ${y[i]}`);
}

// ---------------------------------------------------------------- PyTorch fixtures

function bnModel(dtype: Dt): nn.Sequential {
  return new nn.Sequential(
    new nn.Linear(5, 6, { dtype }), new nn.BatchNorm1d(6, { dtype }), new nn.Tanh(),
    new nn.Linear(6, 6, { dtype }), new nn.BatchNorm1d(6, { dtype }), new nn.ReLU(),
    new nn.Linear(6, 6, { dtype }), new nn.BatchNorm1d(6, { dtype, momentum: 0.3 }), new nn.Sigmoid(),
    new nn.Linear(6, 2, { dtype }),
  );
}

describe('checkpoint against PyTorch (use_reentrant=False)', () => {
  const check = torchFixtureChecker({ float64: 1e-10, float32: 2e-5 });
  const { sequentialBn: bn, multiOutput: mo, gradientPenalty: gp } = fixture.cases;

  function checkRun(m: nn.Sequential, x: Tensor, out: Tensor, expected: Run, buffers: Run, dtype: Dt, what: string): void {
    const r = dec(bn.r, dtype);
    out.mul(r).sum().backward();
    check(out, expected.output, dtype, `${what} output`);
    check(x.grad!, expected.gradInput, dtype, `${what} grad x`);
    for (const [name, p] of m.namedParameters()) check(p.grad!, expected.gradParams[name], dtype, `${what} grad ${name}`);
    for (const [name, b] of m.namedBuffers()) {
      if (b.dtype === 'int32') expect(b.item(), `${what} buffer ${name}`).toBe(buffers.buffers[name].values[0]);
      else check(b, buffers.buffers[name], dtype, `${what} buffer ${name}`);
    }
  }

  for (const backend of backends) {
    for (const dtype of dtypes) {
      it(`checkpointSequential: outputs and gradients as PyTorch's, BatchNorm statistics updated once (${backend}, ${dtype})`, () => onBackend(backend, () => {
        const m = bnModel(dtype);
        m.loadStateDict(stateOf(bn.stateDict, dtype));
        const x = dec(bn.input, dtype, true);
        const out = nn.utils.checkpointSequential(m, bn.segments, x);
        // Outputs and gradients: PyTorch's checkpointed run (equal to its plain run);
        // running statistics: PyTorch's plain run (its checkpoint updates them twice).
        checkRun(m, x, out, bn.checkpointed, bn.plain, dtype, 'checkpointSequential');
        // (PyTorch's own checkpointed statistics differ from its plain ones in the first segments.)
        expect(bn.checkpointed.buffers['1.running_mean'].values).not.toEqual(bn.plain.buffers['1.running_mean'].values);
      }));

      it(`checkpoint per segment without buffers updates the statistics twice, as PyTorch (${backend}, ${dtype})`, () => onBackend(backend, () => {
        const m = bnModel(dtype);
        m.loadStateDict(stateOf(bn.stateDict, dtype));
        const x = dec(bn.input, dtype, true);
        const layers = [...m];
        const seg = (from: number, to: number) => (h: Tensor): Tensor => layers.slice(from, to).reduce((a, l) => l.call(a), h);
        const h1 = checkpoint(seg(0, 3), x);
        const h2 = checkpoint(seg(3, 6), h1);
        const out = seg(6, 10)(h2);
        checkRun(m, x, out, bn.checkpointed, bn.checkpointed, dtype, 'checkpoint');
        // The first BatchNorm's count is 2, as PyTorch's; the last one's (not checkpointed) is 1.
        expect(m.namedBuffers().find(([n]) => n === '1.num_batches_tracked')![1].item()).toBe(2);
        expect(m.namedBuffers().find(([n]) => n === '7.num_batches_tracked')![1].item()).toBe(1);
      }));

      it(`several outputs with a captured weight (${backend}, ${dtype})`, () => onBackend(backend, () => {
        const w = dec(mo.w, dtype, true), x = dec(mo.x, dtype, true), y = dec(mo.y, dtype, true);
        const f = (a: Tensor, b: Tensor): Tensor[] => {
          const h = a.matmul(w);
          return [h.tanh().mul(b), h.mul(h).sum(1)];
        };
        const [o1, o2] = checkpoint(f, x, y);
        check(o1, mo.outputs[0], dtype, 'multi output 0');
        check(o2, mo.outputs[1], dtype, 'multi output 1');
        o1.mul(dec(mo.r[0], dtype)).sum().add(o2.mul(dec(mo.r[1], dtype)).sum()).backward();
        check(x.grad!, mo.gradX, dtype, 'multi grad x');
        check(y.grad!, mo.gradY, dtype, 'multi grad y');
        check(w.grad!, mo.gradW, dtype, 'multi grad w');
      }));

      it(`double backward (gradient penalty) through a checkpointed block (${backend}, ${dtype})`, () => onBackend(backend, () => {
        const block = new nn.Sequential(new nn.Linear(3, 4, { dtype }), new nn.Tanh(), new nn.Linear(4, 2, { dtype }));
        block.loadStateDict(stateOf(gp.stateDict, dtype));
        const x = dec(gp.input, dtype, true);
        const out = checkpoint((h: Tensor) => block.call(h), x);
        check(out, gp.output, dtype, 'penalty output');
        const [g] = L.grad(out.mul(dec(gp.r, dtype)).sum(), [x], { createGraph: true });
        check(g!, gp.gradInput, dtype, 'penalty first gradient');
        const named = block.namedParameters();
        const grads = L.grad(g!.square().sum(), [x, ...named.map(([, p]) => p)], { allowUnused: true });
        check(grads[0]!, gp.penaltyGradInput, dtype, 'penalty grad x');
        named.forEach(([name], i) => {
          const expected = gp.penaltyGradParams[name];
          if (expected === null) expect(grads[i + 1], `penalty grad ${name}`).toBeNull();
          else check(grads[i + 1]!, expected, dtype, `penalty grad ${name}`);
        });
      }));
    }
  }
});

// ---------------------------------------------------------------- bit-identical to no checkpointing

/** 8 blocks Linear, BatchNorm1d, ReLU, Dropout, then a head: fused pairs, running statistics and dropout. */
function deepModel(seed: number, width = 12): nn.Sequential {
  L.manualSeed(seed);
  const layers: nn.Module[] = [];
  for (let i = 0; i < 8; i++) layers.push(new nn.Linear(width, width), new nn.BatchNorm1d(width), new nn.ReLU(), new nn.Dropout(0.25));
  layers.push(new nn.Linear(width, 3));
  return new nn.Sequential(...(layers as nn.TensorModule[]));
}

type RngState = ReturnType<L.PhiloxStream['getState']>;
interface Step { out: Tensor; gx: Tensor; grads: Tensor[]; buffers: Tensor[]; rngAfterForward: RngState; rngAfterBackward: RngState }

function step(forward: (m: nn.Sequential, x: Tensor) => Tensor): Step {
  const m = deepModel(11);
  L.manualSeed(5);
  const x = L.randn([10, 12], { requiresGrad: true });
  const out = forward(m, x);
  const rngAfterForward = L.getDefaultGenerator().getState();
  out.square().mean().backward();
  return {
    out, gx: x.grad!, grads: m.parameters().map((p) => p.grad!), buffers: m.buffers(),
    rngAfterForward, rngAfterBackward: L.getDefaultGenerator().getState(),
  };
}

function expectSameStep(a: Step, b: Step): void {
  expectSame(a.out, b.out, 'output');
  expectSame(a.gx, b.gx, 'grad x');
  a.grads.forEach((g, i) => expectSame(g, b.grads[i], `grad of parameter ${i}`));
  a.buffers.forEach((t, i) => expectSame(t, b.buffers[i], `buffer ${i}`));
  expect(a.rngAfterBackward).toEqual(b.rngAfterBackward);
}

describe('checkpoint gives exactly what the plain run gives', () => {
  for (const backend of backends) {
    it(`checkpointSequential on a deep net with BatchNorm and dropout, every segment count (${backend})`, () => onBackend(backend, () => {
      const plain = step((m, x) => m.call(x));
      for (const segments of [1, 2, 3, 4, 8, 33]) {
        const ck = step((m, x) => nn.utils.checkpointSequential(m, segments, x));
        expectSameStep(ck, plain);
        // The recompute replays the generator and leaves it where the forward left it.
        expect(ck.rngAfterBackward).toEqual(ck.rngAfterForward);
      }
    }));

    it(`checkpoint of plain functions with dropout (F.dropout) and an array of steps (${backend})`, () => onBackend(backend, () => {
      const plain = step((m, x) => m.call(x));
      const ck = step((m, x) => {
        const layers = [...m];
        const steps: nn.utils.SequentialStep[] = layers.map((l) => (l instanceof nn.Dropout ? (h: Tensor) => F.dropout(h, 0.25, { training: true }) : l));
        return nn.utils.checkpointSequential(steps, 4, x);
      });
      expectSameStep(ck, plain);
    }));

    it(`checkpoint with buffers: BatchNorm statistics updated once; without: twice (${backend})`, () => onBackend(backend, () => {
      const plain = step((m, x) => m.call(x));
      const segment = (m: nn.Sequential, from: number, to: number) => (h: Tensor): Tensor => [...m].slice(from, to).reduce((a, l) => l.call(a), h);
      const withBuffers = step((m, x) => {
        const layers = [...m];
        const h = checkpoint(segment(m, 0, 16), x, { buffers: layers.slice(0, 16).flatMap((l) => l.buffers()) });
        return segment(m, 16, 33)(h);
      });
      expectSameStep(withBuffers, plain);
      const without = step((m, x) => segment(m, 16, 33)(checkpoint(segment(m, 0, 16), x)));
      expectSame(without.out, plain.out, 'output');
      expectSame(without.gx, plain.gx, 'grad x');
      // num_batches_tracked of the first BatchNorm: 2 (forward and recompute) instead of 1.
      expect(without.buffers[2].item()).toBe(2);
      expect(plain.buffers[2].item()).toBe(1);
      expect(without.buffers[0].data()).not.toEqual(plain.buffers[0].data());
    }));
  }

  it('spectral norm: with buffers the recompute starts from the power-iteration vectors the forward saw', () => {
    const run = (mode: 'plain' | 'buffers' | 'none'): Tensor[] => {
      L.manualSeed(4);
      const layer = nn.utils.spectralNorm(new nn.Linear(5, 4));
      const x = L.randn([3, 5], { requiresGrad: true });
      const f = (t: Tensor): Tensor => layer.call(t).tanh();
      const y = mode === 'plain' ? f(x) : checkpoint(f, x, mode === 'buffers' ? { buffers: layer.buffers() } : {});
      y.square().sum().backward();
      return [y, x.grad!, layer.getParameter('weight_orig')!.grad!, ...layer.buffers()];
    };
    const plain = run('plain'), withBuffers = run('buffers'), without = run('none');
    plain.forEach((t, i) => expectSame(withBuffers[i], t, `spectral norm ${i}`));
    expectSame(without[0], plain[0], 'output without buffers');
    // Without them the recompute runs one more power iteration: another sigma, other gradients.
    expect(without[2].data()).not.toEqual(plain[2].data());
    expect(without[3].data()).not.toEqual(plain[3].data());
  });

  it('preserveRngState: false draws a new dropout mask in the recompute and moves the generator on', () => {
    const plain = step((m, x) => m.call(x));
    const ck = step((m, x) => nn.utils.checkpointSequential(m, 4, x, { preserveRngState: false }));
    expectSame(ck.out, plain.out, 'output');
    // The masks of the recomputed segments differ, so do the gradients.
    expect(ck.gx.data()).not.toEqual(plain.gx.data());
    expect(ck.rngAfterBackward.offset).toBeGreaterThan(ck.rngAfterForward.offset);
  });

  it('a checkpoint with no random draws leaves the generator alone', () => {
    const x = L.randn([3, 3], { requiresGrad: true });
    const before = L.getDefaultGenerator().getState();
    checkpoint((t: Tensor) => t.tanh(), x).sum().backward();
    expect(L.getDefaultGenerator().getState()).toEqual(before);
  });

  it('nested checkpoints', () => {
    const w1 = L.randn([4, 4], { dtype: 'float64', requiresGrad: true });
    const w2 = L.randn([4, 4], { dtype: 'float64', requiresGrad: true });
    const x = L.randn([3, 4], { dtype: 'float64', requiresGrad: true });
    const run = (ck: boolean): Tensor[] => {
      for (const t of [w1, w2, x]) t.grad = null;
      const inner = (t: Tensor): Tensor => F.dropout(t.matmul(w1).relu(), 0.3);
      const outer = (t: Tensor): Tensor => (ck ? checkpoint(inner, t) : inner(t)).matmul(w2).sigmoid();
      L.manualSeed(9);
      const y = ck ? checkpoint(outer, x) : outer(x);
      y.mul(y).sum().backward();
      return [y, x.grad!.clone(), w1.grad!.clone(), w2.grad!.clone()];
    };
    const a = run(false), b = run(true);
    a.forEach((t, i) => expectSame(b[i], t, `nested ${i}`));
  });

  it('parameters reached only by capture get .grad; inputs without grad get none', () => {
    const lin = new nn.Linear(4, 3);
    const x = L.randn([5, 4]);
    const y = checkpoint((t: Tensor) => lin.call(t).tanh(), x);
    expect(y.requiresGrad).toBe(true);
    expect(y.gradFn!.name).toBe('checkpoint');
    y.sum().backward();
    const gw = lin.weight.grad!.clone(), gb = lin.bias!.grad!.clone();
    lin.zeroGrad({ setToNone: true });
    lin.call(x).tanh().sum().backward();
    expectSame(gw, lin.weight.grad!, 'weight grad');
    expectSame(gb, lin.bias!.grad!, 'bias grad');
    expect(x.grad).toBeNull();
  });

  it('captured tensors that are not leaves, one computed from another input', () => {
    const a = L.randn([3, 4], { dtype: 'float64', requiresGrad: true });
    const w = L.randn([4, 4], { dtype: 'float64', requiresGrad: true });
    const run = (ck: boolean): Tensor[] => {
      a.grad = null; w.grad = null;
      const x = a.mul(2);
      const h = x.sin();  // captured by f, and made from x, which f also receives
      const f = (t: Tensor): Tensor => t.matmul(w).tanh().mul(h);
      const y = ck ? checkpoint(f, x) : f(x);
      y.sum().backward();
      return [a.grad!.clone(), w.grad!.clone()];
    };
    const p = run(false), c = run(true);
    expectSame(c[0], p[0], 'grad a');
    expectSame(c[1], p[1], 'grad w');
  });

  it('several outputs: one without grad, one returned twice, an input returned as is', () => {
    const w = L.randn([4, 4], { requiresGrad: true });
    const x = L.randn([3, 4], { requiresGrad: true });
    const f = (t: Tensor): Tensor[] => {
      const h = t.matmul(w).tanh();
      return [h, h.argmax(1), h, t];
    };
    const loss = (o: Tensor[]): Tensor => o[0].sum().add(o[2].square().sum()).add(o[3].mul(3).sum());
    const outs = checkpoint(f, x);
    expect(outs).toHaveLength(4);
    expect(outs[1].dtype).toBe('int32');
    expect(outs[1].requiresGrad).toBe(false);
    loss(outs).backward();
    const gx = x.grad!.clone(), gw = w.grad!.clone();
    x.grad = null; w.grad = null;
    const plain = f(x);
    expectSame(outs[1], plain[1], 'argmax');
    loss(plain).backward();
    expectSame(gx, x.grad!, 'grad x');
    expectSame(gw, w.grad!, 'grad w');
  });

  it('an output left out of the loss still gives the others their gradients', () => {
    const x = L.randn([2, 3], { requiresGrad: true });
    const [a, b] = checkpoint((t: Tensor) => [t.exp(), t.sin()], x);
    expect(b.requiresGrad).toBe(true);
    a.sum().backward();
    expectSame(x.grad!, x.exp(), 'grad x');
  });

  it('non-tensor arguments are passed through; a plain-object argument needs a trailing {}', () => {
    const x = L.randn([2, 3], { requiresGrad: true });
    const y = checkpoint((t: Tensor, k: number, cfg: { shift: number }) => t.mul(k).add(cfg.shift), x, 3, { shift: 1 }, {});
    expectSame(y, x.mul(3).add(1), 'output');
    y.sum().backward();
    expect(Array.from(x.grad!.data())).toEqual([3, 3, 3, 3, 3, 3]);
  });

  it('grad() on a subset of the inputs leaves the others alone', () => {
    const w = L.randn([4, 2], { requiresGrad: true });
    const x = L.randn([3, 4], { requiresGrad: true });
    const y = checkpoint((t: Tensor) => t.matmul(w).sigmoid(), x);
    const [gx] = L.grad(y.sum(), [x]);
    expect(w.grad).toBeNull();
    expect(x.grad).toBeNull();
    const [plain] = L.grad(x.matmul(w).sigmoid().sum(), [x]);
    expectSame(gx, plain, 'grad x');
  });

  it('retainGraph: a second backward recomputes again and accumulates', () => {
    const w = L.randn([3, 3], { requiresGrad: true });
    const loss = checkpoint((t: Tensor) => t.matmul(w).relu(), L.randn([2, 3])).sum();
    loss.backward({ retainGraph: true });
    const once = w.grad!.clone();
    loss.backward();
    expectSame(w.grad!, once.mul(2), 'grad after two backwards');
  });

  it('gradient hooks on a parameter and on an input see the whole gradient once', () => {
    const w = L.randn([3, 3], { requiresGrad: true });
    const a = L.randn([2, 3], { requiresGrad: true });
    const x = a.mul(1);
    const seen: string[] = [];
    w.registerHook(() => { seen.push('w'); });
    x.registerHook((g) => { seen.push('x'); return g.mul(10); });
    checkpoint((t: Tensor) => t.matmul(w), x).sum().backward();
    expect(seen.sort()).toEqual(['w', 'x']);
    const plain = L.grad(a.mul(1).matmul(w).sum(), [a])[0]!;
    expectSame(a.grad!, plain.mul(10), 'grad a (hook scales by 10)');
  });

  it('createGraph through a checkpoint matches the plain double backward', () => {
    const w = L.randn([4, 4], { dtype: 'float64', requiresGrad: true });
    const a = L.randn([3, 4], { dtype: 'float64', requiresGrad: true });
    const run = (ck: boolean): Tensor[] => {
      const x = a.mul(2);
      const h = x.cos();
      const f = (t: Tensor): Tensor => t.matmul(w).tanh().mul(h);
      const y = ck ? checkpoint(f, x) : f(x);
      const [gx] = L.grad(y.sum(), [a], { createGraph: true });
      return [gx!, ...L.grad(gx!.square().sum(), [w, a]).map((g) => g!)];
    };
    const p = run(false), c = run(true);
    expectSame(c[0], p[0], 'first gradient');
    // The second-order sums run in another order: equal to rounding.
    for (const i of [1, 2]) {
      const u = c[i].data(), v = p[i].data();
      for (let k = 0; k < u.length; k++) expect(Math.abs(u[k] - v[k])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(v[k])));
    }
  });

  it('inside noGrad, fn just runs', () => {
    const w = L.randn([3, 3], { requiresGrad: true });
    const y = L.noGrad(() => checkpoint((t: Tensor) => t.matmul(w), L.randn([2, 3])));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
  });

  it('inside tidy, intermediates are disposed and backward still works', () => {
    const w = L.randn([8, 8], { requiresGrad: true });
    const before = L.memory().numTensors;
    L.tidy(() => {
      const x = L.randn([4, 8]);
      const y = checkpoint((t: Tensor) => t.matmul(w).relu().matmul(w).tanh(), x);
      y.sum().backward();
    });
    // w.grad is the only tensor left.
    expect(L.memory().numTensors - before).toBe(1);
    expect(w.grad!.isDisposed).toBe(false);
  });

  it('fit trains a model whose forward checkpoints to the same weights as without', async () => {
    class Net extends nn.Module {
      body = deepModel(3, 6);
      constructor(readonly useCheckpoint: boolean) { super(); }
      forward(x: Tensor): Tensor {
        return this.useCheckpoint ? nn.utils.checkpointSequential(this.body, 3, x) : this.body.call(x);
      }
    }
    const trainOnce = async (useCheckpoint: boolean): Promise<Tensor[]> => {
      const net = new Net(useCheckpoint);
      L.manualSeed(17);
      const batches: [Tensor, Tensor][] = [0, 1].map(() => [L.randn([16, 6]), L.randint(0, 3, [16])]);
      L.manualSeed(23);
      await train.fit(net, { optimizer: new optim.Adam(net.parameters(), { lr: 0.01 }), loss: (o, t) => L.crossEntropy(o, t), trainData: batches, epochs: 2 });
      return [...net.parameters(), ...net.buffers()];
    };
    const plain = await trainOnce(false), ck = await trainOnce(true);
    plain.forEach((t, i) => expectSame(ck[i], t, `state ${i}`));
  });
});

// ---------------------------------------------------------------- memory

/**
 * Bytes that memory() counts between the forward of a 16-block MLP and its backward. A block is a
 * transformer's feed-forward part: Linear(w, 4w), GELU, Linear(4w, w), LayerNorm(w).
 */
function heldBytes(mode: 'plain' | 'checkpointSequential' | 'checkpoint per block', width: number, batch: number): number {
  L.manualSeed(1);
  const blocks: nn.TensorModule[] = [];
  for (let i = 0; i < 16; i++) blocks.push(new nn.Sequential(new nn.Linear(width, 4 * width), new nn.GELU(), new nn.Linear(4 * width, width), new nn.LayerNorm(width)));
  const model = new nn.Sequential(...blocks);
  let held = 0;
  L.tidy(() => {
    const x = L.randn([batch, width], { requiresGrad: true });
    const before = L.memory().numBytes;
    const y = mode === 'plain' ? model.call(x)
      : mode === 'checkpointSequential' ? nn.utils.checkpointSequential(model, 4, x)
        : blocks.reduce((h, b) => checkpoint((t: Tensor) => b.call(t), h), x);
    held = L.memory().numBytes - before;
    y.sum().backward();
  });
  return held;
}

describe('memory held between forward and backward', () => {
  it('a 16-block MLP holds far less with checkpointing', () => {
    const plain = heldBytes('plain', 64, 32);
    const sequential = heldBytes('checkpointSequential', 64, 32);
    const perBlock = heldBytes('checkpoint per block', 64, 32);
    console.log(`16-block MLP (width 64, hidden 256, batch 32), bytes held before backward: plain ${plain}, checkpointSequential(4) ${sequential}, checkpoint per block ${perBlock}`);
    // A block's output is 32 x 64 x 4 bytes = 8 KiB. Without checkpointing a block keeps 10 times
    // that (its two linear outputs, the GELU output, the LayerNorm output) plus the LayerNorm
    // statistics; checkpointed, only its output. checkpointSequential(4) keeps the outputs of the
    // three checkpointed segments and everything of the last one (4 blocks), as PyTorch's.
    const activation = 32 * 64 * 4;
    expect(plain).toBeGreaterThanOrEqual(16 * 10 * activation);
    expect(perBlock).toBe(16 * activation);
    expect(sequential).toBeLessThan(plain * 0.3);
    expect(perBlock).toBeLessThanOrEqual(plain / 10);
  });
});

// ---------------------------------------------------------------- errors

describe('checkpoint errors', () => {
  const x = L.randn([2, 3], { requiresGrad: true });

  it('rejects a non-function fn, a non-tensor result and bad options', () => {
    expect(() => checkpoint(42 as never, x)).toThrow(L.ArgumentError);
    expect(() => checkpoint(42 as never, x)).toThrow(/checkpoint: fn must be a function, got number/);
    expect(() => checkpoint((() => 3) as never, x)).toThrow(/checkpoint: fn returned a number; fn must return a tensor or an array of tensors/);
    expect(() => checkpoint((() => null) as never, x)).toThrow(/checkpoint: fn returned null/);
    expect(() => checkpoint(((t: Tensor) => [t, 'a']) as never, x)).toThrow(/checkpoint: fn returned an array whose element 1 is string/);
    expect(() => L.noGrad(() => checkpoint((() => undefined) as never, x))).toThrow(/checkpoint: fn returned undefined/);
    expect(() => checkpoint((t: Tensor) => t, x, { preserveRngstate: false } as never)).toThrow(/checkpoint: unknown option 'preserveRngstate'/);
    expect(() => checkpoint((t: Tensor) => t, x, { preserveRngState: 1 } as never)).toThrow(/checkpoint: preserveRngState must be a boolean, got 1/);
    expect(() => checkpoint((t: Tensor) => t, x, { useReentrant: true } as never)).toThrow(/checkpoint: useReentrant must be false .*non-reentrant/);
    expect(() => checkpoint((t: Tensor) => t, x, { buffers: x } as never)).toThrow(/checkpoint: buffers must be an array of tensors/);
    expect(() => checkpoint((t: Tensor) => t, x, { buffers: [x, 2] } as never)).toThrow(/checkpoint: buffers\[1\] must be a tensor, got 2/);
  });

  it('a second backward without retainGraph names checkpoint', () => {
    const y = checkpoint((t: Tensor) => t.exp(), x);
    y.backward(L.onesLike(y));
    expect(() => y.backward(L.onesLike(y))).toThrow(L.AutogradError);
    expect(() => y.backward(L.onesLike(y))).toThrow(/the graph through checkpoint was already freed.*retainGraph: true/);
  });

  it('an input changed in place or disposed before backward is reported', () => {
    const a = L.randn([2, 3]);
    const w = L.randn([3, 3], { requiresGrad: true });
    const y = checkpoint((t: Tensor) => t.matmul(w), a);
    a.add_(1);
    expect(() => y.sum().backward()).toThrow(/checkpoint saved float32\[2,3\].*modified in place/);
    const b = L.randn([2, 3]);
    const z = checkpoint((t: Tensor) => t.matmul(w), b);
    b.dispose();
    expect(() => z.sum().backward()).toThrow(/checkpoint saved float32\[2,3\].*disposed/);
  });

  it('a recompute that differs from the forward is reported, and the graph and generator are left as they were', () => {
    let n = 3;
    const w = L.randn([4], { requiresGrad: true });
    const y = checkpoint(() => w.narrow(0, 0, n).exp());
    n = 2;
    const rng = L.getDefaultGenerator().getState();
    expect(() => y.sum().backward()).toThrow(L.AutogradError);
    expect(() => checkpoint(() => w.narrow(0, 0, 3).exp()).sum().backward()).not.toThrow();
    const z = checkpoint(() => w.narrow(0, 0, n).exp());
    n = 1;
    expect(() => z.sum().backward()).toThrow(/checkpoint: the recompute in backward gave float32\[1\] requiring grad but the forward gave float32\[2\] requiring grad/);
    expect(w.isLeaf).toBe(true);
    expect(w.gradFn).toBeNull();
    expect(L.getDefaultGenerator().getState()).toEqual(rng);
  });

  it('an error thrown by fn in the recompute propagates and leaves the inputs untouched', () => {
    const a = L.randn([3], { requiresGrad: true });
    const h = a.mul(2);
    const node = h.gradFn;
    let fail = false;
    const y = checkpoint((t: Tensor) => { if (fail) throw new Error('boom'); return t.sin(); }, h);
    fail = true;
    expect(() => y.sum().backward()).toThrow('boom');
    expect(h.gradFn).toBe(node);
  });

  it('checkpointSequential checks its arguments', () => {
    const seq = new nn.Sequential(new nn.Linear(3, 3), new nn.ReLU(), new nn.Linear(3, 3));
    expect(() => nn.utils.checkpointSequential(seq, 0, x)).toThrow(L.ArgumentError);
    expect(() => nn.utils.checkpointSequential(seq, 0, x)).toThrow(/checkpointSequential: segments must be an integer from 1 to the number of steps \(3\), got 0/);
    expect(() => nn.utils.checkpointSequential(seq, 4, x)).toThrow(/segments must be an integer from 1 to the number of steps \(3\), got 4/);
    expect(() => nn.utils.checkpointSequential(seq, 1.5, x)).toThrow(/got 1.5/);
    expect(() => nn.utils.checkpointSequential(seq, '2' as never, x)).toThrow(/got 2/);
    expect(() => nn.utils.checkpointSequential(new nn.Linear(3, 3) as never, 1, x)).toThrow(/checkpointSequential: functions must be an nn.Sequential or an array of modules and functions, got Linear/);
    expect(() => nn.utils.checkpointSequential([], 1, x)).toThrow(/checkpointSequential: functions is empty/);
    expect(() => nn.utils.checkpointSequential([new nn.ReLU(), 3] as never, 1, x)).toThrow(/checkpointSequential: functions\[1\] must be a Module or a function, got number/);
    expect(() => nn.utils.checkpointSequential(seq, 2, [1, 2] as never)).toThrow(/checkpointSequential: input/);
    expect(() => nn.utils.checkpointSequential(seq, 2, x, { segments: 2 } as never)).toThrow(/checkpointSequential: unknown option 'segments'/);
    expect(() => nn.utils.checkpointSequential(seq, 2, x, { useReentrant: true } as never)).toThrow(/useReentrant must be false/);
    expect(() => nn.utils.checkpointSequential(seq, 2, x, 5 as never)).toThrow(/checkpointSequential: opts must be an object, got 5/);
  });
});

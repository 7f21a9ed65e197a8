// Lattice as a worker of bench/run.ts (protocol: bench/lib/worker.mjs), through the built bundle
// (dist/), as a user's program runs it. The cases mirror the peers' (bench/peers/cases_torch.py):
// the same shapes, dtype, model and work per timed unit; each returns what it computed.
//
//   node bench/lattice/.worker.build.mjs --threads N      (bench/run.ts compiles and starts it)
import {
  add, backendInfo, backward, clipGradNorm, conv2d, crossEntropy, ctcLoss, detach, dispose, grad, logSoftmax, manualSeed, matmul, models, nn, noGrad, ones,
  optim, randint, randn, reshape, setNumThreads, tensor, tidy, type Tensor,
} from './lattice';
// @ts-expect-error plain ESM helpers shared with the JS peers
import { serve } from '../lib/worker.mjs';
// @ts-expect-error plain ESM helpers shared with the JS peers
import { fashionBatches } from '../lib/fashion.mjs';
import resnet18Convs from '../lib/resnet18-convs.json' with { type: 'json' };

type Case = { fn: () => unknown; unit?: string; flops?: number; perCall?: number; note?: string };
type Made = { cases: Record<string, Case>; teardown?: () => void };

const argv = process.argv.slice(2);
const threads = Number(argv[argv.indexOf('--threads') + 1] ?? 1);
const GEMM: [number, number, number][] = [[128, 128, 128], [256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [2048, 2048, 2048],
  [128, 784, 256], [128, 256, 10], [43264, 9, 32], [7744, 288, 64]];
const GEMM_QUICK: [number, number, number][] = [[128, 128, 128], [1024, 1024, 1024], [128, 784, 256], [7744, 288, 64]];

/** A training step over pre-gathered Fashion-MNIST batches (the peers walk the same images). */
function trainStep(model: nn.Module<[Tensor], Tensor>, opt: optim.Optimizer, batch: number, shape: number[], clipNorm?: number): Made {
  const batches = (fashionBatches(batch) as { x: Float32Array; y: Int32Array }[]).map(({ x, y }) => ({
    x: reshape(tensor(x), [batch, ...shape]), y: tensor(y),
  }));
  let i = -1;
  model.train();
  const params = model.parameters();
  const fn = (): number => {
    i = (i + 1) % batches.length;
    const { x, y } = batches[i];
    return tidy(() => {
      opt.zeroGrad();
      const loss = crossEntropy(model.call(x), y);
      backward(loss);
      if (clipNorm !== undefined) clipGradNorm(params, clipNorm);
      opt.step();
      return loss.item();
    });
  };
  return { cases: { step: { fn } }, teardown: () => batches.forEach((b) => dispose([b.x, b.y])) };
}

const release = (r: unknown): void => {
  if (Array.isArray(r)) dispose(r.filter((t) => t && typeof t === 'object') as Tensor[]);
  else if (r && typeof r === 'object' && 'dispose' in r) (r as Tensor).dispose();
};

const MAKERS: Record<string, (quick: boolean) => Made> = {
  gemm(quick) {
    manualSeed(0);
    const held: Tensor[] = [];
    const cases: Record<string, Case> = {};
    for (const [m, k, n] of quick ? GEMM_QUICK : GEMM) {
      const a = randn([m, k]), b = randn([k, n]);
      held.push(a, b);
      cases[`${m}x${k}x${n}`] = { fn: () => matmul(a, b), flops: 2 * m * k * n };
    }
    return { cases, teardown: () => dispose(held) };
  },
  mlp() {
    manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 256), new nn.ReLU(), new nn.Linear(256, 10));
    return trainStep(model, new optim.Adam(model.parameters(), { lr: 1e-3 }), 128, [784]);
  },
  cnn() {
    manualSeed(0);
    const model = new nn.Sequential(
      new nn.Conv2d(1, 32, 3), new nn.ReLU(), new nn.MaxPool2d(2), new nn.Conv2d(32, 64, 3), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(1600, 128), new nn.ReLU(), new nn.Linear(128, 10));
    const made = trainStep(model, new optim.Adam(model.parameters(), { lr: 1e-3 }), 64, [1, 28, 28]);
    const x0 = reshape(tensor((fashionBatches(64, 1) as { x: Float32Array }[])[0].x), [64, 1, 28, 28]);
    // tidy, as the README says to: the intermediates go back to the pool at once (PyTorch frees them by refcount).
    const forward = (): Tensor => tidy(() => noGrad(() => model.call(x0)));
    return { cases: { forward: { fn: forward, note: 'NCHW' }, step: { ...made.cases.step, note: 'NCHW' } }, teardown: () => { made.teardown?.(); x0.dispose(); } };
  },
  deep() {
    // W4 (c)-(f) as bench/lattice/deep.ts builds them: (c) pre-norm residual LayerNorm blocks;
    // (d) (c) with clipGradNorm(1.0) after backward; (e) (c) with StochasticDepth(0.1, 'row')
    // ending every block; (f) (c) with BatchNorm1d in place of every LayerNorm.
    const variants: [string, boolean, number, boolean, string?][] = [
      ['c', false, 0, false], ['d', false, 0, true, 'clipGradNorm(1.0)'], ['e', false, 0.1, false, 'stochastic depth 0.1, row mode'], ['f', true, 0, false, 'BatchNorm1d'],
    ];
    const cases: Record<string, Case> = {};
    const teardowns: (() => void)[] = [];
    for (const [v, batchNorm, drop, clip, note] of variants) {
      manualSeed(0);
      const norm = (): nn.TensorModule => (batchNorm ? new nn.BatchNorm1d(256) : new nn.LayerNorm([256]));
      const blocks = Array.from({ length: 62 }, () => new nn.Residual(new nn.Sequential(
        ...([norm(), new nn.ReLU(), new nn.Linear(256, 256), ...(drop > 0 ? [new nn.StochasticDepth(drop, 'row')] : [])] as nn.TensorModule[]))));
      const model = new nn.Sequential(...([new nn.Linear(784, 256), ...blocks, norm(), new nn.Linear(256, 10)] as nn.TensorModule[]));
      const made = trainStep(model, new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), 128, [784], clip ? 1.0 : undefined);
      cases[`${v}.step`] = { ...made.cases.step, note };
      teardowns.push(() => made.teardown?.());
    }
    return { cases, teardown: () => teardowns.forEach((t) => t()) };
  },
  resnet18() {
    // Issue #22's row: ResNet-18 (10 classes) forward+backward on [32, 3, 64, 64] in training mode
    // (batch statistics), cross-entropy against fixed labels, gradients of every parameter; no optimizer step.
    manualSeed(0);
    const model = models.resnet18({ numClasses: 10 });
    model.train();
    const x = randn([32, 3, 64, 64]);
    const labels = randint(0, 10, [32]);
    const fwdBwd = (): number => tidy(() => {
      model.zeroGrad();
      const loss = crossEntropy(model.call(x), labels);
      backward(loss);
      return loss.item();
    });
    // tidy: without it the intermediates wait for GC, and each forward maps fresh pages (1.3-2.5x slower).
    const forward = (): Tensor => tidy(() => noGrad(() => model.call(x)));
    return {
      cases: { forward: { fn: forward, note: 'NCHW, train mode' }, forward_backward: { fn: fwdBwd, note: 'NCHW, cross-entropy, all parameter grads' } },
      teardown: () => dispose([x, labels]),
    };
  },
  ctc() {
    manualSeed(0);
    const [T, N, C, S] = [100, 16, 28, 20];
    const leaf = detach(logSoftmax(randn([T, N, C]), 2)).requiresGrad_(true);
    const targets = randint(1, C, [N, S]);
    const il = new Array(N).fill(T), tl = new Array(N).fill(S);
    const fn = (): Tensor[] => {
      leaf.grad?.dispose();
      leaf.grad = null;
      const loss = ctcLoss(leaf, targets, il, tl);
      backward(loss);
      return [loss];
    };
    return { cases: { forward_backward: { fn } }, teardown: () => dispose([leaf, targets]) };
  },
  conv() {
    manualSeed(0);
    const x = randn([32, 64, 32, 32]);
    const weight = detach(randn([64, 64, 3, 3]).mul(1 / 24)).requiresGrad_();
    const bias = detach(randn([64]).mul(0.1)).requiresGrad_();
    const xg = detach(x).requiresGrad_();
    const gy = randn([32, 64, 32, 32]);
    const flops = 2 * 32 * 64 * 32 * 32 * 64 * 9;
    const fwdBwd = (): Tensor => {
      for (const t of [xg, weight, bias]) { t.grad?.dispose(); t.grad = null; }
      const y = conv2d(xg, weight, bias, { padding: 1 });
      backward(y, gy);
      return y;
    };
    return {
      cases: {
        forward: { fn: () => noGrad(() => conv2d(x, weight, bias, { padding: 1 })), flops, note: 'NCHW' },
        forward_backward: { fn: fwdBwd, flops: 3 * flops, note: 'NCHW' },
      },
      teardown: () => dispose([x, weight, bias, xg, gy]),
    };
  },
  convlayers() {
    // W12: each pass of ResNet-18's convolutions alone (bench/lib/resnet18-convs.json), as W11's
    // backward runs it: the input and weight gradients are each taken from a kept graph.
    manualSeed(0);
    const cases: Record<string, Case> = {};
    const held: Tensor[] = [];
    for (const l of resnet18Convs.layers) {
      const opts = { stride: l.stride, padding: l.padding };
      const x = randn([l.n, l.c, l.h, l.h], { requiresGrad: l.inputGrad });
      const w = detach(randn([l.o, l.c, l.k, l.k]).mul(1 / Math.sqrt(l.c * l.k * l.k))).requiresGrad_();
      const y = conv2d(x, w, null, opts);
      const gy = randn(y.shape);
      held.push(x, w, y, gy);
      const note = 'NCHW';
      cases[`${l.name} forward`] = { fn: () => noGrad(() => conv2d(x, w, null, opts)), note };
      if (l.inputGrad) cases[`${l.name} input_grad`] = { fn: () => grad(y, [x], { gradOutputs: [gy], retainGraph: true }), note };
      cases[`${l.name} weight_grad`] = { fn: () => grad(y, [w], { gradOutputs: [gy], retainGraph: true }), note };
    }
    return { cases, teardown: () => dispose(held) };
  },
  adam() {
    manualSeed(0);
    const cases: Record<string, Case> = {};
    const held: Tensor[] = [];
    for (const [name, make] of [
      ['adam', (ps: Tensor[]) => new optim.Adam(ps, { lr: 1e-3 })],
      ['adamw', (ps: Tensor[]) => new optim.AdamW(ps, { lr: 1e-3, weightDecay: 0.01 })],
    ] as const) {
      const ps = Array.from({ length: 100 }, () => randn([100_000]).requiresGrad_());
      for (const p of ps) p.grad = randn([100_000]);
      held.push(...ps);
      const opt = make(ps);
      cases[name] = { fn: () => { opt.step(); } };
    }
    return { cases, teardown: () => dispose(held) };
  },
  norms() {
    manualSeed(0);
    const cases: Record<string, Case> = {};
    const held: Tensor[] = [];
    for (const [name, mod, shape] of [
      ['layernorm', new nn.LayerNorm(1024), [4096, 1024]],
      ['batchnorm2d', new nn.BatchNorm2d(64), [32, 64, 32, 32]],
    ] as const) {
      mod.train();
      const x = randn([...shape], { requiresGrad: true });
      const gy = randn([...shape]);
      held.push(x, gy);
      cases[`${name}.forward_backward`] = {
        fn: () => {
          x.grad?.dispose();
          x.grad = null;
          mod.zeroGrad();
          const y = (mod as nn.Module<[Tensor], Tensor>).call(x);
          backward(y, gy);
          return y;
        },
      };
    }
    return { cases, teardown: () => dispose(held) };
  },
  overhead() {
    const a = randn([8]), b = randn([8]);
    const ag = randn([8], { requiresGrad: true }), bg = randn([8], { requiresGrad: true });
    const ones8 = ones([8]);
    const chain = (): Tensor => { let y = ag; for (let i = 0; i < 1000; i++) y = add(y, bg); return y; };
    return {
      cases: {
        add_8: { fn: () => add(a, b), unit: 'us' },
        chain1000_forward: { fn: chain, unit: 'us', perCall: 1000 },
        chain1000_forward_backward: {
          fn: () => { ag.grad = null; bg.grad = null; const y = chain(); backward(y, ones8); return y; }, unit: 'us', perCall: 1000,
        },
      },
      teardown: () => dispose([a, b, ag, bg, ones8]),
    };
  },
};

await serve({
  info: () => {
    setNumThreads(threads);
    const i = backendInfo();
    if (i.backend !== 'native') throw new Error(`the native addon did not load (backend ${i.backend})`);
    return { peer: 'lattice', library: 'Lattice', version: '0.1.0', family: 'lattice', isa: i.isa, blas: i.blas ?? null, threads };
  },
  makeCases: (workload: string, quick: boolean) => (MAKERS[workload] ? MAKERS[workload](quick) : {}),
  release,
});

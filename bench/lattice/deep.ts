// W4: the 64-layer stability variants (a)-(f) of bench/README.md "W4 models",
// with the PyTorch peer's protocol and case names (bench/peers/torch_bench.py
// bench_deep): per variant v, v.step (ms), v.loss.step0/100/300 (only the
// checkpoints <= --steps, plus the last step), v.grad_norm.first.step0,
// v.grad_norm.last.step0, v.test_accuracy; b.dead_relu_fraction.
//
// The models are those of src/cli/showcase.ts buildDeepModel(), rebuilt here
// against the bundle (the bundle does not export it, and importing the source
// would load a second copy of the library whose Tensor/Module classes the
// bundle's ops reject). The loop is the peer's, not runStabilityShowcase()'s:
// that one trains through fit() with nonFinite 'skip' (it would hide (b)'s
// divergence the peer shows), runs diagnose() on batch 0 before training, and
// times whole fit() steps including batch gathering and callbacks.
//
//   node --import tsx bench/lattice/deep.ts [--threads N] [--quick] [--steps N] [--variants a,c]
import { performance } from 'node:perf_hooks';
import {
  amax, backward, clipGradNorm, crossEntropy, indexSelect, le, manualSeed, narrow, nn, noGrad, norm, optim, PhiloxStream, sum, tensor, tidy, to,
  type Tensor,
} from './lattice';
import { parseArgs, report, timingResult, valueResult } from './common';
import { fashion, stepsFlag, testAccuracy } from './mlp';
// @ts-expect-error plain ESM helper shared with the JS peers
import { finite } from '../lib/stats.mjs';

type Variant = 'a' | 'b' | 'c' | 'd' | 'e' | 'f';
const WIDTH = 256;
const LINEARS = 64;  // stem/first + 62 hidden + head

const VARIANTS: Record<Variant, { desc: string; clip: boolean }> = {
  a: { desc: 'plain, sigmoid, default init', clip: false },
  b: { desc: 'plain, ReLU, kaimingNormal (fanIn, relu), zero bias', clip: false },
  c: { desc: 'pre-norm residual x+Linear(ReLU(LayerNorm(x))), default init', clip: false },
  d: { desc: 'c + clipGradNorm(1.0)', clip: true },
  e: { desc: 'c + stochastic depth 0.1 (per sample, every block)', clip: false },
  f: { desc: 'c with BatchNorm1d instead of LayerNorm', clip: false },
};

/** src/cli/showcase.ts buildDeepModel(), on [N,784] inputs (no Flatten needed). */
function buildDeepModel(v: Variant): nn.Sequential {
  if (v === 'a' || v === 'b') {
    const act = () => (v === 'a' ? new nn.Sigmoid() : new nn.ReLU());
    const layers: nn.Module[] = [new nn.Linear(784, WIDTH), act()];
    for (let i = 0; i < LINEARS - 2; i++) layers.push(new nn.Linear(WIDTH, WIDTH), act());
    layers.push(new nn.Linear(WIDTH, 10));
    const model = new nn.Sequential(...(layers as nn.TensorModule[]));
    if (v === 'b') {
      noGrad(() => {
        for (const m of model.modules()) {
          if (m instanceof nn.Linear) {
            nn.init.kaimingNormal(m.weight, { mode: 'fanIn', nonlinearity: 'relu' });
            if (m.bias) nn.init.zeros(m.bias);
          }
        }
      });
    }
    return model;
  }
  const normLayer = () => (v === 'f' ? new nn.BatchNorm1d(WIDTH) : new nn.LayerNorm([WIDTH]));
  const blocks: nn.Module[] = [];
  for (let i = 0; i < LINEARS - 2; i++) {
    const body: nn.Module[] = [normLayer(), new nn.ReLU(), new nn.Linear(WIDTH, WIDTH)];
    if (v === 'e') body.push(new nn.StochasticDepth(0.1, 'row'));
    blocks.push(new nn.Residual(new nn.Sequential(...(body as nn.TensorModule[]))));
  }
  return new nn.Sequential(...([new nn.Linear(784, WIDTH), ...blocks, normLayer(), new nn.Linear(WIDTH, 10)] as nn.TensorModule[]));
}

/**
 * Share of the 63 × 256 hidden ReLU units that output 0 for every row of x,
 * eval mode (plain variants: Linear, ReLU, ..., Linear).
 */
function deadReluFraction(model: nn.Sequential, x: Tensor): number {
  model.eval();
  let dead = 0, total = 0;
  tidy(() => noGrad(() => {
    let h = x;
    for (const m of model) {
      h = m.call(h);
      if (m instanceof nn.ReLU) {
        dead += sum(to(le(amax(h, 0), 0), 'int32')).item();
        total += h.shape[1];
      }
    }
  }));
  model.train();
  return dead / total;
}

const args = parseArgs();
const restValue = (name: string) => { const i = args.rest.indexOf(name); return i >= 0 ? args.rest[i + 1] : undefined; };
const steps = args.quick ? (stepsFlag(args) ?? 30) : (stepsFlag(args) ?? 300);
const checkpoints = [...new Set([0, 100, 300].filter((s) => s <= steps).concat(steps))].sort((a, b) => a - b);
const variants = (restValue('--variants')?.split(',') ?? Object.keys(VARIANTS)) as Variant[];
for (const v of variants) if (!(v in VARIANTS)) throw new Error(`--variants: unknown variant '${v}' (choose from a-f)`);

const { trainX, trainY, testX, testY } = fashion(false);
const n = trainY.shape[0];
// One seeded permutation of the training set (the showcase's): batch s = positions 128s..128s+127.
const order = new PhiloxStream(0).nextUint32(n);
const perm = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => order[a] - order[b]);
const batchAt = (s: number): [Tensor, Tensor] => tidy(() => {
  const idx = tensor(perm.subarray(128 * s, 128 * s + 128));
  return [indexSelect(trainX, 0, idx), indexSelect(trainY, 0, idx)] as [Tensor, Tensor];
});
const probe = narrow(trainX, 0, 0, 1024);

const results: unknown[] = [];
for (const v of variants) {
  const { desc, clip } = VARIANTS[v];
  manualSeed(0);
  const model = buildDeepModel(v);
  const params = model.parameters();
  const opt = new optim.SGD(params, { lr: 0.05, momentum: 0.9 });
  const linears = model.modules().filter((m): m is nn.Linear => m instanceof nn.Linear);
  if (linears.length !== LINEARS) throw new Error(`variant ${v}: ${linears.length} Linear layers, expected ${LINEARS}`);
  const first = linears[0], last = linears[linears.length - 1];
  const deadStart = v === 'b' ? deadReluFraction(model, probe) : undefined;
  const losses: Record<number, number> = {};
  const stepMs: number[] = [];
  let gradNorms = { first: NaN, last: NaN };
  // steps+1 forward passes: the loss "at step s" is the loss on batch s after
  // s updates; the last one (s == steps) is forward only, in training mode.
  for (let s = 0; s <= steps; s++) {
    const [xb, yb] = batchAt(s);
    if (s === steps) {
      losses[s] = tidy(() => noGrad(() => crossEntropy(model.call(xb), yb).item()));
    } else {
      const t0 = performance.now();
      const loss = tidy(() => {
        opt.zeroGrad();
        const l = crossEntropy(model.call(xb), yb);
        backward(l);
        if (s === 0) gradNorms = { first: norm(first.weight.grad!).item(), last: norm(last.weight.grad!).item() };
        if (clip) clipGradNorm(params, 1.0);
        opt.step();
        return l.item();
      });
      stepMs.push(performance.now() - t0);
      if (checkpoints.includes(s)) losses[s] = loss;
    }
    xb.dispose();
    yb.dispose();
  }
  const acc = testAccuracy(model, testX, testY);
  const timed = stepMs.length > 3 ? stepMs.slice(3) : stepMs;
  const step = timingResult(`${v}.step`, timed, 'ms', { variant: v, model: desc, steps });
  results.push(step);
  for (const s of checkpoints) results.push(valueResult(`${v}.loss.step${s}`, losses[s], 'nats', { variant: v }));
  results.push(valueResult(`${v}.grad_norm.first.step0`, gradNorms.first, 'l2', { variant: v, layer: 'first linear (784->256) weight, before clipping' }));
  results.push(valueResult(`${v}.grad_norm.last.step0`, gradNorms.last, 'l2', { variant: v, layer: 'last linear (256->10) weight, before clipping' }));
  results.push(valueResult(`${v}.test_accuracy`, acc, '%', { variant: v, after: `${steps} steps` }));
  if (v === 'b') {
    results.push(valueResult('b.dead_relu_fraction', deadReluFraction(model, probe), 'fraction', {
      variant: v, at_step0: deadStart, probe: 'first 1024 training images, eval mode',
    }));
  }
  process.stderr.write(`deep ${v}: losses ${JSON.stringify(losses)} grads ${JSON.stringify(gradNorms)} acc ${acc.toFixed(2)}% step ${step.median.toFixed(1)} ms\n`);
}
report('deep', args, finite(results));

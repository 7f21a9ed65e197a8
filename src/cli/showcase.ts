/**
 * The deep-network stability showcase (bench workload W4, docs/bench-workloads.md): a 64-layer MLP of width
 * 256 on Fashion-MNIST, trained 300 steps with SGD (lr 0.05, momentum 0.9,
 * batch 128, seed 0) in six variants that show what each tool of the stability
 * kit does: (a) sigmoid + default init vanishes; (b) ReLU + Kaiming starts
 * healthy but diverges at this rate and kills most ReLUs; (c) pre-norm
 * residual blocks with LayerNorm train; (d) (c) + clipGradNorm(1.0);
 * (e) (c) + stochastic depth 0.1; (f) (c) with BatchNorm.
 */
import { join } from 'node:path';
import { noGrad } from '../autograd/api';
import { backendInfo } from '../backend/index';
import { manualSeed, PhiloxStream } from '../backend/philox';
import { TensorDataset } from '../data/dataset';
import { DataLoader, releaseBatch } from '../data/loader';
import { loadFashionMnist } from '../data/fashion-mnist';
import { ArgumentError } from '../errors';
import { crossEntropy } from '../losses/index';
import * as nn from '../nn/index';
import { SGD } from '../optim/sgd';
import { indexSelect } from '../ops/indexing';
import { tensor } from '../ops/creation';
import type { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';
import { activationStats, GradientMonitor } from '../train/callbacks/gradient-monitor';
import { diagnose } from '../train/diagnose';
import { evaluate } from '../train/evaluate';
import { fit } from '../train/fit';
import { gradientHeatmapSpec, writeReport } from '../train/report';
import type { Batch, Callback, StepLogs, TrainContext } from '../train/types';
import { checkOutDir, checkPositiveInt, makeOutDir } from './validate';

export type Variant = 'a' | 'b' | 'c' | 'd' | 'e' | 'f';
export const VARIANTS: Record<Variant, string> = {
  a: 'sigmoid, default init',
  b: 'ReLU, Kaiming init',
  c: 'pre-norm residual, LayerNorm',
  d: '(c) + clipGradNorm(1.0)',
  e: '(c) + stochastic depth 0.1',
  f: '(c) with BatchNorm',
};

const WIDTH = 256;
const DEPTH = 64;

/** 64 Linear layers: 784→256, 62 × 256→256, 256→10. */
export function buildDeepModel(variant: Variant): nn.Sequential {
  if (variant === 'a' || variant === 'b') {
    const act = () => (variant === 'a' ? new nn.Sigmoid() : new nn.ReLU());
    const layers: nn.Module[] = [new nn.Flatten(), new nn.Linear(784, WIDTH), act()];
    for (let i = 0; i < DEPTH - 2; i++) layers.push(new nn.Linear(WIDTH, WIDTH), act());
    layers.push(new nn.Linear(WIDTH, 10));
    const model = new nn.Sequential(...layers);
    if (variant === 'b') {
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
  const norm = () => (variant === 'f' ? new nn.BatchNorm1d(WIDTH) : new nn.LayerNorm([WIDTH]));
  const blocks: nn.Module[] = [];
  for (let i = 0; i < DEPTH - 2; i++) {
    const body: nn.Module[] = [norm(), new nn.ReLU(), new nn.Linear(WIDTH, WIDTH)];
    if (variant === 'e') body.push(new nn.StochasticDepth(0.1, 'row'));
    blocks.push(new nn.Residual(new nn.Sequential(...body)));
  }
  return new nn.Sequential(new nn.Flatten(), new nn.Linear(784, WIDTH), ...blocks, norm(), new nn.Linear(WIDTH, 10));
}

export interface VariantResult {
  variant: Variant;
  description: string;
  loss0: number;
  loss100: number;
  lossFinal: number;
  firstGradNorm0: number;
  lastGradNorm0: number;
  testAccuracy: number;
  msPerStep: number;
  deadReluFraction?: number;
  /** Steps skipped because the loss or a gradient was NaN/Inf. */
  nonFiniteSteps: number;
  /** The training loss of every step (before that step's update). */
  lossCurve: number[];
  findings: string[];
  monitor: GradientMonitor;
}

export interface ShowcaseOptions {
  variants?: Variant[];
  steps?: number;
  seed?: number;
  out?: string;
  /** Test images to evaluate on (default all 10,000). */
  testLimit?: number;
  log?: (line: string) => void;
}

class Recorder implements Callback {
  readonly steps: StepLogs[] = [];
  firstLast: [number, number] | null = null;
  constructor(private readonly weights: Tensor[]) {}
  onAfterBackward(_ctx: TrainContext, step: number): void {
    if (step !== 0) return;
    const norm = (t: Tensor) => Math.sqrt(Array.from(t.grad?.values ?? []).reduce((s, v) => s + v * v, 0));
    this.firstLast = [norm(this.weights[0]), norm(this.weights[this.weights.length - 1])];
  }
  onBatchEnd(_ctx: TrainContext, logs: StepLogs): void {
    this.steps.push(logs);
  }
}

/** Runs the chosen variants; returns their rows and writes report.html when `out` is given. */
export async function runStabilityShowcase(opts: ShowcaseOptions = {}): Promise<VariantResult[]> {
  const variants = opts.variants ?? (Object.keys(VARIANTS) as Variant[]);
  for (const v of variants) if (!(v in VARIANTS)) throw new ArgumentError(`showcase: unknown variant '${v}' (choose from a-f)`);
  const steps = opts.steps ?? 300;
  checkPositiveInt('lattice showcase', '--steps', steps);
  if (opts.out) checkOutDir('lattice showcase', '--out', opts.out);
  const seed = opts.seed ?? 0;
  const log = opts.log ?? ((l: string) => console.log(l));
  const { train, test } = loadFashionMnist();
  // One seeded permutation of the training set: batch s is positions 128s..128s+127 (as the PyTorch peer).
  const order = new PhiloxStream(seed).nextUint32(train.labels.size);
  const perm = Int32Array.from({ length: train.labels.size }, (_, i) => i).sort((a, b) => order[a] - order[b]);
  const batchAt = (s: number): [Tensor, Tensor] => {
    const idx = tensor(perm.subarray(128 * s, 128 * s + 128));
    return [indexSelect(train.images, 0, idx), indexSelect(train.labels, 0, idx)];
  };
  const testSet = new TensorDataset(test.images.narrow(0, 0, opts.testLimit ?? test.labels.size), test.labels.narrow(0, 0, opts.testLimit ?? test.labels.size));
  const results: VariantResult[] = [];
  for (const variant of variants) {
    manualSeed(seed);
    const model = buildDeepModel(variant);
    const linears = model.modules().filter((m): m is nn.Linear => m instanceof nn.Linear);
    const recorder = new Recorder(linears.map((l) => l.weight));
    const monitor = new GradientMonitor({ every: 10 });
    const trainData = { *[Symbol.iterator]() { for (let s = 0; s < steps; s++) yield batchAt(s) as Batch; } };
    const started = performance.now();
    let skipped = 0;
    await fit(model, {
      optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), loss: (o, y) => crossEntropy(o, y),
      trainData, epochs: 1, clipGradNorm: variant === 'd' ? 1.0 : undefined, callbacks: [recorder, monitor], nonFinite: 'skip',
    }).then((h) => { skipped = h.nonFiniteSteps; return h; });
    const msPerStep = (performance.now() - started) / steps;
    const finalLoss = tidy(() => noGrad(() => {
      model.train();
      const [x, y] = batchAt(steps);
      return crossEntropy(model.call(x), y).item();
    }));
    const evalResult = await evaluate(model, new DataLoader(testSet, { batchSize: 1000 }), (o, y) => crossEntropy(o, y));
    // diagnose() after training names what went wrong (vanishing for (a), dead ReLUs for (b)).
    const findings = diagnose(model, batchAt(0), (o, y) => crossEntropy(o, y)).findings;
    let deadReluFraction: number | undefined;
    if (variant === 'b') {
      // Share of hidden units that output 0 for all of the first 1024 training images, in eval mode.
      model.eval();
      const x = train.images.narrow(0, 0, 1024);
      const relus = model.modules().filter((m) => m instanceof nn.ReLU);
      let dead = 0, units = 0;
      const removers = relus.map((m) => m.registerForwardHook((_m: unknown, _a: unknown, out: unknown) => {
        const s = activationStats('', out as Tensor, true);
        dead += s.deadFraction! * WIDTH;
        units += WIDTH;
      }));
      tidy(() => noGrad(() => { model.call(x); }));
      removers.forEach((r) => r());
      deadReluFraction = dead / units;
    }
    const at = (s: number) => recorder.steps.find((l) => l.step === s)?.loss ?? NaN;
    const row: VariantResult = {
      variant, description: VARIANTS[variant], loss0: at(0), loss100: at(Math.min(100, steps - 1)), lossFinal: finalLoss,
      firstGradNorm0: recorder.firstLast?.[0] ?? NaN, lastGradNorm0: recorder.firstLast?.[1] ?? NaN,
      testAccuracy: evalResult.accuracy ?? NaN, msPerStep, deadReluFraction, nonFiniteSteps: skipped, lossCurve: recorder.steps.map((l) => l.loss),
      findings: [...findings, ...monitor.warnings.filter((w) => !w.includes('(vanishing)')).slice(0, 2), ...monitor.warnings.filter((w) => w.includes('(vanishing)')).slice(0, 2)], monitor,
    };
    results.push(row);
    log(formatRow(row, steps));
    for (const f of row.findings) log(`      - ${f}`);
  }
  if (opts.out) {
    const dir = makeOutDir('lattice showcase', '--out', opts.out);
    await writeReport(join(dir, 'report.html'), {
      title: `Lattice stability showcase: ${DEPTH}-layer MLP, width ${WIDTH}, ${steps} SGD steps`,
      facts: [['backend', `${backendInfo().backend} ${backendInfo().isa}, ${backendInfo().threads} threads`], ...results.map((r) => [`(${r.variant}) ${r.description}`, `test accuracy ${(100 * r.testAccuracy).toFixed(1)}%, loss ${r.loss0.toFixed(2)} → ${r.lossFinal.toFixed(2)}`] as [string, string])],
      steps: [], epochs: [],
      notes: [['Table', formatTable(results, steps)], ...results.map((r) => [`(${r.variant}) diagnose() and GradientMonitor`, r.findings.join('\n')] as [string, string])],
      extraCharts: [['Training loss per step, all variants', {
        width: 520, height: 260, mark: { type: 'line', strokeWidth: 1 },
        data: { values: results.flatMap((r) => r.lossCurve.map((loss, step) => ({ step, loss, variant: `(${r.variant}) ${r.description}` })).filter((p) => Number.isFinite(p.loss))) },
        encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative', title: 'cross-entropy' }, color: { field: 'variant', type: 'nominal', legend: { labelLimit: 220 } } },
      }] as [string, Record<string, unknown>], ...results.map((r) => [`(${r.variant}) ${r.description}: gradient flow (layer × step)`, gradientHeatmapSpec(r.monitor.records)] as [string, Record<string, unknown>])],
    });
    log(`report: ${join(dir, 'report.html')}`);
  }
  return results;
}

const fmt = (x: number | undefined, digits = 2) => (x === undefined ? '-' : Number.isFinite(x) ? (Math.abs(x) !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(1) : x.toFixed(digits)) : String(x));

function formatRow(r: VariantResult, steps: number): string {
  return `(${r.variant}) ${r.description.padEnd(30)} loss ${fmt(r.loss0)} / ${fmt(r.loss100)} / ${fmt(r.lossFinal)} (steps 0/100/${steps})  grad norm first ${fmt(r.firstGradNorm0, 3)} last ${fmt(r.lastGradNorm0, 3)}  test ${(100 * r.testAccuracy).toFixed(1)}%  ${r.msPerStep.toFixed(1)} ms/step${r.deadReluFraction !== undefined ? `  dead ReLUs ${(100 * r.deadReluFraction).toFixed(0)}%` : ''}${r.nonFiniteSteps ? `  ${r.nonFiniteSteps} non-finite steps skipped` : ''}`;
}

export function formatTable(results: VariantResult[], steps: number): string {
  return results.map((r) => formatRow(r, steps)).join('\n');
}

/**
 * GradientMonitor: per-layer gradient and weight norms, the update/weight
 * ratio, the fraction of dead ReLU units, and activation statistics, sampled
 * every few steps; warns (naming the layer) when gradients vanish, explode or
 * stop being finite.
 */
import type { AnyModule } from '../../nn/module';
import type { Tensor } from '../../tensor/tensor';
import type { Callback, StepLogs, TrainContext } from '../types';

/** One weight layer at one sampled step. @example `monitor.records[0].layers[0].gradNorm` */
export interface LayerSample {
  name: string;
  gradNorm: number;
  weightNorm: number;
  /** ||w_after - w_before|| / ||w_before|| for this step's update. */
  updateRatio: number;
}

/** Activation statistics of one module at one sampled step. @example `monitor.records[0].activations[0].std` */
export interface ActivationSample {
  name: string;
  mean: number;
  std: number;
  /** For the ReLU family: units that are zero for every example in the batch. */
  deadFraction?: number;
}

/** Everything `GradientMonitor` sampled at one step. @example `for (const r of monitor.records) console.log(r.step)` */
export interface MonitorRecord {
  step: number;
  layers: LayerSample[];
  activations: ActivationSample[];
}

/** Sampling interval and warning thresholds of `GradientMonitor`. @example `new GradientMonitor({ every: 20, exploding: 1e3, lossBlowup: 10 })` */
export interface GradientMonitorOptions {
  /** Sample every this many steps (default 10). */
  every?: number;
  /** Gradient norms below this count as vanishing (default 1e-7). */
  vanishing?: number;
  /** Gradient norms above this count as exploding (default 1e3). */
  exploding?: number;
  /**
   * A training loss above this multiple of the first finite loss counts as a
   * loss blow-up (default 10). Checked every step, not only on sampled ones:
   * with normalisation layers the weight gradients can stay small while the
   * loss diverges (a huge learning rate grows the weights, which BatchNorm's
   * scale invariance hides from the gradient norms).
   */
  lossBlowup?: number;
  /** Share of dead units after a ReLU-family layer that triggers a warning (default 0.5). */
  deadThreshold?: number;
  /** Called with each new warning (default: collected in `warnings` only). */
  onWarning?: (message: string) => void;
}

const RELU_FAMILY = new Set(['ReLU', 'LeakyReLU', 'ELU', 'GELU', 'SiLU']);

function l2(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return Math.sqrt(s);
}

/** Mean, std and (for ReLU-like outputs) the fraction of units never active over the batch. */
export function activationStats(name: string, out: Tensor, reluLike: boolean): ActivationSample {
  const v = out.values;
  let sum = 0, sq = 0;
  for (let i = 0; i < v.length; i++) { sum += v[i]; sq += v[i] * v[i]; }
  const n = Math.max(1, v.length);
  const mean = sum / n;
  const sample: ActivationSample = { name, mean, std: Math.sqrt(Math.max(0, sq / n - mean * mean)) };
  if (reluLike && out.ndim >= 2) {
    // A unit is a feature (dim 1 and beyond, per example); dead = never positive in this batch.
    const batch = out.shape[0], units = v.length / Math.max(1, batch);
    let dead = 0;
    for (let u = 0; u < units; u++) {
      let alive = false;
      for (let b = 0; b < batch && !alive; b++) alive = v[b * units + u] > 0;
      if (!alive) dead++;
    }
    sample.deadFraction = units ? dead / units : 0;
  }
  return sample;
}

/**
 * @example
 * const monitor = new GradientMonitor({ every: 20 });
 * await fit(model, { ..., callbacks: [monitor] });
 * console.log(monitor.summary());
 */
export class GradientMonitor implements Callback {
  readonly every: number;
  readonly vanishing: number;
  readonly exploding: number;
  readonly deadThreshold: number;
  readonly lossBlowup: number;
  readonly records: MonitorRecord[] = [];
  readonly warnings: string[] = [];
  private readonly onWarning?: (m: string) => void;
  private layers: [string, Tensor][] = [];
  private before: Float32Array[] | null = null;
  private pending: MonitorRecord | null = null;
  private sampling = false;
  private removeHooks: (() => void)[] = [];
  private model: AnyModule | null = null;
  private warned = new Set<string>();
  private firstLoss: number | undefined;

  constructor(opts: GradientMonitorOptions = {}) {
    this.every = opts.every ?? 10;
    this.vanishing = opts.vanishing ?? 1e-7;
    this.exploding = opts.exploding ?? 1e3;
    this.deadThreshold = opts.deadThreshold ?? 0.5;
    this.lossBlowup = opts.lossBlowup ?? 10;
    this.onWarning = opts.onWarning;
  }

  /** Weight matrices and kernels (rank >= 2) are the "layers"; biases and norm scales are left out. */
  private static layersOf(model: AnyModule): [string, Tensor][] {
    return model.namedParameters().filter(([, p]) => p.ndim >= 2 && p.requiresGrad);
  }

  onTrainBegin(ctx: TrainContext): void {
    this.layers = GradientMonitor.layersOf(ctx.model);
    this.model = ctx.model;
    this.setSampling(true);
  }

  /**
   * The activation hooks are attached only while a step is sampled: a layer with a forward hook
   * is never fused with its neighbour (nn/fusion.ts), so hooks left on for the whole run would
   * keep every BatchNorm/LayerNorm+ReLU pair unfused on the nine steps in ten that read nothing.
   */
  private setSampling(on: boolean): void {
    this.sampling = on;
    if (!on || !this.model) {
      for (const remove of this.removeHooks) remove();
      this.removeHooks = [];
      return;
    }
    if (this.removeHooks.length) return;
    for (const [name, m] of this.model.namedModules()) {
      const kind = m.constructor.name;
      const reluLike = RELU_FAMILY.has(kind);
      const isLeaf = m.children().length === 0;
      if (!isLeaf || (!reluLike && !['Linear', 'Conv2d', 'Conv1d', 'LayerNorm', 'BatchNorm1d', 'BatchNorm2d', 'GroupNorm'].includes(kind))) continue;
      this.removeHooks.push(m.registerForwardHook((_mod: AnyModule, _args: unknown[], out: unknown) => {
        if (this.sampling && this.pending === null && out && (out as Tensor).values) {
          this.activationBuffer.push(activationStats(`${name || kind} (${kind})`, out as Tensor, reluLike));
        }
      }));
    }
  }

  private activationBuffer: ActivationSample[] = [];

  onAfterBackward(_ctx: TrainContext, step: number): void {
    if (!this.sampling) return;
    const layers: LayerSample[] = this.layers.map(([name, p]) => ({
      name,
      gradNorm: p.grad ? l2(p.grad.values) : 0,
      weightNorm: l2(p.values),
      updateRatio: NaN,
    }));
    this.before = this.layers.map(([, p]) => p.values.slice() as Float32Array);
    this.pending = { step, layers, activations: this.activationBuffer };
    this.activationBuffer = [];
    for (const a of this.pending.activations) {
      if ((a.deadFraction ?? 0) > this.deadThreshold) {
        this.warn('dead', a.name, `step ${step}: ${(100 * a.deadFraction!).toFixed(0)}% of the units after ${a.name} are dead (never positive in this batch)`);
      }
    }
    for (const l of layers) {
      if (!Number.isFinite(l.gradNorm)) this.warn(`non-finite`, l.name, `step ${step}: the gradient of ${l.name} is not finite (NaN or Inf)`);
      else if (l.gradNorm < this.vanishing) this.warn('vanishing', l.name, `step ${step}: the gradient of ${l.name} has norm ${l.gradNorm.toExponential(2)} < ${this.vanishing} (vanishing)`);
      else if (l.gradNorm > this.exploding) this.warn('exploding', l.name, `step ${step}: the gradient of ${l.name} has norm ${l.gradNorm.toExponential(2)} > ${this.exploding} (exploding)`);
    }
  }

  onBatchEnd(_ctx: TrainContext, logs: StepLogs): void {
    this.checkLoss(logs);
    if (this.pending && this.before) {
      this.pending.layers.forEach((l, i) => {
        const w = this.layers[i][1].values, b = this.before![i];
        let d = 0;
        for (let k = 0; k < w.length; k++) d += (w[k] - b[k]) ** 2;
        l.updateRatio = l.weightNorm > 0 ? Math.sqrt(d) / l.weightNorm : NaN;
      });
      this.records.push(this.pending);
    }
    this.pending = null;
    this.before = null;
    this.activationBuffer = [];
    this.setSampling((logs.step + 1) % this.every === 0);
  }

  onTrainEnd(): void {
    this.setSampling(false);
    this.model = null;
  }

  /** Every step: a non-finite loss, or one far above the first, is an exploding run even when the sampled gradient norms look tame. */
  private checkLoss(logs: StepLogs): void {
    if (!Number.isFinite(logs.loss)) {
      this.warn('non-finite', 'loss', `step ${logs.step}: the training loss is ${logs.loss}${logs.nonFinite ? ` (step ${logs.nonFinite === 'skipped' ? 'skipped' : 'rolled back'})` : ''} (exploding or non-finite)`);
      return;
    }
    if (this.firstLoss === undefined) { this.firstLoss = logs.loss; return; }
    if (Math.abs(logs.loss) > this.lossBlowup * Math.abs(this.firstLoss) && Math.abs(logs.loss) > 0) {
      this.warn('exploding', 'loss', `step ${logs.step}: the training loss ${logs.loss.toExponential(2)} is over ${this.lossBlowup}x the first loss ${this.firstLoss.toExponential(2)} (exploding): lower the learning rate or clip gradients (clipGradNorm)`);
    }
  }

  private warn(kind: string, layer: string, message: string): void {
    const key = `${kind}:${layer}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warnings.push(message);
    this.onWarning?.(message);
  }

  private warningLines(): string {
    return this.warnings.length
      ? `warnings (${this.warnings.length}):\n  ${this.warnings.slice(0, 10).join('\n  ')}`
      : 'warnings: none (no vanishing, exploding or non-finite gradients, no loss blow-up)';
  }

  /** A text table: per layer, the first and last sampled gradient norms and the last update ratio; dead ReLU fractions; warnings. */
  summary(): string {
    if (this.records.length === 0) return ['gradient health: no steps sampled', ...(this.warnings.length ? [this.warningLines()] : [])].join('\n');
    const first = this.records[0], last = this.records[this.records.length - 1];
    const rows = first.layers.map((l, i) => [l.name, l.gradNorm.toExponential(2), last.layers[i].gradNorm.toExponential(2), Number.isFinite(last.layers[i].updateRatio) ? last.layers[i].updateRatio.toExponential(2) : '-']);
    const header = ['layer', `grad norm @${first.step}`, `grad norm @${last.step}`, 'update/weight'];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    const line = (r: string[]) => r.map((x, c) => x.padEnd(widths[c])).join('  ');
    const out = ['gradient health', line(header), ...rows.map(line)];
    const dead = last.activations.filter((a) => a.deadFraction !== undefined);
    if (dead.length) out.push('dead ReLU units (last sample): ' + dead.map((a) => `${a.name} ${(100 * a.deadFraction!).toFixed(0)}%`).join(', '));
    out.push(this.warningLines());
    return out.join('\n');
  }
}

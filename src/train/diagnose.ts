/**
 * diagnose(): one forward and backward pass with per-layer statistics, and
 * findings in words: vanishing or exploding gradients, dead ReLUs, symmetric
 * (identically initialised) units — with the usual fixes.
 */
import { getDefaultGenerator } from '../backend/philox';
import { ArgumentError } from '../errors';
import type { AnyModule } from '../nn/module';
import type { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';
import { activationStats, type ActivationSample } from './callbacks/gradient-monitor';

/** One weight layer in a `diagnose()` result. @example `d.layers.filter((l) => l.gradNorm < 1e-7)` */
export interface LayerDiagnosis {
  /** 1-based position among the weight layers (Linear/Conv), input side first. */
  index: number;
  name: string;
  kind: string;
  weightNorm: number;
  gradNorm: number;
  /** gradNorm / weightNorm. */
  gradToWeight: number;
  /** Statistics of this layer's output (and of the activation right after it, when there is one). */
  activation?: ActivationSample;
}

/** What `diagnose()` found: per-layer statistics and findings in words. @example `console.log(diagnose(model, batch, crossEntropy).findings)` */
export interface Diagnosis {
  loss: number;
  layers: LayerDiagnosis[];
  activations: ActivationSample[];
  findings: string[];
  /** A fixed-width table of the layers and the findings. */
  toString(): string;
}

/** Thresholds of `diagnose()`. @example `diagnose(model, batch, crossEntropy, { vanishing: 1e-8 })` */
export interface DiagnoseOptions {
  vanishing?: number;
  exploding?: number;
  /** Dead-unit share above which a ReLU layer is reported (default 0.5). */
  deadThreshold?: number;
}

const SATURATING = new Set(['Sigmoid', 'Tanh']);
const RELU_FAMILY = new Set(['ReLU', 'LeakyReLU', 'ELU', 'GELU', 'SiLU']);
const NORMS = new Set(['BatchNorm1d', 'BatchNorm2d', 'LayerNorm', 'GroupNorm']);

function l2(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Rows of a weight matrix that are exactly equal to the first row: units that cannot become different. */
function symmetricRows(w: Tensor): boolean {
  if (w.ndim < 2 || w.shape[0] < 2) return false;
  const rows = w.shape[0], cols = w.size / rows, v = w.values;
  for (let r = 1; r < rows; r++) for (let c = 0; c < cols; c++) if (v[r * cols + c] !== v[c]) return false;
  return true;
}

function ranges(indices: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < indices.length;) {
    let j = i;
    while (j + 1 < indices.length && indices[j + 1] === indices[j] + 1) j++;
    parts.push(i === j ? `${indices[i]}` : `${indices[i]}–${indices[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/**
 * Runs one forward/backward pass on a sample batch and explains what it sees.
 * Leaves the model's gradients as they were.
 * @example
 * const report = diagnose(model, [x, y], (out, t) => crossEntropy(out, t));
 * console.log(report.toString());
 */
export function diagnose(model: AnyModule, sampleBatch: [Tensor, Tensor], lossFn: (out: Tensor, target: Tensor) => Tensor, opts: DiagnoseOptions = {}): Diagnosis {
  if (!model || typeof model.call !== 'function') throw new ArgumentError('diagnose: model must be an nn.Module');
  if (!Array.isArray(sampleBatch) || sampleBatch.length !== 2) throw new ArgumentError('diagnose: sampleBatch must be [inputs, targets]');
  const vanishing = opts.vanishing ?? 1e-7, exploding = opts.exploding ?? 1e3, deadThreshold = opts.deadThreshold ?? 0.5;
  const named = model.namedModules().filter(([, m]) => m.children().length === 0);
  const weightLayers = model.namedParameters().filter(([n, p]) => p.ndim >= 2 && n.endsWith('weight'));
  const kinds = new Set(named.map(([, m]) => m.constructor.name));
  const activations: ActivationSample[] = [];
  const removers = named.map(([name, m]) => m.registerForwardHook((_m: AnyModule, _a: unknown[], out: unknown) => {
    if (out && (out as Tensor).values) activations.push(activationStats(`${name} (${m.constructor.name})`, out as Tensor, RELU_FAMILY.has(m.constructor.name)));
  }));
  // Taken out, not cleared: clearing a gradient backward() made disposes it (see Tensor.grad).
  const savedGrads = model.parameters().map((p) => p._takeGrad());
  const params = model.parameters();
  // diagnose() observes: BatchNorm running statistics and the random stream (dropout) are put back afterwards.
  const savedBuffers = model.namedBuffers().map(([, b]) => [b, b.values.slice()] as const);
  const savedRng = getDefaultGenerator().getState();
  let loss = NaN;
  let layers: LayerDiagnosis[] = [];
  try {
    tidy(() => {
      for (const p of params) p.grad = null;
      const out = model.call(sampleBatch[0]) as Tensor;
      const l = lossFn(out, sampleBatch[1]);
      loss = l.item();
      l.backward();
      layers = weightLayers.map(([name, w], i) => {
        const gradNorm = w.grad ? l2(w.grad.values) : 0;
        const weightNorm = l2(w.values);
        return { index: i + 1, name, kind: name.split('.').slice(0, -1).join('.') || name, weightNorm, gradNorm, gradToWeight: weightNorm > 0 ? gradNorm / weightNorm : Infinity };
      });
      for (const p of params) { p.grad?.dispose(); p.grad = null; }
    });
  } finally {
    for (const r of removers) r();
    params.forEach((p, i) => { p.grad = null; p._setGrad(savedGrads[i]); });
    for (const [b, values] of savedBuffers) b.values.set(values);
    getDefaultGenerator().setState(savedRng);
  }
  const findings: string[] = [];
  if (!Number.isFinite(loss)) findings.push(`the loss is ${loss} on this batch: look for log(0), division by zero or overflow with detectAnomaly()`);
  const vanish = layers.filter((l) => l.gradNorm < vanishing).map((l) => l.index);
  if (vanish.length) {
    const cause = kinds.has('Sigmoid') || kinds.has('Tanh')
      ? `${[...kinds].filter((k) => SATURATING.has(k)).join('/').toLowerCase()} activations saturate and shrink the gradient at every layer; try ReLU with Kaiming init, residual connections, or normalisation`
      : 'try residual connections, normalisation (LayerNorm/BatchNorm), or Kaiming init';
    findings.push(`layers ${ranges(vanish)} of ${layers.length} receive gradients below ${vanishing} (vanishing): ${cause}`);
  }
  const explode = layers.filter((l) => !Number.isFinite(l.gradNorm) || l.gradNorm > exploding).map((l) => l.index);
  if (explode.length) findings.push(`layers ${ranges(explode)} have gradient norms above ${exploding} or non-finite (exploding): lower the learning rate, clip gradients (clipGradNorm), use normalisation, or a smaller init scale`);
  const dead = activations.filter((a) => (a.deadFraction ?? 0) > deadThreshold);
  if (dead.length) {
    const worst = dead.reduce((a, b) => ((a.deadFraction ?? 0) > (b.deadFraction ?? 0) ? a : b));
    findings.push(`${dead.length} ReLU layer(s) have more than ${Math.round(100 * deadThreshold)}% dead units (never positive on this batch; worst ${worst.name}: ${(100 * worst.deadFraction!).toFixed(0)}%): lower the learning rate, use LeakyReLU/GELU, Kaiming init, or normalisation before the activation`);
  }
  const symmetric = weightLayers.filter(([, w]) => symmetricRows(w)).map(([n]) => n);
  if (symmetric.length) findings.push(`units are identical (symmetric) in ${symmetric.join(', ')}: every unit of such a layer gets the same gradient and they never differ; initialise the weights randomly (e.g. nn.init.kaimingUniform) instead of a constant`);
  if (layers.length >= 2) {
    const first = layers[0].gradNorm, last = layers[layers.length - 1].gradNorm;
    if (!vanish.length && first > 0 && last > 0 && first / last < 1e-4) findings.push(`the first layer's gradient is ${(first / last).toExponential(1)} times the last layer's: gradients shrink with depth; consider residual connections or normalisation`);
  }
  if (!kinds.size || ![...kinds].some((k) => NORMS.has(k))) {
    if (layers.length > 20) findings.push(`the network is ${layers.length} weight layers deep with no normalisation layer; deep plain stacks train poorly without it`);
  }
  if (findings.length === 0) findings.push('no problems found: gradients are within range at every layer and no activation is dead or saturated');
  const table = (): string => {
    const header = ['#', 'layer', 'weight norm', 'grad norm', 'grad/weight'];
    const rows = layers.map((l) => [String(l.index), l.name, l.weightNorm.toExponential(2), l.gradNorm.toExponential(2), l.gradToWeight.toExponential(2)]);
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    const fmt = (r: string[]) => r.map((x, c) => x.padEnd(widths[c])).join('  ');
    const deadRows = activations.filter((a) => a.deadFraction !== undefined).map((a) => `  ${a.name}: mean ${a.mean.toFixed(3)}, std ${a.std.toFixed(3)}, dead ${(100 * a.deadFraction!).toFixed(0)}%`);
    return [`loss ${loss.toFixed(4)}`, fmt(header), ...rows.map(fmt), ...(deadRows.length ? ['activations:', ...deadRows] : []), 'findings:', ...findings.map((f) => `  - ${f}`)].join('\n');
  };
  return { loss, layers, activations, findings, toString: table };
}

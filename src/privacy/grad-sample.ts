/**
 * Captures, for every parameterised layer of a model, the input of each call (a forward
 * hook) and the gradient of the loss with respect to its output (a gradient hook on the
 * output), which is all the per-sample rules of layers.ts and rnn.ts need.
 */
import { grad } from '../autograd/api';
import { ArgumentError } from '../errors';
import { mul } from '../ops/binary';
import type { AnyModule } from '../nn/module';
import type { Parameter } from '../nn/parameter';
import type { Tensor } from '../tensor/tensor';
import { frozenParams, ruleFor, type LayerRule } from './layers';

/** One call of a layer: its input, output, and (after backward) the output's gradient. */
export interface LayerCall {
  module: AnyModule;
  rule: LayerRule;
  input: Tensor;
  /** Extra forward arguments (initial RNN states). */
  args: unknown[];
  output: Tensor;
  grad: Tensor | null;
}

/**
 * Forward hooks on every layer that owns trainable parameters. Throws at construction for
 * a layer without a per-sample rule (BatchNorm names GroupNorm as the replacement).
 * @example
 * const hooks = new privacy.GradSampleHooks(model);
 * const loss = crossEntropy(model.call(x), y, { reduction: 'sum' }); loss.backward();
 * hooks.calls; // inputs and output gradients per layer call
 */
export class GradSampleHooks {
  readonly layers: { module: AnyModule; rule: LayerRule }[] = [];
  calls: LayerCall[] = [];
  /** False stops recording (evaluation under the same model). */
  enabled = true;
  private readonly removers: (() => void)[] = [];

  constructor(readonly model: AnyModule) {
    const covered = new Set<Parameter>();
    for (const p of model.parameters()) if (!p.requiresGrad) frozenParams.add(p);
    for (const m of model.modules()) {
      const rule = ruleFor(m);
      if (!rule) continue;
      for (const p of rule.params(m)) covered.add(p);
      this.layers.push({ module: m, rule });
      this.removers.push(m.registerForwardHook((mod: AnyModule, args: unknown[], out: unknown) => {
        if (!this.enabled) return;
        const output = (Array.isArray(out) ? out[0] : out) as Tensor;
        const call: LayerCall = { module: mod, rule, input: args[0] as Tensor, args: args.slice(1), output, grad: null };
        this.calls.push(call);
        if (output.requiresGrad) output.registerHook((g) => { call.grad = g; });
      }) as () => void);
    }
    for (const p of model.parameters()) {
      if (p.requiresGrad && !covered.has(p)) throw new ArgumentError(`privacy: a trainable parameter ${p.describe()} belongs to no layer with a per-sample rule (parameters must sit in Linear, Conv1d/2d, LayerNorm, GroupNorm, Embedding, LSTM or GRU)`);
    }
  }

  /** The trainable parameters, layer by layer. */
  params(): Parameter[] {
    return this.layers.flatMap((l) => l.rule.params(l.module));
  }

  /** Forgets the recorded calls (before the next batch). */
  clear(): void {
    this.calls = [];
  }

  /** Removes the hooks. @example `hooks.remove()` */
  remove(): void {
    for (const r of this.removers) r();
    this.removers.length = 0;
  }
}

/** The batch size of a call: dim 0, or dim 1 for a time-major recurrent input. */
export function batchSizeOf(call: LayerCall): number {
  const m = call.module as { batchFirst?: boolean; mode?: string };
  if (m.mode && m.batchFirst === false) return call.input.shape[1];
  return call.input.shape[0];
}

/**
 * Per-sample gradients of a loss that is a sum (or mean) of per-sample losses, for every
 * trainable parameter of `model`, computed from one forward and one backward pass.
 * @example
 * const gs = privacy.perSampleGrads(model, () => crossEntropy(model.call(x), y, { reduction: 'sum' }), { lossReduction: 'sum' });
 * gs.get(model.fc.weight)!.shape; // [N, out, in]
 */
export function perSampleGrads(model: AnyModule, lossFn: () => Tensor, opts: { lossReduction?: 'sum' | 'mean' } = {}): Map<Parameter, Tensor> {
  const hooks = new GradSampleHooks(model);
  try {
    const loss = lossFn();
    if (loss.size !== 1) throw new ArgumentError(`perSampleGrads: the loss must be a single value, got ${loss.describe()}`);
    const calls = hooks.calls.filter((c) => c.output.requiresGrad);
    const gs = grad(loss, calls.map((c) => c.output), { allowUnused: true });
    calls.forEach((c, i) => { c.grad = gs[i]; });
    return perSampleFromCalls(calls, opts.lossReduction ?? 'mean');
  } finally {
    hooks.remove();
  }
}

/** Scales output gradients of a mean-reduced loss back to a sum over samples. */
export function lossScale(calls: LayerCall[], reduction: 'sum' | 'mean'): number {
  return reduction === 'mean' && calls.length ? batchSizeOf(calls[0]) : 1;
}

/** Per-sample gradients from recorded calls, summed over calls of a shared layer. */
export function perSampleFromCalls(calls: LayerCall[], reduction: 'sum' | 'mean'): Map<Parameter, Tensor> {
  const scale = lossScale(calls, reduction);
  const out = new Map<Parameter, Tensor>();
  for (const c of calls) {
    if (!c.grad) continue;
    const g = scale === 1 ? c.grad : mul(c.grad, scale);
    const ps = c.rule.perSample(c.module, c.input, g, c.args);
    c.rule.params(c.module).forEach((p, k) => {
      const prev = out.get(p);
      out.set(p, prev ? prev.add(ps[k]) : ps[k]);
    });
  }
  return out;
}

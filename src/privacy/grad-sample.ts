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
import { Tensor } from '../tensor/tensor';
import { frozenParams, ruleFor, type LayerRule } from './layers';
import { recurrentRule } from './rnn';

/** One call of a layer: its input, output, and (after backward) the output's gradient. */
export interface LayerCall {
  module: AnyModule;
  rule: LayerRule;
  input: Tensor;
  /** Extra forward arguments (initial RNN states). */
  args: unknown[];
  output: Tensor;
  grad: Tensor | null;
  /** Further tensor outputs (an RNN's final states) and their gradients. */
  extraOutputs: Tensor[];
  extraGrads: (Tensor | null)[];
}

/** Every tensor in a (nested) output. */
function tensorsOf(x: unknown, out: Tensor[] = []): Tensor[] {
  if (Array.isArray(x)) for (const v of x) tensorsOf(v, out);
  else if (x && typeof x === 'object' && 'shape' in x) out.push(x as Tensor);
  return out;
}

/** Runs grad() for the recorded calls' outputs and stores the gradients on each call. */
export function captureGrads(loss: Tensor, calls: LayerCall[]): void {
  const live = calls.filter((c) => c.output.requiresGrad);
  const targets: Tensor[] = [];
  for (const c of live) targets.push(c.output, ...c.extraOutputs.filter((t) => t.requiresGrad));
  const gs = grad(loss, targets, { allowUnused: true });
  let k = 0;
  for (const c of live) {
    c.grad = gs[k++];
    c.extraGrads = c.extraOutputs.map((t) => (t.requiresGrad ? gs[k++] : null));
  }
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
      const rule = recurrentRule(m) ?? ruleFor(m);
      if (!rule) continue;
      for (const p of rule.params(m)) covered.add(p);
      this.layers.push({ module: m, rule });
      this.removers.push(m.registerForwardHook((mod: AnyModule, args: unknown[], out: unknown) => {
        if (!this.enabled) return;
        if (!(args[0] instanceof Tensor)) {
          // A PackedSequence (nn.utils.rnn) has no per-sample rule: the rules read a padded [T, B, I] or [B, ...] input.
          throw new ArgumentError(`privacy: ${mod.typeName} got ${args[0]?.constructor?.name ?? typeof args[0]} as its input; per-sample gradients need a padded tensor (pass the padded batch, not a PackedSequence)`);
        }
        const [output, ...extraOutputs] = tensorsOf(out);
        const call: LayerCall = { module: mod, rule, input: args[0] as Tensor, args: args.slice(1), output, grad: null, extraOutputs, extraGrads: extraOutputs.map(() => null) };
        this.calls.push(call);
        if (!output.requiresGrad) return;
        output.registerHook((g) => { call.grad = g; });
        extraOutputs.forEach((t, k) => { if (t.requiresGrad) t.registerHook((g) => { call.extraGrads[k] = g; }); });
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
    captureGrads(loss, hooks.calls);
    return perSampleFromCalls(hooks.calls, opts.lossReduction ?? 'mean');
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
    const extra = c.extraGrads.map((e) => (e && scale !== 1 ? mul(e, scale) : e));
    const ps = c.rule.perSample(c.module, c.input, g, { args: c.args, grads: extra });
    c.rule.params(c.module).forEach((p, k) => {
      const prev = out.get(p);
      out.set(p, prev ? prev.add(ps[k]) : ps[k]);
    });
  }
  return out;
}

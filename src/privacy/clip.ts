/**
 * Per-sample clipping from recorded layer calls: per-sample norms (ghost or materialised,
 * per layer), clip factors c_n = min(1, C/(‖∇_n‖ + 1e-6)) (Opacus's), and the clipped sum
 * Σ_n c_n ∇_n per parameter. With per-layer clipping each layer l has its own bound C_l.
 */
import { add, div, mul } from '../ops/binary';
import { clamp, sqrt } from '../ops/unary';
import { matmul } from '../ops/matmul';
import { sum } from '../ops/reduce';
import { reshape } from '../ops/shape';
import type { AnyModule } from '../nn/module';
import type { Parameter } from '../nn/parameter';
import type { Tensor } from '../tensor/tensor';
import { lossScale, type LayerCall } from './grad-sample';

/** How a layer's per-sample norms are found: without forming per-sample gradients, or by forming them. */
export type NormMode = 'ghost' | 'materialize';

interface LayerWork {
  module: AnyModule;
  params: Parameter[];
  calls: LayerCall[];
  mode: NormMode;
  /** Per-sample gradients when materialised, [N, ...]. */
  grads?: Tensor[];
  normSq: Tensor;
}

/**
 * Per-sample gradients from the raw output gradients. Everything here is linear in g, so
 * a mean loss's factor N is applied to the [N] norms and clip factors afterwards, never
 * to the (large) activation gradients.
 */
function materialize(calls: LayerCall[]): Tensor[] {
  let acc: Tensor[] | null = null;
  for (const c of calls) {
    const ps = c.rule.perSample(c.module, c.input, c.grad!, { args: c.args, grads: c.extraGrads });
    acc = acc ? acc.map((t, k) => add(t, ps[k])) : ps;
  }
  return acc!;
}

/** Σ over tensors of each sample's squared norm, [N], for per-sample gradients [N, ...]. */
export function normSqOf(grads: Tensor[]): Tensor {
  let total: Tensor | null = null;
  for (const g of grads) {
    // One reduced dim: a sum over several dims runs one reduction pass per dim.
    const flat = reshape(g, [g.shape[0], -1]);
    const s = sum(mul(flat, flat), 1);
    total = total ? add(total, s) : s;
  }
  return total!;
}

/** Groups the calls by layer and finds each layer's per-sample squared norms. */
function layerNorms(calls: LayerCall[], modeOf: (m: AnyModule, canGhost: boolean) => NormMode, scale: number): LayerWork[] {
  const s2 = scale * scale;
  const byModule = new Map<AnyModule, LayerCall[]>();
  for (const c of calls) {
    if (!c.grad) continue;
    const list = byModule.get(c.module) ?? [];
    list.push(c);
    byModule.set(c.module, list);
  }
  const out: LayerWork[] = [];
  for (const [module, cs] of byModule) {
    const rule = cs[0].rule;
    // A layer called twice has cross terms between its calls: only materialised norms are exact.
    const canGhost = cs.length === 1 && !!rule.ghostNormSq && !!rule.weightedSum;
    const mode = canGhost ? modeOf(module, true) : 'materialize';
    if (mode === 'ghost') {
      out.push({ module, params: rule.params(module), calls: cs, mode, normSq: mul(rule.ghostNormSq!(module, cs[0].input, cs[0].grad!), s2) });
    } else {
      const grads = materialize(cs);
      out.push({ module, params: rule.params(module), calls: cs, mode, grads, normSq: mul(normSqOf(grads), s2) });
    }
  }
  return out;
}

/** Σ_n c_n ∇_n for one layer. */
function weightedSum(w: LayerWork, clip: Tensor, scale: number): Tensor[] {
  const c = scale === 1 ? clip : mul(clip, scale);
  if (w.mode === 'ghost') {
    const call = w.calls[0];
    return call.rule.weightedSum!(w.module, call.input, call.grad!, c);
  }
  const n = c.shape[0];
  return w.grads!.map((g, k) => reshape(matmul(reshape(c, [1, n]), reshape(g, [n, -1])), w.params[k].shape));
}

/** Options of `clipAndSum`: the per-sample norm bound C (one for all parameters, or one per layer for per-layer clipping), whether the loss was a sum or a mean of per-sample losses, and which norm method (ghost or materialised) each layer uses. @example `privacy.clipAndSum(hooks.calls, { maxGradNorm: [0.5, 0.5], lossReduction: 'mean', modeOf: (m, canGhost) => (canGhost ? 'ghost' : 'materialize') })` */
export interface ClipOptions {
  /** C: the bound on each sample's gradient norm (flat), or one bound per layer (per-layer clipping). */
  maxGradNorm: number | number[];
  lossReduction: 'sum' | 'mean';
  /** Chooses ghost or materialised norms per layer. */
  modeOf: (m: AnyModule, canGhost: boolean) => NormMode;
}

/** What `clipAndSum` returns: the clipped sum Σ_n c_n ∇_n for each parameter, each sample's gradient norm before clipping (per layer with per-layer clipping), the norm mode of each layer, and the batch size. @example `const { sums, norms, batchSize } = privacy.clipAndSum(hooks.calls, opts)` */
export interface ClipResult {
  /** Σ_n c_n ∇_n per parameter. */
  sums: Map<Parameter, Tensor>;
  /** Each sample's gradient norm before clipping ([N]; per layer with per-layer clipping: [layers][N]). */
  norms: Tensor[];
  /** The layers and the norm mode each used. */
  modes: Map<AnyModule, NormMode>;
  batchSize: number;
}

const clipFactor = (norm: Tensor, bound: number): Tensor => clamp(div(bound, add(norm, 1e-6)), { max: 1 });

/**
 * Clips every sample's gradient and sums them, from the recorded calls of one batch.
 * @example `const { sums } = clipAndSum(hooks.calls, { maxGradNorm: 1, lossReduction: 'mean', modeOf: () => 'ghost' })`
 */
export function clipAndSum(calls: LayerCall[], opts: ClipOptions): ClipResult {
  const withGrad = calls.filter((c) => c.grad);
  const scale = lossScale(withGrad, opts.lossReduction);
  const work = layerNorms(withGrad, opts.modeOf, scale);
  const sums = new Map<Parameter, Tensor>();
  const modes = new Map<AnyModule, NormMode>(work.map((w) => [w.module, w.mode]));
  const batchSize = work.length ? work[0].normSq.shape[0] : 0;
  const add2 = (p: Parameter, t: Tensor): void => { const prev = sums.get(p); sums.set(p, prev ? add(prev, t) : t); };
  if (Array.isArray(opts.maxGradNorm)) {
    const bounds = opts.maxGradNorm;
    if (bounds.length !== work.length) throw new RangeError(`clipAndSum: ${bounds.length} per-layer bounds for ${work.length} layers`);
    const norms = work.map((w) => sqrt(w.normSq));
    work.forEach((w, l) => weightedSum(w, clipFactor(norms[l], bounds[l]), scale).forEach((t, k) => add2(w.params[k], t)));
    return { sums, norms, modes, batchSize };
  }
  let total: Tensor | null = null;
  for (const w of work) total = total ? add(total, w.normSq) : w.normSq;
  if (!total) return { sums, norms: [], modes, batchSize };
  const norm = sqrt(total);
  const c = clipFactor(norm, opts.maxGradNorm);
  for (const w of work) weightedSum(w, c, scale).forEach((t, k) => add2(w.params[k], t));
  return { sums, norms: [norm], modes, batchSize };
}

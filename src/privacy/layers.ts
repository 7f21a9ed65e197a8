/**
 * Per-sample gradients of each supported layer from what backward already has: the
 * layer's input a (saved by a forward hook) and the gradient g of the summed loss with
 * respect to its output. Every rule is a batched product over the batch dim, never a
 * loop over samples.
 *
 *   Linear      ∇W_n = Σ_t g_{n,t} a_{n,t}ᵀ,  ∇b_n = Σ_t g_{n,t}        (t: any extra dims)
 *   Conv        the same on unfolded patches: a → [C·kh·kw, positions]
 *   LayerNorm / GroupNorm   ∇γ_n = Σ g ⊙ x̂,  ∇β_n = Σ g  over the sample's positions
 *   Embedding   ∇W_n = Σ_t onehot(i_{n,t}) g_{n,t}ᵀ (scatter-added per sample)
 *
 * Ghost norms (Li et al. 2021; Bu et al. 2022) give ‖∇W_n‖² without forming ∇W_n:
 * ‖∇W_n‖² = Σ_{t,t'} (a_t·a_t')(g_t·g_t'), which for one position is ‖a‖²‖g‖².
 */
import { ArgumentError } from '../errors';
import { conv1d, conv2d } from '../ops/conv';
import { tensor, zeros } from '../ops/creation';
import { mul } from '../ops/binary';
import { indexAdd } from '../ops/indexing';
import { matmulT } from '../ops/matmul';
import { groupNorm, layerNorm } from '../ops/norm';
import { sum } from '../ops/reduce';
import { permute, reshape } from '../ops/shape';
import { pad } from '../ops/pad';
import { emptyForOverwrite, kernelInts } from '../ops/util';
import { backend } from '../backend/index';
import { isGradEnabled } from '../tensor/graph';
import type { AnyModule } from '../nn/module';
import { Conv1d, Conv2d } from '../nn/layers/conv';
import { Embedding } from '../nn/layers/embedding';
import { Linear } from '../nn/layers/linear';
import { BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm } from '../nn/layers/normalization';
import type { Parameter } from '../nn/parameter';
import type { Tensor } from '../tensor/tensor';
import type { DType, FloatArray } from '../tensor/dtype';

/** What one layer contributes: its parameters, their per-sample gradients and (where it can) ghost norms. */
export interface LayerRule {
  /** The layer's trainable parameters, in the order perSample returns gradients. */
  params(m: AnyModule): Parameter[];
  /** Per-sample gradients [N, ...param.shape], one per parameter. */
  perSample(m: AnyModule, a: Tensor, g: Tensor, extra?: { args: unknown[]; grads: (Tensor | null)[] }): Tensor[];
  /** Σ over the layer's parameters of ‖∇_n‖², [N], without materialising (Linear and Conv). */
  ghostNormSq?(m: AnyModule, a: Tensor, g: Tensor): Tensor;
  /** Σ_n c_n ∇_n per parameter, from a and g directly (book-keeping); with ghostNormSq. */
  weightedSum?(m: AnyModule, a: Tensor, g: Tensor, c: Tensor): Tensor[];
}

/**
 * Parameters frozen when the hooks were attached. Trainability is read from this set, not
 * from requiresGrad, because the fast DP step switches requiresGrad off during its pass.
 */
export const frozenParams = new WeakSet<Parameter>();
const live = (p: Parameter | null | undefined): p is Parameter => !!p && !frozenParams.has(p);
const present = (...ps: (Parameter | null)[]): Parameter[] => ps.filter(live);

/** Σ_{t,t'} (AAᵀ)⊙(GGᵀ) per sample, for A [N, T, p] and G [N, T, q]; ‖A‖²‖G‖² when T = 1. */
function gramNormSq(A: Tensor, G: Tensor): Tensor {
  const [N, T] = A.shape;
  if (T === 1) return mul(sum(mul(A, A), [1, 2]), sum(mul(G, G), [1, 2]));
  return sum(mul(matmulT(A, A, false, true), matmulT(G, G, false, true)), [1, 2]).reshape([N]);
}

/** The linear rule on A [N, T, in], G [N, T, out]. */
function linearPerSample(A: Tensor, G: Tensor, hasWeight: boolean, hasBias: boolean): Tensor[] {
  const out: Tensor[] = [];
  if (hasWeight) out.push(matmulT(G, A, true, false));
  if (hasBias) out.push(sum(G, 1));
  return out;
}

const linearRule: LayerRule = {
  params: (m) => present((m as Linear).weight, (m as Linear).bias),
  perSample(m, a, g) {
    const l = m as Linear, N = a.shape[0];
    return linearPerSample(reshape(a, [N, -1, l.inFeatures]), reshape(g, [N, -1, l.outFeatures]), live(l.weight), live(l.bias));
  },
  ghostNormSq(m, a, g) {
    const l = m as Linear, N = a.shape[0];
    const A = reshape(a, [N, -1, l.inFeatures]), G = reshape(g, [N, -1, l.outFeatures]);
    let n2 = gramNormSq(A, G);
    if (live(l.bias)) { const gb = sum(G, 1); n2 = n2.add(sum(mul(gb, gb), 1)); }
    return n2;
  },
  weightedSum(m, a, g, c) {
    // Σ_n c_n g_nᵀ a_n is one GEMM over all rows once g is scaled per sample.
    const l = m as Linear, N = a.shape[0];
    const Gc = mul(reshape(g, [N, -1, l.outFeatures]), reshape(c, [N, 1, 1]));
    const rows = Gc.shape[0] * Gc.shape[1];
    const G2 = reshape(Gc, [rows, l.outFeatures]);
    const out: Tensor[] = [];
    if (live(l.weight)) out.push(matmulT(G2, reshape(a, [rows, l.inFeatures]), true, false));
    if (live(l.bias)) out.push(sum(G2, 0));
    return out;
  },
};

/** One-hot kernels [C·K, 1, k...] whose grouped convolution copies each patch into channels (c, tap): im2col by conv. */
const unfoldKernels = new Map<string, Tensor>();
function unfoldKernel(C: number, kernel: number[], dtype: DType): Tensor {
  const key = `${C}/${kernel.join('x')}/${dtype}`;
  let k = unfoldKernels.get(key);
  if (!k) {
    const K = kernel.reduce((p, v) => p * v, 1);
    const v = new Float64Array(C * K * K);
    for (let i = 0; i < C * K; i++) v[i * K + (i % K)] = 1;
    k = reshape(tensor(Array.from(v), { dtype }), [C * K, 1, ...kernel]);
    k.kept = true;
    unfoldKernels.set(key, k);
  }
  return k;
}

type ConvLike = Conv1d | Conv2d;
function kernelOf(m: ConvLike): number[] {
  return m instanceof Conv2d ? [...m.kernelSize] : [m.kernelSize as number];
}

/**
 * im2col as one strided copy, [N, C, k..., out...], when nothing differentiates through the
 * patches (the DP step, which needs their values only): element (n, c, taps, positions) is
 * a[n, c, position·stride + tap·dilation], so strides over a describe it exactly. Several
 * times faster than the one-hot grouped conv, which also computes C·K² products per value.
 * Null (use the conv) for 'same' padding or while the graph would have to record it.
 */
function unfoldByCopy(m: ConvLike, a: Tensor): Tensor | null {
  if (m.padding === 'same' || (a.requiresGrad && isGradEnabled())) return null;
  const two = m instanceof Conv2d;
  const kernel = kernelOf(m);
  const stride = two ? [...(m as Conv2d).stride] : [(m as Conv1d).stride];
  const dilation = two ? [...(m as Conv2d).dilation] : [(m as Conv1d).dilation];
  const padding: number[] = m.padding === 'valid' ? kernel.map(() => 0) : two ? [...((m as Conv2d).padding as [number, number])] : [(m as Conv1d).padding as number];
  // pad() lists the last dim first, as F.pad.
  const src = padding.some((v) => v > 0) ? pad(a, padding.slice().reverse().flatMap((v) => [v, v])) : a;
  const [N, C, ...spatial] = src.shape;
  const out = spatial.map((size, i) => Math.floor((size - dilation[i] * (kernel[i] - 1) - 1) / stride[i]) + 1);
  if (out.some((o) => o <= 0)) return null;
  const inStrides = spatial.map((_, i) => spatial.slice(i + 1).reduce((p, v) => p * v, 1));
  const shape = [N, C, ...kernel, ...out];
  const srcStrides = [C * inStrides[0] * spatial[0], inStrides[0] * spatial[0], ...inStrides.map((st, i) => st * dilation[i]), ...inStrides.map((st, i) => st * stride[i])];
  const dstStrides = shape.map((_, i) => shape.slice(i + 1).reduce((p, v) => p * v, 1));
  const patches = emptyForOverwrite(shape, a.dtype as DType);
  if (patches.size > 0) backend().copyStrided(src.values, 0, kernelInts(srcStrides), patches.values, 0, kernelInts(dstStrides), kernelInts(shape));
  return patches;
}

/** Patches of the conv's input, [N, groups, C/groups·K, positions], matching weight [O, C/groups, k...]. */
function unfoldFor(m: ConvLike, a: Tensor): Tensor {
  const N = a.shape[0], C = m.inChannels, kernel = kernelOf(m);
  const K = kernel.reduce((p, v) => p * v, 1);
  const copied = unfoldByCopy(m, a);
  if (copied) return reshape(copied, [N, m.groups, (C / m.groups) * K, -1]);
  const w = unfoldKernel(C, kernel, a.dtype as DType);
  const opts = { stride: m.stride, padding: m.padding, dilation: m.dilation, groups: C } as never;
  const patches = m instanceof Conv2d ? conv2d(a, w, null, opts) : conv1d(a, w, null, opts);
  return reshape(patches, [N, m.groups, (C / m.groups) * K, -1]);
}

/**
 * Per-sample weight gradients [N, O, C/groups, k...] by the native conv weight-gradient kernel
 * in one call: sample n's channels become groups of their own (x as [1, N·C, ...], g as
 * [1, N·O, ...], groups N·groups), so the kernel's per-group product is sample n's gradient.
 * The kernel does its own im2col, faster than unfoldFor's copy plus a batched GEMM. Null
 * while the graph would have to record the result (the kernel call is not recorded).
 */
function convWeightPerSample(m: ConvLike, a: Tensor, g: Tensor): Tensor | null {
  if (isGradEnabled() && (a.requiresGrad || g.requiresGrad)) return null;
  const two = m instanceof Conv2d, N = a.shape[0];
  const [kh, kw] = two ? (m as Conv2d).kernelSize : [1, (m as Conv1d).kernelSize];
  const [strideH, strideW] = two ? (m as Conv2d).stride : [1, (m as Conv1d).stride];
  const [dilationH, dilationW] = two ? (m as Conv2d).dilation : [1, (m as Conv1d).dilation];
  const [h, w] = two ? [a.shape[2], a.shape[3]] : [1, a.shape[2]];
  const [oh, ow] = two ? [g.shape[2], g.shape[3]] : [1, g.shape[2]];
  // 'same' pads d·(k-1) in all, the odd one after (as conv2d); the output size fixes the rest.
  const padding = m.padding === 'same' ? [Math.floor((dilationH * (kh - 1)) / 2), Math.floor((dilationW * (kw - 1)) / 2)]
    : m.padding === 'valid' ? [0, 0] : two ? (m as Conv2d).padding as [number, number] : [0, (m as Conv1d).padding as number];
  const gw = emptyForOverwrite([N, ...m.weight.shape], a.dtype as DType);
  backend().conv2dBackwardWeight(a.values as FloatArray, g.values as FloatArray, gw.values as FloatArray, {
    n: 1, c: N * m.inChannels, h, w, o: N * m.outChannels, oh, ow, kh, kw, strideH, strideW,
    padH: padding[0], padW: padding[1], dilationH, dilationW, groups: N * m.groups,
  });
  return gw;
}

const convRule: LayerRule = {
  params: (m) => present((m as ConvLike).weight, (m as ConvLike).bias),
  perSample(m, a, g) {
    const c = m as ConvLike, N = a.shape[0];
    const G = reshape(g, [N, c.groups, c.outChannels / c.groups, -1]);
    const out: Tensor[] = [];
    if (live(c.weight)) out.push(convWeightPerSample(c, a, g) ?? reshape(matmulT(G, unfoldFor(c, a), false, true), [N, ...c.weight.shape]));
    if (live(c.bias)) out.push(reshape(sum(G, 3), [N, c.outChannels]));
    return out;
  },
  ghostNormSq(m, a, g) {
    const c = m as ConvLike, N = a.shape[0];
    const A = unfoldFor(c, a), G = reshape(g, [N, c.groups, c.outChannels / c.groups, -1]);
    // (AᵀA) ⊙ (GᵀG) over positions, per group, summed.
    let n2 = sum(mul(matmulT(A, A, true, false), matmulT(G, G, true, false)), [1, 2, 3]);
    if (live(c.bias)) { const gb = sum(G, 3); n2 = n2.add(sum(mul(gb, gb), [1, 2])); }
    return reshape(n2, [N]);
  },
  weightedSum(m, a, g, cn) {
    // Samples and positions side by side ([groups, rows, N·T]) make Σ_n c_n G_n A_nᵀ one GEMM per group.
    const c = m as ConvLike, N = a.shape[0];
    const Gc = mul(reshape(g, [N, c.groups, c.outChannels / c.groups, -1]), reshape(cn, [N, 1, 1, 1]));
    const side = (t: Tensor): Tensor => reshape(permute(t, [1, 2, 0, 3]), [t.shape[1], t.shape[2], -1]);
    const out: Tensor[] = [];
    if (live(c.weight)) out.push(reshape(matmulT(side(Gc), side(unfoldFor(c, a)), false, true), c.weight.shape));
    if (live(c.bias)) out.push(reshape(sum(Gc, [0, 3]), [c.outChannels]));
    return out;
  },
};

/** x̂ = (x - mean)/√(var + eps), recomputed without affine, for the norm layers' γ. */
const layerNormRule: LayerRule = {
  params: (m) => present((m as LayerNorm).weight, (m as LayerNorm).bias),
  perSample(m, a, g) {
    const l = m as LayerNorm, N = a.shape[0], D = l.normalizedShape.reduce((p, v) => p * v, 1);
    const G = reshape(g, [N, -1, D]);
    const out: Tensor[] = [];
    if (live(l.weight)) out.push(reshape(sum(mul(G, reshape(layerNorm(a, l.normalizedShape, null, null, { eps: l.eps }), [N, -1, D])), 1), [N, ...l.normalizedShape]));
    if (live(l.bias)) out.push(reshape(sum(G, 1), [N, ...l.normalizedShape]));
    return out;
  },
};

const groupNormRule: LayerRule = {
  params: (m) => present((m as GroupNorm).weight, (m as GroupNorm).bias),
  perSample(m, a, g) {
    const l = m as GroupNorm, N = a.shape[0], C = l.numChannels;
    const G = reshape(g, [N, C, -1]);
    const out: Tensor[] = [];
    if (live(l.weight)) out.push(sum(mul(G, reshape(groupNorm(a, l.numGroups, null, null, { eps: l.eps }), [N, C, -1])), 2));
    if (live(l.bias)) out.push(sum(G, 2));
    return out;
  },
};

const embeddingRule: LayerRule = {
  params: (m) => present((m as Embedding).weight),
  perSample(m, a, g) {
    const e = m as Embedding, N = a.shape[0], V = e.numEmbeddings, D = e.embeddingDim;
    // Row n·V + i of a [N·V, D] table gathers sample n's gradient for embedding i.
    const idx = a.values as Int32Array, T = idx.length / Math.max(N, 1);
    const rows = new Int32Array(idx.length);
    for (let k = 0; k < idx.length; k++) rows[k] = Math.floor(k / T) * V + idx[k];
    let G = reshape(g, [idx.length, D]);
    if (e.paddingIdx !== null) {
      const keep = new Float64Array(idx.length);
      for (let k = 0; k < idx.length; k++) keep[k] = idx[k] === e.paddingIdx ? 0 : 1;
      G = mul(G, reshape(tensor(Array.from(keep), { dtype: g.dtype as DType }), [idx.length, 1]));
    }
    const table = indexAdd(zeros([N * V, D], { dtype: g.dtype as 'float32' | 'float64' }), 0, tensor(Array.from(rows), { dtype: 'int32' }), G);
    return [reshape(table, [N, V, D])];
  },
};

/**
 * The rule for a module that owns parameters, or null for one that owns none.
 * Throws for layers whose output mixes samples (BatchNorm) and for unknown layers with parameters.
 */
export function ruleFor(m: AnyModule): LayerRule | null {
  const own = m.parameters({ recurse: false }).filter(live);
  if (m instanceof BatchNorm1d || m instanceof BatchNorm2d || /^BatchNorm/.test(m.constructor.name)) {
    if (own.length === 0 && !(m as { training?: boolean }).training) return null;
    throw new ArgumentError(`privacy: ${m.constructor.name} mixes the samples of a batch (its batch statistics make each output depend on every sample), so no per-sample gradient exists; use GroupNorm (nn.GroupNorm(groups, channels)) or LayerNorm instead`);
  }
  if (own.length === 0) return null;
  if (m instanceof Linear) return linearRule;
  if (m instanceof Conv2d || m instanceof Conv1d) return convRule;
  if (m instanceof LayerNorm) return layerNormRule;
  if (m instanceof GroupNorm) return groupNormRule;
  if (m instanceof Embedding) return embeddingRule;
  throw new ArgumentError(`privacy: per-sample gradients are not implemented for ${m.constructor.name} (it owns ${own.length} trainable parameter(s)); supported: Linear, Conv1d, Conv2d, LayerNorm, GroupNorm, Embedding, LSTM, GRU`);
}

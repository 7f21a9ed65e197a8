/**
 * The torch.nn.functional calls PyTorch code uses most that had no functional form here:
 * oneHot, normalize, gumbelSoftmax and embedding, plus `linear` and the loss functions under
 * torch.nn.functional's names (camelCase), so that code written against `F.cross_entropy`,
 * `F.binary_cross_entropy`, ... ports as `nn.functional.crossEntropy`, `binaryCrossEntropy`, ...
 * The aliases are the very same function objects as their Lattice names (`binaryCrossEntropy ===
 * losses.bceLoss`), not wrappers.
 */
import { detach } from '../autograd/api';
import type { PhiloxStream } from '../backend/philox';
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../errors';
import { add, div, eq, maximum, sub } from '../ops/binary';
import { castTo } from '../ops/cast';
import { arange, rand } from '../ops/creation';
import { argmax, norm } from '../ops/reduce';
import { reshape, unsqueeze } from '../ops/shape';
import { softmax } from '../ops/softmax';
import { clamp, log, neg } from '../ops/unary';
import { assertFloatTensor, assertTensor, hostValues } from '../ops/util';
import { normalizeDim } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { lookupRows, paddingRow, renormOptions } from './embedding-bag';

export { linear } from '../ops/linear';
export {
  crossEntropy, nllLoss, bceLoss, bceWithLogits, bceLoss as binaryCrossEntropy, bceWithLogits as binaryCrossEntropyWithLogits,
} from '../losses/classification';
export { mseLoss, l1Loss, huberLoss, smoothL1Loss } from '../losses/regression';
export { klDiv } from '../losses/divergence';
export { cosineEmbeddingLoss, marginRankingLoss } from '../losses/embedding';
export { ctcLoss } from '../losses/ctc';
export { gaussianNllLoss, poissonNllLoss } from '../losses/probabilistic';
export {
  tripletMarginLoss, softMarginLoss, multiLabelSoftMarginLoss, multiLabelSoftMarginLoss as multilabelSoftMarginLoss,
  hingeEmbeddingLoss, multiMarginLoss,
} from '../losses/margin';

/**
 * One-hot encoding of int32 class labels (torch.nn.functional.one_hot): labels of any shape [...]
 * give an int32 tensor [..., numClasses] with a 1 at each label's class. numClasses -1 (the
 * default) takes max(labels) + 1. PyTorch returns int64; Lattice's integer dtype is int32.
 * @example
 * nn.functional.oneHot(tensor([0, 2, 1], { dtype: 'int32' }), 3); // [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
 */
export function oneHot(labels: Tensor, numClasses = -1): Tensor {
  assertTensor('oneHot', 'labels', labels);
  if (labels.dtype !== 'int32') throw new DTypeError(`oneHot: labels must be int32 class indices, got ${labels.describe()}`);
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < -1) {
    throw new ArgumentError(`oneHot: numClasses must be a non-negative integer or -1 (infer it from the labels), got ${fmtArg(numClasses)}`);
  }
  const v = hostValues(labels) as Int32Array;
  let largest = -1;
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0) throw new ArgumentError(`oneHot: labels must be non-negative, got ${v[i]} (at flat position ${i} of ${labels.describe()})`);
    if (v[i] > largest) largest = v[i];
  }
  let classes = numClasses;
  if (classes === -1) {
    if (v.length === 0) throw new ArgumentError(`oneHot: can't infer numClasses from empty labels ${labels.describe()}; pass numClasses`);
    classes = largest + 1;
  } else if (largest >= classes) {
    throw new ArgumentError(`oneHot: label ${largest} (at flat position ${v.indexOf(largest)} of ${labels.describe()}) is out of range for numClasses ${classes}`);
  }
  const classIds = arange(0, classes, 1, { dtype: 'int32', device: labels.device });
  return castTo(eq(unsqueeze(labels, -1), classIds), 'int32');
}

/** Options of `normalize` (torch.nn.functional.normalize's). @example `normalize(x, { p: 1, dim: -1 })` */
export interface NormalizeOptions {
  /** The exponent of the norm: a positive number or Infinity (default 2). */
  p?: number;
  /** The dim along which each vector is normalized (default 1). */
  dim?: number;
  /** The norm is taken as at least eps, so a zero vector stays zero (default 1e-12). */
  eps?: number;
}

/**
 * Scales vectors along `dim` to unit p-norm (torch.nn.functional.normalize): x / max(‖x‖_p, eps).
 * The gradient is PyTorch's: through the norm, and none through eps where it binds.
 * @example
 * const unit = nn.functional.normalize(embeddings, { dim: -1 }); // rows of L2 norm 1
 */
export function normalize(x: Tensor, opts?: NormalizeOptions): Tensor {
  assertFloatTensor('normalize', 'x', x);
  const p = opts?.p ?? 2;
  if (typeof p !== 'number' || !(p > 0)) throw new ArgumentError(`normalize: p must be a positive number or Infinity, got ${fmtArg(p)}`);
  const dim = normalizeDim('normalize', opts?.dim ?? 1, x.ndim);
  const eps = opts?.eps ?? 1e-12;
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError(`normalize: eps must be a finite number >= 0, got ${fmtArg(eps)}`);
  return div(x, clamp(norm(x, p, dim, { keepdim: true }), { min: eps }));
}

/** Options of `gumbelSoftmax` (torch.nn.functional.gumbel_softmax's). @example `gumbelSoftmax(logits, { tau: 0.5, hard: true })` */
export interface GumbelSoftmaxOptions {
  /** Temperature: lower is closer to one-hot (default 1). */
  tau?: number;
  /** Return one-hot samples whose gradient is the soft sample's (straight-through; default false). */
  hard?: boolean;
  /** The dim of the categories (default -1). */
  dim?: number;
  /** Draw the Gumbel noise from this stream instead of the global one. */
  generator?: PhiloxStream;
}

/** torch.finfo(dtype).tiny: the smallest uniform draw, so that -log(-log u) stays finite. */
const SMALLEST_NORMAL = { float32: 2 ** -126, float64: 2 ** -1022 } as const;

/**
 * A sample of the Gumbel-softmax (Concrete) distribution over `dim` (torch.nn.functional.gumbel_softmax):
 * softmax((logits + g) / tau) with g = -log(-log u), u uniform from the Philox stream (as the dropout
 * masks are: the same on both backends for a seed). With `hard`, the one-hot vector of the argmax
 * (first maximum) comes out, computed as y_hard - detach(y_soft) + y_soft so that its gradient is the
 * soft sample's (straight-through). logits may be unnormalized log-probabilities.
 * @example
 * const y = nn.functional.gumbelSoftmax(logits, { tau: 0.5, hard: true }); // one-hot rows, differentiable
 */
export function gumbelSoftmax(logits: Tensor, opts?: GumbelSoftmaxOptions): Tensor {
  assertFloatTensor('gumbelSoftmax', 'logits', logits);
  const tau = opts?.tau ?? 1;
  if (typeof tau !== 'number' || !(tau > 0) || !Number.isFinite(tau)) throw new ArgumentError(`gumbelSoftmax: tau must be a positive finite number, got ${fmtArg(tau)}`);
  const hard = opts?.hard ?? false;
  if (typeof hard !== 'boolean') throw new ArgumentError(`gumbelSoftmax: hard must be true or false, got ${fmtArg(hard)}`);
  const dim = normalizeDim('gumbelSoftmax', opts?.dim ?? -1, logits.ndim);
  // A 0-d logit is one category: its sample is 1 (the same draw as for shape [1]).
  if (logits.ndim === 0) return reshape(gumbelSoftmax(reshape(logits, [1]), { ...opts, dim: 0 }), []);
  if (hard && logits.shape[dim] === 0) {
    throw new ShapeError(`gumbelSoftmax: with hard, dim ${dim} of logits ${logits.describe()} must not be empty (there is no argmax)`);
  }
  const dtype = logits.dtype as 'float32' | 'float64';
  // u on [tiny, 1): -log u is in (0, 87] (float32), so the noise is finite.
  const u = maximum(rand(logits.shape.slice(), { dtype, generator: opts?.generator, device: logits.device }), SMALLEST_NORMAL[dtype]);
  const gumbels = neg(log(neg(log(u))));
  const ySoft = softmax(div(add(logits, gumbels), tau), dim);
  if (!hard) return ySoft;
  const index = argmax(ySoft, dim, { keepdim: true });
  const classShape = logits.shape.map((n, i) => (i === dim ? n : 1));
  const classIds = reshape(arange(0, logits.shape[dim], 1, { dtype: 'int32', device: logits.device }), classShape);
  const yHard = castTo(eq(index, classIds), dtype);
  return add(sub(yHard, detach(ySoft)), ySoft);
}

/** Options of the functional `embedding` (torch.nn.functional.embedding's). @example `embedding(ids, table, { paddingIdx: 0 })` */
export interface EmbeddingFunctionalOptions {
  /** Entries equal to this row pass no gradient to it (the row itself is read as it is). Negative counts from the end. */
  paddingIdx?: number | null;
  /**
   * Rows looked up whose `normType`-norm exceeds this are rescaled in place in `weight` to norm
   * maxNorm (row · maxNorm / (norm + 1e-7)), before the lookup, as PyTorch's max_norm.
   */
  maxNorm?: number | null;
  /** The p of the norm maxNorm bounds (default 2). */
  normType?: number;
}

/**
 * Looks up rows of `weight` [num, dim] by the int32 indices `input` of any shape: [...] -> [..., dim]
 * (torch.nn.functional.embedding). The table gets the gradient; a paddingIdx row gets none, and
 * maxNorm renormalizes the looked-up rows of weight in place first, as nn.Embedding does.
 * @example
 * const vectors = nn.functional.embedding(tokens, table, { paddingIdx: 0 }); // [batch, seq, dim]
 */
export function embedding(input: Tensor, weight: Tensor, opts?: EmbeddingFunctionalOptions): Tensor {
  assertTensor('embedding', 'input', input);
  assertFloatTensor('embedding', 'weight', weight);
  if (input.dtype !== 'int32') throw new DTypeError(`embedding: input must be int32 indices, got ${input.describe()}`);
  if (weight.ndim !== 2) throw new ShapeError(`embedding: weight must be 2-D [num, dim], got ${weight.describe()}`);
  const rows = weight.shape[0];
  const padding = paddingRow('embedding', rows, opts?.paddingIdx);
  const { maxNorm, normType } = renormOptions('embedding', opts?.maxNorm, opts?.normType);
  const v = hostValues(input) as Int32Array;
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0 || v[i] >= rows) throw new ArgumentError(`embedding: index ${v[i]} (at flat position ${i} of ${input.describe()}) is out of range for weight ${weight.describe()} (${rows} rows)`);
  }
  return lookupRows(weight, input, v, padding, maxNorm, normType);
}

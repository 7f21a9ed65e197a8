/**
 * embeddingBag: sums, means or maxima of bags of embedding rows without materialising the
 * rows per bag position (torch.nn.functional.embedding_bag), and embeddingRenorm_, the max-norm
 * rescaling Embedding and EmbeddingBag share.
 *
 * The bags are planned on the host from the int32 indices and offsets; the arithmetic is
 * existing ops, so autograd reaches the table (and the per-sample weights):
 *   sum / mean: indexSelect the kept rows, scale by the per-sample weights, indexAdd them into
 *               their bags (the adjoint of indexAdd is indexSelect), divide by the bag sizes;
 *   max:        indexSelect a [bags, longest, D] table in which a shorter bag repeats its first
 *               row, then max over the bag dim: the repeats never beat the first occurrence, so
 *               the gradient goes to the first maximal row, as PyTorch's.
 * Entries equal to paddingIdx are left out of their bag (and of a mean's count); an empty bag
 * gives zeros.
 */
import { detach, noGrad } from '../autograd/api';
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../errors';
import { div, eq, mul, pow, where } from '../ops/binary';
import { ones, tensor, zeros } from '../ops/creation';
import { indexAdd, indexSelect } from '../ops/indexing';
import { mul_ } from '../ops/inplace';
import { max, sum } from '../ops/reduce';
import { reshape } from '../ops/shape';
import { abs } from '../ops/unary';
import { assertFloatTensor, assertTensor, hostValues } from '../ops/util';
import type { Device } from '../tensor/device';
import { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';

/** How a bag's rows are combined. @example `embeddingBag(idx, weight, offsets, { mode: 'max' })` */
export type EmbeddingBagMode = 'sum' | 'mean' | 'max';

/** Options of `embeddingBag` (PyTorch's, camelCase). @example `{ mode: 'sum', perSampleWeights: w, paddingIdx: 0 }` */
export interface EmbeddingBagOptions {
  /** 'sum', 'mean' (default) or 'max' over each bag. */
  mode?: EmbeddingBagMode;
  /** One weight per index (input's shape), multiplying its row before the sum; mode 'sum' only. */
  perSampleWeights?: Tensor | null;
  /** Entries equal to this index are left out of their bags (and of a mean's count). Negative counts from the end. */
  paddingIdx?: number | null;
  /** offsets has one entry more than there are bags, the last being input's length (CSR layout). Default false. */
  includeLastOffset?: boolean;
  /**
   * Rows referenced by input whose `normType`-norm exceeds this are rescaled in place to norm
   * maxNorm (row · maxNorm / (norm + 1e-7)) before the lookup, as PyTorch's max_norm.
   */
  maxNorm?: number | null;
  /** The p of the norm maxNorm bounds (default 2). */
  normType?: number;
}

/**
 * @internal PyTorch's embedding_renorm_: rescales in place, without recording, the rows of weight
 * listed in `indices` whose `normType`-norm exceeds maxNorm to norm maxNorm.
 */
export function embeddingRenorm_(weight: Tensor, indices: Int32Array, maxNorm: number, normType: number): void {
  const unique = Int32Array.from(new Set(indices));
  if (unique.length === 0) return;
  noGrad(() => tidy(() => {
    const idx = tensor(unique, { dtype: 'int32', device: weight.device });
    const norms = hostValues(pow(sum(pow(abs(indexSelect(weight, 0, idx)), normType), 1), 1 / normType));
    const scale = ones([weight.shape[0], 1], { dtype: weight.dtype });
    let changed = false;
    unique.forEach((row, k) => {
      if (norms[k] > maxNorm) { scale.values[row] = maxNorm / (norms[k] + 1e-7); changed = true; }
    });
    if (changed) mul_(weight, weight.device === 'cpu' ? scale : scale.to(weight.device));
  }));
}

/**
 * The rows of `weight` at the (already range-checked) `indices`, shaped indices.shape + [dim]:
 * rows past maxNorm rescaled in place first, and padding rows read without passing gradient back.
 * What nn.Embedding and nn.functional.embedding share.
 */
export function lookupRows(weight: Tensor, indices: Tensor, values: Int32Array, padding: number | null, maxNorm: number | null, normType: number): Tensor {
  const flat = reshape(indices, [indices.size]);
  if (maxNorm !== null) embeddingRenorm_(weight, values, maxNorm, normType);
  let rows = indexSelect(weight, 0, flat);
  if (padding !== null && rows.requiresGrad) {
    // Padding rows read the table but pass no gradient back to it.
    rows = where(reshape(eq(flat, padding), [flat.size, 1]), detach(rows), rows);
  }
  return reshape(rows, [...indices.shape, weight.shape[1]]);
}

/** @internal A paddingIdx in [-n, n - 1] as a row, or null. */
export function paddingRow(op: string, n: number, paddingIdx: unknown): number | null {
  if (paddingIdx === undefined || paddingIdx === null) return null;
  if (typeof paddingIdx !== 'number' || !Number.isInteger(paddingIdx) || paddingIdx < -n || paddingIdx >= n) {
    throw new ArgumentError(`${op}: paddingIdx ${fmtArg(paddingIdx)} must be an integer in [${-n}, ${n - 1}] (the table has ${n} rows)`);
  }
  return paddingIdx < 0 ? paddingIdx + n : paddingIdx;
}

/** @internal A positive finite maxNorm (or null) and a positive normType. */
export function renormOptions(op: string, maxNorm: unknown, normType: unknown): { maxNorm: number | null; normType: number } {
  const m = maxNorm ?? null;
  if (m !== null && !(typeof m === 'number' && m > 0 && Number.isFinite(m))) throw new ArgumentError(`${op}: maxNorm must be a positive number, got ${fmtArg(m)}`);
  const p = normType ?? 2;
  if (!(typeof p === 'number' && p > 0 && Number.isFinite(p))) throw new ArgumentError(`${op}: normType must be a positive number, got ${fmtArg(p)}`);
  return { maxNorm: m as number | null, normType: p };
}

/** @internal mode checked. */
export function bagMode(op: string, mode: unknown): EmbeddingBagMode {
  const m = mode ?? 'mean';
  if (m !== 'sum' && m !== 'mean' && m !== 'max') throw new ArgumentError(`${op}: mode must be 'sum', 'mean' or 'max', got ${fmtArg(m)}`);
  return m;
}

/** Where each bag starts and ends in the flat input. */
function bagBounds(op: string, input: Tensor, offsets: Tensor | null | undefined, includeLastOffset: boolean): { starts: number[]; ends: number[] } {
  const total = input.size;
  if (input.ndim === 2) {
    if (offsets !== undefined && offsets !== null) {
      throw new ArgumentError(`${op}: input ${input.describe()} is 2-D (one bag per row), so offsets must be null, got ${offsets instanceof Tensor ? offsets.describe() : fmtArg(offsets)}`);
    }
    const [rows, cols] = input.shape;
    return { starts: Array.from({ length: rows }, (_, b) => b * cols), ends: Array.from({ length: rows }, (_, b) => (b + 1) * cols) };
  }
  if (offsets === undefined || offsets === null) throw new ArgumentError(`${op}: input ${input.describe()} is 1-D, so offsets (the start of each bag) is required`);
  assertTensor(op, 'offsets', offsets);
  if (offsets.dtype !== 'int32') throw new DTypeError(`${op}: offsets must be int32, got ${offsets.describe()}`);
  if (offsets.ndim !== 1) throw new ShapeError(`${op}: offsets must be 1-D, got ${offsets.describe()}`);
  const off = hostValues(offsets) as Int32Array;
  if (off.length > 0 && off[0] !== 0) throw new ArgumentError(`${op}: offsets[0] must be 0 (the first bag starts the input), got ${off[0]}`);
  for (let i = 1; i < off.length; i++) {
    if (off[i] < off[i - 1]) throw new ArgumentError(`${op}: offsets must be non-decreasing, but offsets[${i}] = ${off[i]} < offsets[${i - 1}] = ${off[i - 1]}`);
  }
  if (off.length > 0 && off[off.length - 1] > total) throw new ArgumentError(`${op}: offsets[${off.length - 1}] = ${off[off.length - 1]} is past the end of input ${input.describe()}`);
  // includeLastOffset: n + 1 offsets delimit n bags, the last offset being input's length (CSR).
  // PyTorch does not check that, and past it its results differ by dtype and mode; so it is an error here.
  if (includeLastOffset && off.length > 0 && off[off.length - 1] !== total) {
    throw new ArgumentError(`${op}: with includeLastOffset the last offset must be input's length ${total} (CSR layout), got offsets[${off.length - 1}] = ${off[off.length - 1]}`);
  }
  // Otherwise the last bag runs to the end of input.
  const bags = includeLastOffset ? Math.max(0, off.length - 1) : off.length;
  const starts: number[] = [], ends: number[] = [];
  for (let b = 0; b < bags; b++) {
    starts.push(off[b]);
    ends.push(b + 1 < off.length ? off[b + 1] : total);
  }
  return { starts, ends };
}

/** @internal embeddingBag with the name errors carry. */
export function embeddingBagNamed(op: string, input: Tensor, weight: Tensor, offsets: Tensor | null | undefined, opts?: EmbeddingBagOptions): Tensor {
  assertTensor(op, 'input', input);
  assertFloatTensor(op, 'weight', weight);
  if (input.dtype !== 'int32') throw new DTypeError(`${op}: input must be int32 indices, got ${input.describe()}`);
  if (weight.ndim !== 2) throw new ShapeError(`${op}: weight must be 2-D [numEmbeddings, embeddingDim], got ${weight.describe()}`);
  if (input.ndim !== 1 && input.ndim !== 2) throw new ShapeError(`${op}: input must be 1-D (with offsets) or 2-D [bags, bagSize], got ${input.describe()}`);
  const [n, dim] = weight.shape;
  const mode = bagMode(op, opts?.mode);
  const includeLastOffset = opts?.includeLastOffset ?? false;
  if (typeof includeLastOffset !== 'boolean') throw new ArgumentError(`${op}: includeLastOffset must be a boolean, got ${fmtArg(includeLastOffset)}`);
  const pad = paddingRow(op, n, opts?.paddingIdx);
  const { maxNorm, normType } = renormOptions(op, opts?.maxNorm, opts?.normType);
  const psw = opts?.perSampleWeights ?? null;
  if (psw !== null) {
    if (mode !== 'sum') throw new ArgumentError(`${op}: perSampleWeights is supported with mode 'sum' only (as in PyTorch), got mode '${mode}'`);
    assertFloatTensor(op, 'perSampleWeights', psw);
    if (psw.dtype !== weight.dtype) throw new DTypeError(`${op}: perSampleWeights ${psw.describe()} and weight ${weight.describe()} must have the same dtype`);
    if (psw.ndim !== input.ndim || psw.shape.some((s, i) => s !== input.shape[i])) throw new ShapeError(`${op}: perSampleWeights ${psw.describe()} must have input's shape ${input.describe()}`);
  }
  const { starts, ends } = bagBounds(op, input, offsets, includeLastOffset);
  const ids = hostValues(input) as Int32Array;
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0 || ids[i] >= n) throw new ArgumentError(`${op}: index ${ids[i]} (at flat position ${i} of input ${input.describe()}) is out of range for ${n} embeddings`);
  }
  if (maxNorm !== null) embeddingRenorm_(weight, ids, maxNorm, normType);

  const plan = planBags(ids, starts, ends, pad);
  const bags = starts.length, device = weight.device;
  if (mode === 'max') return bagMax(weight, ids, plan, dim, device);

  const kept = plan.positions.length;
  let rows = indexSelect(weight, 0, intTensor(plan.positions.map((p) => ids[p]), device));
  if (psw !== null) {
    // Every entry kept: the bags cover input in order, so the weights line up as they are.
    const flat = reshape(psw, [input.size]);
    const w = kept === input.size ? flat : indexSelect(flat, 0, intTensor(plan.positions, device));
    rows = mul(rows, reshape(w, [kept, 1]));
  }
  const sums = indexAdd(zeros([bags, dim], { dtype: weight.dtype, device }), 0, intTensor(plan.bagOf, device), rows);
  if (mode === 'sum') return sums;
  const counts = Float64Array.from(plan.counts, (c) => Math.max(1, c));
  return div(sums, reshape(tensor(counts, { dtype: weight.dtype, device }), [bags, 1]));
}

/** The kept entries (padding left out) in bag order: their flat positions and bags, and each bag's count and first entry. */
interface BagPlan { positions: Int32Array; bagOf: Int32Array; counts: Int32Array; firstEntry: Int32Array }

function planBags(ids: Int32Array, starts: number[], ends: number[], pad: number | null): BagPlan {
  const bags = starts.length;
  const positions = new Int32Array(ids.length), bagOf = new Int32Array(ids.length);
  const counts = new Int32Array(bags), firstEntry = new Int32Array(bags);
  let k = 0;
  for (let b = 0; b < bags; b++) {
    firstEntry[b] = k;
    for (let p = starts[b]; p < ends[b]; p++) {
      if (ids[p] === pad) continue;
      positions[k] = p;
      bagOf[k] = b;
      k++;
    }
    counts[b] = k - firstEntry[b];
  }
  return { positions: positions.slice(0, k), bagOf: bagOf.slice(0, k), counts, firstEntry };
}

function intTensor(values: Int32Array, device: Device): Tensor {
  return tensor(values, { dtype: 'int32', device });
}

/** The max mode: each bag padded to the longest by repeating its first row, then max over the bag dim. */
function bagMax(weight: Tensor, ids: Int32Array, plan: BagPlan, dim: number, device: Device): Tensor {
  const { positions, counts, firstEntry } = plan;
  const bags = counts.length;
  if (bags === 0) {
    const none = new Int32Array(0);
    return indexAdd(zeros([0, dim], { dtype: weight.dtype, device }), 0, intTensor(none, device), indexSelect(weight, 0, intTensor(none, device)));
  }
  let longest = 1, empty = 0;
  for (let b = 0; b < bags; b++) {
    longest = Math.max(longest, counts[b]);
    if (counts[b] === 0) empty++;
  }
  const table = new Int32Array(bags * longest);
  for (let b = 0; b < bags; b++) {
    // An empty bag reads row 0 and is then replaced by zeros.
    const first = counts[b] ? ids[positions[firstEntry[b]]] : 0;
    for (let j = 0; j < longest; j++) table[b * longest + j] = j < counts[b] ? ids[positions[firstEntry[b] + j]] : first;
  }
  const { values } = max(reshape(indexSelect(weight, 0, intTensor(table, device)), [bags, longest, dim]), 1);
  if (empty === 0) return values;
  const filled = reshape(tensor(Uint8Array.from(counts, (c) => (c ? 1 : 0)), { dtype: 'bool', device }), [bags, 1]);
  return where(filled, values, 0);
}

/**
 * Reduces bags of embedding rows without materialising them (torch.nn.functional.embedding_bag):
 * for each bag, the sum, mean or max of weight's rows at the bag's int32 indices → [bags, D].
 * Bags are the rows of a 2-D input [B, N] (offsets null), or slices of a 1-D input starting at
 * `offsets` (offsets[0] = 0, non-decreasing; with includeLastOffset one more offset, input's length,
 * ends the last bag). perSampleWeights (mode 'sum') scale each row; entries equal to paddingIdx are left out;
 * an empty bag gives zeros. Gradients reach weight and perSampleWeights.
 * @example
 * // two bags: indices [1, 2, 4] and [5, 4, 3, 2]
 * const y = embeddingBag(tensor([1, 2, 4, 5, 4, 3, 2], { dtype: 'int32' }), weight, tensor([0, 3], { dtype: 'int32' }), { mode: 'sum' });
 */
export function embeddingBag(input: Tensor, weight: Tensor, offsets?: Tensor | null, opts?: EmbeddingBagOptions): Tensor {
  return embeddingBagNamed('embeddingBag', input, weight, offsets, opts);
}

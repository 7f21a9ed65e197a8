/**
 * Variable-length sequences for the recurrent layers (torch.nn.utils.rnn): padSequence,
 * packPaddedSequence, padPackedSequence, packSequence and the PackedSequence they pass around.
 *
 * A PackedSequence stores the valid steps of a batch time step by time step, the sequences sorted
 * by decreasing length: data [sum(lengths), *], with batchSizes[t] the number of sequences longer
 * than t. nn.RNN, nn.LSTM and nn.GRU take one and stop each sequence at its own length.
 *
 * Every function here is one indexSelect (plus a cat for padding), so gradients flow through
 * packing and unpacking.
 * @example
 * import { nn, tensor } from 'lattice-ml';
 * const { packPaddedSequence, padPackedSequence } = nn.utils.rnn;
 * const packed = packPaddedSequence(x, [5, 3, 2], { batchFirst: true });  // x [3, 5, 8]
 * const [out, h] = gru.call(packed);
 * const [y, lengths] = padPackedSequence(out, { batchFirst: true });       // y [3, 5, H]
 */
import { ArgumentError, DTypeError, ShapeError, fmtArg, fmtShape, fmtValue } from '../../errors';
import { full, tensor } from '../../ops/creation';
import { indexSelect } from '../../ops/indexing';
import { cat, reshape } from '../../ops/shape';
import { assertTensor, hostValues } from '../../ops/util';
import type { Device } from '../../tensor/device';
import { Tensor } from '../../tensor/tensor';

/** The layout of a PackedSequence on the host. */
interface Layout {
  /** Sequences still running at each time step, non-increasing. */
  batchSizes: number[];
  /** Row of data where each time step starts. */
  offsets: number[];
  /** sortedOrder[j]: the batch index of the j-th longest sequence. */
  sortedOrder: Int32Array;
  /** position[b]: where batch index b sits in the sorted order (the inverse of sortedOrder). */
  position: Int32Array;
  /** Each sequence's length, by batch index. */
  lengths: number[];
}

const layouts = new WeakMap<PackedSequence, Layout>();

function int32(values: ArrayLike<number>, device: Device = 'cpu'): Tensor {
  return tensor(Int32Array.from(values), { dtype: 'int32', device });
}

/** The permutation's inverse: inv[perm[j]] = j. */
function invert(perm: ArrayLike<number>): Int32Array {
  const inv = new Int32Array(perm.length);
  for (let j = 0; j < perm.length; j++) inv[perm[j]] = j;
  return inv;
}

/** A 1-D integer tensor's values, checked; `what` names it in errors. */
function intList(op: string, what: string, t: Tensor): number[] {
  if (t.ndim !== 1) throw new ShapeError(`${op}: ${what} must be 1-D, got ${t.describe()}`);
  if (t.dtype === 'bool') throw new DTypeError(`${op}: ${what} must hold integers, got ${t.describe()}`);
  const v = Array.from(hostValues(t));
  v.forEach((x, i) => { if (!Number.isInteger(x)) throw new ArgumentError(`${op}: ${what}[${i}] is ${x}, not an integer`); });
  return v;
}

function checkPermutation(op: string, what: string, v: number[], n: number): void {
  const seen = new Uint8Array(n);
  if (v.length !== n || v.some((x) => x < 0 || x >= n || seen[x]++)) {
    throw new ArgumentError(`${op}: ${what} ${fmtValue(v)} must be a permutation of 0..${n - 1} (batchSizes[0] = ${n})`);
  }
}

/**
 * A batch of variable-length sequences packed time step by time step (PyTorch's PackedSequence).
 * Build one with packPaddedSequence or packSequence rather than by hand.
 *
 * - `data` (shape sum(lengths) × the feature dims): the steps of all sequences, time step 0 of every sequence first,
 *   then step 1 of those longer than 1, and so on, within a step longest sequence first.
 * - `batchSizes` (int32, cpu, maxLength long): how many sequences are longer than t.
 * - `sortedIndices` (int32): the batch index of the j-th longest sequence, or null when the
 *   batch was already sorted by decreasing length (enforceSorted).
 * - `unsortedIndices` (int32): the inverse permutation, or null with sortedIndices.
 * @example
 * const p = nn.utils.rnn.packSequence([tensor([[1], [2], [3]]), tensor([[4], [5]])]);
 * p.data.shape        // [5, 1]: 1, 4, 2, 5, 3
 * p.batchSizes.values // Int32Array [2, 2, 1]
 */
export class PackedSequence {
  /** The packed steps, [sum(lengths), *]. */
  readonly data: Tensor;
  /** Sequences running at each time step (int32, cpu, non-increasing). */
  readonly batchSizes: Tensor;
  /** sortedIndices[j]: the batch index of the j-th longest sequence; null when the input was sorted. */
  readonly sortedIndices: Tensor | null;
  /** The inverse of sortedIndices: where each batch index sits in the packed order; null with it. */
  readonly unsortedIndices: Tensor | null;

  /**
   * Wraps packed data. unsortedIndices defaults to the inverse of sortedIndices, as in PyTorch.
   * @example `new nn.utils.rnn.PackedSequence(out.data.relu(), out.batchSizes, out.sortedIndices, out.unsortedIndices)`
   */
  constructor(data: Tensor, batchSizes: Tensor, sortedIndices: Tensor | null = null, unsortedIndices: Tensor | null = null) {
    const op = 'PackedSequence';
    assertTensor(op, 'data', data);
    assertTensor(op, 'batchSizes', batchSizes);
    if (data.ndim < 1) throw new ShapeError(`${op}: data must be [sum(lengths), *], got ${data.describe()}`);
    const sizes = intList(op, 'batchSizes', batchSizes);
    if (sizes.length === 0) throw new ShapeError(`${op}: batchSizes is empty: a packed batch needs at least one time step`);
    sizes.forEach((s, t) => {
      if (s < 1 || (t > 0 && s > sizes[t - 1])) throw new ArgumentError(`${op}: batchSizes ${fmtValue(sizes)} must be positive and non-increasing (batchSizes[${t}] = ${s})`);
    });
    const total = sizes.reduce((a, b) => a + b, 0);
    if (data.shape[0] !== total) throw new ShapeError(`${op}: data ${data.describe()} has ${data.shape[0]} rows but batchSizes ${fmtValue(sizes)} sum to ${total}`);
    const B = sizes[0];
    let sortedOrder: Int32Array;
    if (sortedIndices !== null && sortedIndices !== undefined) {
      assertTensor(op, 'sortedIndices', sortedIndices);
      const v = intList(op, 'sortedIndices', sortedIndices);
      checkPermutation(op, 'sortedIndices', v, B);
      sortedOrder = Int32Array.from(v);
      if (unsortedIndices === null || unsortedIndices === undefined) unsortedIndices = int32(invert(sortedOrder), sortedIndices.device);
      else {
        assertTensor(op, 'unsortedIndices', unsortedIndices);
        const u = intList(op, 'unsortedIndices', unsortedIndices);
        const inv = invert(sortedOrder);
        if (u.length !== B || u.some((x, i) => x !== inv[i])) throw new ArgumentError(`${op}: unsortedIndices ${fmtValue(u)} must be the inverse of sortedIndices ${fmtValue(v)}`);
      }
    } else {
      if (unsortedIndices !== null && unsortedIndices !== undefined) throw new ArgumentError(`${op}: unsortedIndices is given without sortedIndices`);
      sortedOrder = Int32Array.from({ length: B }, (_, j) => j);
    }
    this.data = data;
    this.batchSizes = batchSizes.dtype === 'int32' && batchSizes.device === 'cpu' ? batchSizes : int32(sizes);
    this.sortedIndices = sortedIndices ?? null;
    this.unsortedIndices = unsortedIndices ?? null;
    const offsets: number[] = [];
    let at = 0;
    for (const s of sizes) { offsets.push(at); at += s; }
    const position = invert(sortedOrder);
    const lengths = new Array<number>(B).fill(0);
    for (const s of sizes) for (let j = 0; j < s; j++) lengths[sortedOrder[j]]++;
    layouts.set(this, { batchSizes: sizes, offsets, sortedOrder, position, lengths });
  }

  /** Number of sequences (batchSizes[0]). @example `packed.batchSize` */
  get batchSize(): number {
    return layoutOf(this).batchSizes[0];
  }

  /** Prints the shapes. @example `String(packed)  // PackedSequence(data=[9,4] float32, batchSizes=[3,3,2,1])` */
  toString(): string {
    return `PackedSequence(data=${fmtShape(this.data.shape)} ${this.data.dtype}, batchSizes=${fmtValue(layoutOf(this).batchSizes)})`;
  }
}

function layoutOf(p: PackedSequence): Layout {
  const l = layouts.get(p);
  if (!l) throw new ArgumentError(`expected a PackedSequence made by its constructor, got ${fmtArg(p)}`);
  return l;
}

/** Row index of step t of batch entry b in a [T, B] or [B, T] layout. */
const rowOf = (batchFirst: boolean, T: number, B: number) => (t: number, b: number): number => (batchFirst ? b * T + t : t * B + b);

/** The index picking the packed rows out of a padded [T·B, *] (or [B·T, *]) tensor in its layout. */
function packIndex(l: Layout, T: number, batchFirst: boolean): Int32Array {
  const B = l.batchSizes[0], row = rowOf(batchFirst, T, B);
  const idx = new Int32Array(l.offsets[l.offsets.length - 1] + l.batchSizes[l.batchSizes.length - 1]);
  l.batchSizes.forEach((s, t) => { for (let j = 0; j < s; j++) idx[l.offsets[t] + j] = row(t, l.sortedOrder[j]); });
  return idx;
}

/**
 * packed data [N, *] → padded [T, B, *] ([B, T, *] with batchFirst) in batch order, `paddingValue`
 * past each sequence's end. One indexSelect over data with a padding row appended.
 */
function unpack(p: PackedSequence, T: number, batchFirst: boolean, paddingValue: number): Tensor {
  const l = layoutOf(p), data = p.data, B = l.batchSizes[0], N = data.shape[0];
  const row = rowOf(batchFirst, T, B);
  const idx = new Int32Array(T * B).fill(N);
  for (let b = 0; b < B; b++) {
    const j = l.position[b];
    for (let t = 0; t < l.lengths[b]; t++) idx[row(t, b)] = l.offsets[t] + j;
  }
  const padded = l.lengths.every((n) => n === T);
  const source = padded ? data : cat([data, full([1, ...data.shape.slice(1)], paddingValue, { dtype: data.dtype, device: data.device })], 0);
  const out = indexSelect(source, 0, int32(idx, data.device));
  return reshape(out, [...(batchFirst ? [B, T] : [T, B]), ...data.shape.slice(1)]);
}

/**
 * @internal For nn.RNN/LSTM/GRU: the packed input as padded [T, B, *] (zeros past each end), each
 * sequence's length by batch index, and a function that packs a [T, B, F] result the same way.
 */
export function unpackForRecurrent(p: PackedSequence): { padded: Tensor; lengths: number[]; repack: (y: Tensor) => PackedSequence } {
  const l = layoutOf(p), T = l.batchSizes.length;
  return {
    padded: unpack(p, T, false, 0),
    lengths: l.lengths,
    repack: (y) => {
      const rows = reshape(y, [y.shape[0] * y.shape[1], ...y.shape.slice(2)]);
      const data = indexSelect(rows, 0, int32(packIndex(l, T, false), y.device));
      return new PackedSequence(data, p.batchSizes, p.sortedIndices, p.unsortedIndices);
    },
  };
}

/** Options of padSequence. @example `{ batchFirst: true, paddingValue: -1, paddingSide: 'left' }` */
export interface PadSequenceOptions {
  /** Return [B, T, *] instead of [T, B, *] (default false). */
  batchFirst?: boolean;
  /** The value past each sequence's end (default 0). */
  paddingValue?: number;
  /** Pad after each sequence ('right', default) or before it ('left'). */
  paddingSide?: 'right' | 'left';
}

/** Options of packPaddedSequence. @example `{ batchFirst: true, enforceSorted: false }` */
export interface PackPaddedOptions {
  /** input is [B, T, *] instead of [T, B, *] (default false). */
  batchFirst?: boolean;
  /**
   * Require lengths in decreasing order (default true, as PyTorch); false sorts the batch
   * internally and records the permutation in sortedIndices / unsortedIndices.
   */
  enforceSorted?: boolean;
}

/** Options of padPackedSequence. @example `{ batchFirst: true, totalLength: 50 }` */
export interface PadPackedOptions {
  /** Return [B, T, *] instead of [T, B, *] (default false). */
  batchFirst?: boolean;
  /** The value past each sequence's end (default 0). */
  paddingValue?: number;
  /** Pad to this many time steps instead of the longest length (must be at least that). */
  totalLength?: number;
}

/** Options of packSequence. @example `{ enforceSorted: false }` */
export interface PackSequenceOptions {
  /** Require the sequences in decreasing length (default true); false sorts them internally. */
  enforceSorted?: boolean;
}

function boolOpt(op: string, name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new ArgumentError(`${op}: ${name} must be a boolean, got ${fmtArg(v)}`);
  return v;
}

function numberOpt(op: string, name: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new ArgumentError(`${op}: ${name} must be a number, got ${fmtArg(v)}`);
  return v;
}

function checkSequences(op: string, sequences: unknown): Tensor[] {
  if (!Array.isArray(sequences) || sequences.length === 0) throw new ArgumentError(`${op}: sequences must be a non-empty array of tensors [length, *], got ${Array.isArray(sequences) ? 'an empty array' : fmtArg(sequences)}`);
  sequences.forEach((s, i) => assertTensor(op, `sequences[${i}]`, s));
  const seqs = sequences as Tensor[], first = seqs[0];
  seqs.forEach((s, i) => {
    if (s.ndim < 1) throw new ShapeError(`${op}: sequences[${i}] must be [length, *], got ${s.describe()}`);
    const tail = s.shape.slice(1), want = first.shape.slice(1);
    if (tail.length !== want.length || tail.some((d, k) => d !== want[k])) {
      throw new ShapeError(`${op}: sequences[${i}] is ${s.describe()} but sequences[0] is ${first.describe()}: all must share the dims after the first ([length, ${want.join(', ')}])`);
    }
    if (s.dtype !== first.dtype) throw new DTypeError(`${op}: sequences[${i}] is ${s.dtype} but sequences[0] is ${first.dtype}`);
  });
  return seqs;
}

function pad(op: string, sequences: unknown, opts: PadSequenceOptions | undefined): Tensor {
  const seqs = checkSequences(op, sequences);
  const batchFirst = boolOpt(op, 'batchFirst', opts?.batchFirst, false);
  const paddingValue = numberOpt(op, 'paddingValue', opts?.paddingValue, 0);
  const side = opts?.paddingSide ?? 'right';
  if (side !== 'right' && side !== 'left') throw new ArgumentError(`${op}: paddingSide must be 'right' or 'left', got ${fmtArg(side)}`);
  const lengths = seqs.map((s) => s.shape[0]), B = seqs.length, T = Math.max(...lengths);
  const N = lengths.reduce((a, b) => a + b, 0), row = rowOf(batchFirst, T, B), tail = seqs[0].shape.slice(1);
  const idx = new Int32Array(T * B).fill(N);
  let start = 0;
  lengths.forEach((n, b) => {
    const shift = side === 'left' ? T - n : 0;
    for (let t = 0; t < n; t++) idx[row(t + shift, b)] = start + t;
    start += n;
  });
  const full_ = lengths.every((n) => n === T);
  const parts = full_ ? seqs : [...seqs, full([1, ...tail], paddingValue, { dtype: seqs[0].dtype, device: seqs[0].device })];
  const source = parts.length === 1 ? parts[0] : cat(parts, 0);
  return reshape(indexSelect(source, 0, int32(idx, source.device)), [...(batchFirst ? [B, T] : [T, B]), ...tail]);
}

/**
 * Pads a list of sequences [L_i, *] to the longest and stacks them: [T, B, *], or [B, T, *] with
 * batchFirst, T = max L_i. Differentiable.
 * @example
 * const x = nn.utils.rnn.padSequence([randn([5, 8]), randn([3, 8])], { batchFirst: true });  // [2, 5, 8]
 */
export function padSequence(sequences: Tensor[], opts?: PadSequenceOptions): Tensor {
  return pad('padSequence', sequences, opts);
}

function lengthList(op: string, lengths: unknown): number[] {
  if (lengths instanceof Tensor) return intList(op, 'lengths', lengths);
  if (Array.isArray(lengths) || ArrayBuffer.isView(lengths)) return Array.from(lengths as ArrayLike<number>);
  throw new ArgumentError(`${op}: lengths must be an array of integers or a 1-D tensor, got ${fmtArg(lengths)}`);
}

function pack(op: string, input: Tensor, lengthsArg: unknown, batchFirst: boolean, enforceSorted: boolean): PackedSequence {
  assertTensor(op, 'input', input);
  const layout = batchFirst ? '[batch, time, *]' : '[time, batch, *]';
  if (input.ndim < 2) throw new ShapeError(`${op}: input must be ${layout}, got ${input.describe()}`);
  const [T, B] = batchFirst ? [input.shape[1], input.shape[0]] : [input.shape[0], input.shape[1]];
  const lengths = lengthList(op, lengthsArg);
  if (lengths.length !== B) throw new ShapeError(`${op}: lengths has ${lengths.length} entries but input ${input.describe()} holds ${B} sequences (${layout})`);
  lengths.forEach((n, i) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > T) {
      throw new ArgumentError(`${op}: lengths[${i}] is ${fmtArg(n)} but every length must be an integer from 1 to the ${T} time steps of input ${input.describe()} (${layout})`);
    }
  });
  let order: Int32Array | null = null;
  if (enforceSorted) {
    for (let i = 1; i < B; i++) {
      if (lengths[i] > lengths[i - 1]) {
        throw new ArgumentError(`${op}: lengths ${fmtValue(lengths)} must be in decreasing order when enforceSorted is true (lengths[${i - 1}] = ${lengths[i - 1]} < lengths[${i}] = ${lengths[i]}); pass { enforceSorted: false } to sort internally`);
      }
    }
  } else {
    // Stable, as torch.sort(descending=True) on the cpu: equal lengths keep their batch order.
    order = Int32Array.from(Array.from({ length: B }, (_, b) => b).sort((a, b) => lengths[b] - lengths[a]));
  }
  const sortedOrder = order ?? Int32Array.from({ length: B }, (_, b) => b);
  const maxLen = lengths[sortedOrder[0]];
  const batchSizes: number[] = [];
  for (let t = 0; t < maxLen; t++) batchSizes.push(lengths.filter((n) => n > t).length);
  const row = rowOf(batchFirst, T, B), idx: number[] = [];
  batchSizes.forEach((s, t) => { for (let j = 0; j < s; j++) idx.push(row(t, sortedOrder[j])); });
  const rows = reshape(input, [T * B, ...input.shape.slice(2)]);
  const data = indexSelect(rows, 0, int32(idx, input.device));
  const sortedIndices = order ? int32(order, input.device) : null;
  return new PackedSequence(data, int32(batchSizes), sortedIndices, order ? int32(invert(order), input.device) : null);
}

/**
 * Packs a padded batch, [T, B, *] ([B, T, *] with batchFirst), whose sequence b is `lengths[b]`
 * steps long, for nn.RNN, nn.LSTM or nn.GRU. Lengths must be in decreasing order unless
 * `enforceSorted: false`; each must lie in 1..T. Differentiable with respect to input.
 * @example
 * const packed = nn.utils.rnn.packPaddedSequence(x, [2, 5, 3], { batchFirst: true, enforceSorted: false });
 * packed.batchSizes.values  // Int32Array [3, 3, 2, 1, 1]
 */
export function packPaddedSequence(input: Tensor, lengths: number[] | Int32Array | Tensor, opts?: PackPaddedOptions): PackedSequence {
  const op = 'packPaddedSequence';
  return pack(op, input, lengths, boolOpt(op, 'batchFirst', opts?.batchFirst, false), boolOpt(op, 'enforceSorted', opts?.enforceSorted, true));
}

/**
 * The inverse of packPaddedSequence: returns [padded, lengths], padded [T, B, *] ([B, T, *] with
 * batchFirst) in the original batch order with `paddingValue` past each end, T the longest length
 * or `totalLength`, and lengths (int32) each sequence's length. Differentiable.
 * @example
 * const [y, lengths] = nn.utils.rnn.padPackedSequence(out, { batchFirst: true, totalLength: x.shape[1] });
 */
export function padPackedSequence(sequence: PackedSequence, opts?: PadPackedOptions): [Tensor, Tensor] {
  const op = 'padPackedSequence';
  if (!(sequence instanceof PackedSequence)) throw new ArgumentError(`${op}: sequence must be a PackedSequence, got ${(sequence as unknown) instanceof Tensor ? (sequence as unknown as Tensor).describe() : fmtArg(sequence)}`);
  const batchFirst = boolOpt(op, 'batchFirst', opts?.batchFirst, false);
  const paddingValue = numberOpt(op, 'paddingValue', opts?.paddingValue, 0);
  const l = layoutOf(sequence), maxLen = l.batchSizes.length;
  let T = maxLen;
  if (opts?.totalLength !== undefined) {
    const total = opts.totalLength;
    if (typeof total !== 'number' || !Number.isInteger(total) || total < maxLen) {
      throw new ArgumentError(`${op}: totalLength must be an integer at least the longest sequence's length ${maxLen}, got ${fmtArg(total)}`);
    }
    T = total;
  }
  return [unpack(sequence, T, batchFirst, paddingValue), int32(l.lengths)];
}

/**
 * Packs a list of sequences [L_i, *] (padSequence then packPaddedSequence). They must be in
 * decreasing length unless `enforceSorted: false`; none may be empty.
 * @example
 * const packed = nn.utils.rnn.packSequence([randn([3, 8]), randn([5, 8])], { enforceSorted: false });
 */
export function packSequence(sequences: Tensor[], opts?: PackSequenceOptions): PackedSequence {
  const op = 'packSequence';
  const seqs = checkSequences(op, sequences);
  const enforceSorted = boolOpt(op, 'enforceSorted', opts?.enforceSorted, true);
  seqs.forEach((s, i) => { if (s.shape[0] === 0) throw new ArgumentError(`${op}: sequences[${i}] is ${s.describe()}: every sequence needs at least one step`); });
  return pack(op, pad(op, seqs, undefined), seqs.map((s) => s.shape[0]), false, enforceSorted);
}

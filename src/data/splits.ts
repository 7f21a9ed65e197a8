/**
 * Dataset splits for generalisation and out-of-distribution evaluation:
 * random splits (torch.utils.data.random_split), held-out classes (train on
 * some classes, treat the rest as OOD), and group splits (no group, such as a
 * subject or a recording session, appears on both sides).
 */
import { getDefaultGenerator, type PhiloxStream } from '../backend/philox';
import { ArgumentError, fmtArg } from '../errors';
import { Tensor } from '../tensor/tensor';
import { Subset, type Dataset } from './dataset';

/** Integer labels or group ids, as a tensor or an array. */
export type Labels = Tensor | ArrayLike<number>;

function labelValues(op: string, arg: string, labels: Labels): ArrayLike<number> {
  if (labels instanceof Tensor) {
    if (labels.ndim !== 1) throw new ArgumentError(`${op}: ${arg} must be 1-D, got ${labels.describe()}`);
    return labels.values;
  }
  if (labels === null || typeof labels !== 'object' || typeof (labels as ArrayLike<number>).length !== 'number') {
    throw new ArgumentError(`${op}: ${arg} must be a 1-D tensor or an array of numbers`);
  }
  return labels;
}

/** A Fisher-Yates permutation of 0..n-1 from the generator. */
function permutation(n: number, g: PhiloxStream): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const u = g.uniform(n, 'float64');
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const t = order[i]; order[i] = order[j]; order[j] = t;
  }
  return order;
}

/** Turns fractions summing to 1 into counts summing to n (remainders go to the first splits, as PyTorch). */
function splitSizes(op: string, n: number, lengths: number[]): number[] {
  if (!Array.isArray(lengths) || lengths.length === 0 || lengths.some((l) => typeof l !== 'number' || !(l >= 0))) {
    throw new ArgumentError(`${op}: lengths must be a non-empty list of counts or fractions, got ${fmtArg(lengths)}`);
  }
  const total = lengths.reduce((s, l) => s + l, 0);
  if (lengths.every((l) => l <= 1) && Math.abs(total - 1) < 1e-9 && total !== n) {
    const sizes = lengths.map((f) => Math.floor(f * n));
    let rest = n - sizes.reduce((s, v) => s + v, 0);
    for (let i = 0; rest > 0; i = (i + 1) % sizes.length, rest--) sizes[i]++;
    return sizes;
  }
  if (lengths.some((l) => !Number.isInteger(l)) || total !== n) {
    throw new ArgumentError(`${op}: lengths [${lengths.join(', ')}] must be counts summing to the dataset's length ${n}, or fractions summing to 1`);
  }
  return lengths;
}

/**
 * Splits a dataset into non-overlapping random subsets of the given sizes
 * (counts, or fractions summing to 1).
 * @example `const [trainSet, valSet] = data.randomSplit(dataset, [0.9, 0.1], { generator: new PhiloxStream(0) })`
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: number[], opts: { generator?: PhiloxStream } = {}): Subset<T>[] {
  const op = 'randomSplit';
  if (!dataset || typeof dataset.length !== 'number') throw new ArgumentError(`${op}: dataset must have a length`);
  const sizes = splitSizes(op, dataset.length, lengths);
  const order = permutation(dataset.length, opts.generator ?? getDefaultGenerator());
  let at = 0;
  return sizes.map((size) => {
    const part = order.slice(at, at + size);
    at += size;
    return new Subset(dataset, part);
  });
}

/** Indices of the kept and the held-out classes. @example `const { kept, heldOut } = holdOutClasses(labels, [8, 9])` */
export interface HoldOutSplit {
  /** Indices of examples whose label is not held out, in order. */
  kept: Int32Array;
  /** Indices of examples whose label is held out, in order. */
  heldOut: Int32Array;
}

/**
 * Splits example indices by label: the held-out classes form an
 * out-of-distribution set, the rest stay in distribution.
 * @example `const { kept, heldOut } = data.holdOutClasses(train.labels, [8, 9])`
 */
export function holdOutClasses(labels: Labels, classes: number[]): HoldOutSplit {
  const op = 'holdOutClasses';
  const values = labelValues(op, 'labels', labels);
  if (!Array.isArray(classes) || classes.length === 0 || classes.some((c) => !Number.isInteger(c))) {
    throw new ArgumentError(`${op}: classes must be a non-empty list of integer labels, got ${fmtArg(classes)}`);
  }
  const out = new Set(classes);
  const kept: number[] = [], heldOut: number[] = [];
  for (let i = 0; i < values.length; i++) (out.has(values[i]) ? heldOut : kept).push(i);
  if (heldOut.length === 0) throw new ArgumentError(`${op}: no example has a label in [${classes.join(', ')}]`);
  return { kept: Int32Array.from(kept), heldOut: Int32Array.from(heldOut) };
}

/** Train and test indices with whole groups on one side. @example `const { train, test } = groupSplit(writerIds, { testFraction: 0.2 })` */
export interface GroupSplit {
  train: Int32Array;
  test: Int32Array;
  /** The group ids on the test side. */
  testGroups: number[];
}

/**
 * Splits example indices so that every group lies entirely on one side: a
 * random `testFraction` of the groups (at least one, at most all but one) goes
 * to the test side.
 * @example `const { train, test } = data.groupSplit(subjectIds, { testFraction: 0.2, generator: new PhiloxStream(1) })`
 */
export function groupSplit(groups: Labels, opts: { testFraction?: number; generator?: PhiloxStream } = {}): GroupSplit {
  const op = 'groupSplit';
  const values = labelValues(op, 'groups', groups);
  const fraction = opts.testFraction ?? 0.2;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) throw new ArgumentError(`${op}: testFraction must be in (0, 1), got ${fmtArg(fraction)}`);
  const ids = [...new Set(Array.from(values))].sort((a, b) => a - b);
  if (ids.length < 2) throw new ArgumentError(`${op}: needs at least 2 distinct groups, got ${ids.length}`);
  const order = permutation(ids.length, opts.generator ?? getDefaultGenerator());
  const nTest = Math.min(ids.length - 1, Math.max(1, Math.round(fraction * ids.length)));
  const testGroups = Array.from(order.slice(0, nTest), (i) => ids[i]).sort((a, b) => a - b);
  const isTest = new Set(testGroups);
  const train: number[] = [], test: number[] = [];
  for (let i = 0; i < values.length; i++) (isTest.has(values[i]) ? test : train).push(i);
  return { train: Int32Array.from(train), test: Int32Array.from(test), testGroups };
}

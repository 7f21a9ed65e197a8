// Samplers (torch.utils.data semantics), the DataLoader's sampler / batchSampler options,
// ConcatDataset and classBalancedWeights. No PyTorch fixtures: torch's random streams differ,
// so orders are checked for their properties (permutations, ranges, frequencies, reproducibility).
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, PhiloxStream, ShapeError, data, nn, optim, train } from '../../src/index';

const { BatchSampler, ConcatDataset, DataLoader, RandomSampler, SequentialSampler, SubsetRandomSampler, TensorDataset, WeightedRandomSampler, classBalancedWeights } = data;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sorted = (xs: Iterable<number>) => [...xs].sort((a, b) => a - b);
const isPermutation = (xs: Iterable<number>, n: number) => expect(sorted(xs)).toEqual(range(n));
const sized = (n: number) => ({ length: n });

/** The DataLoader's shuffle before samplers existed, copied verbatim: the orders must not change. */
function oldOrder(n: number, shuffle: boolean, stream: PhiloxStream | null): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!shuffle) return order;
  const s = stream ?? new PhiloxStream(L.getDefaultGenerator().nextUint32(2).reduce((a, w, i) => a + BigInt(w) * (i ? 2n ** 32n : 1n), 0n));
  const r = s.nextUint32(n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((r[i] / 4294967296) * (i + 1));
    const t = order[i]; order[i] = order[j]; order[j] = t;
  }
  return order;
}

function oldBatches(order: Int32Array, batchSize: number, dropLast: boolean): number[][] {
  const out: number[][] = [];
  for (let at = 0; at < order.length; at += batchSize) {
    const b = order.subarray(at, Math.min(order.length, at + batchSize));
    if (b.length < batchSize && dropLast) break;
    out.push([...b]);
  }
  return out;
}

const plain = (bs: Int32Array[]) => bs.map((b) => [...b]);

describe('DataLoader: the default path keeps its orders', () => {
  it('gives the pre-sampler orders for a seed, epoch after epoch, and the same lengths', () => {
    for (const [n, bs, dropLast] of [[0, 4, false], [1, 1, false], [5, 2, true], [37, 8, false], [100, 32, true], [257, 10, false]] as const) {
      const loader = new DataLoader(new TensorDataset(L.zeros([n, 1])), { batchSize: bs, dropLast, shuffle: true, seed: 7 });
      const reference = new PhiloxStream(7);
      for (let epoch = 0; epoch < 3; epoch++) expect(plain(loader.batches())).toEqual(oldBatches(oldOrder(n, true, reference), bs, dropLast));
      expect(loader.length).toBe(dropLast ? Math.floor(n / bs) : Math.ceil(n / bs));
      const seq = new DataLoader(new TensorDataset(L.zeros([n, 1])), { batchSize: bs, dropLast });
      expect(plain(seq.batches())).toEqual(oldBatches(oldOrder(n, false, null), bs, dropLast));
    }
  });

  it('draws the same words of the global generator without a seed', () => {
    const loader = new DataLoader(new TensorDataset(L.zeros([50, 1])), { batchSize: 16, shuffle: true });
    L.manualSeed(3);
    const got = [plain(loader.batches()), plain(loader.batches())];
    const after = L.getDefaultGenerator().getState();
    L.manualSeed(3);
    const want = [oldBatches(oldOrder(50, true, null), 16, false), oldBatches(oldOrder(50, true, null), 16, false)];
    expect(got).toEqual(want);
    expect(L.getDefaultGenerator().getState()).toEqual(after);
    expect(loader.sampler).toBeInstanceOf(RandomSampler);
    expect(new DataLoader(new TensorDataset(L.zeros([3, 1]))).sampler).toBeInstanceOf(SequentialSampler);
  });
});

describe('SequentialSampler and RandomSampler', () => {
  it('SequentialSampler yields 0..n-1 and follows the dataset length', () => {
    const ds = { length: 5 };
    const s = new SequentialSampler(ds);
    expect([...s]).toEqual(range(5));
    expect(s.length).toBe(5);
    (ds as { length: number }).length = 2;
    expect([...s]).toEqual([0, 1]);
    expect(() => new SequentialSampler(null as never)).toThrow(/SequentialSampler: dataset must have a length/);
  });

  it('RandomSampler gives a permutation, reproducible for a generator seed and new each epoch', () => {
    const a = new RandomSampler(sized(200), { generator: new PhiloxStream(1) });
    const b = new RandomSampler(sized(200), { generator: new PhiloxStream(1) });
    const a1 = [...a], a2 = [...a];
    isPermutation(a1, 200);
    isPermutation(a2, 200);
    expect(a1).not.toEqual(a2);
    expect([...b]).toEqual(a1);
    expect([...b]).toEqual(a2);
    expect(a.length).toBe(200);
  });

  it('RandomSampler without a generator is reproducible under manualSeed and differs across epochs', () => {
    const s = new RandomSampler(sized(64));
    L.manualSeed(11);
    const e1 = [...s], e2 = [...s];
    L.manualSeed(11);
    expect([...s]).toEqual(e1);
    expect([...s]).toEqual(e2);
    expect(e1).not.toEqual(e2);
    L.manualSeed(12);
    expect([...s]).not.toEqual(e1);
  });

  it('RandomSampler with replacement draws numSamples indices in range; without, chains permutations', () => {
    const r = new RandomSampler(sized(10), { replacement: true, numSamples: 5000, generator: new PhiloxStream(2) });
    const draws = [...r];
    expect(draws).toHaveLength(5000);
    expect(r.length).toBe(5000);
    expect(draws.every((i) => Number.isInteger(i) && i >= 0 && i < 10)).toBe(true);
    expect(new Set(draws).size).toBe(10);
    const counts = new Array(10).fill(0);
    for (const i of draws) counts[i]++;
    for (const c of counts) expect(Math.abs(c - 500)).toBeLessThan(4 * Math.sqrt(5000 * 0.1 * 0.9));
    const chained = [...new RandomSampler(sized(4), { numSamples: 10, generator: new PhiloxStream(3) })];
    expect(chained).toHaveLength(10);
    isPermutation(chained.slice(0, 4), 4);
    isPermutation(chained.slice(4, 8), 4);
    expect(new Set(chained.slice(8)).size).toBe(2);
    const short = [...new RandomSampler(sized(10), { numSamples: 3, generator: new PhiloxStream(3) })];
    expect(short).toHaveLength(3);
    expect(new Set(short).size).toBe(3);
  });

  it('RandomSampler rejects bad options, naming them', () => {
    expect(() => new RandomSampler(sized(5), { numSamples: 0 })).toThrow(new ArgumentError('RandomSampler: numSamples must be a positive integer, got 0'));
    expect(() => new RandomSampler(sized(5), { numSamples: 2.5 })).toThrow(/RandomSampler: numSamples must be a positive integer, got 2.5/);
    expect(() => new RandomSampler(sized(5), { replacement: 'yes' as never })).toThrow(/RandomSampler: replacement must be a boolean, got "yes"/);
    expect(() => new RandomSampler(sized(5), { generator: 42 as never })).toThrow(/RandomSampler: generator must be a PhiloxStream, got 42/);
    expect(() => [...new RandomSampler(sized(0), { replacement: true, numSamples: 3 })]).toThrow(/RandomSampler: cannot draw 3 samples with replacement from an empty dataset/);
    expect([...new RandomSampler(sized(0))]).toEqual([]);
  });

  it('SubsetRandomSampler permutes the given indices', () => {
    const idx = [3, 9, 4, 17, 8];
    const s = new SubsetRandomSampler(idx, { generator: new PhiloxStream(5) });
    const e1 = [...s], e2 = [...s];
    expect(sorted(e1)).toEqual(sorted(idx));
    expect(sorted(e2)).toEqual(sorted(idx));
    expect(s.length).toBe(5);
    expect([...new SubsetRandomSampler(idx, { generator: new PhiloxStream(5) })]).toEqual(e1);
    const big = new SubsetRandomSampler(range(50).map((i) => 2 * i), { generator: new PhiloxStream(5) });
    expect([...big]).not.toEqual([...big]);
    expect(() => new SubsetRandomSampler([1, -2])).toThrow(/SubsetRandomSampler: indices\[1\] must be a non-negative integer, got -2/);
    expect(() => new SubsetRandomSampler(5 as never)).toThrow(/SubsetRandomSampler: indices must be an array of example indices, got 5/);
  });
});

describe('WeightedRandomSampler', () => {
  it('draws index i with probability w_i / sum within 4 standard errors over 100k draws, never a zero weight', () => {
    const w = [1, 2, 0, 3, 0.5, 0, 3.5];
    const total = w.reduce((a, b) => a + b, 0);
    const N = 100_000;
    const s = new WeightedRandomSampler(w, N, { generator: new PhiloxStream(9) });
    expect(s.length).toBe(N);
    const counts = new Array(w.length).fill(0);
    for (const i of s) counts[i]++;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(N);
    w.forEach((wi, i) => {
      const p = wi / total;
      if (wi === 0) expect(counts[i]).toBe(0);
      else expect(Math.abs(counts[i] - N * p)).toBeLessThan(4 * Math.sqrt(N * p * (1 - p)));
    });
  });

  it('takes tensors, is reproducible per seed and new each epoch, and uses the global generator without one', () => {
    const w = L.tensor([0.1, 0.4, 0.2, 0.3]);
    const a = new WeightedRandomSampler(w, 50, { generator: new PhiloxStream(4) });
    const e1 = [...a], e2 = [...a];
    expect(e1).not.toEqual(e2);
    const b = new WeightedRandomSampler(w, 50, { generator: new PhiloxStream(4) });
    expect([...b]).toEqual(e1);
    const g = new WeightedRandomSampler(w, 50);
    L.manualSeed(21);
    const f1 = [...g];
    L.manualSeed(21);
    expect([...g]).toEqual(f1);
  });

  it('without replacement draws each index at most once, never a zero weight, as successive draws', () => {
    const w = [5, 0, 1, 2, 0, 4];
    const s = new WeightedRandomSampler(w, 4, { replacement: false, generator: new PhiloxStream(6) });
    for (let epoch = 0; epoch < 50; epoch++) {
      const d = [...s];
      expect(d).toHaveLength(4);
      expect(sorted(d)).toEqual([0, 2, 3, 5]);
    }
    // First and second draws of successive sampling from p = [1, 2, 3] / 6.
    const p = [1 / 6, 2 / 6, 3 / 6];
    const N = 30_000;
    const t = new WeightedRandomSampler([1, 2, 3], 2, { replacement: false, generator: new PhiloxStream(8) });
    const first = [0, 0, 0], second = [0, 0, 0];
    for (let k = 0; k < N; k++) {
      const [i, j] = t.sample();
      expect(i).not.toBe(j);
      first[i]++;
      second[j]++;
    }
    for (let j = 0; j < 3; j++) {
      const q2 = p.reduce((acc, pi, i) => acc + (i === j ? 0 : pi * p[j] / (1 - pi)), 0);
      expect(Math.abs(first[j] - N * p[j])).toBeLessThan(4 * Math.sqrt(N * p[j] * (1 - p[j])));
      expect(Math.abs(second[j] - N * q2)).toBeLessThan(4 * Math.sqrt(N * q2 * (1 - q2)));
    }
  });

  it('rejects bad weights and too many samples without replacement, as torch.multinomial', () => {
    expect(() => new WeightedRandomSampler([1, 0, 2, 0], 3, { replacement: false })).toThrow(
      new ArgumentError('WeightedRandomSampler: without replacement numSamples (3) cannot exceed the number of non-zero weights (2)'));
    expect(() => new WeightedRandomSampler([1, 0, 2, 0], 3)).not.toThrow();
    expect(() => new WeightedRandomSampler([1, -1], 2)).toThrow(/WeightedRandomSampler: weights must be finite and non-negative, got weights\[1\] = -1/);
    expect(() => new WeightedRandomSampler([1, NaN], 2)).toThrow(/weights\[1\] = NaN/);
    expect(() => new WeightedRandomSampler([1, Infinity], 2)).toThrow(/weights\[1\] = Infinity/);
    expect(() => new WeightedRandomSampler([0, 0], 2)).toThrow(/WeightedRandomSampler: weights must have a positive sum, got 2 weights summing to 0/);
    expect(() => new WeightedRandomSampler([], 2)).toThrow(/positive sum, got 0 weights/);
    expect(() => new WeightedRandomSampler([1, 2], 0)).toThrow(/WeightedRandomSampler: numSamples must be a positive integer, got 0/);
    expect(() => new WeightedRandomSampler(L.ones([2, 2]), 2)).toThrow(ShapeError);
    expect(() => new WeightedRandomSampler(L.ones([2, 2]), 2)).toThrow(/WeightedRandomSampler: weights must be 1-D, got .*\[2,2\]/);
    expect(() => new WeightedRandomSampler([[1], [2]] as never, 2)).toThrow(ShapeError);
    expect(() => new WeightedRandomSampler('abc' as never, 2)).toThrow(/WeightedRandomSampler: weights must be a 1-D tensor or an array of numbers/);
  });
});

describe('BatchSampler', () => {
  it('groups indices, keeping or dropping the last short batch', () => {
    const keep = new BatchSampler(new SequentialSampler(sized(10)), 3, false);
    expect([...keep].map((b) => [...b])).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    expect(keep.length).toBe(4);
    const drop = new BatchSampler(new SequentialSampler(sized(10)), 3, true);
    expect([...drop].map((b) => [...b])).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
    expect(drop.length).toBe(3);
    expect([...new BatchSampler([4, 2, 7, 1], 2, false)].map((b) => [...b])).toEqual([[4, 2], [7, 1]]);
    expect([...new BatchSampler(new SequentialSampler(sized(0)), 2, false)]).toEqual([]);
    const rnd = new BatchSampler(new RandomSampler(sized(25), { generator: new PhiloxStream(0) }), 4, false);
    const bs = [...rnd];
    expect(bs.map((b) => b.length)).toEqual([4, 4, 4, 4, 4, 4, 1]);
    isPermutation(bs.flatMap((b) => [...b]), 25);
  });

  it('rejects bad arguments and bad indices, naming them', () => {
    const s = new SequentialSampler(sized(4));
    expect(() => new BatchSampler(s, 0, false)).toThrow(new ArgumentError('BatchSampler: batchSize must be a positive integer, got 0'));
    expect(() => new BatchSampler(s, 2, 'no' as never)).toThrow(/BatchSampler: dropLast must be a boolean, got "no"/);
    expect(() => new BatchSampler(5 as never, 2, false)).toThrow(/BatchSampler: sampler must be an iterable of indices with a length, got 5/);
    expect(() => [...new BatchSampler([0, 1.5], 2, false)]).toThrow(/BatchSampler: the sampler gave 1.5; indices must be non-negative integers/);
  });
});

describe('DataLoader with a sampler or a batchSampler', () => {
  const x = L.arange(0, 20).reshape([10, 2]);
  const y = L.arange(0, 10);
  const ds = new TensorDataset(x, y);
  const ids = (batch: L.Tensor[]) => Array.from(batch[1].values);

  it('follows the sampler: length, batches, sync and async iteration', async () => {
    const sampler = new WeightedRandomSampler([1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 25, { generator: new PhiloxStream(1) });
    const loader = new DataLoader(ds, { batchSize: 4, sampler });
    expect(loader.length).toBe(7);
    expect(loader.sampler).toBe(sampler);
    expect(new DataLoader(ds, { batchSize: 4, sampler, dropLast: true }).length).toBe(6);
    const twin = new DataLoader(ds, { batchSize: 4, sampler: new WeightedRandomSampler(new Array(10).fill(1), 25, { generator: new PhiloxStream(1) }) });
    const sync = [...loader].map(ids);
    const asyncIds: number[][] = [];
    for await (const b of twin) {
      expect(b[0].shape).toEqual([b[1].shape[0], 2]);
      expect(Array.from(b[0].values)).toEqual(ids(b).flatMap((i) => [2 * i, 2 * i + 1]));
      asyncIds.push(ids(b));
    }
    expect(asyncIds).toEqual(sync);
    expect(sync.map((b) => b.length)).toEqual([4, 4, 4, 4, 4, 4, 1]);
    const seq = new DataLoader(ds, { batchSize: 3, sampler: [9, 0, 5, 5] });
    expect([...seq].map(ids)).toEqual([[9, 0, 5], [5]]);
  });

  it('follows a batchSampler, reporting its batchSize and dropLast', async () => {
    const batchSampler = new BatchSampler(new SubsetRandomSampler([1, 3, 5, 7, 9], { generator: new PhiloxStream(2) }), 2, true);
    const loader = new DataLoader(ds, { batchSampler, prefetch: true });
    expect(loader.length).toBe(2);
    expect(loader.batchSize).toBe(2);
    expect(loader.dropLast).toBe(true);
    expect(loader.batchSampler).toBe(batchSampler);
    const seen: number[][] = [];
    for await (const b of loader) seen.push(ids(b));
    expect(seen.map((b) => b.length)).toEqual([2, 2]);
    expect(seen.flat().every((i) => i % 2 === 1)).toBe(true);
    const custom = { length: 2, *[Symbol.iterator]() { yield [0, 9]; yield Int32Array.of(4); } };
    const c = new DataLoader(ds, { batchSampler: custom });
    expect([...c].map(ids)).toEqual([[0, 9], [4]]);
    expect(c.batchSize).toBe(1);
    expect(c.length).toBe(2);
  });

  it('releases sampler-driven batches with releaseBatch, keeping the live tensor count flat', async () => {
    const loader = new DataLoader(ds, { batchSize: 3, sampler: new RandomSampler(ds, { replacement: true, numSamples: 12, generator: new PhiloxStream(3) }) });
    for await (const b of loader) data.releaseBatch(b);
    const before = L.memory().numTensors;
    for await (const b of loader) data.releaseBatch(b);
    expect(L.memory().numTensors).toBe(before);
  });

  it('rejects the combinations PyTorch rejects, and indices out of range', () => {
    const sampler = new SequentialSampler(ds);
    const batchSampler = new BatchSampler(sampler, 2, false);
    expect(() => new DataLoader(ds, { sampler, shuffle: true })).toThrow(/DataLoader: sampler option is mutually exclusive with shuffle/);
    expect(() => new DataLoader(ds, { sampler, shuffle: false })).not.toThrow();
    expect(() => new DataLoader(ds, { batchSampler, batchSize: 4 })).toThrow(
      new ArgumentError('DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast; got batchSize 4'));
    expect(() => new DataLoader(ds, { batchSampler, batchSize: 1 })).not.toThrow();
    expect(() => new DataLoader(ds, { batchSampler, shuffle: true })).toThrow(/mutually exclusive .*; got shuffle$/);
    expect(() => new DataLoader(ds, { batchSampler, sampler })).toThrow(/mutually exclusive .*; got sampler$/);
    expect(() => new DataLoader(ds, { batchSampler, dropLast: true })).toThrow(/mutually exclusive .*; got dropLast$/);
    expect(() => new DataLoader(ds, { sampler, seed: 3 })).toThrow(/DataLoader: seed 3 only seeds shuffle and would be ignored with a sampler/);
    expect(() => new DataLoader(ds, { batchSampler, seed: 3 })).toThrow(/ignored with a batchSampler/);
    expect(() => new DataLoader(ds, { sampler: 7 as never })).toThrow(/DataLoader: sampler must be an iterable of indices with a length .*, got 7/);
    expect(() => new DataLoader(ds, { batchSampler: [[0, 1]] as never })).not.toThrow();
    expect(() => new DataLoader(ds, { batchSampler: {} as never })).toThrow(/DataLoader: batchSampler must be an iterable of index lists with a length/);
    expect(() => new DataLoader(ds, { sampler: [0, 10] }).batches()).toThrow(new ArgumentError("DataLoader: the sampler gave index 10, not an integer in [0, 10) (the dataset's length)"));
    expect(() => new DataLoader(ds, { batchSampler: [[0, -1]] }).batches()).toThrow(/the batchSampler gave index -1/);
    expect(() => new DataLoader(ds, { batchSampler: [[0.5]] }).batches()).toThrow(/the batchSampler gave index 0.5/);
    expect(() => new DataLoader(ds, { batchSampler: [3] as never }).batches()).toThrow(/the batchSampler gave 3; each batch must be an array of indices/);
  });
});

describe('ConcatDataset', () => {
  const a = new TensorDataset(L.tensor([[0, 0], [1, 1], [2, 2]]), L.tensor(Int32Array.of(0, 1, 2)));
  const empty = new TensorDataset(L.zeros([0, 2]), L.tensor(new Int32Array(0)));
  const b = new TensorDataset(L.tensor([[10, 10], [11, 11]]), L.tensor(Int32Array.of(10, 11)));
  const c = new TensorDataset(L.tensor([[20, 20], [21, 21], [22, 22], [23, 23]]), L.tensor(Int32Array.of(20, 21, 22, 23)));
  const cd = new ConcatDataset([a, empty, b, c]);
  const label = (ex: L.Tensor[]) => ex[1].item();

  it('indexes through the datasets in turn, with PyTorch cumulativeSizes', () => {
    expect(cd.length).toBe(9);
    expect(cd.cumulativeSizes).toEqual([3, 3, 5, 9]);
    expect(range(9).map((i) => label(cd.get(i)))).toEqual([0, 1, 2, 10, 11, 20, 21, 22, 23]);
    expect(Array.from(cd.get(4)[0].values)).toEqual([11, 11]);
  });

  it('getBatch joins the parts in the asked order, equal to the per-example path', () => {
    const order = Int32Array.of(7, 0, 3, 8, 1, 4, 5);
    const [xb, yb] = cd.getBatch!(order);
    expect(Array.from(yb.values)).toEqual([22, 0, 10, 23, 1, 11, 20]);
    expect(xb.shape).toEqual([7, 2]);
    const [xs, ys] = cd.getBatch!(Int32Array.of(1, 2, 3, 6));
    expect(Array.from(ys.values)).toEqual([1, 2, 10, 21]);
    expect(Array.from(xs.values)).toEqual([1, 1, 2, 2, 10, 10, 21, 21]);
    expect(Array.from(cd.getBatch!(Int32Array.of(6, 5))[1].values)).toEqual([21, 20]);
    expect(cd.getBatch!(new Int32Array(0))[0].shape).toEqual([0, 2]);
    const fast = new DataLoader(cd, { batchSize: 4, shuffle: true, seed: 1 });
    const slow = new DataLoader(cd, { batchSize: 4, shuffle: true, seed: 1, collate: (ex) => data.defaultCollate(ex) as L.Tensor[] });
    const f = [...fast], s = [...slow];
    expect(f).toHaveLength(3);
    f.forEach((batch, k) => batch.forEach((t, j) => {
      expect(t.shape).toEqual(s[k][j].shape);
      expect(t.dtype).toBe(s[k][j].dtype);
      expect(Array.from(t.values)).toEqual(Array.from(s[k][j].values));
    }));
  });

  it('falls back to get when a part has no getBatch', () => {
    const squares = { length: 3, get: (i: number) => i * i };
    const more = { length: 2, get: (i: number) => 100 + i };
    const mixed = new ConcatDataset<number>([squares, more]);
    expect(mixed.getBatch).toBeUndefined();
    const loader = new DataLoader(mixed, { batchSize: 5 });
    expect(Array.from(([...loader][0] as unknown as L.Tensor).values)).toEqual([0, 1, 4, 100, 101]);
    expect(new ConcatDataset([a, squares as never]).getBatch).toBeUndefined();
  });

  it('rejects bad indices, bad parts and mismatched batches, naming them', () => {
    expect(() => cd.get(9)).toThrow(new ArgumentError('ConcatDataset.get: index 9 is out of range [0, 9)'));
    expect(() => cd.get(-1)).toThrow(/ConcatDataset.get: index -1 is out of range \[0, 9\)/);
    expect(() => cd.get(1.5)).toThrow(/index 1.5 is out of range/);
    expect(() => cd.getBatch!(Int32Array.of(0, 12))).toThrow(/ConcatDataset.getBatch: index 12 is out of range \[0, 9\)/);
    expect(() => new ConcatDataset([])).toThrow(/ConcatDataset: datasets must be a non-empty array of datasets, got an empty array/);
    expect(() => new ConcatDataset([a, { length: 2 } as never])).toThrow(/ConcatDataset: datasets\[1\] must be a dataset with a length and get\(i\)/);
    const wide = new TensorDataset(L.zeros([2, 3]), L.tensor(Int32Array.of(0, 0)));
    expect(() => new ConcatDataset([a, wide]).getBatch!(Int32Array.of(0, 3))).toThrow(ShapeError);
    expect(() => new ConcatDataset([a, wide]).getBatch!(Int32Array.of(0, 3))).toThrow(/ConcatDataset.getBatch: datasets\[1\] gives float32\[1,3\] at batch\[0\] and datasets\[0\] gives float32\[1,2\]; batches must agree/);
  });
});

describe('classBalancedWeights', () => {
  it('gives 1/count(label) per example', () => {
    expect(Array.from(classBalancedWeights([0, 1, 1, 2, 1, 0]))).toEqual([0.5, 1 / 3, 1 / 3, 1, 1 / 3, 0.5]);
    expect(Array.from(classBalancedWeights(L.tensor(Int32Array.of(4, 4, 7))))).toEqual([0.5, 0.5, 1]);
    expect(() => classBalancedWeights([])).toThrow(/classBalancedWeights: labels is empty/);
    expect(() => classBalancedWeights([0, 0.5])).toThrow(/classBalancedWeights: labels must be integers, got labels\[1\] = 0.5/);
    expect(() => classBalancedWeights(L.zeros([2, 2]))).toThrow(ShapeError);
  });

  it('turns a 9:1 imbalanced label set into about 1:1 batches in a loader', () => {
    const n = 1000;
    const labels = Int32Array.from({ length: n }, (_, i) => (i < 900 ? 0 : 1));
    const ds = new TensorDataset(L.zeros([n, 1]), L.tensor(labels));
    const sampler = new WeightedRandomSampler(classBalancedWeights(labels), n, { generator: new PhiloxStream(13) });
    const loader = new DataLoader(ds, { batchSize: 100, sampler });
    let ones = 0, total = 0;
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const [, yb] of loader) {
        for (const v of yb.values) ones += v;
        total += yb.shape[0];
        data.releaseBatch([yb]);
      }
    }
    expect(total).toBe(3 * n);
    expect(Math.abs(ones / total - 0.5)).toBeLessThan(4 * Math.sqrt(0.25 / total));
  });
});

describe('train.fit with a sampler-driven DataLoader', () => {
  it('trains a regression from a RandomSampler and a ConcatDataset', async () => {
    L.manualSeed(0);
    const x = L.randn([256, 4]);
    const y = x.matmul(L.tensor([[1], [-2], [0.5], [3]])).add(0.5);
    const ds = new ConcatDataset([new TensorDataset(x.narrow(0, 0, 128), y.narrow(0, 0, 128)), new TensorDataset(x.narrow(0, 128, 128), y.narrow(0, 128, 128))]);
    const loader = new DataLoader(ds, { batchSize: 32, sampler: new RandomSampler(ds, { generator: new PhiloxStream(0) }) });
    const model = new nn.Linear(4, 1);
    const mse = (out: L.Tensor, t: L.Tensor) => out.sub(t).square().mean();
    const history = await train.fit(model, { optimizer: new optim.SGD(model.parameters(), { lr: 0.05 }), loss: mse, trainData: loader, epochs: 5 });
    expect(history.epochs).toHaveLength(5);
    expect(history.epochs[4].loss).toBeLessThan(history.epochs[0].loss / 20);
  });
});

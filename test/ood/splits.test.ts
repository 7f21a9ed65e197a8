/** data.randomSplit, data.holdOutClasses and data.groupSplit. */
import { describe, expect, it } from 'vitest';
import { PhiloxStream, data, tensor } from '../../src/index';

describe('dataset splits', () => {
  const ds = new data.TensorDataset(tensor(Float32Array.from({ length: 10 }, (_, i) => i)));

  it('randomSplit partitions the indices, by counts or fractions, reproducibly', () => {
    const [a, b] = data.randomSplit(ds, [7, 3], { generator: new PhiloxStream(1) });
    expect(a.length + b.length).toBe(10);
    expect([...a.indices, ...b.indices].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [c] = data.randomSplit(ds, [7, 3], { generator: new PhiloxStream(1) });
    expect(Array.from(c.indices)).toEqual(Array.from(a.indices));
    expect(data.randomSplit(ds, [0.5, 0.3, 0.2]).map((s) => s.length)).toEqual([5, 3, 2]);
    // 0.34 · 10 rounds down to 3 + 3 + 3; the remainder goes to the first.
    expect(data.randomSplit(ds, [0.34, 0.33, 0.33]).map((s) => s.length)).toEqual([4, 3, 3]);
    expect(() => data.randomSplit(ds, [5, 4])).toThrow(/summing to the dataset's length 10/);
  });

  it('holdOutClasses separates the held-out labels', () => {
    const labels = tensor(Int32Array.from([0, 8, 3, 9, 9, 1]), { dtype: 'int32' });
    const { kept, heldOut } = data.holdOutClasses(labels, [8, 9]);
    expect(Array.from(kept)).toEqual([0, 2, 5]);
    expect(Array.from(heldOut)).toEqual([1, 3, 4]);
    expect(() => data.holdOutClasses([0, 1], [5])).toThrow(/no example has a label/);
  });

  it('groupSplit keeps every group on one side', () => {
    const groups = [0, 0, 1, 1, 1, 2, 3, 3, 4, 4];
    const r = data.groupSplit(groups, { testFraction: 0.4, generator: new PhiloxStream(2) });
    expect(r.testGroups.length).toBe(2);
    expect(r.train.length + r.test.length).toBe(10);
    const trainGroups = new Set(Array.from(r.train, (i) => groups[i]));
    for (const i of r.test) expect(trainGroups.has(groups[i])).toBe(false);
    expect(() => data.groupSplit([1, 1, 1])).toThrow(/at least 2 distinct groups/);
  });
});

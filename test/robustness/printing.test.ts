/**
 * Printing a tensor of any size is bounded, as in PyTorch: past 1000 elements
 * each dimension shows its first and last 3 entries around `...`, in toString()
 * and in util.inspect / console.log. Big tensors used to build a string of every
 * element (and a [65536, 65536, 0] one a nested array per row) until V8 ran out
 * of heap: the crash cases run in a child with a small heap.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { arange, tensor, zeros } from '../../src/index';
import { join } from 'node:path';
import { ROOT, runChild } from './child';

describe('printing big tensors', () => {
  it('a [10000, 10000] tensor and a [65536, 65536, 0] one print in a child with a 64 MB heap', () => {
    const r = runChild(`
void (async () => {
  const { zeros } = await import(${JSON.stringify(join(ROOT, 'src/index.ts'))});
  const s = String(zeros([10000, 10000]));
  console.log(s.length < 400 ? 'short' : 'long ' + s.length);
  console.log(zeros([65536, 65536, 0]));
})();
`, { ext: 'ts', heapMb: 64 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('short');
    expect(r.stdout).toContain('tensor([], size=(65536, 65536, 0))');
  });

  it('summarises like PyTorch: edge items 3 per dimension past 1000 elements', () => {
    expect(String(arange(0, 1001))).toBe('tensor([   0,    1,    2, ...,  998,  999, 1000], dtype=int32)');
    expect(String(arange(0, 2000).reshape([40, 50]))).toBe([
      'tensor([[   0,    1,    2, ...,   47,   48,   49],',
      '        [  50,   51,   52, ...,   97,   98,   99],',
      '        [ 100,  101,  102, ...,  147,  148,  149],',
      '        ...,',
      '        [1850, 1851, 1852, ..., 1897, 1898, 1899],',
      '        [1900, 1901, 1902, ..., 1947, 1948, 1949],',
      '        [1950, 1951, 1952, ..., 1997, 1998, 1999]], dtype=int32)',
    ].join('\n'));
    // Up to 1000 elements nothing is left out.
    expect(String(arange(0, 1000))).not.toContain('...');
  });

  it('util.inspect (console.log) prints the same bounded summary', () => {
    const t = zeros([3000, 3000]);
    expect(inspect(t)).toBe(String(t));
    expect(inspect(t).length).toBeLessThan(500);
    expect(inspect(tensor([[1.5, 2], [3, 4]]))).toBe('tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]])');
  });

  it('a disposed tensor prints as such instead of throwing', () => {
    const t = tensor([1, 2]);
    t.dispose();
    expect(String(t)).toBe('tensor(<disposed>, float32[2])');
  });
});

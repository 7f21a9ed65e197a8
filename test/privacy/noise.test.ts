import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { privacy } from '../../src/index';

describe('DP noise draws', () => {
  it('randn (native uniforms + Box–Muller) gives the bits of PhiloxStream.normal and advances the stream alike', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const n of [1, 2, 5, 1001]) {
        const a = new L.PhiloxStream(12345);
        const b = new L.PhiloxStream(12345);
        a.uniform(3, 'float32');
        b.uniform(3, 'float32');
        const fast = L.randn([n], { dtype, generator: a });
        expect(Array.from(fast.values), `${dtype} n=${n}`).toEqual(Array.from(b.normal(n, dtype)));
        expect(a.offset).toBe(b.offset);
      }
    }
  });

  it('seeded gaussian noise is the seeded normal draw times std', () => {
    const noise = new privacy.NoiseSource({ seed: 9 });
    const got = noise.gaussian([4, 3], 0.5, 'float64');
    const expected = new L.PhiloxStream(9).normal(12, 'float64').map((z) => z * 0.5);
    expect(got.shape).toEqual([4, 3]);
    expect(Array.from(got.values)).toEqual(Array.from(expected));
  });
});

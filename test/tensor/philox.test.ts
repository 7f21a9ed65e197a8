import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import {
  DEFAULT_SEED,
  PhiloxStream,
  getDefaultGenerator,
  initialSeed,
  manualSeed,
  mulHi32,
  philox4x32_10,
} from '../../src/backend/philox';

// Random123 tests/kat_vectors, the three "philox4x32 10" lines: ctr[4] key[2] -> out[4].
const KNOWN_ANSWERS: Array<{ counter: number[]; key: number[]; expected: number[] }> = [
  {
    counter: [0x00000000, 0x00000000, 0x00000000, 0x00000000],
    key: [0x00000000, 0x00000000],
    expected: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8],
  },
  {
    counter: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
    key: [0xffffffff, 0xffffffff],
    expected: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
  },
  {
    counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
    key: [0xa4093822, 0x299f31d0],
    expected: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
  },
];

interface CppCase {
  seed: string;
  offset: number;
  uint32: number[];
  uint32First6: number[];
  uniformFloat32: number[];
  uniformFloat64: number[];
}

const cppFixture = JSON.parse(
  readFileSync(new URL('../fixtures/philox_cpp.json', import.meta.url), 'utf8'),
) as { katPi: number[]; cases: CppCase[] };

function meanAndVariance(values: ArrayLike<number>): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return { mean, variance: squares / (values.length - 1) };
}

describe('mulHi32', () => {
  it('matches BigInt products at the extremes and at random points', () => {
    const samples = [0, 1, 2, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xd2511f53, 0xcd9e8d57, 0xffffffff];
    const stream = new PhiloxStream(7);
    const random = stream.nextUint32(200);
    for (const a of [...samples, ...random.subarray(0, 100)]) {
      for (const b of [...samples, ...random.subarray(100, 110)]) {
        expect(mulHi32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
      }
    }
  });
});

describe('philox4x32_10', () => {
  it('reproduces the Random123 known-answer vectors', () => {
    for (const { counter, key, expected } of KNOWN_ANSWERS) {
      const out = philox4x32_10(counter as [number, number, number, number], key as [number, number]);
      expect(Array.from(out)).toEqual(expected);
      expect(Array.from(philox4x32_10(Uint32Array.from(counter), Uint32Array.from(key)))).toEqual(expected);
    }
  });

  it('writes into a preallocated output', () => {
    const out = new Uint32Array(4);
    const returned = philox4x32_10([0, 0, 0, 0], [0, 0], out);
    expect(returned).toBe(out);
    expect(Array.from(out)).toEqual(KNOWN_ANSWERS[0].expected);
  });

  it('rejects counters and keys of the wrong length', () => {
    expect(() => philox4x32_10([0, 0, 0] as unknown as [number, number, number, number], [0, 0])).toThrow(/counter/);
    expect(() => philox4x32_10([0, 0, 0, 0], [0] as unknown as [number, number])).toThrow(/key/);
  });
});

describe('PhiloxStream layout', () => {
  it('block b is the block function of counter [b lo, b hi, 0, 0] under key [seed lo, seed hi]', () => {
    const seed = 0x1234_5678_9abcn;
    const stream = new PhiloxStream(seed);
    stream.offset = 2 ** 32 + 3;
    const words = stream.nextUint32(8);
    const key = [0x5678_9abc, 0x1234] as const;
    expect(Array.from(words.subarray(0, 4))).toEqual(Array.from(philox4x32_10([3, 1, 0, 0], key)));
    expect(Array.from(words.subarray(4, 8))).toEqual(Array.from(philox4x32_10([4, 1, 0, 0], key)));
  });

  it('seed 0 at offset 0 starts with the all-zero known answer', () => {
    expect(Array.from(new PhiloxStream(0).nextUint32(4))).toEqual(KNOWN_ANSWERS[0].expected);
  });

  it('advances offset by ceil(words / 4) and drops the rest of the last block', () => {
    const stream = new PhiloxStream(42);
    const expectOffsets: Array<[() => unknown, number]> = [
      [() => stream.nextUint32(0), 0],
      [() => stream.nextUint32(1), 1],
      [() => stream.nextUint32(4), 1],
      [() => stream.nextUint32(5), 2],
      [() => stream.uniform(3, 'float32'), 1],
      [() => stream.uniform(3, 'float64'), 2],
      [() => stream.normal(3, 'float32'), 1],
      [() => stream.normal(3, 'float64'), 2],
      [() => stream.normal(5, 'float64'), 3],
      [() => stream.randint(9, 0, 10), 3],
      [() => stream.reserve(13), 4],
    ];
    for (const [draw, blocks] of expectOffsets) {
      const before = stream.offset;
      draw();
      expect(stream.offset - before).toBe(blocks);
    }

    const a = new PhiloxStream(42);
    a.nextUint32(1);
    const b = new PhiloxStream(42);
    b.offset = 1;
    expect(Array.from(a.nextUint32(4))).toEqual(Array.from(b.nextUint32(4)));
  });

  it('splits a draw across calls only at block boundaries', () => {
    const whole = new PhiloxStream(5).nextUint32(16);
    const parts = new PhiloxStream(5);
    const first = parts.nextUint32(8);
    const second = parts.nextUint32(8);
    expect([...first, ...second]).toEqual(Array.from(whole));
  });

  it('reserve returns the start block without generating', () => {
    const stream = new PhiloxStream(3);
    stream.offset = 10;
    expect(stream.reserve(9)).toBe(10);
    expect(stream.offset).toBe(13);
  });

  it('fills a caller-provided buffer', () => {
    const out = new Uint32Array(10);
    const returned = new PhiloxStream(9).nextUint32(7, out);
    expect(returned).toBe(out);
    expect(Array.from(out.subarray(0, 7))).toEqual(Array.from(new PhiloxStream(9).nextUint32(7)));
    expect(out[7]).toBe(0);
    expect(() => new PhiloxStream(9).nextUint32(11, out)).toThrow(/out/);
  });
});

describe('PhiloxStream values', () => {
  it('derives uniforms from the words exactly as documented', () => {
    const words = new PhiloxStream(11).nextUint32(8);
    const singles = new PhiloxStream(11).uniform(8, 'float32');
    const doubles = new PhiloxStream(11).uniform(4, 'float64');
    for (let i = 0; i < 8; i++) expect(singles[i]).toBe((words[i] >>> 8) / 2 ** 24);
    for (let i = 0; i < 4; i++) {
      expect(doubles[i]).toBe(((words[2 * i] >>> 5) * 2 ** 26 + (words[2 * i + 1] >>> 6)) / 2 ** 53);
    }
  });

  it('uniforms lie in [0, 1) with mean 1/2 and variance 1/12', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const values = new PhiloxStream(123).uniform(100_000, dtype);
      expect(values).toBeInstanceOf(dtype === 'float32' ? Float32Array : Float64Array);
      let min = Infinity;
      let max = -Infinity;
      for (const v of values) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      expect(min).toBeGreaterThanOrEqual(0);
      expect(max).toBeLessThan(1);
      const { mean, variance } = meanAndVariance(values);
      // Standard error of the mean is sqrt(1/12 / 1e5) ~ 9e-4; allow 5 sigma.
      expect(Math.abs(mean - 0.5)).toBeLessThan(5e-3);
      expect(Math.abs(variance - 1 / 12)).toBeLessThan(2e-3);
    }
  });

  it('scales uniforms to [low, high)', () => {
    const values = new PhiloxStream(1).uniform(10_000, 'float64', -3, 5);
    const { mean } = meanAndVariance(values);
    expect(values.every((v) => v >= -3 && v < 5)).toBe(true);
    expect(Math.abs(mean - 1)).toBeLessThan(0.1);
  });

  it('normals have the requested mean and standard deviation and are finite', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const values = new PhiloxStream(321).normal(100_000, dtype, 2, 3);
      expect(values.every((v) => Number.isFinite(v))).toBe(true);
      const { mean, variance } = meanAndVariance(values);
      // Standard error of the mean is 3 / sqrt(1e5) ~ 0.0095; of the variance ~ 9 * sqrt(2e-5) ~ 0.04.
      expect(Math.abs(mean - 2)).toBeLessThan(0.05);
      expect(Math.abs(variance - 9)).toBeLessThan(0.2);
    }
  });

  it('normal of odd length is the prefix of the even draw', () => {
    const odd = new PhiloxStream(8).normal(7, 'float64');
    const even = new PhiloxStream(8).normal(8, 'float64');
    expect(Array.from(odd)).toEqual(Array.from(even.subarray(0, 7)));
  });

  it('randint stays in [low, high) and hits every value', () => {
    const values = new PhiloxStream(77).randint(60_000, -3, 3);
    const counts = new Map<number, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((x, y) => x - y)).toEqual([-3, -2, -1, 0, 1, 2]);
    for (const count of counts.values()) expect(Math.abs(count - 10_000)).toBeLessThan(500);

    const single = new PhiloxStream(77).randint(100, 5, 6);
    expect(single.every((v) => v === 5)).toBe(true);

    const full = new PhiloxStream(77).randint(1000, -(2 ** 31), 2 ** 31);
    const words = new PhiloxStream(77).nextUint32(1000);
    for (let i = 0; i < 1000; i++) expect(full[i]).toBe((words[i] - 2 ** 31) | 0);
  });

  it('randint rejects empty and out-of-range bounds', () => {
    const stream = new PhiloxStream(0);
    expect(() => stream.randint(1, 3, 3)).toThrow(/randint/);
    expect(() => stream.randint(1, 0, 2 ** 31 + 1)).toThrow(/randint/);
    expect(() => stream.randint(1, 0.5, 2)).toThrow(/randint/);
    expect(stream.offset).toBe(0);
  });
});

describe('PhiloxStream state', () => {
  it('getState / setState round-trips through JSON', () => {
    const stream = new PhiloxStream(2n ** 64n - 1n);
    stream.uniform(37, 'float32');
    const saved = JSON.parse(JSON.stringify(stream.getState())) as { seed: string; offset: number };
    expect(saved).toEqual({ seed: '18446744073709551615', offset: 10 });
    const expected = stream.normal(20, 'float64');

    const restored = new PhiloxStream(0).setState(saved);
    expect(Array.from(restored.normal(20, 'float64'))).toEqual(Array.from(expected));
  });

  it('reduces seeds modulo 2^64 and rejects non-integers', () => {
    expect(new PhiloxStream(-1).seed).toBe(2n ** 64n - 1n);
    expect(new PhiloxStream('42').seed).toBe(42n);
    expect(() => new PhiloxStream(1.5)).toThrow(/seed/);
    expect(() => new PhiloxStream('abc')).toThrow(/seed/);
    expect(() => new PhiloxStream(0).setState({ seed: 1, offset: -1 })).toThrow(/offset/);
    expect(() => new PhiloxStream(0).setState({ seed: 1, offset: '' })).toThrow(/offset/);
    expect(new PhiloxStream(0).setState({ seed: 1, offset: '12' }).offset).toBe(12);
    expect(new PhiloxStream(0).setState({ seed: 1, offset: 12n }).offset).toBe(12);
  });

  it('manualSeed makes the default generator deterministic', () => {
    manualSeed(1234);
    const first = getDefaultGenerator().uniform(16, 'float32');
    getDefaultGenerator().normal(5, 'float32');
    manualSeed(1234);
    expect(getDefaultGenerator().offset).toBe(0);
    expect(Array.from(getDefaultGenerator().uniform(16, 'float32'))).toEqual(Array.from(first));
    expect(initialSeed()).toBe(1234n);
  });

  it('a never-seeded stream uses the default seed', () => {
    expect(DEFAULT_SEED).toBe(67280421310721n);
    expect(new PhiloxStream().getState()).toEqual({ seed: '67280421310721', offset: 0 });
  });
});

describe('parity with native/kernels/philox.cc (fixture from native/test/philox_check.cc)', () => {
  it('the C++ block function gives the pi-digits known answer', () => {
    expect(cppFixture.katPi).toEqual(KNOWN_ANSWERS[2].expected);
  });

  it('words and uniforms match the C++ stream at each (seed, offset)', () => {
    expect(cppFixture.cases.length).toBeGreaterThanOrEqual(4);
    for (const c of cppFixture.cases) {
      const at = (): PhiloxStream => new PhiloxStream(c.seed).setState({ seed: c.seed, offset: c.offset });
      expect(Array.from(at().nextUint32(8))).toEqual(c.uint32);
      expect(Array.from(at().nextUint32(6))).toEqual(c.uint32First6);
      expect(Array.from(at().uniform(8, 'float32'))).toEqual(c.uniformFloat32);
      expect(Array.from(at().uniform(8, 'float64'))).toEqual(c.uniformFloat64);
    }
  });
});

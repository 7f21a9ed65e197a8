/**
 * Data movement (the `copyStrided`, `cast`, `gather`, `scatterAdd`,
 * `indexSelect` and `indexAdd` kernels) through the public API: transpose,
 * permute, narrow, cat, stack, split, chunk, expand, indexSelect, gather,
 * scatterAdd, indexAdd and dtype casts, native vs reference on every ISA.
 * Copies must be bit-exact; the adds accumulate in the same order on both
 * sides, so they are held to exact equality too.
 *
 * The native strided copy plans each call (native/kernels/copy_strided.cc): it merges dims,
 * then runs a memcpy, a fill, an in-register tiled transpose or an element loop, split over
 * threads when large. The raw-kernel cases below reach each of those paths (and the in-order
 * fallback for a dst that repeats elements or has more than 16 dims) with stride patterns
 * the public ops never make, on every dtype and ISA, at 1 and 2 threads.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { backend, nativeAddon } from '../../src/backend/index';
import type { TypedArray } from '../../src/tensor/dtype';
import { availableIsas, expectBackendsAgree, onBackend, withIsa } from '../helpers/backends';

type DT = 'float32' | 'float64' | 'int32' | 'bool';
const DTYPES: DT[] = ['float32', 'float64', 'int32', 'bool'];

function sample(shape: number[], dtype: DT, seed: number): L.Tensor {
  L.manualSeed(seed);
  if (dtype === 'int32') return L.randint(-1000, 1000, shape);
  if (dtype === 'bool') return L.rand(shape).gt(0.5);
  return L.randn(shape, { dtype });
}

/** Bitwise comparison: NaN equals NaN, -0 differs from 0. */
function sameBits(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function expectSame(name: string, fn: () => L.Tensor | L.Tensor[]): void {
  const { native, reference } = expectBackendsAgree(name, fn, 0);
  native.forEach((t, i) => expect(sameBits(t.values, reference[i].values), `${name} [${i}] values`).toBe(true));
}

const SHAPES: number[][] = [[1], [17], [0, 3], [1, 1], [33, 5], [2, 1, 3], [3, 0, 2], [4, 17, 3], [2, 3, 4, 5]];

function int32(values: number[]): L.Tensor {
  return L.tensor(values, { dtype: 'int32' });
}

/** A small deterministic generator (mulberry32): the raw cases must not depend on manualSeed's stream. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPECIALS = [0, -0, Infinity, -Infinity, NaN, 1e-40, -3.5e-39, 1e-310, 65504, -1];

/** n elements of `dtype`: mostly random, with specials (NaN, -0, subnormals) sprinkled in for floats. */
function filled(dtype: DT, n: number, seed: number): TypedArray {
  const rand = generator(seed);
  if (dtype === 'bool') return Uint8Array.from({ length: n }, () => (rand() < 0.5 ? 1 : 0));
  if (dtype === 'int32') return Int32Array.from({ length: n }, () => Math.floor(rand() * 4294967296) - 2147483648);
  const values = Array.from({ length: n }, () => (rand() < 0.1 ? SPECIALS[Math.floor(rand() * SPECIALS.length)] : (rand() - 0.5) * 1e3));
  return dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
}

interface RawCopy { shape: number[]; srcStrides: number[]; srcOffset: number; dstStrides: number[]; dstOffset: number }

/** How many elements a strided view reaches from its offset (0 for an empty shape). */
function extent(shape: number[], strides: number[], offset: number): number {
  if (shape.some((s) => s === 0)) return offset;
  return shape.reduce((hi, s, d) => hi + (s - 1) * strides[d], offset) + 1;
}

function stridesOf(shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = acc;
    acc *= Math.max(1, shape[d]);
  }
  return out;
}

/**
 * The raw kernel on both backends: dst starts as a known pattern (so a stray or missing
 * write shows), and the whole dst buffer must come out bit-identical.
 */
function expectSameRawCopy(name: string, dtype: DT, c: RawCopy, seed: number): void {
  const src = filled(dtype, Math.max(1, extent(c.shape, c.srcStrides, c.srcOffset)), seed);
  const dstLength = Math.max(1, extent(c.shape, c.dstStrides, c.dstOffset)) + 3;
  const run = (which: 'native' | 'reference'): TypedArray => {
    const dst = filled(dtype, dstLength, seed + 1);
    onBackend(which, () => backend().copyStrided(src, c.srcOffset, Int32Array.from(c.srcStrides), dst, c.dstOffset,
      Int32Array.from(c.dstStrides), Int32Array.from(c.shape)));
    return dst;
  };
  const ref = run('reference'), nat = run('native');
  expect(sameBits(nat, ref), `${name} ${dtype} ${JSON.stringify(c)}`).toBe(true);
}

/**
 * A random copy of the kind ops make and of the kinds they do not: src a permuted, narrowed,
 * partly broadcast (0-stride) view of a contiguous tensor; dst contiguous, or a slab of a
 * larger tensor at an offset (cat, narrow's backward), or permuted too.
 */
function randomRawCopy(rand: () => number): RawCopy {
  const pick = (n: number): number => Math.floor(rand() * n);
  const nd = pick(7);
  const base = Array.from({ length: nd }, () => {
    const r = pick(10);
    return r === 0 ? 1 : r === 1 ? 0 : r < 5 ? 1 + pick(4) : 1 + pick(40);
  });
  if (base.reduce((a, b) => a * Math.max(1, b), 1) > 60000) return randomRawCopy(rand);
  const baseStrides = stridesOf(base);
  const perm = base.map((_, i) => i);
  for (let i = nd - 1; i > 0; i--) {
    const j = pick(i + 1);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const shape = perm.map((p) => base[p]);
  const srcStrides = perm.map((p) => baseStrides[p]);
  let srcOffset = 0;
  for (let d = 0; d < nd; d++) {
    if (shape[d] === 1 && rand() < 0.5) {
      shape[d] = 1 + pick(6);
      srcStrides[d] = 0;
    } else if (shape[d] > 2 && rand() < 0.3) {
      const start = pick(shape[d] - 1);
      srcOffset += start * srcStrides[d];
      shape[d] = 1 + pick(shape[d] - start);
    }
  }
  const outer = shape.slice();
  let dstOffset = 0;
  if (nd > 0 && rand() < 0.3) {
    const d = pick(nd);
    const extra = pick(6);
    outer[d] += extra;
    dstOffset = pick(extra + 1) * stridesOf(outer)[d];
  }
  let dstStrides = stridesOf(outer);
  if (nd > 1 && rand() < 0.2) {
    const order = outer.map((_, i) => i).reverse();
    const reversed = stridesOf(order.map((i) => outer[i]));
    dstStrides = outer.map((_, i) => reversed[order.indexOf(i)]);
  }
  return { shape, srcStrides, srcOffset, dstStrides, dstOffset };
}

/** 2-D transpose sizes around every tile width (8 and 16 for 4-byte, 4 and 8 for 8-byte, 16 for bytes). */
const TILE_EDGES = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 65];

describe.runIf(nativeAddon() !== null)('copy and indexing parity: native vs reference', () => {
  for (const isa of availableIsas()) {
    it(`transpose, permute, narrow, expand on every dtype (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        for (const [k, shape] of SHAPES.entries()) {
          const x = sample(shape, dtype, k);
          const tag = `${dtype}${JSON.stringify(shape)}`;
          const n = shape.length;
          if (n >= 2) {
            expectSame(`transpose ${tag}`, () => L.transpose(x, 0, n - 1));
            expectSame(`transpose -1 -2 ${tag}`, () => L.transpose(x, -1, -2));
          }
          const reversed = shape.map((_, i) => n - 1 - i);
          expectSame(`permute reversed ${tag}`, () => L.permute(x, reversed));
          const rotated = shape.map((_, i) => (i + 1) % n);
          if (n >= 3) expectSame(`permute rotate ${tag}`, () => L.permute(x, rotated));
          for (let d = 0; d < n; d++) {
            const size = shape[d];
            if (size >= 2) expectSame(`narrow ${tag} dim ${d}`, () => L.narrow(x, d, 1, size - 1));
            expectSame(`narrow empty ${tag} dim ${d}`, () => L.narrow(x, d, size, 0));
          }
          expectSame(`expand ${tag}`, () => L.expand(x.reshape([1, ...shape]), [3, ...shape]));
          const ones = shape.map((s) => (s === 1 ? 4 : s));
          expectSame(`expand size-1 dims ${tag}`, () => L.expand(x, ones));
        }
      }
    }));

    it(`cat, stack, split, chunk on every dtype (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        const a = sample([3, 5, 2], dtype, 1), b = sample([3, 2, 2], dtype, 2), c = sample([3, 0, 2], dtype, 3);
        expectSame(`cat dim 1 ${dtype}`, () => L.cat([a, b, c, a], 1));
        expectSame(`cat dim -1 ${dtype}`, () => L.cat([a, a], -1));
        expectSame(`cat dim 0 ${dtype}`, () => L.cat([a, a, a], 0));
        expectSame(`stack dim 0 ${dtype}`, () => L.stack([a, a, a], 0));
        expectSame(`stack dim 3 ${dtype}`, () => L.stack([b, b], 3));
        expectSame(`stack dim 1 ${dtype}`, () => L.stack([b, b, b], 1));
        const long = sample([17, 33], dtype, 4);
        expectSame(`split 4 dim 0 ${dtype}`, () => L.split(long, 4, 0));
        expectSame(`split sections dim 1 ${dtype}`, () => L.split(long, [1, 0, 15, 17], 1));
        expectSame(`chunk 3 dim 1 ${dtype}`, () => L.chunk(long, 3, 1));
        expectSame(`chunk 5 dim 0 ${dtype}`, () => L.chunk(long, 5, 0));
      }
    }));

    it(`indexSelect and gather on every dtype (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        const x = sample([4, 17, 3], dtype, 5);
        expectSame(`indexSelect dim 0 ${dtype}`, () => L.indexSelect(x, 0, int32([3, 0, 0, 2])));
        expectSame(`indexSelect dim 1 ${dtype}`, () => L.indexSelect(x, 1, int32([16, 1, 5, 5, 0])));
        expectSame(`indexSelect dim 2 ${dtype}`, () => L.indexSelect(x, 2, int32([2])));
        expectSame(`indexSelect empty ${dtype}`, () => L.indexSelect(x, 1, int32([])));
        for (let d = 0; d < 3; d++) {
          const idxShape = x.shape.slice();
          idxShape[d] = 6;
          L.manualSeed(50 + d);
          const index = L.randint(0, x.shape[d], idxShape);
          expectSame(`gather dim ${d} ${dtype}`, () => L.gather(x, d, index));
        }
      }
    }));

    it(`scatterAdd and indexAdd with repeated indices, float32/float64 (${isa})`, () => withIsa(isa, () => {
      for (const dtype of ['float32', 'float64'] as const) {
        const base = sample([5, 7, 3], dtype, 6);
        for (let d = 0; d < 3; d++) {
          const idxShape = base.shape.slice();
          idxShape[d] = 9;
          L.manualSeed(60 + d);
          const index = L.randint(0, base.shape[d], idxShape);
          const src = sample(idxShape, dtype, 70 + d);
          expectSame(`scatterAdd dim ${d} ${dtype}`, () => L.scatterAdd(base, d, index, src));
          const rows = int32([0, base.shape[d] - 1, 0, 1, 0]);
          const srcShape = base.shape.slice();
          srcShape[d] = 5;
          const src2 = sample(srcShape, dtype, 80 + d);
          expectSame(`indexAdd dim ${d} ${dtype}`, () => L.indexAdd(base, d, rows, src2));
        }
        expectSame(`scatterAdd empty ${dtype}`, () => L.scatterAdd(base, 1, L.zeros([5, 0, 3], { dtype: 'int32' }), L.zeros([5, 0, 3], { dtype })));
      }
    }));

    it(`casts between every pair of dtypes, special values included (${isa})`, () => withIsa(isa, () => {
      const specials = [0, -0, 1, -1, 0.5, -0.5, 1.5, -2.7, 255.9, 256, -129, 2147483647, -2147483648, 3e9, -3e9, 1e-40, Infinity, -Infinity, NaN];
      for (const from of DTYPES) {
        let x: L.Tensor;
        if (from === 'bool') x = L.tensor(specials.map((v) => v !== 0 && !Number.isNaN(v)));
        else x = L.tensor(specials, { dtype: 'float64' }).to(from);
        for (const to of DTYPES) expectSame(`cast ${from} -> ${to}`, () => x.to(to));
      }
    }));

    it(`transposes around the tile widths, every dtype (${isa})`, () => withIsa(isa, () => {
      for (const dtype of DTYPES) {
        for (const r of TILE_EDGES) {
          for (const c of TILE_EDGES) {
            const x = sample([r, c], dtype, r * 100 + c);
            expectSame(`transpose [${r},${c}] ${dtype}`, () => L.transpose(x, 0, 1));
          }
        }
        const batched = sample([3, 33, 17], dtype, 7);
        expectSame(`transpose -1 -2 [3,33,17] ${dtype}`, () => L.transpose(batched, -1, -2));
        expectSame(`permute [2,0,1] [3,33,17] ${dtype}`, () => L.permute(batched, [2, 0, 1]));
        expectSame(`permute [1,2,0] [3,33,17] ${dtype}`, () => L.permute(batched, [1, 2, 0]));
      }
    }));

    it(`permutes of 5 and 6 dims with size-1 and empty dims, every dtype (${isa})`, () => withIsa(isa, () => {
      const cases: [number[], number[][]][] = [
        [[2, 3, 1, 4, 5], [[4, 3, 2, 1, 0], [0, 2, 1, 4, 3], [1, 0, 2, 3, 4], [0, 1, 2, 4, 3], [3, 4, 0, 1, 2]]],
        [[3, 1, 2, 1, 17, 2], [[5, 4, 3, 2, 1, 0], [0, 4, 2, 1, 3, 5], [4, 0, 1, 2, 3, 5], [0, 1, 2, 3, 5, 4]]],
        [[2, 2, 2, 2, 2, 9], [[5, 0, 1, 2, 3, 4], [1, 0, 3, 2, 5, 4]]],
        [[2, 0, 3, 1, 4], [[4, 3, 2, 1, 0], [0, 2, 1, 4, 3]]],
      ];
      for (const dtype of DTYPES) {
        for (const [shape, perms] of cases) {
          const x = sample(shape, dtype, shape.length);
          for (const perm of perms) expectSame(`permute ${JSON.stringify(shape)} ${JSON.stringify(perm)} ${dtype}`, () => L.permute(x, perm));
          expectSame(`narrow ${JSON.stringify(shape)} dim -1 ${dtype}`, () => L.narrow(x, -1, 1, shape[shape.length - 1] - 1));
          expectSame(`cat ${JSON.stringify(shape)} dim 2 ${dtype}`, () => L.cat([x, x, x], 2));
        }
      }
    }));

    it(`broadcast (0-stride) reads, every dtype (${isa})`, () => withIsa(isa, () => {
      const cases: [number[], number[]][] = [
        [[1, 17], [9, 17]], [[9, 1], [9, 17]], [[1, 1], [5, 7]], [[3, 1, 5], [3, 4, 5]], [[1, 3, 1, 2], [2, 3, 4, 2]],
        [[0, 1], [0, 5]], [[1], [33]], [[1, 1, 1], [2, 1, 65]], [[17, 1, 1], [17, 3, 16]], [[1, 2, 1, 3, 1], [2, 2, 2, 3, 3]],
      ];
      for (const dtype of DTYPES) {
        for (const [from, to] of cases) {
          const x = sample(from, dtype, from.length + to.length);
          expectSame(`expand ${JSON.stringify(from)} -> ${JSON.stringify(to)} ${dtype}`, () => L.expand(x, to));
        }
      }
    }));

    it(`raw copyStrided: random views into random slabs, every dtype (${isa})`, () => withIsa(isa, () => {
      for (const [k, dtype] of DTYPES.entries()) {
        const rand = generator(1000 + k);
        for (let i = 0; i < 150; i++) expectSameRawCopy(`random #${i}`, dtype, randomRawCopy(rand), 7 * i + k);
      }
    }));

    it(`raw copyStrided: broadcast, transposed and embedded patterns, every dtype (${isa})`, () => withIsa(isa, () => {
      const cases: RawCopy[] = [
        // a broadcast row or column into a slab of a wider dst (dst strides larger than the shape)
        { shape: [17, 33], srcStrides: [0, 1], srcOffset: 5, dstStrides: [40, 1], dstOffset: 3 },
        { shape: [17, 33], srcStrides: [1, 0], srcOffset: 0, dstStrides: [40, 1], dstOffset: 7 },
        // a transpose into a slab, and one of a narrowed src (strides past the shape)
        { shape: [37, 19], srcStrides: [1, 50], srcOffset: 2, dstStrides: [21, 1], dstOffset: 1 },
        { shape: [4, 37, 19], srcStrides: [1000, 1, 50], srcOffset: 9, dstStrides: [19 * 37, 19, 1], dstOffset: 0 },
        // a transpose whose pair is not the last two dims, with a broadcast dim between
        { shape: [18, 3, 5, 20], srcStrides: [1, 0, 360, 18], srcOffset: 0, dstStrides: [300, 100, 20, 1], dstOffset: 0 },
        // a transposed dst (dst's unit stride not innermost) and strided runs on both sides
        { shape: [16, 24], srcStrides: [24, 1], srcOffset: 0, dstStrides: [1, 16], dstOffset: 0 },
        { shape: [9, 11], srcStrides: [2, 30], srcOffset: 1, dstStrides: [3, 40], dstOffset: 2 },
        // runs that merge across dims into one long run, and a single element
        { shape: [3, 4, 5, 6], srcStrides: [120, 30, 6, 1], srcOffset: 11, dstStrides: [120, 30, 6, 1], dstOffset: 4 },
        { shape: [1, 1, 1], srcStrides: [5, 3, 1], srcOffset: 2, dstStrides: [0, 0, 0], dstOffset: 1 },
        // empty
        { shape: [3, 0, 4], srcStrides: [4, 4, 1], srcOffset: 0, dstStrides: [4, 4, 1], dstOffset: 0 },
        { shape: [], srcStrides: [], srcOffset: 3, dstStrides: [], dstOffset: 2 },
        // 7 dims, some of size 1
        { shape: [2, 1, 3, 2, 1, 4, 3], srcStrides: [1, 7, 2, 6, 9, 12, 48], srcOffset: 0, dstStrides: [144, 144, 48, 24, 24, 6, 2], dstOffset: 1 },
        // dst elements repeat (0 stride, overlapping strides): the last write in row-major order wins
        { shape: [5, 7], srcStrides: [7, 1], srcOffset: 0, dstStrides: [0, 1], dstOffset: 0 },
        { shape: [5, 7], srcStrides: [1, 5], srcOffset: 0, dstStrides: [1, 0], dstOffset: 2 },
        { shape: [4, 5], srcStrides: [5, 1], srcOffset: 0, dstStrides: [1, 1], dstOffset: 0 },
        { shape: [3, 4, 6], srcStrides: [24, 6, 1], srcOffset: 0, dstStrides: [4, 3, 1], dstOffset: 0 },
        // ... where visiting the dims in another order would change which write is last
        { shape: [5, 7], srcStrides: [7, 1], srcOffset: 0, dstStrides: [1, 2], dstOffset: 0 },
        { shape: [300, 200], srcStrides: [200, 1], srcOffset: 0, dstStrides: [1, 2], dstOffset: 0 },
        { shape: [6, 5, 4], srcStrides: [1, 6, 30], srcOffset: 0, dstStrides: [1, 5, 20], dstOffset: 0 },
        // more dims of size > 1 than the planner takes (16): the in-order loop
        { shape: Array(17).fill(2), srcStrides: stridesOf(Array(17).fill(2)).reverse(), srcOffset: 0, dstStrides: stridesOf(Array(17).fill(2)), dstOffset: 0 },
      ];
      for (const dtype of DTYPES) cases.forEach((c, i) => expectSameRawCopy(`pattern #${i}`, dtype, c, 31 * i));
    }));

    it(`large copies (${isa})`, () => withIsa(isa, () => {
      const x = sample([301, 343], 'float32', 9);
      expectSame('transpose [301,343]', () => L.transpose(x, 0, 1));
      expectSame('narrow [301,343]', () => L.narrow(x, 1, 17, 300));
      expectSame('expand [301,1]->[301,343]', () => L.expand(L.narrow(x, 1, 0, 1), [301, 343]));
      const y = sample([1000003], 'float64', 10);
      expectSame('cast [1000003] float64->float32', () => y.to('float32'));
      expectSame('chunk [1000003]', () => L.chunk(y, 7, 0));
    }));
  }

  describe('copies split over threads give the same bytes as one thread and the reference', () => {
    const before = L.getNumThreads();
    afterAll(() => L.setNumThreads(before));
    for (const isa of availableIsas()) {
      it(`transpose, permute, narrow, cat, expand past the parallel threshold (${isa})`, () => withIsa(isa, () => {
        for (const threads of [1, 2, 3]) {
          L.setNumThreads(threads);
          for (const dtype of DTYPES) {
            // Big enough to split at every element size (bool: 271 kB, the threshold is 256 kB).
            const x = sample([1031, 263], dtype, 11);
            const heads = sample([8, 67, 8, 33], dtype, 12);
            expectSame(`transpose [1031,263] ${dtype} ${threads}T`, () => L.transpose(x, 0, 1));
            expectSame(`permute heads ${dtype} ${threads}T`, () => L.permute(heads, [0, 2, 1, 3]));
            expectSame(`narrow dim 0 ${dtype} ${threads}T`, () => L.narrow(x, 0, 3, 1000));
            expectSame(`narrow dim 1 ${dtype} ${threads}T`, () => L.narrow(x, 1, 5, 250));
            expectSame(`cat dim 1 ${dtype} ${threads}T`, () => L.cat([x, x], 1));
            expectSame(`expand [1031,1] -> [1031,263] ${dtype} ${threads}T`, () => L.expand(L.narrow(x, 1, 7, 1), [1031, 263]));
            expectSame(`flat copy ${dtype} ${threads}T`, () => L.expand(x.reshape([1, 1031 * 263]), [2, 1031 * 263]));
          }
        }
      }));
    }
  });

  it('known values: transpose, cat, gather, scatterAdd, indexAdd', () => {
    const x = L.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(L.transpose(x, 0, 1).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(L.cat([x, x], 1).toArray()).toEqual([[1, 2, 3, 1, 2, 3], [4, 5, 6, 4, 5, 6]]);
    expect(L.gather(x, 1, L.tensor([[2, 0], [1, 1]], { dtype: 'int32' })).toArray()).toEqual([[3, 1], [5, 5]]);
    expect(L.scatterAdd(L.zeros([2, 3]), 1, L.tensor([[0, 0], [2, 1]], { dtype: 'int32' }), L.tensor([[1, 2], [3, 4]])).toArray())
      .toEqual([[3, 0, 0], [0, 4, 3]]);
    expect(L.indexAdd(L.zeros([3, 2]), 0, int32([2, 0, 2]), L.tensor([[1, 1], [2, 2], [3, 3]])).toArray()).toEqual([[2, 2], [0, 0], [4, 4]]);
    expect(L.split(L.arange(5), 2).map((t) => t.toArray())).toEqual([[0, 1], [2, 3], [4]]);
    expect(L.chunk(L.arange(6), 4).map((t) => t.toArray())).toEqual([[0, 1], [2, 3], [4, 5]]);
  });
});

/**
 * Malformed calls into the raw addon (bypassing every TS check): wrong
 * argument types, missing arguments, wrong typed-array kinds, wrong lengths,
 * out-of-range strides, offsets and indices, NaN/negative/huge integers,
 * size products that overflow, detached buffers and aliasing outputs. Each
 * must be a JS TypeError or RangeError naming the binding, the process must
 * survive, and a failed call must not write its output.
 */
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/backend/index';
import type { NativeBinding } from '../../src/backend/native/binding';

type Raw = Record<string, (...args: unknown[]) => unknown>;

const f32 = (n: number, fill = 1): Float32Array => new Float32Array(n).fill(fill);
const f64 = (n: number, fill = 1): Float64Array => new Float64Array(n).fill(fill);
const i32 = (...v: number[]): Int32Array => Int32Array.from(v);

function detached(n: number): Float32Array {
  const buffer = new ArrayBuffer(n * 4);
  const view = new Float32Array(buffer);
  structuredClone(buffer, { transfer: [buffer] });
  return view;
}

/** Arguments that are not a typed array, or are one of a kind the addon does not take. */
const NOT_ARRAYS: [string, unknown][] = [
  ['undefined', undefined], ['null', null], ['a number', 3], ['a string', 'abc'], ['a plain array', [1, 2, 3]], ['an object', {}],
  ['an ArrayBuffer', new ArrayBuffer(16)], ['a DataView', new DataView(new ArrayBuffer(16))],
  ['an Int16Array', new Int16Array(4)], ['a Uint8ClampedArray', new Uint8ClampedArray(4)], ['a BigInt64Array', new BigInt64Array(4)],
];
/** Values no integer argument (size, offset, op code) accepts. */
const BAD_INTS: [string, unknown][] = [['NaN', NaN], ['-1', -1], ['1.5', 1.5], ['2^31', 2 ** 31], ['Infinity', Infinity], ['1e300', 1e300]];
/** Values no number argument accepts. */
const NOT_NUMBERS: [string, unknown][] = [['a string', '2'], ['undefined', undefined], ['null', null], ['a bigint', 2n], ['an object', {}]];
/** Argument positions that are real numbers (any double, NaN included), not integers. */
const FLOAT_PARAMS: Record<string, number[]> = { unary: [3, 4], gemm: [5, 12] };
/** philoxUniform takes 64-bit seed and offset as uint32 halves: 2^31 is fine there, 2^32 is not. */
const BAD_U32: [string, unknown][] = [['NaN', NaN], ['-1', -1], ['1.5', 1.5], ['2^32', 2 ** 32], ['Infinity', Infinity]];

describe.runIf(nativeAddon() !== null)('raw binding robustness', () => {
  const addon = nativeAddon() as NativeBinding;
  const raw = addon as unknown as Raw;

  /** Calls fn, expecting a TypeError or RangeError (the given one when named) whose message names `fnName`. */
  function expectRejected(tag: string, fnName: string, call: () => unknown, kind?: typeof TypeError | typeof RangeError): void {
    let thrown: unknown = null;
    try {
      call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown, `${tag} did not throw`).not.toBeNull();
    const ok = thrown instanceof TypeError || thrown instanceof RangeError;
    expect(ok, `${tag} threw ${String(thrown)}`).toBe(true);
    if (kind) expect(thrown, `${tag}: ${String(thrown)}`).toBeInstanceOf(kind);
    expect((thrown as Error).message, tag).toContain(fnName);
  }

  /** A valid call for each core binding: [name, args]. Each array position is fuzzed below. */
  const VALID: [string, () => unknown[]][] = [
    ['unary', () => [0, f32(5), f32(5), 0, 0]],
    ['binary', () => [0, f32(6), f32(3), f32(6), i32(2, 3), i32(3, 1), i32(0, 1)]],
    ['where', () => [new Uint8Array(6), f32(6), f32(6), f32(6), i32(2, 3), i32(3, 1), i32(3, 1), i32(3, 1)]],
    ['reduce', () => [0, f32(12), f32(4), 2, 3, 2]],
    ['argReduce', () => [true, f32(12), f32(4), new Int32Array(4), 2, 3, 2]],
    ['softmax', () => [false, f32(12), f32(12), 2, 3, 2]],
    ['gemm', () => [false, false, 2, 3, 4, 1, f32(8), i32(0), 4, f32(12), i32(0), 3, 0, f32(6), i32(0), 3]],
    ['copyStrided', () => [f32(6), 0, i32(1, 2), f32(6), 0, i32(3, 1), i32(2, 3)]],
    ['cast', () => [f32(4), new Int32Array(4)]],
    ['gather', () => [f32(6), i32(0, 1, 2, 0), f32(4), 2, 3, 2, 1]],
    ['scatterAdd', () => [f32(4), i32(0, 1, 2, 0), f32(6), 2, 3, 2, 1]],
    ['indexSelect', () => [f32(6), i32(2, 0), f32(4), 2, 3, 1]],
    ['indexAdd', () => [f32(4), i32(2, 0), f32(6), 2, 3, 1]],
    ['philoxUniform', () => [1, 0, 0, 0, f32(8)]],
  ];

  it('every valid call above succeeds (so the rejections below are about the one bad argument)', () => {
    for (const [name, args] of VALID) expect(() => raw[name](...args()), name).not.toThrow();
  });

  it('each argument position rejects the wrong kind of value', () => {
    for (const [name, args] of VALID) {
      const good = args();
      good.forEach((value, position) => {
        const isReal = FLOAT_PARAMS[name]?.includes(position) ?? false;
        const candidates: [string, unknown][] = ArrayBuffer.isView(value) ? NOT_ARRAYS
          : typeof value === 'number' ? (isReal ? NOT_NUMBERS : (name === 'philoxUniform' ? BAD_U32 : BAD_INTS).concat(NOT_NUMBERS))
          : [['a number', 1], ['a string', 'true'], ['undefined', undefined]];
        for (const [label, bad] of candidates) {
          // Some positions legitimately accept null/undefined (binary's shape, argReduce's values).
          if ((bad === null || bad === undefined) && ((name === 'binary' && position >= 4) || (name === 'argReduce' && position === 2))) continue;
          const call = args();
          call[position] = bad;
          expectRejected(`${name} argument ${position} = ${label}`, name, () => raw[name](...call));
        }
      });
    }
  });

  it('missing arguments are a TypeError', () => {
    for (const [name, args] of VALID) {
      const full = args();
      for (let n = 0; n < full.length; n++) {
        if (name === 'binary' && n >= 4) continue;  // binary without shape/strides is the flat path
        expectRejected(`${name} with ${n} arguments`, name, () => raw[name](...full.slice(0, n)));
      }
    }
  });

  it('typed arrays of the wrong element type are a TypeError', () => {
    const cases: [string, () => unknown][] = [
      ['unary', () => addon.unary(0, f32(4), f64(4), 0, 0)],
      ['binary', () => addon.binary(0, f32(4), f64(4), f32(4), null, null, null)],
      ['binary', () => addon.binary(7, f32(4), f32(4), f32(4), null, null, null)],  // a comparison writes a Uint8Array
      ['binary', () => addon.binary(0, f32(6), f32(3), f32(6), f32(2), i32(3, 1), i32(0, 1))],
      ['where', () => addon.where(f32(6), f32(6), f32(6), f32(6), i32(6), i32(1), i32(1), i32(1))],
      ['reduce', () => addon.reduce(0, f32(4), f64(1), 1, 4, 1)],
      ['argReduce', () => addon.argReduce(true, f32(4), f32(1), f32(1), 1, 4, 1)],
      ['softmax', () => addon.softmax(false, new Int32Array(4), new Int32Array(4), 1, 4, 1)],
      ['softmax', () => addon.softmax(false, f32(4), f64(4), 1, 4, 1)],
      ['gemm', () => addon.gemm(false, false, 1, 1, 1, 1, new Int32Array(1), i32(0), 1, new Int32Array(1), i32(0), 1, 0, new Int32Array(1), i32(0), 1)],
      ['gemm', () => addon.gemm(false, false, 1, 1, 1, 1, f32(1), i32(0), 1, f64(1), i32(0), 1, 0, f32(1), i32(0), 1)],
      ['gemm', () => addon.gemm(false, false, 1, 1, 1, 1, f32(1), f32(1), 1, f32(1), i32(0), 1, 0, f32(1), i32(0), 1)],
      ['copyStrided', () => addon.copyStrided(f32(4), 0, i32(1), f64(4), 0, i32(1), i32(4))],
      ['gather', () => addon.gather(f32(4), f32(4), f32(4), 1, 4, 4, 1)],
      ['scatterAdd', () => addon.scatterAdd(new Int32Array(4), i32(0, 0, 0, 0), new Int32Array(4), 1, 4, 4, 1)],
      ['indexAdd', () => addon.indexAdd(new Int32Array(4), i32(0), new Int32Array(4), 1, 4, 4)],
      ['philoxUniform', () => addon.philoxUniform(0, 0, 0, 0, new Int32Array(4))],
    ];
    for (const [name, call] of cases) expectRejected(`${name} with mismatched element types`, name, call, TypeError);
  });

  it('wrong lengths are a RangeError and leave the output unwritten', () => {
    const out = f32(3, 7);
    const cases: [string, () => unknown][] = [
      ['unary', () => addon.unary(0, f32(4), out, 0, 0)],
      ['binary', () => addon.binary(0, f32(4), f32(2), f32(4), null, null, null)],
      ['binary', () => addon.binary(0, f32(6), f32(3), out, i32(2, 3), i32(3, 1), i32(0, 1))],
      ['where', () => addon.where(new Uint8Array(6), f32(6), f32(6), out, i32(2, 3), i32(3, 1), i32(3, 1), i32(3, 1))],
      ['reduce', () => addon.reduce(0, f32(12), out, 2, 3, 2)],
      ['reduce', () => addon.reduce(0, f32(11), f32(4), 2, 3, 2)],
      ['argReduce', () => addon.argReduce(true, f32(12), out, new Int32Array(4), 2, 3, 2)],
      ['argReduce', () => addon.argReduce(true, f32(0), null, new Int32Array(0), 1, 0, 1)],  // empty dim
      ['softmax', () => addon.softmax(false, f32(12), f32(11), 2, 3, 2)],
      ['gemm', () => addon.gemm(false, false, 2, 3, 4, 1, f32(7), i32(0), 4, f32(12), i32(0), 3, 0, f32(6), i32(0), 3)],
      ['gemm', () => addon.gemm(false, false, 2, 3, 4, 1, f32(8), i32(0), 4, f32(12), i32(0), 3, 0, out, i32(0), 3)],
      ['gemm', () => addon.gemm(false, false, 2, 3, 4, 1, f32(8), i32(0, 0), 4, f32(12), i32(0), 3, 0, f32(6), i32(0), 3)],
      ['gemm', () => addon.gemm(false, false, 2, 3, 4, 1, f32(8), i32(0), 3, f32(12), i32(0), 3, 0, f32(6), i32(0), 3)],  // lda < K
      ['cast', () => addon.cast(f32(4), out)],
      ['gather', () => addon.gather(f32(6), i32(0, 1, 2), f32(4), 2, 3, 2, 1)],
      ['indexSelect', () => addon.indexSelect(f32(6), i32(2, 0), out, 2, 3, 1)],
    ];
    for (const [name, call] of cases) expectRejected(`${name} with a wrong length`, name, call, RangeError);
    expect(Array.from(out)).toEqual([7, 7, 7]);
  });

  it('strides, offsets and indices that reach outside an array are a RangeError', () => {
    const dst = f32(6, 7);
    const cases: [string, () => unknown][] = [
      ['copyStrided', () => addon.copyStrided(f32(6), 1, i32(3, 1), dst, 0, i32(3, 1), i32(2, 3))],
      ['copyStrided', () => addon.copyStrided(f32(6), 0, i32(4, 1), dst, 0, i32(3, 1), i32(2, 3))],
      ['copyStrided', () => addon.copyStrided(f32(6), 0, i32(3, 1), dst, 0, i32(3, -1), i32(2, 3))],
      ['copyStrided', () => addon.copyStrided(f32(6), 0, i32(3), dst, 0, i32(3, 1), i32(2, 3))],   // rank mismatch
      ['copyStrided', () => addon.copyStrided(f32(6), 0, i32(3, 1), dst, 0, i32(3, 1), i32(2, -3))],
      ['copyStrided', () => addon.copyStrided(f32(6), -1, i32(3, 1), dst, 0, i32(3, 1), i32(2, 3))],
      ['copyStrided', () => addon.copyStrided(f32(6), 0, i32(3, 1), dst, 2 ** 31, i32(3, 1), i32(2, 3))],
      ['binary', () => addon.binary(0, f32(6), f32(3), dst, i32(2, 3), i32(3, 1), i32(1, 1))],
      ['where', () => addon.where(new Uint8Array(3), f32(6), f32(6), dst, i32(2, 3), i32(3, 1), i32(3, 1), i32(3, 1))],
      ['gemm', () => addon.gemm(false, false, 2, 3, 4, 1, f32(8), i32(1), 4, f32(12), i32(0), 3, 0, dst, i32(0), 3)],
      ['gemm', () => addon.gemm(false, false, 2, 3, 4, 1, f32(8), i32(-1), 4, f32(12), i32(0), 3, 0, dst, i32(0), 3)],
      ['gemm', () => addon.gemm(true, false, 2, 3, 4, 1, f32(8), i32(0), 4, f32(12), i32(0), 3, 0, dst, i32(0), 3)],  // A stored [4,2] with lda 4
      ['gather', () => addon.gather(f32(6), i32(0, 3, 0, 0), f32(4), 2, 3, 2, 1)],
      ['gather', () => addon.gather(f32(6), i32(0, -1, 0, 0), f32(4), 2, 3, 2, 1)],
      ['scatterAdd', () => addon.scatterAdd(f32(4), i32(0, 1, 2, 3), dst, 2, 3, 2, 1)],
      ['indexSelect', () => addon.indexSelect(f32(6), i32(3, 0), f32(4), 2, 3, 1)],
      ['indexAdd', () => addon.indexAdd(f32(4), i32(0, -2), dst, 2, 3, 1)],
      ['unary', () => addon.unary(99, f32(2), f32(2), 0, 0)],
      ['binary', () => addon.binary(-1, f32(2), f32(2), f32(2), null, null, null)],
      ['reduce', () => addon.reduce(6, f32(2), f32(1), 1, 2, 1)],
      ['philoxUniform', () => addon.philoxUniform(2 ** 32, 0, 0, 0, f32(4))],
      ['philoxUniform', () => addon.philoxUniform(0, 0, -1, 0, f32(4))],
      ['setNumThreads', () => addon.setNumThreads(0)],
      ['setNumThreads', () => addon.setNumThreads(1e9)],
      ['setIsa', () => addon.setIsa('avx1024')],
    ];
    for (const [name, call] of cases) expectRejected(`${name} out of range`, name, call, RangeError);
    expect(Array.from(dst)).toEqual([7, 7, 7, 7, 7, 7]);
    expectRejected('setIsa with a number', 'setIsa', () => raw.setIsa(2), TypeError);
  });

  it('size products that overflow 64 bits are a RangeError, not a wild read', () => {
    // 2^22 * 2^21 * 2^21 = 2^64 wraps to 0 in int64 and used to pass the length checks with empty arrays.
    const big = [2 ** 22, 2 ** 21, 2 ** 21];
    const wrap = i32(65536, 65536, 65536, 65536);
    const ones4 = i32(1, 1, 1, 1);
    const cases: [string, () => unknown][] = [
      ['softmax', () => addon.softmax(false, f32(0), f32(0), big[0], big[1], big[2])],
      ['reduce', () => addon.reduce(0, f32(0), f32(0), big[0], big[1], big[2])],
      ['argReduce', () => addon.argReduce(true, f32(0), null, new Int32Array(0), big[0], big[1], big[2])],
      ['gather', () => addon.gather(f32(0), i32(), f32(0), big[0], big[1], big[1], big[2])],
      ['scatterAdd', () => addon.scatterAdd(f32(0), i32(), f32(0), big[0], big[1], big[1], big[2])],
      ['indexSelect', () => addon.indexSelect(f32(0), new Int32Array(2 ** 21), f32(0), big[0], big[1], big[2])],
      ['indexAdd', () => addon.indexAdd(f32(0), new Int32Array(2 ** 21), f32(0), big[0], big[1], big[2])],
      ['copyStrided', () => addon.copyStrided(f32(4), 0, ones4, f32(4), 0, ones4, wrap)],
      ['binary', () => addon.binary(0, f32(1), f32(1), f32(0), wrap, ones4, ones4)],
      ['where', () => addon.where(new Uint8Array(1), f32(1), f32(1), f32(0), wrap, ones4, ones4, ones4)],
    ];
    for (const [name, call] of cases) expectRejected(`${name} with overflowing sizes`, name, call, RangeError);
  });

  it('detached buffers are a TypeError, even where every length would be 0', () => {
    const cases: [string, () => unknown][] = [
      ['unary', () => addon.unary(0, detached(4), f32(4), 0, 0)],
      ['unary', () => addon.unary(0, detached(4), detached(4), 0, 0)],
      ['binary', () => addon.binary(0, f32(2), detached(2), f32(2), null, null, null)],
      ['reduce', () => addon.reduce(0, detached(4), f32(1), 1, 4, 1)],
      ['softmax', () => addon.softmax(false, detached(0), f32(0), 1, 0, 1)],
      ['gemm', () => addon.gemm(false, false, 1, 1, 1, 1, f32(1), i32(0), 1, f32(1), i32(0), 1, 0, detached(1), i32(0), 1)],
      ['copyStrided', () => addon.copyStrided(detached(4), 0, i32(1), f32(4), 0, i32(1), i32(4))],
      ['cast', () => addon.cast(detached(2), detached(2))],
      ['philoxUniform', () => addon.philoxUniform(0, 0, 0, 0, detached(8))],
    ];
    for (const [name, call] of cases) expectRejected(`${name} with a detached buffer`, name, call, TypeError);
  });

  it('gemm refuses an output that aliases an input; copyStrided refuses overlap', () => {
    const buffer = new Float32Array(24).fill(1);
    const a = buffer.subarray(0, 8), b = buffer.subarray(8, 20), c = buffer.subarray(18, 24);
    const before = Array.from(buffer);
    expectRejected('gemm c overlapping b', 'gemm', () => addon.gemm(false, false, 2, 3, 4, 1, a, i32(0), 4, b, i32(0), 3, 0, c, i32(0), 3), RangeError);
    const same = f32(4);
    expectRejected('gemm c = a', 'gemm', () => addon.gemm(false, false, 2, 2, 2, 1, same, i32(0), 2, f32(4), i32(0), 2, 0, same, i32(0), 2), RangeError);
    expectRejected('copyStrided src = dst', 'copyStrided', () => addon.copyStrided(same, 0, i32(1), same, 0, i32(1), i32(4)), RangeError);
    expect(Array.from(buffer)).toEqual(before);
    // Views of one buffer that do not overlap are fine.
    const disjoint = new Float32Array(12).fill(1);
    expect(() => addon.gemm(false, false, 2, 2, 2, 1, disjoint.subarray(0, 4), i32(0), 2, disjoint.subarray(4, 8), i32(0), 2, 0,
      disjoint.subarray(8, 12), i32(0), 2)).not.toThrow();
    expect(Array.from(disjoint.subarray(8))).toEqual([2, 2, 2, 2]);
  });

  it('every addon function survives garbage arguments (including bindings added later)', () => {
    const garbage: unknown[][] = [[], [undefined, undefined, undefined], ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
      Array(20).fill(null), Array(20).fill(-1), Array(20).fill(new Float32Array(0)), [0, f32(1), f32(1), NaN, NaN, NaN, NaN, NaN]];
    const names = Object.keys(raw).filter((k) => typeof raw[k] === 'function');
    expect(names.length).toBeGreaterThanOrEqual(VALID.length);
    for (const name of names) {
      if (name === 'setNumThreads' || name === 'setIsa') continue;  // covered above; garbage could change pool/ISA state
      for (const args of garbage) {
        try {
          raw[name](...args);
        } catch (e) {
          expect(e instanceof TypeError || e instanceof RangeError, `${name}(${args.length} args) threw ${String(e)}`).toBe(true);
        }
      }
    }
  });

  it('the addon still works after all of the above', () => {
    const out = f32(3);
    addon.binary(0, Float32Array.from([1, 2, 3]), Float32Array.from([10]), out, null, null, null);
    expect(Array.from(out)).toEqual([11, 12, 13]);
    expect(addon.info().threads).toBeGreaterThanOrEqual(1);
  });
});

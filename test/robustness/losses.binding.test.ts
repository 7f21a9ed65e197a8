/**
 * Malformed calls into the raw loss bindings (crossEntropy, crossEntropyBackward, ctcLoss):
 * every one is a TypeError or RangeError naming the binding, the process survives, and a
 * rejected call leaves its outputs unwritten.
 */
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/backend/index';

type Raw = Record<string, (...args: unknown[]) => unknown>;
const f32 = (n: number, fill = 1): Float32Array => new Float32Array(n).fill(fill);
const f64 = (n: number, fill = 1): Float64Array => new Float64Array(n).fill(fill);
const i32 = (...v: number[]): Int32Array => Int32Array.from(v);

const NOT_ARRAYS: unknown[] = [3, 'abc', [1, 2], {}, new ArrayBuffer(8), new Int16Array(4)];
const BAD_INTS: unknown[] = [NaN, -1, 1.5, 2 ** 31, Infinity, '2', {}];

describe.runIf(nativeAddon() !== null)('raw loss bindings robustness', () => {
  const raw = nativeAddon() as unknown as Raw;

  function rejected(tag: string, fn: string, call: () => unknown): void {
    let thrown: unknown = null;
    try { call(); } catch (e) { thrown = e; }
    expect(thrown, `${tag} did not throw`).not.toBeNull();
    expect(thrown instanceof TypeError || thrown instanceof RangeError, `${tag} threw ${String(thrown)}`).toBe(true);
    expect((thrown as Error).message, tag).toContain(fn);
  }

  // x [2, 3], rows 2
  const VALID: [string, () => unknown[], number[]][] = [
    ['crossEntropy', () => [f32(6), 2, 3, 1, i32(0, 2), null, f32(3), -100, 0.1, f32(2), f32(2)], [4, 5, 6]],
    ['crossEntropyBackward', () => [f32(6), 2, 3, 1, null, f32(6), null, -100, 0, f32(2), f32(2), f32(6)], [4, 5, 6]],
    // T 3, N 2, C 3
    ['ctcLoss', () => [f32(18), 3, 2, 3, i32(1, 2, 1), i32(0, 2), i32(2, 1), i32(3, 2), 0, false, f32(2), f32(18)], [11]],
  ];

  it('valid calls succeed', () => {
    for (const [name, args] of VALID) expect(() => raw[name](...args()), name).not.toThrow();
  });

  it('each argument position rejects the wrong kind of value, and missing arguments', () => {
    for (const [name, args, nullable] of VALID) {
      const good = args();
      good.forEach((value, position) => {
        const candidates = ArrayBuffer.isView(value) || value === null ? NOT_ARRAYS
          : typeof value === 'number' ? (position === 8 && name !== 'ctcLoss' ? [NaN, -0.5, 2, '0.1'] : position === 7 && name !== 'ctcLoss' ? [1.5, NaN, 2 ** 31, 'x'] : BAD_INTS)
          : [1, 'true', undefined];
        for (const bad of candidates) {
          const call = args();
          call[position] = bad;
          rejected(`${name} argument ${position} = ${String(bad)}`, name, () => raw[name](...call));
        }
        if (!nullable.includes(position)) {
          const call = args();
          call[position] = null;
          rejected(`${name} argument ${position} = null`, name, () => raw[name](...call));
        }
      });
      for (let n = 0; n < good.length - (nullable.includes(good.length - 1) ? 1 : 0); n++) {
        rejected(`${name} with ${n} arguments`, name, () => raw[name](...good.slice(0, n)));
      }
    }
  });

  it('wrong lengths, types, labels and lengths are rejected before anything is written', () => {
    const loss = f32(2, 7), lse = f32(2, 7), nll = f32(2, 7), grad = f32(18, 7);
    const cases: [string, () => unknown][] = [
      ['crossEntropy', () => raw.crossEntropy(f32(5), 2, 3, 1, i32(0, 1), null, null, -100, 0, loss, lse)],
      ['crossEntropy', () => raw.crossEntropy(f32(6), 2, 3, 1, i32(0), null, null, -100, 0, loss, lse)],
      ['crossEntropy', () => raw.crossEntropy(f32(6), 2, 3, 1, i32(0, 1), null, f32(2), -100, 0, loss, lse)],
      ['crossEntropy', () => raw.crossEntropy(f32(6), 2, 3, 1, i32(0, 1), f32(6), null, -100, 0, loss, lse)],
      ['crossEntropy', () => raw.crossEntropy(f32(6), 2, 3, 1, null, f64(6), null, -100, 0, loss, lse)],
      ['crossEntropy', () => raw.crossEntropy(f32(6), 2, 3, 1, i32(0, -5), null, null, -100, 0, loss, lse)],
      ['crossEntropy', () => raw.crossEntropy(f32(6), 2, 3, 1, i32(0, 1), null, null, -100, 0, f32(3), lse)],
      ['crossEntropy', () => raw.crossEntropy(f32(6), 2, 3, 1, i32(0, 1), null, null, -100, 0, f64(2), lse)],
      ['crossEntropy', () => raw.crossEntropy(f32(6), 2 ** 16, 2 ** 16, 2, i32(0, 1), null, null, -100, 0, loss, lse)],
      ['crossEntropyBackward', () => raw.crossEntropyBackward(f32(6), 2, 3, 1, i32(0, 1), null, null, -100, 0, lse, f32(2), f32(5))],
      ['ctcLoss', () => raw.ctcLoss(f32(17), 3, 2, 3, i32(1, 2, 1), i32(0, 2), i32(2, 1), i32(3, 2), 0, false, nll, grad)],
      ['ctcLoss', () => raw.ctcLoss(f32(18), 3, 2, 3, i32(1, 2, 1), i32(0, 2), i32(2, 1), i32(3, 2), 3, false, nll, grad)],
      ['ctcLoss', () => raw.ctcLoss(f32(18), 3, 2, 3, i32(1, 0, 1), i32(0, 2), i32(2, 1), i32(3, 2), 0, false, nll, grad)],
      ['ctcLoss', () => raw.ctcLoss(f32(18), 3, 2, 3, i32(1, 2, 1), i32(0, 2), i32(2, 2), i32(3, 2), 0, false, nll, grad)],
      ['ctcLoss', () => raw.ctcLoss(f32(18), 3, 2, 3, i32(1, 2, 1), i32(0, -1), i32(2, 1), i32(3, 2), 0, false, nll, grad)],
      ['ctcLoss', () => raw.ctcLoss(f32(18), 3, 2, 3, i32(1, 2, 1), i32(0, 2), i32(2, 1), i32(4, 2), 0, false, nll, grad)],
      ['ctcLoss', () => raw.ctcLoss(f32(18), 3, 2, 3, i32(1, 2, 1), i32(0, 2), i32(2, 1), i32(3), 0, false, nll, grad)],
      ['ctcLoss', () => raw.ctcLoss(f32(18), 3, 2, 3, i32(1, 2, 1), i32(0, 2), i32(2, 1), i32(3, 2), 0, false, f64(2), grad)],
      ['ctcLoss', () => raw.ctcLoss(f32(18), 3, 2, 3, i32(1, 2, 1), i32(0, 2), i32(2, 1), i32(3, 2), 0, false, nll, f32(17))],
      ['ctcLoss', () => raw.ctcLoss(f32(18), 3, 2, 0, i32(1, 2, 1), i32(0, 2), i32(2, 1), i32(3, 2), 0, false, nll, grad)],
      ['ctcLoss', () => raw.ctcLoss(f32(18), 2 ** 20, 2 ** 20, 3, i32(1, 2, 1), i32(0, 2), i32(2, 1), i32(3, 2), 0, false, nll, grad)],
    ];
    for (const [name, call] of cases) rejected(`${name}: ${call.toString()}`, name, call);
    for (const out of [loss, lse, nll, grad]) expect(out.every((v) => v === 7)).toBe(true);
  });
});

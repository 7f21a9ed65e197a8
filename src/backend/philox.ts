/**
 * Philox4x32-10, the counter-based generator of Random123 (Salmon, Moraes,
 * Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11), and the
 * one random stream the whole library draws from.
 *
 * The block function maps a 128-bit counter and a 64-bit key to 128 random
 * bits. One round, with M0 = 0xD2511F53 and M1 = 0xCD9E8D57:
 *
 *   (hi0, lo0) = M0 * c0        (hi1, lo1) = M1 * c2      (exact 32x32 -> 64)
 *   c' = [hi1 ^ c1 ^ k0,  lo1,  hi0 ^ c3 ^ k1,  lo0]
 *
 * Ten rounds, and between two rounds the key takes a Weyl step:
 * k0 += 0x9E3779B9, k1 += 0xBB67AE85 (mod 2^32).
 *
 * The stream (shared bit for bit with native/kernels/philox.cc):
 * - key = [seed lo32, seed hi32] for a 64-bit seed;
 * - block b (the `offset`) uses counter [b lo32, b hi32, 0, 0] and yields the
 *   four words of its output in order;
 * - every draw consumes whole blocks: a call that needs n uint32 words starts
 *   at block `offset` and advances `offset` by ceil(n / 4), leftover words of
 *   the last block are dropped. So (seed, offset) alone says where a draw
 *   starts, which is what lets the C++ kernels produce the same numbers.
 */

import { ArgumentError, fmtArg } from '../errors';
import { allocate } from '../tensor/dtype';

const MULTIPLIER_0 = 0xd2511f53;
const MULTIPLIER_1 = 0xcd9e8d57;
const WEYL_0 = 0x9e3779b9;
const WEYL_1 = 0xbb67ae85;
const ROUNDS = 10;

const TWO_POW_32 = 4294967296;
const TWO_POW_MINUS_24 = 1 / 16777216;
const TWO_POW_26 = 67108864;
const TWO_POW_MINUS_53 = 1 / 9007199254740992;
const TWO_PI = 2 * Math.PI;

/** The seed used when `manualSeed` was never called (PyTorch's default seed). */
export const DEFAULT_SEED = 67280421310721n;

const MULTIPLIER_0_HIGH = MULTIPLIER_0 >>> 16;
const MULTIPLIER_0_LOW = MULTIPLIER_0 & 0xffff;
const MULTIPLIER_1_HIGH = MULTIPLIER_1 >>> 16;
const MULTIPLIER_1_LOW = MULTIPLIER_1 & 0xffff;

/**
 * High 32 bits of the exact product a * b of two uint32 values
 * (Math.imul gives the low 32 bits).
 *
 * With a = aH * 2^16 + aL and b = bH * 2^16 + bL (16-bit halves),
 * a * b = aH*bH * 2^32 + (aH*bL + aL*bH) * 2^16 + aL*bL. Each partial product
 * and each partial sum below stays under 2^32, so every step is exact:
 *   mid1 = aH*bL + (aL*bL >>> 16)
 *   mid2 = aL*bH + (mid1 & 0xffff)
 *   high = aH*bH + (mid1 >>> 16) + (mid2 >>> 16)
 *
 * @example mulHi32(0xffffffff, 0xffffffff) // 0xfffffffe
 */
export function mulHi32(a: number, b: number): number {
  const aHigh = a >>> 16;
  const aLow = a & 0xffff;
  const bHigh = b >>> 16;
  const bLow = b & 0xffff;
  const mid1 = aHigh * bLow + ((aLow * bLow) >>> 16);
  const mid2 = aLow * bHigh + (mid1 & 0xffff);
  return (aHigh * bHigh + (mid1 >>> 16) + (mid2 >>> 16)) >>> 0;
}

/**
 * Writes Philox4x32-10 of counter [c0, c1, c2, c3] under key [k0, k1] into
 * out[at .. at+3]. Allocates nothing; this is the inner loop of every draw.
 * The two high products are mulHi32 written out with the multipliers' halves
 * precomputed (about 3x faster in V8 than a call doing float divisions).
 *
 * @example philox4x32_10Into(0, 0, 0, 0, 0, 0, out, 0)
 */
export function philox4x32_10Into(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
  at: number,
): void {
  // Words are kept as int32 bit patterns; the Uint32Array store reinterprets them.
  let x0 = c0 | 0;
  let x1 = c1 | 0;
  let x2 = c2 | 0;
  let x3 = c3 | 0;
  let key0 = k0 | 0;
  let key1 = k1 | 0;
  for (let round = 0; round < ROUNDS; round++) {
    let low = x0 & 0xffff;
    let high = x0 >>> 16;
    let mid1 = MULTIPLIER_0_HIGH * low + ((MULTIPLIER_0_LOW * low) >>> 16);
    let mid2 = MULTIPLIER_0_LOW * high + (mid1 & 0xffff);
    const hi0 = (MULTIPLIER_0_HIGH * high + (mid1 >>> 16) + (mid2 >>> 16)) | 0;
    const lo0 = Math.imul(MULTIPLIER_0, x0);

    low = x2 & 0xffff;
    high = x2 >>> 16;
    mid1 = MULTIPLIER_1_HIGH * low + ((MULTIPLIER_1_LOW * low) >>> 16);
    mid2 = MULTIPLIER_1_LOW * high + (mid1 & 0xffff);
    const hi1 = (MULTIPLIER_1_HIGH * high + (mid1 >>> 16) + (mid2 >>> 16)) | 0;
    const lo1 = Math.imul(MULTIPLIER_1, x2);

    x0 = hi1 ^ x1 ^ key0;
    x1 = lo1;
    x2 = hi0 ^ x3 ^ key1;
    x3 = lo0;
    // The Weyl step between rounds; the one after the last round is unused.
    key0 = (key0 + WEYL_0) | 0;
    key1 = (key1 + WEYL_1) | 0;
  }
  out[at] = x0;
  out[at + 1] = x1;
  out[at + 2] = x2;
  out[at + 3] = x3;
}

/**
 * Philox4x32-10 block function: 4 counter words and 2 key words in, 4 random
 * words out (the Random123 definition, checked against its known answers).
 *
 * @example philox4x32_10([0, 0, 0, 0], [0, 0]) // Uint32Array [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]
 */
export function philox4x32_10(
  counter: Uint32Array | readonly [number, number, number, number],
  key: Uint32Array | readonly [number, number],
  out: Uint32Array = new Uint32Array(4),
): Uint32Array {
  if (counter.length !== 4) {
    throw new ArgumentError(`philox4x32_10: counter has ${counter.length} words, expected 4`);
  }
  if (key.length !== 2) {
    throw new ArgumentError(`philox4x32_10: key has ${key.length} words, expected 2`);
  }
  if (out.length < 4) {
    throw new ArgumentError(`philox4x32_10: out has ${out.length} words, expected at least 4`);
  }
  philox4x32_10Into(counter[0], counter[1], counter[2], counter[3], key[0], key[1], out, 0);
  return out;
}

/** A generator's position, plain enough for JSON: the seed as a decimal string, the offset in blocks. */
export interface PhiloxState {
  seed: string;
  offset: number;
}

export type UniformDType = 'float32' | 'float64';

function toSeed(op: string, seed: number | bigint | string): bigint {
  let value: bigint;
  if (typeof seed === 'bigint') {
    value = seed;
  } else if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) {
      throw new ArgumentError(`${op}: seed must be a safe integer or a bigint, got ${seed}`);
    }
    value = BigInt(seed);
  } else if (typeof seed === 'string' && /^-?\d+$/.test(seed.trim())) {
    value = BigInt(seed.trim());
  } else {
    throw new ArgumentError(`${op}: seed must be an integer, a bigint or a decimal string, got ${fmtArg(seed)}`);
  }
  // Seeds live modulo 2^64, as in PyTorch, so a negative seed is still a seed.
  return BigInt.asUintN(64, value);
}

function toOffset(op: string, offset: number | bigint | string): number {
  const value = typeof offset === 'string' && !/^\d+$/.test(offset.trim()) ? NaN : Number(offset);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ArgumentError(`${op}: offset must be a non-negative safe integer, got ${fmtArg(offset)}`);
  }
  return value;
}

function checkCount(op: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ArgumentError(`${op}: n must be a non-negative integer, got ${n}`);
  }
}

/**
 * A position in the Philox stream of one seed. Each draw starts at block
 * `offset` and moves it past every block it touched (ceil(words / 4)).
 *
 * Words consumed per call: `nextUint32(n)` and `randint(n)` n; `uniform(n,
 * 'float32')` n; `uniform(n, 'float64')` 2n; `normal(n, 'float32')`
 * 2 * ceil(n / 2); `normal(n, 'float64')` 4 * ceil(n / 2).
 *
 * @example const g = new PhiloxStream(42); const u = g.uniform(3, 'float32');
 */
export class PhiloxStream {
  private seedValue: bigint;
  private key0: number;
  private key1: number;
  private blockOffset = 0;
  private readonly block = new Uint32Array(4);

  constructor(seed: number | bigint | string = DEFAULT_SEED) {
    this.seedValue = toSeed('PhiloxStream', seed);
    this.key0 = Number(this.seedValue & 0xffffffffn);
    this.key1 = Number(this.seedValue >> 32n);
  }

  /** The 64-bit seed (the key is its low and high halves). */
  get seed(): bigint {
    return this.seedValue;
  }

  /** Index of the next unused 128-bit block. */
  get offset(): number {
    return this.blockOffset;
  }

  /** Moves the stream to a block index (to skip ahead or replay). @example `stream.offset = 0` */
  set offset(value: number) {
    this.blockOffset = toOffset('PhiloxStream.offset', value);
  }

  /**
   * Reseeds and rewinds to block 0.
   *
   * @example g.manualSeed(0)
   */
  manualSeed(seed: number | bigint | string): this {
    this.seedValue = toSeed('manualSeed', seed);
    this.key0 = Number(this.seedValue & 0xffffffffn);
    this.key1 = Number(this.seedValue >> 32n);
    this.blockOffset = 0;
    return this;
  }

  /** @example const saved = g.getState(); JSON.stringify(saved) */
  getState(): PhiloxState {
    return { seed: this.seedValue.toString(), offset: this.blockOffset };
  }

  /** @example g.setState({ seed: '42', offset: 10 }) */
  setState(state: { seed: number | bigint | string; offset: number | bigint | string }): this {
    const offset = toOffset('setState', state.offset);
    this.manualSeed(state.seed);
    this.blockOffset = offset;
    return this;
  }

  /**
   * Claims the blocks that n words need and returns the first block's index,
   * without generating anything: a native kernel then produces those words
   * from (seed, returned offset).
   *
   * @example const start = g.reserve(1000); // native: philoxUniformF32(seed, start, out, 1000)
   */
  reserve(words: number): number {
    checkCount('reserve', words);
    const start = this.blockOffset;
    this.blockOffset = toOffset('reserve', start + Math.ceil(words / 4));
    return start;
  }

  /**
   * n raw 32-bit words of the stream.
   *
   * @example g.nextUint32(4) // Uint32Array(4)
   */
  nextUint32(n: number, out?: Uint32Array): Uint32Array {
    checkCount('nextUint32', n);
    const result = out ?? new Uint32Array(n);
    if (result.length < n) {
      throw new ArgumentError(`nextUint32: out has ${result.length} elements, n is ${n}`);
    }
    let block = this.reserve(n);
    const whole = n & ~3;
    const k0 = this.key0;
    const k1 = this.key1;
    for (let i = 0; i < whole; i += 4, block++) {
      philox4x32_10Into(block >>> 0, Math.floor(block / TWO_POW_32), 0, 0, k0, k1, result, i);
    }
    if (whole < n) {
      philox4x32_10Into(block >>> 0, Math.floor(block / TWO_POW_32), 0, 0, k0, k1, this.block, 0);
      for (let i = whole; i < n; i++) result[i] = this.block[i - whole];
    }
    return result;
  }

  /**
   * n values uniform on [low, high). The [0, 1) draw is exact: float32 is
   * (u >>> 8) * 2^-24, float64 is ((u0 >>> 5) * 2^26 + (u1 >>> 6)) * 2^-53
   * from two consecutive words. Scaling to [low, high) rounds, as in PyTorch.
   *
   * @example g.uniform(5, 'float32', -1, 1)
   */
  uniform(n: number, dtype: 'float32', low?: number, high?: number): Float32Array;
  uniform(n: number, dtype: 'float64', low?: number, high?: number): Float64Array;
  uniform(n: number, dtype: UniformDType, low?: number, high?: number): Float32Array | Float64Array;
  uniform(n: number, dtype: UniformDType = 'float32', low = 0, high = 1): Float32Array | Float64Array {
    checkCount('uniform', n);
    const span = high - low;
    if (dtype === 'float32') {
      const words = this.nextUint32(n);
      const out = allocate('float32', n) as Float32Array;
      for (let i = 0; i < n; i++) out[i] = low + span * ((words[i] >>> 8) * TWO_POW_MINUS_24);
      return out;
    }
    if (dtype === 'float64') {
      const words = this.nextUint32(2 * n);
      const out = allocate('float64', n) as Float64Array;
      for (let i = 0; i < n; i++) {
        const unit = ((words[2 * i] >>> 5) * TWO_POW_26 + (words[2 * i + 1] >>> 6)) * TWO_POW_MINUS_53;
        out[i] = low + span * unit;
      }
      return out;
    }
    throw new ArgumentError(`uniform: dtype must be 'float32' or 'float64', got ${fmtArg(dtype)}`);
  }

  /**
   * n values from N(mean, std^2) by Box–Muller on pairs (u1, u2) of uniforms:
   * r = sqrt(-2 ln(1 - u1)), z0 = r cos(2 pi u2), z1 = r sin(2 pi u2).
   * 1 - u1 lies in (0, 1], so the logarithm never sees 0. Pairs fill the
   * output in order; an odd n drops the last sine.
   *
   * @example g.normal(5, 'float32', 0, 0.02)
   */
  normal(n: number, dtype: 'float32', mean?: number, std?: number): Float32Array;
  normal(n: number, dtype: 'float64', mean?: number, std?: number): Float64Array;
  normal(n: number, dtype: UniformDType, mean?: number, std?: number): Float32Array | Float64Array;
  normal(n: number, dtype: UniformDType = 'float32', mean = 0, std = 1): Float32Array | Float64Array {
    checkCount('normal', n);
    if (dtype !== 'float32' && dtype !== 'float64') {
      throw new ArgumentError(`normal: dtype must be 'float32' or 'float64', got ${fmtArg(dtype)}`);
    }
    const units = this.uniform(2 * Math.ceil(n / 2), dtype);
    return boxMuller(units, allocate(dtype, n) as Float32Array | Float64Array, mean, std);
  }

  /**
   * n integers uniform on [low, high), one word each, by Lemire's
   * multiply-shift: low + floor(u * range / 2^32). No rejection, so the bias
   * is below range / 2^32 (under 1e-6 relative for ranges up to 4096).
   *
   * @example g.randint(10, 0, 6) // dice faces 0..5
   */
  randint(n: number, low: number, high: number): Int32Array {
    checkCount('randint', n);
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high)) {
      throw new ArgumentError(`randint: low and high must be integers, got ${low} and ${high}`);
    }
    if (low < -2147483648 || high > 2147483648 || high <= low) {
      throw new ArgumentError(`randint: need -2^31 <= low < high <= 2^31, got low ${low} and high ${high}`);
    }
    const range = high - low;
    const words = this.nextUint32(n);
    const out = new Int32Array(n);
    if (range === TWO_POW_32) {
      for (let i = 0; i < n; i++) out[i] = low + words[i];
    } else {
      for (let i = 0; i < n; i++) out[i] = low + mulHi32(words[i], range);
    }
    return out;
  }
}

/**
 * Box–Muller from pairs of [0, 1) uniforms (as `PhiloxStream.normal` draws them) into out:
 * r = sqrt(-2 ln(1 - u1)), out[2p] = mean + std r cos(2 pi u2), out[2p+1] = mean + std r sin(2 pi u2).
 * Split out so that randn can fill the uniforms with the native Philox kernel (the same words,
 * far faster than the TS block function) and still give the numbers `normal` gives.
 *
 * @example boxMuller(new PhiloxStream(1).uniform(4, 'float32'), new Float32Array(3))
 */
export function boxMuller<T extends Float32Array | Float64Array>(units: Float32Array | Float64Array, out: T, mean = 0, std = 1): T {
  const n = out.length;
  const pairs = Math.ceil(n / 2);
  if (units.length < 2 * pairs) {
    throw new ArgumentError(`boxMuller: units has ${units.length} values, ${2 * pairs} needed for ${n} normals`);
  }
  for (let p = 0; p < pairs; p++) {
    const radius = Math.sqrt(-2 * Math.log(1 - units[2 * p]));
    const angle = TWO_PI * units[2 * p + 1];
    out[2 * p] = mean + std * radius * Math.cos(angle);
    if (2 * p + 1 < n) out[2 * p + 1] = mean + std * radius * Math.sin(angle);
  }
  return out;
}

const defaultGenerator = new PhiloxStream(DEFAULT_SEED);

/**
 * The generator that init, dropout and shuffles draw from unless given one.
 *
 * @example getDefaultGenerator().getState()
 */
export function getDefaultGenerator(): PhiloxStream {
  return defaultGenerator;
}

/**
 * Seeds the default generator and rewinds it, making every later random draw
 * reproducible.
 *
 * @example manualSeed(0)
 */
export function manualSeed(seed: number | bigint | string): PhiloxStream {
  return defaultGenerator.manualSeed(seed);
}

/**
 * The seed of the default generator, as PyTorch's `initialSeed()`.
 *
 * @example initialSeed() // 67280421310721n before any manualSeed
 */
export function initialSeed(): bigint {
  return defaultGenerator.seed;
}

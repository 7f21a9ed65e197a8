/**
 * Normalisation kernels: native vs reference on every ISA, random shapes and edge cases
 * (empty, size 1, lengths off the SIMD width, optional arrays absent), float32 and float64;
 * stability for large means; results independent of the thread count; and the raw
 * bindings' argument checks.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { backend, nativeAddon } from '../../src/backend/index';
import type { FloatArray } from '../../src/tensor/dtype';
import { availableIsas, closeness, onBackend, withIsa } from '../helpers/backends';

type Dt = 'float32' | 'float64';
const make = (dt: Dt, n: number): FloatArray => (dt === 'float32' ? new Float32Array(n) : new Float64Array(n));

function random(dt: Dt, n: number, seed: number, scale = 1, shift = 0): FloatArray {
  L.manualSeed(seed);
  const v = L.randn([n], { dtype: 'float64' }).values as Float64Array;
  const out = make(dt, n);
  for (let i = 0; i < n; i++) out[i] = v[i] * scale + shift;
  return out;
}

/** Runs the same kernel calls on both backends with fresh outputs; returns every output array. */
function onBoth(run: () => FloatArray[]): { native: FloatArray[]; reference: FloatArray[] } {
  return { reference: onBackend('reference', run), native: onBackend('native', run) };
}

function expectAllClose(r: { native: FloatArray[]; reference: FloatArray[] }, dt: Dt, what: string): void {
  const tol = dt === 'float32' ? 2e-5 : 1e-11;
  r.native.forEach((a, i) => {
    expect(closeness(a, r.reference[i], tol, tol), `${what}: output ${i}`).toBeLessThanOrEqual(1);
  });
}

const LN_SHAPES: [number, number][] = [[0, 5], [1, 1], [3, 7], [5, 17], [4, 33], [2, 1000], [67, 64]];
const BN_SHAPES: [number, number, number][] = [[2, 1, 1], [3, 2, 5], [4, 3, 17], [2, 5, 64], [7, 1, 9], [5, 4, 1]];
const GN_SHAPES: [number, number, number, number][] = [[1, 2, 1, 1], [2, 6, 5, 3], [3, 4, 17, 2], [2, 8, 16, 8], [4, 3, 7, 3]];

function layerNormRun(dt: Dt, rows: number, n: number, affine: boolean, seed: number, full = true, withDx = true): () => FloatArray[] {
  const x = random(dt, rows * n, seed, 2, 0.5), dy = random(dt, rows * n, seed + 1);
  const w = affine ? random(dt, n, seed + 2) : null, b = affine ? random(dt, n, seed + 3) : null;
  return () => {
    const y = make(dt, rows * n), mean = new Float64Array(rows), rstd = new Float64Array(rows);
    backend().layerNormForward(x, w, b, y, mean, rstd, rows, n, 1e-5);
    const dx = withDx ? make(dt, rows * n) : null, dw = full ? make(dt, n) : null, db = full ? make(dt, n) : null;
    backend().layerNormBackward(dy, x, mean, rstd, w, dx, dw, db, rows, n);
    return [y, mean, rstd, ...(dx ? [dx] : []), ...(dw ? [dw] : []), ...(db ? [db] : [])];
  };
}

function batchNormRun(dt: Dt, N: number, C: number, S: number, affine: boolean, training: boolean, seed: number, relu = false): () => FloatArray[] {
  const x = random(dt, N * C * S, seed, 3, -1), dy = random(dt, N * C * S, seed + 1);
  const w = affine ? random(dt, C, seed + 2) : null, b = affine ? random(dt, C, seed + 3) : null;
  return () => {
    const y = make(dt, N * C * S);
    const mean = training ? new Float64Array(C) : Float64Array.from(random('float64', C, seed + 4));
    const variance = training ? new Float64Array(C) : Float64Array.from(random('float64', C, seed + 5), (v) => v * v + 0.1);
    const invstd = new Float64Array(C);
    backend().batchNormForward(x, w, b, y, mean, variance, invstd, N, C, S, 1e-5, training, relu);
    const dx = make(dt, N * C * S), dw = make(dt, C), db = make(dt, C);
    backend().batchNormBackward(dy, x, mean, invstd, w, dx, dw, db, N, C, S, training, relu ? y : null);
    return [y, mean, variance, invstd, dx, dw, db];
  };
}

function groupNormRun(dt: Dt, N: number, C: number, S: number, G: number, affine: boolean, seed: number): () => FloatArray[] {
  const x = random(dt, N * C * S, seed, 2, 1), dy = random(dt, N * C * S, seed + 1);
  const w = affine ? random(dt, C, seed + 2) : null, b = affine ? random(dt, C, seed + 3) : null;
  return () => {
    const y = make(dt, N * C * S), mean = new Float64Array(N * G), rstd = new Float64Array(N * G);
    backend().groupNormForward(x, w, b, y, mean, rstd, N, C, S, G, 1e-5);
    const dx = make(dt, N * C * S), dw = make(dt, C), db = make(dt, C);
    backend().groupNormBackward(dy, x, mean, rstd, w, dx, dw, db, N, C, S, G);
    return [y, mean, rstd, dx, dw, db];
  };
}

describe.runIf(nativeAddon() !== null)('norm kernels: native vs reference', () => {
  for (const isa of availableIsas()) {
    for (const dt of ['float32', 'float64'] as const) {
      it(`layerNorm forward and backward, ${dt} (${isa})`, () => withIsa(isa, () => {
        LN_SHAPES.forEach(([rows, n], k) => {
          for (const affine of [true, false]) expectAllClose(onBoth(layerNormRun(dt, rows, n, affine, 10 * k)), dt, `layerNorm [${rows},${n}] affine=${affine}`);
        });
        expectAllClose(onBoth(layerNormRun(dt, 9, 40, true, 5, false)), dt, 'layerNorm without dweight/dbias');
        expectAllClose(onBoth(layerNormRun(dt, 70, 40, true, 6, true, false)), dt, 'layerNorm dweight/dbias without dx');
      }));

      it(`batchNorm training and eval, ${dt} (${isa})`, () => withIsa(isa, () => {
        BN_SHAPES.forEach(([N, C, S], k) => {
          for (const affine of [true, false]) {
            for (const training of [true, false]) {
              expectAllClose(onBoth(batchNormRun(dt, N, C, S, affine, training, 10 * k)), dt, `batchNorm [${N},${C},${S}] affine=${affine} training=${training}`);
            }
          }
        });
      }));

      // Short segments (S < 32) walk columns (simd/norm_columns.h), a block of whole channels per
      // thread: W4 (f)'s BatchNorm1d [128, 256] then ReLU, and channel blocks off the vector width.
      it(`batchNorm short segments with the fused ReLU, ${dt} (${isa})`, () => withIsa(isa, () => {
        for (const [N, C, S] of [[128, 256, 1], [9, 37, 3], [2, 19, 31]] as const) {
          for (const training of [true, false]) {
            expectAllClose(onBoth(batchNormRun(dt, N, C, S, true, training, 7, true)), dt, `batchNormRelu [${N},${C},${S}] training=${training}`);
          }
        }
      }));

      it(`groupNorm forward and backward, ${dt} (${isa})`, () => withIsa(isa, () => {
        GN_SHAPES.forEach(([N, C, S, G], k) => {
          for (const affine of [true, false]) expectAllClose(onBoth(groupNormRun(dt, N, C, S, G, affine, 10 * k)), dt, `groupNorm [${N},${C},${S}]/${G} affine=${affine}`);
        });
      }));
    }

    it(`statistics stay exact for large means: 1e4 + 1e-2 noise in float32 (${isa})`, () => withIsa(isa, () => {
      const rows = 4, n = 4099;
      const x = random('float32', rows * n, 99, 1e-2, 1e4);
      for (const be of ['native', 'reference'] as const) {
        onBackend(be, () => {
          const y = new Float32Array(rows * n), mean = new Float64Array(rows), rstd = new Float64Array(rows);
          backend().layerNormForward(x, null, null, y, mean, rstd, rows, n, 0);
          for (let r = 0; r < rows; r++) {
            // The truth, from the float32 values in double by two passes.
            let s = 0;
            for (let j = 0; j < n; j++) s += x[r * n + j];
            const m = s / n;
            let v = 0;
            for (let j = 0; j < n; j++) v += (x[r * n + j] - m) ** 2;
            const trueRstd = 1 / Math.sqrt(v / n);
            expect(Math.abs(mean[r] - m) / 1e-2, `${be} mean of row ${r}`).toBeLessThan(1e-9);
            expect(Math.abs(rstd[r] / trueRstd - 1), `${be} rstd of row ${r}`).toBeLessThan(1e-9);
            for (let j = 0; j < n; j += 97) expect(Math.abs(y[r * n + j] - (x[r * n + j] - m) * trueRstd)).toBeLessThan(1e-5);
          }
        });
      }
    }));
  }

  // Outputs of 8 MiB and more are written with streaming stores (native/kernels/norm.cc): the
  // same values as the cached stores, also across thread counts.
  it('large outputs (streaming stores) match the reference and the cached path, float32 and float64', () => {
    for (const dt of ['float32', 'float64'] as const) {
      const rows = dt === 'float32' ? 2048 : 1024, n = 1027;  // >= 8 MiB; n off the vector width
      const big = onBoth(layerNormRun(dt, rows, n, true, 7));
      expectAllClose(big, dt, `layerNorm [${rows},${n}]`);
      const small = onBackend('native', layerNormRun(dt, 64, n, true, 7));  // same first rows, cached stores
      const dx = big.native[3], dxSmall = small[3];
      expect(Array.from(dx.subarray(0, 64 * n))).toEqual(Array.from(dxSmall));
      const S = dt === 'float32' ? 4096 : 2048;
      expectAllClose(onBoth(batchNormRun(dt, 8, 64, S, true, true, 3)), dt, `batchNorm [8,64,${S}]`);
      expectAllClose(onBoth(groupNormRun(dt, 8, 64, S, 8, true, 3)), dt, `groupNorm [8,64,${S}]/8`);
      L.setNumThreads(1);
      const one = onBackend('native', layerNormRun(dt, rows, n, true, 7));
      L.setNumThreads(2);
      const two = onBackend('native', layerNormRun(dt, rows, n, true, 7));
      one.forEach((a, i) => expect(Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(two[i].buffer, two[i].byteOffset, two[i].byteLength)), `output ${i}`).toBe(0));
    }
  }, 60_000);

  it('results do not depend on the thread count (bitwise)', () => {
    const runs = [
      // Shapes big enough that every kernel splits its work (LayerNorm's backward into row blocks).
      layerNormRun('float32', 4096, 32, true, 1), batchNormRun('float32', 8, 6, 2048, true, true, 2),
      groupNormRun('float32', 16, 8, 512, 4, true, 3), layerNormRun('float64', 2100, 64, true, 4),
      // Short segments: BatchNorm1d's column walk, columns split among the threads.
      batchNormRun('float32', 256, 300, 1, true, true, 5), batchNormRun('float64', 64, 40, 7, true, true, 6),
      batchNormRun('float32', 128, 256, 1, true, true, 8, true),
    ];
    const at = (threads: number): Buffer => {
      L.setNumThreads(threads);
      try {
        return Buffer.concat(runs.flatMap((run) => onBackend('native', run)).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
      } finally { L.setNumThreads(2); }
    };
    const one = at(1);
    expect(one.length).toBeGreaterThan(0);
    expect(at(2).equals(one)).toBe(true);
    expect(at(3).equals(one)).toBe(true);
  });

  it('results do not depend on where the arrays start in memory (bitwise)', () => {
    // The loops give elements to SIMD lanes by index, never by address: rows of 37 start at
    // every offset within a cache line, and inputs and outputs sit at different offsets.
    const rows = 3, n = 37;
    for (const dt of ['float32', 'float64'] as const) {
      const x = random(dt, rows * n, 7, 2, 0.5), dy = random(dt, rows * n, 8), w = random(dt, n, 9), b = random(dt, n, 10);
      const placed = (src: FloatArray | null, len: number, offset: number): FloatArray => {
        const a = dt === 'float32' ? new Float32Array(new ArrayBuffer((len + 16) * 4), offset * 4, len) : new Float64Array(new ArrayBuffer((len + 8) * 8), offset * 8, len);
        if (src) a.set(src);
        return a;
      };
      const run = (offset: number): Buffer => {
        const at = (offset * 5 + 3) % (dt === 'float32' ? 16 : 8);
        const [xa, dya, wa, ba] = [x, dy, w, b].map((src) => placed(src, src.length, offset));
        const y = placed(null, rows * n, at), dx = placed(null, rows * n, at), dw = placed(null, n, at), db = placed(null, n, at);
        const mean = new Float64Array(rows), rstd = new Float64Array(rows);
        backend().layerNormForward(xa, wa, ba, y, mean, rstd, rows, n, 1e-5);
        backend().layerNormBackward(dya, xa, mean, rstd, wa, dx, dw, db, rows, n);
        return Buffer.concat([y, mean, rstd, dx, dw, db].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
      };
      for (const isa of availableIsas()) {
        withIsa(isa, () => onBackend('native', () => {
          const first = run(0);
          for (let offset = 1; offset < (dt === 'float32' ? 16 : 8); offset++) expect(run(offset).equals(first), `${dt} ${isa} offset ${offset}`).toBe(true);
        }));
      }
    }
  });

  it('the raw bindings reject malformed arguments with JS errors', () => {
    const addon = nativeAddon()!;
    const x = new Float32Array(6), y = new Float32Array(6), m = new Float64Array(2), r = new Float64Array(2);
    expect(() => addon.layerNormForward(x, null, null, y, m, r, 2, 4, 1e-5)).toThrow(/x has 6 elements, expected 8/);
    expect(() => addon.layerNormForward(x, null, null, new Float64Array(6), m, r, 2, 3, 1e-5)).toThrow(/y is a Float64Array but x is a Float32Array/);
    expect(() => addon.layerNormForward(x, null, null, y, new Float32Array(2), r, 2, 3, 1e-5)).toThrow(/mean must be a Float64Array/);
    expect(() => addon.layerNormForward(x, new Float32Array(2), null, y, m, r, 2, 3, 1e-5)).toThrow(/weight has 2 elements, expected 3/);
    expect(() => addon.layerNormForward(new Int32Array(6), null, null, y, m, r, 2, 3, 1e-5)).toThrow(/x must be a Float32Array or Float64Array/);
    expect(() => addon.layerNormForward(x, null, null, y, m, r, 2, 3, -1)).toThrow(/eps must be a finite number >= 0/);
    expect(() => addon.layerNormForward(x, null, null, y, m, r, -2, 3, 1e-5)).toThrow(/rows must be an integer/);
    expect(() => addon.layerNormBackward(x, x, m, r, null, y, null, null, 2, 3)).not.toThrow();
    expect(() => addon.batchNormForward(x, null, null, y, m, m, m, 1, 2, 3, 1e-5, 'yes' as unknown as boolean)).toThrow(/training must be a boolean/);
    expect(() => addon.groupNormForward(x, null, null, y, m, r, 1, 3, 2, 2, 1e-5)).toThrow(/C=3 must be divisible by groups=2/);
    expect(() => addon.groupNormForward(x, null, null, y, m, r, 1, 2, 3, 0, 1e-5)).toThrow(/groups must be an integer/);
    expect(() => addon.batchNormBackward(x, x, m, m, null, y, null, null, 3000000, 3000000, 3000000, true)).toThrow(/more than 2\^31-1/);
  });
});

import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { availableIsas, closeness, onBackend, withIsa } from '../helpers/backends';

type DType = 'float32' | 'float64';

interface ConvCase {
  name: string;
  x: number[];          // [N, C, H, W]
  w: number[];          // [O, C/groups, kH, kW]
  bias: boolean;
  opts: L.Conv2dOptions;
}

const CASES: ConvCase[] = [
  { name: '3x3 pad 1', x: [2, 3, 7, 6], w: [4, 3, 3, 3], bias: true, opts: { padding: 1 } },
  { name: 'stride 2, odd sizes', x: [3, 2, 9, 11], w: [5, 2, 3, 3], bias: true, opts: { stride: 2, padding: 1 } },
  { name: 'dilation 2', x: [2, 3, 10, 9], w: [2, 3, 3, 3], bias: false, opts: { dilation: 2, padding: [2, 1] } },
  { name: 'groups 2', x: [2, 4, 8, 8], w: [6, 2, 3, 3], bias: true, opts: { groups: 2, padding: 1 } },
  { name: 'depthwise', x: [2, 5, 9, 7], w: [5, 1, 3, 3], bias: true, opts: { groups: 5, padding: 1 } },
  { name: 'depthwise x2, stride 2, dilation 2', x: [3, 3, 11, 10], w: [6, 1, 3, 3], bias: true, opts: { groups: 3, stride: 2, dilation: 2, padding: 2 } },
  { name: '1x1', x: [2, 6, 5, 7], w: [4, 6, 1, 1], bias: true, opts: {} },
  { name: '1x1 stride 2', x: [2, 6, 5, 7], w: [4, 6, 1, 1], bias: false, opts: { stride: 2 } },
  { name: '1x1 groups 3', x: [1, 6, 4, 4], w: [9, 2, 1, 1], bias: false, opts: { groups: 3 } },
  { name: 'N=1, C=1', x: [1, 1, 12, 13], w: [3, 1, 5, 3], bias: true, opts: { padding: [2, 1] } },
  { name: 'C=1, many outputs (GEMM path)', x: [3, 1, 10, 9], w: [8, 1, 3, 3], bias: true, opts: { stride: [1, 2] } },
  { name: 'depthwise x4 (GEMM path)', x: [2, 3, 7, 8], w: [12, 1, 3, 2], bias: false, opts: { groups: 3, padding: 1 } },
  { name: 'kernel = input size', x: [2, 3, 5, 4], w: [7, 3, 5, 4], bias: true, opts: {} },
  { name: "'same', even kernel", x: [2, 3, 8, 7], w: [4, 3, 4, 2], bias: true, opts: { padding: 'same' } },
  { name: "'same', dilated", x: [1, 2, 6, 9], w: [3, 2, 3, 2], bias: false, opts: { padding: 'same', dilation: [2, 3] } },
  { name: 'asymmetric stride and kernel', x: [2, 4, 13, 10], w: [4, 2, 2, 5], bias: true, opts: { stride: [3, 1], padding: [1, 2], groups: 2 } },
  { name: 'wide (several row tiles)', x: [4, 16, 40, 40], w: [8, 16, 3, 3], bias: true, opts: { padding: 1 } },
  // Rows 16 and wider run im2col's row loops; narrower ones its tap table, unless the table would be too big.
  { name: 'wide rows, stride 2, dilation 2 (row loops)', x: [2, 3, 40, 37], w: [4, 3, 3, 3], bias: true, opts: { stride: 2, padding: 2, dilation: 2 } },
  { name: 'wide rows, stride 1 (row loops)', x: [2, 3, 20, 21], w: [4, 3, 3, 3], bias: false, opts: { padding: 1 } },
  { name: '9x9 kernel on a 14x14 output (past the tap table)', x: [1, 2, 22, 22], w: [3, 2, 9, 9], bias: true, opts: {} },
  { name: 'empty batch', x: [0, 3, 5, 5], w: [2, 3, 3, 3], bias: true, opts: {} },
  // Small output planes batch several samples into one GEMM (conv.cc, samplesPerGemm): 10x10
  // planes take 3 samples a GEMM (about 256 columns), so 25 samples make 8 groups of 3 and one of 1.
  { name: 'batched samples, remainder group, groups 2', x: [25, 4, 10, 10], w: [6, 2, 3, 3], bias: true, opts: { padding: 1, groups: 2 } },
  { name: 'batched samples, stride 2, 2x2 planes', x: [9, 5, 4, 3], w: [7, 5, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
];

// Batched cases whose sample groups split across two threads (15 groups: 14 of 3 and one of 2).
const BATCHED_THREAD_CASES: ConvCase[] = [
  { name: 'batched, 15 sample groups', x: [44, 3, 10, 10], w: [5, 3, 3, 3], bias: true, opts: { padding: 1 } },
  { name: 'batched, one group, GEMM threaded', x: [6, 16, 4, 4], w: [32, 16, 3, 3], bias: true, opts: { padding: 1 } },
];

interface TransposeCase { name: string; x: number[]; w: number[]; opts: L.ConvTranspose2dOptions }

const TRANSPOSE_CASES: TransposeCase[] = [
  { name: 'stride 2, padding 1, outputPadding 1', x: [2, 4, 5, 6], w: [4, 3, 3, 3], opts: { stride: 2, padding: 1, outputPadding: 1 } },
  { name: 'groups 2, dilation 2', x: [1, 4, 4, 5], w: [4, 2, 3, 2], opts: { groups: 2, dilation: 2 } },
  { name: '1x1', x: [2, 3, 4, 4], w: [3, 5, 1, 1], opts: {} },
  { name: 'outputPadding below dilation', x: [1, 2, 4, 4], w: [2, 2, 1, 1], opts: { dilation: 2, outputPadding: 1 } },
];

function randomInputs(shapes: number[][], dtype: DType, seed: number): L.Tensor[] {
  L.manualSeed(seed);
  return shapes.map((s) => L.randn(s, { dtype, requiresGrad: true }));
}

/** The output and the three gradients for a fixed output gradient, on the current backend. */
function convWithGrads(x: L.Tensor, w: L.Tensor, b: L.Tensor | null, gy: L.Tensor | null, f: (x: L.Tensor, w: L.Tensor, b: L.Tensor | null) => L.Tensor): L.Tensor[] {
  const y = f(x, w, b);
  const inputs = b ? [x, w, b] : [x, w];
  const grads = L.grad(y, inputs, { gradOutputs: [gy ?? L.onesLike(y)] });
  return [y, ...grads.map((g) => g!)];
}

function expectClose(nat: L.Tensor[], ref: L.Tensor[], dtype: DType, label: string): void {
  const tol = dtype === 'float32' ? 1e-4 : 1e-11;
  const names = ['out', 'gradX', 'gradWeight', 'gradBias'];
  nat.forEach((t, i) => {
    expect(t.shape, `${label} ${names[i]} shape`).toEqual(ref[i].shape);
    expect(closeness(t.values, ref[i].values, tol, tol), `${label} ${names[i]}`).toBeLessThanOrEqual(1);
  });
}

describe.runIf(nativeAddon() !== null)('conv parity: native vs reference', () => {
  for (const isa of availableIsas()) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`conv2d forward and gradients, ${dtype} (${isa})`, () => withIsa(isa, () => {
        CASES.forEach((c, k) => {
          const [x, w, b] = randomInputs([c.x, c.w, [c.w[0]]], dtype, 100 + k);
          const f = (x: L.Tensor, w: L.Tensor, b: L.Tensor | null): L.Tensor => L.conv2d(x, w, b, c.opts);
          const yShape = L.noGrad(() => onBackend('reference', () => f(x, w, c.bias ? b : null)).shape);
          L.manualSeed(200 + k);
          const gy = L.randn(yShape, { dtype });
          const ref = onBackend('reference', () => convWithGrads(x, w, c.bias ? b : null, gy, f));
          const nat = onBackend('native', () => convWithGrads(x, w, c.bias ? b : null, gy, f));
          expectClose(nat, ref, dtype, `${c.name} ${dtype} ${isa}`);
        });
      }));

      it(`convTranspose2d forward and gradients, ${dtype} (${isa})`, () => withIsa(isa, () => {
        TRANSPOSE_CASES.forEach((c, k) => {
          const o = c.w[1] * (c.opts.groups ?? 1);
          const [x, w, b] = randomInputs([c.x, c.w, [o]], dtype, 300 + k);
          const f = (x: L.Tensor, w: L.Tensor, b: L.Tensor | null): L.Tensor => L.convTranspose2d(x, w, b, c.opts);
          const ref = onBackend('reference', () => convWithGrads(x, w, b, null, f));
          const nat = onBackend('native', () => convWithGrads(x, w, b, null, f));
          expectClose(nat, ref, dtype, `${c.name} ${dtype} ${isa}`);
        });
      }));
    }
  }

  it('the batched-sample path agrees and gives identical bits on 1 and 2 threads (float32, best ISA)', () => {
    BATCHED_THREAD_CASES.forEach((c, k) => {
      const [x, wt, b] = randomInputs([c.x, c.w, [c.w[0]]], 'float32', 500 + k);
      const f = (x: L.Tensor, w: L.Tensor, b: L.Tensor | null): L.Tensor => L.conv2d(x, w, b, c.opts);
      const ref = onBackend('reference', () => convWithGrads(x, wt, b, null, f));
      const threads = L.getNumThreads();
      try {
        L.setNumThreads(1);
        const one = onBackend('native', () => convWithGrads(x, wt, b, null, f));
        L.setNumThreads(2);
        const two = onBackend('native', () => convWithGrads(x, wt, b, null, f));
        expectClose(two, ref, 'float32', c.name);
        one.forEach((t, i) => expect(Array.from(t.values), `${c.name} threads`).toEqual(Array.from(two[i].values)));
      } finally {
        L.setNumThreads(threads);
      }
    });
  });

  it('random shapes agree (float32, best ISA, 1 and 2 threads give identical bits)', () => {
    let state = 12345;
    const rnd = (n: number): number => { state = (state * 1103515245 + 12345) % 2147483648; return state % n; };
    for (let k = 0; k < 25; k++) {
      const groups = [1, 1, 2, 3][rnd(4)];
      const cg = 1 + rnd(3), og = 1 + rnd(3);
      const kh = 1 + rnd(4), kw = 1 + rnd(4);
      const dil: [number, number] = [1 + rnd(2), 1 + rnd(2)];
      const stride: [number, number] = [1 + rnd(3), 1 + rnd(3)];
      const pad: [number, number] = [rnd(3), rnd(3)];
      const h = Math.max(1, dil[0] * (kh - 1) + 1 - 2 * pad[0]) + rnd(8);
      const w = Math.max(1, dil[1] * (kw - 1) + 1 - 2 * pad[1]) + rnd(8);
      const c: ConvCase = { name: `random ${k}`, x: [1 + rnd(3), cg * groups, h, w], w: [og * groups, cg, kh, kw], bias: rnd(2) === 1, opts: { groups, stride, padding: pad, dilation: dil } };
      const [x, wt, b] = randomInputs([c.x, c.w, [c.w[0]]], 'float32', 400 + k);
      const f = (x: L.Tensor, w: L.Tensor, b: L.Tensor | null): L.Tensor => L.conv2d(x, w, b, c.opts);
      const ref = onBackend('reference', () => convWithGrads(x, wt, c.bias ? b : null, null, f));
      const threads = L.getNumThreads();
      try {
        L.setNumThreads(1);
        const one = onBackend('native', () => convWithGrads(x, wt, c.bias ? b : null, null, f));
        L.setNumThreads(2);
        const two = onBackend('native', () => convWithGrads(x, wt, c.bias ? b : null, null, f));
        expectClose(two, ref, 'float32', `${c.name} ${JSON.stringify(c)}`);
        one.forEach((t, i) => expect(Array.from(t.values), `${c.name} threads`).toEqual(Array.from(two[i].values)));
      } finally {
        L.setNumThreads(threads);
      }
    }
  });

  // Small output planes (rows under 16 wide) copy through a tap table: on AVX-512 as vector
  // gathers or, where the plane fits two registers, permutes (simd/avx512/im2col_avx512.cc).
  // Small integers make every product and sum exact, so each ISA must give the reference's bits.
  const TAP_CASES: ConvCase[] = [
    { name: '2x2 plane (ResNet l4)', x: [3, 6, 2, 2], w: [5, 6, 3, 3], bias: false, opts: { padding: 1 } },
    { name: '4x4 plane', x: [2, 5, 4, 4], w: [4, 5, 3, 3], bias: false, opts: { padding: 1 } },
    { name: '5x6 plane (gathers)', x: [2, 3, 5, 6], w: [4, 3, 3, 3], bias: false, opts: { padding: 1 } },
    { name: '5x6 -> 3x3, stride 2 (plane in two registers)', x: [2, 3, 5, 6], w: [4, 3, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
    { name: '4x4 -> 2x2, stride 2', x: [3, 4, 4, 4], w: [5, 4, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
    { name: '8x8 plane (gathers)', x: [2, 3, 8, 8], w: [4, 3, 3, 3], bias: false, opts: { padding: 1 } },
    { name: '16x16 -> 8x8, stride 2', x: [2, 3, 16, 16], w: [4, 3, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
    { name: '7x9, dilation 2, 5x3 kernel', x: [2, 2, 7, 9], w: [3, 2, 5, 3], bias: false, opts: { dilation: 2, padding: [4, 1] } },
    { name: '1x1 kernel, stride 2 on 6x6', x: [2, 4, 6, 6], w: [3, 4, 1, 1], bias: false, opts: { stride: 2 } },
    { name: '4x4 plane, one sample (per-sample path)', x: [1, 5, 4, 4], w: [4, 5, 3, 3], bias: false, opts: { padding: 1 } },
    { name: '8x8 plane, one sample, stride 2', x: [1, 3, 8, 8], w: [4, 3, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
    // Stride-2 tables read through windows of 16 plane elements: one or two (a 15x13 input's
    // rows), four (an 8x8 input: a vector holds four output rows, 16 elements apart), and past
    // four (stride 4: the windows give way to gathers); the last window ends at the plane's end.
    { name: '15x13 -> 8x7, stride 2 (windows)', x: [3, 2, 15, 13], w: [3, 2, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
    { name: '8x8 -> 4x4, stride 2, two samples (four windows)', x: [2, 3, 8, 8], w: [4, 3, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
    { name: '20x20 -> 5x5, stride 4 (more than four windows: gathers)', x: [2, 2, 20, 20], w: [3, 2, 3, 3], bias: false, opts: { stride: 4, padding: 1 } },
    { name: '9x31 -> 5x15, stride 2, no padding at the end (last window at the plane end)', x: [2, 2, 9, 31], w: [3, 2, 3, 3], bias: false, opts: { stride: 2 } },
    // The stride-2 input gradient adds each tap's outputs through the same windows (runs of
    // consecutive outputs do not cover it): ResNet's 16x16 -> 8x8 and 8x8 -> 4x4 shapes (3x3 and
    // 1x1), odd sizes, no padding, dilation, groups, a stride of 2 along one axis, and one sample
    // (the per-sample path, which adds into rows already written).
    { name: '16x16 -> 8x8, 1x1 stride 2 (ResNet downsample)', x: [2, 5, 16, 16], w: [3, 5, 1, 1], bias: false, opts: { stride: 2 } },
    { name: '8x8 -> 4x4, 1x1 stride 2, three samples', x: [3, 4, 8, 8], w: [5, 4, 1, 1], bias: false, opts: { stride: 2 } },
    { name: '16x16 -> 7x7, stride 2, no padding', x: [2, 3, 16, 16], w: [4, 3, 3, 3], bias: false, opts: { stride: 2 } },
    { name: '13x11 -> 6x5, stride 2, dilation 2, padding 1', x: [2, 3, 13, 11], w: [4, 3, 3, 3], bias: false, opts: { stride: 2, padding: 1, dilation: 2 } },
    { name: '12x12 -> 6x6, stride 2, groups 2', x: [2, 4, 12, 12], w: [6, 2, 3, 3], bias: false, opts: { stride: 2, padding: 1, groups: 2 } },
    { name: '9x14 -> 9x7, stride (1, 2)', x: [2, 3, 9, 14], w: [4, 3, 3, 3], bias: false, opts: { stride: [1, 2], padding: 1 } },
    { name: '11x11 -> 6x6, stride 2, one sample (per-sample path)', x: [1, 3, 11, 11], w: [4, 3, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
    { name: '17x17 -> 8x8, 2x2 kernel, stride 2', x: [2, 3, 17, 17], w: [4, 3, 2, 2], bias: false, opts: { stride: 2 } },
  ];

  // Wider planes (rows of 16 or more outputs) copy row by row: stride-2 rows of 16, 17, 20, 32
  // and 34 outputs, spans cut by padding at both ends, dilation, groups, and 1x1 kernels.
  const ROW_CASES: ConvCase[] = [
    { name: '37x40 -> 19x20, 3x3 stride 2', x: [2, 3, 37, 40], w: [4, 3, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
    { name: '70x67 -> 35x34, 7x7 stride 2 pad 3 (stem-like)', x: [1, 3, 70, 67], w: [4, 3, 7, 7], bias: false, opts: { stride: 2, padding: 3 } },
    { name: '64x64 -> 32x32, 7x7 stride 2 pad 3 (ResNet stem)', x: [2, 3, 64, 64], w: [5, 3, 7, 7], bias: false, opts: { stride: 2, padding: 3 } },
    { name: '33x33 -> 17x17, 1x1 stride 2', x: [2, 4, 33, 33], w: [3, 4, 1, 1], bias: false, opts: { stride: 2 } },
    { name: '32x32 -> 16x16, stride 2, no padding, 2x2 kernel', x: [2, 3, 32, 32], w: [4, 3, 2, 2], bias: false, opts: { stride: 2 } },
    { name: '41x45 -> 20x22, stride 2, dilation 2, groups 2', x: [2, 4, 41, 45], w: [6, 2, 3, 3], bias: false, opts: { stride: 2, padding: 1, dilation: 2, groups: 2 } },
    { name: '20x38 -> 18x19, stride (1, 2)', x: [2, 3, 20, 38], w: [4, 3, 3, 3], bias: false, opts: { stride: [1, 2], padding: [0, 1] } },
  ];

  it('tap-table copies on small planes and row copies on wider ones give the reference bits on every ISA (exact integer data, im2col path)', () => {
    const ints = (shape: number[], seed: number): L.Tensor => {
      L.manualSeed(seed);
      return L.randint(-3, 4, shape, { dtype: 'float32' }).requiresGrad_();
    };
    L.setConvAlgorithm('direct');
    try {
      for (const isa of availableIsas()) {
        withIsa(isa, () => {
          [...TAP_CASES, ...ROW_CASES].forEach((c, k) => {
            const x = ints(c.x, 700 + k), w = ints(c.w, 800 + k);
            const f = (x: L.Tensor, w: L.Tensor): L.Tensor => L.conv2d(x, w, null, c.opts);
            const yShape = L.noGrad(() => onBackend('reference', () => f(x, w)).shape);
            L.manualSeed(900 + k);
            const gy = L.randint(-3, 4, yShape, { dtype: 'float32' });
            const ref = onBackend('reference', () => convWithGrads(x, w, null, gy, f));
            const nat = onBackend('native', () => convWithGrads(x, w, null, gy, f));
            nat.forEach((t, i) => expect(Array.from(t.values), `${c.name} ${isa} ${['out', 'gradX', 'gradWeight'][i]}`).toEqual(Array.from(ref[i].values)));
            // The input gradient overwrites whatever its buffer held (here NaN) without a separate fill.
            const stride = c.opts.stride ?? 1, pad = c.opts.padding ?? 0, dil = c.opts.dilation ?? 1;
            const pair = (v: unknown): number[] => (Array.isArray(v) ? v : [v, v]) as number[];
            const geom = Int32Array.of(c.x[0], c.x[1], c.x[2], c.x[3], c.w[0], yShape[2], yShape[3], c.w[2], c.w[3],
              ...pair(stride), ...pair(pad), ...pair(dil), c.opts.groups ?? 1);
            const gi = new Float32Array(ref[1].size).fill(NaN);
            nativeAddon()!.conv2dBackwardInput(gy.values as Float32Array, w.values as Float32Array, gi, geom);
            expect(Array.from(gi), `${c.name} ${isa} raw gradX over NaN`).toEqual(Array.from(ref[1].values));
          });
        });
      }
    } finally {
      L.setConvAlgorithm('auto');
    }
  });

  it('the raw bindings reject bad lengths and geometry without crashing', () => {
    const addon = nativeAddon()!;
    const geom = Int32Array.of(1, 2, 4, 4, 3, 2, 2, 3, 3, 1, 1, 0, 0, 1, 1, 1);
    const x = new Float32Array(32), w = new Float32Array(54), out = new Float32Array(12);
    expect(() => addon.conv2d(x, w, null, out, geom)).not.toThrow();
    expect(() => addon.conv2d(x, w, null, new Float32Array(11), geom)).toThrow(/out has 11 elements, expected 12/);
    expect(() => addon.conv2d(x, new Float64Array(54), null, out, geom)).toThrow(/weight/);
    expect(() => addon.conv2d(x, w, null, out, Int32Array.of(1, 2, 3))).toThrow(/geometry must hold 16/);
    const badGroups = geom.slice(); badGroups[15] = 2; badGroups[4] = 3;
    expect(() => addon.conv2d(x, w, null, out, badGroups)).toThrow(/divisible by groups/);
    const negPad = geom.slice(); negPad[11] = -1;
    expect(() => addon.conv2d(x, w, null, out, negPad)).toThrow(/padH must be >= 0/);
    expect(() => addon.conv2d(x, w, null, x, geom)).toThrow();
    expect(() => addon.conv2dBackwardInput(out, w, new Float32Array(5), geom)).toThrow(/gradInput/);
    expect(() => addon.conv2dBackwardWeight(x, out, new Float32Array(53), geom)).toThrow(/gradWeight/);
    const huge = Int32Array.of(65536, 65536, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1);
    expect(() => addon.conv2d(x, w, null, out, huge)).toThrow(/2\^31-1/);
  });
});

// The implicit-GEMM convolution kernels (native/kernels/conv_implicit.cc; float32, groups 1,
// AVX-512): forward and input gradient against the reference backend on geometries that reach
// every branch (partial 64-channel slivers, reads in place or through the padded copy, both
// column phases of a stride-2 input gradient, taps that never land, rows wider than a chunk),
// bitwise equal on 1 and 2 threads, exact on integer data, and the policy that routes to them.
import { afterEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { availableIsas, closeness, onBackend, withIsa } from '../helpers/backends';

interface Case {
  name: string;
  x: number[];  // [N, C, H, W]
  w: number[];  // [O, C, kH, kW]
  bias: boolean;
  opts: L.Conv2dOptions;
}

const CASES: Case[] = [
  { name: 'ResNet stride-2 3x3, 70 outputs (a partial sliver)', x: [3, 40, 10, 9], w: [70, 40, 3, 3], bias: true, opts: { stride: 2, padding: 1 } },
  { name: '1x1 stride 2, read in place', x: [4, 66, 8, 8], w: [40, 66, 1, 1], bias: false, opts: { stride: 2 } },
  { name: '1x1 stride 2 with padding (border outputs read zeros only)', x: [2, 33, 7, 6], w: [35, 33, 1, 1], bias: true, opts: { stride: 2, padding: 1 } },
  { name: 'stride (2, 1)', x: [2, 34, 9, 7], w: [36, 34, 3, 3], bias: false, opts: { stride: [2, 1], padding: 1 } },
  { name: 'stride (1, 2)', x: [2, 34, 7, 11], w: [36, 34, 3, 3], bias: true, opts: { stride: [1, 2], padding: 1 } },
  { name: 'stride 3 (input gradient falls back to im2col)', x: [2, 32, 11, 10], w: [33, 32, 3, 3], bias: false, opts: { stride: 3, padding: 1 } },
  { name: 'stride 2, dilation 2, padding 2', x: [2, 35, 13, 12], w: [40, 35, 3, 3], bias: true, opts: { stride: 2, padding: 2, dilation: 2 } },
  { name: 'stride 2, dilation 3 (taps of one phase only)', x: [2, 32, 12, 12], w: [32, 32, 2, 2], bias: false, opts: { stride: 2, dilation: [3, 2] } },
  { name: 'asymmetric 2x5 kernel, padding (0, 2)', x: [2, 32, 9, 14], w: [48, 32, 2, 5], bias: true, opts: { stride: 2, padding: [0, 2] } },
  { name: '7x7 stride 2 pad 3 stem shape, 130 outputs', x: [1, 3, 20, 18], w: [130, 3, 7, 7], bias: true, opts: { stride: 2, padding: 3 } },
  { name: 'no padding, odd sizes, input columns never read', x: [3, 40, 10, 11], w: [64, 40, 3, 3], bias: false, opts: { stride: 2 } },
  { name: 'rows wider than a chunk', x: [1, 32, 4, 230], w: [32, 32, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
  { name: 'one output row and column', x: [5, 32, 3, 3], w: [64, 32, 3, 3], bias: true, opts: { stride: 2 } },
  // Even widths of 16, 8, 4 and 2: rows of the two column phases share transposes in the input gradient's store.
  { name: 'ResNet l2a shape, 16x16 -> 8x8', x: [3, 32, 16, 16], w: [64, 32, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
  { name: '8x8 -> 4x4', x: [5, 36, 8, 8], w: [40, 36, 3, 3], bias: true, opts: { stride: 2, padding: 1 } },
  { name: '4x4 -> 2x2', x: [7, 33, 4, 4], w: [65, 33, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
  { name: '2x2 -> 1x1, 1x1 kernel', x: [9, 40, 2, 2], w: [32, 40, 1, 1], bias: false, opts: { stride: 2 } },
  { name: '129 input channels (three slivers in the input gradient)', x: [2, 129, 6, 6], w: [33, 129, 3, 3], bias: false, opts: { stride: 2, padding: 1 } },
];

function inputs(c: Case, seed: number): { x: L.Tensor; w: L.Tensor; b: L.Tensor | null; gy: L.Tensor } {
  L.manualSeed(seed);
  const x = L.randn(c.x).requiresGrad_(), w = L.randn(c.w).requiresGrad_();
  const b = c.bias ? L.randn([c.w[0]]).requiresGrad_() : null;
  const shape = L.noGrad(() => onBackend('reference', () => L.conv2d(x, w, b, c.opts)).shape);
  return { x, w, b, gy: L.randn(shape) };
}

/** The output, the input and weight gradients (and the bias's) for gradient gy. */
function withGrads(c: Case, t: ReturnType<typeof inputs>, relu = false): L.Tensor[] {
  const y = (relu ? L.conv2dRelu : L.conv2d)(t.x, t.w, t.b, c.opts);
  const grads = L.grad(y, t.b ? [t.x, t.w, t.b] : [t.x, t.w], { gradOutputs: [t.gy] });
  return [y, ...grads.map((g) => g!)];
}

const hasAvx512 = nativeAddon() !== null && availableIsas().includes('avx512');
const NAMES = ['out', 'gradX', 'gradWeight', 'gradBias'];

describe.runIf(hasAvx512)('implicit-GEMM convolution (float32, AVX-512)', () => {
  afterEach(() => L.setConvAlgorithm('auto'));

  it('forward, input and weight gradients agree with the reference backend', () => withIsa('avx512', () => {
    L.setConvAlgorithm('implicit-gemm');
    CASES.forEach((c, k) => {
      const t = inputs(c, 10 + k);
      const passes = L.convAlgorithm({ input: c.x, weight: c.w, ...c.opts }).passes;
      expect(passes.forward, c.name).toBe('implicit-gemm');
      const stride = Array.isArray(c.opts.stride) ? c.opts.stride[1] : c.opts.stride ?? 1;
      expect(passes.backwardInput, c.name).toBe(stride <= 2 ? 'implicit-gemm' : 'direct');
      for (const relu of [false, true]) {
        const ref = onBackend('reference', () => withGrads(c, t, relu));
        const nat = onBackend('native', () => withGrads(c, t, relu));
        nat.forEach((v, i) => {
          expect(v.shape, `${c.name} ${NAMES[i]}`).toEqual(ref[i].shape);
          expect(closeness(v.values, ref[i].values, 1e-4, 1e-4), `${c.name} relu=${relu} ${NAMES[i]}`).toBeLessThanOrEqual(1);
        });
      }
    });
  }));

  it('gives identical bits on 1 and 2 threads', () => withIsa('avx512', () => {
    L.setConvAlgorithm('implicit-gemm');
    const threads = L.getNumThreads();
    try {
      for (const c of [CASES[0], CASES[4], CASES[11], CASES[15], { name: 'ResNet l2a, batch 8', x: [8, 64, 16, 16], w: [128, 64, 3, 3], bias: true, opts: { stride: 2, padding: 1 } }]) {
        const t = inputs(c, 77);
        L.setNumThreads(1);
        const one = onBackend('native', () => withGrads(c, t));
        L.setNumThreads(2);
        const two = onBackend('native', () => withGrads(c, t));
        one.forEach((v, i) => expect(Array.from(v.values), `${c.name} ${NAMES[i]}`).toEqual(Array.from(two[i].values)));
      }
    } finally {
      L.setNumThreads(threads);
    }
  }));

  it('is exact on small-integer data in all three passes, and overwrites every element of the input gradient', () => withIsa('avx512', () => {
    L.setConvAlgorithm('implicit-gemm');
    const addon = nativeAddon()!;
    CASES.forEach((c, k) => {
      L.manualSeed(300 + k);
      const x = L.randint(-3, 4, c.x, { dtype: 'float32' }), w = L.randint(-3, 4, c.w, { dtype: 'float32' });
      const y = L.noGrad(() => onBackend('reference', () => L.conv2d(x, w, null, c.opts)));
      const gy = L.randint(-3, 4, y.shape, { dtype: 'float32' });
      const nat = onBackend('native', () => L.noGrad(() => L.conv2d(x, w, null, c.opts)));
      expect(Array.from(nat.values), `${c.name} out`).toEqual(Array.from(y.values));
      const gw = (backend: 'native' | 'reference'): L.Tensor => onBackend(backend, () => L.grad(L.conv2d(x, w.requiresGrad_(), null, c.opts), [w], { gradOutputs: [gy] })[0]!);
      expect(Array.from(gw('native').values), `${c.name} gradWeight`).toEqual(Array.from(gw('reference').values));
      const stride = Array.isArray(c.opts.stride) ? c.opts.stride : [c.opts.stride ?? 1, c.opts.stride ?? 1];
      if (stride[1] > 2) return;
      const pad = Array.isArray(c.opts.padding) ? c.opts.padding : [c.opts.padding ?? 0, c.opts.padding ?? 0];
      const dil = Array.isArray(c.opts.dilation) ? c.opts.dilation : [c.opts.dilation ?? 1, c.opts.dilation ?? 1];
      const geom = Int32Array.of(c.x[0], c.x[1], c.x[2], c.x[3], c.w[0], y.shape[2], y.shape[3], c.w[2], c.w[3],
        stride[0], stride[1], pad[0] as number, pad[1] as number, dil[0], dil[1], 1);
      const gi = new Float32Array(x.size).fill(NaN);
      addon.conv2dImplicitBackwardInput(gy.values as Float32Array, w.values as Float32Array, gi, geom);
      const ref = onBackend('reference', () => L.grad(L.conv2d(x.requiresGrad_(), w, null, c.opts), [x], { gradOutputs: [gy] })[0]!);
      expect(Array.from(gi), `${c.name} raw gradX over NaN`).toEqual(Array.from(ref.values));
    });
  }));

  it("'auto' routes strided layers' passes here where measured faster, and 'direct' never does", () => withIsa('avx512', () => {
    const l2a = { input: [32, 64, 16, 16], weight: [128, 64, 3, 3], stride: 2, padding: 1 };
    const down = { input: [32, 128, 8, 8], weight: [256, 128, 1, 1], stride: 2 };
    L.setConvAlgorithm('auto');
    expect(L.convAlgorithm(l2a)).toMatchObject({ reason: 'table', passes: { forward: 'implicit-gemm', backwardInput: 'implicit-gemm', backwardWeight: 'implicit-gemm' } });
    // A 1x1 stride-2 input gradient leaves half its phases without a tap; 2x2 output planes are too small: both measured slower.
    expect(L.convAlgorithm(down).passes).toEqual({ forward: 'implicit-gemm', backwardInput: 'direct', backwardWeight: 'implicit-gemm' });
    expect(L.convAlgorithm({ input: [32, 256, 4, 4], weight: [512, 256, 3, 3], stride: 2, padding: 1 }).passes)
      .toEqual({ forward: 'direct', backwardInput: 'direct', backwardWeight: 'direct' });
    // 4x4 output planes: the forward and weight gradient gain, the input gradient was a wash (it stays on im2col).
    expect(L.convAlgorithm({ input: [32, 128, 8, 8], weight: [256, 128, 3, 3], stride: 2, padding: 1 }).passes)
      .toEqual({ forward: 'implicit-gemm', backwardInput: 'direct', backwardWeight: 'implicit-gemm' });
    // Stride-1 layers keep Winograd or im2col; groups and float64 are refused.
    expect(L.convAlgorithm({ input: [8, 64, 16, 16], weight: [64, 64, 5, 5], padding: 2 }).passes.forward).toBe('direct');
    expect(L.convAlgorithm({ ...l2a, dtype: 'float64' }).algorithm).toBe('direct');
    L.setConvAlgorithm('implicit-gemm');
    const grouped = L.convAlgorithm({ ...l2a, weight: [128, 32, 3, 3], groups: 2 });
    expect(grouped).toMatchObject({ algorithm: 'direct', reason: 'geometry' });
    expect(grouped.detail).toMatch(/implicit-gemm needs float32, groups 1 and an AVX-512 CPU; this convolution has groups 2/);
    L.setConvAlgorithm('direct');
    expect(L.convAlgorithm(l2a).passes).toEqual({ forward: 'direct', backwardInput: 'direct', backwardWeight: 'direct' });
  }));

  it('other ISAs never take it, even when forced', () => {
    for (const isa of availableIsas().filter((i) => i !== 'avx512')) {
      withIsa(isa, () => {
        L.setConvAlgorithm('implicit-gemm');
        expect(L.convAlgorithm({ input: [2, 32, 8, 8], weight: [64, 32, 3, 3], stride: 2, padding: 1 }).algorithm, isa).toBe('direct');
      });
    }
  });

  it('the raw bindings reject what the kernels cannot take, by name, without writing', () => withIsa('avx512', () => {
    const addon = nativeAddon()!;
    const geom = Int32Array.of(1, 4, 6, 6, 2, 3, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1);
    const x = new Float32Array(144), w = new Float32Array(72), out = new Float32Array(18).fill(7);
    expect(() => addon.conv2dImplicit(x, w, null, out, geom, false)).not.toThrow();
    const grouped = geom.slice(); grouped[15] = 2;
    expect(() => addon.conv2dImplicit(x, new Float32Array(36), null, out.fill(7), grouped, false)).toThrow(/conv2dImplicit: the implicit-GEMM kernels need AVX-512, groups 1/);
    expect(Array.from(out)).toEqual(new Array(18).fill(7));
    expect(() => addon.conv2dImplicit(x, w, null, new Float32Array(17), geom, false)).toThrow(/out has 17 elements, expected 18/);
    const wide = geom.slice(); wide[10] = 3; wide[6] = 2;
    expect(() => addon.conv2dImplicitBackwardInput(new Float32Array(12), w, x, wide)).toThrow(/conv2dImplicitBackwardInput: strideW must be 1 or 2, got 3/);
    expect(() => addon.conv2dImplicitBackwardInput(out, w, new Float32Array(5), geom)).toThrow(/gradInput/);
    expect(() => addon.conv2dImplicitBackwardWeight(x, out, new Float32Array(71), geom)).toThrow(/conv2dImplicitBackwardWeight: gradWeight/);
    expect(addon.conv2dImplicitApplies(geom)).toBe(true);
    expect(addon.conv2dImplicitApplies(grouped)).toBe(false);
  }));
});

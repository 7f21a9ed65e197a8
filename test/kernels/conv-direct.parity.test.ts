/**
 * The direct small-channel convolution kernels (native/kernels/conv_direct.cc, 1..4 input
 * channels, groups 1) against the float64 reference kernel on every ISA: forward and both
 * gradients, on odd sizes, paddings, strides (square and not), dilations, kernels 1x1 to
 * 7x7, batch 1, output channel counts that are not multiples of the register tile and rows
 * wider than one tile. Plus the routing ('direct-small-c' forced, what it refuses, float64),
 * determinism across thread counts and gradcheck in float64.
 *
 * Error measure: ||direct - exact|| / ||exact|| (2-norm over the tensor) against float64 on
 * the same float32 inputs. The kernels multiply and add exactly what the definition does
 * (in another order; the weight gradient sums samples in double), so the bound is float32
 * rounding: measured at most ~3e-7 over these cases (2026-12-06); asserted below 2e-6.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nativeAddon } from '../../src/backend/index';
import { availableIsas, onBackend, withIsa } from '../helpers/backends';
import { expectBoth } from '../helpers/gradcheck';
import { f64, relErr, runConv as run } from '../helpers/conv';

const BOUND = 2e-6;

interface Case { name: string; x: number[]; w: number[]; opts: L.Conv2dOptions; bias: boolean }

const CASES: Case[] = [
  { name: 'grey 3x3, no padding (the W3 first layer, smaller)', x: [3, 1, 14, 13], w: [32, 1, 3, 3], opts: {}, bias: true },
  { name: 'C=2, 5x5, pad 2, 13 outputs', x: [2, 2, 11, 9], w: [13, 2, 5, 5], opts: { padding: 2 }, bias: false },
  { name: 'RGB 7x7 stride 2 pad 3, batch 1', x: [1, 3, 23, 21], w: [9, 3, 7, 7], opts: { stride: 2, padding: 3 }, bias: true },
  { name: 'C=4, stride (1,2), pad (0,1)', x: [2, 4, 9, 12], w: [5, 4, 3, 3], opts: { stride: [1, 2], padding: [0, 1] }, bias: true },
  { name: 'C=1, dilation 2, pad 2, rows wider than a tile', x: [2, 1, 7, 45], w: [11, 1, 3, 3], opts: { dilation: 2, padding: 2 }, bias: true },
  { name: 'C=3, 1x1 stride 2', x: [2, 3, 9, 8], w: [17, 3, 1, 1], opts: { stride: 2 }, bias: false },
  { name: 'C=2, stride 3, input rows and columns no tap reaches', x: [2, 2, 11, 10], w: [3, 2, 2, 2], opts: { stride: 3 }, bias: true },
  { name: "C=1, 'same' padding, even kernel", x: [2, 1, 6, 7], w: [4, 1, 4, 4], opts: { padding: 'same' }, bias: true },
  { name: 'one output pixel', x: [2, 3, 3, 3], w: [7, 3, 3, 3], opts: {}, bias: true },
];

function inputs(c: Case, seed: number): { x: L.Tensor; w: L.Tensor; b: L.Tensor | null; gy: L.Tensor } {
  L.manualSeed(seed);
  const x = L.randn(c.x, { requiresGrad: true }), w = L.randn(c.w, { requiresGrad: true });
  const b = c.bias ? L.randn([c.w[0]], { requiresGrad: true }) : null;
  const gy = L.randn(L.noGrad(() => onBackend('reference', () => L.conv2d(x, w, null, c.opts))).shape);
  return { x, w, b, gy };
}

afterEach(() => L.setConvAlgorithm('auto'));

describe.runIf(nativeAddon() !== null)('direct small-channel conv', () => {
  for (const isa of availableIsas()) {
    it(`matches the float64 reference within ${BOUND} (norm-wise), forward and both gradients (${isa})`, () => withIsa(isa, () => {
      L.setConvAlgorithm('direct-small-c');
      CASES.forEach((c, k) => {
        const { x, w, b, gy } = inputs(c, 400 + k);
        expect(L.convAlgorithm({ input: c.x, weight: c.w, ...c.opts }), c.name).toMatchObject({
          algorithm: 'direct-small-c', reason: 'forced',
          passes: { forward: 'direct-small-c', backwardInput: 'direct-small-c', backwardWeight: 'direct-small-c' },
        });
        const got = onBackend('native', () => run(x, w, b, gy, c.opts));
        const exact = onBackend('reference', () => run(f64(x)!, f64(w)!, f64(b), f64(gy)!, c.opts));
        got.forEach((t, i) => {
          expect(t.shape, `${c.name} tensor ${i}`).toEqual(exact[i].shape);
          expect(relErr(t.values, exact[i].values), `${c.name} tensor ${i} (${isa})`).toBeLessThan(BOUND);
        });
      });
    }));
  }

  it('runs different arithmetic from im2col + GEMM (the kernels really ran), within rounding of it', () => {
    const c = CASES[0];
    const { x, w, b, gy } = inputs(c, 9);
    L.setConvAlgorithm('direct');
    const gemm = run(x, w, b, gy, c.opts);
    L.setConvAlgorithm('direct-small-c');
    const direct = run(x, w, b, gy, c.opts);
    const errs = direct.map((t, i) => relErr(t.values, gemm[i].values));
    expect(Math.max(...errs)).toBeGreaterThan(0);
    errs.forEach((e, i) => expect(e, `tensor ${i}`).toBeLessThan(BOUND));
  });

  it('routes what it refuses to the direct algorithm, bitwise, even when forced', () => {
    const refused: { name: string; x: number[]; w: number[]; opts: L.Conv2dOptions; why: RegExp }[] = [
      { name: '5 input channels', x: [2, 5, 8, 8], w: [6, 5, 3, 3], opts: {}, why: /5 input channels/ },
      { name: 'groups 2', x: [2, 4, 8, 8], w: [6, 2, 3, 3], opts: { groups: 2 }, why: /groups 2/ },
    ];
    for (const r of refused) {
      L.setConvAlgorithm('direct-small-c');
      const choice = L.convAlgorithm({ input: r.x, weight: r.w, ...r.opts });
      expect(choice, r.name).toMatchObject({ algorithm: 'direct', reason: 'geometry' });
      expect(choice.detail, r.name).toMatch(r.why);
      const { x, w, gy } = inputs({ name: r.name, x: r.x, w: r.w, opts: r.opts, bias: false }, 5);
      const forced = run(x, w, null, gy, r.opts).map((t) => Array.from(t.values));
      L.setConvAlgorithm('direct');
      const direct = run(x, w, null, gy, r.opts).map((t) => Array.from(t.values));
      forced.forEach((v, i) => expect(v, `${r.name} tensor ${i}`).toEqual(direct[i]));
    }
  });

  it("'auto' takes each pass from the compiled-in tables; what they did not measure stays im2col + GEMM", () => {
    L.setConvAlgorithm('auto');
    const native = nativeAddon()!;
    const passes = ['forward', 'backwardInput', 'backwardWeight'] as const;
    for (const q of [
      { input: [64, 1, 28, 28], weight: [32, 1, 3, 3] },
      { input: [64, 3, 10, 10], weight: [8, 3, 3, 3], padding: 1 },
      { input: [64, 4, 20, 20], weight: [16, 4, 3, 3], padding: 1 },
    ]) {
      const choice = L.convAlgorithm(q);
      expect(choice.reason).toBe('table');
      const geometry = L.noGrad(() => L.conv2d(L.zeros(q.input), L.zeros(q.weight), null, q)).shape;
      const g = new Int32Array([q.input[0], q.input[1], q.input[2], q.input[3], q.weight[0], geometry[2], geometry[3], 3, 3, 1, 1, q.padding ?? 0, q.padding ?? 0, 1, 1, 1]);
      // The small-channel table first, then the Winograd table (both measured: bench/conv-algos.ts --table, bench/conv-table.ts).
      passes.forEach((p, i) => expect(choice.passes[p], `${JSON.stringify(q)} ${p}`).toBe(
        native.conv2dDirectSmallCPreferred(g, i) ? 'direct-small-c' : native.conv2dWinogradPreferred(g, i) ? 'winograd' : 'direct'));
    }
    // ResNet's 7x7 stride-2 stem has a table of its own (geometry kind 1).
    const stem = { input: [8, 3, 112, 112], weight: [64, 3, 7, 7], stride: 2, padding: 3 };
    const stemChoice = L.convAlgorithm(stem).passes;
    const sg = new Int32Array([8, 3, 112, 112, 64, 56, 56, 7, 7, 2, 2, 3, 3, 1, 1, 1]);
    passes.forEach((p, i) => expect(stemChoice[p], `stem ${p}`).toBe(
      native.conv2dDirectSmallCPreferred(sg, i) ? 'direct-small-c' : native.conv2dImplicitPreferred(sg, i) ? 'implicit-gemm' : 'direct'));
    // A geometry neither table measured (5x5 stride 1, or the stem's kernel dilated): never routed by them
    // (the dilated stem's forward, a strided layer with 64 outputs, goes to the implicit-GEMM kernels where they run).
    expect(L.convAlgorithm({ input: [8, 3, 32, 32], weight: [16, 3, 5, 5], padding: 2 }).passes).toEqual({ forward: 'direct', backwardInput: 'direct', backwardWeight: 'direct' });
    const dilated = new Int32Array([8, 3, 112, 112, 64, 53, 53, 7, 7, 2, 2, 3, 3, 2, 2, 1]);
    expect(L.convAlgorithm({ ...stem, dilation: 2 }).passes).toEqual({
      forward: native.conv2dImplicitPreferred(dilated, 0) ? 'implicit-gemm' : 'direct', backwardInput: 'direct',
      backwardWeight: native.conv2dImplicitPreferred(dilated, 2) ? 'implicit-gemm' : 'direct',
    });
  });

  it('fuses the ReLU of conv2dRelu into its store: bitwise relu(conv2d)', () => {
    L.setConvAlgorithm('direct-small-c');
    const c = CASES[0];
    const { x, w, b } = inputs(c, 12);
    const fused = L.noGrad(() => L.conv2dRelu(x, w, b, c.opts));
    const plain = L.noGrad(() => L.relu(L.conv2d(x, w, b, c.opts)));
    expect(Array.from(fused.values)).toEqual(Array.from(plain.values));
    expect(Array.from(fused.values).some((v) => v === 0)).toBe(true);
  });

  it('gives bitwise the same results at 1 and 2 threads', () => {
    const before = L.getNumThreads();
    try {
      L.setConvAlgorithm('direct-small-c');
      const c: Case = { name: 'many blocks', x: [5, 3, 19, 37], w: [21, 3, 3, 3], opts: { padding: 1 }, bias: true };
      const { x, w, b, gy } = inputs(c, 21);
      const results = [1, 2].map((t) => {
        L.setNumThreads(t);
        return run(x, w, b, gy, c.opts).map((r) => Array.from(r.values));
      });
      results[1].forEach((v, i) => expect(v, `tensor ${i}`).toEqual(results[0][i]));
    } finally {
      L.setNumThreads(before);
    }
  });

  it('float64 keeps the exact algorithm: convAlgorithm says so and gradcheck passes with direct-small-c forced', () => {
    L.setConvAlgorithm('direct-small-c');
    expect(L.convAlgorithm({ input: [2, 1, 6, 6], weight: [4, 1, 3, 3], dtype: 'float64' }))
      .toMatchObject({ algorithm: 'direct', reason: 'dtype' });
    L.manualSeed(3);
    const x = L.randn([2, 1, 5, 6], { dtype: 'float64', requiresGrad: true });
    const w = L.randn([3, 1, 3, 3], { dtype: 'float64', requiresGrad: true });
    expectBoth((a, b) => L.conv2d(a, b, null, { padding: 1, stride: 2 }), [x, w]);
  });
});

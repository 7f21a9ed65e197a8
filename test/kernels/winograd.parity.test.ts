/**
 * Winograd F(4x4, 3x3) convolutions (native/kernels/winograd.cc) against the float64
 * reference kernel, on every ISA: forward and both gradients, on odd sizes, paddings 0..3,
 * batch 1 and channel counts that are not multiples of the 16-lane vectors. Plus the
 * routing (what Winograd refuses runs the direct algorithm), determinism across thread
 * counts, the filter cache and the reported choice.
 *
 * Error measure: ||winograd - exact|| / ||exact|| (2-norm over the whole tensor) against
 * the float64 reference on the same float32 inputs. Measured 2026-12-06 on random normal
 * inputs, scalar/AVX2/AVX-512: at most 3.4e-6 over these cases plus 64- and 256-channel ones
 * and the three tensors (the direct float32 algorithm: 4.8e-7); asserted below 2e-5.
 * PyTorch and oneDNN accept about 1e-3 for F(4,3).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { backend, nativeAddon } from '../../src/backend/index';
import type { ConvGeometry } from '../../src/backend/backend';
import { allocateAlignedFloat32 } from '../../src/tensor/dtype';
import { availableIsas, onBackend, withIsa } from '../helpers/backends';
import { expectBoth } from '../helpers/gradcheck';
import { f64, relErr, runConv as run } from '../helpers/conv';

const BOUND = 2e-5;

interface Case { name: string; x: number[]; o: number; padding: number; bias: boolean }

const CASES: Case[] = [
  { name: 'odd sizes, pad 1', x: [2, 5, 7, 9], o: 6, padding: 1, bias: true },
  { name: 'pad 0', x: [2, 17, 11, 6], o: 20, padding: 0, bias: false },
  { name: 'pad 2', x: [1, 4, 5, 5], o: 3, padding: 2, bias: true },
  { name: 'pad 3 (a crop in the input gradient)', x: [1, 3, 6, 5], o: 2, padding: 3, bias: false },
  { name: 'batch 1, 3 -> 17 channels', x: [1, 3, 13, 10], o: 17, padding: 1, bias: true },
  { name: '17 -> 33 channels, several blocks', x: [3, 17, 21, 19], o: 33, padding: 1, bias: true },
  { name: 'one pixel', x: [2, 2, 1, 1], o: 3, padding: 1, bias: true },
];

function inputs(c: Case, seed: number): { x: L.Tensor; w: L.Tensor; b: L.Tensor | null; gy: L.Tensor } {
  L.manualSeed(seed);
  const [n, ch, h, wd] = c.x;
  const oh = h + 2 * c.padding - 2, ow = wd + 2 * c.padding - 2;
  return {
    x: L.randn(c.x, { requiresGrad: true }),
    w: L.randn([c.o, ch, 3, 3], { requiresGrad: true }),
    b: c.bias ? L.randn([c.o], { requiresGrad: true }) : null,
    gy: L.randn([n, c.o, oh, ow]),
  };
}

afterEach(() => L.setConvAlgorithm('auto'));

describe.runIf(nativeAddon() !== null)('Winograd F(4x4,3x3) conv', () => {
  for (const isa of availableIsas()) {
    it(`matches the float64 reference within ${BOUND} (norm-wise), forward and both gradients (${isa})`, () => withIsa(isa, () => {
      L.setConvAlgorithm('winograd');
      let worst = 0;
      CASES.forEach((c, k) => {
        const { x, w, b, gy } = inputs(c, 300 + k);
        const choice = L.convAlgorithm({ input: c.x, weight: w.shape, padding: c.padding });
        expect(choice, c.name).toMatchObject({ algorithm: 'winograd', reason: 'forced' });
        const got = onBackend('native', () => run(x, w, b, gy, { padding: c.padding }));
        const exact = onBackend('reference', () => run(f64(x)!, f64(w)!, f64(b), f64(gy)!, { padding: c.padding }));
        got.forEach((t, i) => {
          expect(t.shape).toEqual(exact[i].shape);
          const e = relErr(t.values, exact[i].values);
          worst = Math.max(worst, e);
          expect(e, `${c.name} tensor ${i} (${isa})`).toBeLessThan(BOUND);
        });
      });
      expect(worst).toBeGreaterThan(0);  // Winograd really ran: it rounds differently from the exact result
    }));
  }

  it('runs convTranspose2d (stride 1, 3x3) through the Winograd input gradient, and its gradients', () => {
    L.setConvAlgorithm('winograd');
    L.manualSeed(17);
    const x = L.randn([2, 6, 7, 5], { requiresGrad: true }), w = L.randn([6, 5, 3, 3], { requiresGrad: true });
    const gy = L.randn([2, 5, 7, 5]);
    const f = (x: L.Tensor, w: L.Tensor, gy: L.Tensor): L.Tensor[] => {
      const y = L.convTranspose2d(x, w, null, { padding: 1 });
      return [y, ...L.grad(y, [x, w], { gradOutputs: [gy] }).map((g) => g!)];
    };
    const got = onBackend('native', () => f(x, w, gy));
    const exact = onBackend('reference', () => f(f64(x)!, f64(w)!, f64(gy)!));
    got.forEach((t, i) => expect(relErr(t.values, exact[i].values), `tensor ${i}`).toBeLessThan(BOUND));
  });

  it('differs from the direct algorithm only by rounding, and the direct policy is the old kernel', () => {
    const c = CASES[5];
    const { x, w, b, gy } = inputs(c, 7);
    L.setConvAlgorithm('direct');
    const direct = run(x, w, b, gy, { padding: c.padding });
    L.setConvAlgorithm('winograd');
    const wino = run(x, w, b, gy, { padding: c.padding });
    direct.slice(0, 3).forEach((t, i) => {  // the bias gradient (a sum of gy) does not involve the algorithm
      const e = relErr(wino[i].values, t.values);
      expect(e).toBeGreaterThan(0);
      expect(e).toBeLessThan(BOUND);
    });
  });

  it('routes what Winograd refuses to the direct algorithm, bitwise, even when forced', () => {
    const refused: { name: string; x: number[]; w: number[]; opts: L.Conv2dOptions; why: RegExp }[] = [
      { name: 'stride 2', x: [2, 4, 9, 9], w: [5, 4, 3, 3], opts: { stride: 2, padding: 1 }, why: /stride 2x2/ },
      { name: 'dilation 2', x: [2, 4, 9, 9], w: [5, 4, 3, 3], opts: { dilation: 2, padding: 2 }, why: /dilation 2x2/ },
      { name: 'groups 2', x: [2, 4, 9, 9], w: [6, 2, 3, 3], opts: { groups: 2, padding: 1 }, why: /groups 2/ },
      { name: '1x1', x: [2, 4, 9, 9], w: [6, 4, 1, 1], opts: {}, why: /kernel 1x1/ },
      { name: '5x5', x: [2, 4, 9, 9], w: [6, 4, 5, 5], opts: { padding: 2 }, why: /kernel 5x5/ },
    ];
    for (const r of refused) {
      L.setConvAlgorithm('winograd');
      const choice = L.convAlgorithm({ input: r.x, weight: r.w, ...r.opts });
      expect(choice.algorithm, r.name).toBe('direct');
      expect(choice.reason, r.name).toBe('geometry');
      expect(choice.detail, r.name).toMatch(r.why);
      L.manualSeed(11);
      const x = L.randn(r.x, { requiresGrad: true }), w = L.randn(r.w, { requiresGrad: true });
      const gy = L.randn(L.noGrad(() => L.conv2d(x, w, null, r.opts)).shape);
      const forced = run(x, w, null, gy, r.opts).map((t) => Array.from(t.values));
      L.setConvAlgorithm('direct');
      const direct = run(x, w, null, gy, r.opts).map((t) => Array.from(t.values));
      forced.forEach((v, i) => expect(v, `${r.name} tensor ${i}`).toEqual(direct[i]));
    }
  });

  it('the transformed filter is laid out in the ISA\'s panels; an unaligned one gives the same bits as an aligned one', () => {
    const k = backend().winograd!;
    const g: ConvGeometry = { n: 3, c: 5, h: 9, w: 9, o: 37, oh: 9, ow: 9, kh: 3, kw: 3, strideH: 1, strideW: 1, padH: 1, padW: 1, dilationH: 1, dilationW: 1, groups: 1 };
    L.manualSeed(4);
    const x = L.randn([3, 5, 9, 9]).values as Float32Array, w = L.randn([37, 5, 3, 3]).values as Float32Array;
    for (const isa of availableIsas()) {
      withIsa(isa, () => {
        const { length, panel } = k.filterLayout(g, false);
        expect(length, isa).toBe(36 * 5 * Math.ceil(37 / panel) * panel);
        expect(k.filterLayout(g, true).length, isa).toBe(36 * 37 * Math.ceil(5 / panel) * panel);
        // At a 64-byte boundary, and one float past it (copied into aligned scratch by the kernel).
        const space = allocateAlignedFloat32(length + 16);
        const aligned = space.subarray(0, length), unaligned = space.subarray(1, 1 + length);
        const outs = [aligned, unaligned].map((U) => {
          k.filter(w, U, g, false);
          const out = new Float32Array(3 * 37 * 81);
          k.forward(x, U, null, out, g);
          return out;
        });
        expect(Buffer.compare(Buffer.from(outs[0].buffer), Buffer.from(outs[1].buffer)), isa).toBe(0);
      });
    }
  });

  it('gives bitwise the same results at 1 and 2 threads', () => {
    const before = L.getNumThreads();
    try {
      L.setConvAlgorithm('winograd');
      // 'few blocks': 4x4 planes, 100 tiles in 4 blocks, so few that the threads share them unevenly.
      const cases: Case[] = [
        { name: 'many blocks', x: [5, 19, 26, 23], o: 21, padding: 1, bias: true },
        { name: 'few blocks', x: [100, 64, 4, 4], o: 48, padding: 1, bias: true },
      ];
      for (const c of cases) {
        const { x, w, b, gy } = inputs(c, 21);
        const results = [1, 2].map((t) => {
          L.setNumThreads(t);
          return run(x, w, b, gy, { padding: c.padding }).map((r) => Array.from(r.values));
        });
        results[1].forEach((v, i) => expect(v, `${c.name} tensor ${i}`).toEqual(results[0][i]));
      }
    } finally {
      L.setNumThreads(before);
    }
  });

  it('float64 keeps the exact algorithm: convAlgorithm says so and gradcheck passes with Winograd forced', () => {
    L.setConvAlgorithm('winograd');
    expect(L.convAlgorithm({ input: [2, 3, 6, 6], weight: [4, 3, 3, 3], padding: 1, dtype: 'float64' }))
      .toMatchObject({ algorithm: 'direct', reason: 'dtype' });
    L.manualSeed(5);
    const x = L.randn([2, 3, 6, 5], { dtype: 'float64', requiresGrad: true });
    const w = L.randn([4, 3, 3, 3], { dtype: 'float64', requiresGrad: true });
    const b = L.randn([4], { dtype: 'float64', requiresGrad: true });
    expectBoth((x, w, b) => L.conv2d(x, w, b, { padding: 1 }), [x, w, b]);
  });

  it('reuses the transformed filter until the weight changes in place', () => {
    L.setConvAlgorithm('winograd');
    L.manualSeed(3);
    const x = L.randn([2, 8, 10, 10]);
    const w = L.randn([6, 8, 3, 3]);
    const y1 = L.conv2d(x, w, null, { padding: 1 });
    const again = L.conv2d(x, w, null, { padding: 1 });
    expect(Array.from(again.values)).toEqual(Array.from(y1.values));
    L.noGrad(() => L.mul_(w, 2));  // bumps the storage's version: the cached transform is stale
    const y2 = L.conv2d(x, w, null, { padding: 1 });
    L.setConvAlgorithm('direct');
    const exact2 = L.conv2d(x, w, null, { padding: 1 });
    expect(relErr(y2.values, exact2.values)).toBeLessThan(BOUND);
    expect(relErr(y2.values, L.mul(y1, 2).values)).toBeLessThan(BOUND);
  });

  it('recomputes both cached transforms (forward and flipped) in place after each optimizer-style update', () => {
    L.manualSeed(4);
    const x = L.randn([2, 8, 10, 10], { requiresGrad: true });
    const w = L.randn([6, 8, 3, 3], { requiresGrad: true });
    const gy = L.randn([2, 6, 10, 10]);
    const both = (algorithm: 'winograd' | 'direct'): L.Tensor[] => {
      L.setConvAlgorithm(algorithm);
      const y = L.conv2d(x, w, null, { padding: 1 });
      return [y, ...L.grad(y, [x, w], { gradOutputs: [gy] }).map((t) => t!)];
    };
    for (let step = 0; step < 3; step++) {
      const fast = both('winograd'), exact = both('direct');
      fast.forEach((t, i) => expect(relErr(t.values, exact[i].values), `step ${step} output ${i}`).toBeLessThan(BOUND));
      L.noGrad(() => L.sub_(w, L.mul(exact[2], 0.1)));  // an SGD step: the cached transforms are stale
    }
  });

  it("reports the table's choice under 'auto', and the policy", () => {
    L.setConvAlgorithm('auto');
    expect(L.getConvAlgorithm()).toBe('auto');
    const choice = L.convAlgorithm({ input: [32, 64, 32, 32], weight: [64, 64, 3, 3], padding: 1 });
    expect(choice.reason).toBe('table');
    expect(choice.detail).toMatch(/compiled-in table/);
    L.setConvAlgorithm('direct');
    expect(L.convAlgorithm({ input: [64, 64, 32, 32], weight: [64, 64, 3, 3], padding: 1 }))
      .toMatchObject({ algorithm: 'direct', reason: 'forced' });
  });

  it('conv2dRelu fuses the ReLU: same values and gradients as relu(conv2d), on both algorithms; gradcheck in float64', () => {
    L.manualSeed(23);
    const x = L.randn([2, 20, 9, 7], { requiresGrad: true }), w = L.randn([18, 20, 3, 3], { requiresGrad: true });
    const b = L.randn([18], { requiresGrad: true }), gy = L.randn([2, 18, 9, 7]);
    for (const algorithm of ['direct', 'winograd'] as const) {
      L.setConvAlgorithm(algorithm);
      const fused = L.conv2dRelu(x, w, b, { padding: 1 });
      const plain = L.relu(L.conv2d(x, w, b, { padding: 1 }));
      expect(Array.from(fused.values), algorithm).toEqual(Array.from(plain.values));
      expect(Array.from(fused.values).some((v) => v === 0), algorithm).toBe(true);
      const gf = L.grad(fused, [x, w, b], { gradOutputs: [gy] }), gp = L.grad(plain, [x, w, b], { gradOutputs: [gy] });
      gf.forEach((t, i) => expect(Array.from(t!.values), `${algorithm} grad ${i}`).toEqual(Array.from(gp[i]!.values)));
    }
    L.manualSeed(24);
    const xd = L.randn([2, 3, 5, 4], { dtype: 'float64', requiresGrad: true }), wd = L.randn([4, 3, 3, 3], { dtype: 'float64', requiresGrad: true });
    const bd = L.randn([4], { dtype: 'float64', requiresGrad: true });
    expectBoth((x, w, b) => L.conv2dRelu(x, w, b, { padding: 1 }), [xd, wd, bd]);
    expect(() => L.conv2dRelu(xd, L.randn([4, 2, 3, 3], { dtype: 'float64' }))).toThrow(/conv2dRelu: weight float64\[4,2,3,3\] with groups=1 expects 2 input channels/);
  });

  it('nn.Sequential runs Conv2d + ReLU as conv2dRelu: same values and gradients as the modules one by one; hooks and other padding modes opt out', () => {
    L.manualSeed(25);
    const conv = new L.nn.Conv2d(20, 24, 3, { padding: 1 }), relu = new L.nn.ReLU();
    const seq = new L.nn.Sequential(conv, relu, new L.nn.Conv2d(24, 8, 3), new L.nn.Conv2d(8, 4, 1));
    const x = L.randn([2, 20, 10, 9], { requiresGrad: true });
    const byHand = (): L.Tensor => seq.at(3).call(seq.at(2).call(relu.call(conv.call(x))));
    for (const algorithm of ['direct', 'winograd'] as const) {
      L.setConvAlgorithm(algorithm);
      const fused = seq.call(x), plain = byHand();
      expect(fused.gradFn?.name).toBe('conv2d');
      expect(Array.from(fused.values), algorithm).toEqual(Array.from(plain.values));
      const params = [x, ...seq.parameters()];
      const gf = L.grad(L.sum(fused), params), gp = L.grad(L.sum(plain), params);
      gf.forEach((t, i) => expect(Array.from(t!.values), `${algorithm} grad ${i}`).toEqual(Array.from(gp[i]!.values)));
    }
    // The fused op is what ran: a Conv2d, ReLU pair's output node is conv2dRelu.
    expect(new L.nn.Sequential(conv, relu).call(x).gradFn?.name).toBe('conv2dRelu');
    const seen: number[] = [];
    const remove = relu.registerForwardHook((_m, _args, y) => { seen.push(y.size); });
    seq.call(x);
    remove();
    expect(seen).toEqual([2 * 24 * 10 * 9]);  // with a hook on the ReLU the modules run one by one
    relu.registerForwardHook(() => undefined);
    expect(new L.nn.Sequential(conv, relu).call(x).gradFn?.name).toBe('relu');
    const reflect = new L.nn.Sequential(new L.nn.Conv2d(3, 4, 3, { padding: 1, paddingMode: 'reflect' }), new L.nn.ReLU());
    const xr = L.randn([1, 3, 6, 6]);
    expect(Array.from(reflect.call(xr).values)).toEqual(Array.from(L.relu(reflect.at(0).call(xr)).values));
  });

  it('rejects bad arguments with the op, the argument and the values', () => {
    expect(() => L.setConvAlgorithm('fast' as never)).toThrow(/setConvAlgorithm: algorithm must be 'auto', 'direct', 'winograd', 'direct-small-c' or 'implicit-gemm', got "fast"/);
    expect(() => L.convAlgorithm({ input: [2, 3, 4], weight: [4, 3, 3] } as never)).toThrow(/convAlgorithm: weight must be a shape/);
    expect(() => L.convAlgorithm({ input: [2, 3, 4, 4], weight: [4, 2, 3, 3] })).toThrow(/convAlgorithm: weight \[4,2,3,3\] with groups=1 expects 2 input channels/);
    const addon = nativeAddon()!;
    const geometry = Int32Array.of(1, 2, 5, 5, 3, 3, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1);  // stride 2
    expect(() => addon.conv2dWinograd(new Float32Array(50), new Float32Array(216), null, new Float32Array(27), geometry))
      .toThrow(/conv2dWinograd: Winograd needs a 3x3 kernel, stride 1.*stride 2x2/);
    const ok = Int32Array.of(1, 2, 5, 5, 3, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1);
    expect(() => addon.conv2dWinograd(new Float32Array(50), new Float32Array(215), null, new Float32Array(75), ok))
      .toThrow(/conv2dWinograd: U/);
    expect(() => addon.conv2dWinograd(new Float64Array(50), new Float32Array(216), null, new Float32Array(75), ok))
      .toThrow(/conv2dWinograd: x/);
  });
});

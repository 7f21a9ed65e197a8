/**
 * The volumetric (3-D) family against PyTorch 2.13: conv3d / convTranspose3d, maxPool3d (with
 * indices), avgPool3d, the adaptive 3-D pools, 5-D interpolate and 6-value pad (nn.functional),
 * and the modules Conv3d, ConvTranspose3d, the 3-D pools, BatchNorm3d, InstanceNorm3d, the 3-D
 * padding modules and Upsample on volumes. test/fixtures/volumetric_torch.json, written by
 * test/fixtures/generators/volumetric_torch.py, holds per case the call, the output (and
 * indices), and the gradients of sum(out · r) with respect to the inputs and parameters, plus
 * running statistics after training steps. Checked in float64 and float32 on the native and the
 * reference backend; then gradcheck, Dropout3d's mask, the composite paths' corner cases and the
 * error messages.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';
import { hasNative, onBackend } from '../helpers/backends';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';

const F = nn.functional;

interface Case {
  fn?: string; layer?: string; args: unknown[]; opts?: Record<string, unknown>; stateDict?: Record<string, number[]>;
  inputs: Enc[]; output: Enc; indices?: Enc; gradInputs: Enc[]; params: Record<string, Enc>; gradParams: Record<string, Enc>;
}
interface StatsCase {
  layer: string; args: unknown[]; opts: Record<string, unknown>; batches: Enc[]; buffers: Record<string, Enc>; evalInput: Enc; evalOutput: Enc;
}
type AnyLayer = nn.Module<L.Tensor[], L.Tensor | L.Tensor[]>;
type AnyFn = (...args: unknown[]) => L.Tensor | L.Tensor[];

const fixture = JSON.parse(readFileSync(new URL('../fixtures/volumetric_torch.json', import.meta.url), 'utf8')) as {
  torch: string; cases: Record<string, Case>; stats: Record<string, StatsCase>;
};

const dec = (e: Enc, dtype: Dt = 'float64'): L.Tensor => L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape);

/** The generator's fixed weighting: r[i] = ((7919 i) mod 23) / 8 − 1.375. */
function weighting(shape: number[], dtype: Dt): L.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return L.tensor(Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 23) / 8 - 1.375), { dtype }).reshape(shape);
}

/** The layer a case names, in `dtype` where it has parameters or buffers. */
function build(c: Case | StatsCase, dtype: Dt): AnyLayer {
  const hasState = 'batches' in c || Object.keys(c.stateDict ?? {}).length > 0;
  const opts = hasState ? { ...c.opts, dtype } : c.opts;
  const Layer = (nn as unknown as Record<string, new (...a: unknown[]) => AnyLayer>)[c.layer!];
  return opts === undefined ? new Layer(...c.args) : new Layer(...c.args, opts);
}

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

describe(`the volumetric family matches PyTorch (fixtures from torch ${fixture.torch})`, () => {
  const expectClose = torchFixtureChecker({ float64: 1e-12, float32: 2e-5 });
  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`every op and layer: values, indices and gradients (${backend}, ${dtype})`, () => onBackend(backend, () => {
        for (const [name, c] of Object.entries(fixture.cases)) {
          const xs = c.inputs.map((e) => dec(e, dtype).requiresGrad_());
          let params: [string, L.Tensor][] = [];
          let y: L.Tensor | L.Tensor[];
          if (c.layer) {
            const m = build(c, dtype);
            const shapes = Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, t.shape]));
            expect(shapes, `${name} state dict keys and shapes`).toEqual(c.stateDict);
            L.noGrad(() => { for (const [p, e] of Object.entries(c.params)) L.copy_(m.getParameter(p)!, dec(e, dtype)); });
            params = m.namedParameters();
            expect(params.map(([p]) => p), `${name} parameters`).toEqual(Object.keys(c.params));
            y = m.call(...xs);
          } else {
            const fn = (F as unknown as Record<string, AnyFn>)[c.fn!];
            y = c.opts === undefined ? fn(...xs, ...c.args) : fn(...xs, ...c.args, c.opts);
          }
          const [out, indices] = Array.isArray(y) ? y : [y, undefined];
          expectClose(out, c.output, dtype, `${name} output`);
          if (c.indices) {
            expect(indices!.dtype, `${name} indices dtype`).toBe('int32');
            expect(indices!.shape, `${name} indices shape`).toEqual(c.indices.shape);
            expect(Array.from(indices!.values), `${name} indices`).toEqual(c.indices.values);
          } else {
            expect(indices, `${name} returns one tensor`).toBeUndefined();
          }
          const grads = L.grad(out.mul(weighting(out.shape, dtype)).sum(), [...xs, ...params.map(([, p]) => p)]);
          c.gradInputs.forEach((g, i) => expectClose(grads[i]!, g, dtype, `${name} input ${i} gradient`));
          params.forEach(([p], j) => expectClose(grads[xs.length + j]!, c.gradParams[p], dtype, `${name} ${p} gradient`));
        }
      }));

      it(`running statistics of BatchNorm3d and InstanceNorm3d after training steps (${backend}, ${dtype})`, () => onBackend(backend, () => {
        for (const [name, c] of Object.entries(fixture.stats)) {
          const m = build(c, dtype);
          m.train();
          for (const b of c.batches) m.call(dec(b, dtype));
          for (const [k, e] of Object.entries(c.buffers)) {
            const buffer = m.stateDict()[k];
            if (k === 'num_batches_tracked') expect(Array.from(buffer.values), `${name} ${k}`).toEqual(e.values);
            else expectClose(buffer, e, dtype, `${name} ${k}`);
          }
          m.eval();
          expectClose(m.call(dec(c.evalInput, dtype)) as L.Tensor, c.evalOutput, dtype, `${name} eval output`);
        }
      }));
    }
  }
});

describe('gradients by finite differences (float64)', () => {
  const r = (...shape: number[]): L.Tensor => L.randn(shape, { dtype: 'float64' }).requiresGrad_();
  it('conv3d and convTranspose3d, first and second order', () => {
    L.manualSeed(7);
    const x = r(1, 4, 4, 3, 4), w = r(4, 2, 2, 3, 2), b = r(4);
    const conv = (xx: L.Tensor, ww: L.Tensor, bb: L.Tensor): L.Tensor => F.conv3d(xx, ww, bb, { stride: [2, 1, 1], padding: [1, 1, 0], dilation: [1, 1, 2], groups: 2 });
    expect(L.gradcheck(conv, [x, w, b])).toBe(true);
    expect(L.gradgradcheck(conv, [x, w, b])).toBe(true);
    const xt = r(1, 4, 2, 3, 2), wt = r(4, 1, 3, 2, 2);
    const deconv = (xx: L.Tensor, ww: L.Tensor): L.Tensor => F.convTranspose3d(xx, ww, null, { stride: [2, 1, 2], padding: [1, 0, 0], outputPadding: [1, 0, 1], groups: 2 });
    expect(L.gradcheck(deconv, [xt, wt])).toBe(true);
    expect(L.gradgradcheck(deconv, [xt, wt])).toBe(true);
  });

  it('the pools and trilinear interpolation', () => {
    L.manualSeed(8);
    // Distinct, well-separated values in a scrambled order (37 is coprime to 240): no window max is near a tie.
    const x = L.tensor(Float64Array.from({ length: 240 }, (_, i) => ((i * 37) % 240) * 0.01), { dtype: 'float64' }).reshape([1, 2, 5, 4, 6]).requiresGrad_();
    expect(L.gradcheck((t) => F.maxPool3d(t, [3, 2, 3], { stride: 2, padding: [1, 0, 1], ceilMode: true }), [x])).toBe(true);
    expect(L.gradcheck((t) => F.avgPool3d(t, 3, { stride: [1, 2, 2], padding: 1, countIncludePad: false }), [x])).toBe(true);
    expect(L.gradcheck((t) => F.adaptiveAvgPool3d(t, [2, 3, 4]), [x])).toBe(true);
    expect(L.gradcheck((t) => F.adaptiveMaxPool3d(t, [2, 3, 4]), [x])).toBe(true);
    expect(L.gradgradcheck((t) => F.interpolate(t, { size: [3, 5, 4], mode: 'trilinear', alignCorners: true }).mul(t.sum()), [x])).toBe(true);
  });
});

describe('the composite paths', () => {
  it('conv3d over a depth of 1 (or a 1-deep output) is conv2d', () => {
    L.manualSeed(9);
    const x = L.randn([2, 3, 1, 5, 6], { dtype: 'float64' }), w = L.randn([4, 3, 1, 3, 3], { dtype: 'float64' }), b = L.randn([4], { dtype: 'float64' });
    const y3 = F.conv3d(x, w, b, { padding: [0, 1, 1], stride: [1, 2, 1] });
    const y2 = F.conv2d(x.reshape([2, 3, 5, 6]), w.reshape([4, 3, 3, 3]), b, { padding: 1, stride: [2, 1] });
    expect(y3.shape).toEqual([2, 4, 1, 3, 6]);
    expect(Array.from(y3.values)).toEqual(Array.from(y2.values));
    // A kernel as deep as the input: one output depth, all its taps in one conv2d.
    const deep = L.randn([1, 2, 4, 3, 3], { dtype: 'float64' }), kernel = L.randn([3, 2, 4, 1, 1], { dtype: 'float64' });
    const folded = F.conv2d(deep.reshape([1, 8, 3, 3]), kernel.reshape([3, 8, 1, 1]));
    expect(F.conv3d(deep, kernel).reshape([1, 3, 3, 3]).sub(folded).abs().max().item()).toBeLessThan(1e-12);
  });

  it('convTranspose3d is the adjoint of conv3d: <conv3d(x, w), y> = <x, convTranspose3d(y, w)>', () => {
    L.manualSeed(10);
    const opts = { stride: [2, 1, 3] as [number, number, number], padding: [1, 0, 1] as [number, number, number], dilation: [1, 2, 1] as [number, number, number], groups: 2 };
    const x = L.randn([2, 4, 7, 6, 7], { dtype: 'float64' }), w = L.randn([6, 2, 3, 2, 3], { dtype: 'float64' });
    const y = F.conv3d(x, w, null, opts);
    const v = L.randn(y.shape, { dtype: 'float64' });
    const back = F.convTranspose3d(v, w, null, opts);
    expect(back.shape).toEqual(x.shape);
    expect(Math.abs(y.mul(v).sum().item() - x.mul(back).sum().item())).toBeLessThan(1e-9);
  });

  it('maxPool3d indices point at the maxima and round-trip through gather', () => {
    L.manualSeed(11);
    const x = L.randn([2, 3, 5, 6, 7]);
    const [y, idx] = F.maxPool3d(x, 3, { stride: 2, padding: 1, returnIndices: true });
    const picked = L.gather(x.reshape([6, 5 * 6 * 7]), 1, idx.reshape([6, -1]));
    expect(Array.from(picked.values)).toEqual(Array.from(y.values));
    const [ya, idxa] = F.adaptiveMaxPool3d(x, [2, 3, 3], { returnIndices: true });
    expect(Array.from(L.gather(x.reshape([6, -1]), 1, idxa.reshape([6, -1])).values)).toEqual(Array.from(ya.values));
  });

  it('leave no intermediate tensors behind where no gradient flows', () => {
    const x = L.randn([1, 2, 4, 5, 6]), w = L.randn([2, 2, 3, 3, 3]);
    const calls: [string, () => L.Tensor | L.Tensor[]][] = [
      ['conv3d', () => F.conv3d(x, w, null, { padding: 1, stride: [2, 1, 1] })],
      ['convTranspose3d', () => F.convTranspose3d(x, w, null, { stride: 2, padding: 1 })],
      ['maxPool3d', () => F.maxPool3d(x, 2, { returnIndices: true })],
      ['avgPool3d', () => F.avgPool3d(x, 3, { padding: 1, divisorOverride: 4 })],
      ['adaptiveAvgPool3d', () => F.adaptiveAvgPool3d(x, [2, 3, 2])],
      ['adaptiveMaxPool3d', () => F.adaptiveMaxPool3d(x, 2)],
      ['interpolate', () => F.interpolate(x, { scaleFactor: 2, mode: 'trilinear' })],
    ];
    for (const [name, call] of calls) {
      const before = L.memory().numTensors;
      const out = [call()].flat();
      expect(L.memory().numTensors - before, name).toBe(out.length);
      L.dispose(out);
    }
  });

  it('maxPool3d propagates NaN, as PyTorch', () => {
    const x = L.zeros([1, 1, 2, 2, 2]);
    (x.values as Float32Array)[5] = NaN;
    expect(Number.isNaN(F.maxPool3d(x, 2).item())).toBe(true);
  });

  it('BatchNorm3d then ReLU in a Sequential (the fused path) equals the two layers', () => {
    L.manualSeed(12);
    const bn = new nn.BatchNorm3d(3), x = L.randn([2, 3, 2, 3, 4]);
    const fused = new nn.Sequential(bn, new nn.ReLU()).call(x);
    bn.resetRunningStats();
    const plain = L.relu(bn.call(x));
    expect(fused.sub(plain).abs().max().item()).toBeLessThan(1e-6);
  });

  it('module defaults, init bounds and repr', () => {
    L.manualSeed(13);
    const conv = new nn.Conv3d(4, 8, [3, 2, 2], { stride: [1, 2, 2] });
    expect(conv.weight.shape).toEqual([8, 4, 3, 2, 2]);
    const bound = 1 / Math.sqrt(4 * 3 * 2 * 2);
    for (const t of [conv.weight, conv.bias!]) for (const v of t.values) expect(Math.abs(v)).toBeLessThanOrEqual(bound);
    expect(String(conv)).toContain('Conv3d(4, 8, kernelSize=[3, 2, 2], stride=[1, 2, 2], padding=[0, 0, 0])');
    expect(String(new nn.ConvTranspose3d(4, 2, 2, { stride: 2, bias: false }))).toContain('ConvTranspose3d(4, 2, kernelSize=[2, 2, 2], stride=[2, 2, 2], padding=[0, 0, 0], bias=false)');
    expect(new nn.ConvTranspose3d(4, 6, 3, { groups: 2 }).weight.shape).toEqual([4, 3, 3, 3, 3]);
    expect(String(new nn.MaxPool3d(2))).toContain('MaxPool3d(kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false)');
    expect(String(new nn.AvgPool3d(3, { stride: 2 }))).toContain('AvgPool3d(kernelSize=3, stride=2, padding=0, ceilMode=false, countIncludePad=true)');
    const bn = new nn.BatchNorm3d(5);
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(Object.keys(new nn.InstanceNorm3d(5).stateDict())).toEqual([]);
    expect(String(new nn.Dropout3d(0.3))).toContain('Dropout3d(p=0.3)');
    const [y, idx] = new nn.MaxPool3d(2, { returnIndices: true }).call(L.randn([1, 1, 2, 2, 2]));
    expect([y.shape, idx.shape, idx.dtype]).toEqual([[1, 1, 1, 1, 1], [1, 1, 1, 1, 1], 'int32']);
  });
});

describe('Dropout3d', () => {
  it('drops whole channels while training, and nothing in eval', () => {
    L.manualSeed(14);
    const drop = new nn.Dropout3d(0.5);
    const x = L.ones([4, 8, 2, 3, 2]);
    const y = drop.call(x);
    const v = y.values;
    let dropped = 0;
    for (let ch = 0; ch < 32; ch++) {
      const block = Array.from(v.subarray(ch * 12, (ch + 1) * 12));
      expect(new Set(block).size, `channel ${ch} is all kept or all dropped`).toBe(1);
      expect([0, 2]).toContain(block[0]);
      if (block[0] === 0) dropped++;
    }
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(32);
    drop.eval();
    expect(Array.from(drop.call(x).values)).toEqual(Array.from(x.values));
  });

  it('uses dropout2d\'s draws (on x viewed as [N, C, D·H, W]); unbatched, p = 0 and p = 1', () => {
    const x = L.randn([2, 3, 2, 2, 3]);
    L.manualSeed(15);
    const y3 = F.dropout3d(x, 0.4);
    L.manualSeed(15);
    const y2 = F.dropout2d(x.reshape([2, 3, 4, 3]), 0.4);
    expect(Array.from(y3.values)).toEqual(Array.from(y2.values));
    expect(F.dropout3d(x.reshape([3, 4, 2, 3]), 0.4).shape).toEqual([3, 4, 2, 3]);
    expect(Array.from(F.dropout3d(x, 0).values)).toEqual(Array.from(x.values));
    expect(Array.from(F.dropout3d(x, 1).values).every((e) => e === 0)).toBe(true);
  });
});

describe('bad inputs raise clear errors', () => {
  const x = L.zeros([1, 4, 3, 4, 5]);
  it('conv3d and convTranspose3d', () => {
    expect(() => F.conv3d(L.zeros([4, 3, 4]), L.zeros([2, 4, 1, 1, 1]))).toThrow(/conv3d: x must be \[N,C,D,H,W\] \(or unbatched \[C,D,H,W\]\), got .*\[4,3,4\]/);
    expect(() => F.conv3d(x, L.zeros([2, 4, 3, 3]))).toThrow(/conv3d: weight must be \[O,C\/groups,kD,kH,kW\], got .*\[2,4,3,3\]/);
    expect(() => F.conv3d(x, L.zeros([2, 3, 1, 1, 1]))).toThrow(/conv3d: weight .* with groups=1 expects 3 input channels, but x .* has 4/);
    expect(() => F.conv3d(x, L.zeros([3, 2, 1, 1, 1]), null, { groups: 2 })).toThrow(/conv3d: output channels 3 of weight .* are not divisible by groups=2/);
    expect(() => F.conv3d(x, L.zeros([2, 4, 4, 1, 1]))).toThrow(/conv3d: kernel 4x1x1 \(dilated 4x1x1\) is larger than the padded input 3x4x5/);
    expect(() => F.conv3d(x, L.zeros([2, 4, 2, 1, 1]), null, { dilation: [3, 1, 1] })).toThrow(L.ShapeError);
    expect(() => F.conv3d(x, L.zeros([2, 4, 1, 1, 1]), null, { padding: 'same', stride: [1, 2, 1] })).toThrow(/conv3d: padding='same' needs stride 1, got stride \[1,2,1\]/);
    expect(() => F.conv3d(x, L.zeros([2, 4, 1, 1, 1]), null, { stride: [1, 2] as never })).toThrow(/conv3d: stride must be a positive integer or a triple of them, got \[1,2\]/);
    expect(() => F.conv3d(x, L.zeros([2, 4, 1, 1, 1]), null, { padding: -1 })).toThrow(/conv3d: padding must be a non-negative integer or a triple/);
    expect(() => F.conv3d(x, L.zeros([2, 4, 1, 1, 1]), L.zeros([3]))).toThrow(/conv3d: bias must be \[2\] \(one per output channel\)/);
    expect(() => F.conv3d(x, L.zeros([2, 4, 1, 1, 1], { dtype: 'float64' }))).toThrow(L.DTypeError);
    expect(() => F.conv3d(L.zeros([1, 4, 3, 4, 5], { dtype: 'int32' }), L.zeros([2, 4, 1, 1, 1]))).toThrow(L.DTypeError);
    expect(() => F.conv3d(x, L.zeros([2, 4, 0, 1, 1]))).toThrow(/conv3d: weight .* has an empty kernel/);
    expect(() => F.convTranspose3d(x, L.zeros([3, 2, 2, 2, 2]))).toThrow(/convTranspose3d: weight .* expects 3 input channels, but x .* has 4/);
    expect(() => F.convTranspose3d(x, L.zeros([4, 2, 2, 2, 2]), null, { stride: 2, outputPadding: [0, 2, 0] })).toThrow(/convTranspose3d: outputPadding \[0,2,0\] must be smaller than either stride \[2,2,2\] or dilation \[1,1,1\]/);
    expect(() => F.convTranspose3d(x, L.zeros([4, 2, 1, 1, 1]), null, { padding: 2 })).toThrow(/convTranspose3d: the output would be -1x0x1/);
    expect(() => F.convTranspose3d(x, L.zeros([4, 2, 1, 1, 1]), L.zeros([3]))).toThrow(/convTranspose3d: bias must be \[2\]/);
  });

  it('the 3-D pools', () => {
    expect(() => F.maxPool3d(L.zeros([3, 4, 5]), 2)).toThrow(/maxPool3d: x must be \[N,C,D,H,W\] \(or unbatched \[C,D,H,W\]\)/);
    expect(() => F.maxPool3d(x, [2, 2] as never)).toThrow(/maxPool3d: kernelSize must be a positive integer or a triple of them, got \[2,2\]/);
    expect(() => F.maxPool3d(x, 2, { padding: 2 })).toThrow(/maxPool3d: padding 2x2x2 must be at most half of the kernel size 2x2x2/);
    expect(() => F.maxPool3d(x, [4, 1, 1])).toThrow(/maxPool3d: input .*\[1,4,3,4,5\].* is too small for kernel 4x1x1 .* the output would be 0x4x5/);
    expect(() => F.maxPool3d(x, 2, { returnIndices: 'yes' as never })).toThrow(/maxPool3d: returnIndices must be a boolean/);
    expect(() => F.avgPool3d(x, 2, { divisorOverride: 0 })).toThrow(/avgPool3d: divisorOverride must be a positive integer, got 0/);
    expect(() => F.avgPool3d(x, 2, { stride: 0 })).toThrow(/avgPool3d: stride must be a positive integer or a triple of them, got 0/);
    expect(() => F.adaptiveAvgPool3d(x, [2, 2] as never)).toThrow(/adaptiveAvgPool3d: outputSize must be a positive integer or a triple of them \(null keeps a dim\), got \[2,2\]/);
    expect(() => F.adaptiveMaxPool3d(x, 0)).toThrow(/adaptiveMaxPool3d: outputSize must be a positive integer/);
    expect(() => F.adaptiveAvgPool3d(L.zeros([1, 1, 0, 2, 2]), 1)).toThrow(/adaptiveAvgPool3d: input .* has an empty spatial dim/);
    expect(() => new nn.MaxPool3d(0)).toThrow(/MaxPool3d: kernelSize must be a positive integer or a triple of them, got 0/);
    expect(() => new nn.AvgPool3d(2, { padding: [1, 1] as never })).toThrow(/AvgPool3d: padding must be a non-negative integer or a triple/);
    expect(() => new nn.AvgPool3d(2, { divisorOverride: 1.5 })).toThrow(/AvgPool3d: divisorOverride must be a positive integer, got 1.5/);
    expect(() => new nn.AdaptiveMaxPool3d(2, { returnIndices: 1 as never })).toThrow(/AdaptiveMaxPool3d: returnIndices must be a boolean/);
  });

  it('interpolate and pad on volumes', () => {
    expect(() => F.interpolate(x, { scaleFactor: 2, mode: 'bilinear' })).toThrow(/interpolate: mode 'bilinear' does not apply to 3-D input .* \(use 'nearest' or 'nearest-exact' or 'trilinear' or 'area'\)/);
    expect(() => F.interpolate(L.zeros([1, 1, 4, 4]), { scaleFactor: 2, mode: 'trilinear' })).toThrow(/interpolate: mode 'trilinear' does not apply to 2-D input/);
    expect(() => F.interpolate(L.zeros([1, 1, 2, 2, 2, 2]), { scaleFactor: 2 })).toThrow(/interpolate: x must be \[N, C, L\], \[N, C, H, W\] or \[N, C, D, H, W\]/);
    expect(() => F.interpolate(x, { size: [2, 2], mode: 'trilinear' })).toThrow(/interpolate: size must be a positive integer or a list of 3, got \[2,2\]/);
    expect(() => F.interpolate(x, { scaleFactor: 2, alignCorners: true })).toThrow(/interpolate: alignCorners applies to the linear and cubic modes, not 'nearest'/);
    expect(() => F.pad(x, [1, 1, 1, 1, 3, 3], { mode: 'reflect' })).toThrow(/pad: mode 'reflect' pads dim 2 of size 3 by \(3, 3\); each pad must be < the size/);
    expect(() => new nn.Upsample({ scaleFactor: 2, mode: 'trilinear' }).call(L.zeros([1, 1, 4, 4]))).toThrow(/Upsample: mode 'trilinear' needs 5-D input \(\[N, C, D, H, W\]\), got/);
    expect(() => new nn.Upsample({ scaleFactor: 2, mode: 'trilinear', alignCorners: true }).call(L.zeros([1, 1, 2, 2]))).toThrow(L.ShapeError);
  });

  it('the modules', () => {
    expect(() => new nn.Conv3d(4, 6, 3, { groups: 4 })).toThrow(/Conv3d: outChannels \(6\) must be divisible by groups \(4\)/);
    expect(() => new nn.Conv3d(4, 6, [3, 3] as never)).toThrow(/Conv3d: kernelSize must be a positive integer or a triple of them, got \[3,3\]/);
    expect(() => new nn.Conv3d(4, 6, 3, { padding: 'same', stride: 2 })).toThrow(/Conv3d: padding 'same' needs stride 1, got stride \[2, 2, 2\]/);
    expect(() => new nn.Conv3d(4, 6, 3, { paddingMode: 'mirror' as never })).toThrow(/Conv3d: paddingMode must be 'zeros', 'reflect', 'replicate' or 'circular', got "mirror"/);
    expect(() => new nn.Conv3d(0, 6, 3)).toThrow(/Conv3d: inChannels must be a positive integer, got 0/);
    expect(() => new nn.Conv3d(3, 6, 1).call(x)).toThrow(/Conv3d: x .*\[1,4,3,4,5\].* has 4 channels but inChannels is 3/);
    expect(() => new nn.Conv3d(4, 6, 1).call(L.zeros([4, 3, 4]))).toThrow(/Conv3d: x must be \[N, C, D, H, W\] or \[C, D, H, W\], got/);
    expect(() => new nn.Conv3d(4, 6, 1, { dtype: 'float64' }).call(x)).toThrow(/Conv3d: x is .* but the parameters are float64/);
    expect(() => new nn.ConvTranspose3d(4, 6, 2, { stride: 2, outputPadding: 2 })).toThrow(/ConvTranspose3d: outputPadding \[2, 2, 2\] must be smaller than either stride \[2, 2, 2\] or dilation \[1, 1, 1\]/);
    expect(() => new nn.ConvTranspose3d(4, 6, 2).call(L.zeros([1, 6, 2, 2, 2]))).toThrow(/ConvTranspose3d: x .* has 6 channels but inChannels is 4/);
    expect(() => new nn.BatchNorm3d(4).call(L.zeros([2, 4, 3, 3]))).toThrow(/BatchNorm3d: x must be \[N, C, D, H, W\], got/);
    expect(() => new nn.BatchNorm3d(3).call(x)).toThrow(/BatchNorm3d: x .* has 4 channels \(dim 1\) but numFeatures is 3/);
    expect(() => new nn.InstanceNorm3d(4).call(L.zeros([1, 4, 3]))).toThrow(/InstanceNorm3d: x must be \[N, C, D, H, W\] or unbatched \[C, D, H, W\], got/);
    expect(() => new nn.InstanceNorm3d(4).call(L.zeros([1, 4, 1, 1, 1]))).toThrow(/InstanceNorm3d: expected more than 1 spatial element per channel/);
    expect(() => new nn.Dropout3d(1.5)).toThrow(/Dropout3d: p must be a probability in \[0, 1\], got 1.5/);
    expect(() => F.dropout3d(L.zeros([2, 3, 4]), 0.5)).toThrow(/dropout3d: x must be \[N, C, D, H, W\] or \[C, D, H, W\], got/);
    expect(() => new nn.ZeroPad3d([1, 2, 3, 4] as never)).toThrow(/ZeroPad3d: padding must be an integer >= 0 or a list of 6 \(\[left, right, top, bottom, front, back\]\), got \[1,2,3,4\]/);
    expect(() => new nn.ReflectionPad3d(3).call(x)).toThrow(/ReflectionPad3d: padding \(3, 3\) of dim 2 must be less than its size 3/);
    expect(() => new nn.ReplicationPad3d(1).call(L.zeros([2, 2, 2]))).toThrow(/ReplicationPad3d: x must be \[N, C, D, H, W\] or \[C, D, H, W\], got/);
    expect(() => new nn.ConstantPad3d(1, 0).call(L.zeros([2, 2]))).toThrow(/ConstantPad3d: padding .* pads the last 3 dims, but x is/);
  });
});

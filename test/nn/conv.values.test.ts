import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { closeness, hasNative, onBackend } from '../helpers/backends';

interface Enc { shape: number[]; values: number[] }
interface Case {
  op: string; name: string; opts: Record<string, unknown>; kernel?: number | [number, number];
  inputs: Enc[]; out: Enc; v: Enc; grads: Enc[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/conv_torch.json', import.meta.url), 'utf8')) as { cases: Case[] };

type Fn = (...xs: L.Tensor[]) => L.Tensor;

function opOf(c: Case): Fn {
  const o = c.opts as never;
  const k = c.kernel as never;
  switch (c.op) {
    case 'conv2d': return (x, w, b) => L.conv2d(x, w, b ?? null, o);
    case 'conv1d': return (x, w, b) => L.conv1d(x, w, b ?? null, o);
    case 'convTranspose2d': return (x, w, b) => L.convTranspose2d(x, w, b ?? null, o);
    case 'maxPool2d': return (x) => L.maxPool2d(x, k, o);
    case 'avgPool2d': return (x) => L.avgPool2d(x, k, o);
    case 'adaptiveAvgPool2d': return (x) => L.adaptiveAvgPool2d(x, k);
    case 'maxPool1d': return (x) => L.maxPool1d(x, k, o);
    case 'avgPool1d': return (x) => L.avgPool1d(x, k, o);
    default: throw new Error(`unknown op ${c.op}`);
  }
}

function check(c: Case, dtype: 'float32' | 'float64'): void {
  const inputs = c.inputs.map((e) => L.tensor(Float64Array.from(e.values), { dtype: 'float64' }).reshape(e.shape).to(dtype).requiresGrad_());
  const out = opOf(c)(...inputs);
  const v = L.tensor(Float64Array.from(c.v.values), { dtype: 'float64' }).reshape(c.v.shape).to(dtype);
  const grads = L.grad(out.mul(v).sum(), inputs);
  const tol = dtype === 'float64' ? 1e-10 : 1e-4;
  expect(out.shape, `${c.op} ${c.name} shape`).toEqual(c.out.shape);
  expect(closeness(out.values, c.out.values, tol, tol), `${c.op} ${c.name} out (${dtype})`).toBeLessThanOrEqual(1);
  grads.forEach((g, i) => {
    expect(g!.shape).toEqual(c.grads[i].shape);
    expect(closeness(g!.values, c.grads[i].values, tol, tol), `${c.op} ${c.name} grad ${i} (${dtype})`).toBeLessThanOrEqual(1);
  });
}

describe('conv and pooling values match PyTorch 1.13', () => {
  const backends = hasNative() ? (['native', 'reference'] as const) : (['reference'] as const);
  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${dtype} on the ${backend} backend`, () => onBackend(backend, () => {
        for (const c of fixture.cases) check(c, dtype);
      }));
    }
  }
});

describe('conv and pooling reject bad configurations clearly', () => {
  const x = L.zeros([1, 4, 3, 3]);
  it('conv2d', () => {
    expect(() => L.conv2d(x, L.zeros([2, 4, 5, 5]))).toThrow(L.ShapeError);
    expect(() => L.conv2d(x, L.zeros([2, 4, 5, 5]))).toThrow('conv2d: kernel 5x5 (dilated 5x5) is larger than the padded input 3x3');
    expect(() => L.conv2d(x, L.zeros([2, 4, 2, 2]), null, { dilation: 3 })).toThrow('conv2d: kernel 2x2 (dilated 4x4) is larger than the padded input 3x3');
    expect(() => L.conv2d(x, L.zeros([3, 2, 1, 1]), null, { groups: 2 })).toThrow(/output channels 3 of weight float32\[3,2,1,1\] are not divisible by groups=2/);
    expect(() => L.conv2d(x, L.zeros([2, 1, 1, 1]), null, { groups: 3 })).toThrow(/input channels 4 of x float32\[1,4,3,3\] are not divisible by groups=3/);
    expect(() => L.conv2d(x, L.zeros([2, 3, 1, 1]))).toThrow('conv2d: weight float32[2,3,1,1] with groups=1 expects 3 input channels, but x float32[1,4,3,3] has 4');
    expect(() => L.conv2d(L.zeros([4, 3]), L.zeros([2, 4, 1, 1]))).toThrow(/conv2d: x must be \[N,C,H,W\]/);
    expect(() => L.conv2d(x, L.zeros([2, 4, 1]))).toThrow(/conv2d: weight must be \[O,C\/groups,kH,kW\]/);
    expect(() => L.conv2d(x, L.zeros([2, 4, 1, 1]), null, { padding: -1 })).toThrow(L.ArgumentError);
    expect(() => L.conv2d(x, L.zeros([2, 4, 1, 1]), null, { padding: [1, -2] })).toThrow(/padding must be a non-negative integer/);
    expect(() => L.conv2d(x, L.zeros([2, 4, 1, 1]), null, { stride: 0 })).toThrow(/stride must be a positive integer/);
    expect(() => L.conv2d(x, L.zeros([2, 4, 3, 3]), null, { padding: 'same', stride: 2 })).toThrow(/padding='same' needs stride 1/);
    expect(() => L.conv2d(x, L.zeros([2, 4, 1, 1]), L.zeros([3]))).toThrow('conv2d: bias must be [2] (one per output channel), got float32[3]');
    expect(() => L.conv2d(x, L.zeros([2, 4, 1, 1], { dtype: 'float64' }))).toThrow(L.DTypeError);
    expect(() => L.conv2d(x.to('int32'), L.zeros([2, 4, 1, 1]))).toThrow(L.DTypeError);
  });

  it('conv1d and convTranspose2d', () => {
    expect(() => L.conv1d(L.zeros([1, 2, 3]), L.zeros([1, 2, 5]))).toThrow('conv1d: kernel 5 (dilated 5) is larger than the padded input 3');
    expect(() => L.conv1d(L.zeros([1, 2, 3]), L.zeros([1, 3, 1]))).toThrow('conv1d: weight float32[1,3,1] with groups=1 expects 3 input channels, but x float32[1,2,3] has 2');
    expect(() => L.convTranspose2d(x, L.zeros([3, 2, 3, 3]))).toThrow(/convTranspose2d: weight float32\[3,2,3,3\] expects 3 input channels, but x float32\[1,4,3,3\] has 4/);
    expect(() => L.convTranspose2d(x, L.zeros([4, 2, 3, 3]), null, { outputPadding: 1 })).toThrow(/outputPadding \[1,1\] must be smaller than either stride/);
    expect(() => L.convTranspose2d(x, L.zeros([4, 2, 1, 1]), null, { padding: 2 })).toThrow(/the output would be -1x-1/);
  });

  it('pooling', () => {
    expect(() => L.maxPool2d(x, 4)).toThrow(L.ShapeError);
    expect(() => L.maxPool2d(x, 4)).toThrow(/maxPool2d: input float32\[1,4,3,3\] is too small for kernel 4x4/);
    expect(() => L.maxPool2d(x, 2, { padding: 2 })).toThrow('maxPool2d: padding 2x2 must be at most half of the kernel size 2x2');
    expect(() => L.avgPool2d(x, 0)).toThrow(/kernelSize must be a positive integer/);
    expect(() => L.avgPool2d(x, 2, { divisorOverride: 0 })).toThrow(/divisorOverride must be a positive integer/);
    expect(() => L.maxPool2d(L.zeros([3, 3]), 2)).toThrow(/x must be \[N,C,H,W\] or \[C,H,W\]/);
    expect(() => L.adaptiveAvgPool2d(x, 0)).toThrow(/outputSize must be positive integers/);
    expect(() => L.maxPool1d(L.zeros([1, 2, 3]), 5)).toThrow(/maxPool1d: input float32\[1,2,3\] is too small for kernel 5/);
    expect(() => L.maxPool2d(x.to('int32'), 2)).toThrow(L.DTypeError);
  });
});

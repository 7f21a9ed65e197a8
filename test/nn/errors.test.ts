/** Bad configurations and inputs give errors that name the layer, the argument and the shapes. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';

function throws(fn: () => unknown, cls: new (...a: never[]) => Error, message: RegExp): void {
  let caught: unknown = null;
  try { fn(); } catch (e) { caught = e; }
  expect(caught, `expected ${cls.name} matching ${message}`).toBeInstanceOf(cls);
  expect((caught as Error).message).toMatch(message);
}

describe('nn errors', () => {
  it('constructor arguments', () => {
    throws(() => new nn.Conv2d(6, 8, 3, { groups: 4 }), L.ArgumentError, /Conv2d: inChannels \(6\) must be divisible by groups \(4\)/);
    throws(() => new nn.Conv2d(4, 6, 3, { groups: 4 }), L.ArgumentError, /Conv2d: outChannels \(6\) must be divisible by groups \(4\)/);
    throws(() => new nn.Conv2d(3, 4, 3, { padding: 'same', stride: 2 }), L.ArgumentError, /padding 'same' needs stride 1/);
    throws(() => new nn.Conv2d(3, 4, 0), L.ArgumentError, /kernelSize must be an integer >= 1/);
    throws(() => new nn.Conv1d(3, 4, 3, { groups: 2 }), L.ArgumentError, /Conv1d: inChannels \(3\) must be divisible by groups \(2\)/);
    throws(() => new nn.ConvTranspose2d(4, 4, 3, { stride: 2, outputPadding: 2 }), L.ArgumentError, /outputPadding \[2, 2\] must be smaller than stride or dilation/);
    throws(() => new nn.Linear(0, 3), L.ArgumentError, /Linear: inFeatures must be a positive integer, got 0/);
    throws(() => new nn.Linear(3, 2.5), L.ArgumentError, /outFeatures must be a positive integer, got 2.5/);
    throws(() => new nn.GroupNorm(4, 6), L.ArgumentError, /GroupNorm: numChannels \(6\) must be divisible by numGroups \(4\)/);
    throws(() => new nn.LayerNorm([4, 0]), L.ArgumentError, /LayerNorm: normalizedShape must be a positive size/);
    throws(() => new nn.BatchNorm2d(4, { momentum: 2 }), L.ArgumentError, /momentum must be in \[0, 1\] or null/);
    throws(() => new nn.Embedding(10, 4, { paddingIdx: 10 }), L.ArgumentError, /paddingIdx 10 must be an integer in \[-10, 9\]/);
    throws(() => new nn.Linear(3, 2, { dtype: 'int32' as 'float32' }), L.DTypeError, /Linear: dtype must be float32 or float64, got int32/);
    throws(() => new nn.Softmax(undefined as unknown as number), L.ArgumentError, /Softmax: dim must be an integer/);
  });

  it('input shapes and ranks', () => {
    throws(() => new nn.Linear(4, 2).call(L.randn([3, 5])), L.ShapeError, /Linear: x is float32\[3,5\] but inFeatures is 4/);
    throws(() => new nn.Conv2d(3, 4, 3).call(L.randn([3, 8])), L.ShapeError, /Conv2d: x must be \[N, C, H, W\] or \[C, H, W\], got float32\[3,8\]/);
    throws(() => new nn.Conv2d(3, 4, 3).call(L.randn([2, 5, 8, 8])), L.ShapeError, /Conv2d: x float32\[2,5,8,8\] has 5 channels but inChannels is 3/);
    throws(() => new nn.Conv1d(3, 4, 3).call(L.randn([2, 3, 8, 8])), L.ShapeError, /Conv1d: x must be \[N, C, L\] or \[C, L\]/);
    throws(() => new nn.BatchNorm2d(3).call(L.randn([2, 3, 4])), L.ShapeError, /BatchNorm2d: x must be \[N, C, H, W\], got float32\[2,3,4\]/);
    throws(() => new nn.BatchNorm1d(3).call(L.randn([2, 4])), L.ShapeError, /BatchNorm1d: x float32\[2,4\] has 4 channels \(dim 1\) but numFeatures is 3/);
    throws(() => new nn.LayerNorm([4, 5]).call(L.randn([3, 5, 4])), L.ShapeError, /LayerNorm: x float32\[3,5,4\] does not end with normalizedShape \[4,5\]/);
    throws(() => new nn.GroupNorm(2, 4).call(L.randn([3, 6, 2])), L.ShapeError, /GroupNorm: x float32\[3,6,2\] has 6 channels \(dim 1\) but numChannels is 4/);
    throws(() => new nn.Unflatten(1, [2, 4]).call(L.randn([3, 6])), L.ShapeError, /Unflatten: dim 1 of float32\[3,6\] has size 6/);
    throws(() => new nn.Embedding(5, 2).call(L.tensor([1, 5], { dtype: 'int32' })), L.ArgumentError, /Embedding: index 5 .* out of range for 5 embeddings/);
    throws(() => new nn.Embedding(5, 2).call(L.tensor([1, 2])), L.DTypeError, /Embedding: indices must be int32/);
    throws(() => new nn.Linear(2, 2).call(L.randn([1, 2], { dtype: 'float64' })), L.DTypeError, /Linear: x is float64\[1,2\] but the parameters are float32/);
    throws(() => new nn.Linear(2, 2).call('x' as unknown as L.Tensor), L.ArgumentError, /Linear: x must be a Tensor/);
  });

  it('functional norms check their arguments', () => {
    const F = nn.functional;
    throws(() => F.layerNorm(L.randn([2, 3]), [4]), L.ShapeError, /layerNorm: normalizedShape \[4\] does not match the last 1 dim\(s\) of x float32\[2,3\]/);
    throws(() => F.layerNorm(L.randn([2, 3]), [3], L.ones([4])), L.ShapeError, /layerNorm: weight is float32\[4\] but must be \[3\]/);
    throws(() => F.layerNorm(L.randn([2, 3]), [3], L.ones([3], { dtype: 'float64' })), L.DTypeError, /weight is float64\[3\] but x is float32/);
    throws(() => F.batchNorm(L.randn([4, 3]), null, null), L.ArgumentError, /batchNorm: evaluation \(training: false\) needs runningMean and runningVar/);
    throws(() => F.batchNorm(L.randn([4, 3]), L.zeros([2]), L.ones([2])), L.ShapeError, /runningMean is float32\[2\] but x has 3 channels/);
    throws(() => F.batchNorm(L.randn([4]), null, null, null, null, { training: true }), L.ShapeError, /at least 2-D/);
    throws(() => F.groupNorm(L.randn([2, 6, 3]), 4), L.ArgumentError, /groupNorm: the 6 channels of x float32\[2,6,3\] are not divisible by numGroups=4/);
    throws(() => F.layerNorm(L.randn([2, 3]), [3], null, null, { eps: -1 }), L.ArgumentError, /eps must be a finite number >= 0/);
  });

  it('a failed forward leaves the running statistics untouched', () => {
    const bn = new nn.BatchNorm1d(3);
    expect(() => bn.call(L.randn([4, 5]))).toThrow(L.ShapeError);
    expect(bn.numBatchesTracked!.item()).toBe(0);
    expect(Array.from(bn.runningMean!.values)).toEqual([0, 0, 0]);
  });
});

/**
 * Gradcheck of every layer in float64, with respect to its input and every parameter (the
 * module converted with to('float64'); gradcheck perturbs the parameters in place).
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn } from '../../src/index';

type Build = [string, () => nn.Module, number[]];
const LAYERS: Build[] = [
  ['Linear', () => new nn.Linear(4, 3), [2, 4]],
  ['Linear 3-D input, no bias', () => new nn.Linear(3, 2, { bias: false }), [2, 2, 3]],
  ['Conv1d', () => new nn.Conv1d(2, 3, 3, { padding: 'same', dilation: 2 }), [2, 2, 6]],
  ['Conv2d strided', () => new nn.Conv2d(2, 3, 3, { stride: 2, padding: 1 }), [2, 2, 5, 4]],
  ['Conv2d depthwise', () => new nn.Conv2d(2, 4, [2, 3], { groups: 2, padding: 'same' }), [1, 2, 4, 4]],
  ['ConvTranspose2d', () => new nn.ConvTranspose2d(2, 2, 3, { stride: 2, padding: 1, outputPadding: 1 }), [1, 2, 3, 2]],
  ['MaxPool2d', () => new nn.MaxPool2d(2, { stride: 1 }), [1, 2, 3, 4]],
  ['AvgPool2d', () => new nn.AvgPool2d(3, { stride: 2, padding: 1, countIncludePad: false }), [1, 2, 5, 5]],
  ['AdaptiveAvgPool2d', () => new nn.AdaptiveAvgPool2d([2, 3]), [2, 2, 5, 4]],
  ['ReLU', () => new nn.ReLU(), [3, 4]],
  ['LeakyReLU', () => new nn.LeakyReLU(0.1), [3, 4]],
  ['ELU', () => new nn.ELU(0.7), [3, 4]],
  ['GELU', () => new nn.GELU(), [3, 4]],
  ['GELU tanh', () => new nn.GELU({ approximate: 'tanh' }), [3, 4]],
  ['SiLU', () => new nn.SiLU(), [3, 4]],
  ['Tanh', () => new nn.Tanh(), [3, 4]],
  ['Sigmoid', () => new nn.Sigmoid(), [3, 4]],
  ['Softplus', () => new nn.Softplus({ beta: 1.5 }), [3, 4]],
  ['Softmax', () => new nn.Softmax(1), [3, 4]],
  ['LogSoftmax', () => new nn.LogSoftmax(-1), [3, 4]],
  ['Flatten', () => new nn.Flatten(), [2, 3, 2]],
  ['Unflatten', () => new nn.Unflatten(1, [3, -1]), [2, 6]],
  ['Identity', () => new nn.Identity(), [2, 3]],
  ['Dropout', () => new nn.Dropout(0.4), [4, 5]],
  ['Dropout2d', () => new nn.Dropout2d(0.5), [2, 4, 2, 2]],
  ['StochasticDepth', () => new nn.StochasticDepth(0.5, 'row'), [6, 3]],
  ['BatchNorm1d train', () => new nn.BatchNorm1d(3), [4, 3, 2]],
  ['BatchNorm2d train', () => new nn.BatchNorm2d(2), [3, 2, 2, 2]],
  ['BatchNorm2d eval', () => new nn.BatchNorm2d(2).eval(), [3, 2, 2, 2]],
  ['LayerNorm', () => new nn.LayerNorm([2, 3]), [3, 2, 3]],
  ['LayerNorm without bias', () => new nn.LayerNorm(4, { bias: false }), [3, 4]],
  ['BatchNorm1d momentum null, no affine', () => new nn.BatchNorm1d(2, { momentum: null, affine: false }), [5, 2]],
  ['GroupNorm', () => new nn.GroupNorm(2, 4), [2, 4, 3]],
  ['Sequential MLP', () => new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.LayerNorm(4), new nn.Linear(4, 2)), [3, 3]],
  ['Residual conv block', () => new nn.Residual(new nn.Sequential(new nn.Conv2d(2, 2, 3, { padding: 1 }), new nn.GroupNorm(1, 2), new nn.SiLU())), [1, 2, 3, 3]],
];

describe('layers gradcheck (float64)', () => {
  for (const [name, build, shape] of LAYERS) {
    it(name, () => {
      L.manualSeed(11);
      const m = build().double();
      const x = L.randn(shape, { dtype: 'float64' }).mul(1.5).requiresGrad_();
      const params = m.parameters();
      // Random layers draw the same mask in every evaluation.
      const fn = (input: L.Tensor): L.Tensor => { L.manualSeed(5); return m.call(input); };
      expect(L.gradcheck(fn, [x, ...params])).toBe(true);
    });
  }

  it('Embedding: gradient reaches the looked-up rows, never the padding row', () => {
    L.manualSeed(12);
    const emb = new nn.Embedding(6, 3, { paddingIdx: 2, dtype: 'float64' });
    const idx = L.tensor([[0, 2, 5], [5, 1, 2]], { dtype: 'int32' });
    expect(L.gradcheck(() => emb.call(idx).square(), [emb.weight])).toBe(true);
    emb.call(idx).sum().backward();
    const g = emb.weight.grad!.toArray() as number[][];
    expect(g[2]).toEqual([0, 0, 0]);
    expect(g[5]).toEqual([2, 2, 2]);
    expect(g[3]).toEqual([0, 0, 0]);
    expect(g[0]).toEqual([1, 1, 1]);
  });
});

/** Bad arguments into every loss: clear errors that name the loss, the argument and the shapes or values. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';

const int = (v: number[] | number[][]): L.Tensor => L.tensor(v, { dtype: 'int32' });

describe('loss argument errors', () => {
  const x = L.randn([4, 3]);
  const y = int([0, 2, 1, 1]);

  it('crossEntropy', () => {
    expect(() => L.crossEntropy(x, int([0, 1, 2]))).toThrow(/crossEntropy: class-index target int32\[3\] must be \[4\]/);
    expect(() => L.crossEntropy(x, int([0, 1, 3, 1]))).toThrow(/crossEntropy: target 3 at position 2 is out of range for 3 classes/);
    expect(() => L.crossEntropy(x, int([0, 1, -1, 1]))).toThrow(/target -1/);
    expect(() => L.crossEntropy(x, L.randn([4]))).toThrow(/probability target float32\[4\] must have the input's shape \[4,3\]/);
    expect(() => L.crossEntropy(x, L.randn([4, 3]).gt(0))).toThrow(L.DTypeError);
    expect(() => L.crossEntropy(x.to('int32'), y)).toThrow(/input must be float32 or float64 logits/);
    expect(() => L.crossEntropy(x, y, { weight: L.ones([4]) })).toThrow(/weight float32\[4\] must be \[3\]/);
    expect(() => L.crossEntropy(x, y, { labelSmoothing: 1.5 })).toThrow(/labelSmoothing must be in \[0, 1\], got 1.5/);
    expect(() => L.crossEntropy(x, y, { reduction: 'avg' as 'mean' })).toThrow(/reduction must be 'mean', 'sum' or 'none', got 'avg'/);
    expect(() => L.crossEntropy(x, y, { ignoreIndex: 0.5 })).toThrow(/ignoreIndex must be an integer/);
    expect(() => L.crossEntropy(L.randn([]), y)).toThrow(L.ShapeError);
    expect(() => L.crossEntropy(x, [0, 1] as unknown as L.Tensor)).toThrow(/target must be a Tensor/);
    // all targets ignored: 'mean' is 0/0 = NaN (PyTorch), 'sum' is 0
    expect(L.crossEntropy(x, int([-100, -100, -100, -100])).item()).toBeNaN();
    expect(L.crossEntropy(x, int([-100, -100, -100, -100]), { reduction: 'sum' }).item()).toBe(0);
  });

  it('nllLoss', () => {
    expect(() => L.nllLoss(x, int([0, 5, 1, 1]))).toThrow(/nllLoss: target 5 at position 1 is out of range for 3 classes/);
    expect(() => L.nllLoss(x, x)).toThrow(/nllLoss: target must be int32 class indices/);
    expect(() => L.nllLoss(x, int([[0, 1]]))).toThrow(/target int32\[1,2\] must be \[4\]/);
  });

  it('elementwise losses demand matching shapes and float targets', () => {
    for (const fn of [L.mseLoss, L.l1Loss, L.huberLoss, L.smoothL1Loss, L.bceWithLogits, L.klDiv] as ((a: L.Tensor, b: L.Tensor) => L.Tensor)[]) {
      expect(() => fn(x, L.randn([4, 1]))).toThrow(/target float32\[4,1\] must have the shape of input \[4,3\]/);
      expect(() => fn(x, L.zeros([4, 3], { dtype: 'int32' }))).toThrow(L.DTypeError);
    }
    expect(() => L.huberLoss(x, x, { delta: 0 })).toThrow(/huberLoss: delta must be a positive finite number, got 0/);
    expect(() => L.smoothL1Loss(x, x, { beta: -1 })).toThrow(/smoothL1Loss: beta must be a non-negative/);
    expect(() => L.mseLoss(x, x, { reduction: 'batchmean' as 'mean' })).toThrow(/mseLoss: reduction must be one of 'mean', 'sum', 'none', got 'batchmean'/);
    expect(() => L.klDiv(x, x, { reduction: 'avg' as 'mean' })).toThrow(/'batchmean'/);
  });

  it('binary cross-entropy', () => {
    expect(() => L.bceLoss(L.tensor([0.5, 1.5]), L.tensor([1, 0]))).toThrow(/bceLoss: input holds 1.5 at element 1; probabilities must lie in \[0, 1\]/);
    expect(() => L.bceLoss(L.tensor([0.5, NaN]), L.tensor([1, 0]))).toThrow(/input holds NaN/);
    expect(() => L.bceLoss(L.rand([2, 3]), L.rand([2, 3]), { weight: L.ones([4]) })).toThrow(L.ShapeError);
    expect(() => L.bceWithLogits(x, L.rand([4, 3]), { posWeight: L.ones([2, 4, 3]) })).toThrow(/posWeight float32\[2,4,3\] must broadcast to input \[4,3\] without enlarging it/);
    // probabilities 0 and 1 stay finite (logs clamped at -100, as PyTorch)
    expect(L.bceLoss(L.tensor([0, 1]), L.tensor([1, 0]), { reduction: 'none' }).toArray()).toEqual([100, 100]);
    // logits of ±1000 stay finite
    expect(Array.from(L.bceWithLogits(L.tensor([1000, -1000]), L.tensor([0, 1]), { reduction: 'none' }).values)).toEqual([1000, 1000]);
  });

  it('pair losses', () => {
    const a = L.randn([3, 4]);
    expect(() => L.cosineEmbeddingLoss(a, a, int([1, 0, -1]))).toThrow(/cosineEmbeddingLoss: target holds 0 at element 1; labels must be 1 or -1/);
    expect(() => L.cosineEmbeddingLoss(a, a, int([1, -1]))).toThrow(/target int32\[2\] must be \[3\]/);
    expect(() => L.cosineEmbeddingLoss(a, L.randn([3, 5]), int([1, 1, 1]))).toThrow(/x2 float32\[3,5\] must have the shape of x1 \[3,4\]/);
    expect(() => L.marginRankingLoss(L.randn([3]), L.randn([4]), int([1, 1, 1]))).toThrow(L.ShapeError);
    expect(() => L.marginRankingLoss(L.randn([3]), L.randn([3]), int([1, 1, 1]), { margin: NaN })).toThrow(/margin must be a finite number/);
  });

  it('overlap losses', () => {
    const p = L.softmax(L.randn([2, 3, 4]), 1);
    expect(() => L.softDiceLoss(p, L.rand([2, 4, 3]))).toThrow(/softDiceLoss: target float32\[2,4,3\] must have the input's shape \[2,3,4\]/);
    expect(() => L.softIoULoss(p, int([[0, 1, 2, 3], [0, 0, 0, 0]]))).toThrow(/class index 3 .* out of range for 3 classes/);
    expect(() => L.softDiceLoss(L.rand([5]), L.rand([5]))).toThrow(/input must be \[N, C, \.\.\.\] probabilities/);
    expect(() => L.softDiceLoss(p, p, { smooth: -1 })).toThrow(/smooth must be a non-negative/);
    // a perfect prediction has zero loss; int32 class indices equal their one-hot form
    const labels = int([[0, 1, 2, 1], [2, 2, 0, 1]]);
    const onehot = L.tensor([[[1, 0, 0, 0], [0, 1, 0, 1], [0, 0, 1, 0]], [[0, 0, 1, 0], [0, 0, 0, 1], [1, 1, 0, 0]]]);
    expect(L.softDiceLoss(onehot, labels, { smooth: 0 }).item()).toBe(0);
    expect(L.softIoULoss(p, labels).item()).toBeCloseTo(L.softIoULoss(p, onehot).item(), 6);
  });
});

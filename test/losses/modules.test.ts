/** Loss modules: the same numbers as the functional losses; weights as buffers. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';

const { losses } = L;

describe('loss modules', () => {
  L.manualSeed(0);
  const x = L.randn([5, 4]);
  const y = L.tensor([0, 3, 1, -100, 2], { dtype: 'int32' });
  const w = L.tensor([1, 2, 0.5, 1.5]);

  it('CrossEntropyLoss matches crossEntropy and keeps its weight as a buffer', () => {
    const m = new losses.CrossEntropyLoss({ weight: w, labelSmoothing: 0.1 });
    expect(m.call(x, y).item()).toBe(L.crossEntropy(x, y, { weight: w, labelSmoothing: 0.1 }).item());
    expect(Object.keys(m.stateDict())).toEqual(['weight']);
    expect(m.parameters()).toEqual([]);
    expect(m.toString()).toContain('labelSmoothing=0.1');
    m.double();
    expect(m.getBuffer('weight')!.dtype).toBe('float64');
    expect(m.call(x.to('float64'), y).dtype).toBe('float64');
    expect(Object.keys(new losses.CrossEntropyLoss().stateDict())).toEqual([]);
  });

  it('the other modules match their functions', () => {
    const t = L.rand([5, 4]);
    const p = L.sigmoid(x);
    const pairs: [L.Tensor, L.Tensor][] = [
      [new losses.MSELoss({ reduction: 'sum' }).call(x, t), L.mseLoss(x, t, { reduction: 'sum' })],
      [new losses.L1Loss().call(x, t), L.l1Loss(x, t)],
      [new losses.HuberLoss({ delta: 0.5 }).call(x, t), L.huberLoss(x, t, { delta: 0.5 })],
      [new losses.SmoothL1Loss({ beta: 0.3 }).call(x, t), L.smoothL1Loss(x, t, { beta: 0.3 })],
      [new losses.BCELoss({ weight: w }).call(p, t), L.bceLoss(p, t, { weight: w })],
      [new losses.BCEWithLogitsLoss({ posWeight: w }).call(x, t), L.bceWithLogits(x, t, { posWeight: w })],
      [new losses.NLLLoss({ ignoreIndex: 1 }).call(L.logSoftmax(x, 1), L.tensor([0, 3, 1, 1, 2], { dtype: 'int32' })), L.nllLoss(L.logSoftmax(x, 1), L.tensor([0, 3, 1, 1, 2], { dtype: 'int32' }), { ignoreIndex: 1 })],
      [new losses.KLDivLoss({ reduction: 'batchmean' }).call(L.logSoftmax(x, 1), L.softmax(t, 1)), L.klDiv(L.logSoftmax(x, 1), L.softmax(t, 1), { reduction: 'batchmean' })],
      [new losses.SoftDiceLoss().call(L.softmax(x, 1), L.softmax(t, 1)), L.softDiceLoss(L.softmax(x, 1), L.softmax(t, 1))],
      [new losses.SoftIoULoss({ perSample: true, reduction: 'none' }).call(L.softmax(x, 1), L.softmax(t, 1)), L.softIoULoss(L.softmax(x, 1), L.softmax(t, 1), { perSample: true, reduction: 'none' })],
      [new losses.CosineEmbeddingLoss({ margin: 0.1 }).call(x, t, L.tensor([1, -1, 1, 1, -1])), L.cosineEmbeddingLoss(x, t, L.tensor([1, -1, 1, 1, -1]), { margin: 0.1 })],
      [new losses.MarginRankingLoss({ margin: 0.1 }).call(x, t, L.ones([5, 4])), L.marginRankingLoss(x, t, L.ones([5, 4]), { margin: 0.1 })],
    ];
    for (const [a, b] of pairs) expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(Object.keys(new losses.BCEWithLogitsLoss({ posWeight: w }).stateDict())).toEqual(['pos_weight']);
  });

  it('CTCLoss matches ctcLoss and gradients flow through a module call', () => {
    const logits = L.randn([6, 2, 3], { requiresGrad: true });
    const lp = L.logSoftmax(logits, 2);
    const targets = L.tensor([[1, 2], [2, 0]], { dtype: 'int32' });
    const m = new losses.CTCLoss({ blank: 0, zeroInfinity: true });
    const loss = m.call(lp, targets, [6, 4], [2, 1]);
    expect(loss.item()).toBe(L.ctcLoss(lp, targets, [6, 4], [2, 1], { zeroInfinity: true }).item());
    loss.backward();
    expect(logits.grad!.shape).toEqual([6, 2, 3]);
  });
});

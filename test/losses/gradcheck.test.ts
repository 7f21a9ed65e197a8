/** Finite-difference checks of every loss in float64, first order; second order where the backward is written with ops. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { hasNative, onBackend } from '../helpers/backends';

const f64 = { dtype: 'float64' as const };
const leaf = (t: L.Tensor): L.Tensor => t.detach().requiresGrad_(true);
const int = (v: L.NestedArray): L.Tensor => L.tensor(v, { dtype: 'int32' });

function inputs(seed: number) {
  L.manualSeed(seed);
  return {
    logits: leaf(L.randn([4, 5], f64).mul(2)),
    spatial: leaf(L.randn([2, 3, 2, 2], f64)),
    probs: leaf(L.softmax(L.randn([4, 5], f64), 1)),
    a: leaf(L.randn([3, 4], f64)),
    b: leaf(L.randn([3, 4], f64)),
    unit: leaf(L.rand([3, 4], f64).mul(0.8).add(0.1)),
    target01: leaf(L.rand([3, 4], f64)),
    weight: L.rand([5], f64).add(0.5),
  };
}

const backends = hasNative() ? (['reference', 'native'] as const) : (['reference'] as const);

describe('loss gradcheck (float64)', () => {
  for (const backend of backends) {
    describe(backend, () => {
      const y = int([1, 4, -100, 0]);
      const ys = int([[[0, 2], [1, 1]], [[2, 0], [-100, 1]]]);

      it('crossEntropy: class indices with weight, ignoreIndex and smoothing, every reduction', () => onBackend(backend, () => {
        const { logits, weight } = inputs(1);
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          expect(L.gradcheck((x) => L.crossEntropy(x, y, { weight, labelSmoothing: 0.2, reduction }), [logits])).toBe(true);
        }
      }));

      it('crossEntropy: spatial and probability targets (input and target gradients)', () => onBackend(backend, () => {
        const { logits, spatial, probs, weight } = inputs(2);
        expect(L.gradcheck((x) => L.crossEntropy(x, ys, { labelSmoothing: 0.1 }), [spatial])).toBe(true);
        expect(L.gradcheck((x, t) => L.crossEntropy(x, t, { weight, labelSmoothing: 0.3 }), [logits, probs])).toBe(true);
      }));

      it('crossEntropy: second order through the composite backward', () => onBackend(backend, () => {
        const { logits, probs, weight } = inputs(3);
        expect(L.gradgradcheck((x) => L.crossEntropy(x, y, { weight, labelSmoothing: 0.2 }), [logits])).toBe(true);
        expect(L.gradgradcheck((x) => L.crossEntropy(x, y, { reduction: 'none' }), [logits])).toBe(true);
        expect(L.gradgradcheck((x, t) => L.crossEntropy(x, t), [logits, probs])).toBe(true);
      }));

      it('nllLoss (first and second order)', () => onBackend(backend, () => {
        const { logits, weight } = inputs(4);
        expect(L.gradcheck((x) => L.nllLoss(L.logSoftmax(x, 1), y, { weight }), [logits])).toBe(true);
        expect(L.gradgradcheck((x) => L.nllLoss(L.logSoftmax(x, 1), y, { weight, reduction: 'sum' }), [logits])).toBe(true);
      }));

      it('regression losses', () => onBackend(backend, () => {
        const { a, b } = inputs(5);
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          expect(L.gradcheck((x, t) => L.mseLoss(x, t, { reduction }), [a, b])).toBe(true);
          expect(L.gradcheck((x, t) => L.l1Loss(x, t, { reduction }), [a, b])).toBe(true);
          expect(L.gradcheck((x, t) => L.huberLoss(x, t, { delta: 0.6, reduction }), [a, b])).toBe(true);
          expect(L.gradcheck((x, t) => L.smoothL1Loss(x, t, { beta: 0.4, reduction }), [a, b])).toBe(true);
        }
        expect(L.gradgradcheck((x, t) => L.huberLoss(x, t, { delta: 0.6 }), [a, b])).toBe(true);
      }));

      it('bceLoss and bceWithLogits (first and second order)', () => onBackend(backend, () => {
        const { a, unit, target01 } = inputs(6);
        const w = L.rand([4], f64).add(0.5);
        const pw = L.tensor([0.5, 1, 2, 3], f64);
        expect(L.gradcheck((x, t) => L.bceLoss(x, t, { weight: w }), [unit, target01])).toBe(true);
        expect(L.gradcheck((x, t) => L.bceWithLogits(x, t, { weight: w, posWeight: pw, reduction: 'sum' }), [a, target01])).toBe(true);
        expect(L.gradgradcheck((x) => L.bceLoss(x, target01.detach()), [unit])).toBe(true);
        expect(L.gradgradcheck((x, t) => L.bceWithLogits(x, t, { posWeight: pw }), [a, target01])).toBe(true);
      }));

      it('klDiv, both target forms', () => onBackend(backend, () => {
        const { logits, probs } = inputs(7);
        const lp = L.logSoftmax(logits, 1);
        expect(L.gradcheck((x, t) => L.klDiv(L.logSoftmax(x, 1), t, { reduction: 'batchmean' }), [logits, probs])).toBe(true);
        expect(L.gradcheck((x, t) => L.klDiv(L.logSoftmax(x, 1), t, { logTarget: true, reduction: 'none' }), [logits, leaf(lp)])).toBe(true);
      }));

      it('cosineEmbeddingLoss and marginRankingLoss', () => onBackend(backend, () => {
        const { a, b } = inputs(8);
        const yy = int([1, -1, -1]);
        expect(L.gradcheck((p, q) => L.cosineEmbeddingLoss(p, q, yy, { margin: -0.5 }), [a, b])).toBe(true);
        const r = L.tensor([1, -1, 1, -1], f64);
        expect(L.gradcheck((p, q) => L.marginRankingLoss(p, q, r, { margin: 0.1, reduction: 'sum' }), [leaf(a.reshape([12]).narrow(0, 0, 4)), leaf(b.reshape([12]).narrow(0, 0, 4))])).toBe(true);
      }));

      it('softDiceLoss and softIoULoss', () => onBackend(backend, () => {
        const { spatial } = inputs(9);
        const p = leaf(L.softmax(spatial, 1));
        const t = leaf(L.softmax(L.randn([2, 3, 2, 2], f64), 1));
        for (const perSample of [false, true]) {
          expect(L.gradcheck((x, q) => L.softDiceLoss(x, q, { perSample, reduction: 'none' }), [p, t])).toBe(true);
          expect(L.gradcheck((x, q) => L.softIoULoss(x, q, { perSample, smooth: 0.5 }), [p, t])).toBe(true);
        }
        expect(L.gradgradcheck((x) => L.softDiceLoss(x, t.detach()), [p])).toBe(true);
      }));

      it('ctcLoss w.r.t. free log-probabilities and through logSoftmax', () => onBackend(backend, () => {
        L.manualSeed(10);
        const lp = leaf(L.randn([6, 3, 4], f64));
        const targets = int([[1, 2, 2], [3, 0, 0], [1, 3, 1]]);
        for (const reduction of ['mean', 'sum', 'none'] as const) {
          expect(L.gradcheck((x) => L.ctcLoss(x, targets, [6, 4, 5], [3, 1, 3], { reduction }), [lp])).toBe(true);
        }
        expect(L.gradcheck((x) => L.ctcLoss(L.logSoftmax(x, 2), L.tensor([2, 2, 1, 0], { dtype: 'int32' }), [6, 5, 3], [2, 1, 1], { blank: 3 }), [lp])).toBe(true);
      }));
    });
  }
});

/**
 * CtcBlankMonitor (blank rate, greedy output length, the stall warning) on
 * hand-made log-probabilities and on a stalled training run; nn.CtcHead's
 * blank-bias option.
 */
import { describe, expect, it } from 'vitest';
import { ctcLoss, logSoftmax, manualSeed, nn, optim, randn, tensor, tidy, train } from '../../src/index';

/** log-probabilities [T, N, C] whose argmax per frame is `best[t][n]`. */
function framesWithArgmax(best: number[][], classes: number): ReturnType<typeof tensor> {
  const T = best.length, N = best[0].length;
  const v = new Float32Array(T * N * classes).fill(-5);
  best.forEach((row, t) => row.forEach((c, n) => { v[(t * N + n) * classes + c] = -0.1; }));
  return tensor(v).reshape([T, N, classes]);
}

describe('CtcBlankMonitor', () => {
  it('measures the blank rate over valid frames and the greedy output length', () => {
    const m = new train.CtcBlankMonitor();
    // Sequence 0: 0 1 1 0 2 (decodes to [1, 2]); sequence 1: 0 0 3 | padding 2 2 (length 3, decodes to [3]).
    const lp = framesWithArgmax([[0, 0], [1, 0], [1, 3], [0, 2], [2, 2]], 4);
    const r = m.update(lp, [5, 3]);
    expect(r.blankRate).toBeCloseTo(4 / 8, 12);
    expect(r.meanOutputLength).toBeCloseTo(1.5, 12);
    expect(r.step).toBe(0);
  });

  it('warns once after `patience` consecutive blank-only updates, and a non-blank update resets the count', () => {
    const seen: string[] = [];
    const m = new train.CtcBlankMonitor({ patience: 3, onWarning: (w) => seen.push(w) });
    const blanks = framesWithArgmax([[0, 0], [0, 0]], 3), labels = framesWithArgmax([[0, 1], [2, 0]], 3);
    m.update(blanks); m.update(blanks);
    m.update(labels);
    expect(m.stalledFor).toBe(0);
    m.update(blanks); m.update(blanks);
    expect(m.warnings).toEqual([]);
    m.update(blanks, undefined, { step: 42 });
    expect(m.stalled).toBe(true);
    expect(seen.length).toBe(1);
    expect(seen[0]).toMatch(/^step 42: .*only blanks for 3 updates/);
    m.update(blanks);
    expect(seen.length).toBe(1);
  });

  it('fires on a stalled training run: a model whose blank logit starts far ahead', () => {
    manualSeed(0);
    // Inputs carry no signal (zeros) and the blank bias is +8: the model emits only blanks and cannot escape.
    const head = new nn.CtcHead(4, 5, { blankBias: 8 });
    const optimizer = new optim.SGD(head.parameters(), { lr: 1e-3 });
    const m = new train.CtcBlankMonitor({ patience: 20 });
    const targets = tensor(Int32Array.from([1, 2, 3, 4, 1, 2]), { dtype: 'int32' }).reshape([2, 3]);
    for (let step = 0; step < 25; step++) {
      tidy(() => {
        optimizer.zeroGrad();
        const logProbs = head.call(randn([12, 2, 4]).mul(0.01));
        const loss = ctcLoss(logProbs, targets, [12, 12], [3, 3]);
        m.update(logProbs, [12, 12], { step, loss: loss.item() });
        loss.backward();
        optimizer.step();
      });
    }
    expect(m.records.every((r) => r.blankRate === 1 && r.meanOutputLength === 0)).toBe(true);
    expect(m.warnings.length).toBe(1);
    expect(m.warnings[0]).toMatch(/step 19:/);
  });

  it('rejects bad options and inputs', () => {
    expect(() => new train.CtcBlankMonitor({ patience: 0 })).toThrow(/patience/);
    expect(() => new train.CtcBlankMonitor({ threshold: 0 })).toThrow(/threshold/);
    expect(() => new train.CtcBlankMonitor().update(tensor([1, 2]))).toThrow(/\[T, N, C\]/);
  });
});

describe('nn.CtcHead', () => {
  it('returns log-probabilities and sets the blank bias', () => {
    manualSeed(1);
    const head = new nn.CtcHead(3, 4, { blank: 2, blankBias: 3 });
    expect(head.bias!.values[2]).toBe(3);
    const x = randn([5, 2, 3]);
    const lp = head.call(x);
    expect(lp.shape).toEqual([5, 2, 4]);
    const expected = logSoftmax(x.matmul(head.weight.t()).add(head.bias!), 2);
    Array.from(lp.values).forEach((v, i) => expect(v).toBeCloseTo(expected.values[i], 5));
    for (let r = 0; r < 10; r++) {
      let s = 0;
      for (let c = 0; c < 4; c++) s += Math.exp(lp.values[r * 4 + c]);
      expect(s).toBeCloseTo(1, 5);
    }
    expect(Object.keys(head.stateDict())).toEqual(['weight', 'bias']);
    expect(() => new nn.CtcHead(3, 4, { blank: 4 })).toThrow(/blank must be a class index/);
    expect(() => new nn.CtcHead(3, 4, { blankBias: NaN })).toThrow(/blankBias/);
  });
});

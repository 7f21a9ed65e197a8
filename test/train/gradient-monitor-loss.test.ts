// GradientMonitor watches the loss every step: a run whose loss diverges is flagged
// even when the sampled weight-gradient norms look tame (normalisation hides them).
import { describe, expect, it } from 'vitest';
import { GradientMonitor } from '../../src/train/callbacks/gradient-monitor';
import type { StepLogs, TrainContext } from '../../src/train/types';

const step = (i: number, loss: number, extra: Partial<StepLogs> = {}): StepLogs => ({ epoch: 0, batch: i, step: i, loss, lr: 0.1, samples: 8, samplesPerSecond: 1, ...extra });
const ctx = {} as TrainContext;

describe('GradientMonitor loss checks', () => {
  it('flags a loss far above the first one, once, and the summary says so', () => {
    const m = new GradientMonitor({ every: 1000 });
    [2.3, 2.1, 5, 30, 3e27, 1e30].forEach((l, i) => m.onBatchEnd(ctx, step(i, l)));
    expect(m.warnings).toEqual(['step 3: the training loss 3.00e+1 is over 10x the first loss 2.30e+0 (exploding): lower the learning rate or clip gradients (clipGradNorm)']);
    expect(m.summary()).toMatch(/no steps sampled\nwarnings \(1\):\n {2}step 3: the training loss/);
  });

  it('flags a non-finite loss (a skipped step) and stays quiet on a healthy run', () => {
    const bad = new GradientMonitor({ lossBlowup: 100 });
    bad.onBatchEnd(ctx, step(0, 2.3));
    bad.onBatchEnd(ctx, step(1, NaN, { nonFinite: 'skipped' }));
    expect(bad.warnings).toEqual(['step 1: the training loss is NaN (step skipped) (exploding or non-finite)']);
    const good = new GradientMonitor();
    [2.3, 1.9, 1.2, 0.8, 0.7].forEach((l, i) => good.onBatchEnd(ctx, step(i, l)));
    expect(good.warnings).toEqual([]);
  });
});

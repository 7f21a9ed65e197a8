/**
 * The weight-averaging example (examples/swa-fashion-mnist.ts), shortened to 1,024 training images
 * and 4 epochs (EMA decay 0.9 for 32 steps): both runs train, the SWA run's average is made of the expected number of models,
 * updateBn moves the average's test NLL, and every model is far above chance.
 */
import { describe, expect, it } from 'vitest';
import { runSwaExample } from '../../examples/swa-fashion-mnist';

describe('SWA example', () => {
  it('trains the plain and the averaged run and scores all five models', () => {
    const r = runSwaExample({ epochs: 4, seed: 0, trainSamples: 1024, avgEvery: 4, emaDecay: 0.9 });
    // 8 steps per epoch; averaging from epoch 3: steps 16..31, every 4th.
    expect(r.swaModels).toBe(4);
    for (const s of [r.sgd, r.swaLastIterate, r.swaNoBnUpdate, r.swa, r.ema]) {
      expect(s.accuracy).toBeGreaterThan(0.5);
      expect(Number.isFinite(s.nll)).toBe(true);
    }
    expect(r.swa.nll).not.toBe(r.swaNoBnUpdate.nll);
  }, 120_000);
});

/**
 * The VAE example (examples/vae-fashion-mnist.ts), shortened to 2,048 training images, 2 epochs and
 * 1,000 test images: the test ELBO rises far above its value at initialisation (784 log 2 nats, a
 * decoder that says 1/2 for every pixel), the KL term is positive, the importance-weighted bound is
 * at least the ELBO, and a second run with the same seed gives the same figures.
 */
import { describe, expect, it } from 'vitest';
import { runVaeExample } from '../../examples/vae-fashion-mnist';

describe('VAE example', () => {
  it('trains: the ELBO improves, KL > 0, IWAE >= ELBO, reproducible by seed', () => {
    const opts = { epochs: 2, seed: 0, trainSamples: 2048, testSamples: 1000, importanceSamples: 8 };
    const r = runVaeExample(opts);
    const before = r.history[0], after = r.final;
    expect(r.history.length).toBe(3);
    expect(before.elbo).toBeLessThan(-500);
    expect(after.elbo).toBeGreaterThan(before.elbo + 150);
    expect(after.kl).toBeGreaterThan(1);
    expect(after.elbo).toBeCloseTo(after.reconstruction - after.kl, 6);
    expect(after.iwae).toBeGreaterThanOrEqual(after.elbo - 1);
    expect(Number.isNaN(before.iwae)).toBe(true);
    expect(r.trainLoss[1]).toBeLessThan(r.trainLoss[0]);
    const again = runVaeExample(opts);
    expect(again.final).toEqual(after);
  }, 120_000);
});

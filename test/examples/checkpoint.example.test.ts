/**
 * The activation-checkpointing example (examples/checkpoint-deep-mlp.ts), shortened to 1,024
 * training images, 1,024 test images, 8 residual blocks and one epoch: the plain and the
 * checkpointed run give the same losses and test scores exactly, the checkpointed one holds far
 * less activation memory between forward and backward, and both learn (well above chance).
 */
import { describe, expect, it } from 'vitest';
import { runCheckpointExample } from '../../examples/checkpoint-deep-mlp';

describe('checkpoint example', () => {
  it('trains the plain and the checkpointed model to the same numbers with less held memory', async () => {
    const r = await runCheckpointExample({ epochs: 1, blocks: 8, segments: 4, trainSamples: 1024, testSamples: 1024, seed: 0 });
    expect(r.checkpointed.losses).toEqual(r.plain.losses);
    expect(r.checkpointed.testLoss).toBe(r.plain.testLoss);
    expect(r.checkpointed.testAccuracy).toBe(r.plain.testAccuracy);
    expect(r.plain.testAccuracy).toBeGreaterThan(0.3);
    expect(r.checkpointed.heldBytes).toBeLessThan(0.5 * r.plain.heldBytes);
  }, 120_000);
});

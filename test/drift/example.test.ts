/**
 * The drift-stream example (examples/drift-stream.ts), shortened: a CNN trained on
 * 1,500 Fashion-MNIST images serves a 1,600-sample stream (rotation ramp, label
 * swap, recovery). The frozen model must lose accuracy on the swap; the detectors
 * must see it and the adapted model must do better there than the frozen one.
 */
import { describe, expect, it } from 'vitest';
import { runDriftStream } from '../../examples/drift-stream';

describe('drift-stream example (short)', () => {
  it('detects the drift and adaptation beats the frozen model on the swap', async () => {
    const opts = { trainSamples: 1500, epochs: 1, segment: 400, detectors: ['ADWIN', 'HDDM_A'] as const, retrainAfter: 200, out: null, log: () => {} };
    const r = await runDriftStream({ ...opts, detectors: [...opts.detectors] });
    expect(r.rows.map((x) => x.detector)).toEqual(['ADWIN', 'HDDM_A']);
    // Swapping two classes at 30° costs the frozen model accuracy compared with the stationary start.
    expect(r.segmentAccuracy[2]).toBeLessThan(r.segmentAccuracy[0] - 0.1);
    for (const row of r.rows) {
      expect(row.delays.swap === null || row.delays.swap! <= 400).toBe(true);
      expect(row.drifts).toBeGreaterThan(0);
    }
    expect(Math.max(...r.rows.map((x) => x.adaptedSwapAccuracy))).toBeGreaterThan(r.frozenSwapAccuracy);
    expect(r.shiftTests).toHaveLength(2);
  }, 120_000);
});

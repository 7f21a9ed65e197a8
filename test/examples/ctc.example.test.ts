/**
 * The CTC transcription example (examples/ctc-sequences.ts), shortened: a small
 * bidirectional LSTM trained for a few hundred steps must cut the held-out character
 * error rate well below the untrained model's; plus the task generator and the CER.
 */
import { describe, expect, it } from 'vitest';
import { CtcTask, characterErrorRate, editDistance, runCtcExample } from '../../examples/ctc-sequences';

describe('CTC sequence example', () => {
  it('edit distance and CER', () => {
    expect(editDistance([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(editDistance([1, 3], [1, 2, 3])).toBe(1);
    expect(editDistance([], [4, 4])).toBe(2);
    expect(editDistance([2, 1, 3, 5], [1, 2, 3])).toBe(3);  // no transpositions: 2 substitutions + 1 deletion
    expect(characterErrorRate([[1, 2], [5]], [[1, 2, 3], [5]])).toBeCloseTo(1 / 4, 12);
  });

  it('the task is seeded and well formed: repeats are separated, lengths as asked', () => {
    const a = new CtcTask(7), b = new CtcTask(7);
    for (let i = 0; i < 50; i++) {
      const s = a.sample(), t = b.sample();
      expect(t.labels).toEqual(s.labels);
      expect(Array.from(t.frames)).toEqual(Array.from(s.frames));
      expect(s.labels.length).toBeGreaterThanOrEqual(3);
      expect(s.labels.length).toBeLessThanOrEqual(6);
      expect(s.labels.every((l) => l >= 1 && l <= 8)).toBe(true);
      expect(s.length).toBeGreaterThanOrEqual(2 * s.labels.length);
      expect(s.frames.length).toBe(s.length * a.features);
    }
    // Without noise, the loudest channel per frame (0 for a silent gap), runs collapsed and gaps
    // dropped, reads back the labels: equal neighbours always have a gap between them.
    const clean = new CtcTask(3, { noise: 0 });
    for (let i = 0; i < 50; i++) {
      const s = clean.sample();
      const read: number[] = [];
      let prev = -1;
      for (let t = 0; t < s.length; t++) {
        const row = Array.from(s.frames.subarray(t * 8, t * 8 + 8));
        const peak = Math.max(...row);
        const label = peak > 0 ? row.indexOf(peak) + 1 : 0;
        if (label !== prev && label !== 0) read.push(label);
        prev = label;
      }
      expect(read).toEqual(s.labels);
    }
    const batch = a.batch([a.sample(), a.sample(), a.sample()]);
    expect(batch.x.shape[1]).toBe(3);
    expect(batch.x.shape[0]).toBe(Math.max(...batch.inputLengths));
    expect(batch.targets.shape[0]).toBe(3);
  });

  it('a short training run cuts the held-out CER well below the untrained model\'s', () => {
    const r = runCtcExample({ steps: 150, seed: 1, hidden: 16, batchSize: 16, trainSize: 800, testSize: 80, lr: 0.02 });
    expect(r.untrainedCer).toBeGreaterThan(0.6);
    expect(r.greedyCer).toBeLessThan(0.3 * r.untrainedCer);
    expect(r.greedyCer).toBeLessThan(0.25);
    expect(r.beamCer).toBeLessThan(0.25);
    expect(Number.isFinite(r.finalLoss)).toBe(true);
  }, 60_000);
});

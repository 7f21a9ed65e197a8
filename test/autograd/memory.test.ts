/**
 * Memory: a training-like loop under tidy() holds a flat count of live tensors
 * (memory() counts tensors not yet disposed or collected, so every step must
 * dispose what it made; leaf gradients are kept and reused).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import type { Tensor } from '../../src/index';

beforeEach(() => L.manualSeed(2024));

type ZeroGrad = 'dispose' | 'zero_' | 'none';

/** Runs `steps` SGD steps of x@W + b -> relu -> mean; returns memory() after steps 100 and `steps`. */
function trainLoop(steps: number, zeroGrad: ZeroGrad): { at100: ReturnType<typeof L.memory>; atEnd: ReturnType<typeof L.memory>; w: Tensor; b: Tensor; losses: number[] } {
  const w = L.randn([16, 8], { requiresGrad: true });
  const b = L.zeros([8], { requiresGrad: true });
  const params = [w, b];
  const lr = 0.05;
  let at100 = L.memory();
  const losses: number[] = [];
  for (let step = 1; step <= steps; step++) {
    L.tidy(() => {
      const x = L.randn([32, 16]);
      const loss = x.matmul(w).add(b).relu().mean();
      loss.backward();
      L.noGrad(() => {
        for (const p of params) p.sub_(p.grad!.mul(lr));
      });
      if (step % 100 === 0) losses.push(loss.item());
      for (const p of params) {
        if (zeroGrad === 'dispose') { p.grad!.dispose(); p.grad = null; }
        else if (zeroGrad === 'zero_') p.grad!.zero_();
      }
    });
    if (step === 100) at100 = L.memory();
  }
  return { at100, atEnd: L.memory(), w, b, losses };
}

describe('memory in a training loop', () => {
  it('flat tensor, storage and byte counts from step 100 to step 1000 (grads disposed and set to null)', () => {
    const before = L.memory().numTensors;
    const { at100, atEnd, losses } = trainLoop(1000, 'dispose');
    expect(atEnd.numTensors).toBe(at100.numTensors);
    expect(atEnd.numStorages).toBe(at100.numStorages);
    expect(atEnd.numBytes).toBe(at100.numBytes);
    // Only the two parameters outlive the loop.
    expect(atEnd.numTensors - before).toBe(2);
    // It did train: relu(xW + b) is pushed down.
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
  });

  it('flat counts when gradients are zeroed in place (the same .grad tensor every step)', () => {
    const before = L.memory().numTensors;
    const { at100, atEnd, w, b } = trainLoop(1000, 'zero_');
    expect(atEnd.numTensors).toBe(at100.numTensors);
    expect(atEnd.numBytes).toBe(at100.numBytes);
    // The parameters and their two gradients.
    expect(atEnd.numTensors - before).toBe(4);
    expect(w.grad!.isDisposed).toBe(false);
    expect(b.grad!.shape).toEqual([8]);
  });

  it('gradients accumulate across steps when not zeroed, still without growth', () => {
    const { at100, atEnd } = trainLoop(300, 'none');
    expect(atEnd.numTensors).toBe(at100.numTensors);
  });

  it('tidy disposes the graph’s tensors but keeps leaf gradients; backward inside tidy works', () => {
    const w = L.randn([4, 3], { requiresGrad: true });
    const before = L.memory().numTensors;
    const loss = L.tidy(() => {
      const l = L.randn([2, 4]).matmul(w).tanh().sum();
      l.backward();
      return l;
    });
    // The returned loss and w.grad survive; every intermediate is disposed.
    expect(L.memory().numTensors - before).toBe(2);
    expect(w.grad!.isDisposed).toBe(false);
    expect(loss.isDisposed).toBe(false);
    expect(loss.gradFn!.released).toBe(true);
  });

  it('grad() results returned from tidy survive it; the rest is disposed', () => {
    const x = L.randn([5], { requiresGrad: true });
    const before = L.memory().numTensors;
    const [g] = L.tidy(() => L.grad(x.exp().mul(x).sum(), [x]));
    expect(g!.isDisposed).toBe(false);
    expect(L.memory().numTensors - before).toBe(1);
  });
});

/**
 * fit({ nonFinite }) and lrFinder leave no trace of what they undo: a skipped
 * step restores BatchNorm's running statistics (they used to turn NaN while fit
 * reported one clean skip), a rollback restores them with the weights, the
 * rollback's lr halving survives the restore of the optimizer state, and
 * rollbacks that never recover stop with a clear error.
 */
import { describe, expect, it } from 'vitest';
import { lrFinder, manualSeed, mseLoss, randn, tensor, type Tensor } from '../../src/index';
import * as nn from '../../src/nn/index';
import { SGD } from '../../src/optim/sgd';
import { fit, NonFiniteError } from '../../src/train/fit';

type Pair = [Tensor, Tensor];

function batches(count: number, poisoned: number[] = []): Pair[] {
  manualSeed(7);
  return Array.from({ length: count }, (_, i) => {
    const x = randn([8, 4]);
    // An Inf input: BatchNorm's batch mean turns Inf, the loss NaN.
    if (poisoned.includes(i)) (x.values as Float32Array)[5] = Infinity;
    return [x, randn([8, 1])] as Pair;
  });
}

function bnModel(): nn.Sequential {
  manualSeed(3);
  return new nn.Sequential(new nn.Linear(4, 6), new nn.BatchNorm1d(6), new nn.ReLU(), new nn.Linear(6, 1));
}

const state = (m: nn.Module): number[][] => Object.values(m.stateDict()).map((t) => Array.from(t.data()));

describe("fit({ nonFinite: 'skip' | 'rollback' }) with BatchNorm", () => {
  it("'skip' leaves the model exactly as if the bad batch had not been there (weights and running statistics, bitwise)", async () => {
    const data = batches(5, [2]);
    const skipped = bnModel();
    const h = await fit(skipped, { optimizer: new SGD(skipped.parameters(), { lr: 0.05, momentum: 0.9 }), loss: mseLoss, trainData: data, nonFinite: 'skip' });
    expect(h.nonFiniteSteps).toBe(1);
    const clean = bnModel();
    await fit(clean, { optimizer: new SGD(clean.parameters(), { lr: 0.05, momentum: 0.9 }), loss: mseLoss, trainData: data.filter((_, i) => i !== 2) });
    expect(state(skipped)).toEqual(state(clean));
    const bn = skipped.children()[1] as nn.BatchNorm1d;
    expect(bn.numBatchesTracked!.item()).toBe(4);
    skipped.eval();
    expect(Array.from(skipped.call(randn([3, 4])).data()).every(Number.isFinite)).toBe(true);
  });

  it("'rollback' restores the running statistics with the weights", async () => {
    const model = bnModel();
    const h = await fit(model, { optimizer: new SGD(model.parameters(), { lr: 0.05 }), loss: mseLoss, trainData: batches(5, [2]), nonFinite: 'rollback', snapshotEvery: 1 });
    expect(h.rollbacks).toBe(1);
    const bn = model.children()[1] as nn.BatchNorm1d;
    expect(Array.from(bn.runningMean!.data()).every(Number.isFinite)).toBe(true);
    expect(Array.from(bn.runningVar!.data()).every(Number.isFinite)).toBe(true);
    expect(bn.numBatchesTracked!.item()).toBe(4);
  });
});

describe("fit({ nonFinite: 'rollback' }): the learning rate", () => {
  it('halves on every rollback, across restores of the same snapshot: 0.8 -> 0.1 after three', async () => {
    const model = new nn.Linear(4, 1);
    const opt = new SGD(model.parameters(), { lr: 0.8 });
    let calls = 0;
    // Calls 2, 3 and 4 give NaN: three rollbacks to the snapshot of step 0.
    const loss = (out: Tensor, y: Tensor): Tensor => (++calls >= 2 && calls <= 4 ? mseLoss(out, y).mul(NaN) : mseLoss(out, y));
    const h = await fit(model, { optimizer: opt, loss, trainData: batches(6), nonFinite: 'rollback', snapshotEvery: 100 });
    expect(h.rollbacks).toBe(3);
    expect(opt.paramGroups[0].lr).toBe(0.1);
  });

  it('stops with a NonFiniteError after maxRollbacks rollbacks in a row (default 10) instead of never recovering', async () => {
    const model = new nn.Linear(4, 1);
    const opt = new SGD(model.parameters(), { lr: 1e6 });
    const alwaysNaN = (out: Tensor, y: Tensor): Tensor => mseLoss(out, y).mul(NaN);
    await expect(fit(model, { optimizer: opt, loss: alwaysNaN, trainData: batches(20), nonFinite: 'rollback' }))
      .rejects.toThrow(/fit: 10 rollbacks in a row \(steps 0 to 9, epoch 0\): the learning rate was halved each time, to 976\.5625, and the step still produced a loss of NaN; lower the learning rate/);
    const m2 = new nn.Linear(4, 1);
    await expect(fit(m2, { optimizer: new SGD(m2.parameters(), { lr: 1 }), loss: alwaysNaN, trainData: batches(20), nonFinite: 'rollback', maxRollbacks: 3 }))
      .rejects.toThrow(NonFiniteError);
    await expect(fit(m2, { optimizer: new SGD(m2.parameters(), { lr: 1 }), loss: mseLoss, trainData: batches(2), nonFinite: 'rollback', maxRollbacks: 0 }))
      .rejects.toThrow('fit: maxRollbacks must be a positive integer, got 0');
  });
});

describe('lrFinder', () => {
  it('without its data argument names what is missing instead of a TypeError', async () => {
    const model = new nn.Linear(4, 1);
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    // @ts-expect-error: the data argument is missing on purpose
    await expect(lrFinder(model, { optimizer, loss: mseLoss })).rejects.toThrow('lrFinder(model, data, options): the data argument is missing (the options came second)');
    await expect(lrFinder(model, batches(2), undefined as never)).rejects.toThrow('lrFinder(model, data, options): options must hold an optimizer and a loss function');
    await expect(lrFinder(model, 5 as never, { optimizer, loss: mseLoss })).rejects.toThrow('data must be a DataLoader or an (async) iterable of [x, y] batches, got number');
  });

  it('restores BatchNorm running statistics with the weights', async () => {
    const model = bnModel();
    const before = state(model);
    await lrFinder(model, batches(6), { optimizer: new SGD(model.parameters(), { lr: 0.1 }), loss: mseLoss, steps: 6 });
    expect(state(model)).toEqual(before);
    expect(tensor([1]).item()).toBe(1);
  });
});

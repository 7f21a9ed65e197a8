/** fit({ accumulate }): gradient accumulation against the same run with larger batches, and its edges. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, nn, optim, train } from '../../src/index';

const mse = (out: L.Tensor, y: L.Tensor) => out.sub(y).square().mean();

function data() {
  L.manualSeed(0);
  const x = L.randn([256, 4]);
  const y = x.matmul(L.tensor([[1], [-2], [0.5], [3]])).add(0.5).add(L.randn([256, 1]).mul(0.1));
  return { x, y, loader: (batchSize: number) => new L.data.DataLoader(new L.data.TensorDataset(x, y), { batchSize }) };
}

function model() {
  L.manualSeed(1);
  return new nn.Linear(4, 1);
}

const values = (m: nn.Module) => m.parameters().flatMap((p) => Array.from(p.values));

/** An optimizer wrapper that counts its steps. */
function counting(m: nn.Module) {
  const inner = new optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.9 });
  let steps = 0;
  return { opt: { get paramGroups() { return inner.paramGroups; }, step() { steps++; inner.step(); }, zeroGrad() { inner.zeroGrad(); } }, steps: () => steps };
}

describe('fit accumulate', () => {
  it('4 batches of 8 accumulated = batches of 32: the same weights after 3 epochs', async () => {
    const d = data();
    const a = model(), b = model();
    await train.fit(a, { optimizer: new optim.SGD(a.parameters(), { lr: 0.05, momentum: 0.9 }), loss: mse, trainData: d.loader(32), epochs: 3 });
    const logs: train.StepLogs[] = [];
    await train.fit(b, { optimizer: new optim.SGD(b.parameters(), { lr: 0.05, momentum: 0.9 }), loss: mse, trainData: d.loader(8), epochs: 3, accumulate: 4,
      callbacks: [{ onBatchEnd: (_c, l) => { logs.push(l); } }] });
    values(b).forEach((v, i) => expect(Math.abs(v - values(a)[i]), `param ${i}`).toBeLessThanOrEqual(1e-5));
    expect(logs).toHaveLength(96);
    expect(logs.slice(0, 8).map((l) => l.optimizerStep)).toEqual([false, false, false, true, false, false, false, true]);
    expect(values(b)).not.toEqual(values(model()));
  });

  it('an epoch\'s last, shorter group steps: 8 batches in groups of 3 make 3 steps, known length or not', async () => {
    const d = data();
    for (const known of [true, false]) {
      const m = model();
      const c = counting(m);
      const loader = d.loader(32);
      const source = known ? loader : { async *[Symbol.asyncIterator]() { for (const b of loader) yield b; } };
      let afterBackward = 0, schedulerSteps = 0;
      const history = await train.fit(m, { optimizer: c.opt, loss: mse, trainData: source as never, epochs: 2, accumulate: 3,
        scheduler: { step: () => { schedulerSteps++; } }, schedulerInterval: 'step',
        callbacks: [{ onAfterBackward: () => { afterBackward++; } }] });
      expect(c.steps(), `known length ${known}`).toBe(6);
      expect(afterBackward).toBe(6);
      expect(schedulerSteps).toBe(6);
      expect(history.epochs[1].steps).toBe(8);
    }
  });

  it('the last group of 2 is the sum of its two losses / 3, as a hand-written loop computes it', async () => {
    const d = data();
    const m = model(), ref = model();
    await train.fit(m, { optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: mse, trainData: d.loader(64), epochs: 1, accumulate: 3 });
    const opt = new optim.SGD(ref.parameters(), { lr: 0.1 });
    const batches = [...d.loader(64)];
    for (const group of [batches.slice(0, 3), batches.slice(3)]) {
      opt.zeroGrad();
      for (const [x, y] of group) L.tidy(() => { mse(ref.call(x), y).div(3).backward(); });
      opt.step();
    }
    values(m).forEach((v, i) => expect(Math.abs(v - values(ref)[i])).toBeLessThanOrEqual(1e-6));
  });

  it("nonFinite 'skip' drops the whole group of a bad batch and keeps training", async () => {
    const d = data();
    const yBad = d.y.clone();
    yBad.values[40] = NaN;  // batch 5 of 16 (size 8): the second group of 4
    const loader = new L.data.DataLoader(new L.data.TensorDataset(d.x, yBad), { batchSize: 8 });
    const m = model();
    const c = counting(m);
    const history = await train.fit(m, { optimizer: c.opt, loss: mse, trainData: loader, epochs: 1, accumulate: 4, nonFinite: 'skip' });
    expect(history.nonFiniteSteps).toBe(1);
    // Groups: 0-3 stepped; 4-5 dropped at the bad batch 5; then 6-9, ..., 26-29 and the last, 30-31: 8 steps.
    expect(c.steps()).toBe(8);
    expect(values(m).every(Number.isFinite)).toBe(true);
  });

  it('rejects a bad accumulate, and an optimizer that accumulates batches itself', async () => {
    const d = data();
    const m = model();
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    await expect(train.fit(m, { optimizer: opt, loss: mse, trainData: d.loader(32), accumulate: 0 })).rejects.toThrow(/fit: accumulate must be a positive integer, got 0/);
    await expect(train.fit(m, { optimizer: opt, loss: mse, trainData: d.loader(32), accumulate: 1.5 })).rejects.toThrow(ArgumentError);
    const dpLike = { paramGroups: opt.paramGroups, step() {}, zeroGrad() {}, accumulate() {} };
    await expect(train.fit(m, { optimizer: dpLike, loss: mse, trainData: d.loader(32), accumulate: 2 })).rejects.toThrow(/accumulates batches itself/);
  });
});

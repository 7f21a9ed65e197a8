/** train.WeightAveraging: SWA and EMA of the weights inside fit(), against the averages computed by hand. */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, nn, optim, train } from '../../src/index';

const mse = (out: L.Tensor, y: L.Tensor) => out.sub(y).square().mean();

function regression() {
  L.manualSeed(0);
  const x = L.randn([128, 4]);
  const y = x.matmul(L.tensor([[1], [-2], [0.5], [3]])).add(0.5).add(L.randn([128, 1]).mul(0.3));
  return { x, y, loader: new L.data.DataLoader(new L.data.TensorDataset(x, y), { batchSize: 32, shuffle: true, seed: 1 }) };
}

/** The weights after every step and every epoch, recorded by a callback placed before the averaging one. */
function recorder() {
  const steps: number[][] = [], epochs: number[][] = [];
  const flat = (m: nn.Module) => m.parameters().flatMap((p) => Array.from(p.values));
  return { steps, epochs, cb: { onBatchEnd: (c: train.TrainContext) => { steps.push(flat(c.model)); }, onEpochEnd: (c: train.TrainContext) => { epochs.push(flat(c.model)); } } };
}

const values = (m: nn.Module) => m.parameters().flatMap((p) => Array.from(p.values));
const close = (a: number[], b: number[], tol: number) => a.forEach((v, i) => expect(Math.abs(v - b[i]), `[${i}] ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol));

describe('train.WeightAveraging', () => {
  it('SWA from half the epochs: the model ends as the mean of the epoch-end weights from there', async () => {
    const { loader } = regression();
    const model = new nn.Linear(4, 1);
    const rec = recorder();
    const swa = new train.WeightAveraging({ start: 0.5 });
    await train.fit(model, { optimizer: new optim.SGD(model.parameters(), { lr: 0.05 }), loss: mse, trainData: loader, epochs: 6, callbacks: [rec.cb, swa] });
    const tail = rec.epochs.slice(3);
    const mean = tail[0].map((_, i) => tail.reduce((s, w) => s + w[i], 0) / tail.length);
    close(values(model), mean, 1e-6);
    expect(swa.averagedModel!.nAveraged).toBe(3);
    expect(values(model)).not.toEqual(rec.epochs[5]);
  });

  it('EMA every step: the model ends as the exponential average of the step weights', async () => {
    const { loader } = regression();
    const model = new nn.Linear(4, 1);
    const rec = recorder();
    const ema = new train.WeightAveraging({ average: 'ema', decay: 0.9 });
    await train.fit(model, { optimizer: new optim.SGD(model.parameters(), { lr: 0.05 }), loss: mse, trainData: loader, epochs: 3, callbacks: [rec.cb, ema] });
    let avg = rec.steps[0].slice();
    for (const w of rec.steps.slice(1)) avg = avg.map((a, i) => a + 0.1 * (w[i] - a));
    close(values(model), avg, 1e-6);
    expect(ema.averagedModel!.nAveraged).toBe(12);
  });

  it('EMA with fit accumulate: one update per optimizer step, not per batch', async () => {
    const { loader } = regression();
    const model = new nn.Linear(4, 1);
    const stepped: number[][] = [];
    const flat = (m: nn.Module) => m.parameters().flatMap((p) => Array.from(p.values));
    const ema = new train.WeightAveraging({ average: 'ema', decay: 0.9 });
    await train.fit(model, { optimizer: new optim.SGD(model.parameters(), { lr: 0.05 }), loss: mse, trainData: loader, epochs: 2, accumulate: 2,
      callbacks: [{ onBatchEnd: (c, l) => { if (l.optimizerStep) stepped.push(flat(c.model)); } }, ema] });
    expect(ema.averagedModel!.nAveraged).toBe(4);  // 4 batches an epoch, groups of 2, 2 epochs
    let avg = stepped[0].slice();
    for (const w of stepped.slice(1)) avg = avg.map((a, i) => a + 0.1 * (w[i] - a));
    close(values(model), avg, 1e-6);
  });

  it('swapAtEnd false leaves the last iterate in the model and the average beside it', async () => {
    const { loader } = regression();
    const model = new nn.Linear(4, 1);
    const rec = recorder();
    const swa = new train.WeightAveraging({ start: 1, swapAtEnd: false });
    await train.fit(model, { optimizer: new optim.SGD(model.parameters(), { lr: 0.05 }), loss: mse, trainData: loader, epochs: 3, callbacks: [rec.cb, swa] });
    expect(values(model)).toEqual(rec.epochs[2]);
    close(values(swa.averagedModel!.module), rec.epochs[1].map((v, i) => (v + rec.epochs[2][i]) / 2), 1e-6);
  });

  it('with BatchNorm: refuses to start without bnData, and with it re-estimates the statistics of the average', async () => {
    L.manualSeed(3);
    const x = L.randn([64, 3]), y = L.randn([64, 1]);
    const loader = new L.data.DataLoader(new L.data.TensorDataset(x, y), { batchSize: 16 });
    const make = () => { L.manualSeed(4); return new nn.Sequential(new nn.Linear(3, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 1)); };
    const bare = make();
    const before = values(bare);
    await expect(train.fit(bare, { optimizer: new optim.SGD(bare.parameters(), { lr: 0.05 }), loss: mse, trainData: loader, epochs: 2, callbacks: [new train.WeightAveraging()] }))
      .rejects.toThrow(/WeightAveraging: the model has BatchNorm layers.*pass bnData/);
    expect(values(bare)).toEqual(before);

    const model = make();
    const swa = new train.WeightAveraging({ bnData: loader });
    await train.fit(model, { optimizer: new optim.SGD(model.parameters(), { lr: 0.05 }), loss: mse, trainData: loader, epochs: 3, callbacks: [swa] });
    const check = nn.utils.deepCopy(model);
    optim.updateBn(loader, check);
    const bn = model.at(1) as nn.BatchNorm1d, want = check.at(1) as nn.BatchNorm1d;
    expect(Array.from(bn.runningMean!.values)).toEqual(Array.from(want.runningMean!.values));
    expect(Array.from(bn.runningVar!.values)).toEqual(Array.from(want.runningVar!.values));
    expect(bn.numBatchesTracked!.item()).toBe(4);
  });

  it('pairs with SWALR through SequentialLR', async () => {
    const { loader } = regression();
    const model = new nn.Linear(4, 1);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const sched = new optim.SequentialLR(opt, { schedulers: [new optim.CosineAnnealingLR(opt, { tMax: 4 }), new optim.SWALR(opt, { swaLr: 0.01, annealEpochs: 1 })], milestones: [2] });
    const lrs: number[] = [];
    await train.fit(model, { optimizer: opt, loss: mse, trainData: loader, epochs: 5, scheduler: sched, callbacks: [{ onEpochEnd: () => { lrs.push(opt.paramGroups[0].lr); } }, new train.WeightAveraging({ start: 2 })] });
    expect(lrs[lrs.length - 1]).toBeCloseTo(0.01, 12);
  });

  it('rejects bad options naming them', () => {
    expect(() => new train.WeightAveraging({ average: 'mean' as never })).toThrow(/WeightAveraging: average must be 'swa' or 'ema', got mean/);
    expect(() => new train.WeightAveraging({ start: 1.5 })).toThrow(/WeightAveraging: start must be an epoch index/);
    expect(() => new train.WeightAveraging({ start: -1 })).toThrow(ArgumentError);
    expect(() => new train.WeightAveraging({ decay: 2 })).toThrow(/WeightAveraging: decay must be in \[0, 1\], got 2/);
    expect(() => new train.WeightAveraging({ every: 'batch' as never })).toThrow(/every must be 'epoch' or 'step'/);
    expect(() => new train.WeightAveraging({ bnData: 5 as never })).toThrow(/bnData must be iterable/);
  });
});

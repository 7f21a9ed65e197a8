/**
 * fit({ resume }): a run stopped after some epochs and resumed from ModelCheckpoint's last file ends
 * bit for bit where the uninterrupted run ends (weights, optimizer moments, schedule, shuffle order,
 * dropout masks, the SWA average, EarlyStopping's count), and a file that does not fit changes nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, LatticeError, nn, optim, train } from '../../src/index';
import { PhiloxStream } from '../../src/backend/philox';

const dirs: string[] = [];
const tempDir = () => { const d = mkdtempSync(join(tmpdir(), 'lattice-resume-')); dirs.push(d); return d; };
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const values = (m: nn.Module) => m.stateDict();
const flat = (state: Record<string, L.Tensor>) => Object.fromEntries(Object.entries(state).map(([k, t]) => [k, Array.from(t.values)]));

/** A run with every kind of state fit can carry: Adam moments, a schedule, BatchNorm, dropout, a shuffled loader, SWA, early stopping. */
function setup(opts: { seededLoader: boolean; dir: string }) {
  L.manualSeed(7);
  const x = L.randn([96, 6]);
  const y = L.randint(0, 3, [96]);
  const loader = new L.data.DataLoader(new L.data.TensorDataset(x, y), { batchSize: 16, shuffle: true, ...(opts.seededLoader ? { seed: 3 } : {}) });
  const model = new nn.Sequential(new nn.Linear(6, 16), new nn.BatchNorm1d(16), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(16, 3));
  const optimizer = new optim.Adam(model.parameters(), { lr: 0.01 });
  const scheduler = new optim.StepLR(optimizer, { stepSize: 1, gamma: 0.7 });
  const swa = new train.WeightAveraging({ start: 1, useBuffers: true, swapAtEnd: false });
  const stopper = new train.EarlyStopping({ monitor: 'loss', patience: 10 });
  const checkpoint = new train.ModelCheckpoint({ dir: opts.dir });
  // ModelCheckpoint listed first on purpose: fit runs it after the others.
  const fitOpts = { optimizer, loss: L.crossEntropy, trainData: loader, scheduler, callbacks: [checkpoint, swa, stopper] };
  return { model, optimizer, scheduler, swa, stopper, checkpoint, loader, fitOpts };
}

describe('fit({ resume })', () => {
  for (const seededLoader of [true, false]) {
    it(`2 epochs, then resume to 5, equals 5 epochs straight (${seededLoader ? 'seeded loader' : 'loader drawing from the global RNG'})`, async () => {
      const straight = setup({ seededLoader, dir: tempDir() });
      const full = await train.fit(straight.model, { ...straight.fitOpts, epochs: 5 });

      const dir = tempDir();
      const first = setup({ seededLoader, dir });
      await train.fit(first.model, { ...first.fitOpts, epochs: 2 });
      L.manualSeed(12345);  // the resumed process starts from another RNG position: resume must put it back
      const second = setup({ seededLoader, dir: tempDir() });
      L.randn([5]);
      const rest = await train.fit(second.model, { ...second.fitOpts, epochs: 5, resume: join(dir, 'last.safetensors') });

      expect(rest.epochs.map((e) => e.epoch)).toEqual([2, 3, 4]);
      expect(rest.epochs.map((e) => e.loss)).toEqual(full.epochs.slice(2).map((e) => e.loss));
      expect(rest.epochs.map((e) => e.lr)).toEqual(full.epochs.slice(2).map((e) => e.lr));
      expect(flat(values(second.model))).toEqual(flat(values(straight.model)));
      expect(flat(second.swa.averagedModel!.stateDict())).toEqual(flat(straight.swa.averagedModel!.stateDict()));
      expect(second.swa.averagedModel!.nAveraged).toBe(4);
      expect(second.stopper.stateDict()).toEqual(straight.stopper.stateDict());
      expect(second.checkpoint.best).toBe(straight.checkpoint.best);
      const moments = (o: optim.Adam) => JSON.stringify(flat(Object.fromEntries(Object.entries(o.stateDict().state).flatMap(([i, s]) => Object.entries(s ?? {}).filter(([, v]) => v instanceof L.Tensor).map(([k, v]) => [`${i}.${k}`, v as L.Tensor])))));
      expect(moments(second.optimizer)).toBe(moments(straight.optimizer));
    });
  }

  it('a file that does not fit the run changes nothing: other callbacks, no epoch in the extras, a wrong model', async () => {
    const dir = tempDir();
    const first = setup({ seededLoader: true, dir });
    await train.fit(first.model, { ...first.fitOpts, epochs: 1 });
    const path = join(dir, 'last.safetensors');

    const other = setup({ seededLoader: true, dir: tempDir() });
    const before = flat(values(other.model));
    const rngBefore = L.getDefaultGenerator().getState();
    await expect(train.fit(other.model, { ...other.fitOpts, callbacks: [other.checkpoint, other.stopper], epochs: 3, resume: path }))
      .rejects.toThrow(/callbacks \[WeightAveraging, EarlyStopping, ModelCheckpoint\].*\[EarlyStopping, ModelCheckpoint\]/);
    expect(flat(values(other.model))).toEqual(before);
    expect(L.getDefaultGenerator().getState()).toEqual(rngBefore);
    expect(Object.values(other.optimizer.stateDict().state).every((s) => !s || Object.keys(s).length === 0)).toBe(true);

    const manual = join(tempDir(), 'manual.safetensors');
    train.saveCheckpoint(manual, { model: first.model, optimizer: first.optimizer, data: first.loader });
    await expect(train.fit(other.model, { ...other.fitOpts, callbacks: [], scheduler: undefined, epochs: 3, resume: manual })).rejects.toThrow(/does not say which epoch and step/);
    expect(flat(values(other.model))).toEqual(before);

    const small = new nn.Linear(6, 3);
    const smallBefore = flat(values(small));
    await expect(train.fit(small, { ...other.fitOpts, optimizer: new optim.SGD(small.parameters(), { lr: 0.1 }), scheduler: undefined, callbacks: [], epochs: 3, resume: path }))
      .rejects.toThrow(LatticeError);
    expect(flat(values(small))).toEqual(smallBefore);

    await expect(train.fit(other.model, { ...other.fitOpts, epochs: 3, resume: 5 as never })).rejects.toThrow(ArgumentError);
    await expect(train.fit(other.model, { ...other.fitOpts, epochs: 3, resume: join(dir, 'missing.safetensors') })).rejects.toThrow(/missing\.safetensors/);
  });

  it('resuming a finished run trains no more epochs', async () => {
    const dir = tempDir();
    const first = setup({ seededLoader: true, dir });
    await train.fit(first.model, { ...first.fitOpts, epochs: 2 });
    const again = setup({ seededLoader: true, dir: tempDir() });
    const h = await train.fit(again.model, { ...again.fitOpts, epochs: 2, resume: join(dir, 'last.safetensors') });
    expect(h.epochs).toEqual([]);
    expect(flat(values(again.model))).toEqual(flat(values(first.model)));
  });
});

describe('DataLoader and sampler state', () => {
  it('a loader put back to a saved position draws the orders it would have drawn', () => {
    const ds = new L.data.TensorDataset(L.arange(0, 20).reshape([20, 1]), L.arange(0, 20));
    const a = new L.data.DataLoader(ds, { batchSize: 5, shuffle: true, seed: 11 });
    const order = (l: { batches(): Int32Array[] }) => l.batches().map((b) => Array.from(b));
    order(a);
    const saved = a.stateDict();
    const next = [order(a), order(a)];
    const b = new L.data.DataLoader(ds, { batchSize: 5, shuffle: true, seed: 11 });
    b.loadStateDict(saved);
    expect([order(b), order(b)]).toEqual(next);
  });

  it('samplerState walks a BatchSampler into its sampler; a mismatch is refused and moves nothing', () => {
    const g = new PhiloxStream(5);
    const batches = new L.data.BatchSampler(new L.data.WeightedRandomSampler([1, 2, 3, 4], 8, { generator: g }), 4, false);
    Array.from(batches);
    const state = L.data.samplerState(batches);
    expect(state).toEqual([g.getState()]);
    const first = Array.from(batches, (b) => Array.from(b));
    L.data.loadSamplerState(batches, state);
    expect(Array.from(batches, (b) => Array.from(b))).toEqual(first);
    const at = g.getState();
    expect(() => L.data.loadSamplerState(batches, [])).toThrow(/holds 0 generator positions but the sampler draws from 1/);
    expect(() => L.data.loadSamplerState(batches, [{ seed: 'x', offset: 0 } as never])).toThrow();
    expect(g.getState()).toEqual(at);
    const loader = new L.data.DataLoader(new L.data.TensorDataset(L.zeros([4, 1]), L.zeros([4])), { batchSize: 2 });
    expect(loader.stateDict()).toEqual({ generators: [] });
    expect(() => loader.loadStateDict(null as never)).toThrow(/DataLoader.loadStateDict: state must be an object/);
  });
});

describe('callback state', () => {
  it('EarlyStopping, ModelCheckpoint and WeightAveraging round-trip their state; bad states are refused', () => {
    const stopper = new train.EarlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
    const model = new nn.Linear(2, 1);
    const ctx = { model } as unknown as train.TrainContext;
    stopper.onEpochEnd(ctx, { epoch: 0, loss: 1, lr: 0.1, seconds: 0, steps: 1 });
    stopper.onEpochEnd(ctx, { epoch: 1, loss: 2, lr: 0.1, seconds: 0, steps: 1 });
    const s = stopper.stateDict();
    expect(s).toMatchObject({ best: 1, bestEpoch: 0, wait: 1, stoppedEpoch: -1 });
    const other = new train.EarlyStopping({ monitor: 'loss', patience: 2, restoreBestWeights: true });
    other.loadStateDict(s);
    expect(other.stateDict().bestWeights!.map((t) => Array.from(t.values))).toEqual(s.bestWeights!.map((t) => Array.from(t.values)));
    expect(() => other.loadStateDict({} as never)).toThrow(/EarlyStopping.loadStateDict/);
    const mc = new train.ModelCheckpoint({ dir: tempDir() });
    expect(() => mc.loadStateDict({ best: 'x' } as never)).toThrow(/ModelCheckpoint.loadStateDict/);
    const swa = new train.WeightAveraging();
    expect(() => swa.loadStateDict({ average: {} })).toThrow(/does not know its model yet/);
    expect(() => swa.loadStateDict(null as never)).toThrow(/WeightAveraging.loadStateDict/);
  });
});

describe('fit and epoch schedules', () => {
  it('an epoch schedule is stepped without the loss (it is not taken for an epoch number); ReduceLROnPlateau gets the loss', async () => {
    L.manualSeed(0);
    const x = L.randn([32, 3]), y = L.randn([32, 1]).mul(100);
    const loader = new L.data.DataLoader(new L.data.TensorDataset(x, y), { batchSize: 8 });
    const mse = (o: L.Tensor, t: L.Tensor) => o.sub(t).square().mean();
    const model = new nn.Linear(3, 1);
    const opt = new optim.SGD(model.parameters(), { lr: 1e-4 });
    const lrs: number[] = [];
    await train.fit(model, { optimizer: opt, loss: mse, trainData: loader, epochs: 5, scheduler: new optim.StepLR(opt, { stepSize: 2, gamma: 0.5 }), callbacks: [{ onEpochEnd: (_c, l) => { lrs.push(l.lr); } }] });
    expect(lrs).toEqual([1e-4, 1e-4, 0.5e-4, 0.5e-4, 0.25e-4]);
    const model2 = new nn.Linear(3, 1);
    const opt2 = new optim.SGD(model2.parameters(), { lr: 1e-4 });
    const plateau = new optim.ReduceLROnPlateau(opt2, { patience: 0, factor: 0.5 });
    const seen: number[] = [];
    const step = plateau.step.bind(plateau);
    plateau.step = (m: number) => { seen.push(m); step(m); };
    const h = await train.fit(model2, { optimizer: opt2, loss: mse, trainData: loader, epochs: 2, scheduler: plateau });
    expect(seen).toEqual(h.epochs.map((e) => e.loss));
  });
});

describe('LRSchedulerCallback', () => {
  it('steps an epoch schedule without the loss, and its schedule resumes with the run', async () => {
    L.manualSeed(0);
    const x = L.randn([32, 3]), y = L.randn([32, 1]).mul(100);
    const mse = (o: L.Tensor, t: L.Tensor) => o.sub(t).square().mean();
    const run = async (epochs: number, dir: string, resume?: string) => {
      const loader = new L.data.DataLoader(new L.data.TensorDataset(x, y), { batchSize: 8, shuffle: true, seed: 2 });
      L.manualSeed(1);
      const model = new nn.Linear(3, 1);
      const opt = new optim.SGD(model.parameters(), { lr: 1e-4 });
      const cb = new train.LRSchedulerCallback(new optim.StepLR(opt, { stepSize: 2, gamma: 0.5 }));
      const h = await train.fit(model, { optimizer: opt, loss: mse, trainData: loader, epochs, callbacks: [cb, new train.ModelCheckpoint({ dir })], resume });
      return { h, lr: opt.paramGroups[0].lr, model };
    };
    const straight = await run(5, tempDir());
    expect(straight.h.epochs.map((e) => e.lr)).toEqual([1e-4, 1e-4, 0.5e-4, 0.5e-4, 0.25e-4]);
    const dir = tempDir();
    await run(3, dir);
    const resumed = await run(5, tempDir(), join(dir, 'last.safetensors'));
    expect(resumed.h.epochs.map((e) => e.lr)).toEqual([0.5e-4, 0.25e-4]);
    expect(flat(values(resumed.model))).toEqual(flat(values(straight.model)));
    const plain = new train.LRSchedulerCallback({ step: () => {} });
    expect(plain.stateDict()).toBeNull();
    plain.loadStateDict(null);
  });
});

describe('GradualUnfreezing and resume', () => {
  const mse = (o: L.Tensor, t: L.Tensor) => o.sub(t).square().mean();
  const run = async (epochs: number, dir: string, allParams: boolean, resume?: string) => {
    L.manualSeed(4);
    const x = L.randn([32, 3]), y = L.randn([32, 1]);
    const loader = new L.data.DataLoader(new L.data.TensorDataset(x, y), { batchSize: 8, shuffle: true, seed: 2 });
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 4), new nn.Tanh(), new nn.Linear(4, 1));
    const head = model.children()[4];
    const opt = new optim.Adam(allParams ? model.parameters() : head.parameters(), { lr: 0.01 });
    await train.fit(model, { optimizer: opt, loss: mse, trainData: loader, epochs, callbacks: [new train.GradualUnfreezing(model), new train.ModelCheckpoint({ dir })], resume });
    return model;
  };
  it('resumes when the optimizer holds every parameter; is refused, changing nothing, when groups were added during the run', async () => {
    const straight = await run(4, tempDir(), true);
    const dir = tempDir();
    await run(2, dir, true);
    expect(flat(values(await run(4, tempDir(), true, join(dir, 'last.safetensors'))))).toEqual(flat(values(straight)));
    const dir2 = tempDir();
    await run(2, dir2, false);
    await expect(run(4, tempDir(), false, join(dir2, 'last.safetensors'))).rejects.toThrow(/nothing was changed/);
  });
});

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as nn from '../../src/nn/index';
import { SGD } from '../../src/optim/sgd';
import { DataLoader } from '../../src/data/loader';
import { TensorDataset } from '../../src/data/dataset';
import { fit, NonFiniteError } from '../../src/train/fit';
import { evaluate, predict } from '../../src/train/evaluate';
import { EarlyStopping } from '../../src/train/callbacks/early-stopping';
import { MetricsLogger } from '../../src/train/callbacks/metrics-logger';
import { GradientMonitor } from '../../src/train/callbacks/gradient-monitor';
import type { Callback, StepLogs } from '../../src/train/types';

const mse = (out: L.Tensor, y: L.Tensor) => out.sub(y).square().mean();

/** y = x @ w* + 0.5 on 256 examples: a linear model can fit it exactly. */
function regression(seed = 0) {
  L.manualSeed(seed);
  const x = L.randn([256, 4]);
  const w = L.tensor([[1], [-2], [0.5], [3]]);
  const y = x.matmul(w).add(0.5);
  return { x, y, loader: new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true, seed }) };
}

describe('fit', () => {
  it('decreases the loss on a tiny regression and reports per-step logs', async () => {
    const { loader } = regression();
    const model = new nn.Linear(4, 1);
    const steps: StepLogs[] = [];
    const history = await fit(model, {
      optimizer: new SGD(model.parameters(), { lr: 0.05 }), loss: mse, trainData: loader, epochs: 5,
      callbacks: [{ onBatchEnd: (_c, l) => { steps.push(l); } }],
    });
    expect(history.epochs).toHaveLength(5);
    expect(history.epochs[4].loss).toBeLessThan(history.epochs[0].loss / 20);
    expect(steps).toHaveLength(40);
    expect(steps[39].step).toBe(39);
    expect(steps[0].samplesPerSecond).toBeGreaterThan(0);
  });

  it('reports classification accuracy and evaluates/predicts', async () => {
    L.manualSeed(1);
    const x = L.randn([200, 2]);
    const y = x.narrow(1, 0, 1).add(x.narrow(1, 1, 1)).gt(0).reshape([200]).to('int32');
    const model = new nn.Linear(2, 2);
    const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 50, shuffle: true, seed: 1 });
    const ce = (out: L.Tensor, t: L.Tensor) => L.logSoftmax(out, 1).gather(1, t.reshape([-1, 1])).neg().mean();
    const history = await fit(model, { optimizer: new SGD(model.parameters(), { lr: 0.5 }), loss: ce, trainData: loader, valData: loader, epochs: 10 });
    expect(history.epochs[9].accuracy).toBeGreaterThan(0.95);
    expect(history.epochs[9].valAccuracy).toBeGreaterThan(0.95);
    const r = await evaluate(model, loader, ce);
    expect(r.samples).toBe(200);
    expect(r.accuracy).toBeGreaterThan(0.95);
    const out = await predict(model, loader);
    expect(out.shape).toEqual([200, 2]);
  });

  it('early stopping triggers when the monitored loss stops improving', async () => {
    const { loader } = regression(2);
    const model = new nn.Linear(4, 1);
    const stopper = new EarlyStopping({ monitor: 'loss', patience: 1, minDelta: 10 });
    const history = await fit(model, { optimizer: new SGD(model.parameters(), { lr: 0.05 }), loss: mse, trainData: loader, epochs: 20, callbacks: [stopper] });
    expect(history.stoppedEarly).toBe(true);
    expect(history.epochs.length).toBeLessThan(20);
    expect(stopper.stoppedEpoch).toBe(history.epochs.length - 1);
  });

  it('an AbortSignal stops cleanly after the current step', async () => {
    const { loader } = regression(3);
    const model = new nn.Linear(4, 1);
    const controller = new AbortController();
    let seen = 0;
    const abortAt: Callback = { onBatchEnd: (_c, l) => { seen++; if (l.step === 4) controller.abort(); } };
    const history = await fit(model, { optimizer: new SGD(model.parameters(), { lr: 0.05 }), loss: mse, trainData: loader, epochs: 3, callbacks: [abortAt], signal: controller.signal });
    expect(history.aborted).toBe(true);
    expect(seen).toBe(5);
  });

  it('keeps the live tensor count flat across steps', async () => {
    const { loader } = regression(4);
    const model = new nn.Linear(4, 1);
    const counts: number[] = [];
    await fit(model, {
      optimizer: new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }), loss: mse, trainData: loader, epochs: 4,
      callbacks: [{ onBatchEnd: () => { counts.push(L.memory().numTensors); } }],
    });
    // Step tensors are freed by tidy, loader batches by fit after each step; momentum buffers appear at step 1.
    expect(new Set(counts.slice(2)).size).toBe(1);
  });

  it("nonFinite: 'raise' throws, 'skip' counts and drops the step, 'rollback' restores weights and halves the lr", async () => {
    const { loader } = regression(5);
    let calls = 0;
    // The loss turns NaN at its 3rd call.
    const poisoned = (out: L.Tensor, y: L.Tensor) => (++calls === 3 ? mse(out, y).mul(NaN) : mse(out, y));
    const model = new nn.Linear(4, 1);
    await expect(fit(model, { optimizer: new SGD(model.parameters(), { lr: 0.05 }), loss: poisoned, trainData: loader, epochs: 1 })).rejects.toThrow(NonFiniteError);

    calls = 0;
    const m2 = new nn.Linear(4, 1);
    const h2 = await fit(m2, { optimizer: new SGD(m2.parameters(), { lr: 0.05 }), loss: poisoned, trainData: loader, epochs: 1, nonFinite: 'skip' });
    expect(h2.nonFiniteSteps).toBe(1);
    expect(Number.isFinite(h2.epochs[0].loss)).toBe(true);
    expect(m2.parameters().every((p) => Array.from(p.values).every(Number.isFinite))).toBe(true);

    calls = 0;
    const m3 = new nn.Linear(4, 1);
    const opt3 = new SGD(m3.parameters(), { lr: 0.05 });
    const h3 = await fit(m3, { optimizer: opt3, loss: poisoned, trainData: loader, epochs: 1, nonFinite: 'rollback', snapshotEvery: 1 });
    expect(h3.rollbacks).toBe(1);
    expect(opt3.paramGroups[0].lr).toBeCloseTo(0.025);
  });

  it('MetricsLogger writes step and epoch JSONL lines; GradientMonitor samples norms', async () => {
    const { loader } = regression(6);
    const model = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 1));
    const path = join(mkdtempSync(join(tmpdir(), 'lattice-fit-')), 'metrics.jsonl');
    const monitor = new GradientMonitor({ every: 2 });
    await fit(model, { optimizer: new SGD(model.parameters(), { lr: 0.01 }), loss: mse, trainData: loader, epochs: 2, callbacks: [new MetricsLogger(path), monitor] });
    const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'step')).toHaveLength(16);
    expect(lines.filter((l) => l.type === 'epoch')).toHaveLength(2);
    expect(monitor.records).toHaveLength(8);
    const rec = monitor.records[0];
    expect(rec.layers.map((l) => l.name)).toEqual(['0.weight', '2.weight']);
    expect(rec.layers[0].gradNorm).toBeGreaterThan(0);
    expect(rec.layers[0].updateRatio).toBeGreaterThan(0);
    expect(rec.activations.some((a) => a.deadFraction !== undefined)).toBe(true);
    expect(monitor.summary()).toContain('0.weight');
  });

  it('rejects bad options with clear errors', async () => {
    const model = new nn.Linear(4, 1);
    const { loader } = regression();
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    await expect(fit(model, { optimizer, loss: mse, trainData: loader, epochs: -1 })).rejects.toThrow(/epochs must be a non-negative integer/);
    await expect(fit(model, { optimizer, loss: mse, trainData: loader, clipGradNorm: 0 })).rejects.toThrow(/clipGradNorm must be positive/);
    await expect(fit({} as never, { optimizer, loss: mse, trainData: loader })).rejects.toThrow(/model must be an nn.Module/);
  });
});

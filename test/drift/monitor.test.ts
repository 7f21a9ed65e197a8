/** Optimizer.reset() and train.DriftMonitor: policies, logging, fit() integration, shift tests, the report chart. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ADWIN, DDM, PageHinkley } from '../../src/drift/index';
import { MetricsLogger } from '../../src/train/callbacks/metrics-logger';
import { DriftMonitor, type DriftEvent } from '../../src/train/drift-monitor';
import { fit } from '../../src/train/fit';
import { bernoulli } from './streams';

const { nn, optim } = L;

describe('Optimizer.reset', () => {
  it('Adam: state cleared, groups and lr kept; the next step equals a fresh optimizer\'s first step', () => {
    L.manualSeed(0);
    const p = L.randn([5], { requiresGrad: true });
    const q = L.tensor(Array.from(p.values), { requiresGrad: true });
    const opt = new optim.Adam([p], { lr: 0.05, betas: [0.8, 0.9] });
    for (let i = 0; i < 3; i++) { opt.zeroGrad(); p.square().sum().backward(); opt.step(); }
    expect(opt.state.size).toBe(1);
    opt.paramGroups[0].lr = 0.02;
    opt.reset();
    expect(opt.state.size).toBe(0);
    expect(opt.paramGroups[0].lr).toBe(0.02);
    expect(opt.paramGroups[0].betas).toEqual([0.8, 0.9]);
    q.values.set(p.values);
    const fresh = new optim.Adam([q], { lr: 0.02, betas: [0.8, 0.9] });
    for (const [o, t] of [[opt, p], [fresh, q]] as const) { o.zeroGrad(); t.square().sum().backward(); o.step(); }
    expect(Array.from(p.values)).toEqual(Array.from(q.values));
    expect(opt.stateDict().state[0].step).toBe(1);
  });

  it('SGD with momentum forgets its buffer', () => {
    const p = L.tensor([1, 2], { requiresGrad: true });
    const opt = new optim.SGD([p], { lr: 0.1, momentum: 0.9 });
    p.sum().backward(); opt.step();
    expect(Object.keys(opt.stateDict().state)).toHaveLength(1);
    opt.reset();
    expect(opt.stateDict().state).toEqual({});
  });
});

/** A 2-class problem on 4 features; `flip` swaps the labels (a concept change). */
function batch(seed: number, n: number, flip: boolean): [L.Tensor, L.Tensor] {
  L.manualSeed(seed);
  const x = L.randn([n, 4]);
  const labels = Array.from({ length: n }, (_, i) => Number((x.values[i * 4] + x.values[i * 4 + 1] > 0) !== flip));
  return [x, L.tensor(labels, { dtype: 'int32' })];
}

describe('DriftMonitor by hand (a prequential loop)', () => {
  it('alert + resetOptimizer + retrain recover a flipped concept; events go to the JSONL log', () => {
    L.manualSeed(1);
    const model = new nn.Linear(4, 2);
    const opt = new optim.Adam(model.parameters(), { lr: 0.05 });
    const dir = mkdtempSync(join(tmpdir(), 'drift-monitor-'));
    const seen: DriftEvent[] = [];
    const monitor = new DriftMonitor({
      detectors: { ddm: new DDM(), adwin: new ADWIN() }, trigger: 'ddm', policies: ['alert', 'resetOptimizer', 'retrain'],
      model, optimizer: opt, loss: L.crossEntropy, windowSize: 200, retrainEpochs: 20, retrainBatchSize: 25, retrainAfter: 100,
      logPath: join(dir, 'metrics.jsonl'), onEvent: (e) => seen.push(e),
    });
    // Learn the concept first.
    for (let s = 0; s < 30; s++) {
      const [x, y] = batch(100 + s, 32, false);
      opt.zeroGrad(); L.crossEntropy(model.call(x), y).backward(); opt.step();
    }
    let accuracyAfter = 0;
    for (let s = 0; s < 60; s++) {
      const [x, y] = batch(1000 + s, 20, s >= 30);
      const pred = L.noGrad(() => model.call(x).argmax(1));
      const errors = Array.from(pred.values, (v, i) => (v === y.values[i] ? 0 : 1));
      if (s >= 50) accuracyAfter += errors.filter((e) => e === 0).length / 200;
      monitor.observe(x, y);
      monitor.update(errors);
    }
    const drift = monitor.events.find((e) => e.kind === 'drift' && e.detector === 'ddm');
    expect(drift).toBeDefined();
    expect(drift!.position).toBeGreaterThan(600);
    expect(drift!.actions).toEqual(['alert', 'resetOptimizer']);
    // The retrain waited for 100 labeled samples after the drift and used only those.
    const retrain = monitor.events.find((e) => e.kind === 'retrain')!;
    expect(retrain.actions).toEqual(['retrain']);
    expect(retrain.evidence.since).toBe(drift!.position);
    expect(retrain.evidence.samples).toBeGreaterThanOrEqual(100);
    expect(retrain.evidence.samples).toBeLessThan(120);
    expect(drift!.evidence.pMin).toBeGreaterThanOrEqual(0);
    expect(accuracyAfter).toBeGreaterThan(0.8);
    expect(seen).toEqual(monitor.events);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(monitor.events.length);
    expect(lines.find((l) => l.kind === 'drift' && l.detector === 'ddm')).toMatchObject({ type: 'drift', position: drift!.position, actions: drift!.actions });
    monitor.dispose();
  });

  it('rollback restores the last snapshot taken while no detector warned', () => {
    const model = new nn.Linear(2, 1);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const monitor = new DriftMonitor({ detectors: new PageHinkley({ threshold: 5, minInstances: 5, mode: 'up' }), policies: ['rollback'], model, optimizer: opt, snapshotEvery: 10 });
    for (let i = 0; i < 20; i++) monitor.update(0);
    const good = model.parameters().map((p) => Array.from(p.values));
    model.parameters().forEach((p) => p.values.fill(7));
    const events = monitor.update([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(events.map((e) => [e.kind, e.actions])).toEqual([['drift', ['rollback']]]);
    expect(model.parameters().map((p) => Array.from(p.values))).toEqual(good);
  });

  it('embeddings: MMD finds a shift in the unlabeled stream', () => {
    const monitor = new DriftMonitor({ detectors: new ADWIN(), shiftTest: { referenceSize: 100, windowSize: 100, numPermutations: 100 } });
    L.manualSeed(3);
    for (let i = 0; i < 4; i++) expect(monitor.observeEmbeddings(L.randn([50, 6]))).toEqual([]);
    const shifted = monitor.observeEmbeddings(L.randn([50, 6]).add(1)).concat(monitor.observeEmbeddings(L.randn([50, 6]).add(1)));
    expect(shifted.map((e) => e.kind)).toEqual(['shift']);
    expect(shifted[0].evidence.pValue).toBeLessThan(0.01);
    expect(shifted[0].position).toBe(300);
    monitor.dispose();
  });

  it('chart(): the stream with a rule per event; writeReport names the events', async () => {
    const monitor = new DriftMonitor({ detectors: { adwin: new ADWIN({ clock: 1 }) } });
    const xs = bernoulli(9, 3000, (i) => (i < 1500 ? 0.1 : 0.5));
    monitor.update(xs);
    const [title, spec] = monitor.chart({ maxPoints: 300 });
    expect(title).toMatch(/detections marked/);
    const layers = (spec as { layer: { data: { values: { position: number }[] } }[] }).layer;
    expect(layers[0].data.values.length).toBeLessThanOrEqual(301);
    expect(layers[1].data.values.map((v) => v.position)).toEqual(monitor.events.map((e) => e.position));
    expect(monitor.events.some((e) => e.kind === 'drift' && e.position > 1500)).toBe(true);
    const html = await monitor.writeReport(join(mkdtempSync(join(tmpdir(), 'drift-report-')), 'report.html'), { title: 'stream' });
    expect(html).toContain('<svg');
    expect(html).toContain('adwin');
  }, 30_000);

  it('bad options', () => {
    expect(() => new DriftMonitor({} as never)).toThrow(/detectors is required/);
    expect(() => new DriftMonitor({ detectors: new DDM(), policies: ['panic' as never] })).toThrow(/unknown policy 'panic'/);
    expect(() => new DriftMonitor({ detectors: new DDM(), policies: ['retrain'] })).toThrow(/needs options.loss/);
    expect(() => new DriftMonitor({ detectors: new DDM(), shiftTest: { numPermutations: 50 } })).toThrow(/smallest MMD p-value is 1\/51/);
    expect(() => new DriftMonitor({ detectors: new DDM(), retrainAfter: 5000 })).toThrow(/retrainAfter must be an integer in \[0, windowSize = 1000\]/);
    expect(() => new DriftMonitor({ detectors: { a: new DDM() }, trigger: 'b' })).toThrow(/trigger 'b' is not one of the detectors \(a\)/);
    const m = new DriftMonitor({ detectors: new PageHinkley({ threshold: 1, minInstances: 1 }), policies: ['resetOptimizer'] });
    expect(() => m.update([0, 0, 5, 5])).toThrow(/needs an optimizer with reset\(\)/);
  });
});

describe('DriftMonitor inside fit()', () => {
  it('feeds per-step losses, resets the optimizer on a drift and logs through the MetricsLogger', async () => {
    L.manualSeed(2);
    const model = new nn.Linear(4, 2);
    const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
    const batches = Array.from({ length: 80 }, (_, s) => batch(200 + s, 32, s >= 50));
    const dir = mkdtempSync(join(tmpdir(), 'drift-fit-'));
    const logger = new MetricsLogger(join(dir, 'metrics.jsonl'));
    const resets: number[] = [];
    const reset = opt.reset.bind(opt);
    opt.reset = () => { resets.push(1); reset(); };
    const monitor = new DriftMonitor({ detectors: { ph: new PageHinkley({ threshold: 1, minInstances: 10, mode: 'up' }) }, signal: 'loss', policies: ['alert', 'resetOptimizer'], logger });
    await fit(model, { optimizer: opt, loss: L.crossEntropy, trainData: batches, epochs: 1, callbacks: [monitor, logger] });
    const drift = monitor.events.filter((e) => e.kind === 'drift');
    expect(drift.length).toBeGreaterThanOrEqual(1);
    expect(drift[0].step).toBeGreaterThanOrEqual(50);
    expect(drift[0].step).toBeLessThan(60);
    expect(resets.length).toBe(drift.length);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'drift').length).toBe(monitor.events.length);
    expect(lines.filter((l) => l.type === 'step').length).toBe(80);
  });
});

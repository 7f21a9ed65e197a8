import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { data, nn, optim, privacy, train } from '../../src/index';

function setup(seed: number, opts: Partial<privacy.MakePrivateOptions> = {}) {
  L.manualSeed(seed);
  const n = 200;
  const x = L.randn([n, 6]);
  const y = x.narrow(1, 0, 1).squeeze(1).gt(0).to('int32');
  const model = new nn.Sequential(new nn.Linear(6, 8), new nn.Tanh(), new nn.Linear(8, 2));
  const priv = privacy.makePrivate(model, new optim.SGD(model.parameters(), { lr: 0.5 }), new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 20 }),
    { noiseMultiplier: 1.0, maxGradNorm: 1, seed, ...opts });
  return { model, priv, x, y };
}

describe('fit integration', () => {
  it('fit trains through the DP optimizer: ε in step and epoch logs, metrics.jsonl and report.html', async () => {
    const { priv } = setup(21);
    const dir = mkdtempSync(join(tmpdir(), 'dp-fit-'));
    const metrics = new train.MetricsLogger(join(dir, 'metrics.jsonl'));
    const cb = new privacy.PrivacyCallback(priv);
    const history = await train.fit(priv.model, { optimizer: priv.optimizer, loss: (o, t) => L.crossEntropy(o, t), trainData: priv.dataLoader as never, epochs: 2, callbacks: [cb, metrics] });
    expect(history.epochs.length).toBe(2);
    expect(priv.accountant.history).toEqual([{ noiseMultiplier: 1, sampleRate: 0.1, steps: 20 }]);
    const eps = priv.getEpsilon();
    expect(history.epochs[1].epsilon).toBeCloseTo(eps, 12);
    expect(cb.history.length).toBe(20);
    expect(cb.history[19].epsilon).toBeCloseTo(eps, 12);
    expect(cb.history[0].epsilon).toBeLessThan(cb.history[19].epsilon);
    const lines = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((l) => l.type === 'step' && typeof l.epsilon === 'number')).toBe(true);
    const steps = lines.filter((l) => l.type === 'step');
    const html = await train.writeReport(join(dir, 'report.html'), { title: 'dp', facts: [], steps, epochs: history.epochs });
    expect(html).toContain('Privacy budget: ε spent over steps');
    priv.detach();
  });

  it('stops at a target ε: the step that would pass it is refused and fit ends', async () => {
    const { priv } = setup(22, { maxEpsilon: 1.5 });
    const history = await train.fit(priv.model, { optimizer: priv.optimizer, loss: (o, t) => L.crossEntropy(o, t), trainData: priv.dataLoader as never, epochs: 50, signal: priv.signal, callbacks: [new privacy.PrivacyCallback(priv)] });
    const eps = priv.getEpsilon();
    expect(eps).toBeLessThanOrEqual(1.5);
    expect(history.aborted).toBe(true);
    const more = new privacy.RdpAccountant();
    more.loadStateDict(priv.accountant.stateDict());
    more.step({ noiseMultiplier: 1, sampleRate: 0.1 });
    expect(more.getEpsilon(1e-5)).toBeGreaterThan(1.5);
    // The optimizer also refuses on its own.
    const before = priv.model.parameters().map((p) => p.clone());
    priv.optimizer.step();
    priv.model.parameters().forEach((p, k) => expect(p.sub(before[k]).abs().max().item()).toBe(0));
    expect(priv.getEpsilon()).toBe(eps);
    priv.detach();
  });

  it('the checkpoint keeps the accountant history, so a resumed run accounts from where it stopped', () => {
    const { priv, x, y } = setup(23);
    for (let i = 0; i < 3; i++) priv.step(x.narrow(0, 0, 20), y.narrow(0, 0, 20), (o, t) => L.crossEntropy(o, t));
    const dir = mkdtempSync(join(tmpdir(), 'dp-ckpt-'));
    train.saveCheckpoint(join(dir, 'c.safetensors'), { model: priv.model, optimizer: priv.optimizer });
    const resumed = setup(23);
    expect(resumed.priv.getEpsilon()).toBe(0);
    train.loadCheckpoint(join(dir, 'c.safetensors'), { model: resumed.model, optimizer: resumed.priv.optimizer });
    expect(resumed.priv.accountant.history).toEqual([{ noiseMultiplier: 1, sampleRate: 0.1, steps: 3 }]);
    expect(resumed.priv.getEpsilon()).toBe(priv.getEpsilon());
    priv.detach(); resumed.priv.detach();
  });
});

import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as nn from '../../src/nn/index';
import { SGD } from '../../src/optim/sgd';
import { DataLoader } from '../../src/data/loader';
import { TensorDataset } from '../../src/data/dataset';
import { diagnose } from '../../src/train/diagnose';
import { lrFinder } from '../../src/train/lr-finder';

const ce = (out: L.Tensor, t: L.Tensor) => L.logSoftmax(out, 1).gather(1, t.reshape([-1, 1])).neg().mean();

function batch(n = 64, d = 32, classes = 4): [L.Tensor, L.Tensor] {
  L.manualSeed(0);
  return [L.randn([n, d]), L.randint(0, classes, [n])];
}

function stack(depth: number, width: number, act: () => nn.Module): nn.Sequential {
  const layers: nn.Module[] = [new nn.Linear(32, width), act()];
  for (let i = 0; i < depth - 2; i++) layers.push(new nn.Linear(width, width), act());
  layers.push(new nn.Linear(width, 4));
  return new nn.Sequential(...layers);
}

describe('diagnose', () => {
  it('finds vanishing gradients in a deep sigmoid stack and names sigmoid as the cause', () => {
    L.manualSeed(1);
    const d = diagnose(stack(40, 64, () => new nn.Sigmoid()), batch(), ce);
    const f = d.findings.join('\n');
    expect(f).toMatch(/layers 1–\d+ of 40 receive gradients below 1e-7 \(vanishing\)/);
    expect(f).toMatch(/sigmoid activations/);
    expect(f).toMatch(/try ReLU with Kaiming init, residual connections, or normalisation/);
    expect(d.layers[0].gradNorm).toBeLessThan(1e-7);
    expect(d.layers[39].gradNorm).toBeGreaterThan(1e-3);
  });

  it('finds exploding gradients with a large init', () => {
    L.manualSeed(2);
    const model = stack(12, 64, () => new nn.ReLU());
    L.noGrad(() => { for (const p of model.parameters()) if (p.ndim === 2) p.mul_(8); });
    const d = diagnose(model, batch(), ce);
    expect(d.findings.join('\n')).toMatch(/exploding/);
  });

  it('finds dead ReLUs', () => {
    L.manualSeed(3);
    const model = new nn.Sequential(new nn.Linear(32, 64), new nn.ReLU(), new nn.Linear(64, 4));
    L.noGrad(() => model.namedParameters().find(([n]) => n === '0.bias')![1].fill_(-100));
    const d = diagnose(model, batch(), ce);
    expect(d.findings.join('\n')).toMatch(/100% dead|dead units/);
    expect(d.activations.find((a) => a.deadFraction !== undefined)!.deadFraction).toBe(1);
  });

  it('finds symmetric units after an all-zero (constant) init', () => {
    const model = new nn.Sequential(new nn.Linear(32, 16), new nn.Tanh(), new nn.Linear(16, 4));
    L.noGrad(() => { for (const p of model.parameters()) p.fill_(0); });
    const d = diagnose(model, batch(), ce);
    expect(d.findings.join('\n')).toMatch(/units are identical \(symmetric\) in 0\.weight, 2\.weight/);
  });

  it('reports nothing wrong for a healthy small network and leaves gradients untouched', () => {
    L.manualSeed(4);
    const model = new nn.Sequential(new nn.Linear(32, 64), new nn.ReLU(), new nn.Linear(64, 4));
    const d = diagnose(model, batch(), ce);
    expect(d.findings).toEqual(['no problems found: gradients are within range at every layer and no activation is dead or saturated']);
    expect(model.parameters().every((p) => p.grad === null)).toBe(true);
    expect(d.toString()).toContain('grad/weight');
  });
});

describe('lrFinder', () => {
  it('picks a sane learning rate on a convex problem and restores the model', async () => {
    L.manualSeed(5);
    const x = L.randn([512, 8]);
    const y = x.matmul(L.randn([8, 1]));
    const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true, seed: 5 });
    const model = new nn.Linear(8, 1);
    const before = model.parameters().map((p) => Array.from(p.values));
    const optimizer = new SGD(model.parameters(), { lr: 0.1 });
    const r = await lrFinder(model, loader, { optimizer, loss: (o, t) => o.sub(t).square().mean(), start: 1e-5, end: 10, steps: 80 });
    // Plain SGD on unit-variance inputs diverges above lr ~ 1; the steepest descent sits well below it.
    expect(r.suggestion).toBeGreaterThan(1e-3);
    expect(r.suggestion).toBeLessThan(1);
    expect(r.lrs.length).toBeGreaterThan(20);
    expect(model.parameters().map((p) => Array.from(p.values))).toEqual(before);
    expect(optimizer.paramGroups[0].lr).toBe(0.1);
    const svg = await r.svg();
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('learning rate (log)');
  });
});

describe('GradientMonitor warnings', () => {
  it('names dead ReLUs and vanishing gradients by layer', async () => {
    const { GradientMonitor } = await import('../../src/train/callbacks/gradient-monitor');
    const { fit } = await import('../../src/train/fit');
    L.manualSeed(9);
    const model = new nn.Sequential(new nn.Linear(32, 64), new nn.ReLU(), new nn.Linear(64, 4));
    L.noGrad(() => model.namedParameters().find(([n]) => n === '0.bias')![1].fill_(-100));
    const [x, y] = batch();
    const monitor = new GradientMonitor({ every: 1 });
    await fit(model, { optimizer: new SGD(model.parameters(), { lr: 0.01 }), loss: ce, trainData: [[x, y]], epochs: 1, callbacks: [monitor] });
    expect(monitor.warnings.join('\n')).toMatch(/100% of the units after 1 \(ReLU\) are dead/);
    expect(monitor.warnings.join('\n')).toMatch(/the gradient of 0\.weight has norm 0\.00e\+0 < 1e-7 \(vanishing\)/);
  });
});

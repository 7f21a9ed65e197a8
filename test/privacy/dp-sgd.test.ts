import { describe, expect, it } from 'vitest';
import { captureGrads } from '../../src/privacy/grad-sample';
import * as L from '../../src/index';
import { data, nn, optim, privacy } from '../../src/index';

const D = { dtype: 'float64' as const };

function smallCnn(): L.nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { ...D, padding: 1 }), new nn.Tanh(), new nn.GroupNorm(2, 4, D),
    new nn.Conv2d(4, 3, 3, { ...D, stride: 2 }), new nn.Tanh(), new nn.Flatten(),
    new nn.Linear(12, 6, D), new nn.LayerNorm(6, D), new nn.Tanh(), new nn.Linear(6, 3, D),
  );
}

/** Records one batch through hooks with a summed loss and returns the calls. */
function record(model: L.nn.Module, x: L.Tensor, y: L.Tensor): privacy.LayerCall[] {
  const hooks = new privacy.GradSampleHooks(model);
  const loss = L.crossEntropy(model.call(x) as L.Tensor, y, { reduction: 'sum' });
  captureGrads(loss, hooks.calls);
  hooks.remove();
  return hooks.calls;
}

describe('ghost clipping', () => {
  it('ghost norms equal materialised per-sample norms (Linear on vectors and sequences, Conv with groups)', () => {
    L.manualSeed(11);
    const seq = new nn.Sequential(new nn.Linear(5, 7, D), new nn.Tanh(), new nn.Linear(7, 4, D));
    const conv = new nn.Sequential(new nn.Conv2d(4, 6, 3, { ...D, groups: 2, padding: 1 }), new nn.Tanh(), new nn.Flatten(), new nn.Linear(6 * 25, 3, D));
    const cases: [L.nn.Module, L.Tensor, L.Tensor][] = [
      [seq, L.randn([6, 5], D), L.tensor([0, 1, 2, 3, 0, 1], { dtype: 'int32' })],
      [conv, L.randn([5, 4, 5, 5], D), L.tensor([0, 1, 2, 1, 0], { dtype: 'int32' })],
    ];
    for (const [model, x, y] of cases) {
      const calls = record(model, x, y);
      const ghost = privacy.clipAndSum(calls, { maxGradNorm: 1e9, lossReduction: 'sum', modeOf: () => 'ghost' });
      const mat = privacy.clipAndSum(calls, { maxGradNorm: 1e9, lossReduction: 'sum', modeOf: () => 'materialize' });
      expect([...ghost.modes.values()].every((m) => m === 'ghost')).toBe(true);
      const a = ghost.norms[0].toArray() as number[], b = mat.norms[0].toArray() as number[];
      a.forEach((v, i) => expect(Math.abs(v - b[i]) / b[i]).toBeLessThan(1e-10));
      // Unclipped, the book-keeping sums are the ordinary batch gradients.
      for (const [p, s] of mat.sums) expect(ghost.sums.get(p)!.sub(s).abs().max().item()).toBeLessThan(1e-10);
    }
  });

  it('ghost norms on a sequence Linear ([N, T, in], Gram form) equal materialised ones', () => {
    L.manualSeed(12);
    const lin = new nn.Linear(4, 3, D);
    const x = L.randn([3, 5, 4], D);
    const hooks = new privacy.GradSampleHooks(lin);
    const out = lin.call(x);
    const [g] = L.grad(out.square().sum(), [out]);
    hooks.calls[0].grad = g;
    const ghost = privacy.clipAndSum(hooks.calls, { maxGradNorm: 1e9, lossReduction: 'sum', modeOf: () => 'ghost' });
    const mat = privacy.clipAndSum(hooks.calls, { maxGradNorm: 1e9, lossReduction: 'sum', modeOf: () => 'materialize' });
    expect(ghost.norms[0].sub(mat.norms[0]).abs().max().item()).toBeLessThan(1e-10);
  });
});

describe('per-sample clipping', () => {
  it('every clipped sample gradient has norm <= C, and unclipped ones pass unchanged (flat and per-layer)', () => {
    L.manualSeed(13);
    const model = smallCnn();
    const x = L.randn([8, 1, 6, 6], D).mul(3), y = L.tensor([0, 1, 2, 0, 1, 2, 0, 1], { dtype: 'int32' });
    const calls = record(model, x, y);
    const per = privacy.perSampleGrads(model, () => L.crossEntropy(model.call(x), y, { reduction: 'sum' }), { lossReduction: 'sum' });
    const params = model.parameters();
    const norms = Array.from({ length: 8 }, (_, n) => Math.sqrt(params.reduce((s, p) => s + per.get(p)!.narrow(0, n, 1).squeeze(0).square().sum().item(), 0)));
    const C = [...norms].sort((a, b) => a - b)[4]; // half the samples are clipped
    const r = privacy.clipAndSum(calls, { maxGradNorm: C, lossReduction: 'sum', modeOf: () => 'ghost' });
    (r.norms[0].toArray() as number[]).forEach((v, n) => expect(Math.abs(v - norms[n]) / norms[n]).toBeLessThan(1e-10));
    // Expected: Σ_n min(1, C/(‖g_n‖+1e-6)) g_n; each clipped term has norm <= C.
    for (const p of params) {
      let want = L.zerosLike(p);
      for (let n = 0; n < 8; n++) {
        const c = Math.min(1, C / (norms[n] + 1e-6));
        expect(c * norms[n]).toBeLessThanOrEqual(C);
        want = want.add(per.get(p)!.narrow(0, n, 1).squeeze(0).mul(c));
      }
      expect(r.sums.get(p)!.sub(want).abs().max().item()).toBeLessThan(1e-10);
    }
    // Per-layer: each layer's per-sample part is bounded by its own C_l.
    const layers = new Set(calls.map((c) => c.module)).size;
    const bounds = Array.from({ length: layers }, () => C / Math.sqrt(layers));
    const pl = privacy.clipAndSum(calls, { maxGradNorm: bounds, lossReduction: 'sum', modeOf: () => 'materialize' });
    expect(pl.norms.length).toBe(layers);
    const total = params.reduce((s, p) => s + pl.sums.get(p)!.square().sum().item(), 0);
    expect(Math.sqrt(total)).toBeLessThanOrEqual(8 * C + 1e-9);
  });
});

describe('makePrivate', () => {
  it('without noise, a step applies the mean clipped gradient over the expected batch size (fast path and fit path agree)', () => {
    L.manualSeed(14);
    const x = L.randn([10, 1, 6, 6], D), y = L.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], { dtype: 'int32' });
    const ds = new data.TensorDataset(x, y);
    const make = () => { L.manualSeed(15); return smallCnn(); };
    const a = make(), b = make(), ref = make();
    const pa = privacy.makePrivate(a, new optim.SGD(a.parameters(), { lr: 1 }), new data.DataLoader(ds, { batchSize: 5 }), { noiseMultiplier: 0, maxGradNorm: 0.3, seed: 1 });
    const pb = privacy.makePrivate(b, new optim.SGD(b.parameters(), { lr: 1 }), new data.DataLoader(ds, { batchSize: 5 }), { noiseMultiplier: 0, maxGradNorm: 0.3, seed: 1, normMode: 'materialize' });
    pa.step(x, y, (o, t) => L.crossEntropy(o, t));
    // The fit path: a plain forward/backward with a mean loss, then optimizer.step().
    L.crossEntropy(b.call(x), y).backward();
    pb.optimizer.step();
    const per = privacy.perSampleGrads(ref, () => L.crossEntropy(ref.call(x), y, { reduction: 'sum' }), { lossReduction: 'sum' });
    const refParams = ref.parameters();
    const norms = Array.from({ length: 10 }, (_, n) => Math.sqrt(refParams.reduce((s, p) => s + per.get(p)!.narrow(0, n, 1).squeeze(0).square().sum().item(), 0)));
    refParams.forEach((p, k) => {
      let g = L.zerosLike(p);
      for (let n = 0; n < 10; n++) g = g.add(per.get(p)!.narrow(0, n, 1).squeeze(0).mul(Math.min(1, 0.3 / (norms[n] + 1e-6))));
      const want = p.sub(g.div(5)); // expected batch size q·n = 5
      expect(a.parameters()[k].sub(want).abs().max().item()).toBeLessThan(1e-10);
      expect(b.parameters()[k].sub(want).abs().max().item()).toBeLessThan(1e-10);
    });
    expect(pa.accountant.history).toEqual([{ noiseMultiplier: 0, sampleRate: 0.5, steps: 1 }]);
    pa.detach(); pb.detach();
  });

  it('virtual steps: physical batches of 3 give the same update as one batch of 10', () => {
    L.manualSeed(16);
    const x = L.randn([10, 1, 6, 6], D), y = L.tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], { dtype: 'int32' });
    const ds = new data.TensorDataset(x, y);
    const make = () => { L.manualSeed(17); return smallCnn(); };
    const a = make(), b = make();
    const opts = { noiseMultiplier: 0, maxGradNorm: 0.5, seed: 2 };
    const pa = privacy.makePrivate(a, new optim.SGD(a.parameters(), { lr: 1 }), new data.DataLoader(ds, { batchSize: 4 }), opts);
    const pb = privacy.makePrivate(b, new optim.SGD(b.parameters(), { lr: 1 }), new data.DataLoader(ds, { batchSize: 4 }), { ...opts, maxPhysicalBatchSize: 3 });
    const la = pa.step(x, y, (o, t) => L.crossEntropy(o, t)), lb = pb.step(x, y, (o, t) => L.crossEntropy(o, t));
    expect(lb).toBeCloseTo(la, 12);
    a.parameters().forEach((p, k) => expect(p.sub(b.parameters()[k]).abs().max().item()).toBeLessThan(1e-12));
    pa.detach(); pb.detach();
  });

  it('adds noise with std σ·C/B: mean ≈ 0 and variance ≈ (σC/B)² over many coordinates', () => {
    const lin = new nn.Linear(200, 100, { ...D, bias: false });
    L.noGrad(() => lin.weight.zero_());
    const x = L.zeros([4, 200], D), y = L.zeros([4, 100], D);
    const p = privacy.makePrivate(lin, new optim.SGD(lin.parameters(), { lr: 1 }), new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 2 }),
      { noiseMultiplier: 1.3, maxGradNorm: 2, seed: 3 });
    p.step(x, y, (o, t) => L.mseLoss(o, t));
    const w = Array.from(lin.weight.neg().values as Float64Array); // grads were exactly zero: w = -noise/B
    const n = w.length, mean = w.reduce((s, v) => s + v, 0) / n;
    const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
    const std = (1.3 * 2) / 2;
    expect(Math.abs(mean)).toBeLessThan(4 * std / Math.sqrt(n));
    expect(Math.abs(variance / (std * std) - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    p.detach();
  });

  it('finds σ for a target ε and refuses bad options', () => {
    const lin = new nn.Linear(3, 2, D);
    const ds = new data.TensorDataset(L.zeros([100, 3], D), L.zeros([100], { dtype: 'int32' }));
    const p = privacy.makePrivate(lin, new optim.SGD(lin.parameters(), { lr: 1 }), new data.DataLoader(ds, { batchSize: 10 }), { targetEpsilon: 2, epochs: 3, maxGradNorm: 1, seed: 4 });
    const acc = new privacy.RdpAccountant();
    acc.step({ noiseMultiplier: p.noiseMultiplier, sampleRate: 0.1, steps: 30 });
    expect(acc.getEpsilon(1e-5)).toBeLessThanOrEqual(2);
    expect(acc.getEpsilon(1e-5)).toBeGreaterThan(1.99);
    p.detach();
    expect(() => privacy.makePrivate(lin, new optim.SGD(lin.parameters(), { lr: 1 }), ds, { maxGradNorm: 1 })).toThrow(/noiseMultiplier and targetEpsilon/);
    expect(() => privacy.makePrivate(lin, new optim.SGD(lin.parameters(), { lr: 1 }), ds, { noiseMultiplier: 1, maxGradNorm: 0 })).toThrow(/maxGradNorm/);
  });
});

describe('Poisson sampling', () => {
  it('batch sizes follow Binomial(n, q): mean nq and variance nq(1-q); every example can appear', () => {
    const n = 2000, q = 0.05;
    const ds = new data.TensorDataset(L.arange(0, n).reshape([n, 1]));
    const loader = new privacy.PoissonDataLoader(ds, { sampleRate: q, steps: 400, noise: new privacy.NoiseSource({ seed: 5 }) });
    const sizes = loader.batches().map((b) => b.length);
    expect(loader.length).toBe(400);
    const mean = sizes.reduce((s, v) => s + v, 0) / sizes.length;
    const variance = sizes.reduce((s, v) => s + (v - mean) ** 2, 0) / (sizes.length - 1);
    expect(Math.abs(mean - n * q)).toBeLessThan(4 * Math.sqrt((n * q * (1 - q)) / sizes.length));
    expect(Math.abs(variance / (n * q * (1 - q)) - 1)).toBeLessThan(4 * Math.sqrt(2 / sizes.length));
    const seen = new Set<number>();
    for (const b of loader.batches()) for (const i of b) seen.add(i);
    expect(seen.size).toBeGreaterThan(n * 0.99);
  });

  it('default draws are cryptographically keyed; a seed warns that the run is not private', () => {
    expect(new privacy.NoiseSource().secure).toBe(true);
    const warnings: string[] = [];
    const on = (w: Error): void => { warnings.push(w.message); };
    process.on('warning', on);
    const s = new privacy.NoiseSource({ seed: 1 });
    return new Promise<void>((resolve) => setImmediate(() => {
      process.off('warning', on);
      expect(s.secure).toBe(false);
      expect(warnings.some((w) => /NOT differentially private/.test(w))).toBe(true);
      resolve();
    }));
  });
});

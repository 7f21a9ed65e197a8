/**
 * nn.utils.spectralNorm: σ from power iteration against the largest singular
 * value from an exact decomposition (the symmetric eigensolver on WᵀW), the
 * state-dict layout (weight_orig, weight_u, weight_v as PyTorch), eval mode
 * leaving the vectors alone, and gradients reaching weight_orig.
 */
import { describe, expect, it } from 'vitest';
import { manualSeed, nn, noGrad, randn, tensor, type Tensor } from '../../src/index';
import { symmetricEigen } from '../../src/data/symmetric-eigen';

/** Largest singular value of a [h, w] row-major matrix: √λmax(WᵀW). */
function sigmaMax(w: ArrayLike<number>, h: number, cols: number): number {
  const gram = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) {
    let s = 0;
    for (let r = 0; r < h; r++) s += w[r * cols + i] * w[r * cols + j];
    gram[i * cols + j] = s;
  }
  const { values } = symmetricEigen(gram, cols);
  return Math.sqrt(values[cols - 1]);
}

function weightOf(m: nn.Module): Tensor {
  return (m as unknown as { weight: Tensor }).weight;
}

describe('spectralNorm', () => {
  for (const [h, w] of [[3, 5], [6, 4], [8, 8], [1, 7]]) {
    it(`σ of a random ${h}x${w} weight matches the SVD, and W/σ has spectral norm 1`, () => {
      manualSeed(h * 10 + w);
      const layer = new nn.Linear(w, h, { dtype: 'float64' });
      const orig = Array.from(layer.weight.values);
      const sigma = sigmaMax(orig, h, w);
      nn.utils.spectralNorm(layer, { nPowerIterations: 300 });
      noGrad(() => layer.call(randn([2, w], { dtype: 'float64' })));
      const normalised = weightOf(layer).values;
      // W / σ̂ = W_orig / σ̂, so σ̂ is the ratio of any nonzero entry.
      const k = orig.findIndex((v) => Math.abs(v) > 1e-3);
      expect(orig[k] / normalised[k]).toBeCloseTo(sigma, 7);
      expect(sigmaMax(normalised, h, w)).toBeCloseTo(1, 7);
    });
  }

  it('one iteration per forward converges to σ over repeated training calls (float32)', () => {
    manualSeed(3);
    const layer = nn.utils.spectralNorm(new nn.Linear(12, 9));
    const sigma = sigmaMax(layer.getParameter('weight_orig')!.values, 9, 12);
    for (let i = 0; i < 40; i++) noGrad(() => layer.call(randn([1, 12])));
    const k = 0;
    expect(layer.getParameter('weight_orig')!.values[k] / weightOf(layer).values[k]).toBeCloseTo(sigma, 3);
  });

  it('works on conv weights viewed as [out, in·kh·kw]', () => {
    manualSeed(4);
    const conv = new nn.Conv2d(3, 4, 3, { dtype: 'float64' });
    const orig = Array.from(conv.weight.values);
    nn.utils.spectralNorm(conv, { nPowerIterations: 50 });
    noGrad(() => conv.call(randn([1, 3, 5, 5], { dtype: 'float64' })));
    expect(sigmaMax(weightOf(conv).values, 4, 27)).toBeCloseTo(1, 7);
    expect(orig[0] / weightOf(conv).values[0]).toBeCloseTo(sigmaMax(orig, 4, 27), 7);
  });

  it('keeps weight_orig, weight_u and weight_v in the state dict and restores them', () => {
    manualSeed(5);
    const a = nn.utils.spectralNorm(new nn.Linear(4, 3));
    noGrad(() => a.call(randn([2, 4])));
    const sd = a.stateDict();
    expect(Object.keys(sd).sort()).toEqual(['bias', 'weight_orig', 'weight_u', 'weight_v']);
    expect(sd.weight_u.shape).toEqual([3]);
    expect(sd.weight_v.shape).toEqual([4]);
    manualSeed(6);
    const b = nn.utils.spectralNorm(new nn.Linear(4, 3));
    b.loadStateDict(sd);
    expect(Array.from(b.getBuffer('weight_u')!.values)).toEqual(Array.from(sd.weight_u.values));
    b.eval();
    a.eval();
    const x = randn([2, 4]);
    expect(Array.from(noGrad(() => b.call(x)).values)).toEqual(Array.from(noGrad(() => a.call(x)).values));
  });

  it('leaves u and v unchanged in eval mode and updates them in training mode', () => {
    manualSeed(7);
    const layer = nn.utils.spectralNorm(new nn.Linear(5, 5), { nPowerIterations: 0 });
    layer.getBuffer('weight_u')!.copy_(tensor([1, 0, 0, 0, 0]));
    const before = Array.from(layer.getBuffer('weight_u')!.values);
    layer.eval();
    noGrad(() => layer.call(randn([1, 5])));
    expect(Array.from(layer.getBuffer('weight_u')!.values)).toEqual(before);
    const trained = nn.utils.spectralNorm(new nn.Linear(5, 5));
    trained.getBuffer('weight_u')!.copy_(tensor([1, 0, 0, 0, 0]));
    noGrad(() => trained.call(randn([1, 5])));
    expect(Array.from(trained.getBuffer('weight_u')!.values)).not.toEqual(before);
  });

  it('backpropagates into weight_orig (through σ too) and is listed by parameters()', () => {
    manualSeed(8);
    const layer = nn.utils.spectralNorm(new nn.Linear(3, 2));
    expect(layer.parameters().length).toBe(2);
    layer.call(randn([4, 3])).square().sum().backward();
    expect(layer.getParameter('weight_orig')!.grad).not.toBeNull();
    // Scaling W leaves W/σ unchanged, so the gradient is orthogonal to W (d/dt f((1+t)W / σ((1+t)W)) = 0).
    const w = layer.getParameter('weight_orig')!.values, g = layer.getParameter('weight_orig')!.grad!.values;
    let dot = 0, gg = 0;
    for (let i = 0; i < w.length; i++) { dot += w[i] * g[i]; gg += g[i] * g[i]; }
    expect(Math.abs(dot) / Math.sqrt(gg)).toBeLessThan(1e-3);
  });

  it('removeSpectralNorm turns the weight back into a parameter holding W/σ', () => {
    manualSeed(9);
    const layer = nn.utils.spectralNorm(new nn.Linear(3, 3, { dtype: 'float64' }), { nPowerIterations: 30 });
    noGrad(() => layer.call(randn([1, 3], { dtype: 'float64' })));
    nn.utils.removeSpectralNorm(layer);
    expect(Object.keys(layer.stateDict()).sort()).toEqual(['bias', 'weight']);
    expect(sigmaMax(layer.weight.values, 3, 3)).toBeCloseTo(1, 6);
  });

  it('rejects bad arguments with clear messages', () => {
    expect(() => nn.utils.spectralNorm(new nn.Linear(2, 2), { name: 'gain' })).toThrow(/no parameter 'gain'/);
    expect(() => nn.utils.spectralNorm(new nn.Linear(2, 2), { nPowerIterations: -1 })).toThrow(/nPowerIterations/);
    expect(() => nn.utils.spectralNorm(new nn.Linear(2, 2), { dim: 2 })).toThrow(/dim must be/);
    const twice = nn.utils.spectralNorm(new nn.Linear(2, 2));
    expect(() => nn.utils.spectralNorm(twice)).toThrow(/already/);
  });
});

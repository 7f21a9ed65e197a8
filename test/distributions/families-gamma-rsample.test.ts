/**
 * Reparameterised sampling of Gamma, Chi2, Beta, Dirichlet and StudentT against torch.distributions
 * 2.13 on torch's own draws. The RNGs differ, so the fixture (distributions_gamma_torch.json,
 * "rsample") holds a seeded torch rsample x, the gradients of sum(x * r) w.r.t. the parameters,
 * and the draws torch made inside rsample (standard gammas, the Dirichlet sample, the normals),
 * replayed from the seed. Here the draw functions hand out those draws, so Lattice's own rsample
 * and its implicit reparameterisation gradients run on them: x and every gradient must be
 * PyTorch's. float64 and float32, native and reference backends.
 */
import { describe, expect, it, vi } from 'vitest';
import type * as Creation from '../../src/ops/creation';
import type * as Sampling from '../../src/distributions/gamma-sampling';
import type { Tensor } from '../../src/index';

type Kind = 'gamma' | 'dirichlet' | 'randn';
const queue: { kind: Kind; value: Tensor }[] = [];

/** The next queued draw, which must be of this kind and shape. */
function take(kind: Kind, shape: number[]): Tensor {
  const next = queue.shift();
  if (!next) throw new Error(`a ${kind} draw of shape ${JSON.stringify(shape)} with nothing queued`);
  if (next.kind !== kind) throw new Error(`rsample drew ${kind}; the fixture's next draw is ${next.kind}`);
  expect(shape, `${kind} shape`).toEqual(next.value.shape);
  return next.value;
}

vi.mock('../../src/distributions/gamma-sampling', async (importOriginal) => {
  const real = await importOriginal<typeof Sampling>();
  return {
    ...real,
    drawStandardGamma: (alpha: Tensor) => take('gamma', alpha.shape),
    drawDirichlet: (alpha: Tensor, dtype: string) => take('dirichlet', alpha.shape).to(dtype as 'float32'),
  };
});
vi.mock('../../src/ops/creation', async (importOriginal) => {
  const real = await importOriginal<typeof Creation>();
  return { ...real, randn: (shape: number[], opts?: Creation.RandomOptions) => take('randn', shape).to(opts?.dtype ?? 'float32') };
});

const L = await import('../../src/index');
const { hasNative, onBackend } = await import('../helpers/backends');
const { torchFixtureChecker } = await import('../helpers/torch-fixture');
const { dec, makeCheck } = await import('./fixture');
const { buildGamma, gammaFixture, paramLeaves } = await import('./fixture-gamma');

const backends = hasNative() ? (['native', 'reference'] as const) : (['reference'] as const);

describe('rsample vs torch.distributions on torch\'s draws', () => {
  const check = makeCheck(torchFixtureChecker({ float64: 1e-11, float32: 2e-5 }));

  for (const c of gammaFixture.rsample) {
    for (const backend of backends) {
      for (const dtype of ['float64', 'float32'] as const) {
        it(`${c.name} (${backend}, ${dtype})`, () => onBackend(backend, () => {
          const leaves = paramLeaves(c, dtype);
          const d = buildGamma(c, leaves);
          // Standard gammas come in float64 (the sampler's precision), the others in the distribution's dtype.
          for (const draw of c.draws) queue.push({ kind: draw.kind, value: dec(draw.value, draw.kind === 'gamma' ? 'float64' : dtype) });
          const x = d.rsample(c.sampleShape);
          expect(queue.length, 'rsample used every draw').toBe(0);
          expect(x.requiresGrad).toBe(true);
          check(x, c.x, dtype, `${c.name} rsample`);
          const names = Object.keys(c.grads);
          const grads = L.grad(L.mul(x, dec(c.r, dtype)).sum(), names.map((n) => leaves[n]));
          names.forEach((n, i) => check(grads[i]!, c.grads[n], dtype, `${c.name} rsample d/d${n}`));
        }));
      }
    }
  }
});

/**
 * rsample against torch.distributions 2.13 on the same noise. The RNGs differ, so the fixture
 * (test/fixtures/distributions_torch.json, "rsample") holds a seeded torch rsample x, the
 * gradients of sum(x * r) w.r.t. the parameters, and the noise that gives x under Lattice's
 * formulas (rand: u in [0, 1); randn: eps), recovered from x in float64. Here rand and randn are
 * replaced by a queue that hands out that noise, so Lattice's own rsample code runs on it: its
 * sample and its gradients must be PyTorch's. float64 and float32, native and reference backends.
 */
import { describe, expect, it, vi } from 'vitest';
import type * as Creation from '../../src/ops/creation';

const queue: { kind: 'rand' | 'randn'; noise: import('../../src/index').Tensor }[] = [];

vi.mock('../../src/ops/creation', async (importOriginal) => {
  const real = await importOriginal<typeof Creation>();
  const take = (kind: 'rand' | 'randn', shape: number[], opts?: Creation.RandomOptions): import('../../src/index').Tensor => {
    const next = queue.shift();
    if (!next) throw new Error(`${kind}(${JSON.stringify(shape)}) called with no fixture noise queued`);
    if (next.kind !== kind) throw new Error(`rsample drew ${kind}, the fixture's noise is for ${next.kind}`);
    expect(shape, `${kind} shape`).toEqual(next.noise.shape);
    expect(opts?.dtype ?? 'float32', `${kind} dtype`).toBe(next.noise.dtype);
    return next.noise;
  };
  return { ...real, rand: (shape: number[], opts?: Creation.RandomOptions) => take('rand', shape, opts), randn: (shape: number[], opts?: Creation.RandomOptions) => take('randn', shape, opts) };
});

const L = await import('../../src/index');
const { hasNative, onBackend } = await import('../helpers/backends');
const { torchFixtureChecker } = await import('../helpers/torch-fixture');
const { build, dec, fixture, leavesOf, makeCheck } = await import('./fixture');

const backends = hasNative() ? (['native', 'reference'] as const) : (['reference'] as const);

describe('rsample vs torch.distributions on fixed noise', () => {
  const check = makeCheck(torchFixtureChecker({ float64: 1e-11, float32: 2e-5 }));

  for (const c of fixture.rsample) {
    for (const backend of backends) {
      for (const dtype of ['float64', 'float32'] as const) {
        it(`${c.name} (${backend}, ${dtype})`, () => onBackend(backend, () => {
          const leaves = leavesOf(c.spec, dtype);
          const d = build(c.spec, leaves);
          expect(d.hasRsample).toBe(true);
          queue.push({ kind: c.noiseKind, noise: dec(c.noise, dtype) });
          const x = d.rsample(c.sampleShape);
          expect(queue.length, 'rsample drew the queued noise').toBe(0);
          expect(x.requiresGrad).toBe(true);
          check(x, c.x, dtype, `${c.name} rsample`);
          L.mul(x, dec(c.r, dtype)).sum().backward();
          for (const [name, want] of Object.entries(c.grads)) check(leaves[name].grad!, want, dtype, `${c.name} rsample d/d${name}`);
          // sample() is the same draw without a graph.
          queue.push({ kind: c.noiseKind, noise: dec(c.noise, dtype) });
          const s = d.sample(c.sampleShape);
          expect(queue.length, 'sample drew the queued noise').toBe(0);
          expect(s.requiresGrad).toBe(false);
          check(s, c.x, dtype, `${c.name} sample`);
        }));
      }
    }
  }
});

/**
 * src/distributions against torch.distributions 2.13 (test/fixtures/distributions_torch.json,
 * written by test/fixtures/generators/distributions_torch.py): logProb, entropy, cdf and icdf with
 * the gradients of sum(out * r) w.r.t. every parameter (and the value), the moments, the batch and
 * event shapes, and klDivergence with its gradients w.r.t. both distributions' parameters; in
 * float64 and float32, on the native and the reference backend.
 */
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as D from '../../src/distributions/index';
import { hasNative, onBackend } from '../helpers/backends';
import { type Dt, torchFixtureChecker } from '../helpers/torch-fixture';
import { type Graded, type RawEnc, build, dec, fixture, leavesOf, makeCheck } from './fixture';

const backends = hasNative() ? (['native', 'reference'] as const) : (['reference'] as const);
const dtypes: Dt[] = ['float64', 'float32'];

/** The value a logProb case scores, in the dtype the distribution expects (Categorical: int32 indices). */
function valueOf(dist: string, e: RawEnc, dtype: Dt, continuous: boolean): L.Tensor {
  if (dist === 'Categorical') return dec(e, 'int32');
  return dec(e, dtype, continuous);
}

const DISCRETE = new Set(['Bernoulli', 'Categorical', 'OneHotCategorical']);

describe('distributions vs torch.distributions', () => {
  const check = makeCheck(torchFixtureChecker({ float64: 1e-11, float32: 2e-5 }));

  /** out vs the fixture, then sum(out * r).backward() and every gradient the fixture has. */
  function checkGraded(out: L.Tensor, g: Graded, leaves: Record<string, L.Tensor>, dtype: Dt, what: string, value?: L.Tensor): void {
    check(out, g.out, dtype, what);
    L.mul(out, dec(g.r, dtype)).sum().backward();
    for (const [name, want] of Object.entries(g.grads)) {
      const t = name === 'value' ? value! : leaves[name];
      // No gradient reached t: PyTorch's answer (allow_unused) is zeros, and it must be.
      const grad = t.grad ?? L.zerosLike(t);
      if (!t.grad) expect(want.values.every((x) => x === 0), `${what}: no gradient w.r.t. ${name}, PyTorch has a nonzero one`).toBe(true);
      check(grad, want, dtype, `${what} d/d${name}`);
    }
  }

  for (const c of fixture.dists) {
    for (const backend of backends) {
      for (const dtype of dtypes) {
        it(`${c.name} (${backend}, ${dtype})`, () => onBackend(backend, () => {
          const dist = c.spec.dist === 'Independent' ? 'Independent' : c.spec.dist;
          const continuous = !DISCRETE.has(dist);
          const fresh = (): [D.Distribution, Record<string, L.Tensor>] => {
            const leaves = leavesOf(c.spec, dtype);
            return [build(c.spec, leaves), leaves];
          };
          {
            const [d, leaves] = fresh();
            expect(d.batchShape, 'batchShape').toEqual(c.batchShape);
            expect(d.eventShape, 'eventShape').toEqual(c.eventShape);
            const v = valueOf(dist, c.logProb.value!, dtype, continuous);
            checkGraded(d.logProb(v), c.logProb, leaves, dtype, `${c.name} logProb`, v);
          }
          if (c.entropy) {
            const [d, leaves] = fresh();
            checkGraded(d.entropy(), c.entropy, leaves, dtype, `${c.name} entropy`);
          }
          for (const m of ['mean', 'mode', 'variance', 'stddev'] as const) {
            const want = c[m];
            if (!want) continue;
            const [d] = fresh();
            check(d[m], want, dtype, `${c.name} ${m}`);
          }
          for (const f of ['cdf', 'icdf'] as const) {
            const g = c[f];
            if (!g) continue;
            const [d, leaves] = fresh();
            const v = dec(g.value!, dtype, true);
            checkGraded(d[f](v), g, leaves, dtype, `${c.name} ${f}`, v);
          }
        }));
      }
    }
  }

  for (const c of fixture.kl) {
    for (const backend of backends) {
      for (const dtype of dtypes) {
        it(`klDivergence ${c.name} (${backend}, ${dtype})`, () => onBackend(backend, () => {
          const leaves = { ...leavesOf(c.p, dtype, 'p.'), ...leavesOf(c.q, dtype, 'q.') };
          const kl = D.klDivergence(build(c.p, leaves, 'p.'), build(c.q, leaves, 'q.'));
          if (Object.keys(c.grads).length === 0) {
            check(kl, c.out, dtype, `kl ${c.name}`);
            expect(kl.requiresGrad).toBe(false);
            return;
          }
          checkGraded(kl, { out: c.out, r: c.r, grads: c.grads }, leaves, dtype, `kl ${c.name}`);
        }));
      }
    }
  }
});

/**
 * Reading test/fixtures/distributions_gamma_torch.json (written by
 * test/fixtures/generators/distributions_gamma_torch.py) and building the Lattice distribution a
 * case names: the gamma family and its companions, and the earlier families they meet in KL pairs.
 */
import { readFileSync } from 'node:fs';
import type * as L from '../../src/index';
import * as D from '../../src/distributions/index';
import type { Dt } from '../helpers/torch-fixture';
import { type RawEnc, dec } from './fixture';

export interface Graded { value?: RawEnc; out: RawEnc; r: RawEnc; grads: Record<string, RawEnc> }
export interface Spec { dist: string; params: Record<string, RawEnc> }
export interface DistCase extends Spec {
  name: string; batchShape: number[]; eventShape: number[];
  logProb: Graded; entropy?: Graded; cdf?: Graded; icdf?: Graded;
  mean: RawEnc; mode: RawEnc; variance: RawEnc; stddev: RawEnc;
}
export interface KlCase extends Graded { name: string; p: Spec; q: Spec }
export interface RsampleCase extends Spec, Graded {
  name: string; sampleShape: number[]; draws: { kind: 'gamma' | 'dirichlet' | 'randn'; value: RawEnc }[]; x: RawEnc;
}
export interface Reparam {
  gamma: { alpha: RawEnc; x: RawEnc; grad: RawEnc };
  dirichlet: { alpha: RawEnc; total: RawEnc; x: RawEnc; grad: RawEnc };
}

export const gammaFixture = JSON.parse(readFileSync(new URL('../fixtures/distributions_gamma_torch.json', import.meta.url), 'utf8')) as {
  torch: string; dists: DistCase[]; kl: KlCase[]; reparam: Reparam; rsample: RsampleCase[];
};

/** Parameters of a spec as leaves (totalCount never requires grad, nor the names in frozen), named with prefix. */
export function paramLeaves(spec: Spec, dtype: Dt, prefix = '', frozen: string[] = []): Record<string, L.Tensor> {
  const out: Record<string, L.Tensor> = {};
  for (const [k, v] of Object.entries(spec.params)) out[prefix + k] = dec(v, dtype, k !== 'totalCount' && !frozen.includes(k));
  return out;
}

/** The Lattice distribution of a spec on the given parameter tensors. */
export function buildGamma(spec: Spec, p: Record<string, L.Tensor>, prefix = ''): D.Distribution {
  const g = (k: string): L.Tensor => p[prefix + k];
  const has = (k: string): boolean => k in spec.params;
  const probsOrLogits = (): { probs: L.Tensor } | { logits: L.Tensor } => (has('probs') ? { probs: g('probs') } : { logits: g('logits') });
  switch (spec.dist) {
    case 'Gamma': return new D.Gamma(g('concentration'), g('rate'));
    case 'Chi2': return new D.Chi2(g('df'));
    case 'Beta': return new D.Beta(g('concentration1'), g('concentration0'));
    case 'Dirichlet': return new D.Dirichlet(g('concentration'));
    case 'StudentT': return new D.StudentT(g('df'), g('loc'), g('scale'));
    case 'Poisson': return new D.Poisson(g('rate'));
    case 'Binomial': return new D.Binomial(g('totalCount'), probsOrLogits());
    case 'Geometric': return new D.Geometric(probsOrLogits());
    case 'Cauchy': return new D.Cauchy(g('loc'), g('scale'));
    case 'HalfNormal': return new D.HalfNormal(g('scale'));
    case 'HalfCauchy': return new D.HalfCauchy(g('scale'));
    case 'VonMises': return new D.VonMises(g('loc'), g('concentration'));
    case 'Bernoulli': return new D.Bernoulli(probsOrLogits());
    case 'Normal': return new D.Normal(g('loc'), g('scale'));
    case 'Exponential': return new D.Exponential(g('rate'));
    case 'Uniform': return new D.Uniform(g('low'), g('high'));
    case 'Gumbel': return new D.Gumbel(g('loc'), g('scale'));
    case 'Laplace': return new D.Laplace(g('loc'), g('scale'));
    default: throw new Error(`unknown distribution ${spec.dist}`);
  }
}

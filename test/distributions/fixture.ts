/**
 * Reading test/fixtures/distributions_torch.json (written by
 * test/fixtures/generators/distributions_torch.py) and building the Lattice distribution a case names.
 */
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import * as L from '../../src/index';
import * as D from '../../src/distributions/index';
import type { Dt, Enc } from '../helpers/torch-fixture';

/** A tensor as the generator writes it: non-finite numbers as "nan", "inf", "-inf". */
export interface RawEnc { shape: number[]; values: (number | string)[] }
export interface TransformSpec { kind: 'affine' | 'exp' | 'expInv' | 'sigmoid' | 'tanh'; eventDim?: number; params?: Record<string, RawEnc> }
export interface Spec { dist: string; params?: Record<string, RawEnc>; base?: Spec; n?: number; transforms?: TransformSpec[] }
export interface Graded { value?: RawEnc; out: RawEnc; r: RawEnc; grads: Record<string, RawEnc> }
export interface DistCase {
  name: string; spec: Spec; batchShape: number[]; eventShape: number[];
  logProb: Graded; entropy?: Graded; cdf?: Graded; icdf?: Graded;
  mean?: RawEnc; mode?: RawEnc; variance?: RawEnc; stddev?: RawEnc;
}
export interface KlCase { name: string; p: Spec; q: Spec; out: RawEnc; r: RawEnc; grads: Record<string, RawEnc> }
export interface RsampleCase {
  name: string; spec: Spec; sampleShape: number[]; noiseKind: 'rand' | 'randn'; noise: RawEnc; x: RawEnc; r: RawEnc; grads: Record<string, RawEnc>;
}

export const fixture = JSON.parse(readFileSync(new URL('../fixtures/distributions_torch.json', import.meta.url), 'utf8')) as {
  torch: string; dists: DistCase[]; kl: KlCase[]; rsample: RsampleCase[];
};

const num = (v: number | string): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));

/** The numbers of a fixture tensor. */
export const numbers = (e: RawEnc): Enc => ({ shape: e.shape, values: e.values.map(num) });

/** A fixture tensor in dtype (the fixture's inputs are float32 numbers: nothing is lost in float32). */
export function dec(e: RawEnc, dtype: Dt | 'int32', requiresGrad = false): L.Tensor {
  const t = L.tensor(Float64Array.from(e.values.map(num)), { dtype: 'float64' }).reshape(e.shape).to(dtype);
  return requiresGrad ? t.requiresGrad_(true) : t;
}

/** Every parameter of a spec (through Independent), as leaves requiring grad. */
export function leavesOf(spec: Spec, dtype: Dt, prefix = ''): Record<string, L.Tensor> {
  if (spec.dist === 'Independent') return leavesOf(spec.base!, dtype, prefix);
  if (spec.dist === 'Transformed') {
    const out = leavesOf(spec.base!, dtype, prefix);
    spec.transforms!.forEach((t, i) => {
      for (const [k, v] of Object.entries(t.params ?? {})) out[`${prefix}t${i}.${k}`] = dec(v, dtype, true);
    });
    return out;
  }
  const out: Record<string, L.Tensor> = {};
  for (const [k, v] of Object.entries(spec.params!)) out[prefix + k] = dec(v, dtype, true);
  return out;
}

/** The Lattice distribution of a spec, on the given parameter tensors (named as in the spec, after prefix). */
export function build(spec: Spec, p: Record<string, L.Tensor>, prefix = ''): D.Distribution {
  const g = (k: string): L.Tensor => p[prefix + k];
  const has = (k: string): boolean => spec.params !== undefined && k in spec.params;
  switch (spec.dist) {
    case 'Normal': return new D.Normal(g('loc'), g('scale'));
    case 'Laplace': return new D.Laplace(g('loc'), g('scale'));
    case 'Gumbel': return new D.Gumbel(g('loc'), g('scale'));
    case 'LogNormal': return new D.LogNormal(g('loc'), g('scale'));
    case 'Uniform': return new D.Uniform(g('low'), g('high'));
    case 'Exponential': return new D.Exponential(g('rate'));
    case 'Bernoulli': return new D.Bernoulli(has('probs') ? { probs: g('probs') } : { logits: g('logits') });
    case 'Categorical': return new D.Categorical(has('probs') ? { probs: g('probs') } : { logits: g('logits') });
    case 'OneHotCategorical': return new D.OneHotCategorical(has('probs') ? { probs: g('probs') } : { logits: g('logits') });
    case 'RelaxedBernoulli': return new D.RelaxedBernoulli(g('temperature'), has('probs') ? { probs: g('probs') } : { logits: g('logits') });
    case 'MultivariateNormal': {
      const kind = (['covarianceMatrix', 'precisionMatrix', 'scaleTril'] as const).find(has)!;
      return new D.MultivariateNormal(g('loc'), { [kind]: g(kind) });
    }
    case 'Independent': return new D.Independent(build(spec.base!, p, prefix), spec.n!);
    case 'Transformed': {
      const ts = spec.transforms!.map((t, i): D.Transform => {
        switch (t.kind) {
          case 'affine': return new D.AffineTransform(g(`t${i}.loc`), g(`t${i}.scale`), { eventDim: t.eventDim ?? 0 });
          case 'exp': return new D.ExpTransform();
          case 'expInv': return new D.ExpTransform().inv;
          case 'sigmoid': return new D.SigmoidTransform();
          case 'tanh': return new D.TanhTransform();
          default: throw new Error(`unknown transform ${t.kind as string}`);
        }
      });
      return new D.TransformedDistribution(build(spec.base!, p, prefix), ts);
    }
    default: throw new Error(`unknown distribution ${spec.dist}`);
  }
}

/**
 * Compares a tensor with a fixture one: non-finite entries must match exactly (NaN with NaN, +-inf
 * with the same), the finite ones go through the PyTorch checker (whose tolerance scales with
 * the largest expected value, so infinities must not reach it). int32 results (a Categorical's
 * mode) are compared as dtype.
 */
export function makeCheck(checker: (a: L.Tensor, e: Enc, dtype: Dt, what: string) => void) {
  return (actual: L.Tensor, expected: RawEnc, dtype: Dt, what: string): void => {
    const e = numbers(expected);
    expect(actual.shape, `${what} shape`).toEqual(e.shape);
    if (actual.dtype !== 'int32') expect(actual.dtype, `${what} dtype`).toBe(dtype);
    const a = Array.from(actual.values, Number);
    const finiteAt: number[] = [];
    for (let i = 0; i < e.values.length; i++) {
      const want = e.values[i];
      if (Number.isFinite(want)) finiteAt.push(i);
      else if (Number.isNaN(want)) expect(a[i], `${what}[${i}] is NaN`).toBeNaN();
      else expect(a[i], `${what}[${i}]`).toBe(want);
    }
    const got = L.tensor(Float64Array.from(finiteAt.map((i) => a[i]))).to(dtype);
    checker(got, { shape: [finiteAt.length], values: finiteAt.map((i) => e.values[i]) }, dtype, what);
  };
}

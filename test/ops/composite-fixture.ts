/**
 * The PyTorch fixture of the composite ops (test/fixtures/composite_ops_torch.json, written by
 * test/fixtures/generators/composite_ops_torch.py) and the Lattice call each case names.
 */
import { readFileSync } from 'node:fs';
import * as L from '../../src/index';
import { einsum } from '../../src/ops/einsum';
import * as E from '../../src/ops/elementwise-extra';
import * as LA from '../../src/ops/linalg-basic';
import * as S from '../../src/ops/shape-extra';
import type { Dt } from '../helpers/torch-fixture';

/** A fixture number: finite, or the strings nan, inf, -inf. */
export type FixtureNumber = number | boolean | 'nan' | 'inf' | '-inf';
/** A tensor as the generator writes it. */
export interface TypedEnc { shape: number[]; dtype: 'float' | 'int32' | 'bool'; values: FixtureNumber[] }
export interface Case {
  op: string;
  args: Record<string, unknown>;
  inputs: TypedEnc[];
  outputs?: TypedEnc[];
  /** The outputs of a float32 run where they differ from float64's beyond rounding (nanToNum's default bounds). */
  outputs32?: TypedEnc[];
  value?: boolean;
  r?: TypedEnc[];
  grads?: TypedEnc[];
}

export const fixture = JSON.parse(readFileSync(new URL('../fixtures/composite_ops_torch.json', import.meta.url), 'utf8')) as {
  torch: string; cases: Record<string, Case>;
};

export function num(v: FixtureNumber | unknown): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v as number;
}

/** An encoded tensor as a Lattice tensor: float ones in `dtype`, int32 and bool as they are. */
export function decode(e: TypedEnc, dtype: Dt): L.Tensor {
  const values = e.values.map(num);
  if (e.dtype === 'float') return L.tensor(Float64Array.from(values), { dtype }).reshape(e.shape);
  if (e.dtype === 'int32') return L.tensor(Int32Array.from(values)).reshape(e.shape);
  return L.tensor(Uint8Array.from(values), { dtype: 'bool' }).reshape(e.shape);
}

type Result = L.Tensor | L.Tensor[] | boolean;

/** The Lattice form of each fixture op. */
export const call: Record<string, (xs: L.Tensor[], a: Record<string, unknown>) => Result> = {
  einsum: (xs, a) => einsum(a.equation as string, ...xs),
  outer: (xs) => LA.outer(xs[0], xs[1]),
  kron: (xs) => LA.kron(xs[0], xs[1]),
  tensordot: (xs, a) => LA.tensordot(xs[0], xs[1], a.dims as number | [number[], number[]]),
  diagonal: (xs, a) => LA.diagonal(xs[0], a.offset as number, a.dim1 as number, a.dim2 as number),
  diag: (xs, a) => LA.diag(xs[0], a.diagonal as number),
  trace: (xs) => LA.trace(xs[0]),
  cdist: (xs, a) => LA.cdist(xs[0], xs[1], num(a.p), a.computeMode ? { computeMode: a.computeMode as LA.CdistComputeMode } : undefined),
  lerp: (xs, a) => E.lerp(xs[0], xs[1], a.weight !== undefined ? (a.weight as number) : xs[2]),
  addcmul: (xs, a) => E.addcmul(xs[0], xs[1], xs[2], { value: a.value as number }),
  addcdiv: (xs, a) => E.addcdiv(xs[0], xs[1], xs[2], { value: a.value as number }),
  logaddexp: (xs) => E.logaddexp(xs[0], xs[1]),
  logit: (xs, a) => E.logit(xs[0], a.eps as number | undefined),
  xlogy: (xs, a) => E.xlogy(xs[0], a.y !== undefined ? (a.y as number) : xs[1]),
  trunc: (xs) => E.trunc(xs[0]),
  frac: (xs) => E.frac(xs[0]),
  remainder: (xs, a) => E.remainder(xs[0], a.b !== undefined ? (a.b as number) : xs[1]),
  fmod: (xs, a) => E.fmod(xs[0], a.b !== undefined ? (a.b as number) : xs[1]),
  floorDivide: (xs) => E.floorDivide(xs[0], xs[1]),
  nanToNum: (xs, a) => E.nanToNum(xs[0], a as E.NanToNumOptions),
  maskedFill: (xs, a) => E.maskedFill(xs[0], xs[1], a.value !== undefined ? (a.value as number) : xs[2]),
  isnan: (xs) => E.isnan(xs[0]),
  isinf: (xs) => E.isinf(xs[0]),
  isfinite: (xs) => E.isfinite(xs[0]),
  isclose: (xs, a) => E.isclose(xs[0], xs[1], a as E.IscloseOptions),
  allclose: (xs, a) => E.allclose(xs[0], xs[1], a as E.IscloseOptions),
  equal: (xs) => E.equal(xs[0], xs[1]),
  repeat: (xs, a) => S.repeat(xs[0], a.sizes as number[]),
  tile: (xs, a) => S.tile(xs[0], a.dims as number[]),
  repeatInterleave: (xs, a) => S.repeatInterleave(xs[0], a.repeats !== undefined ? (a.repeats as number) : xs[1], a.dim as number | undefined),
  broadcastTo: (xs, a) => S.broadcastTo(xs[0], a.shape as number[]),
  broadcastTensors: (xs) => S.broadcastTensors(...xs),
  expandAs: (xs) => S.expandAs(xs[0], xs[1]),
  meshgrid: (xs, a) => S.meshgrid(xs, { indexing: a.indexing as 'ij' | 'xy' }),
  movedim: (xs, a) => S.movedim(xs[0], a.source as number | number[], a.destination as number | number[]),
  unflatten: (xs, a) => S.unflatten(xs[0], a.dim as number, a.sizes as number[]),
};

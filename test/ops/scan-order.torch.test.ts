/**
 * cumsum, cumprod, flip, roll, tril, triu, sort, argsort and topk against PyTorch 2.13:
 * test/fixtures/scan_order_torch.json, written by test/fixtures/generators/scan_order_torch.py, holds per
 * case the op and its arguments, the input, the output (and indices), and for float inputs the gradient
 * of sum(out · r); cumprod cases (zeros included) add the second derivative, and cumsum/cumprod cases the
 * float32 output PyTorch computes in float32. Checked in float64 and float32 on the native and the
 * reference backend.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { argsort, sort, topk } from '../../src/ops/order';
import { flip, roll, tril, triu } from '../../src/ops/rearrange';
import { cumprod, cumsum } from '../../src/ops/scan';
import { hasNative, onBackend } from '../helpers/backends';
import { type Dt, torchFixtureChecker } from '../helpers/torch-fixture';

type Value = number | 'nan' | 'inf' | '-inf';
interface Enc { shape: number[]; dtype: 'float64' | 'float32' | 'int32' | 'bool'; values: Value[] }
interface Args { dim?: number; dims?: number[]; shifts?: number | number[]; diagonal?: number; descending?: boolean; stable?: boolean; k?: number; largest?: boolean }
interface Case {
  op: string; args: Args; input: Enc; output: Enc; indices?: Enc; r?: Enc; grad?: Enc; r2?: Enc; gradgrad?: Enc; output32?: Enc;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/scan_order_torch.json', import.meta.url), 'utf8')) as {
  torch: string; cases: Record<string, Case>;
};

const num = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const plainValues = (e: Enc): number[] => e.values.map(num);
/** The fixture tensor in `dtype` (float cases), or in its own dtype (int32, bool). */
function dec(e: Enc, dtype?: Dt): L.Tensor {
  const dt = e.dtype === 'int32' || e.dtype === 'bool' ? e.dtype : dtype ?? 'float64';
  return L.tensor(Float64Array.from(plainValues(e)), { dtype: dt }).reshape(e.shape);
}
const asFixture = (e: Enc): { shape: number[]; values: number[] } => ({ shape: e.shape, values: plainValues(e) });

/** Runs a case's op: the output, and the indices where the op has them. */
function run(c: Case, x: L.Tensor): { out: L.Tensor; indices?: L.Tensor } {
  const a = c.args;
  switch (c.op) {
    case 'cumsum': return { out: cumsum(x, a.dim!) };
    case 'cumprod': return { out: cumprod(x, a.dim!) };
    case 'flip': return { out: flip(x, a.dims!) };
    case 'roll': return { out: roll(x, a.shifts!, a.dims) };
    case 'tril': return { out: tril(x, a.diagonal) };
    case 'triu': return { out: triu(x, a.diagonal) };
    case 'sort': {
      const r = sort(x, { dim: a.dim, descending: a.descending, stable: a.stable });
      return { out: r.values, indices: r.indices };
    }
    case 'argsort': return { out: argsort(x, { dim: a.dim, descending: a.descending, stable: a.stable }) };
    case 'topk': {
      const r = topk(x, a.k!, { dim: a.dim, largest: a.largest });
      return { out: r.values, indices: r.indices };
    }
    default: throw new Error(`unknown op ${c.op}`);
  }
}

/** Exact equality, NaN matching NaN and -0 matching +0 only where PyTorch's value is a zero too. */
function expectExact(actual: L.Tensor, expected: Enc, what: string): void {
  expect(actual.shape, `${what} shape`).toEqual(expected.shape);
  const want = plainValues(expected);
  Array.from(actual.values).forEach((v, i) => {
    if (Number.isNaN(want[i])) expect(Number.isNaN(v), `${what}[${i}] is NaN`).toBe(true);
    else expect(v, `${what}[${i}]`).toBe(want[i]);
  });
}

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];
const isFloatCase = (c: Case): boolean => c.input.dtype === 'float64';

describe(`cumsum, cumprod, flip, roll, tril, triu, sort, argsort and topk match PyTorch (fixtures from torch ${fixture.torch})`, () => {
  const expectClose = torchFixtureChecker({ float64: 1e-12, float32: 2e-6 });
  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`float cases: values, indices, gradients and second derivatives (${backend}, ${dtype})`, () => onBackend(backend, () => {
        let checked = 0;
        for (const [name, c] of Object.entries(fixture.cases)) {
          // Inputs with NaN/Inf are compared exactly by the NaN test below (a scaled tolerance means nothing there).
          if (!isFloatCase(c) || !plainValues(c.input).every(Number.isFinite)) continue;
          const x = dec(c.input, dtype).requiresGrad_();
          const { out, indices } = run(c, x);
          if (c.op === 'argsort') expectExact(out, c.output, `${name} indices`);
          else expectClose(out, asFixture(c.output), dtype, `${name} output`);
          if (c.indices) expectExact(indices!, c.indices, `${name} indices`);
          if (c.grad) {
            const second = c.gradgrad !== undefined;
            const [g] = L.grad(out.mul(dec(c.r!, dtype)).sum(), [x], { createGraph: second });
            expectClose(g!, asFixture(c.grad), dtype, `${name} gradient`);
            if (second) {
              const [gg] = L.grad(g!.mul(dec(c.r2!, dtype)).sum(), [x]);
              expectClose(gg!, asFixture(c.gradgrad!), dtype, `${name} second derivative`);
            }
          }
          checked++;
        }
        expect(checked).toBeGreaterThan(30);
      }));
    }

    it(`int32 and bool cases: exact values and indices (${backend})`, () => onBackend(backend, () => {
      let checked = 0;
      for (const [name, c] of Object.entries(fixture.cases)) {
        if (isFloatCase(c)) continue;
        const x = dec(c.input);
        const { out, indices } = run(c, x);
        // cumsum/cumprod of bool and int32 give int32 (PyTorch was asked for dtype=int32: its default is int64).
        expect(out.dtype, `${name} dtype`).toBe(c.output.dtype);
        expectExact(out, c.output, `${name} output`);
        if (c.indices) expectExact(indices!, c.indices, `${name} indices`);
        checked++;
      }
      expect(checked).toBe(8);
    }));

    it(`float32 cumsum and cumprod equal PyTorch's own float32 results (${backend})`, () => onBackend(backend, () => {
      // Both accumulate in double and round each output once, so the float32 results agree exactly,
      // on a line of 2000 values of ~±100 too (where a float32 accumulator would differ from PyTorch in
      // 1817 of the 2000 outputs, by up to 5.5e-4).
      let checked = 0;
      for (const [name, c] of Object.entries(fixture.cases)) {
        if (!c.output32) continue;
        const out = run(c, dec(c.input, 'float32')).out;
        expectExact(out, c.output32, `${name} float32 output`);
        checked++;
      }
      expect(checked).toBe(10);
    }));

    it(`sorting with NaN and ties, in float32 and float64 (${backend})`, () => onBackend(backend, () => {
      for (const name of ['sortNaN', 'sortNaNDescending', 'topkNaN', 'topkNaNSmallest', 'argsortStable', 'sortStableTies', 'sortStableTiesDescending']) {
        const c = fixture.cases[name];
        for (const dtype of ['float32', 'float64'] as const) {
          const { out, indices } = run(c, dec(c.input, dtype));
          if (c.op === 'argsort') expectExact(out, c.output, `${name} ${dtype}`);
          else expectExact(out, c.output, `${name} ${dtype} values`);
          if (c.indices) expectExact(indices!, c.indices, `${name} ${dtype} indices`);
        }
      }
    }));
  }
});

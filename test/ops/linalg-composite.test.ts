/**
 * linalg.matrixExp and linalg.lstsq (composites of matmul, solve, qr and solveTriangular) against
 * PyTorch 2.13: test/fixtures/linalg_composite_torch.json, written by
 * test/fixtures/generators/linalg_composite_torch.py, holds torch.linalg.matrix_exp of small,
 * moderate, large-norm and batched (mixed norms) matrices and torch.linalg.lstsq (driver 'gels') of
 * tall, square, batched, broadcast and vector right-hand sides, each with the gradients of
 * sum(out · r). Checked in float64 and float32 on the native and the reference backend; then
 * gradcheck/gradgradcheck in float64, identities, and the errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { ArgumentError, DTypeError, ShapeError, linalg } from '../../src/index';
import { hasNative, onBackend } from '../helpers/backends';
import { expectBoth, leaf } from '../helpers/gradcheck';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';

interface ExpmCase { A: Enc; out: Enc; r: Enc; gradA: Enc }
interface LstsqCase { A: Enc; B: Enc; solution: Enc; r: Enc; gradA: Enc; gradB: Enc }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/linalg_composite_torch.json', import.meta.url), 'utf8')) as {
  matrixExp: Record<string, ExpmCase>; lstsq: Record<string, LstsqCase>;
};
const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];
const dec = (e: Enc, dtype: Dt = 'float64', requiresGrad = false): L.Tensor =>
  L.tensor(Float64Array.from(e.values), { dtype }).reshape(e.shape).requiresGrad_(requiresGrad);

describe('linalg.matrixExp and linalg.lstsq vs PyTorch', () => {
  const expectClose = torchFixtureChecker({ float64: 1e-10, float32: 2e-4 });
  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`matrixExp values and gradients (${backend}, ${dtype})`, () => onBackend(backend, () => {
        expect(Object.keys(fixture.matrixExp)).toEqual(['small', 'moderate', 'large', 'batched']);
        for (const [name, c] of Object.entries(fixture.matrixExp)) {
          const A = dec(c.A, dtype, true);
          const out = linalg.matrixExp(A);
          expectClose(out, c.out, dtype, `matrixExp ${name}`);
          out.mul(dec(c.r, dtype)).sum().backward();
          expectClose(A.grad!, c.gradA, dtype, `matrixExp ${name} grad`);
        }
      }));
      it(`lstsq values and gradients (${backend}, ${dtype})`, () => onBackend(backend, () => {
        expect(Object.keys(fixture.lstsq)).toEqual(['tall', 'square', 'batched', 'broadcast', 'vector']);
        for (const [name, c] of Object.entries(fixture.lstsq)) {
          const A = dec(c.A, dtype, true), B = dec(c.B, dtype, true);
          const X = linalg.lstsq(A, B, { rcond: null }).solution;
          expectClose(X, c.solution, dtype, `lstsq ${name}`);
          X.mul(dec(c.r, dtype)).sum().backward();
          expectClose(A.grad!, c.gradA, dtype, `lstsq ${name} gradA`);
          expectClose(B.grad!, c.gradB, dtype, `lstsq ${name} gradB`);
        }
      }));
    }
  }
});

describe('linalg.matrixExp', () => {
  it('gradcheck and gradgradcheck in float64, small and large norms, batched', () => {
    L.manualSeed(7);
    expectBoth((A) => linalg.matrixExp(A), [leaf([3, 3])]);
    const big = L.noGrad(() => leaf([3, 3]).mul(4)).requiresGrad_();
    expectBoth((A) => linalg.matrixExp(A), [big]);
    const batch = L.noGrad(() => leaf([2, 3, 3]).mul(L.tensor([0.1, 5], { dtype: 'float64' }).reshape([2, 1, 1]))).requiresGrad_();
    expectBoth((A) => linalg.matrixExp(A), [batch]);
  });

  it('exp of a rotation generator, of a diagonal, of zero; exp(A) exp(-A) = I', () => {
    const t = 10;
    const R = linalg.matrixExp(L.tensor([[0, t], [-t, 0]], { dtype: 'float64' }));
    const want = [Math.cos(t), Math.sin(t), -Math.sin(t), Math.cos(t)];
    Array.from(R.values).forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
    const D = linalg.matrixExp(L.diag(L.tensor([-20, 0.5, 30], { dtype: 'float64' })));
    expect(D.values[0] / Math.exp(-20)).toBeCloseTo(1, 10);
    expect(D.values[4]).toBeCloseTo(Math.exp(0.5), 12);
    expect(D.values[8] / Math.exp(30)).toBeCloseTo(1, 10);
    expect(Array.from(linalg.matrixExp(L.zeros([2, 2])).values)).toEqual([1, 0, 0, 1]);
    L.manualSeed(3);
    const A = L.randn([4, 4], { dtype: 'float64' }).mul(2);
    const I = linalg.matrixExp(A).matmul(linalg.matrixExp(A.neg()));
    Array.from(I.values).forEach((v, i) => expect(v).toBeCloseTo(i % 5 === 0 ? 1 : 0, 9));
    expect(linalg.matrixExp(L.zeros([0, 2, 2])).shape).toEqual([0, 2, 2]);
  });

  it('refuses non-square, non-matrix and integer input, naming the shapes', () => {
    expect(() => linalg.matrixExp(L.zeros([2, 3]))).toThrow(ShapeError);
    expect(() => linalg.matrixExp(L.zeros([2, 3]))).toThrow(/linalg\.matrixExp: A must be a square matrix.*\[2, ?3\]/);
    expect(() => linalg.matrixExp(L.zeros([3]))).toThrow(/linalg\.matrixExp: A must have at least 2 dims/);
    expect(() => linalg.matrixExp(L.zeros([2, 2], { dtype: 'int32' }))).toThrow(DTypeError);
  });
});

describe('linalg.lstsq', () => {
  it('gradcheck and gradgradcheck in float64', () => {
    L.manualSeed(11);
    expectBoth((A, B) => linalg.lstsq(A, B).solution, [leaf([5, 3]), leaf([5, 2])]);
    expectBoth((A, B) => linalg.lstsq(A, B).solution, [leaf([2, 4, 4]), leaf([2, 4])]);
  });

  it('fits a line exactly through collinear points and solves a square system', () => {
    const A = L.tensor([[1, 0], [1, 1], [1, 2], [1, 3]], { dtype: 'float64' });
    const X = linalg.lstsq(A, L.tensor([[1], [3], [5], [7]], { dtype: 'float64' })).solution;
    expect(X.shape).toEqual([2, 1]);
    expect(X.values[0]).toBeCloseTo(1, 12);
    expect(X.values[1]).toBeCloseTo(2, 12);
    L.manualSeed(5);
    const S = L.randn([3, 3], { dtype: 'float64' }).add(L.eye(3, 3, { dtype: 'float64' }).mul(3));
    const b = L.randn([3, 2], { dtype: 'float64' });
    const want = linalg.solve(S, b).values;
    Array.from(linalg.lstsq(S, b).solution.values).forEach((v, i) => expect(v).toBeCloseTo(want[i], 12));
  });

  it('refuses wide A (gelsd not implemented), mismatched rows, dims, dtypes and options', () => {
    expect(() => linalg.lstsq(L.zeros([2, 3]), L.zeros([2, 1]))).toThrow(ShapeError);
    expect(() => linalg.lstsq(L.zeros([2, 3]), L.zeros([2, 1]))).toThrow(/linalg\.lstsq: A is .*\[2, ?3\].*m = 2 < n = 3.*gelsd/);
    expect(() => linalg.lstsq(L.zeros([4, 3]), L.zeros([5, 1]))).toThrow(/linalg\.lstsq: A is .*B is .*B needs 4 rows.*got 5/);
    expect(() => linalg.lstsq(L.zeros([4, 3]), L.zeros([2, 2, 4, 1]))).toThrow(/B needs as many dims as A/);
    expect(() => linalg.lstsq(L.zeros([4, 3]), L.zeros([4, 1], { dtype: 'float64' }))).toThrow(DTypeError);
    expect(() => linalg.lstsq(L.zeros([2, 4, 3]), L.zeros([3, 4, 1]))).toThrow(/do not broadcast/);
    expect(() => linalg.lstsq(L.zeros([4, 3]), L.zeros([4, 1]), { rcond: 'x' as unknown as number })).toThrow(ArgumentError);
    expect(() => linalg.lstsq(L.zeros([4, 3]), L.zeros([4, 1]), { driver: 'gelsd' as 'gels' })).toThrow(/driver "gelsd" is not implemented/);
  });
});

/**
 * The linalg namespace (src/ops/linalg.ts) against PyTorch 2.13: test/fixtures/linalg_torch.json,
 * written by test/fixtures/generators/linalg_torch.py, holds per case the function, its options, the
 * inputs, sign-invariant forms of the outputs (Q diag(s) and diag(s) R for QR, V*V for eigenvectors,
 * U*U and Vh*Vh for singular vectors) and the gradients of a weighted sum of those forms. Checked in
 * float64 and float32 on the native and the reference backend. Also: reconstructions and
 * orthogonality, empty and size-1 matrices, the errors (non-square, dtypes, not positive-definite,
 * singular, bad options, backward of the non-differentiable modes), failed calls leaving inputs
 * untouched, and cuda tensors refused by name.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as linalg from '../../src/ops/linalg';
import { closeness, hasNative, onBackend } from '../helpers/backends';
import { type Dt, type Enc, torchFixtureChecker } from '../helpers/torch-fixture';
import { withEmulatedCuda } from '../cuda/with-emulation';

type Json = number | string;
interface JEnc { shape: number[]; values: Json[] }
interface Case {
  fn: string; options: Record<string, unknown>; inputs: JEnc[]; forms: Record<string, JEnc>;
  weights?: Record<string, JEnc>; grads?: JEnc[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/linalg_torch.json', import.meta.url), 'utf8')) as {
  torch: string; cases: Record<string, Case>;
};

const num = (v: Json): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
const asEnc = (e: JEnc): Enc => ({ shape: e.shape, values: e.values.map(num) });
const dec = (e: JEnc, dtype: Dt): L.Tensor => L.tensor(Float64Array.from(e.values.map(num)), { dtype }).reshape(e.shape);
const mT = (x: L.Tensor): L.Tensor => L.transpose(x, -2, -1);

/** The fixture's options in Lattice's form: 'inf' strings become Infinity. */
function optionsOf(c: Case): Record<string, unknown> {
  return Object.fromEntries(Object.entries(c.options).map(([k, v]) => [k, typeof v === 'string' && /^-?inf$/.test(v) ? num(v) : v]));
}

/** QR with R's diagonal made positive: Q diag(s), diag(s) R (s = sign(diag R), no gradient through s). */
function qrForms(A: L.Tensor, Q: L.Tensor, R: L.Tensor, mode: string): Record<string, L.Tensor> {
  const m = R.shape[R.ndim - 2], n = R.shape[R.ndim - 1], k = Math.min(A.shape[A.ndim - 2], n);
  const s = L.noGrad(() => L.sign(L.diagonal(R, 0, -2, -1)));
  const rows = L.narrow(R, -2, 0, k).mul(L.unsqueeze(s, -1));
  const out: Record<string, L.Tensor> = { Rs: m > k ? L.cat([rows, L.narrow(R, -2, k, m - k)], -2) : rows };
  if (mode !== 'r') out.Qs = L.narrow(Q, -1, 0, k).mul(L.unsqueeze(s, -2));
  return out;
}

/** The named forms of a case's outputs, computed with Lattice. */
function formsOf(c: Case, xs: L.Tensor[]): Record<string, L.Tensor> {
  const o = optionsOf(c) as never;
  const [a, b] = xs;
  switch (c.fn) {
    case 'cholesky': return { L: linalg.cholesky(a, o) };
    case 'solveTriangular': return { X: linalg.solveTriangular(a, b, o) };
    case 'solve': return { X: linalg.solve(a, b, o) };
    case 'inv': return { X: linalg.inv(a) };
    case 'det': return { det: linalg.det(a) };
    case 'slogdet': { const r = linalg.slogdet(a); return { sign: r.sign, logabsdet: r.logabsdet }; }
    case 'qr': { const r = linalg.qr(a, o); return qrForms(a, r.Q, r.R, (c.options.mode as string) ?? 'reduced'); }
    case 'eigh': { const r = linalg.eigh(a, o); return { L: r.eigenvalues, VV: r.eigenvectors.mul(r.eigenvectors) }; }
    case 'eigvalsh': return { L: linalg.eigvalsh(a, o) };
    case 'svd': {
      const { U, S, Vh } = linalg.svd(a, o);
      const k = S.shape[S.ndim - 1];
      return { S, UU: L.narrow(U.mul(U), -1, 0, k), VV: L.narrow(Vh.mul(Vh), -2, 0, k) };
    }
    case 'svdvals': return { S: linalg.svdvals(a) };
    case 'pinv': return { X: linalg.pinv(a, o) };
    case 'vectorNorm': return { N: linalg.vectorNorm(a, o) };
    case 'matrixNorm': return { N: linalg.matrixNorm(a, o) };
    default: throw new Error(`unknown fn ${c.fn}`);
  }
}

const backends: ('native' | 'reference')[] = hasNative() ? ['native', 'reference'] : ['reference'];

describe(`linalg matches PyTorch (fixtures from torch ${fixture.torch})`, () => {
  const expectClose = torchFixtureChecker({ float64: 1e-11, float32: 1e-5 });
  for (const backend of backends) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`every case: sign-invariant values and gradients (${backend}, ${dtype})`, () => onBackend(backend, () => {
        for (const [name, c] of Object.entries(fixture.cases)) {
          const xs = c.inputs.map((e) => dec(e, dtype).requiresGrad_(c.grads !== undefined));
          const forms = formsOf(c, xs);
          expect(Object.keys(forms).sort(), `${name} forms`).toEqual(Object.keys(c.forms).sort());
          for (const [k, e] of Object.entries(c.forms)) {
            const expected = asEnc(e);
            // A singular matrix's log|det| is -Infinity: compared exactly (the checker scales by the largest value).
            if (expected.values.every(Number.isFinite)) expectClose(forms[k], expected, dtype, `${name} ${k}`);
            else expect(Array.from(forms[k].values), `${name} ${k}`).toEqual(expected.values);
          }
          if (!c.grads) continue;
          const loss = Object.entries(c.weights!).map(([k, w]) => forms[k].mul(dec(w, dtype)).sum()).reduce((s, t) => s.add(t));
          const grads = L.grad(loss, xs, { allowUnused: true });
          c.grads.forEach((g, i) => expectClose(grads[i] ?? L.zerosLike(xs[i]), asEnc(g), dtype, `${name} gradient of input ${i}`));
        }
      }));
    }
  }
});

/** max |a - b| over elements. */
const maxDiff = (a: L.Tensor, b: L.Tensor): number => {
  expect(a.shape).toEqual(b.shape);
  return Array.from(a.values).reduce((w, v, i) => Math.max(w, Math.abs(v - b.values[i])), 0);
};
const eyeBatch = (batch: number[], n: number): L.Tensor => L.eye(n, n, { dtype: 'float64' }).expand([...batch, n, n]);

describe('decompositions reconstruct their input, with orthonormal factors', () => {
  it('qr (all modes), svd (full and reduced), eigh and cholesky, batched, tall and wide', () => {
    L.manualSeed(31);
    for (const shape of [[5, 3], [3, 5], [4, 4], [2, 3, 6, 2], [1, 7], [7, 1]]) {
      const A = L.randn(shape, { dtype: 'float64' });
      const batch = shape.slice(0, -2), m = shape[shape.length - 2], n = shape[shape.length - 1], k = Math.min(m, n);
      for (const mode of ['reduced', 'complete'] as const) {
        const { Q, R } = linalg.qr(A, { mode });
        const cols = mode === 'complete' ? m : k;
        expect(Q.shape).toEqual([...batch, m, cols]);
        expect(R.shape).toEqual([...batch, cols, n]);
        expect(maxDiff(Q.matmul(R), A), `qr ${mode} ${shape}`).toBeLessThan(1e-13);
        expect(maxDiff(mT(Q).matmul(Q), eyeBatch(batch, cols)), `qr ${mode} ${shape} QᵀQ`).toBeLessThan(1e-13);
        expect(maxDiff(R, L.triu(R)), `qr ${mode} R upper`).toBe(0);
      }
      expect(maxDiff(linalg.qr(A, { mode: 'r' }).R, linalg.qr(A).R)).toBe(0);
      expect(linalg.qr(A, { mode: 'r' }).Q.shape).toEqual([0]);
      for (const fullMatrices of [true, false]) {
        const { U, S, Vh } = linalg.svd(A, { fullMatrices });
        expect(U.shape).toEqual([...batch, m, fullMatrices ? m : k]);
        expect(Vh.shape).toEqual([...batch, fullMatrices ? n : k, n]);
        const Uk = L.narrow(U, -1, 0, k), Vk = L.narrow(Vh, -2, 0, k);
        expect(maxDiff(Uk.mul(L.unsqueeze(S, -2)).matmul(Vk), A), `svd ${shape}`).toBeLessThan(1e-13);
        expect(maxDiff(mT(U).matmul(U), eyeBatch(batch, U.shape[U.ndim - 1])), `svd ${shape} UᵀU`).toBeLessThan(1e-13);
        expect(maxDiff(Vh.matmul(mT(Vh)), eyeBatch(batch, Vh.shape[Vh.ndim - 2])), `svd ${shape} Vh Vhᵀ`).toBeLessThan(1e-13);
        const s = Array.from(S.values);
        for (let i = 1; i < s.length; i++) if (i % k !== 0) expect(s[i]).toBeLessThanOrEqual(s[i - 1]);
        expect(s.every((v) => v >= 0)).toBe(true);
        expect(maxDiff(linalg.svdvals(A), S)).toBeLessThan(1e-14);
      }
      if (m !== n) continue;
      const sym = A.add(mT(A));
      const { eigenvalues, eigenvectors: V } = linalg.eigh(sym);
      expect(maxDiff(V.mul(L.unsqueeze(eigenvalues, -2)).matmul(mT(V)), sym), `eigh ${shape}`).toBeLessThan(1e-13);
      expect(maxDiff(mT(V).matmul(V), eyeBatch(batch, n))).toBeLessThan(1e-13);
      expect(maxDiff(linalg.eigvalsh(sym), eigenvalues)).toBeLessThan(1e-14);
      const spd = A.matmul(mT(A)).add(L.eye(n, n, { dtype: 'float64' }));
      const Lf = linalg.cholesky(spd), Uf = linalg.cholesky(spd, { upper: true });
      expect(maxDiff(Lf.matmul(mT(Lf)), spd)).toBeLessThan(1e-13);
      expect(maxDiff(Uf, mT(Lf))).toBe(0);
    }
  });

  it('the solvers, inverse and determinants agree with each other', () => {
    L.manualSeed(32);
    const A = L.randn([2, 4, 4], { dtype: 'float64' }), B = L.randn([2, 4, 3], { dtype: 'float64' });
    expect(maxDiff(A.matmul(linalg.solve(A, B)), B)).toBeLessThan(1e-12);
    expect(maxDiff(linalg.solve(A, B), linalg.inv(A).matmul(B))).toBeLessThan(1e-12);
    const Bt = L.randn([2, 3, 4], { dtype: 'float64' });
    expect(maxDiff(linalg.solve(A, Bt, { left: false }).matmul(A), Bt)).toBeLessThan(1e-12);
    const { sign, logabsdet } = linalg.slogdet(A);
    expect(maxDiff(sign.mul(L.exp(logabsdet)), linalg.det(A))).toBeLessThan(1e-12);
    const Lt = L.tril(A).add(L.eye(4, 4, { dtype: 'float64' }).mul(4));
    expect(maxDiff(Lt.matmul(linalg.solveTriangular(Lt, B, { upper: false })), B)).toBeLessThan(1e-12);
    // Only the named triangle is read, and unitriangular ignores the diagonal.
    expect(maxDiff(linalg.solveTriangular(A.add(Lt), B, { upper: false }), linalg.solveTriangular(L.tril(A.add(Lt)), B, { upper: false }))).toBe(0);
    const unit = L.tril(Lt, -1).add(L.eye(4, 4, { dtype: 'float64' }));
    expect(maxDiff(linalg.solveTriangular(Lt, B, { upper: false, unitriangular: true }), linalg.solveTriangular(unit, B, { upper: false }))).toBeLessThan(1e-14);
    expect(maxDiff(linalg.pinv(A), linalg.inv(A))).toBeLessThan(1e-12);
    const sym = A.add(mT(A));
    expect(maxDiff(linalg.pinv(sym, { hermitian: true }), linalg.inv(sym))).toBeLessThan(1e-10);
    expect(linalg.det(L.tensor([[1, 2], [3, 4]], { dtype: 'float64' })).item()).toBeCloseTo(-2, 14);
  });

  it('both backends give the same factors (the same algorithms, loop for loop)', () => {
    if (!hasNative()) return;
    L.manualSeed(33);
    const A = L.randn([3, 6, 6], { dtype: 'float64' });
    const run = (): L.Tensor[] => {
      const { U, S, Vh } = linalg.svd(A);
      const e = linalg.eigh(A);
      const q = linalg.qr(A);
      return [U, S, Vh, e.eigenvalues, e.eigenvectors, q.Q, q.R, linalg.inv(A)];
    };
    const ref = onBackend('reference', run), nat = onBackend('native', run);
    ref.forEach((t, i) => expect(closeness(nat[i].values, t.values, 1e-12, 1e-12), `output ${i}`).toBeLessThanOrEqual(1));
  });
});

describe('empty and size-1 matrices (PyTorch shapes)', () => {
  it('0 x 0, 3 x 0, 0 x 3 and empty batches', () => {
    const e00 = L.zeros([0, 0], { dtype: 'float64' });
    expect(linalg.det(e00).item()).toBe(1);
    expect(linalg.slogdet(e00).logabsdet.item()).toBe(0);
    expect(linalg.slogdet(e00).sign.item()).toBe(1);
    expect(linalg.cholesky(e00).shape).toEqual([0, 0]);
    expect(linalg.inv(e00).shape).toEqual([0, 0]);
    expect(linalg.eigh(e00).eigenvalues.shape).toEqual([0]);
    const tall = linalg.svd(L.zeros([3, 0]));
    expect([tall.U.shape, tall.S.shape, tall.Vh.shape]).toEqual([[3, 3], [0], [0, 0]]);
    expect(Array.from(tall.U.values)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const wide = linalg.svd(L.zeros([0, 3]));
    expect([wide.U.shape, wide.S.shape, wide.Vh.shape]).toEqual([[0, 0], [0], [3, 3]]);
    expect(Array.from(wide.Vh.values)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(linalg.svd(L.zeros([3, 0]), { fullMatrices: false }).U.shape).toEqual([3, 0]);
    const q = linalg.qr(L.zeros([3, 0]), { mode: 'complete' });
    expect([q.Q.shape, q.R.shape]).toEqual([[3, 3], [3, 0]]);
    expect(linalg.pinv(L.zeros([2, 0])).shape).toEqual([0, 2]);
    const batch = L.zeros([0, 3, 3]);
    expect(linalg.det(batch).shape).toEqual([0]);
    expect(linalg.solve(batch, L.zeros([0, 3, 2])).shape).toEqual([0, 3, 2]);
    expect(linalg.eigh(batch).eigenvectors.shape).toEqual([0, 3, 3]);
    expect(linalg.svd(batch).U.shape).toEqual([0, 3, 3]);
  });

  it('1 x 1 matrices', () => {
    const a = L.tensor([[4]], { dtype: 'float64' });
    expect(linalg.cholesky(a).item()).toBe(2);
    expect(linalg.inv(a).item()).toBe(0.25);
    expect(linalg.det(L.tensor([[-3]])).item()).toBe(-3);
    expect(linalg.eigh(a).eigenvalues.item()).toBe(4);
    expect(linalg.svd(L.tensor([[-3]])).S.item()).toBe(3);
  });
});

describe('errors name the function, the argument and the shapes', () => {
  it('shapes and dtypes', () => {
    const rect = L.randn([2, 3]);
    expect(() => linalg.cholesky(rect)).toThrow(L.ShapeError);
    expect(() => linalg.cholesky(rect)).toThrow(/^linalg\.cholesky: A must be a square matrix or a batch of square matrices \[\.\.\., n, n\], got float32\[2,3\] \(2 by 3 matrices\)/);
    expect(() => linalg.inv(L.randn([3]))).toThrow(/^linalg\.inv: A must have at least 2 dims .*got float32\[3\]/);
    expect(() => linalg.det(L.ones([2, 2], { dtype: 'int32' }))).toThrow(L.DTypeError);
    expect(() => linalg.det(L.ones([2, 2], { dtype: 'int32' }))).toThrow(/^linalg\.det: A must be float32 or float64, got int32\[2,2\]/);
    expect(() => linalg.solve(L.eye(2), L.ones([2], { dtype: 'float64' }))).toThrow(/^linalg\.solve: A float32\[2,2\] and B float64\[2\] must have the same dtype/);
    expect(() => linalg.solve(L.eye(3), L.ones([4, 2]))).toThrow(/^linalg\.solve: incompatible shapes of A float32\[3,3\] and B float32\[4,2\] for the equation A X = B/);
    expect(() => linalg.solve(L.eye(3), L.ones([2, 4]), { left: false })).toThrow(/for the equation X A = B: B must be \[\.\.\., k, 3\]/);
    expect(() => linalg.solve(L.randn([2, 3, 3]), L.randn([4, 3, 1]))).toThrow(/^linalg\.solve: the batch dims of A float32\[2,3,3\] and B float32\[4,3,1\] do not broadcast/);
    expect(() => linalg.solveTriangular(L.eye(2), L.ones([2]), { upper: true })).toThrow(/^linalg\.solveTriangular: B must have at least 2 dims/);
    expect(() => linalg.solveTriangular(L.eye(3), L.ones([2, 2]), { upper: true })).toThrow(/^linalg\.solveTriangular: A is float32\[3,3\] and B is float32\[2,2\]: for A X = B, B needs rows of size 3, got 2/);
    expect(() => linalg.eigh(L.randn([3, 4]))).toThrow(/^linalg\.eigh: A must be a square matrix/);
    expect(() => linalg.pinv(L.randn([3, 4]), { hermitian: true })).toThrow(/^linalg\.pinv: A must be a square matrix/);
    expect(() => linalg.svd(L.randn([3]))).toThrow(/^linalg\.svd: A must have at least 2 dims/);
    expect(() => linalg.vectorNorm(L.ones([3], { dtype: 'int32' }))).toThrow(/^linalg\.vectorNorm: expected a floating point tensor as input, got int32\[3\]/);
    expect(() => linalg.matrixNorm(L.randn([3]))).toThrow(/^linalg\.matrixNorm: A must have at least 2 dims, got float32\[3\]/);
    expect(() => linalg.cholesky('A' as never)).toThrow(/^linalg\.cholesky: A must be a Tensor, got string/);
  });

  it('options', () => {
    const A = L.eye(3);
    expect(() => linalg.solveTriangular(A, A, {} as never)).toThrow(/^linalg\.solveTriangular: options\.upper is required \(true or false\), got undefined/);
    expect(() => linalg.solveTriangular(A, A, undefined as never)).toThrow(/options\.upper is required/);
    expect(() => linalg.solveTriangular(A, A, { upper: true, left: 1 as never })).toThrow(/^linalg\.solveTriangular: left must be true or false, got 1/);
    expect(() => linalg.cholesky(A, { upper: 'yes' as never })).toThrow(/^linalg\.cholesky: upper must be true or false, got yes/);
    expect(() => linalg.cholesky(A, 3 as never)).toThrow(/^linalg\.cholesky: options must be an object, got 3/);
    expect(() => linalg.qr(A, { mode: 'full' as never })).toThrow(/^linalg\.qr: mode must be 'reduced', 'complete' or 'r', got "full"/);
    expect(() => linalg.eigh(A, { uplo: 'l' as never })).toThrow(/^linalg\.eigh: uplo must be 'L' or 'U', got "l"/);
    expect(() => linalg.svd(A, { fullMatrices: 0 as never })).toThrow(/^linalg\.svd: fullMatrices must be true or false/);
    expect(() => linalg.pinv(A, { rtol: -1 })).toThrow(/^linalg\.pinv: rtol must be a number >= 0, got -1/);
    expect(() => linalg.vectorNorm(A, { ord: NaN })).toThrow(/^linalg\.vectorNorm: ord must be a number/);
    expect(() => linalg.vectorNorm(A, { dim: 2 })).toThrow(/^linalg\.vectorNorm: dim 2 is out of range for a tensor of rank 2/);
    expect(() => linalg.vectorNorm(A, { dtype: 'int32' as never })).toThrow(/^linalg\.vectorNorm: dtype must be 'float32' or 'float64', got "int32"/);
    expect(() => linalg.matrixNorm(A, { ord: 3 })).toThrow(/^linalg\.matrixNorm: ord must be 'fro', 'nuc', 2, -2, 1, -1, Infinity or -Infinity, got 3/);
    expect(() => linalg.matrixNorm(A, { dim: [1, -1] })).toThrow(/^linalg\.matrixNorm: dim \[1,-1\] names dim 1 twice/);
    expect(() => linalg.matrixNorm(A, { dim: [0] as never })).toThrow(/^linalg\.matrixNorm: dim must be a pair of dims/);
  });

  it('not positive-definite: the batch element and the leading minor, as PyTorch says it', () => {
    const bad = L.tensor([[1, 2], [2, 1]]);
    expect(() => linalg.cholesky(bad)).toThrow(L.ArgumentError);
    expect(() => linalg.cholesky(bad)).toThrow(/^linalg\.cholesky: A float32\[2,2\]: the factorization could not be completed because the input is not positive-definite \(the leading minor of order 2 is not positive-definite\)$/);
    const batch = L.stack([L.eye(3), L.tensor([[1, 0, 0], [0, -1, 0], [0, 0, 1]]), L.eye(3)]).reshape([3, 1, 3, 3]);
    expect(() => linalg.cholesky(batch)).toThrow(/^linalg\.cholesky: A float32\[3,1,3,3\] \(batch element 1 = index \[1,0\]\): .*the leading minor of order 2 is not positive-definite/);
    expect(() => linalg.cholesky(L.tensor([[NaN, 0], [0, 1]]))).toThrow(/the leading minor of order 1 is not positive-definite/);
  });

  it('singular matrices: solve and inv throw (naming the batch element), det and slogdet give 0 and -Infinity', () => {
    const singular = L.tensor([[1, 2], [2, 4]], { dtype: 'float64' });
    expect(() => linalg.solve(singular, L.ones([2], { dtype: 'float64' }))).toThrow(L.ArgumentError);
    expect(() => linalg.solve(singular, L.ones([2], { dtype: 'float64' }))).toThrow(/^linalg\.solve: A float64\[2,2\]: the solver failed because the input matrix is singular \(U\[1,1\] of its LU factorization is zero\)$/);
    const batch = L.stack([L.eye(2, 2, { dtype: 'float64' }), singular]);
    expect(() => linalg.solve(batch, L.ones([2, 2, 1], { dtype: 'float64' }))).toThrow(/^linalg\.solve: A float64\[2,2,2\] \(batch element 1\): the solver failed/);
    expect(() => linalg.inv(singular)).toThrow(/^linalg\.inv: A float64\[2,2\]: the diagonal element 2 is zero, the inversion could not be completed because the input matrix is singular$/);
    expect(() => linalg.inv(L.zeros([3, 3]))).toThrow(/the diagonal element 1 is zero/);
    expect(Math.abs(linalg.det(singular).item())).toBe(0);
    const s = linalg.slogdet(singular);
    expect(Math.abs(s.sign.item())).toBe(0);
    expect(s.logabsdet.item()).toBe(-Infinity);
    const leaf = singular.clone().requiresGrad_();
    expect(() => L.grad(linalg.slogdet(leaf).logabsdet, [leaf])).toThrow(/^linalg\.slogdet \(backward\): A float64\[2,2\] is singular, so log\|det A\| has no gradient there/);
  });

  it('non-finite input: svd throws as PyTorch does, eigh returns NaN', () => {
    const a = L.tensor([[NaN, 0], [0, 1]], { dtype: 'float64' });
    expect(() => linalg.svd(a)).toThrow(/^linalg\.svd: A float64\[2,2\]: the algorithm failed to converge because the input matrix contained non-finite values$/);
    expect(() => linalg.svdvals(L.stack([L.eye(2), L.tensor([[Infinity, 0], [0, 1]])]))).toThrow(/^linalg\.svdvals: A float32\[2,2,2\] \(batch element 1\): .*non-finite/);
    const e = linalg.eigh(L.stack([L.eye(2, 2, { dtype: 'float64' }), a]));
    expect(Array.from(e.eigenvalues.values)).toEqual([1, 1, NaN, NaN]);
    expect(Array.from(e.eigenvectors.values).slice(4).every(Number.isNaN)).toBe(true);
  });

  it('backward of the modes PyTorch does not differentiate', () => {
    const A = L.randn([4, 3], { dtype: 'float64', requiresGrad: true });
    expect(() => L.grad(linalg.qr(A, { mode: 'r' }).R.sum(), [A])).toThrow(L.AutogradError);
    expect(() => L.grad(linalg.qr(A, { mode: 'r' }).R.sum(), [A])).toThrow(/^linalg\.qr: the derivative of linalg\.qr depends on Q, which is not computed when mode='r'/);
    expect(() => L.grad(linalg.qr(A, { mode: 'complete' }).Q.sum(), [A])).toThrow(/^linalg\.qr: the QR decomposition is not differentiable when mode='complete' and nrows > ncols \(A is float64\[4,3\]/);
    // Complete mode with m <= n is the reduced one, and differentiable.
    const wide = L.randn([3, 4], { dtype: 'float64', requiresGrad: true });
    expect(L.grad(linalg.qr(wide, { mode: 'complete' }).R.sum(), [wide])[0]!.shape).toEqual([3, 4]);
  });

  it('a failed call leaves its inputs untouched', () => {
    const bad = L.tensor([[1, 2], [2, 1]]);
    const before = Array.from(bad.values);
    expect(() => linalg.cholesky(bad)).toThrow();
    const singular = L.tensor([[1, 2], [2, 4]]);
    expect(() => linalg.inv(singular)).toThrow();
    expect(Array.from(bad.values)).toEqual(before);
    expect(Array.from(singular.values)).toEqual([1, 2, 2, 4]);
  });
});

describe('gradient rules match PyTorch\'s conventions', () => {
  it('cholesky and eigh give symmetric gradients (they read one triangle of a symmetric input)', () => {
    L.manualSeed(34);
    const X = L.randn([4, 4], { dtype: 'float64' });
    const A = X.matmul(mT(X)).add(L.eye(4, 4, { dtype: 'float64' })).requiresGrad_();
    const W = L.randn([4, 4], { dtype: 'float64' });
    for (const g of [
      L.grad(linalg.cholesky(A).mul(W).sum(), [A])[0]!,
      L.grad(linalg.eigh(A).eigenvectors.square().mul(W).sum(), [A])[0]!,
      L.grad(linalg.eigvalsh(A).mul(L.arange(0, 4, 1, { dtype: 'float64' })).sum(), [A])[0]!,
    ]) expect(maxDiff(g, mT(g))).toBeLessThan(1e-12);
  });

  it('svdvals stays finite at repeated singular values (U diag(g) Vh)', () => {
    const A = L.eye(3, 3, { dtype: 'float64' }).mul(2).requiresGrad_();
    const [g] = L.grad(linalg.svdvals(A).sum(), [A]);
    expect(maxDiff(g!, L.eye(3, 3, { dtype: 'float64' }))).toBeLessThan(1e-14);
  });

  it('det at a singular matrix: the cofactor matrix (through the SVD)', () => {
    const A = L.tensor([[1, 2], [2, 4]], { dtype: 'float64', requiresGrad: true });
    const [g] = L.grad(linalg.det(A), [A]);
    expect(maxDiff(g!, L.tensor([[4, -2], [-2, 1]], { dtype: 'float64' }))).toBeLessThan(1e-12);
  });

  it('vectorNorm: the 2-norm of a zero vector has gradient 0, and ord 0 has gradient 0', () => {
    const x = L.zeros([3], { dtype: 'float64', requiresGrad: true });
    expect(Array.from(L.grad(linalg.vectorNorm(x), [x])[0]!.values)).toEqual([0, 0, 0]);
    const y = L.tensor([1, 0, Infinity], { dtype: 'float64', requiresGrad: true });
    const n0 = linalg.vectorNorm(y, { ord: 0 });
    expect(n0.item()).toBe(2);
    expect(Array.from(L.grad(n0, [y])[0]!.values)).toEqual([0, 0, 0]);
  });
});

describe('cuda tensors (host emulation of the bindings)', () => {
  const cuda = withEmulatedCuda();

  it('the decompositions refuse a cuda tensor by name, before allocating anything; the norms run there', () => {
    const A = L.eye(3).to('cuda');
    const bytes = L.memory().deviceBytes, live = cuda.emu.live();
    const cases: [string, string, () => unknown][] = [
      ['linalg.cholesky', 'cholesky', () => linalg.cholesky(A)], ['linalg.solve', 'luFactor', () => linalg.solve(A, A)],
      ['linalg.solveTriangular', 'triangularSolve', () => linalg.solveTriangular(A, A, { upper: true })],
      ['linalg.inv', 'luFactor', () => linalg.inv(A)], ['linalg.det', 'luFactor', () => linalg.det(A)],
      ['linalg.slogdet', 'luFactor', () => linalg.slogdet(A)], ['linalg.qr', 'qr', () => linalg.qr(A)],
      ['linalg.eigh', 'eigh', () => linalg.eigh(A)], ['linalg.eigvalsh', 'eigh', () => linalg.eigvalsh(A)],
      ['linalg.svd', 'svd', () => linalg.svd(A)], ['linalg.svdvals', 'svd', () => linalg.svdvals(A)], ['linalg.pinv', 'svd', () => linalg.pinv(A)],
      ['linalg.matrixNorm', 'svd', () => linalg.matrixNorm(A, { ord: 'nuc' })],
    ];
    for (const [op, kernel, f] of cases) {
      expect(f, op).toThrow(L.BackendError);
      expect(f, op).toThrow(new RegExp(`^${op.replace('.', '\\.')}: A float32\\[3,3\\].* is on cuda, and ${op.replace('.', '\\.')} has no CUDA kernel yet \\(its kernel '${kernel}' runs on the cpu only\\); move the tensor with .to\\('cpu'\\) first`));
    }
    expect(() => linalg.solve(L.eye(3), A)).toThrow(/^linalg\.solve: A is on cpu and B is on cuda/);
    expect(L.memory().deviceBytes).toBe(bytes);
    expect(cuda.emu.live()).toBe(live);
    expect(linalg.vectorNorm(L.tensor([3, 4]).to('cuda')).to('cpu').item()).toBeCloseTo(5, 6);
    expect(linalg.matrixNorm(A, { ord: 1 }).to('cpu').item()).toBe(1);
  });
});

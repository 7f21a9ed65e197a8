/**
 * The linalg gradients (src/ops/linalg-grad.ts): gradcheck and gradgradcheck in float64, on inputs where
 * each decomposition is smooth (SPD matrices for cholesky, distinct eigenvalues and singular values,
 * well-conditioned matrices for the solvers), batched and unbatched. Outputs defined only up to sign
 * are checked through sign-fixed or sign-invariant functions of them, as PyTorch's own tests do. Also
 * every registered linalg op passes the registry's checks (parity and gradcheck), as the coverage test
 * runs them once the package exports the namespace.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as linalg from '../../src/ops/linalg';
import { registeredOps } from '../../src/ops/registry';
import { closeness, hasNative, onBackend } from '../helpers/backends';
import { expectBoth, expectGrad, leaf } from '../helpers/gradcheck';

beforeEach(() => L.manualSeed(41));

const mT = (x: L.Tensor): L.Tensor => L.transpose(x, -2, -1);
const eye = (n: number): L.Tensor => L.eye(n, n, { dtype: 'float64' });
/** X Xᵀ + n I: SPD and differentiable in X. */
const spd = (X: L.Tensor): L.Tensor => X.matmul(mT(X)).add(eye(X.shape[X.ndim - 1]).mul(X.shape[X.ndim - 1]));
/** X + Xᵀ: symmetric, distinct eigenvalues for normal X (almost surely). */
const sym = (X: L.Tensor): L.Tensor => X.add(mT(X));
/** A well-conditioned leaf: normal values plus n·I. */
function dominantLeaf(shape: number[]): L.Tensor {
  const n = shape[shape.length - 1];
  return L.randn(shape, { dtype: 'float64' }).add(eye(n).mul(n)).detach().requiresGrad_();
}
/** Multiplies the columns of V by the signs of V's first row (no gradient through the signs). */
const signFixColumns = (V: L.Tensor): L.Tensor => V.mul(L.noGrad(() => L.sign(L.narrow(V, -2, 0, 1))));

describe('cholesky and the triangular solves', () => {
  it('cholesky (lower and upper), unbatched and batched, to second order', () => {
    for (const shape of [[4, 4], [2, 3, 3]]) {
      expectBoth((X) => linalg.cholesky(spd(X)), [leaf(shape)]);
      expectBoth((X) => linalg.cholesky(spd(X), { upper: true }), [leaf(shape)]);
    }
  });

  it('solveTriangular on both sides, upper and lower, unitriangular, batch broadcast, to second order', () => {
    for (const upper of [false, true]) {
      for (const left of [true, false]) {
        for (const unitriangular of [false, true]) {
          const A = dominantLeaf([3, 3]), B = leaf(left ? [3, 2] : [2, 3]);
          expectBoth((a, b) => linalg.solveTriangular(a, b, { upper, left, unitriangular }), [A, B]);
        }
      }
    }
    expectBoth((a, b) => linalg.solveTriangular(a, b, { upper: true }), [dominantLeaf([2, 1, 3, 3]), leaf([3, 3, 2])]);
  });

  it('the gradient with respect to A stays on the triangle that is read', () => {
    const A = dominantLeaf([3, 3]), B = leaf([3, 2]);
    const [gA] = L.grad(linalg.solveTriangular(A, B, { upper: false, unitriangular: true }).sum(), [A]);
    const v = Array.from(gA!.values);
    for (const i of [0, 1, 2, 4, 5, 8]) expect(v[i], `element ${i}`).toBe(0);
  });
});

describe('solve, inv, det and slogdet', () => {
  it('solve: matrix and vector right-hand sides, both sides, broadcast batches, to second order', () => {
    expectBoth((a, b) => linalg.solve(a, b), [dominantLeaf([4, 4]), leaf([4, 2])]);
    expectBoth((a, b) => linalg.solve(a, b), [dominantLeaf([3, 3]), leaf([3])]);
    expectBoth((a, b) => linalg.solve(a, b), [dominantLeaf([2, 3, 3]), leaf([2, 3])]);
    expectBoth((a, b) => linalg.solve(a, b), [dominantLeaf([3, 3]), leaf([2, 3, 2])]);
    expectBoth((a, b) => linalg.solve(a, b, { left: false }), [dominantLeaf([2, 3, 3]), leaf([1, 4, 3])]);
  });

  it('inv, det and slogdet, unbatched and batched, to second order', () => {
    for (const shape of [[4, 4], [2, 3, 3]]) {
      expectBoth((a) => linalg.inv(a), [dominantLeaf(shape)]);
      expectBoth((a) => linalg.det(a), [leaf(shape)]);
      expectBoth((a) => linalg.slogdet(a).logabsdet, [leaf(shape)]);
    }
  });

  it('det at singular matrices (the SVD form of the cofactors), to second order', () => {
    // The finite differences step off the singular matrix, where the cofactors come from a solve with a
    // condition number ~1/step: a step of 1e-3 keeps that error small, and det is a polynomial of degree n,
    // so central differences stay exact up to O(step²).
    const opts = { eps: 1e-3 };
    expectBoth((a) => linalg.det(a), [L.tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]], { dtype: 'float64', requiresGrad: true })], opts);
    expectBoth((a) => linalg.det(a), [L.tensor([[[2, 1], [4, 2]], [[1, 3], [2, 5]]], { dtype: 'float64', requiresGrad: true })], opts);
    // A composite that stays singular: det ≡ 0, so its gradient is 0.
    expectGrad((x) => linalg.det(L.cat([x, L.narrow(x, 0, 0, 1)], 0)), [leaf([2, 3])]);
  });
});

describe('qr', () => {
  it('reduced mode for tall, square and wide matrices, batched, to second order', () => {
    for (const shape of [[5, 3], [3, 3], [3, 5], [2, 4, 2]]) {
      expectBoth((a) => { const { Q, R } = linalg.qr(a); return [Q, R]; }, [leaf(shape)]);
    }
  });

  it('complete mode for wide matrices (where it is differentiable) and Q or R alone', () => {
    expectBoth((a) => { const { Q, R } = linalg.qr(a, { mode: 'complete' }); return [Q, R]; }, [leaf([2, 4])]);
    expectBoth((a) => linalg.qr(a).Q, [leaf([4, 3])]);
    expectBoth((a) => linalg.qr(a).R, [leaf([3, 4])]);
  });
});

describe('eigh and eigvalsh', () => {
  it('eigenvalues and sign-fixed eigenvectors of symmetric matrices, both triangles, to second order', () => {
    for (const shape of [[4, 4], [2, 3, 3]]) {
      for (const uplo of ['L', 'U'] as const) {
        expectBoth((X) => { const r = linalg.eigh(sym(X), { uplo }); return [r.eigenvalues, signFixColumns(r.eigenvectors)]; }, [leaf(shape)]);
      }
    }
  });

  it('sign-invariant functions of the eigenvectors alone (V diag(f) Vᵀ, V∘V)', () => {
    const f = L.tensor([1, -2, 0.5, 3], { dtype: 'float64' });
    expectBoth((X) => { const V = linalg.eigh(sym(X)).eigenvectors; return V.mul(f).matmul(mT(V)); }, [leaf([4, 4])]);
    expectBoth((X) => linalg.eigh(sym(X)).eigenvectors.square(), [leaf([3, 3])]);
  });

  it('eigvalsh, to second order', () => {
    expectBoth((X) => linalg.eigvalsh(sym(X)), [leaf([2, 4, 4])]);
    expectBoth((X) => linalg.eigvalsh(sym(X), { uplo: 'U' }), [leaf([3, 3])]);
  });
});

describe('svd, svdvals and pinv', () => {
  it('U, S and Vh (sign-fixed), tall, wide, square and batched, to second order', () => {
    for (const shape of [[5, 3], [3, 5], [3, 3], [2, 4, 3]]) {
      expectBoth((a) => {
        const { U, S, Vh } = linalg.svd(a, { fullMatrices: false });
        const s = L.noGrad(() => L.sign(L.narrow(U, -2, 0, 1)));
        return [U.mul(s), S, Vh.mul(mT(s))];
      }, [leaf(shape)]);
    }
  });

  it('full matrices: the singular vectors past min(m, n) carry no gradient (PyTorch\'s rule); U S Vh is checked whole', () => {
    for (const shape of [[5, 3], [3, 5]]) {
      expectBoth((a) => {
        const { U, S, Vh } = linalg.svd(a);
        const k = S.shape[0];
        return L.narrow(U, -1, 0, k).mul(S).matmul(L.narrow(Vh, -2, 0, k));
      }, [leaf(shape)]);
    }
    const a = leaf([5, 3]);
    const { U } = linalg.svd(a);
    const [g] = L.grad(L.narrow(U, -1, 3, 2).sum(), [a], { allowUnused: true });
    expect(g === null || Array.from(g.values).every((v) => v === 0)).toBe(true);
  });

  it('svdvals and U S Vh products, to second order', () => {
    expectBoth((a) => linalg.svdvals(a), [leaf([4, 3])]);
    expectBoth((a) => linalg.svdvals(a), [leaf([2, 2, 5])]);
    expectBoth((a) => { const { U, S, Vh } = linalg.svd(a, { fullMatrices: false }); return U.mul(S.square()).matmul(Vh); }, [leaf([4, 3])]);
  });

  it('pinv (SVD and hermitian), to second order', () => {
    expectBoth((a) => linalg.pinv(a), [leaf([4, 3])]);
    expectBoth((a) => linalg.pinv(a), [leaf([2, 2, 3])]);
    expectBoth((X) => linalg.pinv(sym(X), { hermitian: true }), [leaf([3, 3])]);
  });
});

describe('norms', () => {
  it('vectorNorm for every order, over all dims and chosen dims, to second order', () => {
    const x = leaf([3, 4]);
    for (const ord of [2, 1, 3, 0.5, -1, -2]) {
      expectBoth((t) => linalg.vectorNorm(t, { ord }), [x]);
      expectBoth((t) => linalg.vectorNorm(t, { ord, dim: 1, keepdim: true }), [x]);
    }
    expectGrad((t) => linalg.vectorNorm(t, { ord: Infinity, dim: 0 }), [x]);
    expectGrad((t) => linalg.vectorNorm(t, { ord: -Infinity, dim: [0, 1] }), [x]);
  });

  it('matrixNorm for every order, to second order where smooth', () => {
    const a = leaf([2, 3, 4]);
    for (const ord of ['fro', 'nuc', 2, -2] as const) expectBoth((t) => linalg.matrixNorm(t, { ord }), [a]);
    for (const ord of [1, -1, Infinity, -Infinity]) expectGrad((t) => linalg.matrixNorm(t, { ord, dim: [2, 0], keepdim: true }), [a]);
  });
});

describe('the registry\'s linalg entries (what the coverage test runs)', () => {
  const ops = registeredOps().filter((o) => o.name.startsWith('linalg.'));

  it('registers every linalg function and reaches every linalg kernel', () => {
    const names = new Set(ops.map((o) => o.name.replace(/\(.*\)$/, '')));
    for (const n of ['cholesky', 'solveTriangular', 'solve', 'inv', 'det', 'slogdet', 'qr', 'eigh', 'eigvalsh', 'svd', 'svdvals', 'pinv', 'vectorNorm', 'matrixNorm']) {
      expect(names.has(`linalg.${n}`), n).toBe(true);
    }
    const kernels = new Set(ops.flatMap((o) => o.kernels as readonly string[]));
    for (const k of ['cholesky', 'triangularSolve', 'luFactor', 'luSolve', 'qr', 'eigh', 'svd']) expect(kernels.has(k), k).toBe(true);
  });

  for (const op of ops) {
    it(`${op.name}: parity of its samples and gradcheck (float64)`, () => {
      op.samples.forEach((sample, i) => {
        for (const dtype of ['float32', 'float64'] as const) {
          if (!hasNative()) break;
          L.manualSeed(1000 + i);
          const inputs = sample.inputs(dtype);
          const ref = [onBackend('reference', () => op.run(...inputs))].flat();
          const nat = [onBackend('native', () => op.run(...inputs))].flat();
          const tol = op.tolerance?.[dtype] ?? (dtype === 'float32' ? 1e-5 : 1e-12);
          nat.forEach((y, k) => expect(closeness(y.values, ref[k].values, tol, tol), `${op.name} ${sample.label} ${dtype} output ${k}`).toBeLessThanOrEqual(1));
        }
        if (!op.differentiable) return;
        L.manualSeed(1000 + i);
        const inputs = sample.inputs('float64');
        for (const t of inputs) t.requiresGrad = true;
        L.manualSeed(2000 + i);
        expect(L.gradcheck((...xs) => op.run(...xs), inputs, sample.gradcheck), `${op.name} ${sample.label}`).toBe(true);
      });
    });
  }
});

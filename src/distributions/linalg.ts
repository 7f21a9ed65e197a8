/**
 * The small dense linear algebra MultivariateNormal needs: a Cholesky factorisation and a
 * lower-triangular solve. On the cpu they are linalg's kernels; elsewhere (cuda, which has no
 * linalg kernels yet) they are written with ops, column by column (n steps of batched
 * matrix-vector work: meant for event sizes up to some hundreds). Both differentiate.
 */
import { ArgumentError } from '../errors';
import { div, mul, sub } from '../ops/binary';
import { eye, tensor } from '../ops/creation';
import { indexSelect } from '../ops/indexing';
import { matmul } from '../ops/matmul';
import { sum } from '../ops/reduce';
import { cat, narrow, reshape, transpose } from '../ops/shape';
import { sqrt, square } from '../ops/unary';
import { hostValues } from '../ops/util';
import type { Tensor } from '../tensor/tensor';
import * as linalg from '../ops/linalg';

const floatDtype = (t: Tensor): 'float32' | 'float64' => (t.dtype === 'float64' ? 'float64' : 'float32');

/** The [n, 1] column that is 1 from row j down, 0 above. */
function fromRow(n: number, j: number, dtype: 'float32' | 'float64'): Tensor {
  const v = new Float64Array(n);
  for (let i = j; i < n; i++) v[i] = 1;
  return reshape(tensor(v, { dtype }), [n, 1]);
}

/**
 * The lower Cholesky factor L (A = L L^T) of symmetric positive-definite matrices A [..., n, n],
 * by columns: column j is (A[:, j] - L[:, :j] L[j, :j]^T) / sqrt(pivot), zero above the diagonal.
 * Only the lower triangle of A is read. A pivot <= 0 (or NaN) throws, naming `who` and the column.
 * @example `cholesky('MultivariateNormal: covarianceMatrix', cov)`
 */
export function cholesky(who: string, a: Tensor): Tensor {
  if (a.device !== 'cpu') return choleskyByOps(who, a);
  try {
    return linalg.cholesky(a);
  } catch (e) {
    if (!(e instanceof ArgumentError)) throw e;
    throw new ArgumentError(`${who} is not positive-definite: ${e.message}`);
  }
}

/** @internal cholesky written with ops (the path for devices without linalg kernels), column by column. */
export function choleskyByOps(who: string, a: Tensor): Tensor {
  const n = a.shape[a.ndim - 1];
  const dtype = floatDtype(a);
  const cols: Tensor[] = [];
  for (let j = 0; j < n; j++) {
    let v = narrow(a, -1, j, 1);  // [..., n, 1]
    if (j > 0) {
      const left = cat(cols, -1);  // L[..., :, :j]
      v = sub(v, matmul(left, transpose(narrow(left, -2, j, 1), -1, -2)));
    }
    const pivot = narrow(v, -2, j, 1);  // [..., 1, 1]
    const values = hostValues(pivot);
    for (let b = 0; b < values.length; b++) {
      if (!(values[b] > 0)) {
        throw new ArgumentError(`${who} is not positive-definite: the Cholesky factorisation met pivot ${values[b]} in column ${j}`
          + `${values.length > 1 ? ` of matrix ${b} of the batch` : ''} (the leading ${j + 1}x${j + 1} minor is not positive-definite)`);
      }
    }
    cols.push(mul(div(v, sqrt(pivot)), fromRow(n, j, dtype)));
  }
  return cat(cols, -1);
}

/**
 * X with L X = B, for lower-triangular L [..., n, n] and B [..., n, m] (batch dims broadcast),
 * by forward substitution: row i is (B[i] - L[i, :i] X[:i]) / L[i, i].
 * @example `solveLowerTriangular(L, eye(n))   // L^-1`
 */
export function solveLowerTriangular(l: Tensor, b: Tensor): Tensor {
  return l.device === 'cpu' && b.device === 'cpu' ? linalg.solveTriangular(l, b, { upper: false }) : solveLowerTriangularByOps(l, b);
}

/** @internal solveLowerTriangular written with ops (the path for devices without linalg kernels), row by row. */
export function solveLowerTriangularByOps(l: Tensor, b: Tensor): Tensor {
  const n = l.shape[l.ndim - 1];
  const rows: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const lRow = narrow(l, -2, i, 1);  // [..., 1, n]
    let r = narrow(b, -2, i, 1);       // [..., 1, m]
    if (i > 0) r = sub(r, matmul(narrow(lRow, -1, 0, i), cat(rows, -2)));
    rows.push(div(r, narrow(lRow, -1, i, 1)));
  }
  return cat(rows, -2);
}

/** The diagonals of matrices [..., n, n], as [..., n]. @example `diagonal(L)` */
export function diagonal(m: Tensor): Tensor {
  const n = m.shape[m.ndim - 1];
  return sum(mul(m, eye(n, n, { dtype: floatDtype(m), device: m.device })), -1);
}

/** |L^-1 x|^2 for x [..., n] against L [..., n, n] (batch dims broadcast): PyTorch's _batch_mahalanobis. */
export function batchMahalanobis(l: Tensor, x: Tensor): Tensor {
  const z = solveLowerTriangular(l, reshape(x, [...x.shape, 1]));
  return sum(square(z), [-2, -1]);
}

/** m with its last two dims reversed (torch.flip(m, (-2, -1))). */
export function flipMatrix(m: Tensor): Tensor {
  const n = m.shape[m.ndim - 1];
  const rev = tensor(Int32Array.from({ length: n }, (_, i) => n - 1 - i));
  return indexSelect(indexSelect(m, -1, rev), -2, rev);
}

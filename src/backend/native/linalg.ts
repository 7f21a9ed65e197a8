/** Thin wrappers over the addon's linear-algebra kernels (native/bindings/linalg.cc). */
import type { Backend } from '../backend';
import type { NativeBinding } from './binding';

type LinalgKernels = Pick<Backend, 'cholesky' | 'triangularSolve' | 'luFactor' | 'luSolve' | 'qr' | 'eigh' | 'svd'>;

export function linalgKernels(addon: NativeBinding): LinalgKernels {
  return {
    cholesky: (a, out, info, batch, n, upper) => addon.cholesky(a, out, info, batch, n, upper),
    triangularSolve: (a, b, out, batch, n, k, upper, left, unitriangular) =>
      addon.triangularSolve(a, b, out, batch, n, k, upper, left, unitriangular),
    luFactor: (a, lu, pivots, info, batch, n) => addon.luFactor(a, lu, pivots, info, batch, n),
    luSolve: (lu, pivots, b, out, batch, n, k) => addon.luSolve(lu, pivots, b, out, batch, n, k),
    qr: (a, q, r, batch, m, n, complete) => addon.qr(a, q, r, batch, m, n, complete),
    eigh: (a, values, vectors, info, batch, n, upper) => addon.eigh(a, values, vectors, info, batch, n, upper),
    svd: (a, u, s, vh, info, batch, m, n, full) => addon.svd(a, u, s, vh, info, batch, m, n, full),
  };
}

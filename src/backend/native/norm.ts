/** Thin wrappers over the addon's normalisation kernels (native/bindings/norm.cc). */
import type { Backend } from '../backend';
import type { NativeBinding } from './binding';

type NormKernels = Pick<Backend, 'layerNormForward' | 'layerNormBackward' | 'batchNormForward' | 'batchNormBackward'
  | 'groupNormForward' | 'groupNormBackward'>;

export function normKernels(addon: NativeBinding): NormKernels {
  return {
    layerNormForward: (x, w, b, y, mean, rstd, rows, n, eps, relu) => addon.layerNormForward(x, w, b, y, mean, rstd, rows, n, eps, relu ?? false),
    layerNormBackward: (dy, x, mean, rstd, w, dx, dw, db, rows, n, reluOutput) =>
      addon.layerNormBackward(dy, x, mean, rstd, w, dx, dw, db, rows, n, reluOutput ?? null),
    batchNormForward: (x, w, b, y, mean, variance, invstd, N, C, S, eps, training, relu) =>
      addon.batchNormForward(x, w, b, y, mean, variance, invstd, N, C, S, eps, training, relu ?? false),
    batchNormBackward: (dy, x, mean, invstd, w, dx, dw, db, N, C, S, training, reluOutput) =>
      addon.batchNormBackward(dy, x, mean, invstd, w, dx, dw, db, N, C, S, training, reluOutput ?? null),
    groupNormForward: (x, w, b, y, mean, rstd, N, C, S, groups, eps) => addon.groupNormForward(x, w, b, y, mean, rstd, N, C, S, groups, eps),
    groupNormBackward: (dy, x, mean, rstd, w, dx, dw, db, N, C, S, groups) =>
      addon.groupNormBackward(dy, x, mean, rstd, w, dx, dw, db, N, C, S, groups),
  };
}

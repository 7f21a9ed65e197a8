/** The native backend: thin typed wrappers over the addon. */
import type { Backend } from '../backend';
import { binaryCode, reduceCode, unaryCode } from '../opcodes';
import type { NativeBinding } from './binding';
import { attentionKernels } from './attention';
import { augmentKernels } from './augment';
import { resampleKernels } from './resample';
import { convPoolKernels } from './conv';
import { normKernels } from './norm';
import { optimKernels } from './optim';
import { scanOrderKernels } from './scan-order';
import { linalgKernels } from './linalg';

const U32 = 0xffffffffn;

export function makeNativeBackend(addon: NativeBinding): Backend {
  return {
    name: 'native',
    unary: (op, x, out, p0, p1) => addon.unary(unaryCode(op), x, out, p0, p1),
    binary: (op, a, b, out, shape, aS, bS) => addon.binary(binaryCode(op), a, b, out, shape, aS, bS),
    where: (cond, a, b, out, shape, cS, aS, bS) => addon.where(cond, a, b, out, shape, cS, aS, bS),
    reduce: (op, x, out, outer, len, inner) => addon.reduce(reduceCode(op), x, out, outer, len, inner),
    argReduce: (isMax, x, values, indices, outer, len, inner) => addon.argReduce(isMax, x, values, indices, outer, len, inner),
    softmax: (log, x, out, outer, len, inner) => addon.softmax(log, x, out, outer, len, inner),
    gemm: (tA, tB, M, N, K, alpha, a, aO, lda, b, bO, ldb, beta, c, cO, ldc) =>
      addon.gemm(tA, tB, M, N, K, alpha, a, aO, lda, b, bO, ldb, beta, c, cO, ldc),
    copyStrided: (src, so, ss, dst, dO, ds, shape) => addon.copyStrided(src, so, ss, dst, dO, ds, shape),
    cast: (src, dst) => addon.cast(src, dst),
    gather: (x, index, out, outer, len, idxLen, inner) => addon.gather(x, index, out, outer, len, idxLen, inner),
    scatterAdd: (src, index, out, outer, len, idxLen, inner) => addon.scatterAdd(src, index, out, outer, len, idxLen, inner),
    indexSelect: (x, index, out, outer, len, inner) => addon.indexSelect(x, index, out, outer, len, inner),
    indexAdd: (src, index, out, outer, len, inner) => addon.indexAdd(src, index, out, outer, len, inner),
    crossEntropy: (x, outer, classes, inner, target, probs, weight, ignoreIndex, smoothing, loss, lse) =>
      addon.crossEntropy(x, outer, classes, inner, target, probs, weight, ignoreIndex, smoothing, loss, lse),
    crossEntropyBackward: (x, outer, classes, inner, target, probs, weight, ignoreIndex, smoothing, lse, gradLoss, gradX) =>
      addon.crossEntropyBackward(x, outer, classes, inner, target, probs, weight, ignoreIndex, smoothing, lse, gradLoss, gradX),
    ctcLoss: (lp, maxTime, batch, classes, targets, offsets, targetLengths, inputLengths, blank, zeroInfinity, nll, grad) =>
      addon.ctcLoss(lp, maxTime, batch, classes, targets, offsets, targetLengths, inputLengths, blank, zeroInfinity, nll, grad),
    ...convPoolKernels(addon),
    ...augmentKernels(addon),
    ...attentionKernels(addon),
    ...resampleKernels(addon),
    ...normKernels(addon),
    ...optimKernels(addon),
    ...scanOrderKernels(addon),
    ...linalgKernels(addon),
    tanhBackward: (a, b, c, out) => addon.tanhBackward(a, b, c, out),
    philoxUniform: (seed, offset, out) =>
      addon.philoxUniform(Number(seed & U32), Number((seed >> 32n) & U32), Number(offset & U32), Number((offset >> 32n) & U32), out),
  };
}

/**
 * The CUDA backend: the Backend interface over the addon's CUDA bindings. Ops pass each
 * tensor's `deviceValues`, which for a cuda tensor is the tag of its device buffer (see
 * tensor/device.ts); `handleOf` maps a tag to the buffer's handle. Kernels the CUDA build
 * does not have yet (augmentation, adaptive max pooling, attention, and any kernel
 * added to Backend later) throw a BackendError naming the kernel, before anything is written.
 */
import { BackendError } from '../../errors';
import type { TypedArray } from '../../tensor/dtype';
import type { Backend } from '../backend';
import { binaryCode, reduceCode, unaryCode } from '../opcodes';
import type { CudaBinding } from './binding';
import { float32MatmulAllowsTf32 } from './precision';

const U32 = 0xffffffffn;

/** The kernels with a CUDA implementation, by Backend method name (docs/cuda.md lists them too). */
export const CUDA_KERNELS = [
  'unary', 'binary', 'where', 'reduce', 'argReduce', 'softmax', 'gemm', 'copyStrided', 'cast', 'gather', 'scatterAdd',
  'indexSelect', 'indexAdd', 'crossEntropy', 'crossEntropyBackward', 'sgdStep', 'adamStep', 'rmspropStep', 'philoxUniform',
  'conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight', 'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward',
  'adaptiveAvgPool2d', 'adaptiveAvgPool2dBackward', 'layerNormForward', 'layerNormBackward', 'batchNormForward', 'batchNormBackward',
  'groupNormForward', 'groupNormBackward', 'ctcLoss',
] as const;

export function makeCudaBackend(b: CudaBinding, handleOf: (tag: TypedArray) => number): Backend {
  const h = handleOf;
  const hn = (tag: TypedArray | null): number | null => (tag === null ? null : handleOf(tag));
  const missing = (kernel: string) => (): never => {
    throw new BackendError(`${kernel}: no CUDA kernel yet (CUDA has ${CUDA_KERNELS.join(', ')}); move the tensors with .to('cpu') for this op`);
  };
  const kernels: Partial<Backend> = {
    name: 'cuda',
    unary: (op, x, out, p0, p1) => b.cudaUnary(unaryCode(op), h(x), h(out), p0, p1),
    binary: (op, x, y, out, shape, aS, bS) => b.cudaBinary(binaryCode(op), h(x), h(y), h(out), shape, aS, bS),
    where: (cond, x, y, out, shape, cS, aS, bS) => b.cudaWhere(h(cond), h(x), h(y), h(out), shape, cS, aS, bS),
    reduce: (op, x, out, outer, len, inner) => b.cudaReduce(reduceCode(op), h(x), h(out), outer, len, inner),
    argReduce: (isMax, x, values, indices, outer, len, inner) => b.cudaArgReduce(isMax, h(x), hn(values), h(indices), outer, len, inner),
    softmax: (log, x, out, outer, len, inner) => b.cudaSoftmax(log, h(x), h(out), outer, len, inner),
    gemm: (tA, tB, M, N, K, alpha, a, aO, lda, bb, bO, ldb, beta, c, cO, ldc) =>
      b.cudaGemm(tA, tB, M, N, K, alpha, h(a), aO, lda, h(bb), bO, ldb, beta, h(c), cO, ldc, float32MatmulAllowsTf32()),
    copyStrided: (src, so, ss, dst, dO, ds, shape) => b.cudaCopyStrided(h(src), so, ss, h(dst), dO, ds, shape),
    cast: (src, dst) => b.cudaCast(h(src), h(dst)),
    gather: (x, index, out, outer, len, idxLen, inner) => b.cudaGather(h(x), h(index), h(out), outer, len, idxLen, inner),
    scatterAdd: (src, index, out, outer, len, idxLen, inner) => b.cudaScatterAdd(h(src), h(index), h(out), outer, len, idxLen, inner),
    indexSelect: (x, index, out, outer, len, inner) => b.cudaIndexSelect(h(x), h(index), h(out), outer, len, inner),
    indexAdd: (src, index, out, outer, len, inner) => b.cudaIndexAdd(h(src), h(index), h(out), outer, len, inner),
    crossEntropy: (x, outer, classes, inner, target, probs, weight, ignoreIndex, smoothing, loss, lse) =>
      b.cudaCrossEntropy(h(x), outer, classes, inner, hn(target), hn(probs), hn(weight), ignoreIndex, smoothing, h(loss), h(lse)),
    crossEntropyBackward: (x, outer, classes, inner, target, probs, weight, ignoreIndex, smoothing, lse, gradLoss, gradX) =>
      b.cudaCrossEntropyBackward(h(x), outer, classes, inner, hn(target), hn(probs), hn(weight), ignoreIndex, smoothing,
        h(lse), h(gradLoss), h(gradX)),
    sgdStep: (params, grads, bufs, fresh, o) => b.cudaSgdStep(params.map(h), grads.map(h), bufs ? bufs.map(h) : null, fresh, o),
    rmspropStep: (params, grads, sq, ga, bufs, o) =>
      b.cudaRmspropStep(params.map(h), grads.map(h), sq.map(h), ga ? ga.map(h) : null, bufs ? bufs.map(h) : null, o),
    adamStep: (params, grads, m, v, vmax, stepSize, bias2Sqrt, o) =>
      b.cudaAdamStep(params.map(h), grads.map(h), m.map(h), v.map(h), vmax ? vmax.map(h) : null, stepSize, bias2Sqrt, o),
    philoxUniform: (seed, offset, out) =>
      b.cudaPhiloxUniform(Number(seed & U32), Number((seed >> 32n) & U32), Number(offset & U32), Number((offset >> 32n) & U32), h(out)),
    conv2d: (x, w, bias, out, g) => b.cudaConv2d(h(x), h(w), hn(bias), h(out), g),
    conv2dBackwardInput: (gy, w, gx, g) => b.cudaConv2dBackwardInput(h(gy), h(w), h(gx), g),
    conv2dBackwardWeight: (x, gy, gw, g) => b.cudaConv2dBackwardWeight(h(x), h(gy), h(gw), g),
    // ops/pool.ts passes null indices (the 2x2 path) on the CPU only.
    maxPool2d: (x, out, indices, g) => b.cudaMaxPool2d(h(x), h(out), h(indices!), g),
    maxPool2dBackward: (gy, indices, gx, g) => b.cudaMaxPool2dBackward(h(gy), h(indices), h(gx), g),
    avgPool2d: (x, out, g, cip, divisor) => b.cudaAvgPool2d(h(x), h(out), g, cip, divisor),
    avgPool2dBackward: (gy, gx, g, cip, divisor) => b.cudaAvgPool2dBackward(h(gy), h(gx), g, cip, divisor),
    adaptiveAvgPool2d: (x, out, planes, ih, iw, oh, ow) => b.cudaAdaptiveAvgPool2d(h(x), h(out), planes, ih, iw, oh, ow),
    adaptiveAvgPool2dBackward: (gy, gx, planes, ih, iw, oh, ow) => b.cudaAdaptiveAvgPool2dBackward(h(gy), h(gx), planes, ih, iw, oh, ow),
    // The statistics (mean, rstd, variance, invstd) are float64 device buffers here (ops/norm.ts allocates them on x's device).
    layerNormForward: (x, w, bias, y, mean, rstd, rows, n, eps, relu) =>
      b.cudaLayerNormForward(h(x), hn(w), hn(bias), h(y), h(mean), h(rstd), rows, n, eps, relu ?? false),
    layerNormBackward: (dy, x, mean, rstd, w, dx, dw, db, rows, n, out) =>
      b.cudaLayerNormBackward(h(dy), h(x), h(mean), h(rstd), hn(w), hn(dx), hn(dw), hn(db), rows, n, hn(out ?? null)),
    batchNormForward: (x, w, bias, y, mean, variance, invstd, N, C, S, eps, training, relu) =>
      b.cudaBatchNormForward(h(x), hn(w), hn(bias), h(y), h(mean), h(variance), h(invstd), N, C, S, eps, training, relu ?? false),
    batchNormBackward: (dy, x, mean, invstd, w, dx, dw, db, N, C, S, training, out) =>
      b.cudaBatchNormBackward(h(dy), h(x), h(mean), h(invstd), hn(w), hn(dx), hn(dw), hn(db), N, C, S, training, hn(out ?? null)),
    groupNormForward: (x, w, bias, y, mean, rstd, N, C, S, groups, eps) =>
      b.cudaGroupNormForward(h(x), hn(w), hn(bias), h(y), h(mean), h(rstd), N, C, S, groups, eps),
    groupNormBackward: (dy, x, mean, rstd, w, dx, dw, db, N, C, S, groups) =>
      b.cudaGroupNormBackward(h(dy), h(x), h(mean), h(rstd), hn(w), hn(dx), hn(dw), hn(db), N, C, S, groups),
    // targets and the lengths are host arrays (ops/ctc.ts checks the labels on the host).
    ctcLoss: (lp, maxTime, batch, classes, targets, offsets, tgtLens, inLens, blank, zeroInfinity, nll, grad) =>
      b.cudaCtcLoss(h(lp), maxTime, batch, classes, targets, offsets, tgtLens, inLens, blank, zeroInfinity, h(nll), hn(grad)),
  };
  // Every other Backend method (including ones added to the interface later) is a kernel
  // CUDA lacks: it throws with its name when called.
  return new Proxy(kernels, {
    get: (target, key) => (key in target ? target[key as keyof Backend] : typeof key === 'string' ? missing(key) : undefined),
  }) as Backend;
}

/**
 * A host emulation of the addon's CUDA bindings: "device" buffers are typed arrays in a
 * handle table and every kernel runs the reference kernel. It lets the device plumbing
 * (tags, handles, dispatch, memory accounting, autograd and optimizers on 'cuda') run and
 * be checked on machines without a GPU; it says nothing about the CUDA kernels themselves,
 * which only parity.test.ts on a GPU checks.
 */
import type { CudaBinding } from '../../src/backend/cuda/binding';
import { BINARY_OPS, REDUCE_OPS, UNARY_OPS } from '../../src/backend/opcodes';
import { referenceBackend } from '../../src/backend/index';
import type { FloatArray, TypedArray } from '../../src/tensor/dtype';

export interface Emulation extends CudaBinding {
  /** Live buffers in the handle table. */
  live(): number;
  /** How many times each binding was called (dispatch checks: an op reached the CUDA kernel). */
  calls: Map<string, number>;
  /** The allowTf32 flag of the last cudaGemm call. */
  lastGemmAllowTf32: boolean | undefined;
}

const CTORS = [Float32Array, Float64Array, Int32Array, Uint8Array] as const;

export function emulatedCuda(): Emulation {
  const mem = new Map<number, TypedArray>();
  let next = 1;
  const get = (h: number): TypedArray => {
    const a = mem.get(h);
    if (!a) throw new Error(`emulated cuda: handle ${h} is not a live buffer`);
    return a;
  };
  const f = (h: number): FloatArray => get(h) as FloatArray;
  const i32 = (h: number): Int32Array => get(h) as Int32Array;
  const opt = <T>(h: number | null, as: (h: number) => T): T | null => (h === null ? null : as(h));
  const k = referenceBackend;
  const f64 = (h: number): Float64Array => {
    const a = get(h);
    if (!(a instanceof Float64Array)) throw new Error(`emulated cuda: handle ${h} holds statistics that are not float64`);
    return a;
  };
  const optF = (h: number | null): FloatArray | null => opt(h, f);
  const emulation: Emulation = {
    live: () => mem.size,
    calls: new Map(),
    lastGemmAllowTf32: undefined,
    cudaInfo: () => ({ built: true, available: true, reason: '', devices: 1, name: 'host emulation', capability: '9.0',
      totalBytes: 0, runtimeVersion: 0, driverVersion: 0 }),
    cudaAlloc: (dtype, length) => {
      mem.set(next, new CTORS[dtype](length));
      return next++;
    },
    cudaFree: (h) => {
      get(h);
      mem.delete(h);
    },
    cudaUpload: (h, src) => get(h).set(src as TypedArray),
    cudaDownload: (h, dst) => (dst as TypedArray).set(get(h)),
    cudaCopy: (s, d) => get(d).set(get(s)),
    cudaFill: (h, v) => { get(h).fill(v); },
    cudaMemory: () => {
      let bytes = 0;
      for (const a of mem.values()) bytes += a.byteLength;
      return { liveBytes: bytes, buffers: mem.size, reservedBytes: bytes, usedBytes: bytes, freeDeviceBytes: 0, totalDeviceBytes: 0 };
    },
    cudaEmptyCache: () => {},
    cudaSynchronize: () => {},
    cudaUnary: (op, x, out, p0, p1) => k.unary(UNARY_OPS[op], get(x), get(out), p0, p1),
    cudaBinary: (op, a, b, out, shape, aS, bS) => k.binary(BINARY_OPS[op], get(a), get(b), get(out), shape, aS, bS),
    cudaWhere: (c, a, b, out, shape, cS, aS, bS) => k.where(get(c) as Uint8Array, get(a), get(b), get(out), shape, cS, aS, bS),
    cudaCopyStrided: (s, so, ss, d, dO, ds, shape) => k.copyStrided(get(s), so, ss, get(d), dO, ds, shape),
    cudaCast: (s, d) => k.cast(get(s), get(d)),
    cudaReduce: (op, x, out, o, l, i) => k.reduce(REDUCE_OPS[op], get(x), get(out), o, l, i),
    cudaArgReduce: (isMax, x, v, idx, o, l, i) => k.argReduce(isMax, get(x), opt(v, get), i32(idx), o, l, i),
    cudaSoftmax: (log, x, out, o, l, i) => k.softmax(log, f(x), f(out), o, l, i),
    cudaGather: (x, idx, out, o, l, il, i) => k.gather(get(x), i32(idx), get(out), o, l, il, i),
    cudaScatterAdd: (s, idx, out, o, l, il, i) => k.scatterAdd(f(s), i32(idx), f(out), o, l, il, i),
    cudaIndexSelect: (x, idx, out, o, l, i) => k.indexSelect(get(x), i32(idx), get(out), o, l, i),
    cudaIndexAdd: (s, idx, out, o, l, i) => k.indexAdd(f(s), i32(idx), f(out), o, l, i),
    cudaCrossEntropy: (x, o, c, i, t, p, w, ig, ls, loss, lse) =>
      k.crossEntropy(f(x), o, c, i, opt(t, i32), opt(p, f), opt(w, f), ig, ls, f(loss), f(lse)),
    cudaCrossEntropyBackward: (x, o, c, i, t, p, w, ig, ls, lse, gl, gx) =>
      k.crossEntropyBackward(f(x), o, c, i, opt(t, i32), opt(p, f), opt(w, f), ig, ls, f(lse), f(gl), f(gx)),
    cudaGemm: (tA, tB, M, N, K, alpha, a, aO, lda, b, bO, ldb, beta, c, cO, ldc, allowTf32) => {
      emulation.lastGemmAllowTf32 = allowTf32;
      k.gemm(tA, tB, M, N, K, alpha, f(a), aO, lda, f(b), bO, ldb, beta, f(c), cO, ldc);
    },
    cudaAdamStep: (p, g, m, v, vmax, step, bias2, o) =>
      k.adamStep(p.map(f), g.map(f), m.map(f), v.map(f), vmax ? vmax.map(f) : null, step, bias2, o as never),
    cudaRmspropStep: (p, g, sq, ga, bufs, o) => k.rmspropStep(p.map(f), g.map(f), sq.map(f), ga ? ga.map(f) : null, bufs ? bufs.map(f) : null, o as never),
    cudaSgdStep: (p, g, bufs, fresh, o) => k.sgdStep(p.map(f), g.map(f), bufs ? bufs.map(f) : null, fresh, o as never),
    cudaConv2d: (x, w, bias, out, g) => k.conv2d(f(x), f(w), opt(bias, f), f(out), g),
    cudaConv2dBackwardInput: (gy, w, gx, g) => k.conv2dBackwardInput(f(gy), f(w), f(gx), g),
    cudaConv2dBackwardWeight: (x, gy, gw, g) => k.conv2dBackwardWeight(f(x), f(gy), f(gw), g),
    cudaMaxPool2d: (x, out, idx, g) => k.maxPool2d(f(x), f(out), i32(idx), g),
    cudaMaxPool2dBackward: (gy, idx, gx, g) => k.maxPool2dBackward(f(gy), i32(idx), f(gx), g),
    cudaAvgPool2d: (x, out, g, cip, d) => k.avgPool2d(f(x), f(out), g, cip, d),
    cudaAvgPool2dBackward: (gy, gx, g, cip, d) => k.avgPool2dBackward(f(gy), f(gx), g, cip, d),
    cudaAdaptiveAvgPool2d: (x, out, p, h, w, oh, ow) => k.adaptiveAvgPool2d(f(x), f(out), p, h, w, oh, ow),
    cudaAdaptiveAvgPool2dBackward: (gy, gx, p, h, w, oh, ow) => k.adaptiveAvgPool2dBackward(f(gy), f(gx), p, h, w, oh, ow),
    cudaPhiloxUniform: (sl, sh, ol, oh, out) =>
      k.philoxUniform(BigInt(sl) | (BigInt(sh) << 32n), BigInt(ol) | (BigInt(oh) << 32n), f(out)),
    cudaLayerNormForward: (x, w, b, y, mean, rstd, rows, n, eps, relu) =>
      k.layerNormForward(f(x), optF(w), optF(b), f(y), f64(mean), f64(rstd), rows, n, eps, relu),
    cudaLayerNormBackward: (dy, x, mean, rstd, w, dx, dw, db, rows, n, out) =>
      k.layerNormBackward(f(dy), f(x), f64(mean), f64(rstd), optF(w), optF(dx), optF(dw), optF(db), rows, n, optF(out)),
    cudaBatchNormForward: (x, w, b, y, mean, variance, invstd, N, C, S, eps, training, relu) =>
      k.batchNormForward(f(x), optF(w), optF(b), f(y), f64(mean), f64(variance), f64(invstd), N, C, S, eps, training, relu),
    cudaBatchNormBackward: (dy, x, mean, invstd, w, dx, dw, db, N, C, S, training, out) =>
      k.batchNormBackward(f(dy), f(x), f64(mean), f64(invstd), optF(w), optF(dx), optF(dw), optF(db), N, C, S, training, optF(out)),
    cudaGroupNormForward: (x, w, b, y, mean, rstd, N, C, S, groups, eps) =>
      k.groupNormForward(f(x), optF(w), optF(b), f(y), f64(mean), f64(rstd), N, C, S, groups, eps),
    cudaGroupNormBackward: (dy, x, mean, rstd, w, dx, dw, db, N, C, S, groups) =>
      k.groupNormBackward(f(dy), f(x), f64(mean), f64(rstd), optF(w), optF(dx), optF(dw), optF(db), N, C, S, groups),
    cudaCtcLoss: (lp, T, N, C, targets, offsets, tgtLens, inLens, blank, zeroInfinity, nll, grad) => {
      // The binding's host-side checks (native/cuda/bindings.cc): labels, lengths and the host arrays' types.
      for (const [name, a] of [['targets', targets], ['targetOffsets', offsets], ['targetLengths', tgtLens], ['inputLengths', inLens]] as const) {
        if (!(a instanceof Int32Array)) throw new TypeError(`cudaCtcLoss: ${name} must be an Int32Array`);
      }
      k.ctcLoss(f(lp), T, N, C, targets, offsets, tgtLens, inLens, blank, zeroInfinity, f(nll), optF(grad));
    },
  };
  // Count every binding call (the dispatch tests read them).
  for (const [name, fn] of Object.entries(emulation)) {
    if (!name.startsWith('cuda') || typeof fn !== 'function') continue;
    (emulation as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      emulation.calls.set(name, (emulation.calls.get(name) ?? 0) + 1);
      return (fn as (...a: unknown[]) => unknown)(...args);
    };
  }
  return emulation;
}

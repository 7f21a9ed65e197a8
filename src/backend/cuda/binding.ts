/**
 * The CUDA part of the addon (native/cuda/bindings.cc), present in addons built with
 * LATTICE_CUDA=1. Device memory is named by integer handles; the kernels take Backend's
 * arguments with a handle in place of each device array (host arrays of shapes, strides and
 * offsets stay typed arrays).
 */
export interface CudaInfo {
  built: boolean; available: boolean; reason: string; devices: number; name: string; capability: string;
  totalBytes: number; runtimeVersion: number; driverVersion: number;
  /** Which GEMM runs matmul: 'cublas' (libcublas loaded at run time), 'builtin' (the addon's kernels), 'none' (no device). */
  gemm?: 'cublas' | 'builtin' | 'none';
  /** The cuBLAS library and version, or why it is not used. */
  gemmDetail?: string;
}

/**
 * The allocator's figures: live handle bytes, and the stream-ordered pool's reserved/used bytes.
 * @example `const { liveBytes, reservedBytes } = cudaMemory()`
 */
export interface CudaMemoryInfo {
  liveBytes: number; buffers: number; reservedBytes: number; usedBytes: number; freeDeviceBytes: number; totalDeviceBytes: number;
}

import type { ConvGeometry, PoolGeometry } from '../backend';

type H = number;
type Ints = Int32Array;

export interface CudaBinding {
  cudaInfo(): CudaInfo;
  /** dtype: 0 float32, 1 float64, 2 int32, 3 bool (uint8). */
  cudaAlloc(dtype: number, length: number): H;
  cudaFree(h: H): void;
  cudaUpload(dst: H, src: ArrayBufferView): void;
  cudaDownload(src: H, dst: ArrayBufferView): void;
  cudaCopy(src: H, dst: H): void;
  cudaFill(out: H, value: number): void;
  cudaMemory(): CudaMemoryInfo;
  cudaEmptyCache(): void;
  cudaSynchronize(): void;
  cudaUnary(op: number, x: H, out: H, p0: number, p1: number): void;
  cudaBinary(op: number, a: H, b: H, out: H, shape: Ints | null, aStrides: Ints | null, bStrides: Ints | null): void;
  cudaWhere(cond: H, a: H, b: H, out: H, shape: Ints, cS: Ints, aS: Ints, bS: Ints): void;
  cudaCopyStrided(src: H, srcOffset: number, srcStrides: Ints, dst: H, dstOffset: number, dstStrides: Ints, shape: Ints): void;
  cudaCast(src: H, dst: H): void;
  cudaReduce(op: number, x: H, out: H, outer: number, len: number, inner: number): void;
  cudaArgReduce(isMax: boolean, x: H, values: H | null, indices: H, outer: number, len: number, inner: number): void;
  cudaSoftmax(log: boolean, x: H, out: H, outer: number, len: number, inner: number): void;
  cudaGather(x: H, index: H, out: H, outer: number, len: number, idxLen: number, inner: number): void;
  cudaScatterAdd(src: H, index: H, out: H, outer: number, len: number, idxLen: number, inner: number): void;
  cudaIndexSelect(x: H, index: H, out: H, outer: number, len: number, inner: number): void;
  cudaIndexAdd(src: H, index: H, out: H, outer: number, len: number, inner: number): void;
  cudaCrossEntropy(x: H, outer: number, classes: number, inner: number, target: H | null, probs: H | null, weight: H | null,
    ignoreIndex: number, labelSmoothing: number, loss: H, logSumExp: H): void;
  cudaCrossEntropyBackward(x: H, outer: number, classes: number, inner: number, target: H | null, probs: H | null, weight: H | null,
    ignoreIndex: number, labelSmoothing: number, logSumExp: H, gradLoss: H, gradX: H): void;
  cudaGemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, a: H, aOffsets: Ints, lda: number,
    b: H, bOffsets: Ints, ldb: number, beta: number, c: H, cOffsets: Ints, ldc: number, allowTf32?: boolean): void;
  cudaAdamStep(params: H[], grads: H[], expAvg: H[], expAvgSq: H[], maxExpAvgSq: H[] | null, stepSize: Float64Array,
    bias2Sqrt: Float64Array, o: object): void;
  cudaSgdStep(params: H[], grads: H[], momentumBuffers: H[] | null, fresh: Uint8Array | null, o: object): void;
  cudaRmspropStep(params: H[], grads: H[], squareAvg: H[], gradAvg: H[] | null, momentumBuffers: H[] | null, o: object): void;
  cudaPhiloxUniform(seedLo: number, seedHi: number, offsetLo: number, offsetHi: number, out: H): void;
  cudaConv2d(x: H, weight: H, bias: H | null, out: H, g: ConvGeometry): void;
  cudaConv2dBackwardInput(gradOut: H, weight: H, gradInput: H, g: ConvGeometry): void;
  cudaConv2dBackwardWeight(x: H, gradOut: H, gradWeight: H, g: ConvGeometry): void;
  cudaMaxPool2d(x: H, out: H, indices: H, g: PoolGeometry): void;
  cudaMaxPool2dBackward(gradOut: H, indices: H, gradInput: H, g: PoolGeometry): void;
  cudaAvgPool2d(x: H, out: H, g: PoolGeometry, countIncludePad: boolean, divisor: number): void;
  cudaAvgPool2dBackward(gradOut: H, gradInput: H, g: PoolGeometry, countIncludePad: boolean, divisor: number): void;
  cudaAdaptiveAvgPool2d(x: H, out: H, planes: number, h: number, w: number, oh: number, ow: number): void;
  cudaAdaptiveAvgPool2dBackward(gradOut: H, gradInput: H, planes: number, h: number, w: number, oh: number, ow: number): void;
  /** The norms as Backend's, with float64 device buffers for the statistics. */
  cudaLayerNormForward(x: H, weight: H | null, bias: H | null, y: H, mean: H, rstd: H, rows: number, n: number, eps: number, relu: boolean): void;
  cudaLayerNormBackward(dy: H, x: H, mean: H, rstd: H, weight: H | null, dx: H | null, dweight: H | null, dbias: H | null,
    rows: number, n: number, reluOutput: H | null): void;
  cudaBatchNormForward(x: H, weight: H | null, bias: H | null, y: H, mean: H, variance: H, invstd: H, N: number, C: number, S: number,
    eps: number, training: boolean, relu: boolean): void;
  cudaBatchNormBackward(dy: H, x: H, mean: H, invstd: H, weight: H | null, dx: H | null, dweight: H | null, dbias: H | null,
    N: number, C: number, S: number, training: boolean, reluOutput: H | null): void;
  cudaGroupNormForward(x: H, weight: H | null, bias: H | null, y: H, mean: H, rstd: H, N: number, C: number, S: number, groups: number, eps: number): void;
  cudaGroupNormBackward(dy: H, x: H, mean: H, rstd: H, weight: H | null, dx: H | null, dweight: H | null, dbias: H | null,
    N: number, C: number, S: number, groups: number): void;
  /** CTC as Backend.ctcLoss: the labels and lengths stay host Int32Arrays. */
  cudaCtcLoss(logProbs: H, maxTime: number, batch: number, classes: number, targets: Ints, targetOffsets: Ints, targetLengths: Ints,
    inputLengths: Ints, blank: number, zeroInfinity: boolean, nll: H, grad: H | null): void;
}

/** The raw addon's shape, as native/addon.cc registers it. */
export interface NativeBinding {
  info(): { isa: string; bestIsa: string; threads: number; blas: string; gemmPath: string; cuda: boolean; cudaReason?: string };
  opNames(): { unary: string[]; binary: string[]; reduce: string[] };
  setIsa(isa: string): void;
  setNumThreads(n: number): void;
  /** Where the buffer's memory starts within its 4 KiB page. */
  pageOffset(buffer: ArrayBuffer): number;
  setGemmPath(path: string): void;
  unary(op: number, x: unknown, out: unknown, p0: number, p1: number): void;
  binary(op: number, a: unknown, b: unknown, out: unknown, shape: unknown, aStrides: unknown, bStrides: unknown): void;
  where(cond: unknown, a: unknown, b: unknown, out: unknown, shape: unknown, cS: unknown, aS: unknown, bS: unknown): void;
  reduce(op: number, x: unknown, out: unknown, outer: number, len: number, inner: number): void;
  argReduce(isMax: boolean, x: unknown, values: unknown, indices: unknown, outer: number, len: number, inner: number): void;
  softmax(log: boolean, x: unknown, out: unknown, outer: number, len: number, inner: number): void;
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number, a: unknown, aOffsets: unknown, lda: number,
    b: unknown, bOffsets: unknown, ldb: number, beta: number, c: unknown, cOffsets: unknown, ldc: number): void;
  copyStrided(src: unknown, srcOffset: number, srcStrides: unknown, dst: unknown, dstOffset: number, dstStrides: unknown, shape: unknown): void;
  cast(src: unknown, dst: unknown): void;
  gather(x: unknown, index: unknown, out: unknown, outer: number, len: number, idxLen: number, inner: number): void;
  scatterAdd(src: unknown, index: unknown, out: unknown, outer: number, len: number, idxLen: number, inner: number): void;
  indexSelect(x: unknown, index: unknown, out: unknown, outer: number, len: number, inner: number): void;
  indexAdd(src: unknown, index: unknown, out: unknown, outer: number, len: number, inner: number): void;
  crossEntropy(x: unknown, outer: number, classes: number, inner: number, target: unknown, probs: unknown, weight: unknown,
    ignoreIndex: number, labelSmoothing: number, loss: unknown, logSumExp: unknown): void;
  crossEntropyBackward(x: unknown, outer: number, classes: number, inner: number, target: unknown, probs: unknown, weight: unknown,
    ignoreIndex: number, labelSmoothing: number, logSumExp: unknown, gradLoss: unknown, gradX: unknown): void;
  ctcLoss(logProbs: unknown, maxTime: number, batch: number, classes: number, targets: unknown, targetOffsets: unknown,
    targetLengths: unknown, inputLengths: unknown, blank: number, zeroInfinity: boolean, nll: unknown, grad: unknown): void;
  attentionForward(q: unknown, k: unknown, v: unknown, mask: unknown, maskOffsets: unknown, maskRowStride: number, maskColStride: number,
    out: unknown, lse: unknown, batch: number, L: number, S: number, E: number, Ev: number, scale: number, causal: boolean): void;
  attentionBackward(q: unknown, k: unknown, v: unknown, out: unknown, dout: unknown, lse: unknown, mask: unknown, maskOffsets: unknown,
    maskRowStride: number, maskColStride: number, dq: unknown, dk: unknown, dv: unknown,
    batch: number, L: number, S: number, E: number, Ev: number, scale: number, causal: boolean): void;
  tanhBackward(a: unknown, b: unknown, c: unknown, out: unknown): void;
  scan(isProd: boolean, reverse: boolean, x: unknown, out: unknown, outer: number, len: number, inner: number): void;
  sort(x: unknown, values: unknown, indices: unknown, outer: number, len: number, inner: number, k: number, descending: boolean): void;
  flip(x: unknown, out: unknown, outer: number, len: number, inner: number): void;
  roll(x: unknown, out: unknown, outer: number, len: number, inner: number, shift: number): void;
  triangle(lower: boolean, x: unknown, out: unknown, batch: number, rows: number, cols: number, diagonal: number): void;
  cholesky(a: unknown, out: unknown, info: unknown, batch: number, n: number, upper: boolean): void;
  triangularSolve(a: unknown, b: unknown, out: unknown, batch: number, n: number, k: number, upper: boolean, left: boolean,
    unitriangular: boolean): void;
  luFactor(a: unknown, lu: unknown, pivots: unknown, info: unknown, batch: number, n: number): void;
  luSolve(lu: unknown, pivots: unknown, b: unknown, out: unknown, batch: number, n: number, k: number): void;
  qr(a: unknown, q: unknown, r: unknown, batch: number, m: number, n: number, complete: boolean): void;
  eigh(a: unknown, values: unknown, vectors: unknown, info: unknown, batch: number, n: number, upper: boolean): void;
  svd(a: unknown, u: unknown, s: unknown, vh: unknown, info: unknown, batch: number, m: number, n: number, full: boolean): void;
  philoxUniform(seedLo: number, seedHi: number, offsetLo: number, offsetHi: number, out: unknown): void;
  layerNormForward(x: unknown, weight: unknown, bias: unknown, y: unknown, mean: unknown, rstd: unknown, rows: number, n: number, eps: number,
    relu?: boolean): void;
  layerNormBackward(dy: unknown, x: unknown, mean: unknown, rstd: unknown, weight: unknown, dx: unknown, dweight: unknown, dbias: unknown,
    rows: number, n: number, reluOutput?: unknown): void;
  batchNormForward(x: unknown, weight: unknown, bias: unknown, y: unknown, mean: unknown, variance: unknown, invstd: unknown,
    N: number, C: number, S: number, eps: number, training: boolean, relu?: boolean): void;
  batchNormBackward(dy: unknown, x: unknown, mean: unknown, invstd: unknown, weight: unknown, dx: unknown, dweight: unknown, dbias: unknown,
    N: number, C: number, S: number, training: boolean, reluOutput?: unknown): void;
  groupNormForward(x: unknown, weight: unknown, bias: unknown, y: unknown, mean: unknown, rstd: unknown,
    N: number, C: number, S: number, groups: number, eps: number): void;
  groupNormBackward(dy: unknown, x: unknown, mean: unknown, rstd: unknown, weight: unknown, dx: unknown, dweight: unknown, dbias: unknown,
    N: number, C: number, S: number, groups: number): void;
  sgdStep(params: unknown, grads: unknown, momentumBuffers: unknown, fresh: unknown, lr: number, momentum: number,
    dampening: number, weightDecay: number, nesterov: boolean, maximize: boolean): void;
  adamStep(params: unknown, grads: unknown, expAvg: unknown, expAvgSq: unknown, maxExpAvgSq: unknown, stepSize: unknown,
    bias2Sqrt: unknown, beta1: number, beta2: number, eps: number, weightDecay: number, decay: number, maximize: boolean): void;
  rmspropStep(params: unknown, grads: unknown, squareAvg: unknown, gradAvg: unknown, momentumBuffers: unknown, lr: number,
    alpha: number, eps: number, weightDecay: number, momentum: number, maximize: boolean): void;
  foreachNorm(arrays: unknown, p: number, out: unknown): void;
  foreachScale(arrays: unknown, scale: number): void;
  conv2d(x: unknown, weight: unknown, bias: unknown, out: unknown, geometry: Int32Array, relu?: boolean): void;
  conv2dBackwardInput(gradOut: unknown, weight: unknown, gradInput: unknown, geometry: Int32Array): void;
  conv2dBackwardWeight(x: unknown, gradOut: unknown, gradWeight: unknown, geometry: Int32Array): void;
  conv2dWinogradFilter(weight: unknown, U: unknown, geometry: Int32Array, transposed: boolean): void;
  conv2dWinograd(x: unknown, U: unknown, bias: unknown, out: unknown, geometry: Int32Array, relu?: boolean): void;
  conv2dWinogradBackwardInput(gradOut: unknown, Ut: unknown, gradInput: unknown, geometry: Int32Array): void;
  conv2dWinogradBackwardWeight(x: unknown, gradOut: unknown, gradWeight: unknown, geometry: Int32Array): void;
  conv2dWinogradPreferred(geometry: Int32Array, pass: number): boolean;
  conv2dWinogradFilterLayout(geometry: Int32Array, transposed: boolean): [number, number];
  conv2dDirectSmallC(x: unknown, weight: unknown, bias: unknown, out: unknown, geometry: Int32Array, relu: boolean): void;
  conv2dDirectSmallCBackwardInput(gradOut: unknown, weight: unknown, gradInput: unknown, geometry: Int32Array): void;
  conv2dDirectSmallCBackwardWeight(x: unknown, gradOut: unknown, gradWeight: unknown, geometry: Int32Array): void;
  conv2dDirectSmallCPreferred(geometry: Int32Array, pass: number): boolean;
  conv2dImplicit(x: unknown, weight: unknown, bias: unknown, out: unknown, geometry: Int32Array, relu: boolean): void;
  conv2dImplicitBackwardInput(gradOut: unknown, weight: unknown, gradInput: unknown, geometry: Int32Array): void;
  conv2dImplicitBackwardWeight(x: unknown, gradOut: unknown, gradWeight: unknown, geometry: Int32Array): void;
  conv2dImplicitPreferred(geometry: Int32Array, pass: number): boolean;
  conv2dImplicitApplies(geometry: Int32Array): boolean;
  maxPool2d(x: unknown, out: unknown, indices: unknown, geometry: Int32Array, relu?: boolean, taps?: unknown): void;
  maxPool2dBackward(gradOut: unknown, indices: unknown, gradInput: unknown, geometry: Int32Array): void;
  maxPool2x2Backward(taps: unknown, gradOut: unknown, gradInput: unknown, geometry: Int32Array): void;
  avgPool2d(x: unknown, out: unknown, geometry: Int32Array, countIncludePad: boolean, divisor: number): void;
  avgPool2dBackward(gradOut: unknown, gradInput: unknown, geometry: Int32Array, countIncludePad: boolean, divisor: number): void;
  adaptiveAvgPool2d(x: unknown, out: unknown, planes: number, h: number, w: number, oh: number, ow: number): void;
  adaptiveAvgPool2dBackward(gradOut: unknown, gradInput: unknown, planes: number, h: number, w: number, oh: number, ow: number): void;
  cropFlip2d(x: unknown, out: unknown, geometry: Int32Array, top: unknown, left: unknown, flip: unknown, reflect: boolean, fill: number): void;
  affine2d(x: unknown, out: unknown, n: number, c: number, h: number, w: number, matrices: unknown, nearest: boolean, fill: unknown): void;
  erase2d(x: unknown, out: unknown, n: number, c: number, h: number, w: number, boxes: unknown, values: unknown): void;
  resample2d(x: unknown, out: unknown, planes: number, h: number, w: number, oh: number, ow: number,
    rowIndex: unknown, rowWeight: unknown, ky: number, colIndex: unknown, colWeight: unknown, kx: number): void;
  resample2dBackward(gradOut: unknown, gradIn: unknown, planes: number, h: number, w: number, oh: number, ow: number,
    rowIndex: unknown, rowWeight: unknown, ky: number, colIndex: unknown, colWeight: unknown, kx: number): void;
  gridSample2d(x: unknown, grid: unknown, out: unknown, geometry: Int32Array, nearest: boolean, border: boolean, alignCorners: boolean): void;
  gridSample2dBackward(gradOut: unknown, x: unknown, grid: unknown, gradX: unknown, gradGrid: unknown, geometry: Int32Array,
    nearest: boolean, border: boolean, alignCorners: boolean): void;
}

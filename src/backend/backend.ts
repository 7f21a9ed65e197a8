/**
 * The kernel interface. Kernels take typed arrays and integers, write into
 * outputs the caller allocated, and create no tensors. Shape logic lives in
 * src/ops; the native side re-checks lengths and throws on a mismatch.
 *
 * Along-one-axis kernels see a tensor as [outer, len, inner] (see aroundDim).
 */
import type { FloatArray, TypedArray } from '../tensor/dtype';
import type { BinaryOp, ReduceOp, UnaryOp } from './opcodes';

/**
 * Geometry of a 2-D convolution, NCHW: x [n, c, h, w], weight [o, c/groups, kh, kw],
 * out [n, o, oh, ow], with
 *   out[b, oc, y, x] = sum_{ic, ky, kx} x[b, g*c/groups + ic, y*strideH - padH + ky*dilationH, x*strideW - padW + kx*dilationW]
 *                                      * weight[oc, ic, ky, kx]      (g = floor(oc / (o/groups)); out-of-range taps read 0)
 * padH/padW are the top/left pads; the bottom/right ones are implied by oh/ow (asymmetric 'same' padding).
 */
export interface ConvGeometry {
  n: number; c: number; h: number; w: number; o: number; oh: number; ow: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number; dilationH: number; dilationW: number; groups: number;
}

/** Geometry of a 2-D pooling over `planes` (= N*C) planes [h, w] -> [oh, ow]; windows start at y*stride - pad. */
export interface PoolGeometry {
  planes: number; h: number; w: number; oh: number; ow: number; kh: number; kw: number;
  strideH: number; strideW: number; padH: number; padW: number; dilationH: number; dilationW: number;
}

/**
 * The tap codes of a 2x2 stride-2 max pool (Backend.maxPool2d's `taps`): 0-3 name the max's tap (a b / c d,
 * row-major), and this code marks a window whose gradient relu blocks (its max is not > 0).
 */
export const MAX_POOL_TAP_BLOCKED = 4;

/**
 * The input position, within its plane of width w, of tap `code` (0-3) of output window (y, xo).
 * @example `maxPool2x2TapOffset(3, 0, 1, 8) // 11: row 1, column 3`
 */
export function maxPool2x2TapOffset(code: number, y: number, xo: number, w: number): number {
  return (2 * y + (code >> 1)) * w + 2 * xo + (code & 1);
}

/** Scalars of the fused SGD update (see reference/optim.ts). */
export interface SgdKernelOptions { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean; maximize: boolean }
/** Scalars of the fused Adam/AdamW update: weightDecay is Adam's L2 term, decay multiplies p first (AdamW: 1 - lr*wd). */
export interface AdamKernelOptions { beta1: number; beta2: number; eps: number; weightDecay: number; decay: number; maximize: boolean }
/** Scalars of the fused RMSprop update. */
export interface RmspropKernelOptions { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; maximize: boolean }
/** Image-batch augmentation geometry: x [n, c, h, w] -> out [n, c, oh, ow] (see reference/augment.ts). */
export interface CropGeometry { n: number; c: number; h: number; w: number; oh: number; ow: number }
/**
 * Fused attention over `batch` independent heads: q [batch, L, E], k [batch, S, E], v [batch, S, Ev],
 * out [batch, L, Ev]; causal hides keys j > i from query i (formulas in reference/attention.ts).
 */
export interface AttentionGeometry { batch: number; L: number; S: number; E: number; Ev: number; scale: number; causal: boolean }
/**
 * A mask read in place: the element of (head b, query i, key j) is
 * values[offsets[b] + i * rowStride + j * colStride] (0 strides broadcast); bool (Uint8Array, nonzero =
 * may attend) or additive (the data's float type).
 */
export interface AttentionMaskArg { values: FloatArray | Uint8Array; offsets: Int32Array; rowStride: number; colStride: number }

/** Taps of resample2d along one dim: `taps` per output position o at index/weight[o·taps + t]. */
export interface ResampleTaps { taps: number; index: Int32Array; weight: Float64Array }

/** gridSample2d: x [n, c, h, w] sampled at grid [n, oh, ow, 2]; mode, padding and corner convention. */
export interface GridSampleGeometry {
  n: number; c: number; h: number; w: number; oh: number; ow: number;
  nearest: boolean; border: boolean; alignCorners: boolean;
}

/**
 * Winograd F(4x4, 3x3) kernels (float32; 3x3, stride 1, dilation 1, groups 1): see
 * native/kernels/winograd.h. U is the transformed filter [36, c, o] (transposed: [36, o, c]
 * of the flipped filter, for the input gradient) in the products' panel layout (filterLayout()),
 * computed by filter() and kept by the caller.
 */
export interface WinogradKernels {
  filter(weight: Float32Array, U: Float32Array, g: ConvGeometry, transposed: boolean): void;
  /** relu: out = max(conv + bias, 0), fused into the output transform. */
  forward(x: Float32Array, U: Float32Array, bias: Float32Array | null, out: Float32Array, g: ConvGeometry, relu?: boolean): void;
  backwardInput(gradOut: Float32Array, Ut: Float32Array, gradInput: Float32Array, g: ConvGeometry): void;
  backwardWeight(x: Float32Array, gradOut: Float32Array, gradWeight: Float32Array, g: ConvGeometry): void;
  /** The compiled-in per-shape table's choice for one pass (native/kernels/conv_algo_table.h). */
  preferred(g: ConvGeometry, pass: ConvPass): boolean;
  /**
   * U's length in floats on the current ISA and its panel width: U is laid out as the products'
   * micro-kernel reads it (native/kernels/winograd.h), so a kept U is valid for one panel width only.
   */
  filterLayout(g: ConvGeometry, transposed: boolean): { length: number; panel: number };
}

/** A convolution's three passes: each may run a different exact algorithm. @example `'backwardWeight'` */
export type ConvPass = 'forward' | 'backwardInput' | 'backwardWeight';

/**
 * Direct convolution kernels for 1..4 input channels and groups 1 (float32; any kernel size,
 * stride, padding and dilation): see native/kernels/conv_direct.h. Same arguments as
 * conv2d / conv2dBackwardInput / conv2dBackwardWeight.
 */
export interface DirectSmallCKernels {
  /** relu: out = max(conv + bias, 0), applied as each output vector is stored. */
  forward(x: Float32Array, weight: Float32Array, bias: Float32Array | null, out: Float32Array, g: ConvGeometry, relu?: boolean): void;
  backwardInput(gradOut: Float32Array, weight: Float32Array, gradInput: Float32Array, g: ConvGeometry): void;
  backwardWeight(x: Float32Array, gradOut: Float32Array, gradWeight: Float32Array, g: ConvGeometry): void;
  /** The compiled-in per-shape table's choice over im2col + GEMM for one pass (native/kernels/conv_direct_table.h). */
  preferred(g: ConvGeometry, pass: ConvPass): boolean;
}

/**
 * Implicit-GEMM convolution kernels (float32, groups 1, AVX-512): the convolution's GEMM with the
 * input read in place through per-position pointers and a per-tap offset table instead of an
 * im2col copy (see native/kernels/conv_implicit.h). Same arguments as conv2d / conv2dBackwardInput /
 * conv2dBackwardWeight; the input gradient takes strideW 1 or 2.
 */
export interface ImplicitGemmKernels {
  /** relu: out = max(conv + bias, 0), applied as the output is stored. */
  forward(x: Float32Array, weight: Float32Array, bias: Float32Array | null, out: Float32Array, g: ConvGeometry, relu?: boolean): void;
  backwardInput(gradOut: Float32Array, weight: Float32Array, gradInput: Float32Array, g: ConvGeometry): void;
  backwardWeight(x: Float32Array, gradOut: Float32Array, gradWeight: Float32Array, g: ConvGeometry): void;
  /** The kernels' measured choice over im2col + GEMM for one pass on the current ISA; false where they do not apply. */
  preferred(g: ConvGeometry, pass: ConvPass): boolean;
  /** Whether the kernels can run g on the current ISA (AVX-512, groups 1, a non-empty batch and output). */
  applies(g: ConvGeometry): boolean;
}

export interface Backend {
  readonly name: 'native' | 'reference' | 'cuda';

  /**
   * Linear-algebra decompositions (formulas and algorithms in reference/linalg.ts) of `batch` row-major
   * matrices laid end to end, computed in float64 whatever the storage type.
   * cholesky: out = L with A = L Lᵀ from A's lower triangle, or (upper) U with A = Uᵀ U from its upper one;
   * info[b] = k >= 1 when the leading minor of order k of matrix b is not positive-definite, else 0.
   */
  cholesky(a: FloatArray, out: FloatArray, info: Int32Array, batch: number, n: number, upper: boolean): void;
  /**
   * Triangular solves with A [n, n] (its `upper` or lower triangle; unitriangular takes a unit diagonal):
   * left: A X = B with B, X [n, k]; right: X A = B with B, X [k, n].
   */
  triangularSolve(a: FloatArray, b: FloatArray, out: FloatArray, batch: number, n: number, k: number, upper: boolean, left: boolean,
    unitriangular: boolean): void;
  /**
   * P A = L U with partial pivoting in LAPACK getrf's layout (pivots 0-based: row i was swapped with
   * pivots[b*n + i] at step i); info[b] = k >= 1 where U_kk (1-based) is exactly 0 (singular), else 0.
   */
  luFactor(a: FloatArray, lu: FloatArray, pivots: Int32Array, info: Int32Array, batch: number, n: number): void;
  /** X = A⁻¹ B from luFactor's lu and pivots (each in [0, n)), B and X [n, k]. */
  luSolve(lu: FloatArray, pivots: Int32Array, b: FloatArray, out: FloatArray, batch: number, n: number, k: number): void;
  /**
   * Householder QR with LAPACK's signs: r [kq, n] upper triangular and q [m, kq] (null: R only),
   * kq = complete ? m : min(m, n).
   */
  qr(a: FloatArray, q: FloatArray | null, r: FloatArray, batch: number, m: number, n: number, complete: boolean): void;
  /**
   * Symmetric eigendecomposition from A's lower (or upper) triangle: values [n] ascending, vectors [n, n]
   * (column j for value j; null: values only). info[b] = 1 for a non-finite input, 2 when the QL
   * iteration does not converge, else 0.
   */
  eigh(a: FloatArray, values: FloatArray, vectors: FloatArray | null, info: Int32Array, batch: number, n: number, upper: boolean): void;
  /**
   * A = U diag(s) Vh: s [k] descending (k = min(m, n)), u [m, full ? m : k], vh [full ? n : k, n]
   * (both null: values only). info[b] as eigh's.
   */
  svd(a: FloatArray, u: FloatArray | null, s: FloatArray, vh: FloatArray | null, info: Int32Array, batch: number, m: number, n: number,
    full: boolean): void;

  /** out[i] = f(x[i]); p0/p1 carry the op's parameters (leakyRelu slope, elu alpha, clamp min/max, softplus beta/threshold). */
  unary(op: UnaryOp, x: TypedArray, out: TypedArray, p0: number, p1: number): void;

  /**
   * out = a op b. With `shape` null, a, b and out have the same length (or a
   * or b has length 1 and is broadcast). Otherwise out has `shape` and
   * a, b are read with `aStrides`, `bStrides` (0 on broadcast dims).
   * Comparisons write 0/1 into a Uint8Array.
   */
  binary(op: BinaryOp, a: TypedArray, b: TypedArray, out: TypedArray,
    shape: Int32Array | null, aStrides: Int32Array | null, bStrides: Int32Array | null): void;

  /** out = cond ? a : b, all read with broadcast strides over `shape`. */
  where(cond: Uint8Array, a: TypedArray, b: TypedArray, out: TypedArray, shape: Int32Array,
    condStrides: Int32Array, aStrides: Int32Array, bStrides: Int32Array): void;

  /** Reduces x viewed as [outer, len, inner] along len into out [outer, inner]. */
  reduce(op: ReduceOp, x: TypedArray, out: TypedArray, outer: number, len: number, inner: number): void;

  /** Max (isMax) or min along len: values (may be null) and first index of the extreme; NaN wins. */
  argReduce(isMax: boolean, x: TypedArray, values: TypedArray | null, indices: Int32Array,
    outer: number, len: number, inner: number): void;

  /** Softmax or log-softmax along len, numerically stable (subtracts the max). */
  softmax(log: boolean, x: FloatArray, out: FloatArray, outer: number, len: number, inner: number): void;

  /** out = conv2d(x, weight) + bias (bias may be null); see ConvGeometry. out is overwritten. relu: then max(out, 0). */
  conv2d(x: FloatArray, weight: FloatArray, bias: FloatArray | null, out: FloatArray, g: ConvGeometry, relu?: boolean): void;
  /** gradInput[n, c, h, w] = the adjoint of conv2d in x applied to gradOut [n, o, oh, ow] (overwritten). */
  conv2dBackwardInput(gradOut: FloatArray, weight: FloatArray, gradInput: FloatArray, g: ConvGeometry): void;
  /** gradWeight[o, c/groups, kh, kw] = the adjoint of conv2d in weight: sum over the batch of gradOut x input taps (overwritten). */
  conv2dBackwardWeight(x: FloatArray, gradOut: FloatArray, gradWeight: FloatArray, g: ConvGeometry): void;
  /** Winograd convolution kernels; absent on backends that have only the direct algorithm. */
  readonly winograd?: WinogradKernels;
  /** Direct convolution kernels for few input channels; absent on backends without them. */
  readonly directSmallC?: DirectSmallCKernels;
  readonly implicitGemm?: ImplicitGemmKernels;

  /**
   * Max over each (dilated) window; NaN wins; indices are the flat h*w positions of the maxima (first on ties).
   * indices may be null for a 2x2 window with stride 2 and no padding, dilation or overhang; then taps (if given,
   * out's length) gets each window's tap code for maxPool2x2Backward: 0-3 for the max's tap (a b / c d), or 4 where
   * relu blocks its gradient (the max is not > 0).
   * relu (that 2x2 path without indices only): out = relu(max) (v < 0 ? 0 : v, a NaN stays NaN), the ReLU of a
   * Conv2d-ReLU-MaxPool2d block on the pooled output.
   */
  maxPool2d(x: FloatArray, out: FloatArray, indices: Int32Array | null, g: PoolGeometry, relu?: boolean, taps?: Uint8Array | null): void;
  /** gradInput (overwritten) = zeros with gradOut scattered-added at indices, plane by plane. */
  maxPool2dBackward(gradOut: FloatArray, indices: Int32Array, gradInput: FloatArray, g: PoolGeometry): void;
  /**
   * maxPool2dBackward for a 2x2 stride-2 window (no padding, dilation or overhang), from the tap codes maxPool2d
   * wrote instead of indices: gradInput (overwritten) holds gradOut at the max of each window and 0 elsewhere, and
   * 0 for the whole window where the code is 4 (relu's block).
   */
  maxPool2x2Backward(taps: Uint8Array, gradOut: FloatArray, gradInput: FloatArray, g: PoolGeometry): void;
  /**
   * Window means. divisor > 0 overrides the count; else the count of in-input taps, or with countIncludePad
   * the window clipped to the padded input (PyTorch's rule).
   */
  avgPool2d(x: FloatArray, out: FloatArray, g: PoolGeometry, countIncludePad: boolean, divisor: number): void;
  /** gradInput (overwritten) = the adjoint of avgPool2d applied to gradOut. */
  avgPool2dBackward(gradOut: FloatArray, gradInput: FloatArray, g: PoolGeometry, countIncludePad: boolean, divisor: number): void;
  /** Means over windows [floor(i*h/oh), ceil((i+1)*h/oh)) x [floor(j*w/ow), ceil((j+1)*w/ow)) of each plane. */
  adaptiveAvgPool2d(x: FloatArray, out: FloatArray, planes: number, h: number, w: number, oh: number, ow: number): void;
  /** gradInput (overwritten) = the adjoint of adaptiveAvgPool2d applied to gradOut. */
  adaptiveAvgPool2dBackward(gradOut: FloatArray, gradInput: FloatArray, planes: number, h: number, w: number, oh: number, ow: number): void;

  /**
   * C = alpha op(A) op(B) + beta C for `batch` products; A, B, C start at the
   * given element offsets per batch entry. op(A) is [M,K] (A stored [K,M] if transA).
   */
  gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
    a: FloatArray, aOffsets: Int32Array, lda: number, b: FloatArray, bOffsets: Int32Array, ldb: number,
    beta: number, c: FloatArray, cOffsets: Int32Array, ldc: number): void;

  /** dst[dstOffset + sum(i_k dstStrides_k)] = src[srcOffset + sum(i_k srcStrides_k)] over `shape`. Same dtype. */
  copyStrided(src: TypedArray, srcOffset: number, srcStrides: Int32Array,
    dst: TypedArray, dstOffset: number, dstStrides: Int32Array, shape: Int32Array): void;

  /** Converts element types (float -> int truncates toward zero; to bool is x != 0). */
  cast(src: TypedArray, dst: TypedArray): void;

  /** out[o,j,i] = x[o, index[o,j,i], i]; x is [outer, len, inner], index/out [outer, idxLen, inner]. Indices pre-checked. */
  gather(x: TypedArray, index: Int32Array, out: TypedArray, outer: number, len: number, idxLen: number, inner: number): void;

  /** out[o, index[o,j,i], i] += src[o,j,i] (the adjoint of gather). */
  scatterAdd(src: FloatArray, index: Int32Array, out: FloatArray, outer: number, len: number, idxLen: number, inner: number): void;

  /**
   * Cumulative sum (isProd false) or product along len: out[o,j,i] = x[o,0,i] op ... op x[o,j,i], or with
   * reverse from the end, x[o,j,i] op ... op x[o,len-1,i]. Floats accumulate in double and round each
   * output once (PyTorch's CPU rule); int32 wraps modulo 2^32. out may be x itself.
   */
  scan(isProd: boolean, reverse: boolean, x: TypedArray, out: TypedArray, outer: number, len: number, inner: number): void;

  /**
   * The first k entries of each [o, :, i] line of x in stable sorted order, ascending or descending: values and
   * indices are [outer, k, inner]. NaN sorts as the largest value; -0 and +0 are equal (ties keep their order).
   */
  sort(x: TypedArray, values: TypedArray, indices: Int32Array, outer: number, len: number, inner: number, k: number,
    descending: boolean): void;

  /** out[o,j,i] = x[o, len-1-j, i] (any dtype; out must not share memory with x). */
  flip(x: TypedArray, out: TypedArray, outer: number, len: number, inner: number): void;

  /** out[o, (j + shift) mod len, i] = x[o,j,i] for 0 <= shift < len (any dtype; out must not share memory with x). */
  roll(x: TypedArray, out: TypedArray, outer: number, len: number, inner: number, shift: number): void;

  /**
   * tril (lower) or triu of `batch` matrices [rows, cols]: out = x where j - i <= diagonal (lower) or
   * j - i >= diagonal (upper), else 0. Any dtype; out must not share memory with x.
   */
  triangle(lower: boolean, x: TypedArray, out: TypedArray, batch: number, rows: number, cols: number, diagonal: number): void;

  /** out[o,j,i] = x[o, index[j], i]. */
  indexSelect(x: TypedArray, index: Int32Array, out: TypedArray, outer: number, len: number, inner: number): void;

  /** out[o, index[j], i] += src[o,j,i] (the adjoint of indexSelect). */
  indexAdd(src: FloatArray, index: Int32Array, out: FloatArray, outer: number, len: number, inner: number): void;

  /**
   * Fused log-softmax + NLL over the classes of x viewed as [outer, classes, inner], one loss per
   * row r = o*inner + i (formulas in reference/losses.ts). Exactly one of target (class indices,
   * ignoreIndex rows give 0) and probs (same layout as x) is non-null; weight [classes] or null.
   * Writes loss [rows] and each row's logsumexp [rows] (saved for the backward). Targets pre-checked.
   */
  crossEntropy(x: FloatArray, outer: number, classes: number, inner: number, target: Int32Array | null,
    probs: FloatArray | null, weight: FloatArray | null, ignoreIndex: number, labelSmoothing: number,
    loss: FloatArray, logSumExp: FloatArray): void;
  /** gradX (overwritten) = gradLoss[r] * dloss_r/dx for every row; logSumExp from crossEntropy. */
  crossEntropyBackward(x: FloatArray, outer: number, classes: number, inner: number, target: Int32Array | null,
    probs: FloatArray | null, weight: FloatArray | null, ignoreIndex: number, labelSmoothing: number,
    logSumExp: FloatArray, gradLoss: FloatArray, gradX: FloatArray): void;

  /**
   * CTC negative log-likelihood per batch item from logProbs [maxTime, batch, classes] (see
   * reference/ctc.ts). Item n's labels are targets[targetOffsets[n] .. + targetLengths[n]]; its
   * frames t < inputLengths[n]. grad (overwritten when non-null, [maxTime, batch, classes]) is
   * d nll[n] / d logProbs[t, n, :]. Lengths and labels pre-checked.
   */
  ctcLoss(logProbs: FloatArray, maxTime: number, batch: number, classes: number, targets: Int32Array,
    targetOffsets: Int32Array, targetLengths: Int32Array, inputLengths: Int32Array, blank: number,
    zeroInfinity: boolean, nll: FloatArray, grad: FloatArray | null): void;

  /** Fused tanh gradients (reference/tanh-backward.ts): c null gives out = a (1 - b²), else out = -2 a b c; one length and float type. */
  tanhBackward(a: FloatArray, b: FloatArray, c: FloatArray | null, out: FloatArray): void;

  /**
   * Fused multi-tensor optimizer updates (formulas in reference/optim.ts): one call updates every
   * tensor of the lists in place. Entry i of each list has params[i]'s length; all share one dtype.
   * SGD: momentumBuffers may be null when momentum is 0; fresh[i] != 0 marks a new buffer (set, not decayed).
   */
  sgdStep(params: FloatArray[], grads: FloatArray[], momentumBuffers: FloatArray[] | null, fresh: Uint8Array | null,
    o: SgdKernelOptions): void;
  /** Adam/AdamW; maxExpAvgSq non-null for amsgrad; per-tensor stepSize = lr/(1-beta1^t), bias2Sqrt = sqrt(1-beta2^t). */
  adamStep(params: FloatArray[], grads: FloatArray[], expAvg: FloatArray[], expAvgSq: FloatArray[],
    maxExpAvgSq: FloatArray[] | null, stepSize: Float64Array, bias2Sqrt: Float64Array, o: AdamKernelOptions): void;
  /** RMSprop; gradAvg non-null when centered, momentumBuffers non-null when momentum > 0. */
  rmspropStep(params: FloatArray[], grads: FloatArray[], squareAvg: FloatArray[], gradAvg: FloatArray[] | null,
    momentumBuffers: FloatArray[] | null, o: RmspropKernelOptions): void;
  /**
   * Multi-tensor kernels of clipGradNorm (reference/foreach.ts), over arrays of one dtype:
   * out[i] = the p-norm of arrays[i] (p > 0, Infinity for max |x|), summed in double.
   */
  foreachNorm(arrays: FloatArray[], p: number, out: Float64Array): void;
  /** Every array times scale in place, scale rounded to the arrays' dtype first. */
  foreachScale(arrays: FloatArray[], scale: number): void;

  /**
   * Fused normalisation kernels (formulas in reference/norm.ts). Statistics are float64 (the native
   * float32 kernels sum each run in float lanes, then combine in double); every element of each given
   * output is written, so outputs may arrive unzeroed; weight/bias (and dweight/dbias/dx) may be null.
   * LayerNorm: x [rows, n], normalised per row, weight/bias [n], mean/rstd [rows].
   */
  layerNormForward(x: FloatArray, weight: FloatArray | null, bias: FloatArray | null, y: FloatArray,
    mean: Float64Array, rstd: Float64Array, rows: number, n: number, eps: number, relu?: boolean): void;
  /** relu / reluOutput: LayerNorm then ReLU, as batchNormForward / batchNormBackward. */
  layerNormBackward(dy: FloatArray, x: FloatArray, mean: Float64Array, rstd: Float64Array, weight: FloatArray | null,
    dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null, rows: number, n: number, reluOutput?: FloatArray | null): void;
  /**
   * BatchNorm: x [N, C, S] per channel; training writes mean, biased variance, invstd; else reads mean, variance.
   * relu: y = max(BatchNorm(x), 0) (a NaN stays NaN), BatchNorm then ReLU in one pass.
   */
  batchNormForward(x: FloatArray, weight: FloatArray | null, bias: FloatArray | null, y: FloatArray, mean: Float64Array,
    variance: Float64Array, invstd: Float64Array, N: number, C: number, S: number, eps: number, training: boolean, relu?: boolean): void;
  /**
   * reluOutput (the y of batchNormForward with relu) or null: the gradient through BatchNorm then ReLU, dy taken as 0
   * where reluOutput <= 0 (relu's rule), without a masked copy of dy.
   */
  batchNormBackward(dy: FloatArray, x: FloatArray, mean: Float64Array, invstd: Float64Array, weight: FloatArray | null,
    dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null, N: number, C: number, S: number, training: boolean,
    reluOutput?: FloatArray | null): void;
  /** GroupNorm: x [N, C, S], groups of C/groups channels per sample, weight/bias [C], mean/rstd [N*groups]. */
  groupNormForward(x: FloatArray, weight: FloatArray | null, bias: FloatArray | null, y: FloatArray,
    mean: Float64Array, rstd: Float64Array, N: number, C: number, S: number, groups: number, eps: number): void;
  groupNormBackward(dy: FloatArray, x: FloatArray, mean: Float64Array, rstd: Float64Array, weight: FloatArray | null,
    dx: FloatArray | null, dweight: FloatArray | null, dbias: FloatArray | null, N: number, C: number, S: number, groups: number): void;

  /**
   * Fused scaled dot-product attention (online softmax; reference/attention.ts): writes out and the
   * per-row log-sum-exp lse [batch * L] (NaN for a row that may attend to nothing, whose out is NaN).
   */
  attentionForward(q: FloatArray, k: FloatArray, v: FloatArray, mask: AttentionMaskArg | null, out: FloatArray,
    lse: Float64Array, g: AttentionGeometry): void;
  /** Its backward from q, k, v, out, dout and lse (the weights are recomputed); writes every element of dq, dk, dv. */
  attentionBackward(q: FloatArray, k: FloatArray, v: FloatArray, out: FloatArray, dout: FloatArray, lse: Float64Array,
    mask: AttentionMaskArg | null, dq: FloatArray, dk: FloatArray, dv: FloatArray, g: AttentionGeometry): void;

  /** Philox4x32-10 uniforms in [0,1) from (seed, offset in 128-bit blocks). */
  philoxUniform(seed: bigint, offset: bigint, out: FloatArray): void;

  /**
   * Image-batch augmentation kernels (formulas in reference/augment.ts); per-sample parameters are arrays
   * drawn by the caller. cropFlip2d: out[b,ch,y,x] = x[b,ch,top[b]+y,left[b]+(flip[b] ? ow-1-x : x)], outside
   * pixels read fill (or mirror with reflect). affine2d: the inverse affine maps matrices [6n] about the centre,
   * bilinear or nearest, outside taps read fill[ch].
   * erase2d: out = x with boxes [4n] (top, left, height, width) set to values[ch].
   */
  cropFlip2d(x: FloatArray, out: FloatArray, g: CropGeometry, top: Int32Array, left: Int32Array, flip: Uint8Array | null,
    reflect: boolean, fill: number): void;
  affine2d(x: FloatArray, out: FloatArray, n: number, c: number, h: number, w: number, matrices: Float64Array, nearest: boolean,
    fill: Float64Array): void;
  erase2d(x: FloatArray, out: FloatArray, n: number, c: number, h: number, w: number, boxes: Int32Array, values: Float64Array): void;

  /**
   * Resampling kernels (formulas in reference/resample.ts). resample2d: separable taps along rows and
   * columns of planes [planes, h, w] -> [planes, oh, ow] (interpolate); resample2dBackward its adjoint.
   * gridSample2d: PyTorch's grid_sample; its backward writes gradX and/or gradGrid (either may be null).
   */
  resample2d(x: FloatArray, out: FloatArray, planes: number, h: number, w: number, oh: number, ow: number,
    rows: ResampleTaps, cols: ResampleTaps): void;
  resample2dBackward(gradOut: FloatArray, gradIn: FloatArray, planes: number, h: number, w: number, oh: number, ow: number,
    rows: ResampleTaps, cols: ResampleTaps): void;
  gridSample2d(x: FloatArray, grid: FloatArray, out: FloatArray, g: GridSampleGeometry): void;
  gridSample2dBackward(gradOut: FloatArray, x: FloatArray, grid: FloatArray, gradX: FloatArray | null, gradGrid: FloatArray | null,
    g: GridSampleGeometry): void;
}

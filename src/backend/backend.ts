/**
 * The kernel interface. Kernels take typed arrays and integers, write into
 * outputs the caller allocated, and create no tensors. Shape logic lives in
 * src/ops; the native side re-checks lengths and throws on a mismatch.
 *
 * Along-one-axis kernels see a tensor as [outer, len, inner] (see aroundDim).
 */
import type { FloatArray, TypedArray } from '../tensor/dtype';
import type { BinaryOp, ReduceOp, UnaryOp } from './opcodes';

export interface Backend {
  readonly name: 'native' | 'reference';

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

  /** out[o,j,i] = x[o, index[j], i]. */
  indexSelect(x: TypedArray, index: Int32Array, out: TypedArray, outer: number, len: number, inner: number): void;

  /** out[o, index[j], i] += src[o,j,i] (the adjoint of indexSelect). */
  indexAdd(src: FloatArray, index: Int32Array, out: FloatArray, outer: number, len: number, inner: number): void;

  /** Philox4x32-10 uniforms in [0,1) from (seed, offset in 128-bit blocks). */
  philoxUniform(seed: bigint, offset: bigint, out: FloatArray): void;
}

/**
 * matmul with PyTorch's rules: 1-D x 1-D is a dot product, vectors are
 * promoted and their dim removed afterwards, batch dims broadcast. All cases
 * reduce to one batched GEMM call with per-batch offsets.
 */
import { backendFor } from '../backend/device';
import { DTypeError, ShapeError, fmtShape } from '../errors';
import { isFloat, promoteTypes, type FloatArray } from '../tensor/dtype';
import { broadcastShapes, sizeOf, stridesOf } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { sumToShape } from './binary';
import { castTo } from './cast';
import { record } from './record';
import { reshape, transpose } from './shape';
import { assertTensor, checkOutputSize, emptyForOverwrite, sameDevice } from './util';

/**
 * The offsets of a single, unbatched product, shared by every call: a fresh small typed array
 * lives on V8's heap, and handing it to the addon makes V8 move it off-heap first, which cost
 * ~1 µs per array (3 µs of a 7 µs 128x256x10 product).
 */
const NO_OFFSET = Int32Array.of(0);

/** Per-batch element offsets of a [...batch, rows, cols] tensor read as broadcast to `batch`. */
function batchOffsets(shape: readonly number[], batch: readonly number[]): Int32Array {
  const own = shape.slice(0, -2);
  const matrix = shape[shape.length - 2] * shape[shape.length - 1];
  const n = sizeOf(batch);
  const out = new Int32Array(n);
  const lead = batch.length - own.length;
  const ownStrides = stridesOf(own).map((s) => s * matrix);
  const idx = new Array<number>(batch.length).fill(0);
  for (let p = 0; p < n; p++) {
    let off = 0;
    for (let d = lead; d < batch.length; d++) if (own[d - lead] !== 1) off += idx[d] * ownStrides[d - lead];
    out[p] = off;
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++idx[d] < batch[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** The batched product of a [..., M, K] and b [..., K, N] (ranks >= 2), optionally with transposed operands. */
function bmm(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const M = a.shape[a.ndim - (transA ? 1 : 2)], K = a.shape[a.ndim - (transA ? 2 : 1)];
  const K2 = b.shape[b.ndim - (transB ? 1 : 2)], N = b.shape[b.ndim - (transB ? 2 : 1)];
  if (K !== K2) throw new ShapeError(`matmul: a is ${fmtShape(a.shape)} and b is ${fmtShape(b.shape)}: inner sizes ${K} and ${K2} differ`);
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  checkOutputSize('matmul', [...batch, M, N], a.dtype, () => `a ${fmtShape(a.shape)} and b ${fmtShape(b.shape)}`);
  const device = sameDevice('matmul', ['a', a], ['b', b]);
  const out = emptyForOverwrite([...batch, M, N], a.dtype, device);  // beta = 0: gemm writes every element
  const nBatch = sizeOf(batch);
  let aOffsets: Int32Array = NO_OFFSET, bOffsets: Int32Array = NO_OFFSET, cOffsets: Int32Array = NO_OFFSET;
  if (nBatch !== 1) {
    aOffsets = batchOffsets(a.shape, batch);
    bOffsets = batchOffsets(b.shape, batch);
    cOffsets = new Int32Array(nBatch);
    for (let p = 0; p < nBatch; p++) cOffsets[p] = p * M * N;
  }
  backendFor(device).gemm(transA, transB, M, N, K, 1, a.deviceValues as FloatArray, aOffsets, a.shape[a.ndim - 1],
    b.deviceValues as FloatArray, bOffsets, b.shape[b.ndim - 1], 0, out.deviceValues as FloatArray, cOffsets, N);
  return out;
}

/** Differentiable batched product of rank >= 2 operands. */
function matmul2(a: Tensor, b: Tensor): Tensor {
  const out = bmm(a, b, false, false);
  // dA = g Bᵀ, dB = Aᵀ g, each summed over broadcast batch dims.
  return record(out, 'matmul', [a, b], (g, needs) => [
    (needs ? needs[0] : a.requiresGrad) ? sumToShape(matmulT(g, b, false, true), a.shape) : null,
    (needs ? needs[1] : b.requiresGrad) ? sumToShape(matmulT(a, g, true, false), b.shape) : null,
  ], [a, b]);
}

/** op(a) @ op(b) without materialising transposes; differentiable. */
export function matmulT(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  if (!transA && !transB) return matmul2(a, b);
  const out = bmm(a, b, transA, transB);
  // With C = op(A) op(B) and upstream G, the gradients in A's and B's own layouts,
  // without materialising any transpose (the GEMM takes the flags):
  //   A stored as is:    dA = G op(B)^T         A stored transposed: dA = op(B) G^T
  //   B stored as is:    dB = op(A)^T G         B stored transposed: dB = G^T op(A)
  return record(out, 'matmul', [a, b], (g, needs) => {
    // grad(u, [x]) needs no weight gradient: skip that GEMM (needs is null for backward()).
    const ga = !(needs ? needs[0] : a.requiresGrad) ? null : sumToShape(transA ? matmulT(b, g, transB, true) : matmulT(g, b, false, !transB), a.shape);
    const gb = !(needs ? needs[1] : b.requiresGrad) ? null : sumToShape(transB ? matmulT(g, a, true, transA) : matmulT(a, g, !transA, false), b.shape);
    return [ga, gb];
  }, [a, b]);
}

/**
 * Matrix product with PyTorch's broadcasting rules.
 * @example `matmul(x, w)` or `x.matmul(w)`
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  assertTensor('matmul', 'a', a);
  assertTensor('matmul', 'b', b);
  if (a.ndim === 0 || b.ndim === 0) throw new ShapeError(`matmul: both arguments need at least 1 dim, got a ${fmtShape(a.shape)} and b ${fmtShape(b.shape)}`);
  if (!isFloat(a.dtype) || !isFloat(b.dtype)) throw new DTypeError(`matmul: a (${a.dtype}) and b (${b.dtype}) must be float32 or float64`);
  const dtype = promoteTypes(a.dtype, b.dtype);
  let x = castTo(a, dtype), y = castTo(b, dtype);
  const aVec = x.ndim === 1, bVec = y.ndim === 1;
  if (aVec) x = reshape(x, [1, x.shape[0]]);
  if (bVec) y = reshape(y, [y.shape[0], 1]);
  if (x.shape[x.ndim - 1] !== y.shape[y.ndim - 2]) {
    throw new ShapeError(`matmul: a is ${fmtShape(a.shape)} and b is ${fmtShape(b.shape)}: inner sizes ${x.shape[x.ndim - 1]} and ${y.shape[y.ndim - 2]} differ`);
  }
  let out = matmul2(x, y);
  if (aVec) out = reshape(out, [...out.shape.slice(0, -2), out.shape[out.ndim - 1]]);
  if (bVec) out = reshape(out, out.shape.slice(0, -1));
  return out;
}

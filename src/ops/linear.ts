/**
 * linear(x, W, b) = x Wᵀ + b as one op, PyTorch's addmm: the output starts as the bias
 * rows and the GEMM accumulates into it (beta = 1), so there is no second pass over the
 * output and no second output buffer for the bias add; backward is one node with the
 * two GEMMs and the bias gradient (a column sum of g), instead of a matmul node, an add
 * node and sumToShape's reduction. Under createGraph the gradients are written with ops,
 * so higher derivatives stay exact.
 */
import { backend, gemmIsBuiltin } from '../backend/index';
import { DTypeError, ShapeError } from '../errors';
import { allocate, type FloatArray } from '../tensor/dtype';
import { isGradEnabled } from '../tensor/graph';
import type { Tensor } from '../tensor/tensor';
import { add } from './binary';
import { castTo } from './cast';
import { randn } from './creation';
import { DerivedArrays } from './derived-arrays';
import { matmulT } from './matmul';
import { record } from './record';
import { registerOp } from './registry';
import { sum } from './reduce';
import { reshape } from './shape';
import { assertTensor, checkOutputSize, emptyForOverwrite, sameDevice } from './util';

const NO_OFFSET = Int32Array.of(0);

// A batch of up to this many rows reads the weight through a row-major [in, out] copy (see
// transposedWeight): native/kernels/gemm.cc's small-M tiles stream row-major B as it lies, but
// transpose B stored [out, in] in registers, which for one row costs twice the product itself
// (linear [1, 784] -> 256: 29 us against 15 us from the copy). The same tiles and FMA chains
// run either way, so the output has the same bits. (A linked system BLAS makes no such promise:
// with one, the weight is read as it is stored.)
const SMALL_BATCH_ROWS = 16;

const transposedWeights = new DerivedArrays<FloatArray>();

/**
 * Wᵀ [in, out] of weight [out, in], kept with the weight's storage until it changes (an
 * optimizer step or any in-place update), or null on the first small-batch call after a change:
 * a training step changes the weight every step, and copying it each time would cost more than
 * it saves. Inference, which calls with one weight again and again, copies it once. Garbage
 * collected with the weight's storage; as much memory again as the weight.
 */
function transposedWeight(weight: Tensor): FloatArray | null {
  const [N, K] = weight.shape;
  return transposedWeights.get(weight.storage, `${weight.dtype} ${N}x${K}`, 'wt', () => allocate(weight.dtype, N * K) as FloatArray, (wt) => {
    backend().copyStrided(weight.values as FloatArray, 0, Int32Array.of(1, K), wt, 0, Int32Array.of(N, 1), Int32Array.of(K, N));
  }, true);
}

function gemmInto(transA: boolean, transB: boolean, M: number, N: number, K: number, a: Tensor, lda: number, b: FloatArray, ldb: number,
  beta: number, c: Tensor): void {
  backend().gemm(transA, transB, M, N, K, 1, a.values as FloatArray, NO_OFFSET, lda, b, NO_OFFSET, ldb,
    beta, c.values as FloatArray, NO_OFFSET, N);
}

/**
 * y = x Wᵀ + b over the last dim of x (any leading dims), W [out, in], b [out] or null:
 * what nn.Linear computes, in one fused op (the bias is the GEMM's starting value).
 * On up to 16 rows of x with the built-in GEMM (no system BLAS linked, as in the prebuilt
 * addon), the second call that finds W unchanged keeps a transposed copy of W with it and
 * reads that from then on: single-sample inference about twice as fast, for as much memory
 * again as W, until W changes (an optimizer step, any in-place update) or is collected. The
 * outputs have the same bits either way.
 * @example `const y = linear(x, fc.weight, fc.bias)`
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  assertTensor('linear', 'x', x);
  assertTensor('linear', 'weight', weight);
  if (bias !== undefined && bias !== null) assertTensor('linear', 'bias', bias);
  if (weight.ndim !== 2) throw new ShapeError(`linear: weight must be [outFeatures, inFeatures], got ${weight.describe()}`);
  const [N, K] = weight.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== K) throw new ShapeError(`linear: x is ${x.describe()} but weight is ${weight.describe()}: the last dim of x must be ${K}`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== N)) throw new ShapeError(`linear: bias is ${bias.describe()} but weight is ${weight.describe()}: bias must be [${N}]`);
  if (weight.dtype !== 'float32' && weight.dtype !== 'float64') throw new DTypeError(`linear: weight must be float32 or float64, got ${weight.describe()}`);
  if (x.dtype !== weight.dtype || (bias && bias.dtype !== weight.dtype)) {
    throw new DTypeError(`linear: x ${x.describe()}, weight ${weight.describe()}${bias ? ` and bias ${bias.describe()}` : ''} must share one float dtype`);
  }
  // The fused kernels read host memory: on another device, linear is matmul + add there.
  if (sameDevice('linear', ['x', x], ['weight', weight], ['bias', bias ?? null]) !== 'cpu') {
    const y = matmulT(x, weight, false, true);
    return bias ? add(y, bias) : y;
  }
  const x2 = x.ndim === 2 ? x : reshape(x, [-1, K]);
  const M = x2.shape[0];
  checkOutputSize('linear', [M, N], x.dtype, () => `x ${x.describe()} and weight ${weight.describe()}`);
  const y = emptyForOverwrite([M, N], x.dtype);
  if (bias && M > 0) {
    // The bias rows by doubling (log2 M copies, not M calls: many rows of few outputs are common).
    const yv = y.values as FloatArray, total = M * N;
    yv.set(bias.values as FloatArray, 0);
    for (let filled = N; filled < total; filled *= 2) yv.copyWithin(filled, 0, Math.min(filled, total - filled));
  }
  const wt = M > 0 && M <= SMALL_BATCH_ROWS && gemmIsBuiltin() ? transposedWeight(weight) : null;
  if (wt) gemmInto(false, false, M, N, K, x2, K, wt, N, bias ? 1 : 0, y);
  else gemmInto(false, true, M, N, K, x2, K, weight.values as FloatArray, K, bias ? 1 : 0, y);
  const out = record(y, 'linear', bias ? [x2, weight, bias] : [x2, weight], (gIn, needs) => {
    const g = castTo(gIn, x.dtype);
    // grad(u, [x]) needs no weight or bias gradient: skip that GEMM and sum (needs is null for backward()).
    const [needX, needW, needB] = needs ? [needs[0], needs[1], needs[2] ?? false] : [x2.requiresGrad, weight.requiresGrad, bias?.requiresGrad ?? false];
    if (isGradEnabled()) {
      // A recorded backward (createGraph): the same gradients written with differentiable ops.
      const gx = needX ? matmulT(g, weight, false, false) : null;
      const gw = needW ? matmulT(g, x2, true, false) : null;
      const gb = bias && needB ? sum(g, 0) : null;
      return bias ? [gx, gw, gb] : [gx, gw];
    }
    let gx: Tensor | null = null, gw: Tensor | null = null, gb: Tensor | null = null;
    if (needX) {
      gx = emptyForOverwrite([M, K], x.dtype);
      gemmInto(false, false, M, K, N, g, N, weight.values as FloatArray, K, 0, gx);  // g [M, N] W [N, K]
    }
    if (needW) {
      gw = emptyForOverwrite([N, K], x.dtype);
      gemmInto(true, false, N, K, M, g, N, x2.values as FloatArray, K, 0, gw);  // gᵀ [N, M] x [M, K]
    }
    if (bias && needB) {
      gb = emptyForOverwrite([N], x.dtype);
      backend().reduce('sum', g.values, gb.values, 1, M, N);
    }
    return bias ? [gx, gw, gb] : [gx, gw];
  }, bias ? [x2, weight, bias] : [x2, weight]);
  return x.ndim === 2 ? out : reshape(out, [...x.shape.slice(0, -1), N]);
}

registerOp({
  name: 'linear', kernels: ['gemm', 'reduce'], differentiable: true,
  run: (x, w, b) => linear(x, w, b),
  samples: [
    { label: '[5,7] x [3,7]ᵀ + [3]', inputs: (dt) => [randn([5, 7], { dtype: dt }), randn([3, 7], { dtype: dt }), randn([3], { dtype: dt })] },
    { label: '[2,3,4] leading dims', inputs: (dt) => [randn([2, 3, 4], { dtype: dt }), randn([6, 4], { dtype: dt }), randn([6], { dtype: dt })] },
    { label: 'empty batch [0,4]', inputs: (dt) => [randn([0, 4], { dtype: dt }), randn([2, 4], { dtype: dt }), randn([2], { dtype: dt })], wrt: [] },
  ],
  tolerance: { float32: 1e-5, float64: 1e-12 },
});
registerOp({
  name: 'linear(no bias)', kernels: ['gemm'], differentiable: true,
  run: (x, w) => linear(x, w),
  samples: [{ label: '[4,9] x [5,9]ᵀ', inputs: (dt) => [randn([4, 9], { dtype: dt }), randn([5, 9], { dtype: dt })] }],
  tolerance: { float32: 1e-5, float64: 1e-12 },
});

/**
 * The fused softmax cross-entropy op: log-softmax and NLL in one stable kernel
 * pass, with its own backward kernel (softmax minus the smoothed, weighted
 * one-hot). Formulas in src/backend/reference/losses.ts.
 *
 * Under createGraph the backward is written with ops instead of the kernel, so
 * second derivatives work too.
 */
import { backendFor } from '../backend/device';
import { uploadTensor } from '../backend/cuda/index';
import type { Device } from '../tensor/device';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtArg } from '../errors';
import type { DType, FloatArray } from '../tensor/dtype';
import { isFloat } from '../tensor/dtype';
import { isGradEnabled } from '../tensor/graph';
import { sizeOf } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { div, mul, sub, add } from './binary';
import { castTo } from './cast';
import { rand, randn, tensor } from './creation';
import { record } from './record';
import { sum } from './reduce';
import { registerOp, type SampleDType } from './registry';
import { expand, reshape } from './shape';
import { logSoftmax, softmax } from './softmax';
import { assertTensor, empty, hostValues, sameDevice } from './util';

export type LossReduction = 'mean' | 'sum' | 'none';

export interface SoftmaxCrossEntropyOptions {
  /** A manual rescaling weight per class, [C]. Not differentiated (as in PyTorch). */
  weight?: Tensor | null;
  /** Class-index targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
  /** Mixes the target with the uniform distribution: (1 - e) target + e / C (default 0). */
  labelSmoothing?: number;
  /** 'mean' (default): over the (weighted) non-ignored targets; 'sum'; 'none': per element. */
  reduction?: LossReduction;
}

const OP = 'crossEntropy';

function fromArray(values: number[] | FloatArray, shape: number[], dtype: DType, device: Device = 'cpu'): Tensor {
  const t = empty(shape, dtype);
  (t.values as FloatArray).set(values);
  if (device === 'cpu') return t;
  const moved = uploadTensor(OP, t);
  t.dispose();
  return moved;
}

/** Validates target against input [N, C, d...] (or [C]); returns whether it holds class indices. */
function checkTarget(x: Tensor, target: Tensor): boolean {
  const unbatched = x.ndim === 1;
  if (target.dtype === 'int32') {
    const want = unbatched ? [] : [x.shape[0], ...x.shape.slice(2)];
    if (target.ndim !== want.length || target.shape.some((s, i) => s !== want[i])) {
      throw new ShapeError(`${OP}: class-index target ${target.describe()} must be ${fmtShape(want)} for input ${x.describe()} (the input without its class dim 1)`);
    }
    return true;
  }
  if (!isFloat(target.dtype)) {
    throw new DTypeError(`${OP}: target must be int32 class indices or float class probabilities, got ${target.describe()}`);
  }
  if (target.ndim !== x.ndim || target.shape.some((s, i) => s !== x.shape[i])) {
    throw new ShapeError(`${OP}: probability target ${target.describe()} must have the input's shape ${fmtShape(x.shape)} (class indices must be int32)`);
  }
  return false;
}

/**
 * @internal Softmax cross-entropy of logits [N, C, d...] (or [C]) against int32
 * class indices [N, d...] or float probabilities shaped like the input. The public
 * face is losses/crossEntropy.
 */
export function softmaxCrossEntropy(input: Tensor, target: Tensor, opts: SoftmaxCrossEntropyOptions = {}): Tensor {
  assertTensor(OP, 'input', input);
  assertTensor(OP, 'target', target);
  if (!isFloat(input.dtype)) throw new DTypeError(`${OP}: input must be float32 or float64 logits, got ${input.describe()}`);
  if (input.ndim === 0) throw new ShapeError(`${OP}: input must be [C] or [N, C, ...], got a 0-d tensor`);
  const reduction = opts.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ArgumentError(`${OP}: reduction must be 'mean', 'sum' or 'none', got '${fmtArg(reduction)}'`);
  }
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (!Number.isInteger(ignoreIndex)) throw new ArgumentError(`${OP}: ignoreIndex must be an integer, got ${fmtArg(ignoreIndex)}`);
  const smoothing = opts.labelSmoothing ?? 0;
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) {
    throw new ArgumentError(`${OP}: labelSmoothing must be in [0, 1], got ${fmtArg(smoothing)}`);
  }
  const isIndex = checkTarget(input, target);
  const device = sameDevice(OP, ['input', input], ['target', target], ['weight', opts.weight]);
  const dtype = input.dtype;
  const classes = input.ndim === 1 ? input.shape[0] : input.shape[1];
  const outer = input.ndim === 1 ? 1 : input.shape[0];
  const inner = input.ndim <= 2 ? 1 : sizeOf(input.shape.slice(2));
  const rows = outer * inner;
  const rowShape = input.ndim === 1 ? [] : [input.shape[0], ...input.shape.slice(2)];

  let weight: Tensor | null = null;
  if (opts.weight !== undefined && opts.weight !== null) {
    assertTensor(OP, 'weight', opts.weight);
    if (!isFloat(opts.weight.dtype)) throw new DTypeError(`${OP}: weight must be a float tensor, got ${opts.weight.describe()}`);
    if (opts.weight.ndim !== 1 || opts.weight.shape[0] !== classes) {
      throw new ShapeError(`${OP}: weight ${opts.weight.describe()} must be [${classes}], one entry per class of input ${input.describe()}`);
    }
    weight = castTo(opts.weight, dtype);
  }
  // Host copies (of a cuda tensor's too) for the checks and the 'mean' denominator.
  const w = weight ? (hostValues(weight) as FloatArray) : null;

  let indices: Int32Array | null = null;
  let probs: Tensor | null = null;
  let denominator = rows;  // 'mean': sum of the targets' weights (class indices) or the row count (probabilities)
  if (isIndex) {
    indices = hostValues(target) as Int32Array;
    denominator = 0;
    for (let r = 0; r < rows; r++) {
      const y = indices[r];
      if (y === ignoreIndex) continue;
      if (y < 0 || y >= classes) {
        throw new ShapeError(`${OP}: target ${y} at position ${r} is out of range for ${classes} classes (input ${input.describe()}, ignoreIndex ${ignoreIndex})`);
      }
      denominator += w ? w[y] : 1;
    }
  } else {
    probs = castTo(target, dtype);
  }

  const x = input;
  const loss = empty([rows], dtype, device);
  const lse = empty([rows], dtype, device);
  const kernelTarget = isIndex ? (target.deviceValues as Int32Array) : null;
  const kernelProbs = probs ? (probs.deviceValues as FloatArray) : null;
  const kernelWeight = weight ? (weight.deviceValues as FloatArray) : null;
  const kernels = backendFor(device);
  kernels.crossEntropy(x.deviceValues as FloatArray, outer, classes, inner, kernelTarget, kernelProbs,
    kernelWeight, ignoreIndex, smoothing, loss.deviceValues as FloatArray, lse.deviceValues as FloatArray);

  let out: Tensor;
  if (reduction === 'none') out = reshape(loss, rowShape);
  else if (device !== 'cpu') {
    // On the device the rows are summed by the reduction kernel (loss needs no gradient: nothing is recorded).
    const total = sum(loss);
    out = reduction === 'mean' ? div(total, denominator) : total;
    if (out !== total) total.dispose();
  } else {
    let total = 0;
    const lv = loss.values as FloatArray;
    for (let r = 0; r < rows; r++) total += lv[r];
    out = fromArray([reduction === 'mean' ? total / denominator : total], [], dtype);
  }

  /** The per-row gradient scale: [outer, 1, inner] for 'none', else a scalar. */
  const rowScale = (g: Tensor): Tensor => {
    const gx = castTo(g, dtype);
    if (reduction === 'none') return reshape(gx, [outer, 1, inner]);
    return reduction === 'mean' ? div(gx, denominator) : gx;
  };

  const kernelGradX = (g: Tensor): Tensor => {
    if (device !== 'cpu') {
      // gradLoss per row: g itself ('none') or g (/ denominator) broadcast to every row.
      const gd = castTo(g, dtype);
      const gradLoss = reduction === 'none' ? reshape(gd, [rows])
        : expand(reshape(reduction === 'mean' ? div(gd, denominator) : gd, [1]), [rows]);
      const gradX = empty(x.shape.slice(), dtype, device);
      kernels.crossEntropyBackward(x.deviceValues as FloatArray, outer, classes, inner, kernelTarget, kernelProbs, kernelWeight,
        ignoreIndex, smoothing, lse.deviceValues as FloatArray, gradLoss.deviceValues as FloatArray, gradX.deviceValues as FloatArray);
      return gradX;
    }
    const gv = castTo(g, dtype).values as FloatArray;
    const gradLoss = empty([rows], dtype);
    const gl = gradLoss.values as FloatArray;
    if (reduction === 'none') gl.set(gv);
    else gl.fill(reduction === 'mean' ? gv[0] / denominator : gv[0]);
    const gradX = empty(x.shape.slice(), dtype);
    kernels.crossEntropyBackward(x.values as FloatArray, outer, classes, inner, indices, probs ? (probs.values as FloatArray) : null,
      w, ignoreIndex, smoothing, lse.values as FloatArray, gl, gradX.values as FloatArray);
    return gradX;
  };

  // The same gradient written with ops (differentiable again): g_r (p * a_r - b), with p = softmax(x).
  const compositeGradX = (g: Tensor): Tensor => {
    const xs = reshape(x, [outer, classes, inner]);
    const p = softmax(xs, 1);
    const scale = rowScale(g);
    if (indices) {
      let wSum = classes;
      if (w) { wSum = 0; for (let c = 0; c < classes; c++) wSum += w[c]; }
      const a = new Float64Array(rows), b = new Float64Array(rows * classes);
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const r = o * inner + i, y = indices[r];
          if (y === ignoreIndex) continue;
          const wy = w ? w[y] : 1;
          a[r] = (1 - smoothing) * wy + (smoothing / classes) * wSum;
          for (let c = 0; c < classes; c++) b[(o * classes + c) * inner + i] = (smoothing / classes) * (w ? w[c] : 1);
          b[(o * classes + y) * inner + i] += (1 - smoothing) * wy;
        }
      }
      const grad = mul(scale, sub(mul(p, fromArray(a, [outer, 1, inner], dtype, device)), fromArray(b, [outer, classes, inner], dtype, device)));
      return reshape(grad, x.shape.slice());
    }
    const t = add(mul(reshape(probs!, [outer, classes, inner]), 1 - smoothing), smoothing / classes);
    const wt = weight ? mul(t, reshape(weight, [1, classes, 1])) : t;
    const mass = sum(wt, 1, { keepdim: true });
    return reshape(mul(scale, sub(mul(p, mass), wt)), x.shape.slice());
  };

  // d loss / d target_c = -(1 - e) w_c log p_c, scaled per row.
  const gradTarget = (g: Tensor): Tensor => {
    const logp = logSoftmax(reshape(x, [outer, classes, inner]), 1);
    const wl = weight ? mul(logp, reshape(weight, [1, classes, 1])) : logp;
    const scale = rowScale(g);
    return reshape(mul(scale, mul(wl, -(1 - smoothing))), target.shape.slice());
  };

  const inputs = probs ? [x, probs] : [x];
  return record(out, OP, inputs, (g) => {
    const gx = x.requiresGrad ? (isGradEnabled() ? compositeGradX(g) : kernelGradX(g)) : null;
    return probs ? [gx, probs.requiresGrad ? gradTarget(g) : null] : [gx];
  }, inputs);
}

// ---------------------------------------------------------------- registry

const logits = (shape: number[], dt: SampleDType): Tensor => randn(shape, { dtype: dt }).mul(2);
const classIndices = (values: number[], shape: number[]): Tensor => reshape(tensor(values, { dtype: 'int32' }), shape);
/** Rows of class probabilities along dim 1. */
const probabilities = (shape: number[], dt: SampleDType): Tensor => softmax(randn(shape, { dtype: dt }), 1);
// Gradients flow to the logits (and to probability targets); the class weight is a constant, as in PyTorch.
const CE_KERNELS = ['crossEntropy', 'crossEntropyBackward'] as const;

registerOp({
  name: 'crossEntropy', kernels: CE_KERNELS, differentiable: true,
  run: (x, t, w) => softmaxCrossEntropy(x, t, { weight: w, labelSmoothing: 0.2, ignoreIndex: 1 }),
  samples: [{
    label: '[5,4] class indices, weight, labelSmoothing, ignoreIndex',
    inputs: (dt) => [logits([5, 4], dt), classIndices([2, 1, 0, 3, 2], [5]), rand([4], { dtype: dt }).add(0.5)],
    wrt: [0],
  }],
});
registerOp({
  name: 'crossEntropy(none)', kernels: CE_KERNELS, differentiable: true,
  run: (x, t) => softmaxCrossEntropy(x, t, { reduction: 'none', labelSmoothing: 0.1 }),
  samples: [
    { label: '[2,3,4] spatial class indices', inputs: (dt) => [logits([2, 3, 4], dt), classIndices([0, 2, 1, 1, 2, 0, 0, 1], [2, 4])] },
    { label: 'unbatched [5]', inputs: (dt) => [logits([5], dt), classIndices([3], [])] },
  ],
});
registerOp({
  name: 'crossEntropy(probabilities)', kernels: CE_KERNELS, differentiable: true,
  run: (x, p, w) => softmaxCrossEntropy(x, p, { weight: w, labelSmoothing: 0.3, reduction: 'sum' }),
  samples: [{
    label: '[3,4] probability targets, weight',
    inputs: (dt) => [logits([3, 4], dt), probabilities([3, 4], dt), rand([4], { dtype: dt }).add(0.5)],
    wrt: [0, 1],
  }],
});

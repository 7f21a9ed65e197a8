/**
 * Normalisation ops: layerNorm, batchNorm, groupNorm. Each runs one fused forward
 * kernel (statistics saved as float64) and records one node. Its backward
 * runs the fused backward kernel when the backward pass is not itself recorded; under
 * createGraph it is written with ops (the formula below, recomputing the statistics
 * from x), so second derivatives work. The kernels write every element of their outputs,
 * which are therefore allocated without the zero fill.
 *
 * The kernels run on x's device (backendFor): on cuda the float64 statistics live in device
 * buffers too, and BatchNorm's running statistics are updated there with ops.
 *
 * With x̂ = (x - μ) σ⁻¹ over each normalised group of M elements and g = dy · γ:
 *   dx = σ⁻¹ (g - mean(g) - x̂ · mean(g · x̂)),   dγ = Σ dy · x̂,   dβ = Σ dy.
 */
import { backendFor } from '../backend/device';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtValue, fmtArg } from '../errors';
import type { Device } from '../tensor/device';
import type { FloatArray } from '../tensor/dtype';
import { isGradEnabled } from '../tensor/graph';
import { shapesEqual, sizeOf } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { add, gt, mul, sub, where } from './binary';
import { castTo } from './cast';
import { randn, tensor } from './creation';
import { record } from './record';
import { registerOp } from './registry';
import { mean, sum } from './reduce';
import { copy_ } from './inplace';
import { copyOf, reshape } from './shape';
import { rsqrt, square } from './unary';
import { assertTensor, emptyForOverwrite, sameDevice } from './util';

type Float = 'float32' | 'float64';

function checkFloatInput(op: string, x: Tensor): Float {
  assertTensor(op, 'x', x);
  if (x.dtype !== 'float32' && x.dtype !== 'float64') throw new DTypeError(`${op}: x must be float32 or float64, got ${x.describe()}`);
  return x.dtype;
}

function checkEps(op: string, eps: unknown): number {
  if (typeof eps !== 'number' || !(eps >= 0) || !Number.isFinite(eps)) throw new ArgumentError(`${op}: eps must be a finite number >= 0, got ${fmtArg(eps)}`);
  return eps;
}

/** Checks an optional affine parameter: a tensor of `shape` and x's dtype, or null. */
function checkAffine(op: string, name: string, t: Tensor | null | undefined, shape: number[], dtype: Float): Tensor | null {
  if (t === undefined || t === null) return null;
  assertTensor(op, name, t);
  if (!shapesEqual(t.shape, shape)) throw new ShapeError(`${op}: ${name} is ${t.describe()} but must be ${fmtShape(shape)}`);
  if (t.dtype !== dtype) throw new DTypeError(`${op}: ${name} is ${t.describe()} but x is ${dtype}; use one dtype`);
  return t;
}

const valuesOf = (t: Tensor | null): FloatArray | null => (t ? (t.deviceValues as FloatArray) : null);
const vals = (t: Tensor): FloatArray => t.deviceValues as FloatArray;

/**
 * A float64 statistics array of n entries on `device`: a host array on cpu; on cuda the tag of a
 * device buffer (a tensor's, held by the closures that read it), which only the CUDA kernels take.
 */
function statsArray(device: Device, n: number): Float64Array {
  return device === 'cpu' ? new Float64Array(n) : (emptyForOverwrite([n], 'float64', device).deviceValues as Float64Array);
}

/** A float64 copy of a running statistic, on its device (the eval kernels read it; the running buffer may change later). */
function statsCopy(t: Tensor): Float64Array {
  if (t.device === 'cpu') return Float64Array.from(t.values as FloatArray);
  return (t.dtype === 'float64' ? copyOf(t) : castTo(t, 'float64')).deviceValues as Float64Array;
}

/** Statistics as a [C] float64 tensor on `device` (the eval backward written with ops reads them). */
function statsTensor(values: Float64Array, C: number, device: Device): Tensor {
  if (device === 'cpu') return Tensor.fromData(values.slice(), [C], 'float64');
  const t = emptyForOverwrite([C], 'float64', device);
  backendFor(device).copyStrided(values, 0, Int32Array.of(1), t.deviceValues, 0, Int32Array.of(1), Int32Array.of(C));
  return t;
}
const wants = (t: Tensor | null): boolean => t !== null && t.requiresGrad;

/** Records a node over the present inputs of [x, weight, bias]; grads() returns one gradient per slot. */
function recordNorm(y: Tensor, name: string, x: Tensor, weight: Tensor | null, bias: Tensor | null,
  grads: (g: Tensor) => [Tensor | null, Tensor | null, Tensor | null], savedOutput: Tensor | null = null): Tensor {
  const slots = [x, weight, bias];
  const present = slots.filter((t): t is Tensor => t !== null);
  const saved = weight ? [x, weight] : [x];
  // A fused ReLU's backward reads the output: an in-place change to it must be caught too.
  if (savedOutput) saved.push(savedOutput);
  return record(y, name, present, (g) => {
    const all = grads(castTo(g, x.dtype));
    return slots.map((t, i) => (t ? all[i] : undefined)).filter((v) => v !== undefined) as (Tensor | null)[];
  }, saved);
}

/**
 * The gradients written with ops, for a backward pass that is itself recorded.
 * dims: the dims of x reduced per group (after an optional regrouping reshape).
 */
function compositeGrads(g: Tensor, x: Tensor, weightB: Tensor | null, grouped: number[] | null, dims: number[],
  paramDims: number[], paramShape: number[] | null, eps: number, need: [boolean, boolean, boolean]): [Tensor | null, Tensor | null, Tensor | null] {
  const xr = grouped ? reshape(x, grouped) : x;
  const mu = mean(xr, dims, { keepdim: true });
  const xc = sub(xr, mu);
  const rs = rsqrt(add(mean(square(xc), dims, { keepdim: true }), eps));
  const xhatR = mul(xc, rs);
  const xhat = grouped ? reshape(xhatR, x.shape) : xhatR;
  let dx: Tensor | null = null;
  if (need[0]) {
    const gw = weightB ? mul(g, weightB) : g;
    const gwR = grouped ? reshape(gw, grouped) : gw;
    const inner = sub(sub(gwR, mean(gwR, dims, { keepdim: true })), mul(xhatR, mean(mul(gwR, xhatR), dims, { keepdim: true })));
    dx = mul(rs, inner);
    if (grouped) dx = reshape(dx, x.shape);
  }
  const reduceParam = (t: Tensor): Tensor => reshape(sum(t, paramDims, { keepdim: true }), paramShape!);
  const dw = need[1] ? reduceParam(mul(g, xhat)) : null;
  const db = need[2] ? reduceParam(g) : null;
  return [dx, dw, db];
}

// ---------------------------------------------------------------- LayerNorm

/** eps of `layerNorm`. @example `layerNorm(x, [64], gamma, beta, { eps: 1e-6 })` */
export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

/**
 * Normalises over the last dims given by `normalizedShape` (mean 0, variance 1 with the
 * biased variance), then applies the elementwise affine weight and bias if given.
 * @example `layerNorm(x, [512], gamma, beta)`
 */
export function layerNorm(x: Tensor, normalizedShape: number | number[], weight?: Tensor | null, bias?: Tensor | null,
  opts?: LayerNormOptions): Tensor {
  return layerNormMaybeRelu('layerNorm', x, normalizedShape, weight, bias, opts, false);
}

/**
 * `relu(layerNorm(x, ...))` as one op, as {@link batchNormRelu}: the ReLU is applied as each
 * row is written, and the backward masks the gradient row by row inside LayerNorm's own
 * passes. nn.Sequential runs a LayerNorm layer followed by a ReLU layer through it.
 * @example `const h = layerNormRelu(x, [256], ln.weight, ln.bias)`
 */
export function layerNormRelu(x: Tensor, normalizedShape: number | number[], weight?: Tensor | null, bias?: Tensor | null,
  opts?: LayerNormOptions): Tensor {
  return layerNormMaybeRelu('layerNormRelu', x, normalizedShape, weight, bias, opts, true);
}

function layerNormMaybeRelu(op: string, x: Tensor, normalizedShape: number | number[], weight: Tensor | null | undefined,
  bias: Tensor | null | undefined, opts: LayerNormOptions | undefined, relu: boolean): Tensor {
  const dtype = checkFloatInput(op, x);
  const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((s) => !Number.isInteger(s) || s <= 0)) {
    throw new ArgumentError(`${op}: normalizedShape must be a positive size or a non-empty list of them, got ${fmtValue(normalizedShape)}`);
  }
  const k = shape.length;
  if (x.ndim < k || !shapesEqual(x.shape.slice(x.ndim - k), shape)) {
    throw new ShapeError(`${op}: normalizedShape ${fmtShape(shape)} does not match the last ${k} dim(s) of x ${x.describe()}`);
  }
  const eps = checkEps(op, opts?.eps ?? 1e-5);
  const w = checkAffine(op, 'weight', weight, shape, dtype);
  const b = checkAffine(op, 'bias', bias, shape, dtype);
  const device = sameDevice(op, ['x', x], ['weight', w], ['bias', b]);
  const kernels = backendFor(device);
  const n = sizeOf(shape), rows = x.size / n;
  const y = emptyForOverwrite(x.shape.slice(), dtype, device);
  const meanArr = statsArray(device, rows), rstdArr = statsArray(device, rows);
  kernels.layerNormForward(vals(x), valuesOf(w), valuesOf(b), vals(y), meanArr, rstdArr, rows, n, eps, relu);
  const dims = shape.map((_, i) => x.ndim - k + i);
  const lead = x.shape.slice(0, x.ndim - k).map((_, i) => i);
  return recordNorm(y, op, x, w, b, (g) => {
    const need: [boolean, boolean, boolean] = [x.requiresGrad, wants(w), wants(b)];
    if (isGradEnabled()) return compositeGrads(relu ? throughRelu(g, y) : g, x, w, null, dims, lead, shape, eps, need);
    const dx = need[0] ? emptyForOverwrite(x.shape.slice(), dtype, device) : null;
    const dw = need[1] ? emptyForOverwrite(shape.slice(), dtype, device) : null;
    const db = need[2] ? emptyForOverwrite(shape.slice(), dtype, device) : null;
    kernels.layerNormBackward(vals(g), vals(x), meanArr, rstdArr, valuesOf(w), valuesOf(dx), valuesOf(dw), valuesOf(db),
      rows, n, relu ? vals(y) : null);
    return [dx, dw, db];
  }, relu ? y : null);
}

/** The gradient a ReLU whose output is y passes back, written with ops (its rule: g where y > 0). */
function throughRelu(g: Tensor, y: Tensor): Tensor {
  return where(gt(y, 0), g, 0);
}

// ---------------------------------------------------------------- BatchNorm

/** Mode, momentum and eps of `batchNorm`. @example `batchNorm(x, runningMean, runningVar, gamma, beta, { training: true })` */
export interface BatchNormOptions {
  /** Use (and update) batch statistics (default false: normalise with the running statistics). */
  training?: boolean;
  /** Weight of the new batch statistics in the running averages (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
}

function checkRunning(op: string, name: string, t: Tensor | null | undefined, C: number): Tensor | null {
  if (t === undefined || t === null) return null;
  assertTensor(op, name, t);
  if (!shapesEqual(t.shape, [C])) throw new ShapeError(`${op}: ${name} is ${t.describe()} but x has ${C} channels`);
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new DTypeError(`${op}: ${name} must be float, got ${t.describe()}`);
  return t;
}

/**
 * Batch normalisation of x [N, C, *] per channel C. In training it normalises with the
 * batch mean and biased variance and updates the running statistics in place
 * (running = (1 - momentum) running + momentum batch, with the UNBIASED batch variance);
 * otherwise it uses the running statistics.
 * @example `batchNorm(x, runningMean, runningVar, gamma, beta, { training: true })`
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null,
  bias?: Tensor | null, opts?: BatchNormOptions): Tensor {
  return batchNormMaybeRelu('batchNorm', x, runningMean, runningVar, weight, bias, opts, false);
}

/**
 * `relu(batchNorm(x, ...))` as one op: the ReLU is applied as the normalised values are
 * written, and the backward takes the gradient through both in the BatchNorm's own passes
 * (no ReLU output kept apart, no ReLU backward pass, no masked gradient in memory). The values
 * and gradients are those of the two ops; under createGraph the backward is written with ops
 * (the ReLU mask, then BatchNorm's formula), so higher derivatives are exact. nn.Sequential
 * runs a BatchNorm layer followed by a ReLU layer through it.
 * @example `const h = batchNormRelu(x, bn.runningMean, bn.runningVar, bn.weight, bn.bias, { training: true })`
 */
export function batchNormRelu(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null,
  bias?: Tensor | null, opts?: BatchNormOptions): Tensor {
  return batchNormMaybeRelu('batchNormRelu', x, runningMean, runningVar, weight, bias, opts, true);
}

function batchNormMaybeRelu(op: string, x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null | undefined,
  bias: Tensor | null | undefined, opts: BatchNormOptions | undefined, relu: boolean): Tensor {
  const dtype = checkFloatInput(op, x);
  if (x.ndim < 2) throw new ShapeError(`${op}: x must be [N, C, ...] (at least 2-D), got ${x.describe()}`);
  const N = x.shape[0], C = x.shape[1], S = sizeOf(x.shape.slice(2));
  const training = opts?.training ?? false;
  const momentum = opts?.momentum ?? 0.1;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw new ArgumentError(`${op}: momentum must be in [0, 1], got ${fmtArg(momentum)}`);
  const eps = checkEps(op, opts?.eps ?? 1e-5);
  const rm = checkRunning(op, 'runningMean', runningMean, C);
  const rv = checkRunning(op, 'runningVar', runningVar, C);
  if ((rm === null) !== (rv === null)) throw new ArgumentError(`${op}: give both runningMean and runningVar, or neither`);
  if (!training && !rm) throw new ArgumentError(`${op}: evaluation (training: false) needs runningMean and runningVar`);
  const w = checkAffine(op, 'weight', weight, [C], dtype);
  const b = checkAffine(op, 'bias', bias, [C], dtype);
  const device = sameDevice(op, ['x', x], ['runningMean', rm], ['runningVar', rv], ['weight', w], ['bias', b]);
  const kernels = backendFor(device);
  const M = N * S;
  if (training && M <= 1) throw new ArgumentError(`${op}: training needs more than 1 value per channel, got x ${x.describe()}`);

  const meanArr = training ? statsArray(device, C) : statsCopy(rm!);
  const varArr = training ? statsArray(device, C) : statsCopy(rv!);
  const invstd = statsArray(device, C);
  const y = emptyForOverwrite(x.shape.slice(), dtype, device);
  kernels.batchNormForward(vals(x), valuesOf(w), valuesOf(b), vals(y), meanArr, varArr, invstd, N, C, S, eps, training, relu);
  if (training && rm && rv && device !== 'cpu') {
    // The same update with ops on the device, in float64 and rounded once, as below.
    const update = (running: Tensor, batch: Float64Array, factor: number): void => {
      const next = add(mul(castTo(running, 'float64'), 1 - momentum), mul(statsTensor(batch, C, device), momentum * factor));
      copy_(running, castTo(next, running.dtype));
    };
    update(rm, meanArr, 1);
    update(rv, varArr, M / (M - 1));
  } else if (training && rm && rv) {
    // running ← (1 - m) running + m batch, with the unbiased variance (n / (n - 1)) as in PyTorch;
    // in place (the version bump is what mul_/add_ would do), in double, rounded once.
    const update = (running: Tensor, batch: Float64Array, factor: number): void => {
      const r = running.values as FloatArray;
      for (let c = 0; c < C; c++) r[c] = (1 - momentum) * r[c] + momentum * factor * batch[c];
      running.storage.version++;
    };
    update(rm, meanArr, 1);
    update(rv, varArr, M / (M - 1));
  }

  const statShape = [1, C, ...x.shape.slice(2).map(() => 1)];
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  return recordNorm(y, op, x, w, b, (gy) => {
    const need: [boolean, boolean, boolean] = [x.requiresGrad, wants(w), wants(b)];
    if (isGradEnabled()) {
      // Through the ReLU with ops, then the BatchNorm's formula.
      const g = relu ? throughRelu(gy, y) : gy;
      const wB = w ? reshape(w, statShape) : null;
      if (training) return compositeGrads(g, x, wB, null, dims, dims, [C], eps, need);
      // Running statistics are constants: y = (x - μ_r) s γ + β with s = 1/√(var_r + eps).
      const mu = reshape(statsTensor(meanArr, C, device), statShape);
      const s = reshape(statsTensor(invstd, C, device), statShape);
      const muX = castTo(mu, dtype), sX = castTo(s, dtype);
      const dx = need[0] ? mul(g, wB ? mul(wB, sX) : sX) : null;
      const dw = need[1] ? reshape(sum(mul(g, mul(sub(x, muX), sX)), dims, { keepdim: true }), [C]) : null;
      const db = need[2] ? reshape(sum(g, dims, { keepdim: true }), [C]) : null;
      return [dx, dw, db];
    }
    const dx = need[0] ? emptyForOverwrite(x.shape.slice(), dtype, device) : null;
    const dw = need[1] ? emptyForOverwrite([C], dtype, device) : null;
    const db = need[2] ? emptyForOverwrite([C], dtype, device) : null;
    kernels.batchNormBackward(vals(gy), vals(x), meanArr, invstd, valuesOf(w), valuesOf(dx), valuesOf(dw), valuesOf(db),
      N, C, S, training, relu ? vals(y) : null);
    return [dx, dw, db];
  }, relu ? y : null);
}

// ---------------------------------------------------------------- GroupNorm

/**
 * Group normalisation of x [N, C, *]: the C channels are split into numGroups groups,
 * each normalised over its channels and space per sample; then the per-channel affine.
 * @example `groupNorm(x, 8, gamma, beta)`
 */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, opts?: { eps?: number }): Tensor {
  const op = 'groupNorm';
  const dtype = checkFloatInput(op, x);
  if (x.ndim < 2) throw new ShapeError(`${op}: x must be [N, C, ...] (at least 2-D), got ${x.describe()}`);
  const N = x.shape[0], C = x.shape[1], S = sizeOf(x.shape.slice(2));
  if (!Number.isInteger(numGroups) || numGroups <= 0) throw new ArgumentError(`${op}: numGroups must be a positive integer, got ${fmtArg(numGroups)}`);
  if (C % numGroups !== 0) throw new ArgumentError(`${op}: the ${C} channels of x ${x.describe()} are not divisible by numGroups=${numGroups}`);
  const eps = checkEps(op, opts?.eps ?? 1e-5);
  const w = checkAffine(op, 'weight', weight, [C], dtype);
  const b = checkAffine(op, 'bias', bias, [C], dtype);
  const device = sameDevice(op, ['x', x], ['weight', w], ['bias', b]);
  const kernels = backendFor(device);
  const y = emptyForOverwrite(x.shape.slice(), dtype, device);
  const meanArr = statsArray(device, N * numGroups), rstdArr = statsArray(device, N * numGroups);
  kernels.groupNormForward(vals(x), valuesOf(w), valuesOf(b), vals(y), meanArr, rstdArr, N, C, S, numGroups, eps);
  const statShape = [1, C, ...x.shape.slice(2).map(() => 1)];
  const paramDims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  return recordNorm(y, op, x, w, b, (g) => {
    const need: [boolean, boolean, boolean] = [x.requiresGrad, wants(w), wants(b)];
    if (isGradEnabled()) {
      return compositeGrads(g, x, w ? reshape(w, statShape) : null, [N, numGroups, (C / numGroups) * S], [2], paramDims, [C], eps, need);
    }
    const dx = need[0] ? emptyForOverwrite(x.shape.slice(), dtype, device) : null;
    const dw = need[1] ? emptyForOverwrite([C], dtype, device) : null;
    const db = need[2] ? emptyForOverwrite([C], dtype, device) : null;
    kernels.groupNormBackward(vals(g), vals(x), meanArr, rstdArr, valuesOf(w), valuesOf(dx), valuesOf(dw), valuesOf(db), N, C, S, numGroups);
    return [dx, dw, db];
  });
}

// ---------------------------------------------------------------- registry

const sample = (shape: number[], dt: 'float32' | 'float64', scale = 1, shift = 0): Tensor => add(mul(randn(shape, { dtype: dt }), scale), shift);
const stats = (values: number[], dt: 'float32' | 'float64'): Tensor => tensor(values, { dtype: dt });

registerOp({
  name: 'layerNorm', kernels: ['layerNormForward', 'layerNormBackward'], differentiable: true,
  run: (x, w, b) => layerNorm(x, [3, 4], w, b),
  samples: [
    { label: '[2,5,3,4] affine', inputs: (dt) => [sample([2, 5, 3, 4], dt, 2, 1), sample([3, 4], dt), sample([3, 4], dt)] },
    { label: '[3,4] large mean', inputs: (dt) => [sample([3, 4], dt, 0.01, 100), sample([3, 4], dt), sample([3, 4], dt)], wrt: [1, 2] },
  ],
  tolerance: { float32: 1e-4, float64: 1e-10 },
});
registerOp({
  name: 'layerNorm(plain)', kernels: ['layerNormForward', 'layerNormBackward'], differentiable: true,
  run: (x) => layerNorm(x, 7),
  samples: [{ label: '[4,7]', inputs: (dt) => [sample([4, 7], dt)] }, { label: 'empty [0,7]', inputs: (dt) => [sample([0, 7], dt)], wrt: [] }],
  tolerance: { float64: 1e-10 },
});
registerOp({
  name: 'batchNorm(training)', kernels: ['batchNormForward', 'batchNormBackward'], differentiable: true,
  run: (x, w, b) => batchNorm(x, null, null, w, b, { training: true }),
  samples: [
    { label: '[4,3,5]', inputs: (dt) => [sample([4, 3, 5], dt, 2, -1), sample([3], dt), sample([3], dt)] },
    { label: '[3,2,40] long segments', inputs: (dt) => [sample([3, 2, 40], dt), sample([2], dt), sample([2], dt)], wrt: [0] },
  ],
  tolerance: { float32: 1e-4, float64: 1e-10 },
});
registerOp({
  name: 'batchNorm(eval)', kernels: ['batchNormForward', 'batchNormBackward'], differentiable: true,
  run: (x, w, b) => batchNorm(x, stats([0.5, -1, 0], x.dtype as Float), stats([2, 0.5, 1], x.dtype as Float), w, b),
  samples: [{ label: '[2,3,2,2]', inputs: (dt) => [sample([2, 3, 2, 2], dt), sample([3], dt), sample([3], dt)] }],
  tolerance: { float64: 1e-10 },
});
registerOp({
  name: 'layerNormRelu', kernels: ['layerNormForward', 'layerNormBackward'], differentiable: true,
  run: (x, w, b) => layerNormRelu(x, [3, 5], w, b),
  samples: [
    { label: '[2,4,3,5] affine', inputs: (dt) => [sample([2, 4, 3, 5], dt, 2, 0.5), sample([3, 5], dt), sample([3, 5], dt)] },
    { label: '[7,3,5] no affine', inputs: (dt) => [sample([7, 3, 5], dt)] },
  ],
  tolerance: { float32: 1e-4, float64: 1e-10 },
});
registerOp({
  name: 'batchNormRelu(training)', kernels: ['batchNormForward', 'batchNormBackward'], differentiable: true,
  run: (x, w, b) => batchNormRelu(x, null, null, w, b, { training: true }),
  samples: [
    { label: '[4,3,5]', inputs: (dt) => [sample([4, 3, 5], dt, 2, -1), sample([3], dt), sample([3], dt)] },
    { label: '[3,2,37] long odd segments', inputs: (dt) => [sample([3, 2, 37], dt), sample([2], dt), sample([2], dt)] },
    { label: '[5,7] (BatchNorm1d)', inputs: (dt) => [sample([5, 7], dt), sample([7], dt), sample([7], dt)] },
  ],
  tolerance: { float32: 1e-4, float64: 1e-10 },
});
registerOp({
  name: 'batchNormRelu(eval)', kernels: ['batchNormForward', 'batchNormBackward'], differentiable: true,
  run: (x, w, b) => batchNormRelu(x, stats([0.5, -1, 0], x.dtype as Float), stats([2, 0.5, 1], x.dtype as Float), w, b),
  samples: [{ label: '[2,3,2,2]', inputs: (dt) => [sample([2, 3, 2, 2], dt), sample([3], dt), sample([3], dt)] }],
  tolerance: { float64: 1e-10 },
});
registerOp({
  name: 'groupNorm', kernels: ['groupNormForward', 'groupNormBackward'], differentiable: true,
  run: (x, w, b) => groupNorm(x, 2, w, b),
  samples: [{ label: '[2,4,3]', inputs: (dt) => [sample([2, 4, 3], dt, 1, 3), sample([4], dt), sample([4], dt)] }],
  tolerance: { float32: 1e-4, float64: 1e-10 },
});

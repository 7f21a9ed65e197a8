/**
 * The CTC loss op: the alpha-beta recursion runs in one kernel call that also
 * returns d nll / d logProbs (the log-probabilities as free inputs); the
 * backward only scales it per batch item. First order only, as in PyTorch.
 * Definitions in src/backend/reference/ctc.ts. The kernel runs on logProbs' device; the
 * labels and lengths are checked (and passed to the kernel) on the host either way.
 */
import { backendFor } from '../backend/device';
import { ArgumentError, AutogradError, DTypeError, ShapeError, fmtShape, fmtArg } from '../errors';
import type { FloatArray } from '../tensor/dtype';
import { isFloat } from '../tensor/dtype';
import { isGradEnabled } from '../tensor/graph';
import { Tensor } from '../tensor/tensor';
import { mul } from './binary';
import { sum } from './reduce';
import { castTo } from './cast';
import { randn, tensor } from './creation';
import { record } from './record';
import { registerOp, type SampleDType } from './registry';
import { reshape } from './shape';
import { logSoftmax } from './softmax';
import { assertTensor, empty, hostValues, sameDevice } from './util';

/** Blank index, reduction and zeroInfinity of `ctcLoss`. @example `ctcLoss(logProbs, targets, inLens, tgtLens, { blank: 0 })` */
export interface CtcOptions {
  /** The blank class (default 0). */
  blank?: number;
  /** 'mean' (default): each loss divided by its target length (at least 1), then the batch mean; 'sum'; 'none': [N]. */
  reduction?: 'mean' | 'sum' | 'none';
  /** Replace infinite losses (impossible alignments) and their gradients by 0 (default false). */
  zeroInfinity?: boolean;
}

const OP = 'ctcLoss';

/**
 * The largest alpha table, T_n * (2 L_n + 1) float64 cells (2 GiB), that one batch item may need
 * for its gradient (native/kernels/ctc.h holds the same bound). Without a gradient both kernels
 * keep two rows only, so the loss alone has no such limit.
 */
export const CTC_MAX_TABLE_CELLS = 2 ** 28;

/** Per-item lengths: an int32 tensor [N], a number array, an Int32Array, or one number for an unbatched sequence. */
export type Lengths = Tensor | readonly number[] | Int32Array | number;

/** Lengths as an Int32Array of `batch` entries, from an int32 tensor, a number array or an Int32Array. */
export function lengthsArg(op: string, arg: string, v: Tensor | readonly number[] | Int32Array | number, batch: number): Int32Array {
  let values: ArrayLike<number>;
  if (v instanceof Tensor) {
    if (v.dtype !== 'int32') throw new DTypeError(`${op}: ${arg} must be an int32 tensor or a number array, got ${v.describe()}`);
    if (v.ndim > 1) throw new ShapeError(`${op}: ${arg} must be 1-D [${batch}], got ${v.describe()}`);
    values = hostValues(v) as Int32Array;
  } else if (typeof v === 'number') {
    values = [v];
  } else if (Array.isArray(v) || v instanceof Int32Array) {
    values = v;
  } else {
    throw new ArgumentError(`${op}: ${arg} must be an int32 tensor, a number array or an Int32Array, got ${typeof v}`);
  }
  if (values.length !== batch) throw new ShapeError(`${op}: ${arg} has ${values.length} entries for a batch of ${batch}`);
  const out = new Int32Array(batch);
  for (let n = 0; n < batch; n++) {
    const x = values[n];
    if (!Number.isInteger(x)) throw new ArgumentError(`${op}: ${arg}[${n}] must be an integer, got ${fmtArg(x)}`);
    if (x < 0) throw new ArgumentError(`${op}: ${arg}[${n}] is ${x}; lengths must be non-negative`);
    out[n] = x;
  }
  return out;
}

/**
 * @internal CTC negative log-likelihood of logProbs [T, N, C] (or [T, C]) against
 * int32 targets [N, S] (padded) or 1-D concatenated; the public face is losses/ctcLoss.
 */
export function ctcLossOp(logProbs: Tensor, targets: Tensor, inputLengths: Lengths, targetLengths: Lengths, opts: CtcOptions = {}): Tensor {
  assertTensor(OP, 'logProbs', logProbs);
  assertTensor(OP, 'targets', targets);
  if (!isFloat(logProbs.dtype)) throw new DTypeError(`${OP}: logProbs must be float32 or float64, got ${logProbs.describe()}`);
  if (logProbs.ndim !== 3 && logProbs.ndim !== 2) {
    throw new ShapeError(`${OP}: logProbs must be [T, N, C] (or [T, C] for one sequence), got ${logProbs.describe()}`);
  }
  if (targets.dtype !== 'int32') throw new DTypeError(`${OP}: targets must be int32 labels, got ${targets.describe()}`);
  const device = sameDevice(OP, ['logProbs', logProbs], ['targets', targets]);
  const unbatched = logProbs.ndim === 2;
  const [maxTime, batch, classes] = unbatched ? [logProbs.shape[0], 1, logProbs.shape[1]] : logProbs.shape;
  if (classes < 1) throw new ShapeError(`${OP}: logProbs ${logProbs.describe()} has no classes`);
  const blank = opts.blank ?? 0;
  if (!Number.isInteger(blank) || blank < 0 || blank >= classes) {
    throw new ArgumentError(`${OP}: blank must be a class index in [0, ${classes}), got ${fmtArg(blank)}`);
  }
  const reduction = opts.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new ArgumentError(`${OP}: reduction must be 'mean', 'sum' or 'none', got '${fmtArg(reduction)}'`);
  }
  const zeroInfinity = opts.zeroInfinity ?? false;
  const inLens = lengthsArg(OP, 'inputLengths', inputLengths, batch);
  const tgtLens = lengthsArg(OP, 'targetLengths', targetLengths, batch);

  // Where each item's labels start: row n of a padded [N, S] tensor, else the running sum of the lengths.
  const offsets = new Int32Array(batch);
  const padded = !unbatched && targets.ndim === 2;
  if (padded) {
    if (targets.shape[0] !== batch) throw new ShapeError(`${OP}: padded targets ${targets.describe()} must have ${batch} rows, one per batch item of logProbs ${logProbs.describe()}`);
    for (let n = 0; n < batch; n++) {
      offsets[n] = n * targets.shape[1];
      if (tgtLens[n] > targets.shape[1]) {
        throw new ShapeError(`${OP}: targetLengths[${n}] is ${tgtLens[n]} but the padded targets ${targets.describe()} hold at most ${targets.shape[1]} labels per item`);
      }
    }
  } else {
    if (targets.ndim !== 1) throw new ShapeError(`${OP}: targets must be [N, S] (padded) or 1-D (concatenated), got ${targets.describe()}`);
    let at = 0;
    for (let n = 0; n < batch; n++) { offsets[n] = at; at += tgtLens[n]; }
    if (at > targets.size) {
      throw new ShapeError(`${OP}: targetLengths sum to ${at} but the concatenated targets ${targets.describe()} hold ${targets.size} labels`);
    }
  }
  const labels = hostValues(targets) as Int32Array;
  for (let n = 0; n < batch; n++) {
    if (inLens[n] > maxTime) throw new ShapeError(`${OP}: inputLengths[${n}] is ${inLens[n]} but logProbs ${logProbs.describe()} has T = ${maxTime} frames`);
    for (let j = 0; j < tgtLens[n]; j++) {
      const k = labels[offsets[n] + j];
      if (k === blank) throw new ArgumentError(`${OP}: target ${n} holds the blank label ${blank} at position ${j}; targets must not contain the blank`);
      if (k < 0 || k >= classes) throw new ArgumentError(`${OP}: target ${n} holds label ${k} at position ${j}, outside the ${classes} classes of logProbs ${logProbs.describe()}`);
    }
  }

  const dtype = logProbs.dtype;
  const needGrad = logProbs.requiresGrad && isGradEnabled();
  if (needGrad) {
    for (let n = 0; n < batch; n++) {
      const states = 2 * tgtLens[n] + 1, cells = inLens[n] * states;
      if (cells > CTC_MAX_TABLE_CELLS) {
        throw new ShapeError(`${OP}: batch item ${n} (inputLengths ${inLens[n]}, targetLengths ${tgtLens[n]}) needs an alpha table of ${inLens[n]} frames x ${states} states = ${cells} float64 cells (${(cells * 8 / 2 ** 30).toFixed(1)} GiB) for its gradient, more than the limit of ${CTC_MAX_TABLE_CELLS} cells (2 GiB); split the sequence, or compute the loss alone under noGrad (two rows per item)`);
      }
    }
  }
  const nll = empty([batch], dtype, device);
  const grad = needGrad ? empty(logProbs.shape.slice(), dtype, device) : null;
  backendFor(device).ctcLoss(logProbs.deviceValues as FloatArray, maxTime, batch, classes, labels, offsets, tgtLens, inLens, blank, zeroInfinity,
    nll.deviceValues as FloatArray, grad ? (grad.deviceValues as FloatArray) : null);

  // Per-item factor of the reduction: 1 ('none', 'sum') or 1 / (max(L_n, 1) N) ('mean').
  const factor = new Float64Array(batch).fill(1);
  if (reduction === 'mean') for (let n = 0; n < batch; n++) factor[n] = 1 / (Math.max(tgtLens[n], 1) * batch);
  const factorTensor = (): Tensor => Tensor.fromData(dtype === 'float64' ? Float64Array.from(factor) : Float32Array.from(factor), [batch], dtype).to(device);
  let out: Tensor;
  if (reduction === 'none') out = unbatched ? reshape(nll, []) : nll;
  else if (device !== 'cpu') {
    // On the device the weighted sum runs there (the reduction kernel accumulates in double).
    out = reduction === 'sum' ? sum(nll) : sum(mul(nll, factorTensor()));
  } else {
    const v = nll.values as FloatArray;
    let total = 0;
    for (let n = 0; n < batch; n++) total += v[n] * factor[n];
    out = empty([], dtype);
    (out.values as FloatArray)[0] = total;
  }

  return record(out, OP, [logProbs], (g) => {
    if (!grad) throw new AutogradError(`${OP}: logProbs did not require grad when the loss was computed`);
    // The scale per batch item, shaped to broadcast over [T, N, C] (or [T, C]).
    const scaleShape = unbatched ? [1, 1] : [1, batch, 1];
    const gx = castTo(g, dtype);
    const scale = reduction === 'none'
      ? reshape(gx, scaleShape)
      : mul(gx, reshape(factorTensor(), scaleShape));
    const result = mul(grad, scale);
    if (!isGradEnabled()) return [result];
    // Under createGraph the result is linear in g, but its dependence on logProbs is not recorded:
    // differentiating it again reports that instead of returning a wrong second derivative.
    // A second tensor over result's storage (counted, as a view is): a tidy() that disposes result must not
    // hand the buffer to the pool while this gradient still reads it.
    return [record(new Tensor(result.storage, result.shape.slice(), dtype), 'ctcLossBackward', [logProbs, scale], () => {
      throw new AutogradError(`${OP}: second derivatives are not implemented (the CTC gradient is first order only, as in PyTorch)`);
    })];
  }, [logProbs]);
}

// ---------------------------------------------------------------- registry

/** Log-probabilities [T, N, C] (or [T, C]); the kernel's gradient treats them as free inputs, so gradcheck may perturb them. */
const logProbsSample = (shape: number[], dt: SampleDType): Tensor => logSoftmax(randn(shape, { dtype: dt }), -1);
const labels = (values: number[], shape: number[]): Tensor => reshape(tensor(values, { dtype: 'int32' }), shape);

// First order only (the second derivative throws): gradcheck, no gradgradcheck.
registerOp({
  name: 'ctcLoss', kernels: ['ctcLoss'], differentiable: true,
  run: (lp, t) => ctcLossOp(lp, t, [7, 5], [3, 2]),
  samples: [{
    label: 'padded targets [2,3] with a repeat, mean',
    inputs: (dt) => [logProbsSample([7, 2, 4], dt), labels([1, 1, 3, 2, 3, 0], [2, 3])],
  }],
});
registerOp({
  name: 'ctcLoss(none)', kernels: ['ctcLoss'], differentiable: true,
  run: (lp, t) => ctcLossOp(lp, t, [6, 4, 5], [2, 0, 3], { blank: 2, reduction: 'none' }),
  samples: [{
    label: 'concatenated targets, an empty target, blank 2',
    inputs: (dt) => [logProbsSample([6, 3, 4], dt), labels([0, 3, 1, 0, 1], [5])],
  }],
});
registerOp({
  name: 'ctcLoss(unbatched,zeroInfinity)', kernels: ['ctcLoss'], differentiable: true,
  run: (lp, t) => ctcLossOp(lp, t, 5, 2, { reduction: 'sum', zeroInfinity: true }),
  samples: [{ label: '[T,C] one sequence', inputs: (dt) => [logProbsSample([5, 3], dt), labels([2, 1], [2])] }],
});

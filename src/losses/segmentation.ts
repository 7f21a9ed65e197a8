/**
 * Overlap losses for segmentation on probabilities [N, C, d1, ...] against
 * one-hot or probability targets, per class, with a smoothing term s:
 *
 *   dice_c = 1 - (2 sum p t + s) / (sum p + sum t + s)
 *   iou_c  = 1 - (sum p t + s) / (sum p + sum t - sum p t + s)   (soft Jaccard)
 *
 * With squaredDenominator (V-Net), sum p + sum t becomes sum p² + sum t² in both.
 *
 * Sums run over the batch and spatial dims (perSample: spatial dims only, one
 * loss per sample and class). 'mean' averages the per-class losses, 'sum' adds
 * them, 'none' returns them ([C], or [N, C] with perSample).
 */
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtArg } from '../errors';
import { add, div, mul, sub } from '../ops/binary';
import { to } from '../ops/cast';
import { sum } from '../ops/reduce';
import { assertTensor } from '../ops/util';
import { Tensor } from '../tensor/tensor';
import { sizeOf } from '../tensor/shape';
import { floatInput, reduce, reductionOf, type ReductionOptions } from './reduction';

export interface OverlapLossOptions extends ReductionOptions {
  /** Added to numerator and denominator: keeps empty classes finite (default 1). */
  smooth?: number;
  /** One loss per sample and class instead of sums over the batch (default false). */
  perSample?: boolean;
  /**
   * Sum squares in the denominator, sum p² + sum t² (V-Net, Milletari et al. 2016), instead
   * of sum p + sum t (default false). Its gradient stays larger as p approaches a 0/1 target.
   */
  squaredDenominator?: boolean;
}

/** The target as probabilities shaped like input: same-shape float/int/bool, or int32 class indices [N, d1, ...]. */
function probabilityTarget(op: string, x: Tensor, target: Tensor): Tensor {
  assertTensor(op, 'target', target);
  if (target.ndim === x.ndim && target.shape.every((s, i) => s === x.shape[i])) return to(target, x.dtype);
  const indexShape = [x.shape[0], ...x.shape.slice(2)];
  if (target.dtype === 'int32' && target.ndim === indexShape.length && target.shape.every((s, i) => s === indexShape[i])) {
    const classes = x.shape[1], inner = sizeOf(x.shape.slice(2));
    const y = target.values as Int32Array;
    const data = x.dtype === 'float64' ? new Float64Array(x.size) : new Float32Array(x.size);
    for (let o = 0; o < x.shape[0]; o++) {
      for (let i = 0; i < inner; i++) {
        const c = y[o * inner + i];
        if (c < 0 || c >= classes) throw new ShapeError(`${op}: class index ${c} in target ${target.describe()} is out of range for ${classes} classes`);
        data[(o * classes + c) * inner + i] = 1;
      }
    }
    return Tensor.fromData(data, x.shape.slice(), x.dtype);
  }
  if (target.dtype === 'int32') {
    throw new ShapeError(`${op}: target ${target.describe()} must be one-hot ${fmtShape(x.shape)} or class indices ${fmtShape(indexShape)} for input ${x.describe()}`);
  }
  if (target.dtype !== 'float32' && target.dtype !== 'float64' && target.dtype !== 'bool') throw new DTypeError(`${op}: unsupported target ${target.describe()}`);
  throw new ShapeError(`${op}: target ${target.describe()} must have the input's shape ${fmtShape(x.shape)}`);
}

function overlap(op: string, input: Tensor, target: Tensor, opts: OverlapLossOptions | undefined, jaccard: boolean): Tensor {
  const x = floatInput(op, 'input', input);
  if (x.ndim < 2) throw new ShapeError(`${op}: input must be [N, C, ...] probabilities, got ${x.describe()}`);
  const reduction = reductionOf(op, opts);
  const s = opts?.smooth ?? 1;
  if (typeof s !== 'number' || !(s >= 0) || !Number.isFinite(s)) throw new ArgumentError(`${op}: smooth must be a non-negative finite number, got ${fmtArg(s)}`);
  const squared = opts?.squaredDenominator ?? false;
  if (typeof squared !== 'boolean') throw new ArgumentError(`${op}: squaredDenominator must be a boolean, got ${fmtArg(squared)}`);
  const t = probabilityTarget(op, x, target);
  const spatial = x.shape.map((_, i) => i).slice(2);
  const dims = opts?.perSample ? spatial : [0, ...spatial];
  const sumOver = (v: Tensor): Tensor => (dims.length ? sum(v, dims) : v);
  const inter = sumOver(mul(x, t));
  const total = squared ? add(sumOver(mul(x, x)), sumOver(mul(t, t))) : add(sumOver(x), sumOver(t));
  const score = jaccard
    ? div(add(inter, s), add(sub(total, inter), s))
    : div(add(mul(inter, 2), s), add(total, s));
  return reduce(sub(1, score), reduction);
}

/**
 * Soft Dice loss per class: 1 - (2 sum p t + s) / (sum p + sum t + s), or with
 * `squaredDenominator` V-Net's 1 - (2 sum p t + s) / (sum p² + sum t² + s).
 * @example `softDiceLoss(softmax(logits, 1), oneHotMasks, { smooth: 1, squaredDenominator: true })`
 */
export function softDiceLoss(input: Tensor, target: Tensor, opts?: OverlapLossOptions): Tensor {
  return overlap('softDiceLoss', input, target, opts, false);
}

/**
 * Soft IoU (Jaccard) loss per class: 1 - (sum p t + s) / (sum p + sum t - sum p t + s).
 * @example `softIoULoss(softmax(logits, 1), labels)`
 */
export function softIoULoss(input: Tensor, target: Tensor, opts?: OverlapLossOptions): Tensor {
  return overlap('softIoULoss', input, target, opts, true);
}

/**
 * In-place updates (`x.add_(y)`), for optimizers and initialisers. They bump
 * the storage's version so that backward can detect a saved tensor that was
 * changed, and refuse to run on a leaf that requires grad while recording.
 */
import { backendFor } from '../backend/device';
import { fillDevice } from '../backend/cuda/index';
import type { BinaryOp } from '../backend/opcodes';
import { ArgumentError, AutogradError, ShapeError, fmtArg } from '../errors';
import { isGradEnabled } from '../tensor/graph';
import { broadcastShapes, broadcastStrides, shapesEqual, stridesOf } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { castTo, moveTo } from './cast';
import { scalar } from './creation';
import { assertTensor, kernelInts, sameDevice } from './util';

function checkWritable(op: string, x: Tensor): void {
  assertTensor(op, 'x', x);
  if (isGradEnabled() && x.requiresGrad) {
    throw new AutogradError(`${op}: ${x.describe()} requires grad; in-place updates of it must run inside noGrad()`);
  }
}

function operand(op: string, x: Tensor, y: Tensor | number): Tensor {
  // Any number, NaN included, is a valid operand, as in the out-of-place add(x, NaN).
  if (typeof y === 'number') return scalar(y, x.dtype, x.device);
  assertTensor(op, 'y', y);
  sameDevice(op, ['x', x], ['y', y]);
  const b = castTo(y, x.dtype);
  if (!shapesEqual(broadcastShapes(op, x.shape, b.shape), x.shape)) {
    throw new ShapeError(`${op}: y ${b.describe()} does not broadcast to x ${x.describe()}`);
  }
  return b;
}

function binaryInPlace(op: BinaryOp, name: string, x: Tensor, y: Tensor | number): Tensor {
  checkWritable(name, x);
  const b = operand(name, x, y);
  const kernels = backendFor(x.device);
  if (b.size === 1 || shapesEqual(b.shape, x.shape)) {
    kernels.binary(op, x.deviceValues, b.deviceValues, x.deviceValues, null, null, null);
  } else {
    kernels.binary(op, x.deviceValues, b.deviceValues, x.deviceValues, kernelInts(x.shape), kernelInts(stridesOf(x.shape)), kernelInts(broadcastStrides(b.shape, x.shape)));
  }
  x.storage.version++;
  return x;
}

/** x += y in place. @example `noGrad(() => w.add_(update))` */
export const add_ = (x: Tensor, y: Tensor | number): Tensor => binaryInPlace('add', 'add_', x, y);
/** x -= y in place. @example `w.sub_(step)` */
export const sub_ = (x: Tensor, y: Tensor | number): Tensor => binaryInPlace('sub', 'sub_', x, y);
/** x *= y in place. @example `w.mul_(0.9)` */
export const mul_ = (x: Tensor, y: Tensor | number): Tensor => binaryInPlace('mul', 'mul_', x, y);
/** x /= y in place. @example `w.div_(2)` */
export const div_ = (x: Tensor, y: Tensor | number): Tensor => binaryInPlace('div', 'div_', x, y);

/** Copies src's values into x (broadcasting, casting, and across devices, as PyTorch's copy_). @example `w.copy_(saved)` */
export function copy_(x: Tensor, src: Tensor): Tensor {
  checkWritable('copy_', x);
  assertTensor('copy_', 'src', src);
  const b = operand('copy_', x, src.device === x.device ? src : moveTo(src, x.device));
  if (shapesEqual(b.shape, x.shape) && x.device === 'cpu') x.values.set(b.values);
  else backendFor(x.device).copyStrided(b.deviceValues, 0, kernelInts(broadcastStrides(b.shape, x.shape)), x.deviceValues, 0, kernelInts(stridesOf(x.shape)), kernelInts(x.shape));
  x.storage.version++;
  return x;
}

/** Fills x with value. @example `b.fill_(0)` */
export function fill_(x: Tensor, value: number): Tensor {
  return fillNamed('fill_', x, value);
}

/** fill_ under the name of the public function that called it, so errors name that function. */
function fillNamed(name: string, x: Tensor, value: number): Tensor {
  checkWritable(name, x);
  // NaN is a legitimate fill value (PyTorch's fill_(nan)); only the type is checked.
  if (typeof value !== 'number') throw new ArgumentError(`${name}: value must be a number, got ${fmtArg(value)}`);
  const v = x.dtype === 'bool' ? (value ? 1 : 0) : value;
  if (x.device === 'cpu') x.values.fill(v);
  else fillDevice(x, v);
  x.storage.version++;
  return x;
}

/** Sets x to zero. @example `grad.zero_()` */
export const zero_ = (x: Tensor): Tensor => fillNamed('zero_', x, 0);

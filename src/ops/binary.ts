/** Broadcasting binary ops, comparisons, where, and their gradients. */
import { backendFor } from '../backend/device';
import { COMPARISON_OPS, type BinaryOp } from '../backend/opcodes';
import { ArgumentError, DTypeError } from '../errors';
import { isFloat, promoteTypes, type DType } from '../tensor/dtype';
import { broadcastShapes, broadcastStrides, shapesEqual } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { scalar } from './creation';
import { record } from './record';
import { sum } from './reduce';
import { reshape } from './shape';
import { castTo } from './cast';
import { neg, log, square } from './unary';
import { assertTensor, checkOutputSize, emptyForOverwrite, kernelInts, sameDevice } from './util';

/** A tensor or a plain number (a number takes the tensor's dtype where it fits, as in PyTorch). */
export type TensorLike = Tensor | number;

function scalarDtype(value: number, other: DType): DType {
  if (isFloat(other)) return other;
  return Number.isInteger(value) ? 'int32' : 'float32';
}

/** Turns the operands into tensors of one dtype. */
function operands(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new ArgumentError(`${op}: at least one argument must be a Tensor`);
  // A plain number joins the tensor's device (PyTorch's scalars go wherever they are needed).
  if (typeof a === 'number') { assertTensor(op, 'b', b); a = scalar(a, scalarDtype(a, (b as Tensor).dtype), (b as Tensor).device); }
  else assertTensor(op, 'a', a);
  if (typeof b === 'number') b = scalar(b, scalarDtype(b, a.dtype), a.device);
  else assertTensor(op, 'b', b);
  const dtype = promoteTypes(a.dtype, b.dtype);
  return [castTo(a, dtype), castTo(b, dtype)];
}

/** Sums a broadcast gradient back to `shape`. */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  const summed = dims.length ? sum(g, dims, { keepdim: true }) : g;
  return reshape(summed, shape.slice());
}

/** @internal Runs the kernel; a and b have one dtype. */
export function launchBinary(op: BinaryOp, a: Tensor, b: Tensor, outDtype: DType, opName: string = op): Tensor {
  const same = shapesEqual(a.shape, b.shape);
  const shape = same ? a.shape.slice() : broadcastShapes(opName, a.shape, b.shape);
  if (!same) checkOutputSize(opName, shape, outDtype, () => `broadcasting ${a.describe()} and ${b.describe()}`);
  const device = sameDevice(opName, ['a', a], ['b', b]);
  const out = emptyForOverwrite(shape, outDtype, device);
  const aFits = a.size === 1 || shapesEqual(a.shape, shape);
  const bFits = b.size === 1 || shapesEqual(b.shape, shape);
  if (same || (aFits && bFits)) {
    backendFor(device).binary(op, a.deviceValues, b.deviceValues, out.deviceValues, null, null, null);
  } else {
    backendFor(device).binary(op, a.deviceValues, b.deviceValues, out.deviceValues, kernelInts(shape),
      kernelInts(broadcastStrides(a.shape, shape)), kernelInts(broadcastStrides(b.shape, shape)));
  }
  return out;
}

/** Which of (a, b) need a gradient: grad functions build only those (a mask or a scalar operand needs none). */
type Need = readonly [boolean, boolean];

function arithmetic(op: BinaryOp, x: TensorLike, y: TensorLike,
  grad: (g: Tensor, a: Tensor, b: Tensor, out: Tensor, need: Need) => [Tensor | null, Tensor | null], saveInputs: boolean): Tensor {
  let [a, b] = operands(op, x, y);
  if (op === 'div' && !isFloat(a.dtype)) { a = castTo(a, 'float32'); b = castTo(b, 'float32'); }
  if (a.dtype === 'bool') { a = castTo(a, 'int32'); b = castTo(b, 'int32'); }
  if (op === 'pow' && a.dtype === 'int32') refuseNegativeIntegerExponent(b);
  const out = launchBinary(op, a, b, a.dtype);
  return record(out, op, [a, b], (g, needs) => {
    // A bias's broadcast sum is skipped when grad() does not need it.
    const need: Need = needs ? [needs[0], needs[1]] : [a.requiresGrad, b.requiresGrad];
    const [ga, gb] = grad(g, a, b, out, need);
    return [need[0] && ga ? sumToShape(ga, a.shape) : null, need[1] && gb ? sumToShape(gb, b.shape) : null];
  }, saveInputs ? (op === 'pow' ? [a, b, out] : [a, b]) : undefined);  // pow's exponent gradient reads its output
}

/** a + b with broadcasting. @example `add(x, 1)` or `x.add(y)` */
export function add(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('add', a, b, (g) => [g, g], false);
}

/** a - b with broadcasting. @example `sub(x, y)` */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('sub', a, b, (g, _a, _b, _out, need) => [g, need[1] ? neg(g) : null], false);
}

/** a * b with broadcasting. @example `mul(x, 2)` */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  return arithmetic('mul', a, b, (g, x, y, _out, need) => [need[0] ? mul(g, y) : null, need[1] ? mul(g, x) : null], true);
}

/** a / b (true division: integer inputs give float32). @example `div(x, 4)` */
export function div(a: TensorLike, b: TensorLike): Tensor {
  // d(a/b)/db = -a / b^2
  return arithmetic('div', a, b, (g, x, y, _out, need) => [
    need[0] ? div(g, y) : null,
    need[1] ? neg(div(mul(g, x), square(y))) : null,
  ], true);
}

/** An integer to a negative integer power is a fraction, not an integer: PyTorch refuses it, and so does pow. */
function refuseNegativeIntegerExponent(b: Tensor): void {
  const v = b.values;
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0) {
      throw new ArgumentError(`pow: integers to negative integer powers are not allowed (int32 exponent ${b.size === 1 ? v[i] : `${b.describe()} holds ${v[i]} at element ${i}`}); cast the base to float first, e.g. pow(x.float(), ${v[i]})`);
    }
  }
}

/** a ** b elementwise; int32 ** a negative int32 throws, as in PyTorch. @example `pow(x, 2)` */
export function pow(a: TensorLike, b: TensorLike): Tensor {
  // d/da = b a^(b-1); d/db = a^b log a, taken as 0 where a == 0 (PyTorch's convention).
  return arithmetic('pow', a, b, (g, x, y, out, need) => [
    need[0] ? mul(g, mul(y, pow(x, sub(y, 1)))) : null,
    need[1] ? where(eq(x, 0), 0, mul(g, mul(out, log(x)))) : null,
  ], true);
}

function extremum(op: 'maximum' | 'minimum', x: TensorLike, y: TensorLike): Tensor {
  // The gradient goes to the larger (smaller) input, split evenly on ties as in PyTorch.
  return arithmetic(op, x, y, (g, a, b, _out, need) => {
    const pick = op === 'maximum' ? gt(a, b) : lt(a, b);
    const tie = mul(eq(a, b), 0.5);
    const wa = add(castTo(pick, g.dtype), castTo(tie, g.dtype));
    return [need[0] ? mul(g, wa) : null, need[1] ? mul(g, sub(1, wa)) : null];
  }, true);
}

/** Elementwise max (NaN propagates). @example `maximum(x, 0)` */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return extremum('maximum', a, b);
}

/** Elementwise min (NaN propagates). @example `minimum(x, 1)` */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return extremum('minimum', a, b);
}

function compare(op: BinaryOp, x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands(op, x, y);
  const out = launchBinary(op, a, b, 'bool');
  return record(out, op, [], () => []);
}

/** a == b as bool. @example `eq(x, 0)` */
export const eq = (a: TensorLike, b: TensorLike): Tensor => compare('eq', a, b);
/** a != b as bool. @example `ne(x, 0)` */
export const ne = (a: TensorLike, b: TensorLike): Tensor => compare('ne', a, b);
/** a < b as bool. @example `lt(x, 0)` */
export const lt = (a: TensorLike, b: TensorLike): Tensor => compare('lt', a, b);
/** a <= b as bool. @example `le(x, 0)` */
export const le = (a: TensorLike, b: TensorLike): Tensor => compare('le', a, b);
/** a > b as bool. @example `gt(x, 0)` */
export const gt = (a: TensorLike, b: TensorLike): Tensor => compare('gt', a, b);
/** a >= b as bool. @example `ge(x, 0)` */
export const ge = (a: TensorLike, b: TensorLike): Tensor => compare('ge', a, b);
/** Elementwise logical and (non-zero is true). @example `logicalAnd(gt(x, 0), lt(x, 1))` */
export const logicalAnd = (a: TensorLike, b: TensorLike): Tensor => compare('logicalAnd', a, b);
/** Elementwise logical or. @example `logicalOr(m1, m2)` */
export const logicalOr = (a: TensorLike, b: TensorLike): Tensor => compare('logicalOr', a, b);

/**
 * Picks a where cond is true, else b, broadcasting all three.
 * @example `where(gt(x, 0), x, 0)`
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  assertTensor('where', 'cond', cond);
  if (cond.dtype !== 'bool') throw new DTypeError(`where: cond must be bool, got ${cond.describe()}`);
  // Two plain numbers are allowed here (torch.where(cond, 1, 0)): int32 if both are integers, else float32.
  if (typeof a === 'number' && typeof b === 'number') {
    const dtype = Number.isInteger(a) && Number.isInteger(b) ? 'int32' : 'float32';
    return where(cond, scalar(a, dtype, cond.device), scalar(b, dtype, cond.device));
  }
  const [x, y] = operands('where', a, b);
  const device = sameDevice('where', ['cond', cond], ['a', x], ['b', y]);
  const shape = broadcastShapes('where', broadcastShapes('where', cond.shape, x.shape), y.shape);
  const out = emptyForOverwrite(shape, x.dtype, device);
  const shapeArr = kernelInts(shape);
  backendFor(device).where(cond.deviceValues as Uint8Array, x.deviceValues, y.deviceValues, out.deviceValues, shapeArr,
    kernelInts(broadcastStrides(cond.shape, shape)), kernelInts(broadcastStrides(x.shape, shape)), kernelInts(broadcastStrides(y.shape, shape)));
  return record(out, 'where', [x, y], (g) => [
    x.requiresGrad ? sumToShape(where(cond, g, 0), x.shape) : null,
    y.requiresGrad ? sumToShape(where(cond, 0, g), y.shape) : null,
  ], [cond]);
}

export { COMPARISON_OPS };

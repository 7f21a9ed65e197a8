/**
 * Elementwise functions PyTorch code uses every day, written with the existing elementwise ops
 * (so both backends come with them): lerp, addcmul, addcdiv, logaddexp, logit, xlogy, trunc,
 * frac, fmod, remainder, floorDivide, isnan, isinf, isfinite, nanToNum, maskedFill, isclose,
 * allclose, equal. Where PyTorch's gradient differs from what the composite would give
 * (at infinities, clamps and zeros), the op records its own node with PyTorch's formula,
 * written with ops so that it differentiates again.
 *
 * fmod is computed as a - trunc(a / b)·b in float64 with a one-step correction where the
 * quotient rounded up to the next integer: exact (as C's fmod) for float32 and int32 inputs,
 * and for float64 within an ulp of a. remainder and floorDivide follow PyTorch's kernels on top.
 */
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../errors';
import { isFloat, promoteTypes, type DType } from '../tensor/dtype';
import { withGradDisabled } from '../tensor/graph';
import { broadcastShapes, shapesEqual } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { add, div, eq, ge, gt, le, logicalAnd, logicalOr, lt, maximum, mul, ne, sub, sumToShape, where, type TensorLike } from './binary';
import { castTo } from './cast';
import { ones, scalar, zeros, zerosLike } from './creation';
import { record } from './record';
import { clone } from './shape';
import { abs, ceil, clamp, exp, floor, log, log1p, neg } from './unary';
import { assertNumber, assertTensor, hostValues } from './util';


function scalarDtype(value: number, other: DType): DType {
  if (isFloat(other)) return other;
  return Number.isInteger(value) ? 'int32' : 'float32';
}

/** Two operands (one may be a number) as tensors of one promoted dtype; bool counts as int32. */
function operands(op: string, a: TensorLike, b: TensorLike, names: [string, string] = ['a', 'b']): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new ArgumentError(`${op}: at least one of ${names[0]} and ${names[1]} must be a Tensor`);
  if (typeof a === 'number') assertNumber(op, names[0], a);
  else assertTensor(op, names[0], a);
  if (typeof b === 'number') assertNumber(op, names[1], b);
  else assertTensor(op, names[1], b);
  const ta = typeof a === 'number' ? scalar(a, scalarDtype(a, (b as Tensor).dtype), (b as Tensor).device) : a;
  const tb = typeof b === 'number' ? scalar(b, scalarDtype(b, ta.dtype), ta.device) : b;
  let dtype = promoteTypes(ta.dtype, tb.dtype);
  if (dtype === 'bool') dtype = 'int32';
  return [castTo(ta, dtype), castTo(tb, dtype)];
}

/** Refuses non-float tensors, naming the op and argument. */
function requireFloat(op: string, arg: string, x: Tensor): void {
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: ${arg} must be float32 or float64, got ${x.describe()}`);
}

/** Options objects must be objects. */
function optionsObject(op: string, opts: unknown): void {
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) throw new ArgumentError(`${op}: options must be an object, got ${fmtArg(opts)}`);
}

// ---------------------------------------------------------------- classification

/** Elementwise NaN test, as bool (false everywhere for int32 and bool). @example `isnan(tensor([1, NaN])) // [false, true]` */
export function isnan(x: Tensor): Tensor {
  assertTensor('isnan', 'x', x);
  return isFloat(x.dtype) ? ne(x, x) : zeros(x.shape, { dtype: 'bool', device: x.device });
}

/** Elementwise ±Infinity test, as bool. @example `isinf(tensor([1, Infinity])) // [false, true]` */
export function isinf(x: Tensor): Tensor {
  assertTensor('isinf', 'x', x);
  return isFloat(x.dtype) ? eq(abs(x), Infinity) : zeros(x.shape, { dtype: 'bool', device: x.device });
}

/** Elementwise test for a finite value (not NaN or ±Infinity), as bool. @example `isfinite(tensor([1, NaN])) // [true, false]` */
export function isfinite(x: Tensor): Tensor {
  assertTensor('isfinite', 'x', x);
  return isFloat(x.dtype) ? lt(abs(x), Infinity) : ones(x.shape, { dtype: 'bool', device: x.device });
}

// ---------------------------------------------------------------- rounding and division

/** Rounds toward zero, unrecorded. */
function truncRaw(x: Tensor): Tensor {
  return where(ge(x, 0), floor(x), ceil(x));
}

/**
 * Rounds toward zero (int32 is returned as a copy). Its gradient is 0, as PyTorch's.
 * @example `trunc(tensor([-1.5, 2.7])) // [-1, 2]`
 */
export function trunc(x: Tensor): Tensor {
  assertTensor('trunc', 'x', x);
  if (x.dtype === 'bool') throw new DTypeError(`trunc: x must be float32, float64 or int32, got ${x.describe()}`);
  if (!isFloat(x.dtype)) return clone(x);
  const out = withGradDisabled(() => truncRaw(x));
  return record(out, 'trunc', [x], (g) => [zerosLike(g)]);
}

/**
 * The fractional part x - trunc(x), with the sign of x; its gradient is 1, as PyTorch's.
 * @example `frac(tensor([-1.5, 2.25])) // [-0.5, 0.25]`
 */
export function frac(x: Tensor): Tensor {
  assertTensor('frac', 'x', x);
  requireFloat('frac', 'x', x);
  const out = withGradDisabled(() => sub(x, truncRaw(x)));
  return record(out, 'frac', [x], (g) => [g]);
}

/** Integer division by zero is an error (PyTorch's ZeroDivisionError); floats give Inf or NaN. */
function refuseIntegerZero(op: string, b: Tensor): void {
  if (isFloat(b.dtype)) return;
  const v = hostValues(b);
  for (let i = 0; i < v.length; i++) {
    if (v[i] === 0) throw new ArgumentError(`${op}: integer division by zero (b ${b.describe()} holds 0${b.size > 1 ? ` at element ${i}` : ''}); use float tensors for Inf/NaN results`);
  }
}

/** C's fmod (the sign of a) of two tensors of one dtype, unrecorded; see the file comment. */
function fmodRaw(a: Tensor, b: Tensor): Tensor {
  const A = castTo(a, 'float64'), B = castTo(b, 'float64');
  let r = sub(A, mul(truncRaw(div(A, B)), B));
  if (!isFloat(a.dtype)) return castTo(r, a.dtype);  // int32: exact in float64
  // A quotient that rounded up to the next integer leaves r one |b| past zero, on the wrong side.
  const absB = abs(B);
  r = where(logicalAnd(gt(A, 0), lt(r, 0)), add(r, absB), r);
  r = where(logicalAnd(lt(A, 0), gt(r, 0)), sub(r, absB), r);
  r = where(eq(r, 0), mul(A, 0), r);  // a zero result carries a's sign (-4 fmod 2 is -0)
  r = where(logicalAnd(eq(absB, Infinity), lt(abs(A), Infinity)), A, r);  // finite a fmod ±Inf is a
  return castTo(r, a.dtype);
}

/** PyTorch's remainder: fmod moved by b where its sign differs from b's (Python's %). */
function remainderRaw(a: Tensor, b: Tensor): Tensor {
  const mod = fmodRaw(a, b);
  return where(logicalAnd(ne(mod, 0), ne(lt(b, 0), lt(mod, 0))), add(mod, b), mod);
}

/** PyTorch's floor_divide: Python's //, rounding toward -Infinity (div_floor_floating for floats). */
function floorDivideRaw(a: Tensor, b: Tensor): Tensor {
  if (!isFloat(a.dtype)) return castTo(floor(div(castTo(a, 'float64'), castTo(b, 'float64'))), a.dtype);
  const mod = fmodRaw(a, b);
  let q = div(sub(a, mod), b);
  q = where(logicalAnd(ne(mod, 0), ne(lt(b, 0), lt(mod, 0))), sub(q, 1), q);
  const fl = floor(q);
  const rounded = where(gt(sub(q, fl), 0.5), add(fl, 1), fl);
  const quotient = div(a, b);
  // A zero quotient takes the sign of a / b; division by zero gives a / b (±Inf or NaN).
  return where(eq(b, 0), quotient, where(ne(q, 0), rounded, mul(quotient, 0)));
}

/** The body of fmod and remainder: a recorded node with PyTorch's gradients (1 for a, -q for b). */
function divisionRemainder(op: 'fmod' | 'remainder', x: TensorLike, y: TensorLike): Tensor {
  const [a, b] = operands(op, x, y);
  refuseIntegerZero(op, b);
  const out = withGradDisabled(() => (op === 'fmod' ? fmodRaw(a, b) : remainderRaw(a, b)));
  // d/da = 1; d/db = -trunc(a / b) for fmod, -floor_divide(a, b) for remainder.
  return record(out, op, [a, b], (g, needs) => {
    const need = needs ?? [a.requiresGrad, b.requiresGrad];
    const q = op === 'fmod' ? truncRaw(div(a, b)) : floorDivideRaw(a, b);
    return [need[0] ? sumToShape(g, a.shape) : null, need[1] ? sumToShape(neg(mul(g, q)), b.shape) : null];
  }, [a, b]);
}

/**
 * C's fmod: a - trunc(a / b)·b, with the sign of a (PyTorch's `torch.fmod`); broadcasting;
 * int32 stays int32 and an int32 division by zero throws. Gradients 1 (a) and -trunc(a / b) (b).
 * @example `fmod(tensor([-3, 3]), 2) // [-1, 1]`
 */
export function fmod(a: TensorLike, b: TensorLike): Tensor {
  return divisionRemainder('fmod', a, b);
}

/**
 * Python's modulo, with the sign of b (PyTorch's `torch.remainder`); broadcasting; int32 stays
 * int32 and an int32 division by zero throws. Gradients 1 (a) and -floorDivide(a, b) (b).
 * @example `remainder(tensor([-3, 3]), 2) // [1, 1]`
 */
export function remainder(a: TensorLike, b: TensorLike): Tensor {
  return divisionRemainder('remainder', a, b);
}

/**
 * a / b rounded toward -Infinity (PyTorch 2's `torch.floor_divide`, Python's //); int32 stays
 * int32 and an int32 division by zero throws. Not differentiable (PyTorch defines no gradient):
 * the result never requires grad.
 * @example `floorDivide(tensor([-7, 7]), 2) // [-4, 3]`
 */
export function floorDivide(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('floorDivide', a, b);
  refuseIntegerZero('floorDivide', y);
  return withGradDisabled(() => floorDivideRaw(x, y));
}

// ---------------------------------------------------------------- arithmetic

/**
 * Linear interpolation start + weight·(end - start), with PyTorch's two-sided formula
 * (end - (end - start)·(1 - weight) for |weight| >= 0.5) so that weight 1 gives end exactly.
 * weight is a number or a tensor; everything broadcasts. Float only.
 * @example `lerp(a, b, 0.25)`
 */
export function lerp(start: Tensor, end: Tensor, weight: TensorLike): Tensor {
  assertTensor('lerp', 'start', start);
  assertTensor('lerp', 'end', end);
  requireFloat('lerp', 'start', start);
  requireFloat('lerp', 'end', end);
  let [s, e] = operands('lerp', start, end, ['start', 'end']);
  let w: Tensor;
  if (typeof weight === 'number') {
    assertNumber('lerp', 'weight', weight);
    w = scalar(weight, s.dtype, s.device);
  } else {
    assertTensor('lerp', 'weight', weight);
    requireFloat('lerp', 'weight', weight);
    // One dtype for all three (float32 and float64 promote), so each gradient has its input's dtype.
    const dtype = promoteTypes(weight.dtype, s.dtype);
    [s, e, w] = [castTo(s, dtype), castTo(e, dtype), castTo(weight, dtype)];
  }
  const out = withGradDisabled(() => {
    const diff = sub(e, s);
    if (typeof weight === 'number') return Math.abs(weight) < 0.5 ? add(s, mul(diff, w)) : sub(e, mul(diff, 1 - weight));
    return where(lt(abs(w), 0.5), add(s, mul(w, diff)), sub(e, mul(diff, sub(1, w))));
  });
  const inputs = typeof weight === 'number' ? [s, e] : [s, e, w];
  return record(out, 'lerp', inputs, (g, needs) => {
    const need = needs ?? inputs.map((t) => t.requiresGrad);
    return [
      need[0] ? sumToShape(mul(g, sub(1, w)), s.shape) : null,
      need[1] ? sumToShape(mul(g, w), e.shape) : null,
      ...(inputs.length === 3 ? [need[2] ? sumToShape(mul(g, sub(e, s)), w.shape) : null] : []),
    ];
  }, inputs);
}

/** The `value` option of addcmul/addcdiv. @example `addcdiv(p, m, v.sqrt(), { value: -lr })` */
export interface AddcOptions {
  /** The factor of the product or quotient (default 1). */
  value?: number;
}

function addcValue(op: string, opts: AddcOptions | undefined): number {
  optionsObject(op, opts);
  const value = opts?.value ?? 1;
  assertNumber(op, 'value', value);
  return value;
}

/**
 * input + value · tensor1 · tensor2, broadcasting (PyTorch's `torch.addcmul`).
 * @example `addcmul(x, a, b, { value: 0.5 })`
 */
export function addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, opts?: AddcOptions): Tensor {
  assertTensor('addcmul', 'input', input);
  assertTensor('addcmul', 'tensor1', tensor1);
  assertTensor('addcmul', 'tensor2', tensor2);
  const value = addcValue('addcmul', opts);
  return add(input, mul(value === 1 ? tensor1 : mul(tensor1, value), tensor2));
}

/**
 * input + value · tensor1 / tensor2, broadcasting (PyTorch's `torch.addcdiv`); integer
 * tensor1 and tensor2 together are refused, as in PyTorch.
 * @example `addcdiv(p, expAvg, denom, { value: -stepSize })`
 */
export function addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, opts?: AddcOptions): Tensor {
  assertTensor('addcdiv', 'input', input);
  assertTensor('addcdiv', 'tensor1', tensor1);
  assertTensor('addcdiv', 'tensor2', tensor2);
  if (!isFloat(tensor1.dtype) && !isFloat(tensor2.dtype)) {
    throw new DTypeError(`addcdiv: tensor1 ${tensor1.describe()} and tensor2 ${tensor2.describe()} are both integer; integer division is not supported (cast one to a float)`);
  }
  const value = addcValue('addcdiv', opts);
  return add(input, div(value === 1 ? tensor1 : mul(tensor1, value), tensor2));
}

/**
 * log(exp(a) + exp(b)) computed stably (PyTorch's `torch.logaddexp`); floats, broadcasting.
 * @example `logaddexp(logP, logQ)`
 */
export function logaddexp(a: TensorLike, b: TensorLike): Tensor {
  const [x, y] = operands('logaddexp', a, b);
  requireFloat('logaddexp', typeof a === 'number' ? 'b' : 'a', x);
  const out = withGradDisabled(() => {
    const stable = add(maximum(x, y), log1p(exp(neg(abs(sub(x, y))))));
    // Both +Inf or both -Inf: the answer is that infinity (the formula would give NaN).
    return where(logicalAnd(eq(abs(x), Infinity), eq(x, y)), x, stable);
  });
  // PyTorch: d/da = g / (1 + exp(b - a)), d/db = g / (1 + exp(a - b)).
  return record(out, 'logaddexp', [x, y], (g, needs) => {
    const need = needs ?? [x.requiresGrad, y.requiresGrad];
    return [
      need[0] ? sumToShape(div(g, add(exp(sub(y, x)), 1)), x.shape) : null,
      need[1] ? sumToShape(div(g, add(exp(sub(x, y)), 1)), y.shape) : null,
    ];
  }, [x, y]);
}

/**
 * log(x / (1 - x)), the inverse of sigmoid (PyTorch's `torch.logit`); with `eps`, x is first
 * clamped to [eps, 1 - eps] and the gradient is 0 outside it. int32 and bool compute in float32.
 * @example `logit(p, 1e-6)`
 */
export function logit(x: Tensor, eps?: number): Tensor {
  assertTensor('logit', 'x', x);
  if (eps !== undefined && eps !== null) assertNumber('logit', 'eps', eps);
  const input = isFloat(x.dtype) ? x : castTo(x, 'float32');
  const hasEps = eps !== undefined && eps !== null;
  const out = withGradDisabled(() => {
    const z = hasEps ? clamp(input, { min: eps, max: 1 - eps }) : input;
    return log(div(z, sub(1, z)));
  });
  // PyTorch: g / (x (1 - x)), and 0 outside [eps, 1 - eps] when eps is given.
  return record(out, 'logit', [input], (g) => {
    const grad = div(g, mul(input, sub(1, input)));
    if (!hasEps) return [grad];
    return [where(logicalOr(lt(input, eps), gt(input, 1 - eps)), 0, grad)];
  }, [input]);
}

/**
 * x · log(y), taken as 0 where x = 0 (unless y is NaN), PyTorch's `torch.xlogy`; broadcasting;
 * int32 and bool compute in float32. Gradients as PyTorch's: log(y) for x (0 where x = 0 and
 * y <= 0), x / y for y.
 * @example `xlogy(p, q) // 0·log(0) is 0`
 */
export function xlogy(x: TensorLike, y: TensorLike): Tensor {
  let [a, b] = operands('xlogy', x, y, ['x', 'y']);
  if (!isFloat(a.dtype)) { a = castTo(a, 'float32'); b = castTo(b, 'float32'); }
  const out = withGradDisabled(() => where(ne(b, b), b, where(eq(a, 0), 0, mul(a, log(b)))));
  // PyTorch: d/dx = xlogy(g, y), 0 where x = 0 and y <= 0; d/dy = g x / y.
  return record(out, 'xlogy', [a, b], (g, needs) => {
    const need = needs ?? [a.requiresGrad, b.requiresGrad];
    return [
      need[0] ? sumToShape(where(logicalAnd(eq(a, 0), le(b, 0)), 0, xlogy(g, b)), a.shape) : null,
      need[1] ? sumToShape(div(mul(g, a), b), b.shape) : null,
    ];
  }, [a, b]);
}

// ---------------------------------------------------------------- replacing values

/** nanToNum's replacements. @example `nanToNum(x, { nan: 0, posinf: 1e6 })` */
export interface NanToNumOptions {
  /** Replaces NaN (default 0). */
  nan?: number;
  /** Replaces +Infinity (default the dtype's largest finite value). */
  posinf?: number;
  /** Replaces -Infinity (default the dtype's most negative finite value). */
  neginf?: number;
}

/** The largest finite value of a float dtype. */
function floatMax(dtype: DType): number {
  return dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
}

/**
 * NaN, +Infinity and -Infinity replaced by numbers (PyTorch's `torch.nan_to_num`); int32 and
 * bool are returned as copies. The gradient passes where x is finite and is 0 elsewhere.
 * @example `nanToNum(tensor([NaN, Infinity])) // [0, 3.4028e38]`
 */
export function nanToNum(x: Tensor, opts?: NanToNumOptions): Tensor {
  assertTensor('nanToNum', 'x', x);
  optionsObject('nanToNum', opts);
  const nan = opts?.nan ?? 0;
  assertNumber('nanToNum', 'nan', nan);
  if (!isFloat(x.dtype)) return clone(x);
  const posinf = opts?.posinf ?? floatMax(x.dtype), neginf = opts?.neginf ?? -floatMax(x.dtype);
  assertNumber('nanToNum', 'posinf', posinf);
  assertNumber('nanToNum', 'neginf', neginf);
  const out = withGradDisabled(() => where(ne(x, x), nan, where(eq(x, Infinity), posinf, where(eq(x, -Infinity), neginf, x))));
  return record(out, 'nanToNum', [x], (g) => [where(lt(abs(x), Infinity), g, 0)], [x]);
}

/**
 * x with `value` where mask is true (PyTorch's `masked_fill`); mask is bool and broadcasts with x.
 * value is a number (cast to x's dtype) or a 0-d tensor (which then gets a gradient).
 * @example `maskedFill(scores, causal, -Infinity)`
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  assertTensor('maskedFill', 'x', x);
  assertTensor('maskedFill', 'mask', mask);
  if (mask.dtype !== 'bool') throw new DTypeError(`maskedFill: mask must be bool, got ${mask.describe()}`);
  broadcastShapes('maskedFill', x.shape, mask.shape);
  let v: Tensor;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) && !isFloat(x.dtype)) throw new ArgumentError(`maskedFill: value ${fmtArg(value)} does not fit x's dtype ${x.dtype}`);
    v = scalar(x.dtype === 'bool' ? (value !== 0 ? 1 : 0) : value, x.dtype, x.device);
  } else {
    assertTensor('maskedFill', 'value', value);
    if (value.ndim !== 0) throw new ShapeError(`maskedFill: value must be a number or a 0-d tensor, got ${value.describe()}`);
    v = castTo(value, x.dtype);
  }
  return where(mask, v, x);
}

// ---------------------------------------------------------------- comparing tensors

/** Tolerances of isclose/allclose (PyTorch's defaults). @example `allclose(a, b, { rtol: 1e-4, atol: 1e-6 })` */
export interface IscloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Count NaN as equal to NaN (default false). */
  equalNan?: boolean;
}

function iscloseNamed(op: string, a: Tensor, b: Tensor, opts: IscloseOptions | undefined): Tensor {
  assertTensor(op, 'a', a);
  assertTensor(op, 'b', b);
  optionsObject(op, opts);
  if (a.dtype !== b.dtype) throw new DTypeError(`${op}: a is ${a.describe()} and b is ${b.describe()}; their dtypes must match (cast one first)`);
  const rtol = opts?.rtol ?? 1e-5, atol = opts?.atol ?? 1e-8;
  assertNumber(op, 'rtol', rtol);
  assertNumber(op, 'atol', atol);
  if (rtol < 0 || atol < 0) throw new ArgumentError(`${op}: rtol (${rtol}) and atol (${atol}) must be >= 0`);
  return withGradDisabled(() => {
    let close = eq(a, b);
    if (a.dtype === 'bool') return close;
    const x = isFloat(a.dtype) ? a : castTo(a, 'float64'), y = isFloat(b.dtype) ? b : castTo(b, 'float64');
    if (opts?.equalNan) close = logicalOr(close, logicalAnd(ne(x, x), ne(y, y)));
    // |a - b| <= atol + rtol·|b|, for finite differences (Inf - Inf is NaN and fails).
    const diff = abs(sub(x, y));
    return logicalOr(close, logicalAnd(lt(diff, Infinity), le(diff, add(mul(abs(y), rtol), atol))));
  });
}

/**
 * Elementwise |a - b| <= atol + rtol·|b| as bool (equal infinities count as close; NaN only with
 * equalNan), PyTorch's `torch.isclose`; a and b broadcast and must share a dtype.
 * @example `isclose(a, b, { rtol: 1e-4 })`
 */
export function isclose(a: Tensor, b: Tensor, opts?: IscloseOptions): Tensor {
  return iscloseNamed('isclose', a, b, opts);
}

function allTrue(t: Tensor): boolean {
  const v = hostValues(t);
  for (let i = 0; i < v.length; i++) if (!v[i]) return false;
  return true;
}

/**
 * Whether every element of a is close to b's (see isclose), PyTorch's `torch.allclose`.
 * @example `if (!allclose(y, expected, { atol: 1e-6 })) throw new Error('mismatch')`
 */
export function allclose(a: Tensor, b: Tensor, opts?: IscloseOptions): boolean {
  return allTrue(iscloseNamed('allclose', a, b, opts));
}

/**
 * Whether a and b have the same shape and equal elements (NaN is unequal to everything),
 * PyTorch's `torch.equal`; dtypes are promoted before comparing.
 * @example `equal(tensor([1, 2]), tensor([1, 2])) // true`
 */
export function equal(a: Tensor, b: Tensor): boolean {
  assertTensor('equal', 'a', a);
  assertTensor('equal', 'b', b);
  if (!shapesEqual(a.shape, b.shape)) return false;
  return allTrue(eq(a, b));
}

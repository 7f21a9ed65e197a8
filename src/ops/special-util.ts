/**
 * What the special functions (special*.ts) share: the input rules of torch.special (int32 and bool
 * compute in float32; two operands promote and broadcast), the wrapper of the ops with their own
 * unary kernel (cpu only), the wrapper of the composites that compute a forward in float64 and
 * record a backward written with ops, polynomial evaluation on tensors, and the masked loop that
 * runs an iteration while any element still needs it.
 */
import { customOp } from '../autograd/custom';
import type { UnaryOp } from '../backend/opcodes';
import { ArgumentError, BackendError } from '../errors';
import { isFloat } from '../tensor/dtype';
import { isGradEnabled, withGradDisabled } from '../tensor/graph';
import { broadcastShapes, shapesEqual } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { add, mul, sub, type TensorLike } from './binary';
import { castTo, to } from './cast';
import { scalar } from './creation';
import { expand } from './shape';
import { unaryOp } from './unary';
import { assertNumber, assertTensor, hostValues, sameDevice } from './util';

/** x as a float tensor: int32 and bool become float32, as torch.special promotes them. @example `floatInput(tensor([1, 2], { dtype: 'int32' })).dtype // 'float32'` */
export function floatInput(x: Tensor): Tensor {
  return isFloat(x.dtype) ? x : castTo(x, 'float32');
}

/** A gradient formula: the incoming gradient, the (float) input and the op's output. @example `const g: UnaryGrad = (g, x) => mul(g, digamma(x));` */
export type UnaryGrad = (g: Tensor, x: Tensor, y: Tensor) => Tensor;

/**
 * Refuses a tensor that is not on the cpu, by the op's name and before anything is allocated: the
 * special functions' kernels (the `lgamma` ... `i1e` unary opcodes) have no CUDA version.
 * @example `assertOnCpu('gammainc', 'x', x)`
 */
export function assertOnCpu(op: string, arg: string, x: Tensor): void {
  if (x.device !== 'cpu') {
    throw new BackendError(`${op}: ${arg} ${x.describe()} is on ${x.device}, and ${op} has no CUDA kernel yet (its unary kernel runs on the cpu only); `
      + `move the tensor with .to('cpu') first, or see docs/cuda.md for the ops that run on cuda`);
  }
}

/**
 * A special function with its own unary kernel (opcode `op`; `p0` is a parameter such as
 * polygamma's order): checks x, refuses a non-cpu tensor by name, computes in x's float dtype
 * (int32 and bool in float32) and records `grad`, written with ops. gradIn64 runs the gradient
 * formula in float64 and casts back: for formulas that cancel (i0e' = i1e - sgn(x) i0e loses
 * log10(2|x|) digits), whose float32 evaluation would lose what the kernel's double kept.
 * @example `const erfc = specialKernel('erfc', (g, x) => mul(g, mul(exp(neg(square(x))), -2 / Math.sqrt(Math.PI))));`
 */
export function specialKernel(op: UnaryOp, grad: UnaryGrad, opts?: { gradIn64?: boolean; name?: string; arg?: string }): (x: Tensor, p0?: number) => Tensor {
  const name = opts?.name ?? op, arg = opts?.arg ?? 'x';
  const backward: UnaryGrad = opts?.gradIn64
    ? (g, x, y) => to(grad(to(g, 'float64'), to(x, 'float64'), to(y, 'float64')), x.dtype)
    : grad;
  return (x: Tensor, p0 = 0): Tensor => {
    assertTensor(name, arg, x);
    assertOnCpu(name, arg, x);
    return unaryOp(op, x, backward, p0);
  };
}

/** The kernel's values without a tape node (for composites that differentiate by their own formulas). @example `const psi = unrecorded(digamma)(alpha);` */
export function unrecorded(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return (x) => withGradDisabled(() => f(x));
}

/**
 * An elementwise op of one tensor: `compute` runs without recording, on the input in float64
 * (unless inDtype: the formula is simple enough to run in the input's dtype, as PyTorch's does),
 * and its result returns in the input's dtype; backward is `grad`, written with ops so that it
 * differentiates again. gradIn64 runs the gradient formula in float64 (cast back): for formulas
 * that cancel (i0e' = i1e - sgn(x) i0e loses log10(2|x|) digits), whose float32 evaluation would
 * lose what the float64 forward kept.
 * @example `const erfc = unarySpecial('erfc', erfcForward, (g, x) => mul(g, mul(exp(neg(square(x))), -2 / Math.sqrt(Math.PI))));`
 */
export function unarySpecial(name: string, compute: (x: Tensor) => Tensor, grad: UnaryGrad, opts?: { inDtype?: boolean; gradIn64?: boolean }): (x: Tensor) => Tensor {
  const op = customOp({
    name,
    forward: (x) => (opts?.inDtype ? compute(x) : to(compute(to(x, 'float64')), x.dtype)),
    backward: (g, [x], y) => [opts?.gradIn64
      ? to(grad(to(g, 'float64'), to(x, 'float64'), to(y, 'float64')), x.dtype)
      : grad(g, x, y)],
  });
  return (x: Tensor): Tensor => {
    assertTensor(name, 'x', x);
    return op(floatInput(x));
  };
}

/**
 * Two operands (tensors or numbers, at least one a tensor) as float tensors of one dtype and one
 * broadcast shape: float64 if either tensor is, else float32; a number takes the tensor's dtype.
 * @example `const [a, x] = floatOperands('gammainc', 2, tensor([1, 3]), ['a', 'x']);`
 */
export function floatOperands(op: string, a: TensorLike, b: TensorLike, names: [string, string]): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number') throw new ArgumentError(`${op}: at least one of ${names[0]} and ${names[1]} must be a Tensor`);
  for (const [v, name] of [[a, names[0]], [b, names[1]]] as const) {
    if (typeof v === 'number') assertNumber(op, name, v);
    else assertTensor(op, name, v);
  }
  const tensors = [a, b].filter((v): v is Tensor => v instanceof Tensor);
  const device = sameDevice(op, ...tensors.map((t, i): [string, Tensor] => [names[i], t]));
  const dtype = tensors.some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
  const [ta, tb] = [a, b].map((v) => (typeof v === 'number' ? scalar(v, dtype, device) : castTo(v, dtype)));
  const shape = broadcastShapes(op, ta.shape, tb.shape);
  const fit = (t: Tensor): Tensor => (shapesEqual(t.shape, shape) ? t : expand(t, shape));
  return [fit(ta), fit(tb)];
}

/** Gradients of a two-input op: null where an input gets none. @example `const g: BinaryGrad = (g, a, x) => [null, mul(g, x)];` */
export type BinaryGrad = (g: Tensor, a: Tensor, b: Tensor, y: Tensor) => [Tensor | null, Tensor | null];

/**
 * An elementwise op of two operands (floatOperands' rules): `compute` runs without recording on
 * both in float64 and its result returns in their dtype; backward is `grad`, written with ops.
 * `noGradFor` names an input whose gradient PyTorch does not implement: passing it with
 * requiresGrad (and grad mode on) throws here, as PyTorch does, instead of a silent zero. cpuOnly:
 * the composite calls a cpu-only kernel (lgamma, erfc), so a cuda operand is refused by name first.
 * @example `const zeta = binarySpecial('zeta', ['x', 'q'], zetaForward, (g, x, q) => [null, ...], 0);`
 */
export function binarySpecial(name: string, names: [string, string], compute: (a: Tensor, b: Tensor) => Tensor, grad: BinaryGrad, noGradFor?: 0 | 1,
  opts?: { cpuOnly?: boolean }): (a: TensorLike, b: TensorLike) => Tensor {
  const op = customOp({
    name,
    forward: (a, b) => to(compute(to(a, 'float64'), to(b, 'float64')), a.dtype),
    backward: (g, [a, b], y) => grad(g, a, b, y),
  });
  return (a: TensorLike, b: TensorLike): Tensor => {
    if (opts?.cpuOnly) {
      for (const [v, n] of [[a, names[0]], [b, names[1]]] as const) if (v instanceof Tensor && !v.isDisposed) assertOnCpu(name, n, v);
    }
    const operands = floatOperands(name, a, b, names);
    if (noGradFor !== undefined && isGradEnabled() && operands[noGradFor].requiresGrad) {
      throw new ArgumentError(`${name}: the gradient with respect to ${names[noGradFor]} is not implemented (as in PyTorch); `
        + `pass ${names[noGradFor]} detached, or call ${name} under noGrad`);
    }
    return op(...operands);
  };
}

/** Cephes' polevl: c[0] x^n + c[1] x^(n-1) + ... + c[n], by Horner's rule. @example `polevl(z, [1, -2, 3]) // z^2 - 2z + 3` */
export function polevl(x: Tensor, c: readonly number[]): Tensor {
  let r: Tensor = add(mul(x, c[0]), c[1]);
  for (let i = 2; i < c.length; i++) r = add(mul(r, x), c[i]);
  return r;
}

/** Cephes' p1evl: polevl with a leading coefficient 1 left out of c. @example `p1evl(z, [-2, 3]) // z^2 - 2z + 3` */
export function p1evl(x: Tensor, c: readonly number[]): Tensor {
  return polevl(x, [1, ...c]);
}

/** c[0] + c[1] x + ... + c[n] x^n (coefficients in increasing order), by Horner's rule. @example `polyAscending(z, [3, -2, 1]) // z^2 - 2z + 3` */
export function polyAscending(x: Tensor, c: readonly number[]): Tensor {
  let r: Tensor = add(mul(x, c[c.length - 1]), c[c.length - 2]);
  for (let i = c.length - 3; i >= 0; i--) r = add(mul(r, x), c[i]);
  return r;
}

/** Whether any element of a bool mask is true (read on the host). @example `anyTrue(gt(x, 0))` */
export function anyTrue(mask: Tensor): boolean {
  const v = hostValues(mask);
  for (let i = 0; i < v.length; i++) if (v[i]) return true;
  return false;
}

/**
 * A loop over elements that converge at different steps, as the scalar kernels' early `break`s:
 * `step(active)` updates the caller's state where `active` is true and returns the elements still
 * running; it is called while any is, at most maxIter times. Each call costs a few elementwise
 * ops over the whole tensor, so only elements that need the loop should start active.
 * @example
 * let s = zerosLike(x), c = onesLike(x), n = 0;
 * whileAny(gt(x, 0), 100, (active) => { n++; c = mul(c, div(x, n)); s = where(active, add(s, c), s); return logicalAnd(active, gt(c, 1e-17)); });
 */
export function whileAny(active: Tensor, maxIter: number, step: (active: Tensor) => Tensor): void {
  let running = active;
  for (let i = 0; i < maxIter && anyTrue(running); i++) running = step(running);
}

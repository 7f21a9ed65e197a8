/** The public autograd functions: backward, grad, noGrad, enableGrad, detach, hooks. */
import { ArgumentError, AutogradError } from '../errors';
import { assertTensor } from '../ops/util';
import { isGradEnabled, setGradEnabled, withGradDisabled } from '../tensor/graph';
import { Tensor, type GradHook } from '../tensor/tensor';
import { assertDifferentiable, runBackward } from './engine';

/** Options of `backward()`. @example `loss.backward({ retainGraph: true })` */
export interface BackwardOptions {
  /** Keep saved tensors so backward can run through this graph again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, for higher-order gradients. */
  createGraph?: boolean;
}

/**
 * Accumulates d(output)/d(leaf) into every leaf's `.grad`.
 * @example `loss.backward()`, `backward(y, ones([3]))` or `loss.backward({ retainGraph: true })`
 */
export function backward(output: Tensor, gradient?: Tensor | BackwardOptions, opts?: BackwardOptions): void {
  assertTensor('backward', 'output', output);
  // loss.backward({ createGraph: true }): the options may come first when there is no gradient.
  if (gradient !== undefined && !(gradient instanceof Tensor) && typeof gradient === 'object' && gradient !== null && opts === undefined) {
    opts = gradient as BackwardOptions;
    gradient = undefined;
  }
  if (gradient !== undefined) assertTensor('backward', 'gradient', gradient);
  const createGraph = opts?.createGraph ?? false;
  runBackward('backward', [output], [gradient], { retainGraph: opts?.retainGraph ?? createGraph, createGraph, capture: null });
}

/** Options of `grad()`. @example `const [g] = grad(y, [x], { createGraph: true })` */
export interface GradOptions extends BackwardOptions {
  /** The vector in the vector-Jacobian product, one per output (default ones for one-element outputs). */
  gradOutputs?: (Tensor | undefined)[];
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

/**
 * Gradients of `outputs` with respect to `inputs`, returned rather than
 * accumulated. With `createGraph` the result is differentiable again.
 * @example `const [dydx] = grad(y, [x], { createGraph: true })`
 */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], opts?: GradOptions): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  outs.forEach((t, i) => assertTensor('grad', `outputs[${i}]`, t));
  ins.forEach((t, i) => {
    assertTensor('grad', `inputs[${i}]`, t);
    assertDifferentiable('grad', t, `inputs[${i}]`);
    if (!t.requiresGrad) throw new AutogradError(`grad: inputs[${i}] (${t.describe()}) does not require grad`);
  });
  const gradOutputs = opts?.gradOutputs ?? [];
  if (gradOutputs.length > outs.length) throw new ArgumentError(`grad: ${gradOutputs.length} gradOutputs for ${outs.length} outputs`);
  const createGraph = opts?.createGraph ?? false;
  const result = runBackward('grad', outs, outs.map((_, i) => gradOutputs[i]), {
    retainGraph: opts?.retainGraph ?? createGraph, createGraph, capture: ins,
  })!;
  if (!opts?.allowUnused) {
    result.forEach((g, i) => {
      if (g === null) throw new AutogradError(`grad: inputs[${i}] (${ins[i].describe()}) was not used to compute the outputs; pass allowUnused: true to get null`);
    });
  }
  return result;
}

/**
 * Runs fn without recording ops (synchronous fn only).
 * @example `const y = noGrad(() => model.forward(x))`
 */
export function noGrad<T>(fn: () => T): T {
  return withGradDisabled(fn);
}

/** Runs fn with recording on, even inside noGrad. @example `enableGrad(() => f(x))` */
export function enableGrad<T>(fn: () => T): T {
  const prev = setGradEnabled(true);
  try {
    return fn();
  } finally {
    setGradEnabled(prev);
  }
}

/** Whether ops are being recorded now. @example `isGradEnabled()` */
export { isGradEnabled };

/** A tensor sharing x's storage, cut from the graph. @example `const target = y.detach()` */
export function detach(x: Tensor): Tensor {
  assertTensor('detach', 'x', x);
  return new Tensor(x.storage, x.shape.slice(), x.dtype);
}

/** Keeps .grad on a non-leaf tensor after backward. @example `h.retainGrad()` */
export function retainGrad(x: Tensor): void {
  assertTensor('retainGrad', 'x', x);
  if (!x.requiresGrad) throw new AutogradError(`retainGrad: ${x.describe()} does not require grad`);
  if (x.gradFn) x.gradFn.retainTarget = x;
}

/**
 * Registers a hook called with the tensor's gradient during backward; it may
 * return a replacement. Returns a function that removes it.
 * @example `const remove = x.registerHook((g) => g.mul(2))`
 */
export function registerHook(x: Tensor, hook: GradHook): () => void {
  assertTensor('registerHook', 'x', x);
  if (typeof hook !== 'function') throw new ArgumentError('registerHook: hook must be a function');
  if (!x.requiresGrad) throw new AutogradError(`registerHook: ${x.describe()} does not require grad`);
  const list = x.gradFn ? (x.gradFn.hooks ??= []) : (x._hooks ??= []);
  list.push(hook);
  return () => {
    const i = list.indexOf(hook);
    if (i >= 0) list.splice(i, 1);
  };
}

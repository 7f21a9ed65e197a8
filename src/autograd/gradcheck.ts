/**
 * Finite-difference checks of gradients, in float64. For random vectors v_p,
 * the analytic vector-Jacobian products J^T v_p (one grad() call each) are
 * compared with central differences of <fn(x), v_p>: one pair of evaluations
 * of fn per input element serves every projection.
 */
import { ArgumentError, AutogradError } from '../errors';
import { randn, zerosLike } from '../ops/creation';
import { mul } from '../ops/binary';
import { sum } from '../ops/reduce';
import { assertTensor } from '../ops/util';
import { isFloat } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { enableGrad, grad, noGrad } from './api';

/** Step and tolerances of `gradcheck` and `gradgradcheck`. @example `gradcheck((x) => x.tanh(), [x], { eps: 1e-6, atol: 1e-5 })` */
export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Random projections of the outputs to check (default 3). */
  projections?: number;
}

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

function asList(y: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(y) ? y : [y];
}

/** The float outputs of fn (integer outputs such as indices have no gradient). */
function floatOutputs(fn: Fn, inputs: Tensor[]): Tensor[] {
  return asList(fn(...inputs)).filter((y) => isFloat(y.dtype));
}

/** sum_k <y_k, v_k>, over the outputs that depend on the inputs (the others are constants). */
function project(ys: Tensor[], vs: Tensor[], differentiableOnly: boolean): Tensor | null {
  let total: Tensor | null = null;
  ys.forEach((y, k) => {
    if (differentiableOnly && !y.requiresGrad) return;
    const term = sum(mul(y, vs[k]));
    total = total ? total.add(term) : term;
  });
  return total;
}

/** Plain numbers of the projections <fn(x), v_p>, without recording. */
function projectedValues(fn: Fn, inputs: Tensor[], vs: Tensor[][]): number[] {
  return noGrad(() => {
    const ys = floatOutputs(fn, inputs);
    return vs.map((v) => project(ys, v, false)?.item() ?? 0);
  });
}

/**
 * Checks fn's gradients against central differences. Inputs must be float64;
 * those with requiresGrad are checked. Throws an AutogradError naming the
 * input and element on a mismatch; returns true otherwise.
 * @example `gradcheck((x) => x.tanh(), [randn([3], { dtype: 'float64', requiresGrad: true })])`
 */
export function gradcheck(fn: Fn, inputs: Tensor[], opts?: GradcheckOptions): boolean {
  if (typeof fn !== 'function') throw new ArgumentError('gradcheck: fn must be a function');
  if (!Array.isArray(inputs)) throw new ArgumentError('gradcheck: inputs must be an array of tensors');
  inputs.forEach((t, i) => {
    assertTensor('gradcheck', `inputs[${i}]`, t);
    if (t.requiresGrad && t.dtype !== 'float64') throw new ArgumentError(`gradcheck: inputs[${i}] is ${t.describe()}; use float64 for finite differences`);
  });
  const eps = opts?.eps ?? 1e-6, atol = opts?.atol ?? 1e-5, rtol = opts?.rtol ?? 1e-3;
  const nProj = opts?.projections ?? 3;
  const checked = inputs.filter((t) => t.requiresGrad);
  if (checked.length === 0) throw new ArgumentError('gradcheck: no input requires grad');
  const shapes = noGrad(() => floatOutputs(fn, inputs));
  if (shapes.length === 0) throw new ArgumentError('gradcheck: fn returned no float tensor');
  const vs = Array.from({ length: nProj }, () => shapes.map((y) => randn(y.shape, { dtype: 'float64' })));
  // analytic[p][i]: J^T v_p for checked input i.
  const analytic = vs.map((v) => enableGrad(() => {
    const total = project(floatOutputs(fn, inputs), v, true);
    if (!total) return checked.map(() => null);
    return grad(total, checked, { allowUnused: true });
  }));
  checked.forEach((x, i) => {
    const values = x.values as Float64Array;
    for (let k = 0; k < values.length; k++) {
      const orig = values[k];
      let plus: number[], minus: number[];
      try {
        values[k] = orig + eps;
        plus = projectedValues(fn, inputs, vs);
        values[k] = orig - eps;
        minus = projectedValues(fn, inputs, vs);
      } finally {
        values[k] = orig;
      }
      for (let p = 0; p < nProj; p++) {
        const numeric = (plus[p] - minus[p]) / (2 * eps);
        const a = analytic[p][i] ? analytic[p][i]!.values[k] : 0;
        if (!(Math.abs(numeric - a) <= atol + rtol * Math.abs(numeric))) {
          throw new AutogradError(`gradcheck: gradient mismatch for input ${inputs.indexOf(x)} (${x.describe()}) at element ${k}: analytic ${a}, numeric ${numeric} (projection ${p}; atol ${atol}, rtol ${rtol})`);
        }
      }
    }
  });
  return true;
}

/**
 * Checks second derivatives: gradcheck of x -> grad(<fn(x), v>, x, createGraph)
 * for a fixed random v. A backward written with ops passes; one that is not
 * differentiable fails wherever the true second derivative is not zero.
 * @example `gradgradcheck((x) => x.sigmoid(), [x])`
 */
export function gradgradcheck(fn: Fn, inputs: Tensor[], opts?: GradcheckOptions): boolean {
  if (typeof fn !== 'function') throw new ArgumentError('gradgradcheck: fn must be a function');
  const checked = inputs.filter((t) => t.requiresGrad);
  if (checked.length === 0) throw new ArgumentError('gradgradcheck: no input requires grad');
  const vs = noGrad(() => floatOutputs(fn, inputs)).map((y) => randn(y.shape, { dtype: 'float64' }));
  const firstOrder = (...xs: Tensor[]): Tensor[] => enableGrad(() => {
    const wrt = checked.map((c) => xs[inputs.indexOf(c)]);
    const total = project(floatOutputs(fn, xs), vs, true);
    const grads = total ? grad(total, wrt, { createGraph: true, allowUnused: true }) : wrt.map(() => null);
    // An unused input's gradient is zero; keeping it keeps the outputs' count fixed.
    return grads.map((g, i) => g ?? zerosLike(wrt[i]));
  });
  return gradcheck(firstOrder, inputs, opts);
}

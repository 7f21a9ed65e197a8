/**
 * Finite-difference checks of gradients, in float64: central differences of
 * the outputs projected on random vectors, against the analytic
 * vector-Jacobian product from grad().
 */
import { ArgumentError, AutogradError } from '../errors';
import { randn } from '../ops/creation';
import { noGrad } from './api';
import { grad } from './api';
import { mul } from '../ops/binary';
import { sum } from '../ops/reduce';
import { assertTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Relative tolerance (default 1e-3). */
  rtol?: number;
  /** Random projections of the outputs to check (default 2). */
  projections?: number;
}

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

function asList(y: Tensor | Tensor[]): Tensor[] {
  return Array.isArray(y) ? y : [y];
}

/** sum_k <y_k, v_k>: the scalar whose gradient is the vector-Jacobian product. */
function project(ys: Tensor[], vs: Tensor[]): Tensor {
  let total: Tensor | null = null;
  ys.forEach((y, k) => {
    const term = sum(mul(y, vs[k]));
    total = total ? total.add(term) : term;
  });
  return total!;
}

/**
 * Checks fn's gradients against central differences. Inputs must be float64;
 * those with requiresGrad are checked. Throws an AutogradError naming the
 * input and element on a mismatch; returns true otherwise.
 * @example `gradcheck((x) => x.tanh(), [randn([3], { dtype: 'float64', requiresGrad: true })])`
 */
export function gradcheck(fn: Fn, inputs: Tensor[], opts?: GradcheckOptions): boolean {
  if (typeof fn !== 'function') throw new ArgumentError('gradcheck: fn must be a function');
  inputs.forEach((t, i) => {
    assertTensor('gradcheck', `inputs[${i}]`, t);
    if (t.requiresGrad && t.dtype !== 'float64') throw new ArgumentError(`gradcheck: inputs[${i}] is ${t.describe()}; use float64 for finite differences`);
  });
  const eps = opts?.eps ?? 1e-6, atol = opts?.atol ?? 1e-5, rtol = opts?.rtol ?? 1e-3;
  const checked = inputs.filter((t) => t.requiresGrad);
  if (checked.length === 0) throw new ArgumentError('gradcheck: no input requires grad');
  const outputs = asList(fn(...inputs));
  for (let p = 0; p < (opts?.projections ?? 2); p++) {
    const vs = outputs.map((y) => randn(y.shape, { dtype: 'float64' }));
    const analytic = grad(project(asList(fn(...inputs)), vs), checked, { allowUnused: true });
    checked.forEach((x, i) => {
      const values = x.values as Float64Array;
      const a = analytic[i]?.values ?? new Float64Array(values.length);
      for (let k = 0; k < values.length; k++) {
        const orig = values[k];
        const f = (): number => noGrad(() => project(asList(fn(...inputs)), vs).item());
        values[k] = orig + eps;
        const fPlus = f();
        values[k] = orig - eps;
        const fMinus = f();
        values[k] = orig;
        const numeric = (fPlus - fMinus) / (2 * eps);
        if (!(Math.abs(numeric - a[k]) <= atol + rtol * Math.abs(numeric))) {
          throw new AutogradError(`gradcheck: gradient mismatch for input ${inputs.indexOf(x)} (${x.describe()}) at element ${k}: analytic ${a[k]}, numeric ${numeric}`);
        }
      }
    });
  }
  return true;
}

/**
 * Checks second derivatives: gradcheck of x -> grad(fn(x)·v, x, createGraph).
 * @example `gradgradcheck((x) => x.sigmoid(), [x])`
 */
export function gradgradcheck(fn: Fn, inputs: Tensor[], opts?: GradcheckOptions): boolean {
  const outputs = asList(fn(...inputs));
  const vs = outputs.map((y) => randn(y.shape, { dtype: 'float64' }));
  const checked = inputs.filter((t) => t.requiresGrad);
  const firstOrder = (...xs: Tensor[]): Tensor[] => {
    const grads = grad(project(asList(fn(...xs)), vs), checked.map((c) => xs[inputs.indexOf(c)]), { createGraph: true, allowUnused: true });
    return grads.filter((g): g is Tensor => g !== null && g.requiresGrad);
  };
  if (firstOrder(...inputs).length === 0) throw new AutogradError('gradgradcheck: the first derivative does not depend on the inputs (it is constant)');
  return gradcheck(firstOrder, inputs, opts);
}

/**
 * Derivatives of a network's output with respect to its inputs, batched over
 * collocation points, built on reverse-mode `grad(..., { createGraph: true })`.
 *
 * The network is pointwise: row i of u depends on row i of x only (no batch
 * coupling such as BatchNorm). Then the gradient of sum_i u_i with respect to
 * x holds du_i/dx_i in row i, so one backward pass gives every first partial
 * of every point: grad(u, x, gradOutputs = ones) is [N, d]. A second-order
 * partial repeats this on a column of that result, and so on.
 *
 * Derivatives are cached per (u, x): the full gradient of each field is built
 * once, so u_xx and u_xt share the pass that produced them from u_x, and u_x
 * itself is built once for all of them. Mixed partials are keyed by their
 * sorted dims (u_xt and u_tx are the same field, equal by Schwarz).
 */
import { grad } from '../autograd/api';
import { ArgumentError, ShapeError } from '../errors';
import { onesLike, zeros } from '../ops/creation';
import { narrow, reshape, stack } from '../ops/shape';
import { assertTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';

export interface PartialOptions {
  /**
   * The input column to differentiate along (default 0), or a list of columns
   * for a mixed partial: `dim: [0, 1]` is d²u/dx₀dx₁.
   */
  dim?: number | number[];
  /** How many times to differentiate along `dim` when it is one number (default 1). */
  order?: number;
  /** The output column when u has several (default 0). */
  component?: number;
}

/**
 * The derivative cache of one output u with respect to one input x ([N, d],
 * requiresGrad). Fields are [N, 1] when u is [N, m], and [N] when u is [N].
 * @example `const D = new pinn.Derivatives(u, x); const uxx = D.partial([0, 0]); const uxt = D.partial([0, 1])`
 */
export class Derivatives {
  readonly u: Tensor;
  readonly x: Tensor;
  /** Field by key `component:dims` (dims sorted). */
  private readonly fields = new Map<string, Tensor>();
  /** The full [N, d] gradient of a field, by the field's key. */
  private readonly gradients = new Map<string, Tensor>();

  constructor(u: Tensor, x: Tensor) {
    assertTensor('pinn.Derivatives', 'u', u);
    assertTensor('pinn.Derivatives', 'x', x);
    if (x.ndim !== 2) throw new ShapeError(`pinn.Derivatives: x is ${x.describe()}; collocation points must be [N, d]`);
    if (!x.requiresGrad) throw new ArgumentError(`pinn.Derivatives: x (${x.describe()}) must require grad (create it with requiresGrad: true)`);
    if ((u.ndim !== 1 && u.ndim !== 2) || u.shape[0] !== x.shape[0]) {
      throw new ShapeError(`pinn.Derivatives: u is ${u.describe()} and x is ${x.describe()}: u must be [N] or [N, m] with N = ${x.shape[0]}`);
    }
    this.u = u;
    this.x = x;
  }

  /** Number of input columns. */
  get inputDim(): number {
    return this.x.shape[1];
  }

  /** Number of output components. */
  get outputDim(): number {
    return this.u.ndim === 1 ? 1 : this.u.shape[1];
  }

  /**
   * The partial derivative of component `component` along `dims` (in any order; [] is u itself).
   * @example `D.partial([0, 0, 0])` (u_xxx), `D.partial([1], 2)` (the second component's u_t)
   */
  partial(dims: number[], component = 0): Tensor {
    const m = this.outputDim, d = this.inputDim;
    if (!Number.isInteger(component) || component < 0 || component >= m) {
      throw new ArgumentError(`pinn.partial: component ${component} is out of range for u ${this.u.describe()} (${m} components)`);
    }
    for (const k of dims) {
      if (!Number.isInteger(k) || k < 0 || k >= d) throw new ArgumentError(`pinn.partial: dim ${k} is out of range for x ${this.x.describe()} (${d} input columns)`);
    }
    return this.field(component, dims.slice().sort((a, b) => a - b));
  }

  /**
   * All first partials of a field at once, [N, d] (the cached backward pass).
   * @example `D.gradient([0])` is [u_xx, u_xt] for x = [x, t]
   */
  gradient(dims: number[] = [], component = 0): Tensor {
    this.partial(dims, component);
    return this.fullGradient(component, dims.slice().sort((a, b) => a - b));
  }

  private field(component: number, sorted: number[]): Tensor {
    const key = `${component}:${sorted.join(',')}`;
    const hit = this.fields.get(key);
    if (hit && !hit.isDisposed) return hit;
    let out: Tensor;
    if (sorted.length === 0) {
      out = this.u.ndim === 1 || this.outputDim === 1 ? this.u : narrow(this.u, 1, component, 1);
    } else {
      const parent = sorted.slice(0, -1);
      const last = sorted[sorted.length - 1];
      const g = this.fullGradient(component, parent);
      const col = this.inputDim === 1 ? g : narrow(g, 1, last, 1);
      out = this.u.ndim === 1 ? reshape(col, [-1]) : col;
    }
    this.fields.set(key, out);
    return out;
  }

  private fullGradient(component: number, sorted: number[]): Tensor {
    const key = `${component}:${sorted.join(',')}`;
    const hit = this.gradients.get(key);
    if (hit && !hit.isDisposed) return hit;
    const f = this.field(component, sorted);
    let g: Tensor | null = null;
    if (f.requiresGrad) {
      [g] = grad(f, [this.x], { createGraph: true, gradOutputs: [onesLike(f)], allowUnused: true });
    }
    // A field that no longer depends on x (the derivative of a polynomial past its degree) has zero gradient.
    const out = g ?? zeros(this.x.shape, { dtype: this.x.dtype });
    this.gradients.set(key, out);
    return out;
  }
}

/** The cache of each (u, x) pair, held only as long as u lives. */
const caches = new WeakMap<Tensor, WeakMap<Tensor, Derivatives>>();

/**
 * The shared derivative cache of u with respect to x: every helper below goes
 * through it, so repeated or nested derivatives reuse earlier backward passes.
 * @example `const D = pinn.derivatives(u, x)`
 */
export function derivatives(u: Tensor, x: Tensor): Derivatives {
  assertTensor('pinn.derivatives', 'u', u);
  assertTensor('pinn.derivatives', 'x', x);
  let byInput = caches.get(u);
  if (!byInput) caches.set(u, (byInput = new WeakMap()));
  let d = byInput.get(x);
  if (!d) byInput.set(x, (d = new Derivatives(u, x)));
  return d;
}

/**
 * A partial derivative of u ([N] or [N, m]) with respect to the columns of x ([N, d]), per point.
 * @example `const ux = pinn.partial(u, x, { dim: 0 }); const uxx = pinn.partial(u, x, { dim: 0, order: 2 }); const uxt = pinn.partial(u, x, { dim: [0, 1] })`
 */
export function partial(u: Tensor, x: Tensor, opts: PartialOptions = {}): Tensor {
  const { dim = 0, order = 1, component = 0 } = opts;
  let dims: number[];
  if (Array.isArray(dim)) {
    if (opts.order !== undefined) throw new ArgumentError('pinn.partial: give order only with a single dim; a list of dims is the mixed partial itself');
    dims = dim;
  } else {
    if (!Number.isInteger(order) || order < 0) throw new ArgumentError(`pinn.partial: order must be a non-negative integer, got ${order}`);
    dims = new Array<number>(order).fill(dim);
  }
  return derivatives(u, x).partial(dims, component);
}

/**
 * The gradient of one component of u with respect to x, [N, d].
 * @example `const [ux, ut] = [0, 1].map((k) => narrow(pinn.gradient(u, x), 1, k, 1))`
 */
export function gradient(u: Tensor, x: Tensor, opts: { component?: number } = {}): Tensor {
  return derivatives(u, x).gradient([], opts.component ?? 0);
}

/**
 * The Jacobian of v ([N, m]) with respect to x ([N, d]), [N, m, d].
 * @example `const J = pinn.jacobian(v, x)`
 */
export function jacobian(v: Tensor, x: Tensor): Tensor {
  const D = derivatives(v, x);
  const rows: Tensor[] = [];
  for (let c = 0; c < D.outputDim; c++) rows.push(D.gradient([], c));
  return stack(rows, 1);
}

/**
 * The divergence of a vector field v ([N, d]) with respect to x ([N, d]): sum_i dv_i/dx_i, [N, 1].
 * @example `const div = pinn.divergence(v, x)`
 */
export function divergence(v: Tensor, x: Tensor): Tensor {
  const D = derivatives(v, x);
  if (D.outputDim !== D.inputDim) throw new ShapeError(`pinn.divergence: v is ${v.describe()} and x is ${x.describe()}: v needs one component per input column`);
  let out = D.partial([0], 0);
  for (let i = 1; i < D.inputDim; i++) out = out.add(D.partial([i], i));
  return v.ndim === 1 ? out : reshape(out, [-1, 1]);
}

/**
 * The Laplacian of one component of u: sum_i d²u/dx_i², [N, 1] (or [N] for u [N]).
 * `dims` restricts the sum (e.g. the space columns of a time-dependent problem).
 * @example `const lap = pinn.laplacian(u, x)` or `pinn.laplacian(u, x, { dims: [0, 1] })`
 */
export function laplacian(u: Tensor, x: Tensor, opts: { component?: number; dims?: number[] } = {}): Tensor {
  const D = derivatives(u, x);
  const dims = opts.dims ?? Array.from({ length: D.inputDim }, (_, i) => i);
  if (dims.length === 0) throw new ArgumentError('pinn.laplacian: dims must name at least one input column');
  let out = D.partial([dims[0], dims[0]], opts.component ?? 0);
  for (const i of dims.slice(1)) out = out.add(D.partial([i, i], opts.component ?? 0));
  return out;
}

/**
 * The Hessian of one component of u: [N, d, d], or its diagonal [N, d] with `diagonal: true`.
 * @example `const H = pinn.hessian(u, x); const h = pinn.hessian(u, x, { diagonal: true })`
 */
export function hessian(u: Tensor, x: Tensor, opts: { component?: number; diagonal?: boolean } = {}): Tensor {
  const D = derivatives(u, x);
  const c = opts.component ?? 0;
  const d = D.inputDim;
  if (opts.diagonal) {
    const cols: Tensor[] = [];
    for (let i = 0; i < d; i++) cols.push(reshape(D.partial([i, i], c), [-1]));
    return stack(cols, 1);
  }
  const rows: Tensor[] = [];
  for (let i = 0; i < d; i++) rows.push(D.gradient([i], c));
  return stack(rows, 1);
}

/**
 * Loss terms of a physics-informed problem: the PDE residual at collocation
 * points, and Dirichlet, Neumann, periodic, initial-condition and observation
 * terms. Each term is a mean squared error of the network through `loss(model)`,
 * so training sums weighted terms and weighting schemes see each one apart.
 */
import { noGrad } from '../autograd/api';
import { ArgumentError, ShapeError, fmtArg } from '../errors';
import { full } from '../ops/creation';
import { narrow, reshape } from '../ops/shape';
import { assertTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/tidy';
import { partial } from './derivatives';

/** A network: a function of the points [N, d] giving [N, m] (a Module or a plain function). */
export type Field = ((x: Tensor) => Tensor) | {
  /** The network's output [N, m] at the points x [N, d], as `Module.call` gives it. @example `const u = net.call(x)` */
  call(x: Tensor): Tensor;
};

/** A target: a constant, a tensor [N] or [N, 1], or a function of the points evaluated once. */
export type Target = number | Tensor | ((x: Tensor) => Tensor);

/** One named term of the loss. */
export interface Term {
  readonly name: string;
  /** The term's mean squared error for the model. @example `term.loss(net)` */
  loss(model: Field): Tensor;
}

/** Calls a Module or a function on x. @example `pinn.evaluate(net, x)` */
export function evaluate(model: Field, x: Tensor): Tensor {
  if (typeof model === 'function') return model(x);
  if (model && typeof (model as { call?: unknown }).call === 'function') return model.call(x);
  throw new ArgumentError('pinn: model must be a Module or a function of the points');
}

/** Column `component` of u as [N, 1]. */
function componentOf(where: string, u: Tensor, component: number, n: number): Tensor {
  if (u.ndim === 1) {
    if (component !== 0) throw new ArgumentError(`${where}: component ${component} asked of a one-component output ${u.describe()}`);
    return reshape(u, [-1, 1]);
  }
  if (u.ndim !== 2 || u.shape[0] !== n) throw new ShapeError(`${where}: the model gave ${u.describe()} for ${n} points; expected [${n}, m]`);
  if (!Number.isInteger(component) || component < 0 || component >= u.shape[1]) throw new ArgumentError(`${where}: component ${component} is out of range for ${u.describe()}`);
  return u.shape[1] === 1 ? u : narrow(u, 1, component, 1);
}

function checkPoints(where: string, points: Tensor): void {
  assertTensor(where, 'points', points);
  if (points.ndim !== 2) throw new ShapeError(`${where}: points are ${points.describe()}; expected [N, d]`);
}

/** The target as a kept [N, 1] tensor of the points' dtype, computed once. */
function targetOf(where: string, value: Target, points: Tensor): Tensor {
  const n = points.shape[0];
  let t: Tensor;
  if (typeof value === 'number') t = full([n, 1], value, { dtype: points.dtype });
  else if (typeof value === 'function') t = noGrad(() => value(points.detach()));
  else t = value;
  assertTensor(where, 'value', t);
  if (t.size !== n || (t.ndim === 2 && t.shape[1] !== 1) || t.ndim > 2) throw new ShapeError(`${where}: value is ${t.describe()} for ${n} points; expected [${n}] or [${n}, 1]`);
  if (t.dtype !== points.dtype) t = noGrad(() => t.to(points.dtype));
  return keep(noGrad(() => reshape(t, [n, 1]).detach()));
}

/** Points cut from any graph, marked requiresGrad (derivatives are taken at them). */
function differentiable(points: Tensor): Tensor {
  if (points.requiresGrad && points.gradFn === null) return points;
  const p = keep(points.detach());
  p.requiresGrad = true;
  return p;
}

const mse = (a: Tensor, b: Tensor): Tensor => a.sub(b).square().mean();

/** The PDE residual term; its points may be replaced (residual-based refinement). */
export class ResidualTerm implements Term {
  readonly name: string;
  points: Tensor;
  /**
   * The PDE residual as a function of the network's output u [N, m] and the points x [N, d] (which require grad, so
   * `pinn.partial(u, x, ...)` differentiates): a residual [N, 1] or [N], or a list of them for a system.
   * @example `term.fn(net.call(x), x)`
   */
  readonly fn: (u: Tensor, x: Tensor) => Tensor | Tensor[];

  constructor(points: Tensor, fn: (u: Tensor, x: Tensor) => Tensor | Tensor[], name = 'residual') {
    checkPoints('pinn.residual', points);
    if (typeof fn !== 'function') throw new ArgumentError('pinn.residual: fn must be a function (u, x) => residual');
    this.points = differentiable(points);
    this.fn = fn;
    this.name = name;
  }

  /**
   * The residual(s) at points (default: the term's own), each [N, 1] or [N].
   * @example `const [r] = term.residuals(net)`
   */
  residuals(model: Field, points: Tensor = this.points): Tensor[] {
    const x = differentiable(points);
    const r = this.fn(evaluate(model, x), x);
    return Array.isArray(r) ? r : [r];
  }

  loss(model: Field): Tensor {
    const rs = this.residuals(model);
    let total = rs[0].square().mean();
    for (const r of rs.slice(1)) total = total.add(r.square().mean());
    return total;
  }
}

/**
 * The PDE residual at collocation points: the mean of fn(u, x)² (summed over a list of residuals).
 * @example `pinn.residual(x, (u, x) => pinn.partial(u, x, { dim: 1 }).add(u.mul(pinn.partial(u, x))).sub(pinn.partial(u, x, { order: 2 }).mul(nu)))`
 */
export function residual(points: Tensor, fn: (u: Tensor, x: Tensor) => Tensor | Tensor[], opts: { name?: string } = {}): ResidualTerm {
  return new ResidualTerm(points, fn, opts.name);
}

/**
 * Dirichlet condition u = value at points.
 * @example `pinn.dirichlet(boundary.points, 0)`
 */
export function dirichlet(points: Tensor, value: Target, opts: { component?: number; name?: string } = {}): Term {
  checkPoints('pinn.dirichlet', points);
  const x = keep(points.detach());
  const target = targetOf('pinn.dirichlet', value, x);
  const component = opts.component ?? 0;
  return {
    name: opts.name ?? 'dirichlet',
    loss: (model) => mse(componentOf('pinn.dirichlet', evaluate(model, x), component, x.shape[0]), target),
  };
}

/**
 * Observations u = values at points (the data term of an inverse problem).
 * @example `pinn.observations(xObs, uObs)`
 */
export function observations(points: Tensor, values: Target, opts: { component?: number; name?: string } = {}): Term {
  return dirichlet(points, values, { component: opts.component, name: opts.name ?? 'data' });
}

/**
 * Initial condition at t = t0 points: u = value (order 0) or u_t = value (order 1).
 * @example `pinn.initial(x0, (x) => narrow(x, 1, 0, 1).mul(Math.PI).sin().neg())`
 */
export function initial(points: Tensor, value: Target, opts: { component?: number; order?: 0 | 1; timeDim?: number; name?: string } = {}): Term {
  checkPoints('pinn.initial', points);
  const order = opts.order ?? 0;
  if (order === 0) return dirichlet(points, value, { component: opts.component, name: opts.name ?? 'initial' });
  if (order !== 1) throw new ArgumentError(`pinn.initial: order must be 0 or 1, got ${fmtArg(order)}`);
  const x = differentiable(points);
  const target = targetOf('pinn.initial', value, x);
  const timeDim = opts.timeDim ?? x.shape[1] - 1;
  return {
    name: opts.name ?? 'initialRate',
    loss: (model) => mse(reshape(partial(evaluate(model, x), x, { dim: timeDim, component: opts.component ?? 0 }), [-1, 1]), target),
  };
}

/**
 * Neumann condition du/dn = value at boundary points with outward normals [N, d].
 * @example `const b = disk.sampleBoundary(200); pinn.neumann(b.points, b.normals, 0)`
 */
export function neumann(points: Tensor, normals: Tensor, value: Target, opts: { component?: number; name?: string } = {}): Term {
  checkPoints('pinn.neumann', points);
  assertTensor('pinn.neumann', 'normals', normals);
  if (normals.shape.join() !== points.shape.join()) throw new ShapeError(`pinn.neumann: normals are ${normals.describe()} but points are ${points.describe()}`);
  const x = differentiable(points);
  const n = keep(noGrad(() => normals.to(x.dtype).detach()));
  const target = targetOf('pinn.neumann', value, x);
  const component = opts.component ?? 0;
  return {
    name: opts.name ?? 'neumann',
    loss: (model) => {
      const u = evaluate(model, x);
      // du/dn = sum_j du/dx_j n_j, from the one cached gradient pass.
      let dn = reshape(partial(u, x, { dim: 0, component }), [-1, 1]).mul(narrow(n, 1, 0, 1));
      for (let j = 1; j < x.shape[1]; j++) dn = dn.add(reshape(partial(u, x, { dim: j, component }), [-1, 1]).mul(narrow(n, 1, j, 1)));
      return mse(dn, target);
    },
  };
}

/**
 * Periodic condition between paired points a[i] and b[i]: u(a) = u(b) and, for each
 * order k in `derivativeOrders`, d^k u/dx_dim^k equal too.
 * @example `pinn.periodic(left, right, { dim: 0, derivativeOrders: [1] })`
 */
export function periodic(a: Tensor, b: Tensor, opts: { dim?: number; derivativeOrders?: number[]; component?: number; name?: string } = {}): Term {
  checkPoints('pinn.periodic', a);
  checkPoints('pinn.periodic', b);
  if (a.shape.join() !== b.shape.join()) throw new ShapeError(`pinn.periodic: a is ${a.describe()} and b is ${b.describe()}; the pairs must match`);
  const xa = differentiable(a), xb = differentiable(b);
  const component = opts.component ?? 0;
  const dim = opts.dim ?? 0;
  const orders = opts.derivativeOrders ?? [];
  return {
    name: opts.name ?? 'periodic',
    loss: (model) => {
      const ua = evaluate(model, xa), ub = evaluate(model, xb);
      let total = mse(componentOf('pinn.periodic', ua, component, xa.shape[0]), componentOf('pinn.periodic', ub, component, xb.shape[0]));
      for (const k of orders) {
        total = total.add(mse(partial(ua, xa, { dim, order: k, component }), partial(ub, xb, { dim, order: k, component })));
      }
      return total;
    },
  };
}

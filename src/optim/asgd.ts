/**
 * ASGD, averaged stochastic gradient descent (torch.optim.ASGD; Polyak & Juditsky 1992),
 * written with ops. Per parameter, with g = ±grad, t its step count (after the
 * increment) and eta, mu the values left by the previous step (eta = lr, mu = 1 at first):
 *   g = g + weightDecay * p
 *   p = p * (1 - lambd * eta)
 *   p = p - eta * g
 *   ax = mu == 1 ? p : ax + mu * (p - ax)
 *   eta = lr / (1 + lambd * lr * t)^alpha
 *   mu = 1 / max(1, t - t0)
 * So ax follows p until step t0 + 1 and from then on is the running mean of the
 * iterates p_{t0+2}, ..., p_t: the averaged weights (averagedParameters()) are the
 * point of ASGD. eta and mu are rounded to float32 as PyTorch's scalar state tensors
 * are, also for float64 parameters.
 */
import { noGrad } from '../autograd/api';
import { mul, sub } from '../ops/binary';
import { zerosLike } from '../ops/creation';
import { add_, copy_, mul_ } from '../ops/inplace';
import { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/tidy';
import { Optimizer, type BaseOptions, type Closure, type Params } from './optimizer';

/**
 * ASGD's options (PyTorch's defaults: lr 1e-2, lambd 1e-4, alpha 0.75, t0 1e6).
 * @example `new optim.ASGD(params, { lr: 0.05, t0: 100 })`
 */
export type ASGDOptions = BaseOptions & {
  /** Decay term: each step shrinks p by the factor 1 - lambd * eta; it also sets how fast eta decays (default 1e-4). */
  lambd: number;
  /** Power of eta's decay, eta = lr / (1 + lambd * lr * t)^alpha (default 0.75). */
  alpha: number;
  /** The step after which averaging starts; the default 1e6 means "practically never" (default 1e6). */
  t0: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

/**
 * ASGD (torch.optim.ASGD): SGD with a slowly decaying step size that also keeps,
 * from step t0 on, the running average of the iterates (state `ax`). The parameters
 * themselves follow plain SGD; read the average with averagedParameters().
 * @example
 * const opt = new optim.ASGD(model.parameters(), { lr: 0.05, t0: 1000 });
 * for (const batch of data) { opt.zeroGrad(); lossOf(batch).backward(); opt.step(); }
 * const avg = opt.averagedParameters(); // evaluate with these
 */
export class ASGD extends Optimizer<ASGDOptions> {
  /**
   * @example `const opt = new optim.ASGD(model.parameters(), { lr: 1e-2, t0: 100 })`
   */
  constructor(params: Params<ASGDOptions>, options: Partial<ASGDOptions> = {}) {
    super('ASGD', params, { lr: 1e-2, lambd: 1e-4, alpha: 0.75, t0: 1e6, weightDecay: 0, maximize: false, clipNorm: null, clipValue: null, ...options });
  }

  protected override checkOptions(o: ASGDOptions, where: string): void {
    super.checkOptions(o, where);
    // PyTorch checks only lr and weight_decay; negative lambd, alpha or t0 have no sensible meaning
    // (a negative lambd grows the weights, a negative alpha grows eta), so they are refused here.
    this.checkNumber(o.lambd, 'lambd', where, { min: 0 });
    this.checkNumber(o.alpha, 'alpha', where, { min: 0 });
    this.checkNumber(o.t0, 't0', where, { min: 0 });
    this.checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
    this.checkBoolean(o.maximize, 'maximize', where);
  }

  protected override stateTensorKeys(): string[] {
    return ['ax'];
  }

  /**
   * One update of every parameter with a gradient, then of its average.
   * @example `loss.backward(); opt.step(); opt.zeroGrad()`
   */
  step(closure?: Closure): number | Tensor | undefined {
    return this.stepEachParameter(closure, (p, grad, s, group) => {
      if (!(s.ax instanceof Tensor)) {
        s.step = 0;
        s.eta = Math.fround(group.lr);
        s.mu = 1;
        s.ax = keep(zerosLike(p));
      }
      const t = (s.step = (s.step as number) + 1);
      const eta = s.eta as number, mu = s.mu as number, ax = s.ax as Tensor;
      const g = this.directedGradient(p, grad, group);
      // Two roundings, as PyTorch's mul_ then add_(alpha=-eta): not folded into one expression.
      mul_(p, 1 - group.lambd * eta);
      add_(p, mul(g, -eta));
      // While mu is 1 PyTorch copies p (ax + 1 * (p - ax) could differ from p by a rounding).
      if (mu !== 1) add_(ax, mul(sub(p, ax), mu));
      else copy_(ax, p);
      // eta and mu for the next step, computed in double and stored as float32 (PyTorch's state tensors).
      s.eta = Math.fround(group.lr / (1 + group.lambd * group.lr * t) ** group.alpha);
      s.mu = Math.fround(1 / Math.max(1, t - group.t0));
    });
  }

  /**
   * The averaged weights, one new tensor per parameter in the order of paramGroups
   * (group by group): each parameter's `ax`, or a copy of the parameter itself where
   * it has taken no step yet. Detached copies: training on does not change them, and
   * the caller disposes them. To evaluate with the average, copy it into the model
   * (and keep the current weights if training goes on).
   * @example
   * const avg = opt.averagedParameters();
   * noGrad(() => params.forEach((p, i) => copy_(p, avg[i])));
   */
  averagedParameters(): Tensor[] {
    return noGrad(() => this.paramGroups.flatMap((g) => g.params.map((p) => {
      const ax = this.state.get(p)?.ax;
      return (ax instanceof Tensor ? ax : p).clone();
    })));
  }
}

/**
 * Adadelta (torch.optim.Adadelta), written with ops. Per parameter, with g = ±grad:
 *   g = g + weightDecay * p
 *   sq = rho * sq + (1 - rho) * g^2
 *   delta = sqrt(acc + eps) / sqrt(sq + eps) * g
 *   acc = rho * acc + (1 - rho) * delta^2
 *   p = p - lr * delta
 */
import { add, div, mul } from '../ops/binary';
import { zerosLike } from '../ops/creation';
import { add_, mul_ } from '../ops/inplace';
import { sqrt } from '../ops/unary';
import { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/tidy';
import { Optimizer, type BaseOptions, type Closure, type Params } from './optimizer';

/**
 * Adadelta's options (PyTorch's defaults: lr 1.0, rho 0.9, eps 1e-6).
 * @example `new optim.Adadelta(params, { rho: 0.95 })`
 */
export type AdadeltaOptions = BaseOptions & {
  /** Scales the computed delta; Adadelta's own step size needs no tuning, so the default is 1.0. */
  lr: number;
  /** Decay rate of the running averages of g^2 and delta^2 (default 0.9). */
  rho: number;
  /** Added inside both square roots; it also sets the size of the first steps (default 1e-6). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

/**
 * Adadelta (torch.optim.Adadelta): per-element steps of size RMS(past deltas) / RMS(gradients),
 * so the units of the update match those of the parameter.
 * @example `const opt = new optim.Adadelta(model.parameters())`
 */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  /**
   * @example `const opt = new optim.Adadelta(model.parameters(), { lr: 1.0, rho: 0.9 })`
   */
  constructor(params: Params<AdadeltaOptions>, options: Partial<AdadeltaOptions> = {}) {
    super('Adadelta', params, { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0, maximize: false, clipNorm: null, clipValue: null, ...options });
  }

  protected override checkOptions(o: AdadeltaOptions, where: string): void {
    super.checkOptions(o, where);
    this.checkNumber(o.rho, 'rho', where, { min: 0, max: 1 });
    this.checkNumber(o.eps, 'eps', where, { min: 0 });
    this.checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
    this.checkBoolean(o.maximize, 'maximize', where);
  }

  protected override stateTensorKeys(): string[] {
    return ['squareAvg', 'accDelta'];
  }

  /**
   * One update of every parameter with a gradient.
   * @example `loss.backward(); opt.step(); opt.zeroGrad()`
   */
  step(closure?: Closure): number | Tensor | undefined {
    return this.stepEachParameter(closure, (p, grad, s, group) => {
      const { rho, eps } = group;
      if (!(s.squareAvg instanceof Tensor)) {
        s.step = 0;
        s.squareAvg = keep(zerosLike(p));
        s.accDelta = keep(zerosLike(p));
      }
      // Counted only for the state dict, as in PyTorch: the update does not use it.
      s.step = (s.step as number) + 1;
      const sq = s.squareAvg as Tensor, acc = s.accDelta as Tensor;
      const g = this.directedGradient(p, grad, group);
      mul_(sq, rho);
      add_(sq, mul(mul(g, 1 - rho), g));
      const delta = mul(div(sqrt(add(acc, eps)), sqrt(add(sq, eps))), g);
      mul_(acc, rho);
      add_(acc, mul(mul(delta, 1 - rho), delta));
      add_(p, mul(delta, -group.lr));
    });
  }
}

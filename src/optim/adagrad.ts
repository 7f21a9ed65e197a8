/**
 * Adagrad (torch.optim.Adagrad), written with ops. Per parameter, with g = ±grad
 * and t its step count:
 *   g = g + weightDecay * p
 *   clr = lr / (1 + (t - 1) * lrDecay)
 *   sum = sum + g * g
 *   p = p - clr * g / (sqrt(sum) + eps)
 */
import { add, div, mul } from '../ops/binary';
import { full } from '../ops/creation';
import { add_ } from '../ops/inplace';
import { sqrt } from '../ops/unary';
import { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/tidy';
import { Optimizer, type BaseOptions, type Closure, type Params } from './optimizer';

/** Adagrad's options. @example `new optim.Adagrad(params, { lr: 0.01 })` */
export type AdagradOptions = BaseOptions & {
  /** Learning-rate decay per step (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the squared-gradient sums (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator for stability (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

export class Adagrad extends Optimizer<AdagradOptions> {
  /**
   * @example `const opt = new optim.Adagrad(model.parameters(), { lr: 1e-2 })`
   */
  constructor(params: Params<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super('Adagrad', params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, clipNorm: null, clipValue: null, ...options });
  }

  protected override checkOptions(o: AdagradOptions, where: string): void {
    super.checkOptions(o, where);
    this.checkNumber(o.lrDecay, 'lrDecay', where, { min: 0 });
    this.checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
    this.checkNumber(o.initialAccumulatorValue, 'initialAccumulatorValue', where, { min: 0 });
    this.checkNumber(o.eps, 'eps', where, { min: 0 });
    this.checkBoolean(o.maximize, 'maximize', where);
  }

  protected override stateTensorKeys(): string[] {
    return ['sum'];
  }

  /** One update of every parameter with a gradient. @example `loss.backward(); opt.step()` */
  step(closure?: Closure): number | Tensor | undefined {
    return this.stepEachParameter(closure, (p, grad, s, group) => {
      if (!(s.sum instanceof Tensor)) {
        s.step = 0;
        s.sum = keep(full(p.shape, group.initialAccumulatorValue, { dtype: p.dtype }));
      }
      s.step = (s.step as number) + 1;
      const sum = s.sum as Tensor;
      const g = this.directedGradient(p, grad, group);
      const clr = group.lr / (1 + ((s.step as number) - 1) * group.lrDecay);
      add_(sum, mul(g, g));
      const std = add(sqrt(sum), group.eps);
      add_(p, div(mul(g, -clr), std));
    });
  }
}

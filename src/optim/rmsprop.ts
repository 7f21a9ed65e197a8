/**
 * RMSprop (torch.optim.RMSprop), one fused native call per group and step.
 * Per parameter, with g = ±grad:
 *   g = g + weightDecay * p
 *   sq = alpha * sq + (1 - alpha) * g^2
 *   avg = sqrt(sq - ga^2) + eps, ga = alpha * ga + (1 - alpha) * g    (centered)
 *   avg = sqrt(sq) + eps                                               (otherwise)
 *   momentum > 0: buf = momentum * buf + g / avg;  p = p - lr * buf
 *   else:         p = p - lr * g / avg
 */
import { rmspropUpdate_ } from '../ops/fused_optim';
import { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/tidy';
import { Optimizer, type BaseOptions, type Closure, type Params } from './optimizer';

/** RMSprop's options. @example `new optim.RMSprop(params, { lr: 1e-3, alpha: 0.99 })` */
export type RMSpropOptions = BaseOptions & {
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by the estimated variance of the gradient instead of its second moment. */
  centered: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

export class RMSprop extends Optimizer<RMSpropOptions> {
  /**
   * @example `const opt = new optim.RMSprop(model.parameters(), { lr: 1e-2, momentum: 0.9 })`
   */
  constructor(params: Params<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, clipNorm: null, clipValue: null, ...options });
  }

  protected override checkOptions(o: RMSpropOptions, where: string): void {
    super.checkOptions(o, where);
    this.checkNumber(o.alpha, 'alpha', where, { min: 0, max: 1 });
    this.checkNumber(o.eps, 'eps', where, { min: 0 });
    this.checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
    this.checkNumber(o.momentum, 'momentum', where, { min: 0 });
    this.checkBoolean(o.centered, 'centered', where);
    this.checkBoolean(o.maximize, 'maximize', where);
  }

  protected override stateTensorKeys(): string[] {
    return ['squareAvg', 'momentumBuffer', 'gradAvg'];
  }

  /** One update of every parameter with a gradient. @example `loss.backward(); opt.step()` */
  step(closure?: Closure): number | Tensor | undefined {
    const loss = this.evaluate(closure);
    for (const group of this.paramGroups) {
      this.update(() => {
        const { params, grads } = this.gradients(group);
        if (params.length === 0) return;
        const sq: Tensor[] = [], ga: Tensor[] = [], bufs: Tensor[] = [];
        for (const p of params) {
          const s = this.stateOf(p);
          if (!(s.squareAvg instanceof Tensor)) {
            s.step = 0;
            s.squareAvg = keep(this.zeroState(p, 1));
          }
          if (group.momentum > 0 && !(s.momentumBuffer instanceof Tensor)) s.momentumBuffer = keep(this.zeroState(p, 2));
          if (group.centered && !(s.gradAvg instanceof Tensor)) s.gradAvg = keep(this.zeroState(p, 3));
          s.step = (s.step as number) + 1;
          sq.push(s.squareAvg as Tensor);
          if (group.centered) ga.push(s.gradAvg as Tensor);
          if (group.momentum > 0) bufs.push(s.momentumBuffer as Tensor);
        }
        rmspropUpdate_(params, grads, sq, group.centered ? ga : null, group.momentum > 0 ? bufs : null, {
          lr: group.lr, alpha: group.alpha, eps: group.eps, weightDecay: group.weightDecay, momentum: group.momentum, maximize: group.maximize,
        });
      });
    }
    return loss;
  }
}

/**
 * Stochastic gradient descent with momentum (torch.optim.SGD), one fused native
 * call per group and step. Per parameter, with d = ±grad:
 *   d = d + weightDecay * p
 *   buf = d (first step), else momentum * buf + (1 - dampening) * d
 *   d = nesterov ? d + momentum * buf : buf            (when momentum != 0)
 *   p = p - lr * d
 */
import { sgdUpdate_ } from '../ops/fused_optim';
import { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/tidy';
import { Optimizer, type BaseOptions, type Closure, type Params } from './optimizer';

/** SGD's options (momentum, dampening, weight decay, Nesterov). @example `new optim.SGD(params, { lr: 0.1, momentum: 0.9, nesterov: true })` */
export type SGDOptions = BaseOptions & {
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening of the momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

export class SGD extends Optimizer<SGDOptions> {
  /**
   * @example `const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 })`
   */
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, clipNorm: null, clipValue: null, ...options });
  }

  protected override checkOptions(o: SGDOptions, where: string): void {
    super.checkOptions(o, where);
    this.checkNumber(o.momentum, 'momentum', where, { min: 0 });
    this.checkNumber(o.dampening, 'dampening', where);
    this.checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
    this.checkBoolean(o.nesterov, 'nesterov', where);
    this.checkBoolean(o.maximize, 'maximize', where);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      this.fail('nesterov', `needs momentum > 0 and dampening 0 (momentum is ${o.momentum}, dampening ${o.dampening})`, o.nesterov, where);
    }
  }

  protected override stateTensorKeys(): string[] {
    return ['momentumBuffer'];
  }

  /** One update of every parameter with a gradient. @example `loss.backward(); opt.step()` */
  step(closure?: Closure): number | Tensor | undefined {
    const loss = this.evaluate(closure);
    for (const group of this.paramGroups) {
      this.update(() => {
        const { params, grads } = this.gradients(group);
        if (params.length === 0) return;
        let bufs: Tensor[] | null = null, fresh: boolean[] | null = null;
        if (group.momentum !== 0) {
          fresh = [];
          bufs = params.map((p) => {
            const s = this.stateOf(p);
            const has = s.momentumBuffer instanceof Tensor;
            fresh!.push(!has);
            if (!has) s.momentumBuffer = keep(this.zeroState(p, 1));
            return s.momentumBuffer as Tensor;
          });
        }
        sgdUpdate_(params, grads, bufs, fresh, {
          lr: group.lr, momentum: group.momentum, dampening: group.dampening, weightDecay: group.weightDecay,
          nesterov: group.nesterov, maximize: group.maximize,
        });
      });
    }
    return loss;
  }
}

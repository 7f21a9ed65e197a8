/**
 * Adam (torch.optim.Adam) and the shared machinery of AdamW: one fused native
 * call per group and step. Per parameter, with g = ±grad and t its step count:
 *   g = g + weightDecay * p                     (Adam: L2 penalty in the gradient)
 *   p = p * (1 - lr * weightDecay)              (AdamW: decoupled decay instead)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   vmax = max(vmax, v), used for v below      (amsgrad)
 *   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 */
import { adamUpdate_ } from '../ops/fused_optim';
import { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/tidy';
import { Optimizer, type BaseOptions, type Closure, type Params } from './optimizer';

/** Adam's options (PyTorch's defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8). @example `new optim.Adam(params, { lr: 3e-4 })` */
export type AdamOptions = BaseOptions & {
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 0.01). */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

/** @internal Adam and AdamW: PyTorch's defaults, weightDecay aside. */
export function adamDefaults(options: Partial<AdamOptions>, weightDecay: number): AdamOptions {
  return { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay, amsgrad: false, maximize: false, clipNorm: null, clipValue: null, ...options };
}

/** @internal The update shared by Adam and AdamW. */
export abstract class AdamFamily extends Optimizer<AdamOptions> {
  /** AdamW's decoupled weight decay instead of Adam's L2 term. */
  protected abstract readonly decoupled: boolean;

  protected override checkOptions(o: AdamOptions, where: string): void {
    super.checkOptions(o, where);
    this.checkBetas(o.betas, where);
    this.checkNumber(o.eps, 'eps', where, { min: 0 });
    this.checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
    this.checkBoolean(o.amsgrad, 'amsgrad', where);
    this.checkBoolean(o.maximize, 'maximize', where);
  }

  protected override stateTensorKeys(): string[] {
    return ['expAvg', 'expAvgSq', 'maxExpAvgSq'];
  }

  /** One update of every parameter with a gradient. @example `loss.backward(); opt.step()` */
  step(closure?: Closure): number | Tensor | undefined {
    const loss = this.evaluate(closure);
    for (const group of this.paramGroups) {
      this.update(() => {
        const { params, grads } = this.gradients(group);
        if (params.length === 0) return;
        const m: Tensor[] = [], v: Tensor[] = [], vmax: Tensor[] = [], steps: number[] = [];
        for (const p of params) {
          const s = this.stateOf(p);
          if (!(s.expAvg instanceof Tensor)) {
            s.step = 0;
            s.expAvg = keep(this.zeroState(p, 1));
            s.expAvgSq = keep(this.zeroState(p, 2));
          }
          if (group.amsgrad && !(s.maxExpAvgSq instanceof Tensor)) s.maxExpAvgSq = keep(this.zeroState(p, 3));
          s.step = (s.step as number) + 1;
          steps.push(s.step);
          m.push(s.expAvg as Tensor);
          v.push(s.expAvgSq as Tensor);
          if (group.amsgrad) vmax.push(s.maxExpAvgSq as Tensor);
        }
        adamUpdate_(params, grads, m, v, group.amsgrad ? vmax : null, steps, {
          lr: group.lr, beta1: group.betas[0], beta2: group.betas[1], eps: group.eps, weightDecay: group.weightDecay,
          decoupledWeightDecay: this.decoupled, maximize: group.maximize,
        });
      });
    }
    return loss;
  }
}

/** Adam (torch.optim.Adam): adaptive moments, L2 weight decay added to the gradient. @example `const opt = new optim.Adam(model.parameters(), { lr: 1e-3 })` */
export class Adam extends AdamFamily {
  protected readonly decoupled = false;

  /**
   * @example `const opt = new optim.Adam(model.parameters(), { lr: 1e-3 })`
   */
  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', params, adamDefaults(options, 0));
  }
}

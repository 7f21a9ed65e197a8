/**
 * NAdam (torch.optim.NAdam), written with ops: Adam with Nesterov momentum and
 * momentum decay. Per parameter, with g = ±grad and t its step count:
 *   g = g + weightDecay * p                     (L2 penalty in the gradient)
 *   p = p * (1 - lr * weightDecay)              (decoupledWeightDecay: instead)
 *   mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentumDecay))
 *   muProduct = muProduct * mu_t                (per-parameter state, starts at 1)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   denom = sqrt(v / (1 - beta2^t)) + eps
 *   p = p - lr * (1 - mu_t) / (1 - muProduct) * g / denom
 *         - lr * mu_{t+1} / (1 - muProduct * mu_{t+1}) * m / denom
 * The scalars are computed in doubles, as PyTorch does in Python floats.
 */
import { add, div, mul, sub } from '../ops/binary';
import { zerosLike } from '../ops/creation';
import { add_, mul_ } from '../ops/inplace';
import { sqrt } from '../ops/unary';
import { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/tidy';
import { Optimizer, type BaseOptions, type Closure, type Params } from './optimizer';

/**
 * NAdam's options (PyTorch's defaults: lr 2e-3, betas [0.9, 0.999], eps 1e-8, momentumDecay 4e-3).
 * @example `new optim.NAdam(params, { lr: 2e-3, momentumDecay: 4e-3 })`
 */
export type NAdamOptions = BaseOptions & {
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** Weight decay: an L2 penalty added to the gradient, or decoupled (default 0). */
  weightDecay: number;
  /** How fast the momentum schedule mu_t rises towards beta1 (default 4e-3). */
  momentumDecay: number;
  /** Decay the weights directly, as AdamW does, instead of adding the L2 term to the gradient (default false). */
  decoupledWeightDecay: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

/**
 * NAdam (torch.optim.NAdam): Adam with a Nesterov look-ahead on the first moment and a
 * momentum schedule that warms up towards beta1.
 * @example `const opt = new optim.NAdam(model.parameters(), { lr: 2e-3 })`
 */
export class NAdam extends Optimizer<NAdamOptions> {
  /**
   * @example `const opt = new optim.NAdam(model.parameters(), { lr: 2e-3, weightDecay: 1e-2, decoupledWeightDecay: true })`
   */
  constructor(params: Params<NAdamOptions>, options: Partial<NAdamOptions> = {}) {
    super('NAdam', params, {
      lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3, decoupledWeightDecay: false, maximize: false,
      clipNorm: null, clipValue: null, ...options,
    });
  }

  protected override checkOptions(o: NAdamOptions, where: string): void {
    super.checkOptions(o, where);
    this.checkBetas(o.betas, where);
    this.checkNumber(o.eps, 'eps', where, { min: 0 });
    this.checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
    this.checkNumber(o.momentumDecay, 'momentumDecay', where, { min: 0 });
    this.checkBoolean(o.decoupledWeightDecay, 'decoupledWeightDecay', where);
    this.checkBoolean(o.maximize, 'maximize', where);
  }

  protected override stateTensorKeys(): string[] {
    return ['expAvg', 'expAvgSq'];
  }

  /**
   * One update of every parameter with a gradient.
   * @example `loss.backward(); opt.step(); opt.zeroGrad()`
   */
  step(closure?: Closure): number | Tensor | undefined {
    return this.stepEachParameter(closure, (p, grad, s, group) => {
      const { lr, eps, momentumDecay } = group;
      const [beta1, beta2] = group.betas;
      if (!(s.expAvg instanceof Tensor)) {
        s.step = 0;
        s.muProduct = 1;
        s.expAvg = keep(zerosLike(p));
        s.expAvgSq = keep(zerosLike(p));
      }
      const t = (s.step = (s.step as number) + 1);
      const m = s.expAvg as Tensor, v = s.expAvgSq as Tensor;
      const bc2 = 1 - beta2 ** t;
      const g = this.directedGradient(p, grad, group);
      const mu = beta1 * (1 - 0.5 * 0.96 ** (t * momentumDecay));
      const muNext = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentumDecay));
      // PyTorch keeps mu_product in a float32 scalar tensor (the default dtype), whatever the
      // parameter's dtype: a float32 product, rounded every step.
      const muProduct = (s.muProduct = Math.fround((s.muProduct as number) * Math.fround(mu)));
      // m + w (g - m) is the branch of PyTorch's lerp_ for w = 1 - beta1 < 0.5: the same rounding.
      add_(m, mul(sub(g, m), 1 - beta1));
      mul_(v, beta2);
      add_(v, mul(mul(g, 1 - beta2), g));
      const denom = add(sqrt(div(v, bc2)), eps);
      // value * a / b, in the order of PyTorch's addcdiv_ kernel.
      add_(p, div(mul(g, (-lr * (1 - mu)) / (1 - muProduct)), denom));
      add_(p, div(mul(m, (-lr * muNext) / (1 - muProduct * muNext)), denom));
    });
  }
}

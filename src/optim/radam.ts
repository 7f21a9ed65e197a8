/**
 * RAdam (torch.optim.RAdam), written with ops. Per parameter, with g = ±grad and
 * t its step count:
 *   g = g + weightDecay * p                     (L2 penalty in the gradient)
 *   p = p * (1 - lr * weightDecay)              (decoupledWeightDecay: instead)
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g^2
 *   rhoInf = 2 / (1 - beta2) - 1
 *   rhoT = rhoInf - 2 t beta2^t / (1 - beta2^t)
 *   rhoT > 5: r = sqrt((rhoT - 4)(rhoT - 2) rhoInf / ((rhoInf - 4)(rhoInf - 2) rhoT))
 *             p = p - lr * m / (1 - beta1^t) * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r
 *   else:     p = p - lr * m / (1 - beta1^t)
 * The scalars (bias corrections, rhoT, r) are computed in doubles, as PyTorch does in Python floats.
 */
import { add, div, mul, sub } from '../ops/binary';
import { zerosLike } from '../ops/creation';
import { add_, mul_, sub_ } from '../ops/inplace';
import { reciprocal, sqrt } from '../ops/unary';
import { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/tidy';
import { Optimizer, type BaseOptions, type Closure, type Params } from './optimizer';

/**
 * RAdam's options (PyTorch's defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8).
 * @example `new optim.RAdam(params, { lr: 1e-3, weightDecay: 1e-2, decoupledWeightDecay: true })`
 */
export type RAdamOptions = BaseOptions & {
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for stability (default 1e-8). */
  eps: number;
  /** Weight decay: an L2 penalty added to the gradient, or decoupled (default 0). */
  weightDecay: number;
  /** Decay the weights directly, as AdamW does, instead of adding the L2 term to the gradient (default false). */
  decoupledWeightDecay: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

/**
 * RAdam (torch.optim.RAdam): Adam whose adaptive step is switched on only once the
 * variance of the adaptive learning rate is tractable (rhoT > 5), and then rectified;
 * before that it takes plain bias-corrected momentum steps, which removes the need
 * for a warmup.
 * @example `const opt = new optim.RAdam(model.parameters(), { lr: 1e-3 })`
 */
export class RAdam extends Optimizer<RAdamOptions> {
  /**
   * @example `const opt = new optim.RAdam(model.parameters(), { lr: 1e-3, betas: [0.9, 0.99] })`
   */
  constructor(params: Params<RAdamOptions>, options: Partial<RAdamOptions> = {}) {
    super('RAdam', params, {
      lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, decoupledWeightDecay: false, maximize: false, clipNorm: null, clipValue: null, ...options,
    });
  }

  protected override checkOptions(o: RAdamOptions, where: string): void {
    super.checkOptions(o, where);
    this.checkBetas(o.betas, where);
    this.checkNumber(o.eps, 'eps', where, { min: 0 });
    this.checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
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
      const { lr, eps } = group;
      const [beta1, beta2] = group.betas;
      if (!(s.expAvg instanceof Tensor)) {
        s.step = 0;
        s.expAvg = keep(zerosLike(p));
        s.expAvgSq = keep(zerosLike(p));
      }
      const t = (s.step = (s.step as number) + 1);
      const m = s.expAvg as Tensor, v = s.expAvgSq as Tensor;
      const g = this.directedGradient(p, grad, group);
      // m + w (g - m) is the branch of PyTorch's lerp_ for w = 1 - beta1 < 0.5: the same rounding.
      add_(m, mul(sub(g, m), 1 - beta1));
      mul_(v, beta2);
      add_(v, mul(mul(g, 1 - beta2), g));
      const bc1 = 1 - beta1 ** t, bc2 = 1 - beta2 ** t;
      const rhoInf = 2 / (1 - beta2) - 1;
      const rhoT = rhoInf - (2 * t * beta2 ** t) / bc2;
      const stepDir = mul(div(m, bc1), lr);
      if (rhoT > 5) {
        const rect = Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT));
        // PyTorch evaluates sqrt(bc2) / (sqrt(v) + eps) as a reciprocal times a scalar.
        const adaptive = mul(reciprocal(add(sqrt(v), eps)), Math.sqrt(bc2));
        sub_(p, mul(mul(stepDir, adaptive), rect));
      } else {
        sub_(p, stepDir);
      }
    });
  }
}

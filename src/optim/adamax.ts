/**
 * Adamax (torch.optim.Adamax), written with ops: Adam with the infinity norm in
 * place of the second moment. Per parameter, with g = ±grad and t its step count:
 *   g = g + weightDecay * p
 *   m = beta1 * m + (1 - beta1) * g
 *   u = max(beta2 * u, |g| + eps)
 *   p = p - lr / (1 - beta1^t) * m / u
 */
import { add, div, maximum, mul, sub } from '../ops/binary';
import { zerosLike } from '../ops/creation';
import { add_, copy_, mul_ } from '../ops/inplace';
import { abs } from '../ops/unary';
import { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/tidy';
import { Optimizer, type BaseOptions, type Closure, type Params } from './optimizer';

/**
 * Adamax's options (PyTorch's defaults: lr 2e-3, betas [0.9, 0.999], eps 1e-8).
 * @example `new optim.Adamax(params, { lr: 2e-3 })`
 */
export type AdamaxOptions = BaseOptions & {
  /** Decay rates of the first moment and of the infinity norm (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to |g| before the maximum, so the denominator is never 0 (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

/**
 * Adamax (torch.optim.Adamax): Adam's infinity-norm variant, whose step size is
 * bounded by lr / (1 - beta1^t) per element.
 * @example `const opt = new optim.Adamax(model.parameters(), { lr: 2e-3 })`
 */
export class Adamax extends Optimizer<AdamaxOptions> {
  /**
   * @example `const opt = new optim.Adamax(model.parameters(), { lr: 2e-3, betas: [0.9, 0.999] })`
   */
  constructor(params: Params<AdamaxOptions>, options: Partial<AdamaxOptions> = {}) {
    super('Adamax', params, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false, clipNorm: null, clipValue: null, ...options });
  }

  protected override checkOptions(o: AdamaxOptions, where: string): void {
    super.checkOptions(o, where);
    this.checkBetas(o.betas, where);
    this.checkNumber(o.eps, 'eps', where, { min: 0 });
    this.checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
    this.checkBoolean(o.maximize, 'maximize', where);
  }

  protected override stateTensorKeys(): string[] {
    return ['expAvg', 'expInf'];
  }

  /**
   * One update of every parameter with a gradient.
   * @example `loss.backward(); opt.step(); opt.zeroGrad()`
   */
  step(closure?: Closure): number | Tensor | undefined {
    return this.stepEachParameter(closure, (p, grad, s, group) => {
      const [beta1, beta2] = group.betas;
      if (!(s.expAvg instanceof Tensor)) {
        s.step = 0;
        s.expAvg = keep(zerosLike(p));
        s.expInf = keep(zerosLike(p));
      }
      const t = (s.step = (s.step as number) + 1);
      const m = s.expAvg as Tensor, u = s.expInf as Tensor;
      const g = this.directedGradient(p, grad, group);
      // m + w (g - m) is the branch of PyTorch's lerp_ for w = 1 - beta1 < 0.5: the same rounding.
      add_(m, mul(sub(g, m), 1 - beta1));
      // maximum() lets a NaN gradient through into u, as torch.maximum does.
      copy_(u, maximum(mul_(u, beta2), add(abs(g), group.eps)));
      add_(p, div(mul(m, -group.lr / (1 - beta1 ** t)), u));
    });
  }
}

/**
 * Rprop, resilient backpropagation (torch.optim.Rprop; Riedmiller & Braun 1993), written
 * with ops. Only the sign of the gradient is used; each element has its own step size.
 * Per parameter, with g = ±grad and prev the (possibly zeroed) gradient of the last step:
 *   f = etaPlus where g * prev > 0, etaMinus where g * prev < 0, else 1
 *   stepSize = clamp(stepSize * f, stepSizeMin, stepSizeMax)
 *   g = 0 where f == etaMinus   (the sign flipped: no move now, and no flip seen next step)
 *   p = p - sign(g) * stepSize
 *   prev = g
 * stepSize starts at lr (lr is read only then). NaN products and gradients count as
 * sign 0, as in PyTorch's CPU sign(): such an element keeps its step size and does not move.
 */
import { mul, sub, where, gt, lt, eq } from '../ops/binary';
import { full, onesLike, zerosLike } from '../ops/creation';
import { copy_ } from '../ops/inplace';
import { clamp, neg } from '../ops/unary';
import { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/tidy';
import { Optimizer, type BaseOptions, type Closure, type Params } from './optimizer';

/**
 * Rprop's options (PyTorch's defaults: lr 1e-2, etas [0.5, 1.2], stepSizes [1e-6, 50]).
 * @example `new optim.Rprop(params, { lr: 1e-3, etas: [0.5, 1.2] })`
 */
export type RpropOptions = BaseOptions & {
  /** The initial step size of every element; later changes (schedulers) have no effect on a started parameter. */
  lr: number;
  /** The step-size factors after a sign flip and after a kept sign, as the pair (etaMinus, etaPlus) with 0 < etaMinus < 1 < etaPlus (default [0.5, 1.2]). */
  etas: [number, number];
  /** [min, max] bounds of the per-element step sizes (default [1e-6, 50]). */
  stepSizes: [number, number];
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

/**
 * Rprop (torch.optim.Rprop): per-element step sizes that grow by etaPlus while the
 * gradient keeps its sign and shrink by etaMinus when it flips. Meant for full-batch
 * training: with minibatch noise the signs flip at random.
 * @example
 * const opt = new optim.Rprop(model.parameters(), { lr: 1e-2 });
 * opt.zeroGrad(); lossOf(allData).backward(); opt.step();
 */
export class Rprop extends Optimizer<RpropOptions> {
  /**
   * @example `const opt = new optim.Rprop(model.parameters(), { etas: [0.5, 1.2], stepSizes: [1e-6, 50] })`
   */
  constructor(params: Params<RpropOptions>, options: Partial<RpropOptions> = {}) {
    super('Rprop', params, { lr: 1e-2, etas: [0.5, 1.2], stepSizes: [1e-6, 50], maximize: false, clipNorm: null, clipValue: null, ...options });
  }

  protected override checkOptions(o: RpropOptions, where: string): void {
    super.checkOptions(o, where);
    const etas = o.etas as unknown, sizes = o.stepSizes as unknown;
    if (!Array.isArray(etas) || etas.length !== 2) this.fail('etas', 'must be a pair [etaMinus, etaPlus]', etas, where);
    // PyTorch's condition, 0 < etaMinus < 1 < etaPlus.
    this.checkNumber(etas[0], 'etas[0]', where, { min: 0, exclusive: true, max: 1, maxExclusive: true });
    this.checkNumber(etas[1], 'etas[1]', where, { min: 1, exclusive: true });
    // PyTorch does not check stepSizes; a negative or reversed range would make clamp's result meaningless.
    if (!Array.isArray(sizes) || sizes.length !== 2) this.fail('stepSizes', 'must be a pair [min, max]', sizes, where);
    this.checkNumber(sizes[0], 'stepSizes[0]', where, { min: 0 });
    this.checkNumber(sizes[1], 'stepSizes[1]', where, { min: sizes[0] as number });
    this.checkBoolean(o.maximize, 'maximize', where);
  }

  protected override stateTensorKeys(): string[] {
    return ['prev', 'stepSize'];
  }

  /**
   * One update of every parameter with a gradient.
   * @example `opt.zeroGrad(); loss.backward(); opt.step()`
   */
  step(closure?: Closure): number | Tensor | undefined {
    return this.stepEachParameter(closure, (p, grad, s, group) => {
      const [etaMinus, etaPlus] = group.etas, [sizeMin, sizeMax] = group.stepSizes;
      if (!(s.prev instanceof Tensor)) {
        s.step = 0;
        s.prev = keep(zerosLike(p));
        s.stepSize = keep(full(p.shape, group.lr, { dtype: p.dtype, device: p.device }));
      }
      s.step = (s.step as number) + 1;
      const prev = s.prev as Tensor, stepSize = s.stepSize as Tensor;
      const g = this.directedGradient(p, grad, group);
      // Comparisons, not sign(): a NaN product falls through to factor 1 as PyTorch's sign(NaN) = 0 does.
      const prod = mul(g, prev);
      // onesLike, not 1: where() of two plain numbers would be float32, and etaMinus must keep the parameter's dtype.
      const factor = where(gt(prod, 0), etaPlus, where(lt(prod, 0), etaMinus, onesLike(prod)));
      copy_(stepSize, clamp(mul(stepSize, factor), { min: sizeMin, max: sizeMax }));
      // After a flip the gradient is zeroed: the element does not move, and the next step sees prev = 0 (factor 1).
      const gz = where(eq(factor, etaMinus), 0, g);
      // p - sign(g) * stepSize, exactly (sign(g) * stepSize is ±stepSize or 0); NaN moves nothing, as in PyTorch.
      copy_(p, sub(p, where(gt(gz, 0), stepSize, where(lt(gz, 0), neg(stepSize), 0))));
      copy_(prev, gz);
    });
  }
}

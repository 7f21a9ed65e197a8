/**
 * Adafactor (torch.optim.Adafactor; Shazeer & Stern 2018), written with ops. Per parameter, with
 * g = ±grad and t its step count (the scalars in doubles, as PyTorch computes them in Python floats):
 *   beta2Hat = t^beta2Decay                     (the weight of the new squared gradient: 1 at t = 1)
 *   rho = min(lr, 1 / sqrt(t))                  (relative step size)
 *   alpha = max(eps2, RMS(p)) * rho             (RMS(p) = ||p||_2 / sqrt(numel), before weight decay)
 *   p = p * (1 - lr * weightDecay)              (decoupled weight decay)
 *   ndim >= 2, factored over the last two dims (R rows, C columns; leading dims are batch):
 *     rowVar = lerp(rowVar, ||g||^2 over the last dim / C, beta2Hat)       [..., R, 1]
 *     colVar = lerp(colVar, ||g||^2 over dim -2 / R, beta2Hat)             [..., 1, C]
 *     v = rowVar @ colVar / max(mean(rowVar over dim -2), eps1)
 *   ndim < 2:
 *     variance = lerp(variance, g^2, beta2Hat); v = variance
 *   u = g / sqrt(max(v, eps1^2))
 *   p = p - alpha / max(1, RMS(u) / d) * u      (update clipping at threshold d)
 * eps1 null is the machine epsilon of the parameter's dtype (torch.finfo(dtype).eps).
 */
import { div, mul } from '../ops/binary';
import { zeros } from '../ops/creation';
import { lerp } from '../ops/elementwise-extra';
import { matmul } from '../ops/matmul';
import { add_, copy_ } from '../ops/inplace';
import { mean, norm } from '../ops/reduce';
import { clamp, rsqrt, square } from '../ops/unary';
import { ArgumentError, ShapeError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { keep } from '../tensor/tidy';
import { Optimizer, type BaseOptions, type Closure, type OptimizerStateDict, type ParamState, type Params } from './optimizer';

/**
 * Adafactor's options (PyTorch's defaults: lr 1e-2, beta2Decay -0.8, eps [null, 1e-3], d 1).
 * @example `new optim.Adafactor(params, { lr: 1e-2, weightDecay: 1e-2 })`
 */
export type AdafactorOptions = BaseOptions & {
  /** The second moment's new gradient enters with weight t^beta2Decay at step t; <= 0 (default -0.8). */
  beta2Decay: number;
  /**
   * The pair `[eps1, eps2]`: eps1 bounds the second-moment estimate from below (as eps1²; null: the
   * machine epsilon of the parameter's dtype), eps2 bounds RMS(p) in the step size (default [null, 1e-3]).
   */
  eps: [number | null, number];
  /** Update clipping threshold: the update is scaled down where its RMS exceeds d; >= 1 (default 1). */
  d: number;
  /** Decoupled weight decay: p is multiplied by 1 - lr * weightDecay each step (default 0). */
  weightDecay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
};

/** torch.finfo(dtype).eps: eps1's default. */
const MACHINE_EPSILON = { float32: 2 ** -23, float64: 2 ** -52 } as const;

/**
 * Adafactor (torch.optim.Adafactor): an Adam-like optimizer without first moment whose second
 * moment, for a parameter of two or more dims, is kept as a row and a column factor over its last
 * two dims (memory R + C instead of R · C per matrix). Its step is relative to the parameter's own
 * RMS and its update is clipped to RMS d. State per parameter, under PyTorch's names: `step`, and
 * `rowVar` [..., R, 1] and `colVar` [..., 1, C] (ndim >= 2) or `variance` (shape of the parameter).
 * @example
 * const opt = new optim.Adafactor(model.parameters(), { lr: 1e-2 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 */
export class Adafactor extends Optimizer<AdafactorOptions> {
  /**
   * @example `const opt = new optim.Adafactor(model.parameters(), { lr: 1e-2, beta2Decay: -0.8, d: 1 })`
   */
  constructor(params: Params<AdafactorOptions>, options: Partial<AdafactorOptions> = {}) {
    super('Adafactor', params, {
      lr: 1e-2, beta2Decay: -0.8, eps: [null, 1e-3], d: 1, weightDecay: 0, maximize: false, clipNorm: null, clipValue: null, ...options,
    });
  }

  protected override checkOptions(o: AdafactorOptions, where: string): void {
    super.checkOptions(o, where);
    this.checkNumber(o.beta2Decay, 'beta2Decay', where, { max: 0 });
    if (!Array.isArray(o.eps) || o.eps.length !== 2) this.fail('eps', 'must be a pair [eps1 (a number or null), eps2]', o.eps, where);
    if (o.eps[0] !== null) this.checkNumber(o.eps[0], 'eps[0]', where, { min: 0 });
    this.checkNumber(o.eps[1], 'eps[1]', where, { min: 0 });
    this.checkNumber(o.d, 'd', where, { min: 1 });
    this.checkNumber(o.weightDecay, 'weightDecay', where, { min: 0 });
    this.checkBoolean(o.maximize, 'maximize', where);
  }

  protected override stateTensorKeys(): string[] {
    return ['variance'];
  }

  /**
   * Restores a state from stateDict() (see Optimizer.loadStateDict), and checks that each
   * parameter's second moment has the form its shape needs: `rowVar` [..., R, 1] and `colVar`
   * [..., 1, C] for two or more dims, `variance` otherwise. A rejected dict leaves the optimizer as it was.
   * @example `opt.loadStateDict(saved)`
   */
  override loadStateDict(sd: OptimizerStateDict<AdafactorOptions>): void {
    const groups = this.paramGroups.slice(), state = this.state;
    super.loadStateDict(sd);
    try {
      for (const [p, s] of this.state) this.checkLoadedState(p, s);
    } catch (e) {
      for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
      this.paramGroups.splice(0, this.paramGroups.length, ...groups);
      this.state = state;
      throw e;
    }
  }

  private checkLoadedState(p: Tensor, s: ParamState): void {
    const where = `${this.name}.loadStateDict: the state of a ${p.describe()} parameter`;
    if (Object.keys(s).length === 0) return;
    if (typeof s.step !== 'number' || !Number.isInteger(s.step) || s.step < 0) {
      throw new ArgumentError(`${where} must have a step count (an integer >= 0), got ${String(s.step)}`);
    }
    if (p.ndim < 2) {
      if (!(s.variance instanceof Tensor)) throw new ArgumentError(`${where} must have a variance tensor (it has ${Object.keys(s).join(', ')})`);
      return;
    }
    for (const [key, axis] of [['rowVar', -1], ['colVar', -2]] as const) {
      const want = p.shape.slice();
      want[want.length + axis] = 1;
      const v = s[key];
      if (!(v instanceof Tensor)) throw new ArgumentError(`${where} must have a ${key} tensor [${want.join(',')}] (it has ${Object.keys(s).join(', ')})`);
      if (v.shape.length !== want.length || v.shape.some((n, i) => n !== want[i])) {
        throw new ShapeError(`${where}: ${key} must be [${want.join(',')}], got ${v.describe()}`);
      }
    }
  }

  /**
   * One update of every parameter with a gradient.
   * @example `loss.backward(); opt.step(); opt.zeroGrad()`
   */
  step(closure?: Closure): number | Tensor | undefined {
    return this.stepEachParameter(closure, (p, grad, s, group) => {
      const factored = p.ndim >= 2;
      if (typeof s.step !== 'number') {
        s.step = 0;
        if (factored) {
          const rowShape = p.shape.slice(), colShape = p.shape.slice();
          rowShape[p.ndim - 1] = 1;
          colShape[p.ndim - 2] = 1;
          s.rowVar = keep(zeros(rowShape, { dtype: p.dtype, device: p.device }));
          s.colVar = keep(zeros(colShape, { dtype: p.dtype, device: p.device }));
        } else {
          s.variance = keep(zeros(p.shape, { dtype: p.dtype, device: p.device }));
        }
      }
      const t = (s.step = (s.step as number) + 1);
      // An empty parameter has nothing to update (PyTorch divides 0 by 0 here and raises).
      if (p.size === 0) return;
      const dtype = p.dtype as 'float32' | 'float64';
      const eps1 = group.eps[0] ?? MACHINE_EPSILON[dtype];
      const eps2 = group.eps[1];
      // PyTorch's lerp_ rounds a Python-float weight to the tensor's dtype first.
      const beta2Hat = dtype === 'float32' ? Math.fround(t ** group.beta2Decay) : t ** group.beta2Decay;
      const rho = Math.min(group.lr, 1 / Math.sqrt(t));
      const alpha = Math.max(eps2, norm(p).item() / Math.sqrt(p.size)) * rho;
      const g = this.directedGradient(p, grad, { lr: group.lr, maximize: group.maximize, weightDecay: group.weightDecay, decoupledWeightDecay: true });
      let v: Tensor;
      if (factored) {
        const rowVar = s.rowVar as Tensor, colVar = s.colVar as Tensor;
        const [rows, cols] = p.shape.slice(-2);
        // (g * g).mean over a dim, computed as PyTorch does: the norm squared over the size.
        copy_(rowVar, lerp(rowVar, div(square(norm(g, 2, -1, { keepdim: true })), cols), beta2Hat));
        copy_(colVar, lerp(colVar, div(square(norm(g, 2, -2, { keepdim: true })), rows), beta2Hat));
        v = div(matmul(rowVar, colVar), clamp(mean(rowVar, -2, { keepdim: true }), { min: eps1 }));
      } else {
        const variance = s.variance as Tensor;
        copy_(variance, lerp(variance, mul(g, g), beta2Hat));
        v = variance;
      }
      const update = mul(rsqrt(clamp(v, { min: eps1 * eps1 })), g);
      const denom = Math.max(1, norm(update).item() / (Math.sqrt(update.size) * group.d));
      add_(p, mul(update, -alpha / denom));
    });
  }
}

/**
 * Discriminator regularisers of the min-max game: the WGAN-GP gradient penalty
 * (Gulrajani et al. 2017), the R1 penalty (Mescheder et al. 2018) and WGAN's
 * weight clipping (Arjovsky et al. 2017). The penalties differentiate the
 * critic's input gradient, so they run `grad(..., { createGraph: true })` and
 * their backward is a second-order pass through the critic.
 */
import { grad, noGrad } from '../autograd/api';
import type { PhiloxStream } from '../backend/philox';
import { ArgumentError, ShapeError, fmtArg } from '../errors';
import { add, mul, sub } from '../ops/binary';
import { rand } from '../ops/creation';
import { clamp } from '../ops/unary';
import { copy_ } from '../ops/inplace';
import { assertTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';

/** Anything that maps a batch to outputs: a module's `call`, or a closure. */
export type Critic = (x: Tensor) => Tensor;

/** Options of `gradientPenalty` (WGAN-GP, Gulrajani et al. 2017): the target gradient norm (default 1), fixed interpolation weights alpha [N], or the generator they are drawn from. @example `gan.gradientPenalty((x) => D.call(x), real, fake, { target: 1 })` */
export interface GradientPenaltyOptions {
  /** The target gradient norm (default 1, WGAN-GP's). */
  target?: number;
  /** Interpolation weights [N] in [0, 1] (default: drawn uniformly per example). */
  alpha?: Tensor;
  /** The generator alpha is drawn from (default: the global one). */
  generator?: PhiloxStream;
}

/** Per-example L2 norm of d(sum critic)/dx at x, differentiable (createGraph). */
function inputGradientSquaredNorms(op: string, critic: Critic, x: Tensor): Tensor {
  const out = critic(x);
  const [g] = grad(out.sum(), [x], { createGraph: true });
  return g!.reshape([x.shape[0], -1]).square().sum(1);
}

/**
 * WGAN-GP's penalty E[(‖∇ₓ̂ D(x̂)‖₂ − target)²] at x̂ = αx + (1−α)x̃ on random
 * interpolates of real x and generated x̃. Unweighted: multiply by λ (10 in
 * the paper). Its gradient reaches the critic's parameters through a
 * second-order backward.
 * @example `const gp = gan.gradientPenalty((x) => D.call(x), real, fake.detach()); dLoss.add(gp.mul(10)).backward()`
 */
export function gradientPenalty(critic: Critic, real: Tensor, fake: Tensor, opts: GradientPenaltyOptions = {}): Tensor {
  const op = 'gradientPenalty';
  assertTensor(op, 'real', real);
  assertTensor(op, 'fake', fake);
  if (typeof critic !== 'function') throw new ArgumentError(`${op}: critic must be a function (x) => D(x), e.g. (x) => D.call(x)`);
  if (real.ndim === 0 || real.shape.join() !== fake.shape.join()) throw new ShapeError(`${op}: real is ${real.describe()} and fake is ${fake.describe()}: they must have the same shape [N, ...]`);
  const n = real.shape[0];
  const alphaShape = [n, ...real.shape.slice(1).map(() => 1)];
  let alpha: Tensor;
  if (opts.alpha) {
    assertTensor(op, 'alpha', opts.alpha);
    if (opts.alpha.size !== n) throw new ShapeError(`${op}: alpha is ${opts.alpha.describe()}, it needs one weight per example (${n})`);
    alpha = opts.alpha.reshape(alphaShape);
  } else {
    alpha = rand(alphaShape, { dtype: real.dtype as 'float32' | 'float64', generator: opts.generator });
  }
  const target = opts.target ?? 1;
  const xHat = noGrad(() => add(mul(alpha, real), mul(sub(1, alpha), fake)));
  xHat.requiresGrad = true;
  const norms = inputGradientSquaredNorms(op, critic, xHat).add(1e-12).sqrt();
  return sub(norms, target).square().mean();
}

/**
 * The R1 penalty E[‖∇ₓ D(x)‖₂²] on real data (unweighted: multiply by γ/2).
 * @example `const r1 = gan.r1Penalty((x) => D.call(x), real); dLoss.add(r1.mul(gamma / 2)).backward()`
 */
export function r1Penalty(critic: Critic, real: Tensor): Tensor {
  const op = 'r1Penalty';
  assertTensor(op, 'real', real);
  if (typeof critic !== 'function') throw new ArgumentError(`${op}: critic must be a function (x) => D(x), e.g. (x) => D.call(x)`);
  if (real.ndim === 0) throw new ShapeError(`${op}: real is ${real.describe()}: it must be a batch [N, ...]`);
  const x = noGrad(() => real.clone());
  x.requiresGrad = true;
  return inputGradientSquaredNorms(op, critic, x).mean();
}

/**
 * WGAN's weight clipping: clamps every parameter in place to [-c, c] (call it
 * after each critic step).
 * @example `gan.clipWeights(critic.parameters(), 0.01)`
 */
export function clipWeights(params: Iterable<Tensor>, c: number): void {
  if (typeof c !== 'number' || !(c > 0)) throw new ArgumentError(`clipWeights: c must be a positive number, got ${fmtArg(c)}`);
  noGrad(() => {
    for (const p of params) tidy(() => { copy_(p, clamp(p, { min: -c, max: c })); });
  });
}

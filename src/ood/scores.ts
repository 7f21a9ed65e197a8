/**
 * Out-of-distribution scores from a classifier, each oriented so that a
 * HIGHER score means MORE in-distribution (then a threshold accepts inputs
 * above it, and the metrics take in-distribution as the positive class):
 *
 * - maximum softmax probability (Hendrycks & Gimpel 2017): max_k softmax(f(x))_k
 * - energy (Liu et al. 2020): the negative free energy T · logsumexp(f(x) / T)
 * - ODIN (Liang et al. 2018): max_k softmax(f(x̃) / T)_k on the input nudged
 *   towards a more confident prediction, x̃ = x − ε · sign(∇ₓ CE(f(x) / T, ŷ))
 *   with ŷ the predicted class; a large T (1000) and a small ε spread the
 *   in-distribution scores further from the OOD ones than plain MSP.
 */
import { grad, noGrad } from '../autograd/api';
import { ArgumentError, ShapeError, fmtArg } from '../errors';
import { crossEntropy } from '../losses/classification';
import { sub } from '../ops/binary';
import { amax, logsumexp } from '../ops/reduce';
import { softmax } from '../ops/softmax';
import { sign } from '../ops/unary';
import { assertTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';

function checkLogits(op: string, logits: Tensor): void {
  assertTensor(op, 'logits', logits);
  if (logits.ndim !== 2) throw new ShapeError(`${op}: logits must be [N, classes], got ${logits.describe()}`);
}

function checkTemperature(op: string, t: unknown): number {
  if (typeof t !== 'number' || !(t > 0)) throw new ArgumentError(`${op}: temperature must be a positive number, got ${fmtArg(t)}`);
  return t;
}

/**
 * Maximum softmax probability per example: [N].
 * @example `const s = ood.mspScore(model.call(x))`
 */
export function mspScore(logits: Tensor, opts: { temperature?: number } = {}): Tensor {
  checkLogits('mspScore', logits);
  const t = checkTemperature('mspScore', opts.temperature ?? 1);
  return noGrad(() => amax(softmax(t === 1 ? logits : logits.div(t), 1), 1));
}

/**
 * The negative free energy T · logsumexp(logits / T) per example: [N].
 * @example `const s = ood.energyScore(model.call(x))`
 */
export function energyScore(logits: Tensor, opts: { temperature?: number } = {}): Tensor {
  checkLogits('energyScore', logits);
  const t = checkTemperature('energyScore', opts.temperature ?? 1);
  return noGrad(() => logsumexp(t === 1 ? logits : logits.div(t), 1).mul(t));
}

export interface OdinOptions {
  /** Softmax temperature (default 1000). */
  temperature?: number;
  /** Input perturbation size (default 0.0014, the paper's CIFAR value; tune on validation data). */
  epsilon?: number;
}

/**
 * ODIN's score per example: [N]. `model` maps inputs to logits; it is run
 * twice (with a gradient to the input, then on the perturbed input).
 * @example `const s = ood.odinScore((x) => model.call(x), images, { temperature: 1000, epsilon: 0.002 })`
 */
export function odinScore(model: (x: Tensor) => Tensor, x: Tensor, opts: OdinOptions = {}): Tensor {
  const op = 'odinScore';
  if (typeof model !== 'function') throw new ArgumentError(`${op}: model must be a function (x) => logits, e.g. (x) => net.call(x)`);
  assertTensor(op, 'x', x);
  const t = checkTemperature(op, opts.temperature ?? 1000);
  const eps = opts.epsilon ?? 0.0014;
  if (typeof eps !== 'number' || !(eps >= 0)) throw new ArgumentError(`${op}: epsilon must be a number >= 0, got ${fmtArg(eps)}`);
  return tidy(() => {
    const input = noGrad(() => x.clone());
    input.requiresGrad = true;
    const logits = model(input);
    checkLogits(op, logits);
    const predicted = noGrad(() => logits.argmax(1));
    const [g] = grad(crossEntropy(logits.div(t), predicted, { reduction: 'sum' }), [input]);
    const nudged = noGrad(() => sub(input, sign(g!).mul(eps)));
    return noGrad(() => amax(softmax(model(nudged).div(t), 1), 1));
  });
}

/**
 * The adversarial losses, written on the discriminator's raw outputs (logits
 * for the probabilistic losses, critic values for Wasserstein). Each returns a
 * scalar to minimise:
 *
 * | kind | discriminator | generator |
 * | --- | --- | --- |
 * | `minimax` (Goodfellow 2014) | softplus(-D(x)) + softplus(D(G(z))) | -softplus(D(G(z))) = log(1 - σ(D(G(z)))) |
 * | `nonSaturating` | same | softplus(-D(G(z))) = -log σ(D(G(z))) |
 * | `hinge` (Lim & Ye 2017, Miyato 2018) | relu(1 - D(x)) + relu(1 + D(G(z))) | -D(G(z)) |
 * | `wasserstein` (Arjovsky 2017) | D(G(z)) - D(x) | -D(G(z)) |
 *
 * (each averaged over the batch). `minimax` is the original objective, whose
 * generator gradient vanishes when the discriminator wins; it is here to show
 * exactly that.
 */
import { ArgumentError, fmtArg } from '../errors';
import { neg, relu, softplus } from '../ops/unary';
import { assertTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';

export type GanLossKind = 'minimax' | 'nonSaturating' | 'hinge' | 'wasserstein';

export const GAN_LOSS_KINDS: readonly GanLossKind[] = ['minimax', 'nonSaturating', 'hinge', 'wasserstein'];

export function checkLossKind(op: string, kind: unknown): GanLossKind {
  if (!GAN_LOSS_KINDS.includes(kind as GanLossKind)) throw new ArgumentError(`${op}: loss must be one of ${GAN_LOSS_KINDS.join(', ')}, got ${fmtArg(kind)}`);
  return kind as GanLossKind;
}

/**
 * The discriminator's (critic's) loss on real and generated outputs.
 * @example `const dLoss = gan.discriminatorLoss(D.call(real), D.call(fake), 'hinge')`
 */
export function discriminatorLoss(realOut: Tensor, fakeOut: Tensor, kind: GanLossKind = 'nonSaturating'): Tensor {
  const op = 'discriminatorLoss';
  assertTensor(op, 'realOut', realOut);
  assertTensor(op, 'fakeOut', fakeOut);
  switch (checkLossKind(op, kind)) {
    case 'minimax':
    case 'nonSaturating':
      return softplus(neg(realOut)).mean().add(softplus(fakeOut).mean());
    case 'hinge':
      return relu(neg(realOut).add(1)).mean().add(relu(fakeOut.add(1)).mean());
    case 'wasserstein':
      return fakeOut.mean().sub(realOut.mean());
  }
}

/**
 * The generator's loss on the discriminator's outputs for generated samples.
 * @example `const gLoss = gan.generatorLoss(D.call(G.call(z)), 'nonSaturating')`
 */
export function generatorLoss(fakeOut: Tensor, kind: GanLossKind = 'nonSaturating'): Tensor {
  const op = 'generatorLoss';
  assertTensor(op, 'fakeOut', fakeOut);
  switch (checkLossKind(op, kind)) {
    case 'minimax':
      return neg(softplus(fakeOut).mean());
    case 'nonSaturating':
      return softplus(neg(fakeOut)).mean();
    case 'hinge':
    case 'wasserstein':
      return neg(fakeOut.mean());
  }
}

/**
 * The probs-or-logits parameter of the discrete distributions (Bernoulli, Categorical, ...):
 * exactly one is given; the other is derived on first use, as PyTorch's lazy_property.
 */
import { ArgumentError, fmtArg } from '../errors';
import { Tensor } from '../tensor/tensor';
import type { Param } from './utils';

/** The parameter of a Bernoulli or Categorical: probabilities or logits, exactly one of them. @example `{ logits: tensor([0.3, -1]) }` */
export interface ProbsOrLogits {
  /** Probabilities (Bernoulli: in [0, 1]; Categorical: nonnegative, normalised along the last dim). */
  probs?: Param;
  /** Log-odds (Bernoulli) or unnormalised log-probabilities (Categorical). */
  logits?: Param;
}

/** Which one was given, and its value; a Tensor or number alone means probs (PyTorch's first positional argument). */
export function probsOrLogits(dist: string, arg: Param | ProbsOrLogits): { kind: 'probs' | 'logits'; value: Param } {
  if (arg instanceof Tensor || typeof arg === 'number') return { kind: 'probs', value: arg };
  if (arg === null || typeof arg !== 'object') {
    throw new ArgumentError(`${dist}: expected probs (a Tensor or number) or { probs } or { logits }, got ${arg === null ? 'null' : typeof arg}`);
  }
  const hasP = arg.probs !== undefined, hasL = arg.logits !== undefined;
  if (hasP === hasL) {
    throw new ArgumentError(`${dist}: give exactly one of probs and logits, got ${hasP ? 'both' : 'neither'}${hasP ? '' : ` (keys: ${fmtArg(Object.keys(arg).join(', ') || 'none')})`}`);
  }
  return hasP ? { kind: 'probs', value: arg.probs! } : { kind: 'logits', value: arg.logits! };
}

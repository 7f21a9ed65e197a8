/**
 * A success probability given either as probs or as logits (log-odds), the other derived on first
 * use (PyTorch's lazy_property pair), for the distributions built on Bernoulli trials that came
 * with the gamma family (Geometric, Binomial).
 */
import { sigmoid } from '../ops/unary';
import type { Tensor } from '../tensor/tensor';
import { expandParam } from './distribution';
import { derived, probsToLogits } from './utils';

/** The parameter a distribution was given, and its probs/logits views. @example `new BinaryProbs('logits', l).probs` */
export class BinaryProbs {
  private probsCache: Tensor | null;
  private logitsCache: Tensor | null;

  /** @param kind which one `value` is. */
  constructor(readonly kind: 'probs' | 'logits', value: Tensor) {
    this.probsCache = kind === 'probs' ? value : null;
    this.logitsCache = kind === 'logits' ? value : null;
  }

  /** The tensor as given. */
  get param(): Tensor { return (this.kind === 'probs' ? this.probsCache : this.logitsCache)!; }

  /** Probabilities (sigmoid of the logits when logits were given). */
  get probs(): Tensor {
    return derived(this.probsCache, this.logitsCache!, sigmoid, (t) => { this.probsCache = t; });
  }

  /** Log-odds (of the probs clamped to [eps, 1 - eps] when probs were given). */
  get logits(): Tensor {
    return derived(this.logitsCache, this.probsCache!, (t) => probsToLogits(t, true), (t) => { this.logitsCache = t; });
  }

  /** The same parameter expanded to batchShape. */
  expand(batchShape: number[]): BinaryProbs {
    return new BinaryProbs(this.kind, expandParam(this.param, batchShape));
  }

  /** `probs: 0.3` or `logits: float32[2]`, for a distribution's toString. */
  describe(): string {
    const t = this.param;
    return `${this.kind}: ${t.numel() === 1 ? t.item() : t.describe()}`;
  }
}

/**
 * Gradient clipping over a set of parameters, as torch.nn.utils.clip_grad_norm_
 * and clip_grad_value_: both change p.grad in place. (Per-parameter, Keras-style
 * clipping is the `clipNorm` / `clipValue` option of every optimizer.)
 */
import { noGrad } from '../autograd/api';
import { ArgumentError, fmtArg } from '../errors';
import { foreachNorm, foreachScale_ } from '../ops/foreach';
import { copy_ } from '../ops/inplace';
import { clamp } from '../ops/unary';
import { Tensor } from '../tensor/tensor';
import { tidy } from '../tensor/tidy';

/** Norm type and the non-finite check of `clipGradNorm`. @example `clipGradNorm(params, 1.0, { normType: 2 })` */
export interface ClipGradNormOptions {
  /** The p of the norm: a positive number or Infinity (max |g|). Default 2. */
  normType?: number;
  /** Throw when the total norm is NaN or infinite (default false: the gradients then become NaN, as in PyTorch). */
  errorIfNonfinite?: boolean;
}

function gradsOf(op: string, params: Tensor | Iterable<Tensor>): Tensor[] {
  if (params instanceof Tensor) params = [params];
  if (params === null || params === undefined || typeof (params as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new ArgumentError(`${op}: params must be a Tensor or an iterable of Tensors, got ${fmtArg(params)}`);
  }
  const grads: Tensor[] = [];
  let i = 0;
  for (const p of params) {
    if (!(p instanceof Tensor)) throw new ArgumentError(`${op}: params[${i}] must be a Tensor, got ${p === null ? 'null' : typeof p}`);
    if (p.grad !== null) grads.push(p.grad);
    i++;
  }
  return grads;
}

/**
 * Rescales the gradients of `params` together so that their total norm (the
 * norm of the per-parameter norms) is at most maxNorm: every gradient is
 * multiplied by min(1, maxNorm / (total + 1e-6)).
 *
 * Returns the total norm before clipping as a number (PyTorch returns a 0-d
 * tensor; a number is what training loops log, and it costs no tensor). 0 when
 * no parameter has a gradient.
 * @example `const total = clipGradNorm(model.parameters(), 1.0)`
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, opts: ClipGradNormOptions = {}): number {
  const op = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new ArgumentError(`${op}: maxNorm must be a number >= 0, got ${fmtArg(maxNorm)}`);
  const p = opts.normType ?? 2;
  if (typeof p !== 'number' || !(p > 0)) throw new ArgumentError(`${op}: normType must be a positive number or Infinity, got ${fmtArg(p)}`);
  const grads = gradsOf(op, params);
  if (grads.length === 0) return 0;
  return noGrad(() => {
    // One pass over all gradients for their norms, one to scale them (foreach kernels).
    const norms = foreachNorm(grads, p);
    let total: number;
    if (p === Infinity) total = Math.max(...norms);
    else if (norms.some((n) => Number.isNaN(n))) total = NaN;
    else total = norms.length === 1 ? norms[0] : norms.reduce((s, n) => s + n ** p, 0) ** (1 / p);
    if (opts.errorIfNonfinite && !Number.isFinite(total)) {
      throw new ArgumentError(`${op}: the total norm of order ${p} of the gradients is ${total}, so they cannot be clipped; pass errorIfNonfinite: false to clip anyway`);
    }
    const coef = maxNorm / (total + 1e-6);
    // min(coef, 1) with NaN kept (NaN gradients stay NaN, as in PyTorch); coef == 1 changes nothing.
    if (!(coef >= 1)) foreachScale_(grads, coef);
    return total;
  });
}

/**
 * Clamps every gradient element of `params` to [-clipValue, clipValue] in place.
 * @example `clipGradValue(model.parameters(), 0.5)`
 */
export function clipGradValue(params: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue';
  if (typeof clipValue !== 'number' || !(clipValue >= 0) || !Number.isFinite(clipValue)) {
    throw new ArgumentError(`${op}: clipValue must be a finite number >= 0, got ${fmtArg(clipValue)}`);
  }
  const grads = gradsOf(op, params);
  noGrad(() => tidy(() => {
    for (const g of grads) copy_(g, clamp(g, { min: -clipValue, max: clipValue }));
  }));
}

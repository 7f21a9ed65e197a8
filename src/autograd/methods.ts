/** Autograd methods on Tensor (`loss.backward()`, `x.detach()`), attached from this layer. */
import { Tensor, type GradHook } from '../tensor/tensor';
import { backward, detach, registerHook, retainGrad, type BackwardOptions } from './api';

declare module '../tensor/tensor' {
  interface Tensor {
    /** @example `loss.backward()` or `loss.backward({ retainGraph: true })` */
    backward(gradient?: Tensor | BackwardOptions, opts?: BackwardOptions): void;
    /** @example `const y = x.detach()` */
    detach(): Tensor;
    /** @example `h.retainGrad()` */
    retainGrad(): void;
    /** @example `x.registerHook((g) => g.clamp({ min: -1, max: 1 }))` */
    registerHook(hook: GradHook): () => void;
  }
}

const P = Tensor.prototype;
P.backward = function (this: Tensor, gradient?: Tensor | BackwardOptions, opts?: BackwardOptions) { backward(this, gradient, opts); };
P.detach = function (this: Tensor) { return detach(this); };
P.retainGrad = function (this: Tensor) { retainGrad(this); };
P.registerHook = function (this: Tensor, hook: GradHook) { return registerHook(this, hook); };

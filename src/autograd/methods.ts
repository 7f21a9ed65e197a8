/** Autograd methods on Tensor (`loss.backward()`, `x.detach()`), attached from this layer. */
import { Tensor, type GradHook } from '../tensor/tensor';
import { backward, detach, registerHook, retainGrad, type BackwardOptions } from './api';


const P = Tensor.prototype;
P.backward = function (this: Tensor, gradient?: Tensor | BackwardOptions, opts?: BackwardOptions) { backward(this, gradient, opts); };
P.detach = function (this: Tensor) { return detach(this); };
P.retainGrad = function (this: Tensor) { retainGrad(this); };
P.registerHook = function (this: Tensor, hook: GradHook) { return registerHook(this, hook); };

/** Native fused optimizer updates: thin wrappers that pass the scalars positionally (native/bindings/optim.cc's order). */
import type { Backend } from '../backend';
import type { NativeBinding } from './binding';

type OptimKernels = Pick<Backend, 'sgdStep' | 'adamStep' | 'rmspropStep' | 'foreachNorm' | 'foreachScale'>;

export function optimKernels(addon: NativeBinding): OptimKernels {
  return {
    sgdStep: (params, grads, bufs, fresh, o) =>
      addon.sgdStep(params, grads, bufs, fresh, o.lr, o.momentum, o.dampening, o.weightDecay, o.nesterov, o.maximize),
    adamStep: (params, grads, m, v, vmax, stepSize, bias2Sqrt, o) =>
      addon.adamStep(params, grads, m, v, vmax, stepSize, bias2Sqrt, o.beta1, o.beta2, o.eps, o.weightDecay, o.decay, o.maximize),
    rmspropStep: (params, grads, sq, ga, bufs, o) =>
      addon.rmspropStep(params, grads, sq, ga, bufs, o.lr, o.alpha, o.eps, o.weightDecay, o.momentum, o.maximize),
    foreachNorm: (arrays, p, out) => addon.foreachNorm(arrays, p, out),
    foreachScale: (arrays, scale) => addon.foreachScale(arrays, scale),
  };
}

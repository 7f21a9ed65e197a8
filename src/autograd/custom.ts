/** User-defined differentiable functions. */
import { ArgumentError, ShapeError, fmtShape } from '../errors';
import { record } from '../ops/record';
import { clone } from '../ops/shape';
import { assertTensor } from '../ops/util';
import { shapesEqual } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { noGrad } from './api';

/** A custom differentiable op: forward and backward written by hand. @example `const square = customOp({ forward: (x) => x.mul(x), backward: (g, [x]) => [g.mul(x).mul(2)] })` */
export interface CustomOpSpec {
  /** Shown in errors and anomaly reports. */
  name?: string;
  /** Computes the output; runs without recording. */
  forward: (...inputs: Tensor[]) => Tensor;
  /** Gradient per input given the output gradient; write it with ops to make it twice differentiable. */
  backward: (gradOutput: Tensor, inputs: Tensor[], output: Tensor) => (Tensor | null)[];
}

/**
 * Makes a differentiable op from a forward and a backward.
 * @example
 * const cube = customOp({ forward: (x) => x.mul(x).mul(x), backward: (g, [x]) => [g.mul(x.square().mul(3))] });
 */
export function customOp(spec: CustomOpSpec): (...inputs: Tensor[]) => Tensor {
  if (!spec || typeof spec.forward !== 'function' || typeof spec.backward !== 'function') {
    throw new ArgumentError('customOp: spec needs forward and backward functions');
  }
  const name = spec.name ?? 'customOp';
  return (...inputs: Tensor[]): Tensor => {
    inputs.forEach((t, i) => assertTensor(name, `inputs[${i}]`, t));
    const result = noGrad(() => spec.forward(...inputs));
    assertTensor(name, 'forward result', result);
    // The node goes on a tensor of the op's own: a forward that returns an input (or a
    // tensor with a graph of its own) gets a copy, so the input keeps its identity.
    const out = inputs.includes(result) || result.requiresGrad ? noGrad(() => clone(result)) : result;
    return record(out, name, inputs, (g) => {
      const grads = spec.backward(g, inputs, out);
      if (!Array.isArray(grads) || grads.length !== inputs.length) {
        throw new ArgumentError(`${name}: backward returned ${Array.isArray(grads) ? grads.length : typeof grads} gradients for ${inputs.length} inputs`);
      }
      grads.forEach((gi, i) => {
        if (gi && !shapesEqual(gi.shape, inputs[i].shape)) {
          throw new ShapeError(`${name}: backward gave a gradient of shape ${fmtShape(gi.shape)} for input ${i} of shape ${fmtShape(inputs[i].shape)}`);
        }
      });
      return grads;
    }, [...inputs, out]);
  };
}

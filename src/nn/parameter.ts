/**
 * Parameter: a leaf tensor that requires grad and that a Module lists in
 * parameters() and stateDict(). It survives every tidy(): it belongs to its
 * module, not to the scope that created it.
 */
import { ArgumentError, DTypeError } from '../errors';
import { isFloat } from '../tensor/dtype';
import { trackTensor, untrackTensor } from '../tensor/storage';
import { Tensor } from '../tensor/tensor';

/**
 * A trainable tensor of a Module. It shares storage with the tensor it was
 * made from and is always a leaf.
 * @example `const w = new Parameter(randn([3, 4]))`
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) throw new ArgumentError(`Parameter: data must be a Tensor, got ${data === null ? 'null' : typeof data}`);
    if (data.isDisposed) throw new ArgumentError(`Parameter: data ${data.describe()} was disposed`);
    if (requiresGrad && !isFloat(data.dtype)) throw new DTypeError(`Parameter: only float tensors can require grad, got ${data.describe()}`);
    super(data.storage, data.shape.slice(), data.dtype);
    this.kept = true;
    this.requiresGrad = requiresGrad;
  }

  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/**
 * Wraps a tensor as a Parameter (sharing its storage, cut from any graph).
 * @example `this.scale = parameter(ones([dim]))`
 */
export function parameter(t: Tensor, opts?: { requiresGrad?: boolean }): Parameter {
  return new Parameter(t, opts?.requiresGrad ?? true);
}

/**
 * @internal Replaces a tensor's data in place with `next`'s (same shape, maybe another
 * dtype), as PyTorch's `param.data = ...`: every holder of the tensor (a module
 * field, an optimizer's list) sees the new values. `next` is disposed.
 */
export function swapTensorData(t: Tensor, next: Tensor): void {
  if (t === next) return;
  untrackTensor(t.storage);
  t.storage = next.storage;
  (t as { dtype: Tensor['dtype'] }).dtype = next.dtype;
  trackTensor(t.storage);
  next.dispose();
}

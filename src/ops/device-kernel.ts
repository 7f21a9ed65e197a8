/** The backend for an op whose kernel may be missing on the tensor's device, refused in the op's own name. */
import type { Backend } from '../backend/backend';
import { CUDA_KERNELS } from '../backend/cuda/kernels';
import { backendFor } from '../backend/device';
import { BackendError } from '../errors';
import type { Device } from '../tensor/device';
import type { Tensor } from '../tensor/tensor';

type KernelName = Exclude<keyof Backend, 'name'>;

/** @internal Whether the backend of `device` has `kernel` (the cpu backends have them all). */
export function deviceHasKernel(device: Device, kernel: KernelName): boolean {
  return device === 'cpu' || (CUDA_KERNELS as readonly string[]).includes(kernel);
}

/**
 * @internal The kernels of x's device, checked to have `kernel` before the op allocates anything: a cuda
 * tensor whose op has no CUDA kernel gets a BackendError naming the op the user called (`cumsum`), not
 * the kernel behind it (`scan`).
 */
export function backendWithKernel(op: string, kernel: KernelName, x: Tensor): Backend {
  if (!deviceHasKernel(x.device, kernel)) {
    throw new BackendError(`${op}: x ${x.describe()} is on ${x.device}, and ${op} has no CUDA kernel yet (its kernel '${kernel}' runs on the cpu only); `
      + `move the tensor with .to('cpu') first, or see docs/cuda.md for the ops that run on cuda`);
  }
  return backendFor(x.device);
}

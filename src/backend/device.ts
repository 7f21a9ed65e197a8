/** Kernel dispatch by device: the cpu backend (native or reference) or the CUDA backend. */
import type { Device } from '../tensor/device';
import type { Backend } from './backend';
import { cudaBackend } from './cuda/index';
import { backend } from './index';

/** @internal The kernels for tensors on `device` (throws the reason where CUDA is not available). */
export function backendFor(device: Device): Backend {
  return device === 'cpu' ? backend() : cudaBackend();
}

/**
 * Devices. A tensor lives on 'cpu' (a typed array allocated in JS) or on 'cuda' (device
 * memory owned by the addon's CUDA kernels, src/backend/cuda). A cuda storage's `data` is an
 * empty typed array of the tensor's dtype, a *tag* that stands for its device buffer: the
 * CUDA backend maps tags to buffers, so ops hand a kernel `deviceValues` whatever the
 * device, and the one Backend interface serves both. Reading a cuda tensor's elements on
 * the host (`values`) is refused with the op's name instead of yielding an empty array.
 */
import { ArgumentError, BackendError } from '../errors';
import type { TypedArray } from './dtype';

/** Where a tensor's elements live. @example `x.to('cuda').device // 'cuda'` */
export type Device = 'cpu' | 'cuda';

/** Whether `v` names a device ('cpu', 'cuda' or 'cuda:0'). */
export function isDeviceName(v: unknown): v is Device | 'cuda:0' {
  return v === 'cpu' || v === 'cuda' || v === 'cuda:0';
}

/** Normalises a device argument ('cuda:0' is the one GPU used, 'cuda'). */
export function parseDevice(op: string, v: unknown): Device {
  if (v === 'cpu') return 'cpu';
  if (v === 'cuda' || v === 'cuda:0') return 'cuda';
  throw new ArgumentError(`${op}: device must be 'cpu' or 'cuda' (or 'cuda:0'), got ${typeof v === 'string' ? `'${v}'` : String(v)}`);
}

/** What the CUDA backend registers here (the tensor layer does not import it). */
export interface DeviceMemory {
  /** Elements of the device buffer a tag stands for. */
  length(tag: TypedArray): number;
  /** Frees the buffer now (back to the stream-ordered cache). */
  release(tag: TypedArray): void;
}

let deviceMemory: DeviceMemory | null = null;

/** @internal Called once by src/backend/cuda when it loads. */
export function setDeviceMemory(m: DeviceMemory): void {
  deviceMemory = m;
}

/** @internal The registered device memory; only cuda storages reach here, and they exist only once it is set. */
export function deviceMemoryOf(): DeviceMemory {
  if (!deviceMemory) throw new BackendError('a cuda storage exists but no CUDA backend is registered');
  return deviceMemory;
}

// The op that last checked a cuda argument (ops/util.ts assertTensor notes it), so that the
// refusal to read device memory on the host can say which op lacks a CUDA kernel.
let lastDeviceOp = '';

/** @internal */
export function noteDeviceOp(op: string): void {
  lastDeviceOp = op;
}

/** The error for host reads of a cuda tensor (an op without a CUDA kernel). */
export function hostReadError(what: string): BackendError {
  const op = lastDeviceOp ? `${lastDeviceOp}: ` : '';
  return new BackendError(`${op}${what} is on cuda, and ${lastDeviceOp ? 'this op' : 'the op'} has no CUDA kernel (it reads the elements on the host); `
    + 'move the tensor with .to(\'cpu\') first, or see docs/cuda.md for the ops that run on cuda');
}

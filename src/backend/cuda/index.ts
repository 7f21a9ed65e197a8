/**
 * CUDA device state: whether the addon has working CUDA kernels (and why not), device
 * buffers behind the tags of cuda storages (tensor/device.ts), host<->device copies, and
 * the CUDA Backend. Buffers come from the addon's stream-ordered caching allocator
 * (cudaMallocAsync); dispose()/tidy() return them at once, and a FinalizationRegistry frees
 * the buffer of a cuda tensor that was dropped without dispose() once it is collected.
 */
import { BackendError } from '../../errors';
import { setDeviceMemory } from '../../tensor/device';
import type { DType, TypedArray } from '../../tensor/dtype';
import { Storage } from '../../tensor/storage';
import { setDownloadHook, Tensor } from '../../tensor/tensor';
import type { Backend } from '../backend';
import { nativeAddon } from '../index';
import type { CudaBinding, CudaInfo, CudaMemoryInfo } from './binding';
import { makeCudaBackend } from './kernels';

/** What `cudaInfo()` reports. @example `const { available, reason, name } = cudaInfo()` */
export interface CudaStatus {
  /** Whether tensors can move to 'cuda' in this process. */
  available: boolean;
  /** Why not, when not available ('' when it is). */
  reason: string;
  /** Whether the loaded addon holds the CUDA kernels (built with LATTICE_CUDA=1). */
  built: boolean;
  devices: number;
  /** Device 0's name and compute capability ('' without a device). */
  name: string;
  capability: string;
  totalBytes: number;
  /** CUDA runtime and driver versions as 1000*major + 10*minor (driver 0: none installed). */
  runtimeVersion: number;
  driverVersion: number;
}

interface DeviceBuffer { handle: number; length: number }

const DTYPE_CODE: Record<DType, number> = { float32: 0, float64: 1, int32: 2, bool: 3 };

interface State { binding: CudaBinding | null; status: CudaStatus; backend: Backend | null }
let state: State | null = null;
// undefined: the loaded addon's bindings; otherwise what useCudaBinding installed (tests).
let override: CudaBinding | null | undefined;

const buffers = new WeakMap<TypedArray, DeviceBuffer>();
// The binding that made each live buffer frees it, even after useCudaBinding switched.
const owners = new WeakMap<TypedArray, CudaBinding>();
const backstop = new FinalizationRegistry<{ binding: CudaBinding; handle: number }>(({ binding, handle }) => {
  try {
    binding.cudaFree(handle);
  } catch {
    // the addon is gone (process teardown): nothing to free
  }
});

function notBuilt(reason: string): CudaStatus {
  return { available: false, reason, built: false, devices: 0, name: '', capability: '', totalBytes: 0, runtimeVersion: 0, driverVersion: 0 };
}

function init(): State {
  let binding: CudaBinding | null;
  let status: CudaStatus;
  if (override !== undefined) {
    binding = override;
  } else {
    const addon = nativeAddon() as unknown as (Partial<CudaBinding> & { info(): { cudaReason?: string } }) | null;
    binding = addon && typeof addon.cudaInfo === 'function' ? (addon as CudaBinding) : null;
    if (!binding) {
      const why = !addon
        ? 'the native addon is not loaded (reference backend); CUDA needs the addon built from source with LATTICE_CUDA=1'
        : addon.info().cudaReason ?? 'this addon was built without CUDA (build from source with LATTICE_CUDA=1 where nvcc is installed)';
      return { binding: null, status: notBuilt(why), backend: null };
    }
  }
  if (!binding) return { binding: null, status: notBuilt('CUDA was switched off (useCudaBinding(null))'), backend: null };
  const info: CudaInfo = binding.cudaInfo();
  status = { ...info, reason: info.available ? '' : info.reason };
  const b = binding;
  return { binding: b, status, backend: status.available ? makeCudaBackend(b, handleOf) : null };
}

function current(): State {
  return state ?? (state = init());
}

function handleOf(tag: TypedArray): number {
  const buf = buffers.get(tag);
  if (!buf) throw new BackendError('a cuda kernel was given host memory (an op passed a cpu tensor to a cuda kernel)');
  return buf.handle;
}

/** The device state, or the error that says why tensors cannot move to cuda. */
function ready(op: string): CudaBinding & object {
  const s = current();
  if (!s.status.available || !s.binding) throw new BackendError(`${op}: CUDA is not available: ${s.status.reason}`);
  return s.binding;
}

/** @internal The CUDA Backend; throws the reason where there is none. */
export function cudaBackend(): Backend {
  ready('cuda');
  return current().backend!;
}

/** @internal Replaces the addon's CUDA bindings (tests: a host emulation; null: none); undefined restores the addon's. */
export function useCudaBinding(binding: CudaBinding | null | undefined): void {
  override = binding;
  state = null;
}

/** @internal A fresh, unfilled device buffer, returned as its tag. */
export function allocDevice(op: string, dtype: DType, length: number): TypedArray {
  const binding = ready(op);
  const handle = binding.cudaAlloc(DTYPE_CODE[dtype], length);
  const tag = emptyTag(dtype);
  buffers.set(tag, { handle, length });
  owners.set(tag, binding);
  backstop.register(tag, { binding, handle }, tag);
  return tag;
}

function emptyTag(dtype: DType): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(0);
    case 'float64': return new Float64Array(0);
    case 'int32': return new Int32Array(0);
    default: return new Uint8Array(0);
  }
}

function releaseTag(tag: TypedArray): void {
  const buf = buffers.get(tag);
  const owner = owners.get(tag);
  if (!buf || !owner) return;
  buffers.delete(tag);
  owners.delete(tag);
  backstop.unregister(tag);
  owner.cudaFree(buf.handle);
}

setDeviceMemory({ length: (tag) => buffers.get(tag)?.length ?? 0, release: releaseTag });
setDownloadHook((t) => {
  const out = hostArray(t.dtype, t.size);
  ownerOf(t).cudaDownload(handleOf(t.deviceValues), out);
  return out;
});

function ownerOf(t: Tensor): CudaBinding {
  const owner = owners.get(t.deviceValues);
  if (!owner) throw new BackendError(`tensor ${t.describe()} is on cuda but its buffer was freed`);
  return owner;
}

function hostArray(dtype: DType, n: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int32': return new Int32Array(n);
    default: return new Uint8Array(n);
  }
}

/** @internal A new cuda tensor (no graph) holding a copy of the cpu tensor x. */
export function uploadTensor(op: string, x: Tensor): Tensor {
  const tag = allocDevice(op, x.dtype, x.size);
  ready(op).cudaUpload(handleOf(tag), x.values);
  return new Tensor(new Storage(tag, x.dtype, 'cuda'), x.shape.slice(), x.dtype);
}

/** @internal A new cpu tensor (no graph) holding a copy of the cuda tensor x. */
export function downloadTensor(x: Tensor): Tensor {
  return Tensor.fromData(x.data(), x.shape.slice(), x.dtype);
}

/** @internal Sets every element of the cuda tensor t to value. */
export function fillDevice(t: Tensor, value: number): void {
  ownerOf(t).cudaFill(handleOf(t.deviceValues), value);
}

/** @internal A new cuda tensor of `shape`, filled with fillValue unless it is null. */
export function deviceTensor(op: string, shape: number[], dtype: DType, fillValue: number | null): Tensor {
  let n = 1;
  for (const s of shape) n *= s;
  const tag = allocDevice(op, dtype, n);
  if (fillValue !== null) ready(op).cudaFill(handleOf(tag), fillValue);
  return new Tensor(new Storage(tag, dtype, 'cuda'), shape, dtype);
}

/**
 * Whether CUDA is usable here and why not: the addon must be built with LATTICE_CUDA=1 (a
 * source build where nvcc is installed) and find a GPU of compute capability 8.0 or newer
 * with its driver.
 * @example `const c = cudaInfo(); if (!c.available) console.log(c.reason)`
 */
export function cudaInfo(): CudaStatus {
  return { ...current().status };
}

/**
 * The CUDA allocator's figures: bytes held by live buffers, and the stream-ordered pool's
 * reserved (cached) and used bytes with the device's free and total memory.
 * @example `console.log(cudaMemory().reservedBytes)`
 */
export function cudaMemory(): CudaMemoryInfo {
  return ready('cudaMemory').cudaMemory();
}

/**
 * Returns the cached, unused device memory to the driver (PyTorch's `torch.cuda.empty_cache()`).
 * @example `cudaEmptyCache()`
 */
export function cudaEmptyCache(): void {
  ready('cudaEmptyCache').cudaEmptyCache();
}

/**
 * Waits until every queued CUDA kernel has finished (kernels run asynchronously; reading a
 * tensor's data waits by itself). For timing.
 * @example `cudaSynchronize(); const t0 = performance.now()`
 */
export function cudaSynchronize(): void {
  ready('cudaSynchronize').cudaSynchronize();
}

/**
 * Chooses the backend once, at first use: LATTICE_BACKEND=reference|native
 * forces one; otherwise native when the addon loads, else reference with one
 * warning. LATTICE_REQUIRE_NATIVE=1 turns that fallback into an error.
 */
import { ArgumentError, BackendError } from '../errors';
import type { Backend } from './backend';
import { makeNativeBackend } from './native/index';
import type { NativeBinding } from './native/binding';
import { loadAddon } from './native/load';
import { referenceBackend } from './reference/index';
import { setPageOffsetProbe } from '../tensor/dtype';
import { getFloat32MatmulPrecision } from './cuda/precision';
import { observedBackend, profiling } from './observer';

interface State {
  backend: Backend;
  addon: NativeBinding | null;
  addonPath: string | null;
  loadError: string | null;
  threads: number;
  /** The addon links a system BLAS (matmul may send a shape there: see setGemmPath). */
  systemBlas?: boolean;
  gemmPath?: GemmPath;
}

let state: State | null = null;

// Said to package users and to contributors alike: a package has no build:native script,
// and a clone has no installed lattice-ml to rebuild, so the hint names both.
const BUILD_HINT = 'To get the addon: reinstall lattice-ml (its install uses the prebuilt addon for linux-x64), '
  + 'or build it from source with `LATTICE_BUILD_FROM_SOURCE=1 npm rebuild lattice-ml --foreground-scripts` '
  + '(needs cmake and a C++17 compiler); in a clone of the repository, `npm run build:native`.';

function envFlag(name: string): string | undefined {
  const v = typeof process !== 'undefined' ? process.env[name] : undefined;
  return v === undefined || v === '' ? undefined : v;
}

function init(): State {
  const forced = envFlag('LATTICE_BACKEND');
  if (forced !== undefined && forced !== 'native' && forced !== 'reference') {
    throw new BackendError(`LATTICE_BACKEND must be 'native' or 'reference', got '${forced}'`);
  }
  const requireNative = envFlag('LATTICE_REQUIRE_NATIVE') === '1';
  if (forced === 'reference') {
    if (requireNative) throw new BackendError('LATTICE_REQUIRE_NATIVE=1 conflicts with LATTICE_BACKEND=reference');
    warnOnce('lattice: using the reference (pure TypeScript) backend because LATTICE_BACKEND=reference; kernels will be much slower');
    return { backend: referenceBackend, addon: null, addonPath: null, loadError: null, threads: 1 };
  }
  const loaded = loadAddon();
  if (!loaded.addon) {
    const why = `the native addon did not load (${loaded.error})`;
    if (forced === 'native' || requireNative) {
      throw new BackendError(`lattice: ${why}; ${BUILD_HINT}`);
    }
    warnOnce(`lattice: ${why}; falling back to the reference (pure TypeScript) backend, which is much slower. ${BUILD_HINT}`);
    return { backend: referenceBackend, addon: null, addonPath: null, loadError: loaded.error, threads: 1 };
  }
  const addon = loaded.addon;
  const threadsEnv = envFlag('LATTICE_NUM_THREADS');
  if (threadsEnv !== undefined) {
    const n = Number(threadsEnv);
    if (!Number.isInteger(n) || n < 1) throw new BackendError(`LATTICE_NUM_THREADS must be a positive integer, got '${threadsEnv}'`);
    addon.setNumThreads(n);
  }
  const isa = envFlag('LATTICE_ISA');
  if (isa !== undefined) {
    try {
      addon.setIsa(isa);
    } catch (e) {
      throw new BackendError(`LATTICE_ISA=${isa}: ${(e as Error).message}`);
    }
  }
  const info = addon.info();
  return { backend: makeNativeBackend(addon), addon, addonPath: loaded.path, loadError: null, threads: info.threads,
    systemBlas: info.blas !== 'none', gemmPath: info.gemmPath as GemmPath };
}

let warned = false;
function warnOnce(message: string): void {
  if (warned) return;
  warned = true;
  process.emitWarning(message, { code: 'LATTICE_BACKEND' });
}

function current(): State {
  return state ?? (state = init());
}

// Large buffers are placed on page boundaries through the addon (see allocate in
// tensor/dtype.ts). The first large allocation may come before any kernel has loaded the
// backend, so the probe loads it, then replaces itself with the addon's function.
setPageOffsetProbe((buffer) => {
  const addon = current().addon;
  const probe = addon && typeof addon.pageOffset === 'function' ? (b: ArrayBuffer) => addon.pageOffset(b) : null;
  setPageOffsetProbe(probe);
  return probe ? probe(buffer) : 0;
});

/** @internal The active kernel set (timed kernel by kernel while a profile runs: see observer.ts). */
export function backend(): Backend {
  const b = (state ?? (state = init())).backend;
  return profiling.observer === null ? b : observedBackend(b);
}

/** @internal The raw addon, or null on the reference backend (tests and robustness checks use it). */
export function nativeAddon(): NativeBinding | null {
  return current().addon;
}

/**
 * What runs the kernels. `cuda` says whether tensors can move to 'cuda' here, `cudaReason` why not
 * (`cudaInfo()` has the device's details). `cudaGemm` says which GEMM runs matmul on cuda:
 * 'cublas' (libcublas, loaded at run time when present), 'builtin' (the addon's kernels) or 'none',
 * with the library or the reason in `cudaGemmDetail`; `float32MatmulPrecision` whether float32
 * GEMM may use TF32 there (see setFloat32MatmulPrecision).
 * @example `console.log(backendInfo())  // { backend: 'native', isa: 'avx512', threads: 2, ... }`
 */
export function backendInfo(): {
  backend: 'native' | 'reference'; isa: string; bestIsa: string; threads: number; blas: string; gemmPath: GemmPath; cuda: boolean;
  cudaReason: string; addonPath: string | null; cudaGemm: 'cublas' | 'builtin' | 'none'; cudaGemmDetail: string;
  float32MatmulPrecision: 'highest' | 'high' | 'medium';
} {
  const s = current();
  if (!s.addon) {
    return { backend: 'reference', isa: 'none', bestIsa: 'none', threads: 1, blas: 'none', gemmPath: 'auto', cuda: false,
      cudaReason: 'the native addon is not loaded (reference backend)', addonPath: null, cudaGemm: 'none',
      cudaGemmDetail: 'no CUDA', float32MatmulPrecision: getFloat32MatmulPrecision() };
  }
  const info = s.addon.info();
  // An addon built before CUDA support reports no reason; it has no CUDA kernels either.
  const cudaReason = info.cuda ? '' : info.cudaReason ?? 'this addon was built without CUDA (build from source with LATTICE_CUDA=1 where nvcc is installed)';
  return {
    backend: 'native', isa: info.isa, bestIsa: info.bestIsa, threads: info.threads, blas: info.blas,
    gemmPath: info.gemmPath as GemmPath, cuda: info.cuda, cudaReason, addonPath: s.addonPath, ...cudaGemmOf(s.addon, info.cuda),
    float32MatmulPrecision: getFloat32MatmulPrecision(),
  };
}

/** The CUDA GEMM engine, from the CUDA bindings of a CUDA build (cuBLAS is looked for only where a device can be used). */
function cudaGemmOf(addon: NativeBinding, cuda: boolean): { cudaGemm: 'cublas' | 'builtin' | 'none'; cudaGemmDetail: string } {
  const withCuda = addon as unknown as { cudaInfo?: () => { gemm?: 'cublas' | 'builtin' | 'none'; gemmDetail?: string } };
  if (!cuda || typeof withCuda.cudaInfo !== 'function') return { cudaGemm: 'none', cudaGemmDetail: 'no CUDA' };
  const i = withCuda.cudaInfo();
  return { cudaGemm: i.gemm ?? 'builtin', cudaGemmDetail: i.gemmDetail ?? '' };
}

/** Which GEMM runs matmul: see {@link setGemmPath}. */
export type GemmPath = 'auto' | 'builtin' | 'blas';

/**
 * Chooses the GEMM behind matmul on the native backend. 'auto' (the default) uses the system
 * BLAS for the shapes where it measured faster (a table built by `bench/blas-table.ts`) and the
 * built-in kernel elsewhere; 'builtin' and 'blas' force one side. 'blas' needs an addon built
 * from source where CMake found OpenBLAS (`backendInfo().blas` names it; prebuilt addons have none).
 * @example `setGemmPath('builtin')  // never the system BLAS`
 */
export function setGemmPath(path: GemmPath): void {
  if (path !== 'auto' && path !== 'builtin' && path !== 'blas') {
    throw new ArgumentError(`setGemmPath: path must be 'auto', 'builtin' or 'blas', got ${JSON.stringify(path)}`);
  }
  const s = current();
  if (!s.addon) {
    if (path === 'blas') throw new BackendError("setGemmPath: 'blas' needs the native backend; the reference backend has its own matmul");
    return;
  }
  try {
    s.addon.setGemmPath(path);
  } catch (e) {
    throw new BackendError((e as Error).message);
  }
  s.gemmPath = path;
}

/**
 * @internal Whether every matmul runs the built-in GEMM (no system BLAS linked, or
 * setGemmPath('builtin')): a row of its product then has the same bits whichever way B is
 * stored, so linear may read a transposed copy of the weight (ops/linear.ts).
 */
export function gemmIsBuiltin(): boolean {
  const s = current();
  return !s.addon || !s.systemBlas || s.gemmPath === 'builtin';
}

/** Sets the native thread-pool size. @example `setNumThreads(1)` */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new ArgumentError(`setNumThreads: n must be an integer in [1, 1024], got ${n}`);
  const s = current();
  if (s.addon) {
    s.addon.setNumThreads(n);
    s.threads = n;
  }
}

/** The native thread-pool size (1 on the reference backend). @example `getNumThreads() // 2` */
export function getNumThreads(): number {
  const s = current();
  return s.addon ? s.addon.info().threads : 1;
}

/** Forces the SIMD kernels of one ISA ('scalar' | 'avx2' | 'avx512'); tests use it to cover each. @example `setIsa('avx2')` */
export function setIsa(isa: 'scalar' | 'avx2' | 'avx512'): void {
  const s = current();
  if (!s.addon) throw new BackendError('setIsa: the reference backend has no ISA to choose');
  try {
    s.addon.setIsa(isa);
  } catch (e) {
    throw new ArgumentError((e as Error).message);
  }
}

/** @internal Switches backends at run time (tests compare both in one process). */
export function useBackend(name: 'native' | 'reference'): void {
  const s = current();
  if (name === 'native') {
    if (!s.addon) throw new BackendError('useBackend: the native addon is not loaded');
    s.backend = makeNativeBackend(s.addon);
  } else {
    s.backend = referenceBackend;
  }
}

export { referenceBackend };

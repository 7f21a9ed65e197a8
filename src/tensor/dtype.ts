/** Element types. `bool` is stored as one byte per element (0 or 1). */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** The typed arrays behind float tensors. @example `const v: FloatArray = x.values as FloatArray` */
export type FloatArray = Float32Array | Float64Array;
/** The typed array behind a tensor: Float32Array, Float64Array, Int32Array, or Uint8Array for bool. @example `const v: TypedArray = x.values` */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/*
 * Small buffers are carved from shared 16 KiB slabs. V8 keeps a new typed array of up to
 * 64 bytes inside its own heap and moves it out the first time the addon reads it (~1 µs,
 * five times a tiny op's own cost), and a new off-heap buffer of a few hundred bytes costs
 * as much to allocate; a view into a slab that is already off-heap costs neither. The slab
 * is bump-allocated and never reused, so a carved region is always zero; it is freed by
 * the garbage collector once no view of it is left (a long-lived small tensor keeps at
 * most its 16 KiB slab alive).
 */
const SLAB_BYTES = 1 << 14;
const SMALL_MAX_BYTES = 1 << 10;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

function carve(bytes: number): number {
  const at = (slabUsed + 15) & ~15;
  if (at + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = bytes;
    return 0;
  }
  slabUsed = at + bytes;
  return at;
}

/*
 * Large buffers start on a 4 KiB page boundary. A streaming kernel loads element i of its
 * inputs just after it stored element i - k of its output; when two arrays' start addresses
 * differ by a little less than a multiple of 4 KiB, the CPU takes such a load for a read of
 * the pending store (their low 12 address bits match: "4K aliasing") and waits for it.
 * glibc serves large allocations from mmap (page + 16 bytes) until the first one is freed,
 * and from its heap, at any 16-byte offset, afterwards; LayerNorm [4096, 1024] forward and
 * backward ran ~25% slower on heap buffers than on page-aligned ones. Only the addon can
 * see an address, so the alignment waits for the native backend (it registers pageOffset).
 */
const PAGE = 4096;
const ALIGN_MIN_BYTES = 1 << 16;
let pageOffsetOf: ((buffer: ArrayBuffer) => number) | null = null;

/** Registers the addon's pageOffset; null turns the alignment off. */
export function setPageOffsetProbe(probe: ((buffer: ArrayBuffer) => number) | null): void {
  pageOffsetOf = probe;
}

function view(dtype: DType, buffer: ArrayBuffer, at: number, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(buffer, at, size);
    case 'float64': return new Float64Array(buffer, at, size);
    case 'int32': return new Int32Array(buffer, at, size);
    case 'bool': return new Uint8Array(buffer, at, size);
  }
}

/**
 * A zeroed Float32Array whose first element is 64-byte aligned, for a kernel's packed operand
 * that it loads with aligned vector loads (the Winograd filter); without the native backend's
 * address probe, an ordinary array (the kernels then copy it into aligned scratch).
 */
export function allocateAlignedFloat32(length: number): Float32Array {
  return pageOffsetOf ? (alignedArray('float32', length, 64) as Float32Array) : new Float32Array(length);
}

/**
 * A zeroed array whose first element's address is a multiple of `align` (a divisor of PAGE),
 * plus `skew` bytes; needs the probe.
 */
function alignedArray(dtype: DType, size: number, align: number, skew = 0): TypedArray {
  const buffer = new ArrayBuffer(size * bytesPerElement(dtype) + align + skew);
  return view(dtype, buffer, ((align - (pageOffsetOf!(buffer) % align)) % align) + skew, size);
}

/**
 * A new zeroed buffer that starts `slot` KiB past a page boundary (slot 0–3), for the state
 * arrays a fused optimizer streams beside the parameter and its gradient. When p, g, m and v
 * all start on a page boundary, Adam over 10M parameters runs ~12% slower at one thread than
 * with m and v a and 2 KiB further on (every stream then indexes the same cache sets and DRAM
 * columns at once); a KiB apart, a load never runs far enough ahead to alias a pending store
 * (that would take 256 floats). Small buffers and a build without the probe: as `allocate`.
 */
export function allocateSkewed(dtype: DType, size: number, slot: number): TypedArray {
  const bytes = size * bytesPerElement(dtype);
  if (bytes < ALIGN_MIN_BYTES || !pageOffsetOf) return allocate(dtype, size);
  allocationStats.fresh++;
  allocationStats.freshBytes += bytes;
  const out = alignedArray(dtype, size, PAGE, (slot & 3) * 1024);
  skewed.add(out);
  return out;
}

// Buffers from allocateSkewed: the pool does not take them back, so that every pooled large
// buffer starts on a page boundary.
const skewed = new WeakSet<TypedArray>();

/** @internal Whether `data` came from allocateSkewed. */
export function isSkewed(data: TypedArray): boolean {
  return skewed.has(data);
}

/** @internal Fresh (not pooled) buffers allocated so far, for bench/profile-step.ts. */
export const allocationStats = { fresh: 0, freshBytes: 0 };

/** A new zeroed buffer. */
export function allocate(dtype: DType, size: number): TypedArray {
  const bytes = size * bytesPerElement(dtype);
  allocationStats.fresh++;
  allocationStats.freshBytes += bytes;
  if (bytes > 0 && bytes <= SMALL_MAX_BYTES) {
    const at = carve(bytes);
    return view(dtype, slab, at, size);
  }
  if (bytes >= ALIGN_MIN_BYTES && pageOffsetOf) return alignedArray(dtype, size, PAGE);
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'float64': return new Float64Array(size);
    case 'int32': return new Int32Array(size);
    case 'bool': return new Uint8Array(size);
  }
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** Type promotion for binary ops, as PyTorch for these four types. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The float type an integer or bool input computes in (float32), or the input's own. */
export function toFloatType(dtype: DType): DType {
  return isFloat(dtype) ? dtype : 'float32';
}

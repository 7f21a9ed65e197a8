import { ArgumentError, ShapeError, fmtShape, fmtArg } from '../errors';

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Row-major strides in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Checks a user-given shape: non-negative safe integers. */
export function checkShape(op: string, arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new ArgumentError(`${op}: ${arg} must be an array of sizes, got ${fmtArg(shape)}`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 2 ** 31 - 1) {
      // String(), not JSON.stringify: a BigInt size must reach this message, not fail to serialise.
      const kind = typeof d === 'number' ? '' : ` (a ${typeof d})`;
      throw new ArgumentError(`${op}: ${arg} [${shape.map((x) => (typeof x === 'bigint' ? `${x}n` : String(x))).join(', ')}] has an invalid size ${typeof d === 'bigint' ? `${d}n` : String(d)}${kind} (sizes are integers in [0, 2^31))`);
    }
  }
  if (sizeOf(shape) > 2 ** 31 - 1) throw new ArgumentError(`${op}: ${arg} ${fmtShape(shape)} has more than 2^31-1 elements`);
  return shape.slice();
}

/** NumPy broadcasting of two shapes. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast (dim ${i} of the result: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Strides that read a tensor of `shape` as if broadcast to `outShape` (0 on broadcast dims). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const n = outShape.length;
  const strides = new Array<number>(n).fill(0);
  const own = stridesOf(shape);
  const lead = n - shape.length;
  for (let i = lead; i < n; i++) strides[i] = shape[i - lead] === 1 ? 0 : own[i - lead];
  return strides;
}

/** Normalises a possibly negative dim for a tensor of rank `rank`. */
export function normalizeDim(op: string, dim: unknown, rank: number, arg = 'dim'): number {
  const r = Math.max(rank, 1);
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new ArgumentError(`${op}: ${arg} ${fmtArg(dim)} is out of range for a tensor of rank ${rank} (expected in [${-r}, ${r - 1}])`);
  }
  return dim < 0 ? dim + r : dim;
}

/** Splits shape around `dim` into [outer, size, inner] for kernels that work along one axis. */
export function aroundDim(shape: readonly number[], dim: number): [number, number, number] {
  let outer = 1, inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape.length === 0 ? 1 : shape[dim], inner];
}

/**
 * Error classes thrown by Lattice. Every message names the op, the argument and
 * the shapes or values involved, e.g.
 * `matmul: a is [2,3] and b is [4,5]: inner sizes 3 and 4 differ`.
 */

/** Base class of every error Lattice throws on bad input. */
export class LatticeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes do not fit the op. @example `try { matmul(a, b) } catch (e) { if (e instanceof ShapeError) ... }` */
export class ShapeError extends LatticeError {}

/** A dtype the op does not accept. @example `tensor([1]).log()` on int32 promotes, `where(x, ...)` with non-bool x throws `DTypeError`. */
export class DTypeError extends LatticeError {}

/** A non-tensor argument is out of range or of the wrong type. @example `arange(0, 1, 0)` throws `ArgumentError`. */
export class ArgumentError extends LatticeError {}

/** The backend could not load or a kernel failed. @example `LATTICE_REQUIRE_NATIVE=1` without an addon throws `BackendError`. */
export class BackendError extends LatticeError {}

/** Formats a shape as `[2,3]` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** The longest argument a message quotes in full; a longer one is cut with its length named. */
const MAX_VALUE_CHARS = 200;

/**
 * Formats any argument for a message, as JSON where it can be: a BigInt (`3n`), a
 * function or a cyclic object must reach the message instead of making JSON.stringify throw.
 * A tensor is named by its shape and dtype and a typed array by its type and length, never
 * by their values: a misplaced [32, 3, 64, 64] tensor once put 11 MB of JSON in a message.
 * Anything else longer than MAX_VALUE_CHARS is cut.
 */
export function fmtValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  const named = nameOfBulk(v);
  if (named !== null) return named;
  if (Array.isArray(v)) return cut(`[${v.map(fmtValue).join(',')}]`);
  let text: string;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = String(v);
  }
  return cut(text);
}

/**
 * String(v) for a message, except for the arguments whose String is their values: a tensor
 * (named by shape and dtype) and a typed array (by type and length); a Float32Array of a
 * million elements passed where a number belongs would otherwise print them all.
 */
export function fmtArg(v: unknown): string {
  return nameOfBulk(v) ?? String(v);
}

// A tensor's or typed array's short name, or null for anything else.
function nameOfBulk(v: unknown): string | null {
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as ArrayLike<unknown>).length ?? v.byteLength})`;
  if (isTensorLike(v)) return `Tensor(shape ${fmtShape(v.shape)}, ${v.dtype})`;
  return null;
}

// Duck-typed: errors.ts sits below the tensor module and cannot import it.
function isTensorLike(v: unknown): v is { shape: number[]; dtype: string } {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as { shape?: unknown; dtype?: unknown };
  return Array.isArray(t.shape) && typeof t.dtype === 'string';
}

function cut(text: string): string {
  return text.length <= MAX_VALUE_CHARS ? text : `${text.slice(0, MAX_VALUE_CHARS)}… (${text.length} characters)`;
}

/** detectAnomaly found a NaN or Inf; the message names the op and where it was called. */
export class AnomalyError extends LatticeError {}

/** Autograd was asked for something the recorded graph cannot give (freed graph, in-place change, unused input). */
export class AutogradError extends LatticeError {}

/**
 * A dataset file is missing or cannot be read; the message names the file and what to do.
 * @example `try { data.loadFashionMnist({ dir: 'nowhere' }) } catch (e) { if (e instanceof DatasetError) ... }`
 */
export class DatasetError extends LatticeError {}

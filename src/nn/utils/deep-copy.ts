/**
 * A module's deep copy (Python's `copy.deepcopy(model)`): a module of the same class whose
 * parameters and buffers are copies, so training one leaves the other as it was. Weight
 * averaging (optim.AveragedModel), teacher/student pairs and "keep the best model" need it.
 */
import { noGrad } from '../../autograd/api';
import { ArgumentError, fmtArg } from '../../errors';
import { clone } from '../../ops/shape';
import { Tensor } from '../../tensor/tensor';
import { keep } from '../../tensor/tidy';
import { type AnyModule, Module } from '../module';
import { Parameter } from '../parameter';

type Memo = Map<unknown, unknown>;

const COPYABLE = Symbol('lattice.copyableForward');

/**
 * @internal Marks a forward installed on module instances (nn/utils/reparametrize.ts) as a plain
 * function of `this`, which a copy may share.
 */
export function markCopyableForward(fn: (...args: never[]) => unknown): void {
  (fn as unknown as Record<symbol, boolean>)[COPYABLE] = true;
}

function copyTensor(t: Tensor, memo: Memo, path: string): Tensor {
  if (t.isDisposed) throw new ArgumentError(`deepCopy: ${path} is ${t.describe()}, which was disposed`);
  const data = clone(t);
  const out = t instanceof Parameter ? new Parameter(data, t.requiresGrad) : keep(data);
  out.kept = t.kept;
  memo.set(t, out);
  return out;
}

/** The copy of an object that is neither a tensor nor a container: same prototype, own properties copied. */
function copyObject(v: object, memo: Memo, path: string): object {
  const own = v instanceof Module && Object.prototype.hasOwnProperty.call(v, 'forward') ? (v as unknown as { forward: unknown }).forward : null;
  if (own && !(own as Record<symbol, boolean>)[COPYABLE]) {
    // A forward assigned to this one instance may close over it, and would keep computing with the original's weights.
    throw new ArgumentError(`deepCopy: ${path} (${(v as AnyModule).typeName}) has a forward of its own, which may compute with the original's weights; build a new ${(v as AnyModule).typeName} and load the state dict instead`);
  }
  const out = Object.create(Object.getPrototypeOf(v)) as object;
  memo.set(v, out);
  // A reparametrised weight (spectral or weight norm, pruning) is recomputed by the next forward; the
  // field holds the last forward's result, which a tidy() may already have disposed.
  const recomputed = v instanceof Module ? Object.keys((v as unknown as { _reparams?: object })._reparams ?? {}) : [];
  for (const key of Reflect.ownKeys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, key)!;
    if ('value' in d) d.value = recomputed.includes(String(key)) ? null : copyValue(d.value, memo, `${path}.${String(key)}`);
    Object.defineProperty(out, key, d);
  }
  return out;
}

function copyValue(v: unknown, memo: Memo, path: string): unknown {
  // Primitives and functions are shared, as Python's deepcopy shares functions.
  if (v === null || typeof v !== 'object') return v;
  if (memo.has(v)) return memo.get(v);
  if (v instanceof Tensor) return copyTensor(v, memo, path);
  if (ArrayBuffer.isView(v)) {
    const out = v instanceof DataView ? new DataView(v.buffer.slice(0)) : (v as unknown as { slice(): unknown }).slice();
    memo.set(v, out);
    return out;
  }
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    memo.set(v, out);
    v.forEach((x, i) => out.push(copyValue(x, memo, `${path}[${i}]`)));
    return out;
  }
  if (v instanceof Map) {
    const out = new Map();
    memo.set(v, out);
    for (const [k, x] of v) out.set(copyValue(k, memo, path), copyValue(x, memo, `${path}.${String(k)}`));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set();
    memo.set(v, out);
    for (const x of v) out.add(copyValue(x, memo, path));
    return out;
  }
  return copyObject(v, memo, path);
}

/**
 * A deep copy of a module: the same class and configuration, with its own copies of every
 * parameter and buffer (on the same device, with the same dtype and requiresGrad), its mode
 * (train/eval) and its forward hooks (shared functions, as in Python). A parameter used in two
 * places (tied weights) is one parameter in the copy too. Gradients are not copied.
 * Spectral and weight normalisation are copied with the module; a module whose forward was
 * replaced by the user's own function is refused with an error.
 * @example
 * const teacher = nn.utils.deepCopy(student);   // then train student; teacher keeps its weights
 */
export function deepCopy<M extends AnyModule>(module: M): M {
  if (!(module instanceof Module)) throw new ArgumentError(`deepCopy: module must be a Module, got ${fmtArg(module)}`);
  return noGrad(() => copyValue(module, new Map(), module.typeName) as M);
}

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
  if (v instanceof Module && Object.prototype.hasOwnProperty.call(v, 'forward')) {
    // An instance-level forward (spectralNorm installs one) is a closure over the original module.
    throw new ArgumentError(`deepCopy: ${path} (${v.typeName}) has a forward of its own (nn.utils.spectralNorm installs one), which would keep computing with the original's weights; build a new ${v.typeName} and load the state dict instead`);
  }
  const out = Object.create(Object.getPrototypeOf(v)) as object;
  memo.set(v, out);
  for (const key of Reflect.ownKeys(v)) {
    const d = Object.getOwnPropertyDescriptor(v, key)!;
    if ('value' in d) d.value = copyValue(d.value, memo, `${path}.${String(key)}`);
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
 * A module with a forward of its own (nn.utils.spectralNorm) is refused with an error.
 * @example
 * const teacher = nn.utils.deepCopy(student);   // then train student; teacher keeps its weights
 */
export function deepCopy<M extends AnyModule>(module: M): M {
  if (!(module instanceof Module)) throw new ArgumentError(`deepCopy: module must be a Module, got ${fmtArg(module)}`);
  return noGrad(() => copyValue(module, new Map(), module.typeName) as M);
}

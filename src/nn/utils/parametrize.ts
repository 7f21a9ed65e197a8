/**
 * Parametrizations, as torch.nn.utils.parametrize: a module's parameter or buffer `name` becomes a
 * function of other tensors, recomputed each time it is read. registerParametrization moves the
 * original to `module.parametrizations.get(name).original` (state-dict key
 * `parametrizations.<name>.original`; the parametrization module's own parameters are under
 * `parametrizations.<name>.0.<param>`) and turns `module[name]` into a property whose getter runs
 * the chain original → p0 → p1 → ... (each reading re-runs it, as in torch; inside `cached(fn)` each
 * tensor is computed once) and whose setter stores `rightInverse(value)` in the original.
 *
 * A parametrization is a Module whose forward maps the original to the tensor the module uses
 * (`X.triu() + X.triu(1).mT` for a symmetric matrix, `X.exp()` for a positive one), optionally with
 * a `rightInverse(value)` from the used tensor back to the original (`log` for `exp`): with one,
 * registration stores rightInverse(weight), so the module computes as before; it may also return
 * several tensors, which become `original0`, `original1`, ... (weight normalisation's g and v).
 *
 * Each read outside forward recomputes the tensor, as in torch; inside the module's forward it is
 * computed once per call (a layer may read `this.weight` twice; torch's layers read it once, which
 * matters for spectral normalisation's power iteration), so a parametrized module gets a forward
 * of its own (the class's, wrapped) and nn.Sequential runs it unfused. The property and that
 * forward are plain functions of `this`, so nn.utils.deepCopy copies a parametrized module
 * faithfully. A module with the old-style weightNorm, spectralNorm or pruning cannot also be
 * parametrized (nor the other way round). The module's forward must read the
 * tensor through its field (`this.weight`), as Linear, the convolutions, the norms, Embedding and
 * MultiheadAttention do; a tensor a module reads by name only (the recurrent layers' weights,
 * BatchNorm's running statistics) cannot be parametrized and is refused.
 */
import { noGrad } from '../../autograd/api';
import { ArgumentError, DTypeError, fmtArg, fmtShape, ShapeError } from '../../errors';
import { copy_ } from '../../ops/inplace';
import { clone } from '../../ops/shape';
import { shapesEqual } from '../../tensor/shape';
import { Tensor } from '../../tensor/tensor';
import { ModuleDict } from '../containers';
import { type AnyModule, Module } from '../module';
import { Parameter, swapTensorData } from '../parameter';
import { markCopyableForward } from './deep-copy';

/**
 * A parametrization: a module whose forward maps the original tensor(s) to the tensor used, with an
 * optional right inverse (the used tensor to the original, or to several originals).
 * @example
 * class Positive extends nn.Module { forward(x: Tensor) { return x.exp(); } rightInverse(y: Tensor) { return y.log(); } }
 */
export type Parametrization = AnyModule & {
  /** Optional: from the tensor used back to the original, or to several originals (the first parametrization only). */
  rightInverse?: (value: Tensor) => Tensor | Tensor[];
};

/**
 * A module after registerParametrization: its `parametrizations` dict, one ParametrizationList per parametrized tensor.
 * @example `const lin = nn.utils.parametrize.registerParametrization(new nn.Linear(3, 3), 'weight', new Symmetric()); lin.parametrizations.get('weight').original`
 */
export interface Parametrized {
  parametrizations: ModuleDict<ParametrizationList>;
}

/** registerParametrization's options. @example `{ unsafe: true }` */
export interface RegisterParametrizationOptions {
  /**
   * Skip the checks that the parametrization keeps the tensor's shape and dtype, and that its
   * rightInverse does (default false).
   */
  unsafe?: boolean;
}

/** removeParametrizations' options. @example `{ leaveParametrized: false }` */
export interface RemoveParametrizationsOptions {
  /**
   * True (default): the tensor keeps its current parametrized value; false: it becomes the original
   * (only possible with one original tensor).
   */
  leaveParametrized?: boolean;
}

const REGISTER = 'parametrize.registerParametrization';

const describe = (x: unknown): string => (x instanceof Tensor ? x.describe() : fmtArg(x));

/**
 * The chain of parametrizations of one tensor, with the original tensor(s) (torch's
 * ParametrizationList): `original` (or `original0`, `original1`, ...) and the parametrization
 * modules under '0', '1', .... Calling it computes the parametrized tensor.
 * @example `const list = lin.parametrizations.get('weight'); list.original; list.call()`
 */
export class ParametrizationList extends Module<[], Tensor> {
  /** Whether the shape and dtype checks are off (registered with unsafe, once for all). */
  unsafe: boolean;
  /** One original (`original`), or several (`original0`, `original1`, ...). */
  readonly isTensor: boolean;
  /** How many original tensors. */
  readonly ntensors: number;
  /** @internal Whether the module had a field of this name (it gets one back on removal). */
  readonly _hadField: boolean;

  /** @internal Built by registerParametrization, with the original(s) already right-inverted. */
  constructor(parametrization: Parametrization, originals: Tensor | Tensor[], unsafe: boolean, hadField: boolean) {
    super();
    this.unsafe = unsafe;
    this._hadField = hadField;
    this.isTensor = !Array.isArray(originals);
    const list = Array.isArray(originals) ? originals : [originals];
    this.ntensors = list.length;
    list.forEach((t, i) => registerTensor(this, this.isTensor ? 'original' : `original${i}`, t));
    this.registerModule('0', parametrization);
  }

  /** The original tensor (with one original). @example `lin.parametrizations.get('weight').original` */
  get original(): Tensor {
    if (!this.isTensor) throw new ArgumentError(`ParametrizationList.original: this parametrization has ${this.ntensors} originals; use originals()`);
    return memberTensor(this, 'original');
  }

  /** The original tensor(s), in order. @example `const [g, v] = lin.parametrizations.get('weight').originals()` */
  originals(): Tensor[] {
    return this.isTensor ? [this.original] : Array.from({ length: this.ntensors }, (_, i) => memberTensor(this, `original${i}`));
  }

  /** The parametrization modules, first applied first. @example `lin.parametrizations.get('weight').parametrizations()[0]` */
  parametrizations(): Parametrization[] {
    const out: Parametrization[] = [];
    for (let i = 0; this.childMap().get(String(i)); i++) out.push(this.childMap().get(String(i))! as Parametrization);
    return out;
  }

  /** @internal Adds a parametrization at the end of the chain. */
  append(parametrization: Parametrization): void {
    this.registerModule(String(this.parametrizations().length), parametrization);
  }

  /** The parametrized tensor: the chain applied to the original(s). @example `list.call()` */
  forward(): Tensor {
    const [first, ...rest] = this.parametrizations();
    let x = first.call(...this.originals()) as Tensor;
    for (const p of rest) x = p.call(x) as Tensor;
    return x;
  }

  /**
   * Stores `value` as the parametrized tensor: runs each parametrization's rightInverse, last
   * first, and writes the result into the original(s) (in place when the shape is kept, so
   * optimizers keep their parameters). Every parametrization in the chain must have one.
   * @example `lin.parametrizations.get('weight').rightInverse(eye(3))   // what lin.weight = eye(3) does`
   */
  rightInverse(value: Tensor): void {
    const op = 'ParametrizationList.rightInverse';
    const inverted = noGrad(() => {
      let v: Tensor | Tensor[] = value;
      for (const p of this.parametrizations().reverse()) {
        if (typeof p.rightInverse !== 'function') throw new ArgumentError(`${op}: parametrization ${p.typeName} has no rightInverse, so the parametrized tensor cannot be assigned`);
        if (Array.isArray(v)) throw new ArgumentError(`${op}: ${p.typeName}.rightInverse is given several tensors; only the first parametrization's rightInverse may return several`);
        v = p.rightInverse(v);
      }
      return v;
    });
    const originals = this.originals();
    const values = this.isTensor ? [inverted] : inverted;
    if (this.isTensor ? Array.isArray(inverted) : !Array.isArray(inverted) || inverted.length !== this.ntensors) {
      throw new ArgumentError(`${op}: rightInverse must return ${this.isTensor ? 'one tensor' : `${this.ntensors} tensors`}, got ${Array.isArray(inverted) ? `${inverted.length} tensors` : describe(inverted)}`);
    }
    (values as unknown[]).forEach((v, i) => {
      if (!(v instanceof Tensor)) throw new ArgumentError(`${op}: rightInverse must return tensors, got ${describe(v)}`);
      if (v.dtype !== originals[i].dtype) throw new DTypeError(`${op}: rightInverse returned ${v.describe()} for the original ${originals[i].describe()}; the dtype must stay ${originals[i].dtype}`);
    });
    (values as Tensor[]).forEach((v, i) => setOriginal(this, this.isTensor ? 'original' : `original${i}`, v));
  }
}

/** A parameter or buffer of m by name (the parametrization list's originals are either). */
function memberTensor(m: AnyModule, name: string): Tensor {
  return (m.getParameter(name) ?? m.getBuffer(name))!;
}

/** Registers t on m as a parameter when it is one, else as a buffer (torch's _register_parameter_or_buffer). */
function registerTensor(m: AnyModule, name: string, t: Tensor): void {
  if (t instanceof Parameter) m.registerParameter(name, t);
  else m.registerBuffer(name, t);
}

/**
 * Writes value into the original `name` of list: in place when shape and dtype match (the tensor,
 * and so an optimizer's reference, is kept, as torch's set_), with the new data when only the dtype
 * differs, and as a new tensor of the same kind when the shape differs (unsafe parametrizations).
 */
function setOriginal(list: ParametrizationList, name: string, value: Tensor): void {
  const original = memberTensor(list, name);
  if (value === original) return;
  noGrad(() => {
    if (shapesEqual(value.shape, original.shape)) {
      if (value.dtype === original.dtype) copy_(original, value);
      else swapTensorData(original, clone(value));
      return;
    }
    const fresh = original instanceof Parameter ? new Parameter(clone(value), original.requiresGrad) : clone(value);
    list.deleteMember(name);
    registerTensor(list, name, fresh);
  });
}

// ---------------------------------------------------------------- the caches

let cacheDepth = 0;
const cache = new Map<AnyModule, Map<string, Tensor>>();
/** The parametrized modules whose forward is running (with its depth), and the tensors computed in it. */
const callDepth = new Map<AnyModule, number>();
const callCache = new Map<AnyModule, Map<string, Tensor>>();

/**
 * Runs fn with the parametrized tensors cached: inside, each is computed once, on its first read,
 * and every later read returns that tensor (torch's `with parametrize.cached():`). Use it where a
 * parametrized weight is read many times per step (a recurrent cell over time steps). Nested calls
 * share the cache, which empties when the outermost returns. Returns fn's result; fn must be
 * synchronous.
 * @example
 * const loss = nn.utils.parametrize.cached(() => rnnOverTime(cell, xs));   // cell.weight computed once
 */
export function cached<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new ArgumentError(`parametrize.cached: fn must be a function, got ${fmtArg(fn)}`);
  cacheDepth++;
  try {
    return fn();
  } finally {
    cacheDepth--;
    if (cacheDepth === 0) cache.clear();
  }
}

// ---------------------------------------------------------------- the property

function listOf(module: AnyModule, name: string): ParametrizationList | null {
  const dict = (module as unknown as Partial<Parametrized>).parametrizations;
  if (!(dict instanceof ModuleDict) || !dict.has(name)) return null;
  const list = dict.get(name);
  return list instanceof ParametrizationList ? list : null;
}

function parametrizedValue(module: AnyModule, name: string): Tensor {
  const list = listOf(module, name);
  if (!list) throw new ArgumentError(`parametrize: ${module.typeName}.${name} is no longer parametrized`);
  const store = cacheDepth > 0 ? cache : callDepth.has(module) ? callCache : null;
  if (!store) return list.call();
  let perModule = store.get(module);
  if (!perModule) store.set(module, (perModule = new Map()));
  let t = perModule.get(name);
  if (!t) perModule.set(name, (t = list.call()));
  return t;
}

/** Drops module[name] from the caches (its chain changed inside cached() or a forward). */
function forget(module: AnyModule, name: string): void {
  cache.get(module)?.delete(name);
  callCache.get(module)?.delete(name);
}

/**
 * The forward of a parametrized module: the class's forward, with each parametrized tensor computed
 * once per call however often forward reads it (a layer may read `this.weight` for its dtype and
 * again for the op; torch's layers read it once, which matters for a stateful parametrization such
 * as spectral normalisation's power iteration). A plain function of `this`, so deepCopy may share it.
 */
function parametrizedForward(this: AnyModule, ...args: unknown[]): unknown {
  const depth = callDepth.get(this) ?? 0;
  callDepth.set(this, depth + 1);
  try {
    const classForward = (Object.getPrototypeOf(this) as { forward: (...a: unknown[]) => unknown }).forward;
    return classForward.apply(this, args);
  } finally {
    if (depth === 0) {
      callDepth.delete(this);
      callCache.delete(this);
    } else {
      callDepth.set(this, depth);
    }
  }
}
markCopyableForward(parametrizedForward);

/** The accessor for a parametrized tensor: a plain function of `this` and the name, so deepCopy can share it. */
function parametrizedProperty(name: string): PropertyDescriptor {
  return {
    configurable: true,
    enumerable: false,
    get(this: AnyModule): Tensor {
      return parametrizedValue(this, name);
    },
    set(this: AnyModule, value: unknown): void {
      const list = listOf(this, name);
      if (!list) throw new ArgumentError(`parametrize: ${this.typeName}.${name} is no longer parametrized`);
      if (!(value instanceof Tensor)) throw new ArgumentError(`parametrize: ${this.typeName}.${name} can only be assigned a Tensor (stored through rightInverse), got ${describe(value)}`);
      list.rightInverse(value);
    },
  };
}

// ---------------------------------------------------------------- register / remove

/**
 * Whether `module` has a parametrization on `name`, or on any tensor when `name` is left out
 * (torch's is_parametrized).
 * @example `nn.utils.parametrize.isParametrized(lin, 'weight')`
 */
export function isParametrized(module: AnyModule, name?: string): boolean {
  if (!(module instanceof Module)) throw new ArgumentError(`parametrize.isParametrized: module must be an nn.Module, got ${fmtArg(module)}`);
  if (name !== undefined && typeof name !== 'string') throw new ArgumentError(`parametrize.isParametrized: name must be a string, got ${fmtArg(name)}`);
  const dict = (module as unknown as Partial<Parametrized>).parametrizations;
  if (!(dict instanceof ModuleDict)) return false;
  return name === undefined ? dict.size > 0 : listOf(module, name) !== null;
}

/** torch's consistency checks: the tensor a parametrization returns keeps the dtype and shape of `before`. */
function checkKept(what: string, got: unknown, before: Tensor): void {
  if (!(got instanceof Tensor)) throw new ArgumentError(`${REGISTER}: ${what} must return a Tensor, got ${describe(got)}`);
  if (got.dtype !== before.dtype) throw new DTypeError(`${REGISTER}: ${what} turns ${before.describe()} into ${got.describe()}; a parametrization may not change the dtype unless unsafe is set`);
  if (!shapesEqual(got.shape, before.shape)) throw new ShapeError(`${REGISTER}: ${what} turns ${before.describe()} into ${got.describe()}; a parametrization may not change the shape ${fmtShape(before.shape)} unless unsafe is set`);
}

/**
 * Registers `parametrization` on the parameter or buffer `name` of `module`, as
 * torch.nn.utils.parametrize.register_parametrization: from now on `module[name]` is
 * `parametrization(original)`, computed at each read, and gradients reach the original
 * (`module.parametrizations.get(name).original`, key `parametrizations.<name>.original`) and the
 * parametrization's own parameters (`parametrizations.<name>.0.<param>`). When the parametrization
 * has a `rightInverse`, the original becomes rightInverse(current value), in place (the Parameter
 * object stays, so an optimizer built before keeps training it), and assigning `module[name] = X`
 * stores rightInverse(X); a rightInverse returning several tensors registers `original0`,
 * `original1`, ... instead (new Parameters: build the optimizer after). Registering on a tensor that
 * is already parametrized appends to its chain. Unless `unsafe`, the parametrization must keep the
 * shape and dtype. Nothing changes when a check fails. Returns the module.
 * @example
 * class Symmetric extends nn.Module { forward(x: Tensor) { return x.triu().add(x.triu(1).transpose(0, 1)); } }
 * const lin = nn.utils.parametrize.registerParametrization(new nn.Linear(3, 3), 'weight', new Symmetric());
 * Object.keys(lin.stateDict());   // ['bias', 'parametrizations.weight.original']
 */
export function registerParametrization<M extends AnyModule>(module: M, name: string, parametrization: Parametrization, opts: RegisterParametrizationOptions = {}): M & Parametrized {
  if (!(module instanceof Module)) throw new ArgumentError(`${REGISTER}: module must be an nn.Module, got ${fmtArg(module)}`);
  if (typeof name !== 'string' || name === '') throw new ArgumentError(`${REGISTER}: name must be a non-empty string, got ${fmtArg(name)}`);
  if (!(parametrization instanceof Module)) throw new ArgumentError(`${REGISTER}: parametrization must be an nn.Module, got ${fmtArg(parametrization)}`);
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${REGISTER}: options must be an object, got ${fmtArg(opts)}`);
  const unsafe = opts.unsafe ?? false;
  if (typeof unsafe !== 'boolean') throw new ArgumentError(`${REGISTER}: unsafe must be a boolean, got ${fmtArg(unsafe)}`);
  if (parametrization === (module as AnyModule)) throw new ArgumentError(`${REGISTER}: a module cannot parametrize itself`);
  const hasInverse = typeof parametrization.rightInverse === 'function';
  const existing = listOf(module, name);
  const where = `${module.typeName}.${name}`;
  const pName = `parametrization ${parametrization.typeName}`;

  if (existing) {
    parametrization.train(module.training);
    if (!unsafe) {
      noGrad(() => {
        const y = (module as unknown as Record<string, Tensor>)[name];
        const x = parametrization.call(y) as unknown;
        checkKept(`${pName} on ${where}`, x, y);
        if (hasInverse) {
          const z = parametrization.rightInverse!(x as Tensor);
          checkKept(`${parametrization.typeName}.rightInverse on ${where}`, z, y);
        }
      });
    }
    existing.append(parametrization);
    existing.unsafe ||= unsafe;
    forget(module, name);
    return module as M & Parametrized;
  }

  const original = module.getParameter(name) ?? module.getBuffer(name);
  if (!original) {
    const names = [...module.namedParameters({ recurse: false }), ...module.namedBuffers({ recurse: false })].map(([n]) => `'${n}'`).join(', ') || 'none';
    throw new ArgumentError(`${REGISTER}: ${module.typeName} has no parameter, buffer or parametrized tensor '${name}' (it has ${names})`);
  }
  const hadField = Object.prototype.hasOwnProperty.call(module, name) && (module as unknown as Record<string, unknown>)[name] === original;
  if (!hadField) {
    throw new ArgumentError(`${REGISTER}: ${module.typeName} reads '${name}' by name, not through a field ${module.typeName}.${name}, so its forward would not see a parametrization`);
  }
  const ownForward = Object.prototype.hasOwnProperty.call(module, 'forward') ? (module as unknown as Record<string, unknown>).forward : undefined;
  if (ownForward !== undefined && ownForward !== parametrizedForward) {
    const reparams = Object.keys((module as unknown as { _reparams?: object })._reparams ?? {});
    throw new ArgumentError(`${REGISTER}: ${module.typeName} already has a forward of its own${reparams.length ? ` (the old-style reparametrisation of ${reparams.map((r) => `'${r}'`).join(', ')}: nn.utils.weightNorm, spectralNorm or pruning)` : ''}; a parametrization cannot be added to it`);
  }
  const taken = (module as unknown as Record<string, unknown>).parametrizations;
  if (taken !== undefined && !(taken instanceof ModuleDict)) throw new ArgumentError(`${REGISTER}: ${module.typeName} already has a member 'parametrizations' that is not the parametrizations' ModuleDict`);

  // Right-invert, then check the chain on the would-be originals, before anything changes.
  const inverted = hasInverse ? noGrad(() => parametrization.rightInverse!(original)) : original;
  const candidates = Array.isArray(inverted) ? inverted : [inverted];
  if (candidates.length === 0) throw new ArgumentError(`${REGISTER}: ${parametrization.typeName}.rightInverse returned no tensors for ${where}`);
  candidates.forEach((t) => {
    if (!(t instanceof Tensor)) throw new ArgumentError(`${REGISTER}: ${parametrization.typeName}.rightInverse must return a Tensor or an array of tensors, got ${describe(t)} for ${where}`);
  });
  if (!Array.isArray(inverted) && inverted.dtype !== original.dtype) {
    throw new DTypeError(`${REGISTER}: ${parametrization.typeName}.rightInverse turns ${original.describe()} into ${inverted.describe()}; with one original the dtype must stay ${original.dtype}`);
  }
  parametrization.train(module.training);
  if (!unsafe) noGrad(() => checkKept(`${pName} on ${where}`, parametrization.call(...candidates) as unknown, original));

  let originals: Tensor | Tensor[];
  if (!Array.isArray(inverted)) {
    // As torch's set_: the original keeps its identity and takes the right-inverted values; a
    // right inverse that changes the shape (unsafe) gets a new tensor of the same kind.
    originals = original;
    if (inverted !== original && shapesEqual(inverted.shape, original.shape)) noGrad(() => copy_(original, inverted));
    else if (inverted !== original) {
      const data = noGrad(() => clone(inverted));
      originals = original instanceof Parameter ? new Parameter(data, original.requiresGrad) : data;
    }
  } else {
    originals = inverted.map((t) => {
      if (original instanceof Parameter) return new Parameter(t, original.requiresGrad);
      const b = noGrad(() => clone(t));
      if (original.requiresGrad) b.requiresGrad_();
      return b;
    });
  }
  const list = new ParametrizationList(parametrization, originals, unsafe, hadField);
  module.deleteMember(name);
  Object.defineProperty(module, name, parametrizedProperty(name));
  let dict = taken as ModuleDict<ParametrizationList> | undefined;
  if (!dict) {
    dict = new ModuleDict<ParametrizationList>();
    (module as unknown as Parametrized).parametrizations = dict;
    module.registerModule('parametrizations', dict as unknown as AnyModule);
    (module as unknown as Record<string, unknown>).forward = parametrizedForward;
  }
  dict.set(name, list);
  forget(module, name);
  return module as M & Parametrized;
}

/**
 * Removes the parametrizations on `name` (torch's remove_parametrizations): `module[name]` becomes a
 * plain parameter or buffer again, holding the current parametrized value (leaveParametrized, the
 * default; the original tensor object is kept when the shape is, so optimizers keep it) or the
 * original itself (leaveParametrized false; one original only). With no parametrization left, the
 * `parametrizations` member goes too. Returns the module.
 * @example `nn.utils.parametrize.removeParametrizations(lin, 'weight')   // lin.weight: a Parameter again`
 */
export function removeParametrizations<M extends AnyModule>(module: M, name: string, opts: RemoveParametrizationsOptions = {}): M {
  const op = 'parametrize.removeParametrizations';
  if (!(module instanceof Module)) throw new ArgumentError(`${op}: module must be an nn.Module, got ${fmtArg(module)}`);
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${op}: options must be an object, got ${fmtArg(opts)}`);
  const leave = opts.leaveParametrized ?? true;
  if (typeof leave !== 'boolean') throw new ArgumentError(`${op}: leaveParametrized must be a boolean, got ${fmtArg(leave)}`);
  const list = listOf(module, name);
  if (!list) throw new ArgumentError(`${op}: ${module.typeName} has no parametrization on ${fmtArg(name)}`);

  let original: Tensor;
  if (list.isTensor) {
    original = list.original;
    if (leave) {
      const value = noGrad(() => list.call());
      setOriginal(list, 'original', value);
      original = list.original;
    }
  } else {
    if (!leave) throw new ArgumentError(`${op}: ${module.typeName}.${name} is parametrized by ${list.ntensors} tensors, so it cannot be left unparametrized (leaveParametrized: false); it needs one original`);
    const value = list.call();
    const data = noGrad(() => clone(value));
    original = value.requiresGrad ? new Parameter(data) : data;
  }
  delete (module as unknown as Record<string, unknown>)[name];
  const dict = (module as unknown as Parametrized).parametrizations;
  dict.deleteMember(name);
  registerTensor(module, name, original);
  if (list._hadField) (module as unknown as Record<string, unknown>)[name] = original;
  forget(module, name);
  if (dict.size === 0) {
    module.deleteMember('parametrizations');
    delete (module as unknown as Record<string, unknown>).forward;
  }
  return module;
}

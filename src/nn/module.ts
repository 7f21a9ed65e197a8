/**
 * Module: the base of every layer and model.
 *
 * Registration, PyTorch's way: a field holding a `Parameter` or a `Module` is
 * registered under the field's name (found when the module is first asked
 * for its parameters, children or state, and at every register call, so the
 * order is the order of assignment). `registerParameter`, `registerBuffer`
 * and `registerModule` name entries explicitly: buffers (plain tensors that
 * are state but not trained, such as BatchNorm's `running_mean`), names that
 * are not identifiers, and containers. Fields whose name starts with `_` are
 * never registered.
 *
 * Calling: `forward(...)` is the computation; `call(...)` runs it with the
 * hooks (forward pre-hooks, forward hooks, full backward hooks and backward
 * pre-hooks, see module-hooks.ts). Use `call` from outside, `forward` when overriding.
 */
import { noGrad } from '../autograd/api';
import { ArgumentError, DTypeError, ShapeError, fmtShape, fmtArg } from '../errors';
import { castTo, moveTo } from '../ops/cast';
import { type Device, isDeviceName, parseDevice } from '../tensor/device';
import { copy_, zero_ } from '../ops/inplace';
import { isFloat, type DType } from '../tensor/dtype';
import { shapesEqual } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { callWithHooks, type ModuleGrads } from './module-hooks';
import { Parameter, swapTensorData } from './parameter';

/** Any module, whatever its forward's signature. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModule = Module<any, any>;

/** Parameter and buffer names mapped to tensors, in PyTorch's key format (`layer.0.weight`). */
export type StateDict = Record<string, Tensor>;

export interface LoadStateDictOptions {
  /** Throw on missing or unexpected keys (default true). Shape mismatches always throw. */
  strict?: boolean;
  /**
   * Renames the state dict's keys before matching (porting weights whose names differ):
   * a map from given key to module key, or a function returning the module key, or null
   * to drop the entry. Keys a map does not name keep their name.
   */
  nameMap?: Record<string, string> | ((key: string) => string | null);
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export type ForwardHook<In extends unknown[], Out> = (module: Module<In, Out>, args: In, output: Out) => Out | void;

/** Runs before forward; may return the new arguments (a Tensor alone stands for a one-tensor argument list). */
export type ForwardPreHook<In extends unknown[], Out> = (module: Module<In, Out>, args: In) => In | (In extends [Tensor] ? Tensor : never) | void;

/** Gradients per argument (gradInput) or per output (gradOutput) of one call; null where none flows. */
export type { ModuleGrads };

/** Runs in backward with the gradients of the call's arguments and outputs; may return new argument gradients. */
export type FullBackwardHook<In extends unknown[], Out> = (module: Module<In, Out>, gradInput: ModuleGrads, gradOutput: ModuleGrads) => ModuleGrads | void;

/** Runs in backward before the module's own backward; may return new output gradients. */
export type FullBackwardPreHook<In extends unknown[], Out> = (module: Module<In, Out>, gradOutput: ModuleGrads) => ModuleGrads | void;

function checkName(owner: string, kind: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '') throw new ArgumentError(`${owner}.register${kind}: name must be a non-empty string, got ${fmtArg(name)}`);
  if (name.includes('.')) throw new ArgumentError(`${owner}.register${kind}: name '${name}' must not contain '.'`);
}

/** Applies loadStateDict's nameMap; two keys renamed to one is an error. */
function renameKeys(op: string, entries: [string, Tensor][], nameMap: NonNullable<LoadStateDictOptions['nameMap']>): Map<string, Tensor> {
  const isFn = typeof nameMap === 'function';
  if (!isFn && (nameMap === null || typeof nameMap !== 'object')) throw new ArgumentError(`${op}: nameMap must be an object or a function, got ${nameMap === null ? 'null' : typeof nameMap}`);
  const out = new Map<string, Tensor>();
  const from = new Map<string, string>();
  for (const [key, t] of entries) {
    const renamed = isFn ? nameMap(key) : (Object.prototype.hasOwnProperty.call(nameMap, key) ? nameMap[key] : key);
    if (renamed === null) continue;
    if (typeof renamed !== 'string' || renamed === '') throw new ArgumentError(`${op}: nameMap gave ${fmtArg(renamed)} for '${key}'; expected a non-empty key or null`);
    if (from.has(renamed)) throw new ArgumentError(`${op}: nameMap maps both '${from.get(renamed)}' and '${key}' to '${renamed}'`);
    from.set(renamed, key);
    out.set(renamed, t);
  }
  return out;
}

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function indent(text: string): string {
  return text.split('\n').join('\n  ');
}

/**
 * The base class of layers and models.
 * @example
 * class Net extends nn.Module { fc = new nn.Linear(4, 2); forward(x: Tensor) { return this.fc.call(x).relu(); } }
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** True in training mode (dropout active, BatchNorm uses batch statistics); see train()/eval(). */
  training = true;
  private readonly _parameters = new Map<string, Parameter | null>();
  private readonly _buffers = new Map<string, Tensor | null>();
  private readonly _nonPersistent = new Set<string>();
  private readonly _modules = new Map<string, AnyModule | null>();
  private readonly _forwardHooks: ForwardHook<In, Out>[] = [];
  private readonly _forwardPreHooks: ForwardPreHook<In, Out>[] = [];
  private readonly _backwardHooks: FullBackwardHook<In, Out>[] = [];
  private readonly _backwardPreHooks: FullBackwardPreHook<In, Out>[] = [];
  /** Set by freeze() on layers with running statistics: train() leaves them in eval mode. */
  private _evalWhileFrozen = false;

  /** The computation. Call it through `call()` from outside so that hooks run. */
  abstract forward(...args: In): Out;

  /**
   * Runs forward with the hooks: forward pre-hooks, forward, forward hooks; with backward
   * hooks registered, it also wires the call's inputs and outputs for them.
   * @example `const y = model.call(x)`
   */
  call(...args: In): Out {
    if (this._forwardPreHooks.length || this._backwardHooks.length || this._backwardPreHooks.length) {
      return callWithHooks(this, args, {
        forwardPre: this._forwardPreHooks, forward: this._forwardHooks, backward: this._backwardHooks, backwardPre: this._backwardPreHooks,
      } as unknown as Parameters<typeof callWithHooks>[2]) as Out;
    }
    let out = this.forward(...args);
    if (this._forwardHooks.length) {
      for (const hook of this._forwardHooks.slice()) {
        const r = hook(this, args, out);
        if (r !== undefined) out = r;
      }
    }
    return out;
  }

  /**
   * Adds a hook called after forward with (module, args, output); it may return a replacement output.
   * Returns a function that removes it.
   * @example `const remove = layer.registerForwardHook((m, args, y) => { stats.push(y.std().item()); })`
   */
  registerForwardHook(hook: ForwardHook<In, Out>): () => void {
    if (typeof hook !== 'function') throw new ArgumentError(`${this.typeName}.registerForwardHook: hook must be a function`);
    this._forwardHooks.push(hook);
    return () => {
      const i = this._forwardHooks.indexOf(hook);
      if (i >= 0) this._forwardHooks.splice(i, 1);
    };
  }

  /**
   * Adds a hook called before forward with (module, args); it may return replacement
   * arguments (the whole array, or a Tensor for a one-tensor forward). Hooks run in the
   * order registered, each seeing the previous one's arguments. Returns a function that removes it.
   * @example
   * const remove = layer.registerForwardPreHook((m, [x]) => x.clamp(-1, 1));
   * layer.call(x);   // forward sees x clamped
   * remove();
   */
  registerForwardPreHook(hook: ForwardPreHook<In, Out>): () => void {
    return this.addHook('registerForwardPreHook', this._forwardPreHooks, hook);
  }

  /**
   * Adds a hook called once per backward through each call() of this module, with
   * (module, gradInput, gradOutput): the gradients w.r.t. the call's arguments (one entry per
   * argument, null for arguments that are not tensors requiring grad, or that got no gradient)
   * and w.r.t. its outputs (one entry per output: a Tensor output is one; an array output has one
   * per element, null for non-tensors). Not the parameters' gradients. It may return replacement
   * argument gradients (an array of the same length), which then flow to the earlier layers.
   * When no argument requires grad it still runs, with all-null gradInput, and must return nothing.
   * Hooks present at call() time run for that call's backward, in the order registered.
   * Forward must return a Tensor or an array. Returns a function that removes the hook.
   * @example
   * const remove = block.registerFullBackwardHook((m, gradInput, gradOutput) => {
   *   console.log(gradInput[0]?.norm().item(), gradOutput[0]?.norm().item());
   * });
   * // or clip what reaches the earlier layers: (m, gIn) => gIn.map((g) => g && g.clamp(-1, 1))
   */
  registerFullBackwardHook(hook: FullBackwardHook<In, Out>): () => void {
    return this.addHook('registerFullBackwardHook', this._backwardHooks, hook);
  }

  /**
   * Adds a hook called in backward before this module's own backward, with (module, gradOutput):
   * the gradients w.r.t. the call's outputs (as in registerFullBackwardHook). It may return
   * replacement output gradients (an array of the same length), which the module's backward
   * (its parameters' gradients included) and the full backward hooks then use.
   * Returns a function that removes it.
   * @example
   * const remove = layer.registerFullBackwardPreHook((m, [g]) => [g!.mul(0.5)]);   // halves every gradient below
   */
  registerFullBackwardPreHook(hook: FullBackwardPreHook<In, Out>): () => void {
    return this.addHook('registerFullBackwardPreHook', this._backwardPreHooks, hook);
  }

  private addHook<H>(op: string, list: H[], hook: H): () => void {
    if (typeof hook !== 'function') throw new ArgumentError(`${this.typeName}.${op}: hook must be a function`);
    list.push(hook);
    return () => {
      const i = list.indexOf(hook);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /**
   * @internal Whether any hook that call() runs is registered (forward, forward pre-, full
   * backward or backward pre-hooks): fused paths that skip a module's call() must not then.
   */
  hasHooks(): boolean {
    return this._forwardHooks.length > 0 || this._forwardPreHooks.length > 0 || this._backwardHooks.length > 0 || this._backwardPreHooks.length > 0;
  }

  /** @internal Same as hasHooks() (kept for fused paths written before the other hooks existed). */
  hasForwardHooks(): boolean {
    return this.hasHooks();
  }

  /** The class name shown in messages and in toString(). */
  get typeName(): string {
    return this.constructor.name;
  }

  // ---------------------------------------------------------------- registration

  /** Registers fields that hold a Parameter or a Module, and follows fields that were reassigned. */
  private syncFields(): void {
    for (const key of Object.keys(this)) {
      if (key.startsWith('_')) continue;
      const value = (this as Record<string, unknown>)[key];
      if (value instanceof Parameter) {
        if (this._buffers.has(key) || this._modules.has(key)) throw new ArgumentError(`${this.typeName}: field '${key}' holds a Parameter but '${key}' is registered as a ${this._buffers.has(key) ? 'buffer' : 'module'}`);
        if (this._parameters.get(key) !== value) this._parameters.set(key, value);
      } else if (value instanceof Module) {
        if (this._parameters.has(key) || this._buffers.has(key)) throw new ArgumentError(`${this.typeName}: field '${key}' holds a Module but '${key}' is registered as a ${this._buffers.has(key) ? 'buffer' : 'parameter'}`);
        if (this._modules.get(key) !== value) this._modules.set(key, value);
      } else if (value === null || value === undefined) {
        if (this._parameters.has(key)) this._parameters.set(key, null);
        if (this._modules.has(key)) this._modules.set(key, null);
      } else if (this._buffers.has(key) && value instanceof Tensor) {
        this._buffers.set(key, value);
      } else if (Array.isArray(value) && value.some((v) => v instanceof Module || v instanceof Parameter)) {
        throw new ArgumentError(`${this.typeName}: field '${key}' is a plain array of modules or parameters, which would not be registered; use nn.ModuleList for modules or registerParameter for each parameter (or name the field '_${key}' to keep it unregistered)`);
      }
    }
  }

  /**
   * Registers (or replaces, or with null removes from the state) a parameter under `name`; returns it.
   * @example `this.registerParameter('scale', parameter(ones([4])))`
   */
  registerParameter<P extends Parameter | null>(name: string, param: P): P {
    checkName(this.typeName, 'Parameter', name);
    if (param !== null && !(param instanceof Parameter)) {
      throw new ArgumentError(`${this.typeName}.registerParameter: '${name}' must be a Parameter (wrap the tensor with parameter(t)) or null`);
    }
    this.syncFields();
    if (this._buffers.has(name) || this._modules.has(name)) throw new ArgumentError(`${this.typeName}.registerParameter: '${name}' is already registered as a ${this._buffers.has(name) ? 'buffer' : 'module'}`);
    this._parameters.set(name, param);
    if (Object.prototype.hasOwnProperty.call(this, name)) (this as Record<string, unknown>)[name] = param;
    return param;
  }

  /**
   * Registers a buffer: state that is saved and moved with the module but not trained
   * (`persistent: false` leaves it out of stateDict). Returns it.
   * @example `this.registerBuffer('running_mean', zeros([c]))`
   */
  registerBuffer<T extends Tensor | null>(name: string, tensor: T, opts?: { persistent?: boolean }): T {
    checkName(this.typeName, 'Buffer', name);
    if (tensor !== null && !(tensor instanceof Tensor)) throw new ArgumentError(`${this.typeName}.registerBuffer: '${name}' must be a Tensor or null`);
    this.syncFields();
    if (this._parameters.has(name) || this._modules.has(name)) throw new ArgumentError(`${this.typeName}.registerBuffer: '${name}' is already registered as a ${this._parameters.has(name) ? 'parameter' : 'module'}`);
    if (tensor) tensor.kept = true;
    this._buffers.set(name, tensor);
    if (opts?.persistent === false) this._nonPersistent.add(name);
    else this._nonPersistent.delete(name);
    if (Object.prototype.hasOwnProperty.call(this, name)) (this as Record<string, unknown>)[name] = tensor;
    return tensor;
  }

  /**
   * Registers a child module under `name` (PyTorch's add_module); returns it.
   * @example `this.registerModule('block1', new Residual(new Linear(8, 8)))`
   */
  registerModule<M extends AnyModule | null>(name: string, module: M): M {
    checkName(this.typeName, 'Module', name);
    if (module !== null && !(module instanceof Module)) throw new ArgumentError(`${this.typeName}.registerModule: '${name}' must be a Module or null`);
    this.syncFields();
    if (this._parameters.has(name) || this._buffers.has(name)) throw new ArgumentError(`${this.typeName}.registerModule: '${name}' is already registered as a ${this._parameters.has(name) ? 'parameter' : 'buffer'}`);
    this._modules.set(name, module);
    if (Object.prototype.hasOwnProperty.call(this, name)) (this as Record<string, unknown>)[name] = module;
    return module;
  }

  /** The parameter registered under `name` on this module (not children), or null. @example `layer.getParameter('weight')` */
  getParameter(name: string): Parameter | null {
    this.syncFields();
    return this._parameters.get(name) ?? null;
  }

  /** The buffer registered under `name` on this module, or null. @example `bn.getBuffer('running_mean')` */
  getBuffer(name: string): Tensor | null {
    this.syncFields();
    return this._buffers.get(name) ?? null;
  }

  /**
   * @internal Puts `tensor` in the place of this module's parameter or buffer `name` (its
   * registered entry, and its field when it has one) and returns the tensor that was there, as
   * torch's stateless swap: func.functionalCall runs a module on given tensors this way (plain
   * tensors, possibly carrying a graph, stand where Parameters were) and swaps the originals back.
   * @example `const mine = lin.swapTensor('weight', given); try { lin.call(x) } finally { lin.swapTensor('weight', mine) }`
   */
  swapTensor(name: string, tensor: Tensor): Tensor {
    if (!(tensor instanceof Tensor)) throw new ArgumentError(`${this.typeName}.swapTensor: '${name}' must be given a Tensor, got ${fmtArg(tensor)}`);
    this.syncFields();
    const table = (this._parameters.has(name) ? this._parameters : this._buffers.has(name) ? this._buffers : null) as Map<string, Tensor | null> | null;
    const old = table?.get(name);
    if (!table || !old) throw new ArgumentError(`${this.typeName}.swapTensor: '${name}' is not a parameter or buffer of this module`);
    table.set(name, tensor);
    if (Object.prototype.hasOwnProperty.call(this, name)) (this as Record<string, unknown>)[name] = tensor;
    return old;
  }

  /**
   * @internal Removes the parameter, buffer or submodule `name` from this module, its field
   * included (Python's `del module.name`), and returns what was registered. A later registration
   * of that name comes after the others, as in PyTorch (nn.utils.parametrize moves a weight this way).
   * @example `const w = lin.deleteMember('weight')`
   */
  deleteMember(name: string): Tensor | AnyModule | null {
    this.syncFields();
    const table = [this._parameters, this._buffers, this._modules].find((t) => t.has(name)) as Map<string, Tensor | AnyModule | null> | undefined;
    if (!table) throw new ArgumentError(`${this.typeName}.deleteMember: '${name}' is not a parameter, buffer or submodule of this module`);
    const old = table.get(name) ?? null;
    table.delete(name);
    this._nonPersistent.delete(name);
    if (Object.prototype.hasOwnProperty.call(this, name)) delete (this as Record<string, unknown>)[name];
    return old;
  }

  /** @internal The registered child modules (used by containers). */
  protected childMap(): Map<string, AnyModule | null> {
    this.syncFields();
    return this._modules;
  }

  // ---------------------------------------------------------------- traversal

  /**
   * Direct children with their names.
   * @example `for (const [name, m] of model.namedChildren()) console.log(name)`
   */
  namedChildren(): [string, AnyModule][] {
    this.syncFields();
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    for (const [name, m] of this._modules) {
      if (m && !seen.has(m)) { seen.add(m); out.push([name, m]); }
    }
    return out;
  }

  /** Direct children. @example `model.children().length` */
  children(): AnyModule[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /**
   * This module and every descendant, each once, with dotted names ('' for this one).
   * @example `model.namedModules().map(([n]) => n)`
   */
  namedModules(prefix = ''): [string, AnyModule][] {
    const out: [string, AnyModule][] = [];
    const seen = new Set<AnyModule>();
    const visit = (m: AnyModule, p: string): void => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([p, m]);
      m.syncFields();
      for (const [name, child] of m._modules) if (child) visit(child, p ? `${p}.${name}` : name);
    };
    visit(this, prefix);
    return out;
  }

  /** This module and every descendant, each once. @example `model.modules().filter((m) => m instanceof Linear)` */
  modules(): AnyModule[] {
    return this.namedModules().map(([, m]) => m);
  }

  private namedMembers<T extends Tensor>(pick: (m: AnyModule) => Map<string, T | null>, prefix: string, recurse: boolean,
    removeDuplicate: boolean, skip?: (m: AnyModule, name: string) => boolean): [string, T][] {
    const out: [string, T][] = [];
    const seen = new Set<Tensor>();
    const visit = (m: AnyModule, p: string, visited: Set<AnyModule>): void => {
      if (removeDuplicate) {
        if (visited.has(m)) return;
        visited.add(m);
      }
      m.syncFields();
      for (const [name, t] of pick(m)) {
        if (!t || (skip && skip(m, name))) continue;
        if (removeDuplicate) {
          if (seen.has(t)) continue;
          seen.add(t);
        }
        out.push([p ? `${p}.${name}` : name, t]);
      }
      if (!recurse) return;
      for (const [name, child] of m._modules) if (child) visit(child, p ? `${p}.${name}` : name, visited);
    };
    visit(this, prefix, new Set());
    return out;
  }

  /**
   * Parameters with dotted names, each tensor once (shared ones under their first name).
   * @example `for (const [name, p] of model.namedParameters()) console.log(name, p.shape)`
   */
  namedParameters(opts?: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean }): [string, Parameter][] {
    return this.namedMembers((m) => m._parameters, opts?.prefix ?? '', opts?.recurse ?? true, opts?.removeDuplicate ?? true);
  }

  /** All parameters, each once. @example `new optim.SGD(model.parameters(), { lr: 0.1 })` */
  parameters(opts?: { recurse?: boolean }): Parameter[] {
    return this.namedParameters(opts).map(([, p]) => p);
  }

  /** Buffers with dotted names. @example `bn.namedBuffers().map(([n]) => n) // ['running_mean', 'running_var', 'num_batches_tracked']` */
  namedBuffers(opts?: { prefix?: string; recurse?: boolean; removeDuplicate?: boolean }): [string, Tensor][] {
    return this.namedMembers((m) => m._buffers, opts?.prefix ?? '', opts?.recurse ?? true, opts?.removeDuplicate ?? true);
  }

  /** All buffers. @example `model.buffers().length` */
  buffers(opts?: { recurse?: boolean }): Tensor[] {
    return this.namedBuffers(opts).map(([, b]) => b);
  }

  /** Total number of parameter elements (shared parameters counted once). @example `model.numParameters()` */
  numParameters(opts?: { trainableOnly?: boolean }): number {
    let n = 0;
    for (const p of this.parameters()) if (!opts?.trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  // ---------------------------------------------------------------- modes and bulk updates

  /**
   * Sets training mode on this module and every descendant; returns this.
   * @example `model.train()`
   */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new ArgumentError(`${this.typeName}.train: mode must be a boolean, got ${fmtArg(mode)}`);
    for (const m of this.modules()) m.training = mode && !m._evalWhileFrozen;
    return this;
  }

  /**
   * True for layers whose running statistics should stop updating when frozen
   * (BatchNorm overrides it): freeze() puts them in eval mode until unfreeze().
   */
  protected get hasRunningStats(): boolean {
    return false;
  }

  /**
   * Freezes this module for fine-tuning: every parameter stops requiring gradients and,
   * unless `batchNormEval` is false, BatchNorm layers inside stay in eval mode (running
   * statistics fixed) even when train() is called, until unfreeze(). Returns this.
   * @example `model.freeze(); model.fc.unfreeze()`
   */
  freeze(opts?: { batchNormEval?: boolean }): this {
    const batchNormEval = opts?.batchNormEval ?? true;
    if (typeof batchNormEval !== 'boolean') throw new ArgumentError(`${this.typeName}.freeze: batchNormEval must be a boolean, got ${fmtArg(batchNormEval)}`);
    this.requiresGrad_(false);
    if (batchNormEval) {
      for (const m of this.modules()) {
        if (!m.hasRunningStats) continue;
        m._evalWhileFrozen = true;
        m.training = false;
      }
    }
    return this;
  }

  /**
   * Undoes freeze(): parameters require gradients again and BatchNorm layers follow
   * train()/eval() again (they take this module's current mode). Returns this.
   * @example `model.layer4.unfreeze()`
   */
  unfreeze(): this {
    this.requiresGrad_(true);
    for (const m of this.modules()) {
      if (!m._evalWhileFrozen) continue;
      m._evalWhileFrozen = false;
      m.training = this.training;
    }
    return this;
  }

  /** True when every parameter is frozen (and there is at least one). @example `model.layer1.isFrozen` */
  get isFrozen(): boolean {
    const ps = this.parameters();
    return ps.length > 0 && ps.every((p) => !p.requiresGrad);
  }

  /**
   * The descendant at a dotted path ('layer4.1.conv2'; '' is this module); throws
   * an ArgumentError naming the first missing part.
   * @example `const head = model.getSubmodule('classifier.1')`
   */
  getSubmodule(path: string): AnyModule {
    if (typeof path !== 'string') throw new ArgumentError(`${this.typeName}.getSubmodule: path must be a string, got ${typeof path}`);
    if (path === '') return this;
    let m: AnyModule = this;
    const parts = path.split('.');
    parts.forEach((part, i) => {
      m.syncFields();
      const child = m._modules.get(part);
      if (!child) {
        const names = [...m._modules.keys()].map((k) => `'${k}'`).join(', ') || 'none';
        throw new ArgumentError(`${this.typeName}.getSubmodule: '${path}': ${i === 0 ? 'this module' : `'${parts.slice(0, i).join('.')}'`} has no submodule '${part}' (it has ${names})`);
      }
      m = child;
    });
    return m;
  }

  /**
   * Replaces the descendant at a dotted path with `module` (PyTorch's set_submodule): the
   * parent's field and registration both change, so forward uses the new one. The parent
   * must already have a submodule of that name. Returns the module it replaced.
   * @example `model.setSubmodule('fc', new nn.Linear(512, 5))`
   */
  setSubmodule(path: string, module: AnyModule): AnyModule {
    const op = `${this.typeName}.setSubmodule`;
    if (typeof path !== 'string' || path === '') throw new ArgumentError(`${op}: path must be a non-empty dotted path, got ${typeof path === 'string' ? "''" : typeof path}`);
    if (!(module instanceof Module)) throw new ArgumentError(`${op}: module must be a Module, got ${module === null ? 'null' : typeof module}`);
    const cut = path.lastIndexOf('.');
    const parent = this.getSubmodule(cut < 0 ? '' : path.slice(0, cut));
    const name = path.slice(cut + 1);
    parent.syncFields();
    const old = parent._modules.get(name);
    if (!old) throw new ArgumentError(`${op}: '${path}': there is no submodule '${name}' to replace (it has ${[...parent._modules.keys()].map((k) => `'${k}'`).join(', ') || 'none'})`);
    parent.registerModule(name, module);
    return old;
  }

  /** Evaluation mode (dropout off, BatchNorm uses running statistics); returns this. @example `model.eval()` */
  eval(): this {
    return this.train(false);
  }

  /**
   * Turns gradient recording on or off for every parameter (freezing); returns this.
   * @example `backbone.requiresGrad_(false)`
   */
  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad = on;
    return this;
  }

  /**
   * Calls fn on every descendant (children first) and then on this module; returns this.
   * @example `model.apply((m) => { if (m instanceof nn.Linear) nn.init.zeros(m.bias!) })`
   */
  apply(fn: (m: AnyModule) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Clears parameter gradients: disposes and drops them (setToNone, the default, as in
   * PyTorch 2), or fills them with zeros.
   * @example `model.zeroGrad()`
   */
  zeroGrad(opts?: { setToNone?: boolean }): void {
    const setToNone = opts?.setToNone ?? true;
    for (const p of this.parameters()) {
      const g = p.grad;
      if (!g) continue;
      if (setToNone) {
        p.grad = null;
        g.dispose();
      } else {
        noGrad(() => zero_(g));
      }
    }
  }

  /**
   * Converts float parameters and buffers (and their gradients) to `dtype`, or moves every
   * parameter, gradient and buffer to a device ('cpu', 'cuda'), in place, keeping every
   * Parameter object (so optimizers and fields still hold them); returns this. Create the
   * optimizer after moving the model, as in PyTorch (its state follows the parameters then).
   * @example `model.to('float64')` or `model.to('cuda')`
   */
  to(target: DType | Device | 'cuda:0'): this {
    if (isDeviceName(target)) {
      const device = parseDevice(`${this.typeName}.to`, target);
      noGrad(() => {
        const move = (t: Tensor): void => {
          if (t.device !== device) swapTensorData(t, moveTo(t, device));
        };
        for (const p of this.parameters()) {
          move(p);
          if (p.grad) move(p.grad);
        }
        for (const b of this.buffers()) move(b);
      });
      return this;
    }
    const dtype = target;
    if (dtype !== 'float32' && dtype !== 'float64') throw new DTypeError(`${this.typeName}.to: dtype must be float32 or float64 (or a device, 'cpu' or 'cuda'), got ${fmtArg(dtype)}`);
    noGrad(() => {
      const convert = (t: Tensor): void => {
        if (!isFloat(t.dtype) || t.dtype === dtype) return;
        swapTensorData(t, castTo(t, dtype));
      };
      for (const p of this.parameters()) {
        convert(p);
        if (p.grad) convert(p.grad);
      }
      for (const b of this.buffers()) convert(b);
    });
    return this;
  }

  /** `to('float64')`, for gradcheck. @example `model.double()` */
  double(): this {
    return this.to('float64');
  }

  /** `to('float32')`. @example `model.float()` */
  float(): this {
    return this.to('float32');
  }

  // ---------------------------------------------------------------- state

  /**
   * Parameters and persistent buffers by dotted name, in PyTorch's key format and order
   * (each module's parameters, then its buffers, then its children). Values share storage
   * with the module and are cut from the graph.
   * @example `const sd = model.stateDict(); sd['0.weight'].shape`
   */
  stateDict(opts?: { prefix?: string }): StateDict {
    const out: StateDict = {};
    const visit = (m: AnyModule, p: string): void => {
      m.syncFields();
      for (const [name, t] of m._parameters) if (t) out[p + name] = detachShared(t);
      for (const [name, t] of m._buffers) if (t && !m._nonPersistent.has(name)) out[p + name] = detachShared(t);
      for (const [name, child] of m._modules) if (child) visit(child, `${p}${name}.`);
    };
    visit(this, opts?.prefix ?? '');
    return out;
  }

  /**
   * Copies values from a state dict into this module's parameters and buffers (casting dtype).
   * Checks everything first: missing or unexpected keys (when strict, the default) and shape
   * mismatches (always) throw an error listing them, and then nothing is changed.
   * @example `model.loadStateDict(saved)` or `model.loadStateDict(sd, { strict: false })`
   */
  loadStateDict(stateDict: StateDict | Map<string, Tensor>, opts?: LoadStateDictOptions): LoadStateDictResult {
    const op = `${this.typeName}.loadStateDict`;
    if (stateDict === null || typeof stateDict !== 'object') throw new ArgumentError(`${op}: stateDict must be an object or a Map of tensors, got ${stateDict === null ? 'null' : typeof stateDict}`);
    const strict = opts?.strict ?? true;
    const entries = stateDict instanceof Map ? [...stateDict] : Object.entries(stateDict);
    const given = opts?.nameMap === undefined ? new Map(entries) : renameKeys(op, entries, opts.nameMap);
    const targets = new Map<string, Tensor>();
    const visit = (m: AnyModule, p: string): void => {
      m.syncFields();
      for (const [name, t] of m._parameters) if (t) targets.set(p + name, t);
      for (const [name, t] of m._buffers) if (t && !m._nonPersistent.has(name)) targets.set(p + name, t);
      for (const [name, child] of m._modules) if (child) visit(child, `${p}${name}.`);
    };
    visit(this, '');
    const missingKeys = [...targets.keys()].filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !targets.has(k));
    const problems: string[] = [];
    let shapeProblem = false;
    for (const [key, target] of targets) {
      if (!given.has(key)) continue;
      const src = given.get(key);
      if (!(src instanceof Tensor)) { problems.push(`'${key}' is not a Tensor (got ${src === null ? 'null' : typeof src})`); continue; }
      if (src.isDisposed) { problems.push(`'${key}' was disposed`); continue; }
      if (!shapesEqual(src.shape, target.shape)) {
        shapeProblem = true;
        problems.push(`size mismatch for '${key}': the state dict has ${fmtShape(src.shape)}, the module has ${fmtShape(target.shape)}`);
      }
    }
    const keyProblems: string[] = [];
    if (strict && missingKeys.length) keyProblems.push(`missing keys: ${missingKeys.map((k) => `'${k}'`).join(', ')}`);
    if (strict && unexpectedKeys.length) keyProblems.push(`unexpected keys: ${unexpectedKeys.map((k) => `'${k}'`).join(', ')}`);
    problems.unshift(...keyProblems);
    if (problems.length) {
      const message = `${op}: error(s) loading the state dict; nothing was loaded:\n  ${problems.join('\n  ')}`;
      throw shapeProblem ? new ShapeError(message) : new ArgumentError(message);
    }
    noGrad(() => {
      for (const [key, target] of targets) {
        const src = given.get(key);
        if (src && src !== target && src.storage !== target.storage) copy_(target, src);
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---------------------------------------------------------------- printing

  /** The arguments shown between the parentheses in toString(), e.g. `inFeatures=4, outFeatures=2, bias=true`. */
  protected extraRepr(): string {
    return '';
  }

  /** @internal PyTorch's repr: the module and its children, indented. */
  reprTree(): string {
    const extra = this.extraRepr();
    const children = [...this.childMap()].filter(([, m]) => m !== null) as [string, AnyModule][];
    if (children.length === 0) return `${this.typeName}(${extra})`;
    const lines = children.map(([name, m]) => `  (${name}): ${indent(m.reprTree())}`);
    const head = extra ? `${this.typeName}(${extra}\n` : `${this.typeName}(\n`;
    return `${head}${lines.join('\n')}\n)`;
  }

  /**
   * The module tree as PyTorch prints it, then the parameter count.
   * @example `console.log(String(model))`
   */
  toString(): string {
    const total = this.numParameters(), trainable = this.numParameters({ trainableOnly: true });
    const count = trainable === total ? `Total parameters: ${formatCount(total)}` : `Total parameters: ${formatCount(total)} (trainable: ${formatCount(trainable)})`;
    return `${this.reprTree()}\n${count}`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** A graph-free view of t sharing its storage (what stateDict hands out). */
function detachShared(t: Tensor): Tensor {
  return new Tensor(t.storage, t.shape.slice(), t.dtype);
}

/** Formats options for extraRepr: `a=1, b=true`, skipping undefined. */
export function reprArgs(entries: [string, unknown][]): string {
  return entries.filter(([, v]) => v !== undefined).map(([k, v]) => (k ? `${k}=${fmtValue(v)}` : fmtValue(v))).join(', ');
}

function fmtValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(fmtValue).join(', ')}]`;
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

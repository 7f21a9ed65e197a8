/** Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict, and Residual (x + F(x)). */
import { ArgumentError, DTypeError, ShapeError, fmtArg } from '../errors';
import { add } from '../ops/binary';
import { assertTensor } from '../ops/util';
import { isFloat } from '../tensor/dtype';
import { shapesEqual } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';
import { Module, type AnyModule } from './module';
import { fusedPair, fusedTriple } from './fusion';
import { Parameter } from './parameter';

/** A module mapping one tensor to one tensor (what Sequential chains). */
export type TensorModule = Module<[Tensor], Tensor>;

function checkModule(op: string, what: string, m: unknown): asserts m is AnyModule {
  if (!(m instanceof Module)) throw new ArgumentError(`${op}: ${what} must be a Module, got ${m === null ? 'null' : typeof m === 'object' ? (m as object).constructor?.name ?? 'object' : typeof m}`);
}

function normIndex(op: string, i: number, length: number, what = 'modules'): number {
  if (!Number.isInteger(i) || i < -length || i >= length) throw new ArgumentError(`${op}: index ${fmtArg(i)} is out of range for ${length} ${what}`);
  return i < 0 ? i + length : i;
}

/**
 * Runs modules in order, each on the previous one's output. Children are named '0', '1', ...
 * (or by the keys of an object), as in PyTorch.
 * @example `const mlp = new nn.Sequential(new nn.Linear(784, 256), new nn.ReLU(), new nn.Linear(256, 10))`
 */
export class Sequential extends Module<[Tensor], Tensor> {
  constructor(...modules: TensorModule[] | [Record<string, TensorModule>]) {
    super();
    const first = modules[0] as unknown;
    if (modules.length === 1 && first !== null && typeof first === 'object' && !(first instanceof Module)) {
      for (const [name, m] of Object.entries(first as Record<string, TensorModule>)) {
        checkModule('Sequential', `module '${name}'`, m);
        this.registerModule(name, m);
      }
    } else {
      (modules as TensorModule[]).forEach((m, i) => {
        checkModule('Sequential', `modules[${i}]`, m);
        this.registerModule(String(i), m);
      });
    }
  }

  /** Number of modules. @example `seq.length` */
  get length(): number {
    return this.childMap().size;
  }

  /** The module at position i (negative counts from the end). @example `seq.at(-1)` */
  at(i: number): TensorModule {
    const list = [...this.childMap().values()];
    return list[normIndex('Sequential.at', i, list.length)] as TensorModule;
  }

  /** Appends a module (named by its position); returns this. @example `seq.append(new nn.ReLU())` */
  append(m: TensorModule): this {
    checkModule('Sequential.append', 'module', m);
    this.registerModule(String(this.length), m);
    return this;
  }

  /** The child modules in order. @example `for (const layer of seq) console.log(layer.constructor.name)` */
  [Symbol.iterator](): Iterator<TensorModule> {
    return ([...this.childMap().values()].filter((m) => m !== null) as TensorModule[])[Symbol.iterator]();
  }

  forward(x: Tensor): Tensor {
    let h = x;
    // Some adjacent pairs (BatchNorm then ReLU, ReLU then MaxPool2d) and triples (Conv2d, ReLU,
    // MaxPool2d) run as one step with the same values and gradients and less memory traffic:
    // see nn/fusion.ts. A triple is tried first, then a pair, then the module alone.
    const modules = [...this.childMap().values()].filter((m): m is AnyModule => m !== null && m !== undefined);
    for (let i = 0; i < modules.length;) {
      const triple = i + 2 < modules.length ? fusedTriple(modules[i], modules[i + 1], modules[i + 2]) : null;
      if (triple) {
        h = triple(h);
        i += 3;
        continue;
      }
      const pair = i + 1 < modules.length ? fusedPair(modules[i], modules[i + 1]) : null;
      if (pair) {
        h = pair(h);
        i += 2;
        continue;
      }
      h = (modules[i] as TensorModule).call(h);
      i += 1;
    }
    return h;
  }
}

/**
 * A list of modules, registered under '0', '1', ... (a plain array would not be registered).
 * It has no forward: iterate it in your own.
 * @example `this.blocks = new nn.ModuleList([new Block(), new Block()])`
 */
export class ModuleList<M extends AnyModule = AnyModule> extends Module<never[], never> {
  constructor(modules: M[] = []) {
    super();
    if (!Array.isArray(modules)) throw new ArgumentError('ModuleList: modules must be an array of Modules');
    for (const m of modules) this.append(m);
  }

  /** Number of modules. @example `list.length` */
  get length(): number {
    return this.childMap().size;
  }

  /** The module at i (negative counts from the end). @example `list.at(0)` */
  at(i: number): M {
    const list = [...this.childMap().values()];
    return list[normIndex('ModuleList.at', i, list.length)] as M;
  }

  /** Appends a module; returns this. @example `list.append(new nn.Linear(4, 4))` */
  append(m: M): this {
    checkModule('ModuleList.append', 'module', m);
    this.registerModule(String(this.length), m);
    return this;
  }

  /** Appends several modules; returns this. @example `list.extend([a, b])` */
  extend(modules: M[]): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** The modules in order. @example `for (const block of blocks) x = block.call(x)` */
  [Symbol.iterator](): Iterator<M> {
    return ([...this.childMap().values()] as M[])[Symbol.iterator]();
  }

  forward(): never {
    throw new ArgumentError('ModuleList has no forward; iterate over it in your module\'s forward');
  }
}

/**
 * Modules by name, in insertion order. It has no forward.
 * @example `this.heads = new nn.ModuleDict({ cls: new nn.Linear(64, 10), box: new nn.Linear(64, 4) })`
 */
export class ModuleDict<M extends AnyModule = AnyModule> extends Module<never[], never> {
  constructor(modules: Record<string, M> = {}) {
    super();
    if (modules === null || typeof modules !== 'object') throw new ArgumentError('ModuleDict: modules must be an object of Modules');
    for (const [k, m] of Object.entries(modules)) this.set(k, m);
  }

  /** The module under key, or throws. @example `heads.get('cls')` */
  get(key: string): M {
    const m = this.childMap().get(key);
    if (!m) throw new ArgumentError(`ModuleDict.get: no module under '${key}' (keys: ${this.keys().join(', ')})`);
    return m as M;
  }

  /** Adds or replaces the module under key; returns this. @example `heads.set('aux', new nn.Linear(64, 2))` */
  set(key: string, m: M): this {
    checkModule('ModuleDict.set', `module '${key}'`, m);
    this.registerModule(key, m);
    return this;
  }

  /** Whether key is present. @example `heads.has('cls')` */
  has(key: string): boolean {
    return !!this.childMap().get(key);
  }

  /** @example `heads.keys()` */
  keys(): string[] {
    return [...this.childMap().entries()].filter(([, m]) => m).map(([k]) => k);
  }

  /** @example `heads.values()` */
  values(): M[] {
    return [...this.childMap().values()].filter((m) => m) as M[];
  }

  /** @example `for (const [k, m] of heads.entries()) ...` */
  entries(): [string, M][] {
    return [...this.childMap().entries()].filter(([, m]) => m) as [string, M][];
  }

  /** Number of modules. @example `heads.size` */
  get size(): number {
    return this.keys().length;
  }

  forward(): never {
    throw new ArgumentError('ModuleDict has no forward; pick modules by key in your module\'s forward');
  }
}

/**
 * A Parameter as the parameter containers store it: a Parameter as is, any other float tensor
 * wrapped in one (sharing its storage, requiring grad), as PyTorch 2.x's ParameterList does.
 */
function asParameter(op: string, what: string, t: unknown): Parameter {
  if (t instanceof Parameter) return t;
  if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: ${what} must be a Tensor or a Parameter, got ${t === null ? 'null' : typeof t === 'object' ? (t as object).constructor?.name ?? 'object' : typeof t}`);
  assertTensor(op, what, t);
  if (!isFloat(t.dtype)) throw new DTypeError(`${op}: ${what} ${t.describe()} must be a float tensor to become a Parameter`);
  return new Parameter(t);
}

/** PyTorch's line for a parameter in a container's repr: `(0): Parameter containing: [float32 of size 3x4]`. */
function parameterLine(name: string, p: Parameter): string {
  return `  (${name}): Parameter containing: [${p.dtype} of size ${p.shape.join('x') || '()'}]`;
}

/**
 * A list of parameters, registered under '0', '1', ... so that a model's state dict names them
 * as PyTorch's does (`params.0`). Tensors that are not Parameters are wrapped in one. It has no forward.
 * @example `this.scales = new nn.ParameterList([ones([4]), ones([8])])`
 */
export class ParameterList extends Module<never[], never> {
  constructor(values: Tensor[] = []) {
    super();
    if (!Array.isArray(values)) throw new ArgumentError(`ParameterList: values must be an array of Tensors, got ${fmtArg(values)}`);
    values.forEach((t, i) => this.registerParameter(String(i), asParameter('ParameterList', `values[${i}]`, t)));
  }

  /** Number of parameters. @example `params.length` */
  get length(): number {
    return this.namedParameters({ recurse: false, removeDuplicate: false }).length;
  }

  /** The parameter at i (negative counts from the end). @example `params.at(-1)` */
  at(i: number): Parameter {
    return this.getParameter(String(normIndex('ParameterList.at', i, this.length, 'parameters')))!;
  }

  /** Replaces the parameter at i (PyTorch's `params[i] = p`); returns this. @example `params.set(0, ones([4]))` */
  set(i: number, value: Tensor): this {
    const k = normIndex('ParameterList.set', i, this.length, 'parameters');
    this.registerParameter(String(k), asParameter('ParameterList.set', 'value', value));
    return this;
  }

  /** Appends a parameter; returns this. @example `params.append(zeros([3]))` */
  append(value: Tensor): this {
    this.registerParameter(String(this.length), asParameter('ParameterList.append', 'value', value));
    return this;
  }

  /** Appends several; returns this. @example `params.extend([a, b])` */
  extend(values: Tensor[]): this {
    if (!Array.isArray(values)) throw new ArgumentError(`ParameterList.extend: values must be an array of Tensors, got ${fmtArg(values)}`);
    for (const v of values) this.append(v);
    return this;
  }

  /** The parameters in order. @example `for (const p of params) total = total.add(p.sum())` */
  [Symbol.iterator](): Iterator<Parameter> {
    return this.namedParameters({ recurse: false, removeDuplicate: false }).map(([, p]) => p)[Symbol.iterator]();
  }

  forward(): never {
    throw new ArgumentError('ParameterList has no forward; use its parameters in your module\'s forward');
  }

  /** @internal PyTorch's repr: one line per parameter. */
  override reprTree(): string {
    const lines = this.namedParameters({ recurse: false, removeDuplicate: false }).map(([n, p]) => parameterLine(n, p));
    return lines.length ? `ParameterList(\n${lines.join('\n')}\n)` : 'ParameterList()';
  }
}

/**
 * What ParameterDict takes: a plain object (its keys sorted, as PyTorch sorts a dict's), or a Map,
 * [key, tensor] pairs or a ParameterDict (their order kept, as PyTorch keeps an OrderedDict's).
 * @example `new nn.ParameterDict([['z', ones([2])], ['a', ones([2])]])` keeps the order z, a
 */
export type ParameterDictInput = Record<string, Tensor> | Map<string, Tensor> | [string, Tensor][] | ParameterDict;

/**
 * Parameters by name, registered under their keys so that a model's state dict names them as
 * PyTorch's does (`gains.query`). Tensors that are not Parameters are wrapped in one; keys must
 * be non-empty and contain no '.'. As in PyTorch, a plain object's entries are added in sorted
 * key order (a Map's or a list of pairs' in their own order). It has no forward.
 * @example `this.gains = new nn.ParameterDict({ query: ones([64]), key: ones([64]) })` (keys: key, query)
 */
export class ParameterDict extends Module<never[], never> {
  constructor(values: ParameterDictInput = {}) {
    super();
    this.update(values);
  }

  /** The parameter under key, or throws. @example `gains.get('query')` */
  get(key: string): Parameter {
    const p = this.has(key) ? this.getParameter(key) : null;
    if (!p) throw new ArgumentError(`ParameterDict.get: no parameter under '${key}' (keys: ${this.keys().join(', ')})`);
    return p;
  }

  /** Adds or replaces the parameter under key; returns this. @example `gains.set('value', ones([64]))` */
  set(key: string, value: Tensor): this {
    if (typeof key !== 'string' || key === '' || key.includes('.')) throw new ArgumentError(`ParameterDict.set: key must be a non-empty string without '.', got ${fmtArg(key)}`);
    this.registerParameter(key, asParameter('ParameterDict.set', `'${key}'`, value));
    return this;
  }

  /**
   * Adds or replaces entries; returns this. A plain object's are added in sorted key order (as
   * PyTorch does with a dict), a Map's, a ParameterDict's or a list of pairs' in their order.
   * @example `gains.update({ a: ones([2]) })` or `gains.update([['z', ones([1])], ['a', ones([1])]])`
   */
  update(values: ParameterDictInput): this {
    const op = `${this.typeName}.update`;
    let entries: [string, Tensor][];
    if (values instanceof ParameterDict) entries = values.entries();
    else if (values instanceof Map) entries = [...values.entries()];
    else if (Array.isArray(values)) {
      values.forEach((e, i) => {
        if (!Array.isArray(e) || e.length !== 2) throw new ArgumentError(`${op}: entry ${i} must be a [key, tensor] pair, got ${fmtArg(e)}`);
      });
      entries = values;
    } else if (values !== null && typeof values === 'object' && !(values instanceof Tensor)) {
      entries = Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    } else {
      throw new ArgumentError(`${op}: values must be an object, a Map or a list of [key, tensor] pairs, got ${fmtArg(values)}`);
    }
    for (const [k, v] of entries) this.set(k, v);
    return this;
  }

  /** Whether key is present. @example `gains.has('query')` */
  has(key: string): boolean {
    return this.keys().includes(key);
  }

  /** Removes and returns the parameter under key. @example `const p = gains.pop('value')` */
  pop(key: string): Parameter {
    const p = this.get(key);
    this.registerParameter(key, null);
    return p;
  }

  /** @example `gains.keys()` */
  keys(): string[] {
    return this.entries().map(([k]) => k);
  }

  /** @example `gains.values()` */
  values(): Parameter[] {
    return this.entries().map(([, p]) => p);
  }

  /** @example `for (const [k, p] of gains.entries()) ...` */
  entries(): [string, Parameter][] {
    return this.namedParameters({ recurse: false, removeDuplicate: false });
  }

  /** Number of parameters. @example `gains.size` */
  get size(): number {
    return this.entries().length;
  }

  forward(): never {
    throw new ArgumentError('ParameterDict has no forward; pick parameters by key in your module\'s forward');
  }

  /** @internal PyTorch's repr: one line per parameter. */
  override reprTree(): string {
    const lines = this.entries().map(([k, p]) => parameterLine(k, p));
    return lines.length ? `ParameterDict(\n${lines.join('\n')}\n)` : 'ParameterDict()';
  }
}

/**
 * A residual connection: `shortcut(x) + block(x)`, where the shortcut is the identity
 * unless a projection module is given (to change width or stride). Children are named
 * 'block' and 'shortcut'.
 * @example `new nn.Residual(new nn.Sequential(new nn.Linear(64, 64), new nn.ReLU()))`
 */
export class Residual extends Module<[Tensor], Tensor> {
  readonly block: TensorModule;
  readonly shortcut: TensorModule | null;

  constructor(block: TensorModule, opts?: { shortcut?: TensorModule | null }) {
    super();
    checkModule('Residual', 'block', block);
    if (opts?.shortcut != null) checkModule('Residual', 'shortcut', opts.shortcut);
    this.block = block;
    this.shortcut = opts?.shortcut ?? null;
  }

  forward(x: Tensor): Tensor {
    assertTensor('Residual', 'x', x);
    const fx = this.block.call(x);
    const sx = this.shortcut ? this.shortcut.call(x) : x;
    if (!shapesEqual(fx.shape, sx.shape)) {
      throw new ShapeError(`Residual: the block maps ${x.describe()} to ${fx.describe()} but the ${this.shortcut ? 'shortcut gives' : 'identity shortcut keeps'} ${sx.describe()}; ${this.shortcut ? 'fix the shortcut' : 'pass a projection as { shortcut }'}`);
    }
    return add(sx, fx);
  }
}

/** Containers: Sequential, ModuleList, ModuleDict, and Residual (x + F(x)). */
import { ArgumentError, ShapeError, fmtArg } from '../errors';
import { add } from '../ops/binary';
import { assertTensor } from '../ops/util';
import { shapesEqual } from '../tensor/shape';
import type { Tensor } from '../tensor/tensor';
import { Module, type AnyModule } from './module';
import { fusedPair, fusedTriple } from './fusion';

/** A module mapping one tensor to one tensor (what Sequential chains). */
export type TensorModule = Module<[Tensor], Tensor>;

function checkModule(op: string, what: string, m: unknown): asserts m is AnyModule {
  if (!(m instanceof Module)) throw new ArgumentError(`${op}: ${what} must be a Module, got ${m === null ? 'null' : typeof m === 'object' ? (m as object).constructor?.name ?? 'object' : typeof m}`);
}

function normIndex(op: string, i: number, length: number): number {
  if (!Number.isInteger(i) || i < -length || i >= length) throw new ArgumentError(`${op}: index ${fmtArg(i)} is out of range for ${length} modules`);
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

/**
 * Tensor: a row-major, contiguous n-d array of one dtype. Views (reshape,
 * squeeze, ...) share storage; other ops allocate. Op methods such as
 * `x.add(y)` are attached by src/ops (see ops/methods.ts), keeping this layer
 * free of imports from above.
 */
import { ArgumentError } from '../errors';
import { type DType, type TypedArray, isFloat } from './dtype';
import { type Device, hostReadError } from './device';
import type { GradNode } from './graph';
import { sizeOf } from './shape';
import { Storage, registerInScope, trackTensor, untrackTensor } from './storage';
import { formatTensor } from './format';
import type { TensorLike } from '../ops/binary';
import type * as r from '../ops/reduce';
import type * as ord from '../ops/order';
import type * as sc from '../ops/scan';
import type * as ee from '../ops/elementwise-extra';
import type * as linalg from '../ops/linalg';
import type { BackwardOptions } from '../autograd/api';

/** A hook receives the gradient and may return a replacement. */
export type GradHook = (grad: Tensor) => Tensor | void;

/** Nested JS arrays of numbers or booleans, as `tensor()` takes and `toArray()` returns. @example `tensor([[1, 2], [3, 4]] as NestedArray)` */
export type NestedArray = number | boolean | NestedArray[];

let nextId = 1;

/**
 * The mark every Tensor carries, registered globally with Symbol.for: the ESM and the
 * CommonJS builds (or two copies of the package) each define their own Tensor class, and
 * `instanceof` goes by this mark so a tensor made by one is a Tensor to the other.
 */
const TENSOR_BRAND = Symbol.for('lattice.tensor');

/**
 * An n-d array of one dtype (float32 by default) that records the ops applied to it
 * when it requires a gradient. Make one with `tensor`, `zeros`, `randn` ...; ops are
 * functions (`add(x, y)`) and methods (`x.add(y)`).
 * @example
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * x.square().sum().backward(); // x.grad is 2 * x
 */
export class Tensor {
  readonly id: number;
  readonly shape: number[];
  readonly dtype: DType;
  storage: Storage;
  private _grad: Tensor | null = null;
  /** Whether _grad was made by backward() (the library's) rather than assigned by the caller. */
  private _gradOwned = false;
  /** The node that produced this tensor, or null for a leaf. */
  gradFn: GradNode | null = null;
  private _requiresGrad = false;
  private _disposed = false;
  /** Survives every enclosing tidy() (see keep()). */
  kept = false;
  /** @internal */ _hooks: GradHook[] | null = null;

  /** `x instanceof Tensor` is true for a tensor of any Lattice build (see TENSOR_BRAND); subclasses check as usual. */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== Tensor) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TENSOR_BRAND] === true;
  }

  /** @internal Use the creation functions (`tensor`, `zeros`, ...) instead. */
  constructor(storage: Storage, shape: number[], dtype: DType = storage.dtype) {
    this.id = nextId++;
    this.storage = storage;
    this.shape = shape;
    this.dtype = dtype;
    trackTensor(storage);
    registerInScope(this);
  }

  /** @internal Wraps a freshly computed typed array. */
  static fromData(data: TypedArray, shape: number[], dtype: DType): Tensor {
    return new Tensor(new Storage(data, dtype), shape, dtype);
  }

  /** Number of dimensions. @example `zeros([2, 3]).ndim // 2` */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements (PyTorch's `numel()`). @example `zeros([2, 3]).size // 6` */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Number of elements. @example `zeros([2, 3]).numel() // 6` */
  numel(): number {
    return sizeOf(this.shape);
  }

  /** Whether dispose() has freed this tensor (using it then throws). @example `x.dispose(); x.isDisposed // true` */
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Whether autograd records ops on this tensor. @example `x.requiresGrad = true` */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  /** Turns recording on or off for this tensor (see the getter). @example `w.requiresGrad = false` */
  set requiresGrad(on: boolean) {
    if (on && !isFloat(this.dtype)) {
      throw new ArgumentError(`requiresGrad: only float tensors can require gradients, this one is ${this.dtype}`);
    }
    if (!on && this.gradFn) {
      throw new ArgumentError('requiresGrad: cannot turn off requiresGrad on a non-leaf tensor; use detach()');
    }
    this._requiresGrad = on;
  }

  /**
   * Accumulated gradient of a leaf (or of a tensor that called retainGrad).
   *
   * Ownership: a gradient that backward() (or grad() with accumulation) wrote here
   * belongs to this tensor. Assigning `.grad` (null, as in PyTorch's `p.grad = None`,
   * or another tensor) disposes that gradient, so the idiom frees it instead of
   * leaking one tensor per step; `clone()` it first to keep it. A tensor you assign
   * stays yours: replacing or clearing it later does not dispose it.
   * @example `loss.backward(); console.log(w.grad!.data()); w.grad = null`
   */
  get grad(): Tensor | null {
    return this._grad;
  }

  /** Replaces or clears the gradient; one that backward() wrote is disposed (see the getter). @example `p.grad = null` */
  set grad(g: Tensor | null) {
    const prev = this._grad;
    if (prev && prev !== g && this._gradOwned && !prev.isDisposed) prev.dispose();
    this._grad = g;
    this._gradOwned = false;
  }

  /** @internal The engine's write: the gradient becomes the tensor's own (see `grad`); nothing is disposed. */
  _setGrad(g: Tensor | null, owned = true): void {
    this._grad = g;
    this._gradOwned = g !== null && owned;
  }

  /** @internal Takes the gradient out without disposing it; the caller owns it (put it back with _setGrad). */
  _takeGrad(): Tensor | null {
    const g = this._grad;
    this._grad = null;
    this._gradOwned = false;
    return g;
  }

  /** @internal Set by ops when recording a node. */
  _setRequiresGrad(on: boolean): void {
    this._requiresGrad = on;
  }

  /** Sets requiresGrad in place and returns this (PyTorch's `requires_grad_`). @example `const w = randn([3]).requiresGrad_()` */
  requiresGrad_(on = true): this {
    this.requiresGrad = on;
    return this;
  }

  /** True for tensors created by the user rather than by a recorded op. */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** Where the elements live: 'cpu' or 'cuda' (move with `to('cuda')`). @example `x.device // 'cpu'` */
  get device(): Device {
    return this.storage.device;
  }

  /** @internal The backing typed array (shared with views). Throws if disposed, or if the tensor is on cuda. */
  get values(): TypedArray {
    if (this._disposed) throw new ArgumentError(`tensor ${this.describe()} was disposed and cannot be used`);
    if (this.storage.device !== 'cpu') throw hostReadError(`tensor ${this.describe()}`);
    return this.storage.data;
  }

  /**
   * @internal What a kernel of this tensor's device takes: the typed array on cpu, the tag of
   * the device buffer on cuda (see tensor/device.ts). Only for `backendFor(t.device)`.
   */
  get deviceValues(): TypedArray {
    if (this._disposed) throw new ArgumentError(`tensor ${this.describe()} was disposed and cannot be used`);
    return this.storage.data;
  }

  /** A copy of the elements as a typed array (a cuda tensor's are copied to the host). @example `tensor([1, 2]).data() // Float32Array [1, 2]` */
  data(): TypedArray {
    if (this.storage.device !== 'cpu' && !this._disposed) return downloadHook!(this);
    return this.values.slice();
  }

  /** Nested JS arrays (booleans for bool tensors). @example `eye(2).toArray() // [[1, 0], [0, 1]]` */
  toArray(): NestedArray {
    const v = this.storage.device === 'cpu' ? this.values : this.data();
    const isBool = this.dtype === 'bool';
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return isBool ? v[offset] !== 0 : v[offset];
      const n = this.shape[dim];
      const step = sizeOf(this.shape.slice(dim + 1));
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = build(dim + 1, offset + i * step);
      return out;
    };
    return build(0, 0);
  }

  /** The single element of a one-element tensor. @example `tensor([[3]]).item() // 3` */
  item(): number {
    if (this.size !== 1) {
      throw new ArgumentError(`item: the tensor has shape [${this.shape.join(',')}] (${this.size} elements); item() needs exactly one`);
    }
    return this.storage.device === 'cpu' ? this.values[0] : this.data()[0];
  }

  /** Frees the tensor now. Safe to call twice. @example `const t = zeros([1000]); t.dispose()` */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    untrackTensor(this.storage);
  }

  /** @internal A short description for messages: `float32[2,3]`. */
  describe(): string {
    return `${this.dtype}[${this.shape.join(',')}]`;
  }

  /**
   * PyTorch-like printout, summarised past 1000 elements (first and last 3 per dimension around `...`).
   * @example `console.log(String(tensor([1, 2])))  // tensor([1., 2.])`
   */
  toString(): string {
    if (this._disposed) return `tensor(<disposed>, ${this.describe()})`;
    const text = formatTensor(this.storage.device === 'cpu' ? this.storage.data : this.data(), this.shape, this.dtype, this.requiresGrad, this.gradFn?.name);
    return this.storage.device === 'cpu' ? text : `${text.slice(0, -1)}, device='${this.storage.device}')`;
  }

  /** What `console.log` and `util.inspect` print: the same bounded summary as toString(). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

Object.defineProperty(Tensor.prototype, TENSOR_BRAND, { value: true });

// Copies a device tensor's elements to a new host array; set by src/backend/cuda (this layer
// does not import the backends).
let downloadHook: ((t: Tensor) => TypedArray) | null = null;

/** @internal */
export function setDownloadHook(fn: (t: Tensor) => TypedArray): void {
  downloadHook = fn;
}

// The op and autograd methods, declared here (merged with the class) so that
// the published typings carry them; src/ops/methods.ts and
// src/autograd/methods.ts attach the implementations at load time.
// Type-only imports: nothing from the layers above runs from this file.
type TL = TensorLike;
export interface Tensor {
    /** Elementwise `this + y` with broadcasting (the function `add`). @example `x.add(1)` */
    add(y: TL): Tensor;
    /** Elementwise `this - y` with broadcasting. @example `x.sub(y)` */
    sub(y: TL): Tensor;
    /** Elementwise `this * y` with broadcasting. @example `x.mul(2)` */
    mul(y: TL): Tensor;
    /** Elementwise `this / y` with broadcasting. @example `x.div(y)` */
    div(y: TL): Tensor;
    /** Elementwise power `this ** y`. @example `x.pow(2)` */
    pow(y: TL): Tensor;
    /** Elementwise larger of `this` and `y`. @example `x.maximum(0)` */
    maximum(y: TL): Tensor;
    /** Elementwise smaller of `this` and `y`. @example `x.minimum(1)` */
    minimum(y: TL): Tensor;
    /** Elementwise `this == y`, a bool tensor. @example `x.eq(0)` */
    eq(y: TL): Tensor;
    /** Elementwise `this != y`, a bool tensor. @example `x.ne(0)` */
    ne(y: TL): Tensor;
    /** Elementwise `this < y`, a bool tensor. @example `x.lt(0)` */
    lt(y: TL): Tensor;
    /** Elementwise `this <= y`, a bool tensor. @example `x.le(0)` */
    le(y: TL): Tensor;
    /** Elementwise `this > y`, a bool tensor. @example `x.gt(0)` */
    gt(y: TL): Tensor;
    /** Elementwise `this >= y`, a bool tensor. @example `x.ge(0)` */
    ge(y: TL): Tensor;
    /** Elementwise logical AND of two bool tensors. @example `a.logicalAnd(b)` */
    logicalAnd(y: TL): Tensor;
    /** Elementwise logical OR of two bool tensors. @example `a.logicalOr(b)` */
    logicalOr(y: TL): Tensor;
    /** Elementwise logical NOT of a bool tensor. @example `mask.logicalNot()` */
    logicalNot(): Tensor;
    /** Elementwise `-this`. @example `x.neg()` */
    neg(): Tensor;
    /** Elementwise absolute value. @example `x.abs()` */
    abs(): Tensor;
    /** Elementwise sign: -1, 0 or 1. @example `x.sign()` */
    sign(): Tensor;
    /** Elementwise `e ** this`. @example `x.exp()` */
    exp(): Tensor;
    /** Elementwise `exp(this) - 1`, accurate near 0. @example `x.expm1()` */
    expm1(): Tensor;
    /** Elementwise natural logarithm. @example `x.log()` */
    log(): Tensor;
    /** Elementwise `log(1 + this)`, accurate near 0. @example `x.log1p()` */
    log1p(): Tensor;
    /** Elementwise square root. @example `x.sqrt()` */
    sqrt(): Tensor;
    /** Elementwise `1 / sqrt(this)`. @example `x.rsqrt()` */
    rsqrt(): Tensor;
    /** Elementwise `this * this`. @example `x.square().sum()` */
    square(): Tensor;
    /** Elementwise `1 / this`. @example `x.reciprocal()` */
    reciprocal(): Tensor;
    /** Elementwise sine. @example `x.sin()` */
    sin(): Tensor;
    /** Elementwise cosine. @example `x.cos()` */
    cos(): Tensor;
    /** Elementwise hyperbolic tangent. @example `x.tanh()` */
    tanh(): Tensor;
    /** Elementwise logistic sigmoid `1 / (1 + exp(-this))`. @example `logits.sigmoid()` */
    sigmoid(): Tensor;
    /** Elementwise `max(this, 0)`. @example `x.relu()` */
    relu(): Tensor;
    /** Elementwise Gauss error function. @example `x.erf()` */
    erf(): Tensor;
    /** log|Gamma(this)| (torch.lgamma). @example `x.lgamma()` */
    lgamma(): Tensor;
    /** The digamma function, d/dx lgamma (torch.digamma). @example `x.digamma()` */
    digamma(): Tensor;
    /** The n-th derivative of digamma (torch.polygamma(n, this)). @example `x.polygamma(1)` */
    polygamma(n: number): Tensor;
    /** The multivariate log-gamma of dimension p (torch.mvlgamma). @example `x.mvlgamma(3)` */
    mvlgamma(p: number): Tensor;
    /** 1 - erf(this), accurate in the tail. @example `x.erfc()` */
    erfc(): Tensor;
    /** The inverse error function on [-1, 1]. @example `p.erfinv()` */
    erfinv(): Tensor;
    /** The modified Bessel function I0. @example `x.i0()` */
    i0(): Tensor;
    /** sin(pi this) / (pi this), 1 at 0. @example `x.sinc()` */
    sinc(): Tensor;
    /** The arctangent. @example `x.atan()` */
    atan(): Tensor;
    /** The regularized lower incomplete gamma P(this, other) (torch.igamma). @example `a.igamma(x)` */
    igamma(other: TensorLike): Tensor;
    /** The regularized upper incomplete gamma Q(this, other) (torch.igammac). @example `a.igammac(x)` */
    igammac(other: TensorLike): Tensor;
    /** Elementwise round down. @example `x.floor()` */
    floor(): Tensor;
    /** Elementwise round up. @example `x.ceil()` */
    ceil(): Tensor;
    /** Elementwise round to the nearest integer (halves to even, as PyTorch). @example `x.round()` */
    round(): Tensor;
    /** Elementwise leaky ReLU (negative slope 0.01 by default). @example `x.leakyRelu(0.1)` */
    leakyRelu(negativeSlope?: number): Tensor;
    /** Elementwise ELU (alpha 1 by default). @example `x.elu()` */
    elu(alpha?: number): Tensor;
    /** Elementwise GELU, exact (erf) or the tanh approximation. @example `x.gelu({ approximate: 'tanh' })` */
    gelu(opts?: { approximate?: 'none' | 'tanh' }): Tensor;
    /** Elementwise SiLU (swish) `this * sigmoid(this)`. @example `x.silu()` */
    silu(): Tensor;
    /** Elementwise softplus `log(1 + exp(beta * this)) / beta`. @example `x.softplus({ beta: 2 })` */
    softplus(opts?: { beta?: number; threshold?: number }): Tensor;
    /** Elementwise clamp into `[min, max]`. @example `x.clamp({ min: -1, max: 1 })` */
    clamp(opts: { min?: number; max?: number }): Tensor;
    /** Sum over all elements, or over `dim`. @example `x.sum(1, { keepdim: true })` */
    sum(dim?: r.Dims, opts?: r.ReduceOptions): Tensor;
    /** Mean over all elements, or over `dim`. @example `x.mean(0)` */
    mean(dim?: r.Dims, opts?: r.ReduceOptions): Tensor;
    /** Product over all elements, or over `dim`. @example `x.prod(1)` */
    prod(dim?: r.Dims, opts?: r.ReduceOptions): Tensor;
    /** `log(sum(exp(this)))` over `dim`, computed without overflow. @example `logits.logsumexp(1)` */
    logsumexp(dim?: r.Dims, opts?: r.ReduceOptions): Tensor;
    /** Variance (Bessel-corrected by default, as PyTorch). @example `x.var(0, { correction: 0 })` */
    var(dim?: r.Dims, opts?: r.VarOptions): Tensor;
    /** Standard deviation (Bessel-corrected by default). @example `x.std(0)` */
    std(dim?: r.Dims, opts?: r.VarOptions): Tensor;
    /** The largest element (a 0-d tensor). @example `x.max().item()` */
    max(): Tensor;
    /** The largest values along `dim` and their indices. @example `const { values, indices } = x.max(1)` */
    max(dim: number, opts?: r.ReduceOptions): r.ValuesIndices;
    /** The smallest element (a 0-d tensor). @example `x.min().item()` */
    min(): Tensor;
    /** The smallest values along `dim` and their indices. @example `const { values, indices } = x.min(1)` */
    min(dim: number, opts?: r.ReduceOptions): r.ValuesIndices;
    /** The largest values over `dim` (no indices). @example `x.amax([1, 2])` */
    amax(dim?: r.Dims, opts?: r.ReduceOptions): Tensor;
    /** The smallest values over `dim` (no indices). @example `x.amin(1)` */
    amin(dim?: r.Dims, opts?: r.ReduceOptions): Tensor;
    /** Index of the largest value (int32), over all elements or along `dim`. @example `logits.argmax(1)` */
    argmax(dim?: number, opts?: r.ReduceOptions): Tensor;
    /** Index of the smallest value (int32), over all elements or along `dim`. @example `x.argmin(1)` */
    argmin(dim?: number, opts?: r.ReduceOptions): Tensor;
    /** The p-norm (2 by default) over all elements or over `dim`. @example `g.norm()` */
    norm(p?: number, dim?: r.Dims, opts?: r.ReduceOptions): Tensor;
    /** Softmax along `dim`. @example `logits.softmax(1)` */
    softmax(dim: number): Tensor;
    /** Log-softmax along `dim`, computed stably. @example `logits.logSoftmax(1)` */
    logSoftmax(dim: number): Tensor;
    /** Matrix product with batch broadcasting. @example `x.matmul(w)` */
    matmul(y: Tensor): Tensor;
    /** The same elements in a new shape (shares storage; -1 infers one size). @example `x.reshape([2, -1])` */
    reshape(shape: number[]): Tensor;
    /** Alias of reshape: the same storage in a new shape. @example `x.view([-1])` */
    view(shape: number[]): Tensor;
    /** Merges dims `startDim..endDim` into one (all by default). @example `images.flatten(1)` */
    flatten(startDim?: number, endDim?: number): Tensor;
    /** Removes size-1 dims (or only `dim`). @example `x.squeeze(0)` */
    squeeze(dim?: number): Tensor;
    /** Inserts a size-1 dim at `dim`. @example `x.unsqueeze(0)` */
    unsqueeze(dim: number): Tensor;
    /** Broadcasts size-1 dims to `shape` (-1 keeps a size). @example `x.expand([4, -1])` */
    expand(shape: number[]): Tensor;
    /** Swaps two dims (0 and 1 by default). @example `x.transpose(0, 1)` */
    transpose(dim0?: number, dim1?: number): Tensor;
    /** Reorders the dims. @example `x.permute([0, 2, 3, 1])` */
    permute(dims: number[]): Tensor;
    /** Transpose of a matrix (swaps dims 0 and 1; a 0-d or 1-d tensor gives a copy). @example `w.t()` */
    t(): Tensor;
    /** `length` entries of `dim` from `start`, as a copy. @example `x.narrow(0, 0, 10)` */
    narrow(dim: number, start: number, length: number): Tensor;
    /** This tensor (storage is always row-major and contiguous); kept for PyTorch code. @example `x.contiguous()` */
    contiguous(): Tensor;
    /** A copy with its own storage, on the graph. @example `const y = x.clone()` */
    clone(): Tensor;
    /** Splits along `dim` into pieces of a size, or of the sizes listed. @example `const [a, b] = x.split([2, 3], 1)` */
    split(sizeOrSections: number | number[], dim?: number): Tensor[];
    /** Splits along `dim` into `chunks` nearly equal pieces. @example `const [q, k, v] = qkv.chunk(3, -1)` */
    chunk(chunks: number, dim?: number): Tensor[];
    /** A copy converted to `dtype`, or moved to a device ('cpu', 'cuda'); this tensor when it already matches. @example `x.to('float64')` or `x.to('cuda')` */
    to(target: DType | Device | 'cuda:0'): Tensor;
    /** `to('float32')`. @example `labels.float()` */
    float(): Tensor;
    /** `to('float64')`. @example `x.double()` */
    double(): Tensor;
    /** `to('int32')` (truncates toward zero). @example `x.int()` */
    int(): Tensor;
    /** `to('bool')` (non-zero is true). @example `x.bool()` */
    bool(): Tensor;
    /** The entries of `dim` listed in the int32 `index`. @example `x.indexSelect(0, tensor([2, 0], { dtype: 'int32' }))` */
    indexSelect(dim: number, index: Tensor): Tensor;
    /** Picks along `dim` the entries `index` names, per position. @example `logp.gather(1, y.unsqueeze(1))` */
    gather(dim: number, index: Tensor): Tensor;
    /** Cumulative sum along `dim` (the function `cumsum`). @example `x.cumsum(1)` */
    cumsum(dim: number, opts?: sc.ScanOptions): Tensor;
    /** Cumulative product along `dim`. @example `x.cumprod(0)` */
    cumprod(dim: number, opts?: sc.ScanOptions): Tensor;
    /** The elements in reverse order along `dims`. @example `x.flip([2, 3])` */
    flip(dims: number | number[]): Tensor;
    /** Elements shifted along `dims` (or the flattened tensor), wrapping around. @example `x.roll(1, 0)` */
    roll(shifts: number | number[], dims?: number | number[]): Tensor;
    /** The lower triangle of the last two dims (others 0). @example `scores.tril()` */
    tril(diagonal?: number): Tensor;
    /** The upper triangle of the last two dims (others 0). @example `x.triu(1)` */
    triu(diagonal?: number): Tensor;
    /** Sorted along a dim (default the last), with the int32 indices. @example `const { values, indices } = x.sort(1, { descending: true })` */
    sort(dim?: number, opts?: ord.SortOptions): r.ValuesIndices;
    /** Sorted along `opts.dim` (default the last), with the int32 indices. @example `const { values } = x.sort({ dim: 0 })` */
    sort(opts?: ord.SortOptions): r.ValuesIndices;
    /** The int32 positions that sort along a dim. @example `x.argsort(1)` */
    argsort(dim?: number, opts?: ord.SortOptions): Tensor;
    /** The int32 positions that sort along `opts.dim`. @example `x.argsort({ descending: true })` */
    argsort(opts?: ord.SortOptions): Tensor;
    /** The k largest (or smallest) along a dim, with indices. @example `const { values, indices } = logits.topk(5, 1)` */
    topk(k: number, dim?: number, opts?: ord.TopkOptions): r.ValuesIndices;
    /** The k largest (or smallest) along `opts.dim`, with indices. @example `const { indices } = logits.topk(5, { largest: false })` */
    topk(k: number, opts?: ord.TopkOptions): r.ValuesIndices;
    /** The determinant of each matrix of the last two dims (linalg.det). @example `m.det()` */
    det(): Tensor;
    /** The inverse of each matrix (linalg.inv). @example `m.inverse()` */
    inverse(): Tensor;
    /** Sign and log|det| of each matrix (linalg.slogdet). @example `const { sign, logabsdet } = m.slogdet()` */
    slogdet(): linalg.SlogdetResult;
    /** The pseudo-inverse of each matrix (linalg.pinv). @example `m.pinverse()` */
    pinverse(opts?: linalg.PinvOptions): Tensor;
    /** `value` where `mask` (bool, broadcast) is true, else this (the function `maskedFill`). @example `scores.maskedFill(pad, -Infinity)` */
    maskedFill(mask: Tensor, value: number | Tensor): Tensor;
    /** Tiled `sizes[i]` times along each dim (torch's repeat). @example `x.repeat([2, 1])` */
    repeat(sizes: number[]): Tensor;
    /** Tiled along the trailing dims (torch's tile). @example `x.tile([3])` */
    tile(dims: number[]): Tensor;
    /** Each element (or slice along `dim`) repeated. @example `x.repeatInterleave(2, 0)` */
    repeatInterleave(repeats: number | Tensor, dim?: number): Tensor;
    /** Broadcast to other's shape. @example `bias.expandAs(x)` */
    expandAs(other: Tensor): Tensor;
    /** Broadcast to `shape`. @example `x.broadcastTo([4, 3])` */
    broadcastTo(shape: number[]): Tensor;
    /** Dims moved from `source` to `destination`. @example `x.movedim(1, -1)` */
    movedim(source: number | number[], destination: number | number[]): Tensor;
    /** Dim `dim` split into `sizes`. @example `x.unflatten(1, [2, 3])` */
    unflatten(dim: number, sizes: number[]): Tensor;
    /** The diagonal of dims dim1, dim2 at `offset`. @example `m.diagonal()` */
    diagonal(offset?: number, dim1?: number, dim2?: number): Tensor;
    /** A 1-D tensor's diagonal matrix, or a matrix's diagonal. @example `v.diag()` */
    diag(diagonal?: number): Tensor;
    /** The sum of a matrix's diagonal. @example `m.trace()` */
    trace(): Tensor;
    /** The outer product with a 1-D tensor. @example `u.outer(v)` */
    outer(other: Tensor): Tensor;
    /** The Kronecker product. @example `a.kron(b)` */
    kron(other: Tensor): Tensor;
    /** this + weight · (end - this). @example `ema.lerp(w, 0.001)` */
    lerp(end: Tensor, weight: TL): Tensor;
    /** this + value · t1 · t2. @example `x.addcmul(a, b, { value: 0.5 })` */
    addcmul(t1: Tensor, t2: Tensor, opts?: ee.AddcOptions): Tensor;
    /** this + value · t1 / t2. @example `p.addcdiv(m, v.sqrt().add(1e-8), { value: -lr })` */
    addcdiv(t1: Tensor, t2: Tensor, opts?: ee.AddcOptions): Tensor;
    /** NaN and ±Inf replaced by finite values. @example `x.nanToNum({ nan: 0 })` */
    nanToNum(opts?: ee.NanToNumOptions): Tensor;
    /** log(p / (1 - p)), with p clamped to [eps, 1 - eps] when eps is given. @example `p.logit(1e-6)` */
    logit(eps?: number): Tensor;
    /** Elementwise |this - other| <= atol + rtol·|other| (bool). @example `a.isclose(b)` */
    isclose(other: Tensor, opts?: ee.IscloseOptions): Tensor;
    /** Whether every element is close. @example `a.allclose(b, { atol: 1e-6 })` */
    allclose(other: Tensor, opts?: ee.IscloseOptions): boolean;
    /** Whether the shapes and every element are equal. @example `a.equal(b)` */
    equal(other: Tensor): boolean;
    /** Rounded toward zero. @example `x.trunc()` */
    trunc(): Tensor;
    /** this - trunc(this). @example `x.frac()` */
    frac(): Tensor;
    /** Where NaN (bool). @example `x.isnan()` */
    isnan(): Tensor;
    /** Where ±Inf (bool). @example `x.isinf()` */
    isinf(): Tensor;
    /** Where finite (bool). @example `x.isfinite()` */
    isfinite(): Tensor;
    /** log(exp(this) + exp(y)), stably. @example `a.logaddexp(b)` */
    logaddexp(y: TL): Tensor;
    /** this · log(y), 0 where this is 0. @example `p.xlogy(q)` */
    xlogy(y: TL): Tensor;
    /** The remainder with this's sign (C's fmod). @example `x.fmod(2)` */
    fmod(y: TL): Tensor;
    /** The remainder with y's sign (Python's %). @example `x.remainder(2)` */
    remainder(y: TL): Tensor;
    /** floor(this / y), no gradient. @example `x.floorDivide(2)` */
    floorDivide(y: TL): Tensor;
    /** In place `this += y`; returns this. @example `w.add_(g.mul(-0.1))` */
    add_(y: TL): Tensor;
    /** In place `this -= y`; returns this. @example `w.sub_(step)` */
    sub_(y: TL): Tensor;
    /** In place `this *= y`; returns this. @example `w.mul_(0.99)` */
    mul_(y: TL): Tensor;
    /** In place `this /= y`; returns this. @example `x.div_(255)` */
    div_(y: TL): Tensor;
    /** In place copy of `src` (broadcast to this shape); returns this. @example `target.copy_(source)` */
    copy_(src: Tensor): Tensor;
    /** In place: every element set to `value`; returns this. @example `b.fill_(0.1)` */
    fill_(value: number): Tensor;
    /** In place: every element set to 0; returns this. @example `grad.zero_()` */
    zero_(): Tensor;

    /** @example `loss.backward()` or `loss.backward({ retainGraph: true })` */
    backward(gradient?: Tensor | BackwardOptions, opts?: BackwardOptions): void;
    /** @example `const y = x.detach()` */
    detach(): Tensor;
    /** @example `h.retainGrad()` */
    retainGrad(): void;
    /** @example `x.registerHook((g) => g.clamp({ min: -1, max: 1 }))` */
    registerHook(hook: GradHook): () => void;
  }

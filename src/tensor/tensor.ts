/**
 * Tensor: a row-major, contiguous n-d array of one dtype. Views (reshape,
 * squeeze, ...) share storage; other ops allocate. Op methods such as
 * `x.add(y)` are attached by src/ops (see ops/methods.ts), keeping this layer
 * free of imports from above.
 */
import { ArgumentError } from '../errors';
import { type DType, type TypedArray, isFloat } from './dtype';
import type { GradNode } from './graph';
import { sizeOf } from './shape';
import { Storage, registerInScope, trackTensor, untrackTensor } from './storage';
import { formatTensor } from './format';
import type { TensorLike } from '../ops/binary';
import type * as r from '../ops/reduce';
import type { BackwardOptions } from '../autograd/api';

/** A hook receives the gradient and may return a replacement. */
export type GradHook = (grad: Tensor) => Tensor | void;

export type NestedArray = number | boolean | NestedArray[];

let nextId = 1;

export class Tensor {
  readonly id: number;
  readonly shape: number[];
  readonly dtype: DType;
  storage: Storage;
  /** Accumulated gradient of a leaf (or of a tensor that called retainGrad). */
  grad: Tensor | null = null;
  /** The node that produced this tensor, or null for a leaf. */
  gradFn: GradNode | null = null;
  private _requiresGrad = false;
  private _disposed = false;
  /** Survives every enclosing tidy() (see keep()). */
  kept = false;
  /** @internal */ _hooks: GradHook[] | null = null;

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

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Whether autograd records ops on this tensor. @example `x.requiresGrad = true` */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(on: boolean) {
    if (on && !isFloat(this.dtype)) {
      throw new ArgumentError(`requiresGrad: only float tensors can require gradients, this one is ${this.dtype}`);
    }
    if (!on && this.gradFn) {
      throw new ArgumentError('requiresGrad: cannot turn off requiresGrad on a non-leaf tensor; use detach()');
    }
    this._requiresGrad = on;
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

  /** @internal The backing typed array (shared with views). Throws if disposed. */
  get values(): TypedArray {
    if (this._disposed) throw new ArgumentError(`tensor ${this.describe()} was disposed and cannot be used`);
    return this.storage.data;
  }

  /** A copy of the elements as a typed array. @example `tensor([1, 2]).data() // Float32Array [1, 2]` */
  data(): TypedArray {
    return this.values.slice();
  }

  /** Nested JS arrays (booleans for bool tensors). @example `eye(2).toArray() // [[1, 0], [0, 1]]` */
  toArray(): NestedArray {
    const v = this.values;
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
    return this.values[0];
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
    return formatTensor(this.storage.data, this.shape, this.dtype, this.requiresGrad, this.gradFn?.name);
  }

  /** What `console.log` and `util.inspect` print: the same bounded summary as toString(). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

// The op and autograd methods, declared here (merged with the class) so that
// the published typings carry them; src/ops/methods.ts and
// src/autograd/methods.ts attach the implementations at load time.
// Type-only imports: nothing from the layers above runs from this file.
type TL = TensorLike;
export interface Tensor {
    add(y: TL): Tensor; sub(y: TL): Tensor; mul(y: TL): Tensor; div(y: TL): Tensor; pow(y: TL): Tensor;
    maximum(y: TL): Tensor; minimum(y: TL): Tensor;
    eq(y: TL): Tensor; ne(y: TL): Tensor; lt(y: TL): Tensor; le(y: TL): Tensor; gt(y: TL): Tensor; ge(y: TL): Tensor;
    logicalAnd(y: TL): Tensor; logicalOr(y: TL): Tensor; logicalNot(): Tensor;
    neg(): Tensor; abs(): Tensor; sign(): Tensor; exp(): Tensor; expm1(): Tensor; log(): Tensor; log1p(): Tensor;
    sqrt(): Tensor; rsqrt(): Tensor; square(): Tensor; reciprocal(): Tensor; sin(): Tensor; cos(): Tensor;
    tanh(): Tensor; sigmoid(): Tensor; relu(): Tensor; erf(): Tensor; floor(): Tensor; ceil(): Tensor; round(): Tensor;
    leakyRelu(negativeSlope?: number): Tensor; elu(alpha?: number): Tensor;
    gelu(opts?: { approximate?: 'none' | 'tanh' }): Tensor; silu(): Tensor;
    softplus(opts?: { beta?: number; threshold?: number }): Tensor; clamp(opts: { min?: number; max?: number }): Tensor;
    sum(dim?: r.Dims, opts?: r.ReduceOptions): Tensor; mean(dim?: r.Dims, opts?: r.ReduceOptions): Tensor;
    prod(dim?: r.Dims, opts?: r.ReduceOptions): Tensor; logsumexp(dim?: r.Dims, opts?: r.ReduceOptions): Tensor;
    var(dim?: r.Dims, opts?: r.VarOptions): Tensor; std(dim?: r.Dims, opts?: r.VarOptions): Tensor;
    max(): Tensor; max(dim: number, opts?: r.ReduceOptions): r.ValuesIndices;
    min(): Tensor; min(dim: number, opts?: r.ReduceOptions): r.ValuesIndices;
    amax(dim?: r.Dims, opts?: r.ReduceOptions): Tensor; amin(dim?: r.Dims, opts?: r.ReduceOptions): Tensor;
    argmax(dim?: number, opts?: r.ReduceOptions): Tensor; argmin(dim?: number, opts?: r.ReduceOptions): Tensor;
    norm(p?: number, dim?: r.Dims, opts?: r.ReduceOptions): Tensor;
    softmax(dim: number): Tensor; logSoftmax(dim: number): Tensor;
    matmul(y: Tensor): Tensor;
    reshape(shape: number[]): Tensor; view(shape: number[]): Tensor; flatten(startDim?: number, endDim?: number): Tensor;
    squeeze(dim?: number): Tensor; unsqueeze(dim: number): Tensor; expand(shape: number[]): Tensor;
    transpose(dim0?: number, dim1?: number): Tensor; permute(dims: number[]): Tensor; t(): Tensor;
    narrow(dim: number, start: number, length: number): Tensor; contiguous(): Tensor; clone(): Tensor;
    split(sizeOrSections: number | number[], dim?: number): Tensor[]; chunk(chunks: number, dim?: number): Tensor[];
    to(dtype: DType): Tensor; float(): Tensor; double(): Tensor; int(): Tensor; bool(): Tensor;
    indexSelect(dim: number, index: Tensor): Tensor; gather(dim: number, index: Tensor): Tensor;
    add_(y: TL): Tensor; sub_(y: TL): Tensor; mul_(y: TL): Tensor; div_(y: TL): Tensor;
    copy_(src: Tensor): Tensor; fill_(value: number): Tensor; zero_(): Tensor;
  
    /** @example `loss.backward()` or `loss.backward({ retainGraph: true })` */
    backward(gradient?: Tensor | BackwardOptions, opts?: BackwardOptions): void;
    /** @example `const y = x.detach()` */
    detach(): Tensor;
    /** @example `h.retainGrad()` */
    retainGrad(): void;
    /** @example `x.registerHook((g) => g.clamp({ min: -1, max: 1 }))` */
    registerHook(hook: GradHook): () => void;
  }

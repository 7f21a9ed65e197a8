/** BatchNorm1d, BatchNorm2d, LayerNorm and GroupNorm modules over the fused norm ops. */
import { noGrad } from '../../autograd/api';
import { ArgumentError, ShapeError, fmtShape, fmtValue, fmtArg } from '../../errors';
import { full } from '../../ops/creation';
import { add_, fill_ } from '../../ops/inplace';
import { batchNorm, batchNormRelu, groupNorm, layerNorm, layerNormRelu } from '../../ops/norm';
import { relu } from '../../ops/unary';
import type { Tensor } from '../../tensor/tensor';
import * as init from '../init';
import { Module, reprArgs, type AnyModule } from '../module';
import { Parameter } from '../parameter';
import { boolOption, checkDtypeOption, checkInput, epsOption, positiveInt, type FactoryOptions } from './common';

/** Options of the BatchNorm modules. @example `new nn.BatchNorm2d(32, { momentum: 0.01 })` */
export interface BatchNormModuleOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of each batch in the running averages (default 0.1); null: a cumulative average over all batches. */
  momentum?: number | null;
  /** Learnable per-channel weight and bias (default true). */
  affine?: boolean;
  /** Keep running statistics for eval mode (default true); without them eval also uses batch statistics. */
  trackRunningStats?: boolean;
}


/** The options BatchNorm and InstanceNorm share (each with its own defaults). */
export interface RunningStatsNormOptions extends FactoryOptions {
  eps?: number;
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
  /** With affine, also learn the bias (default true). */
  bias?: boolean;
}

/**
 * What BatchNorm and InstanceNorm share: with affine, the learnable `weight` (1) and `bias` (0)
 * per channel; with trackRunningStats, the buffers `running_mean` (0), `running_var` (1) and
 * `num_batches_tracked`, under PyTorch's names; a settable momentum.
 */
export abstract class RunningStatsNorm extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  private _momentum: number | null = 0.1;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  protected constructor(name: string, numFeatures: number, opts: RunningStatsNormOptions | undefined, defaults: { affine: boolean; trackRunningStats: boolean }) {
    super();
    this.numFeatures = positiveInt(name, 'numFeatures', numFeatures);
    this.eps = epsOption(name, opts?.eps ?? 1e-5);
    this.momentum = opts?.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = boolOption(name, 'affine', opts?.affine, defaults.affine);
    const withBias = boolOption(name, 'bias', opts?.bias, true);
    this.trackRunningStats = boolOption(name, 'trackRunningStats', opts?.trackRunningStats, defaults.trackRunningStats);
    const dtype = checkDtypeOption(name, opts?.dtype);
    this.weight = this.affine ? new Parameter(full([numFeatures], 1, { dtype })) : null;
    this.bias = this.affine && withBias ? new Parameter(full([numFeatures], 0, { dtype })) : null;
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', full([numFeatures], 0, { dtype }));
      this.registerBuffer('running_var', full([numFeatures], 1, { dtype }));
      this.registerBuffer('num_batches_tracked', full([], 0, { dtype: 'int32' }));
    }
  }

  /**
   * The running statistics' update factor; null means the plain average of all batches for BatchNorm
   * (what optim.updateBn sets while it re-estimates them) and no update for InstanceNorm, as in PyTorch.
   * @example `bn.momentum = 0.01`
   */
  get momentum(): number | null {
    return this._momentum;
  }

  /** Sets the update factor (in [0, 1], or null). @example `bn.momentum = null` */
  set momentum(momentum: number | null) {
    if (momentum !== null && (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))) {
      throw new ArgumentError(`${this.typeName}: momentum must be in [0, 1] or null, got ${fmtArg(momentum)}`);
    }
    this._momentum = momentum;
  }

  /** The running mean buffer (`running_mean`), or null without trackRunningStats. @example `bn.runningMean!.data()` */
  get runningMean(): Tensor | null {
    return this.getBuffer('running_mean');
  }

  /** The running (unbiased) variance buffer (`running_var`), or null. @example `bn.runningVar!.data()` */
  get runningVar(): Tensor | null {
    return this.getBuffer('running_var');
  }

  /** `num_batches_tracked`: the training batches that updated the statistics (BatchNorm; InstanceNorm keeps it at 0, as PyTorch). @example `bn.numBatchesTracked!.item()` */
  get numBatchesTracked(): Tensor | null {
    return this.getBuffer('num_batches_tracked');
  }

  /** Running statistics back to mean 0, variance 1, count 0. @example `bn.resetRunningStats()` */
  resetRunningStats(): void {
    noGrad(() => {
      const rm = this.runningMean, rv = this.runningVar, count = this.numBatchesTracked;
      if (rm) fill_(rm, 0);
      if (rv) fill_(rv, 1);
      if (count) fill_(count, 0);
    });
  }

  /** Running statistics and the affine parameters (1, 0) back to their start. @example `bn.resetParameters()` */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.weight) init.ones(this.weight);
    if (this.bias) init.zeros(this.bias);
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.numFeatures], ['eps', this.eps], ['momentum', this.momentum], ['affine', this.affine], ['trackRunningStats', this.trackRunningStats]]);
  }
}

/**
 * @internal The shared BatchNorm module: learnable weight (1) and bias (0) per channel, and the buffers
 * `running_mean` (0), `running_var` (1) and `num_batches_tracked` under PyTorch's names.
 */
export abstract class BatchNormBase extends RunningStatsNorm {
  /** freeze() keeps BatchNorm in eval mode, so fine-tuning leaves its running statistics as pretrained. */
  protected override get hasRunningStats(): boolean {
    return true;
  }

  /** The input ranks this layer accepts, and how to describe them. */
  protected abstract readonly ranks: number[];
  protected abstract readonly layout: string;

  constructor(numFeatures: number, opts?: BatchNormModuleOptions) {
    super(new.target.name, numFeatures, opts, { affine: true, trackRunningStats: true });
  }

  forward(x: Tensor): Tensor {
    return this.normalize(x, false);
  }

  /** @internal relu(this.forward(x)) as one fused op (batchNormRelu); what nn.Sequential runs for BatchNorm then ReLU. */
  forwardRelu(x: Tensor): Tensor {
    return this.normalize(x, true);
  }

  private normalize(x: Tensor, relu: boolean): Tensor {
    const name = this.typeName;
    checkInput(name, x, this.weight?.dtype ?? this.runningMean?.dtype ?? x.dtype);
    if (!this.ranks.includes(x.ndim)) throw new ShapeError(`${name}: x must be ${this.layout}, got ${x.describe()}`);
    if (x.shape[1] !== this.numFeatures) throw new ShapeError(`${name}: x ${x.describe()} has ${x.shape[1]} channels (dim 1) but numFeatures is ${this.numFeatures}`);
    let factor = this.momentum ?? 0;
    const count = this.numBatchesTracked;
    if (this.training && this.trackRunningStats && count) {
      noGrad(() => add_(count, 1));
      // momentum null: the running statistics are the plain average of all batches so far.
      if (this.momentum === null) factor = 1 / count.item();
    }
    const useBatchStats = this.training || !this.trackRunningStats;
    const track = !this.training || this.trackRunningStats;
    return (relu ? batchNormRelu : batchNorm)(x, track ? this.runningMean : null, track ? this.runningVar : null, this.weight, this.bias,
      { training: useBatchStats, momentum: factor, eps: this.eps });
  }

}

/**
 * Batch normalisation over [N, C] or [N, C, L] per channel C.
 * @example `new nn.BatchNorm1d(128)`
 */
export class BatchNorm1d extends BatchNormBase {
  protected readonly ranks = [2, 3];
  protected readonly layout = '[N, C] or [N, C, L]';
}

/**
 * Batch normalisation over [N, C, H, W] per channel C.
 * @example `new nn.BatchNorm2d(64, { momentum: 0.01 })`
 */
export class BatchNorm2d extends BatchNormBase {
  protected readonly ranks = [4];
  protected readonly layout = '[N, C, H, W]';
}

/**
 * @internal relu(bn(x)) through the fused batchNormRelu op when nothing observes the BatchNorm's
 * own output or gradient (no hook on it: see Module.hasHooks), else the two calls. Module code that writes relu(bn(x)) calls
 * this (models.resnet); nn.Sequential fuses a BatchNorm layer followed by a ReLU (nn/fusion.ts).
 */
export function batchNormThenRelu(bn: AnyModule, x: Tensor): Tensor {
  if (bn instanceof BatchNormBase && !bn.hasHooks()) return bn.forwardRelu(x);
  return relu((bn as Module<[Tensor], Tensor>).call(x));
}

/** @internal Whether m is a BatchNorm layer (BatchNorm1d, 2d or 3d), for nn/fusion.ts. */
export function isBatchNorm(m: AnyModule): boolean {
  return m instanceof BatchNormBase;
}

/** Options of `nn.LayerNorm`. @example `new nn.LayerNorm([256], { eps: 1e-6 })` */
export interface LayerNormModuleOptions extends FactoryOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learnable elementwise weight (and bias) of normalizedShape (default true). */
  elementwiseAffine?: boolean;
  /** With elementwiseAffine, also learn a bias (default true). */
  bias?: boolean;
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims (any rank).
 * @example `new nn.LayerNorm(512)` or `new nn.LayerNorm([8, 8])`
 */
export class LayerNorm extends Module {
  readonly normalizedShape: number[];
  readonly eps: number;
  readonly elementwiseAffine: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  constructor(normalizedShape: number | number[], opts?: LayerNormModuleOptions) {
    super();
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (!Array.isArray(shape) || shape.length === 0 || shape.some((s) => !Number.isInteger(s) || s <= 0)) {
      throw new ArgumentError(`LayerNorm: normalizedShape must be a positive size or a non-empty list of them, got ${fmtValue(normalizedShape)}`);
    }
    this.normalizedShape = shape.slice();
    this.eps = epsOption('LayerNorm', opts?.eps ?? 1e-5);
    this.elementwiseAffine = opts?.elementwiseAffine ?? true;
    const dtype = checkDtypeOption('LayerNorm', opts?.dtype);
    this.weight = this.elementwiseAffine ? new Parameter(full(shape, 1, { dtype })) : null;
    this.bias = this.elementwiseAffine && opts?.bias !== false ? new Parameter(full(shape, 0, { dtype })) : null;
  }

  /** Weight back to 1, bias to 0. @example `ln.resetParameters()` */
  resetParameters(): void {
    if (this.weight) init.ones(this.weight);
    if (this.bias) init.zeros(this.bias);
  }

  forward(x: Tensor): Tensor {
    return this.normalize(x, false);
  }

  /** @internal relu(this.forward(x)) as one fused op (layerNormRelu); what nn.Sequential runs for LayerNorm then ReLU. */
  forwardRelu(x: Tensor): Tensor {
    return this.normalize(x, true);
  }

  private normalize(x: Tensor, relu: boolean): Tensor {
    checkInput('LayerNorm', x, this.weight?.dtype ?? x.dtype);
    const k = this.normalizedShape.length;
    const tail = x.shape.slice(Math.max(0, x.ndim - k));
    if (x.ndim < k || tail.some((s, i) => s !== this.normalizedShape[i])) {
      throw new ShapeError(`LayerNorm: x ${x.describe()} does not end with normalizedShape ${fmtShape(this.normalizedShape)}`);
    }
    return (relu ? layerNormRelu : layerNorm)(x, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.normalizedShape], ['eps', this.eps], ['elementwiseAffine', this.elementwiseAffine]]);
  }
}

/**
 * Group normalisation of [N, C, *]: channels in numGroups groups, each normalised per sample,
 * then a per-channel affine.
 * @example `new nn.GroupNorm(8, 64)`
 */
export class GroupNorm extends Module {
  readonly numGroups: number;
  readonly numChannels: number;
  readonly eps: number;
  readonly affine: boolean;
  readonly weight: Parameter | null;
  readonly bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, opts?: { eps?: number; affine?: boolean } & FactoryOptions) {
    super();
    this.numGroups = positiveInt('GroupNorm', 'numGroups', numGroups);
    this.numChannels = positiveInt('GroupNorm', 'numChannels', numChannels);
    if (numChannels % numGroups !== 0) throw new ArgumentError(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups})`);
    this.eps = epsOption('GroupNorm', opts?.eps ?? 1e-5);
    this.affine = opts?.affine ?? true;
    const dtype = checkDtypeOption('GroupNorm', opts?.dtype);
    this.weight = this.affine ? new Parameter(full([numChannels], 1, { dtype })) : null;
    this.bias = this.affine ? new Parameter(full([numChannels], 0, { dtype })) : null;
  }

  /** Weight back to 1, bias to 0. @example `gn.resetParameters()` */
  resetParameters(): void {
    if (this.weight) init.ones(this.weight);
    if (this.bias) init.zeros(this.bias);
  }

  forward(x: Tensor): Tensor {
    checkInput('GroupNorm', x, this.weight?.dtype ?? x.dtype);
    if (x.ndim < 2) throw new ShapeError(`GroupNorm: x must be [N, C, *], got ${x.describe()}`);
    if (x.shape[1] !== this.numChannels) throw new ShapeError(`GroupNorm: x ${x.describe()} has ${x.shape[1]} channels (dim 1) but numChannels is ${this.numChannels}`);
    return groupNorm(x, this.numGroups, this.weight, this.bias, { eps: this.eps });
  }

  protected override extraRepr(): string {
    return reprArgs([['', this.numGroups], ['', this.numChannels], ['eps', this.eps], ['affine', this.affine]]);
  }
}
